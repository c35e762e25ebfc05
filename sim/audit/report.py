"""The audit's HTML report, in the house style of :mod:`sim.report`: estimates with intervals, what
the detector can and cannot say, how well the simulations match the export, and the working."""

from __future__ import annotations

import html
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from sim.report.html import figure_html, list_html, page, png_bytes, table_html
from sim.report.style import styled, subplots

if TYPE_CHECKING:
    from sim.audit.run import AuditResult

SHARES = ("performative_token_share", "performative_hour_share", "gaming_user_share")


@styled
def posterior_figure(values: pd.DataFrame, weights: np.ndarray, labels: dict[str, str]) -> Figure:
    """Weighted histograms of the accepted simulations' hidden shares."""
    fig, axes = subplots(1, len(SHARES), figsize=(9.5, 2.8), layout="constrained")
    for ax, name in zip(axes, SHARES, strict=True):
        ax.hist(values[name].to_numpy(dtype=float), bins=15, range=(0.0, max(0.05, float(values[name].max()) * 1.05)),
                weights=weights, color="#4c72b0")
        ax.set_title(labels[name].split(" (")[0], fontsize=9)
        ax.set_xlabel("share")
        ax.set_yticks([])
    return fig


def _pct(x: float) -> str:
    return "n/a" if not np.isfinite(x) else f"{x:.0%}"


def _usd(x: float) -> str:
    return "n/a" if not np.isfinite(x) else f"{'-' if x < 0 else '+'}${abs(x):,.0f}"


def _num(x: float) -> str:
    return "n/a" if not np.isfinite(x) else f"{x:.2f}"


def write_report(result: AuditResult, folder: Path) -> Path:
    """report.html and figures/posterior.png."""
    from sim.output import atomic_write, atomic_write_text
    from sim.audit.run import LABELS, flagging_share, statistics_table

    est = {r["estimand"]: r for r in result.estimates.to_dict("records")}
    share = est["performative_token_share"]
    lead = (f"Of the tokens in this export, an estimated {_pct(share['median'])} are performative "
            f"(90% interval {_pct(share['low_5pct'])} to {_pct(share['high_95pct'])}), under the "
            f"{result.policy.kpi.regime} KPI of policy {result.policy.name}. These are model-based estimates: "
            "what the model's organisations that produce usage like this one have in common.")
    rows = []
    for name in ("performative_token_share", "performative_hour_share", "gaming_user_share", "kpi_inflation",
                 "value_overstatement"):
        r = est[name]
        fmt = _pct if name in SHARES else _num
        rows.append([LABELS[name], fmt(r["median"]), f"{fmt(r['low_5pct'])} to {fmt(r['high_95pct'])}"])
    for name in ("true_value_change_usd_per_year", "reported_value_change_usd_per_year"):
        r = est[name]
        rows.append([LABELS[name], _usd(r["median"]), f"{_usd(r['low_5pct'])} to {_usd(r['high_95pct'])}"])
    flagged = int(result.users["flagged"].sum())
    precision, recall = est["detector_precision"], est["detector_recall"]
    flags_anywhere = flagging_share(result)
    detector = (
        f"<p>{flagged} of {len(result.users)} users reach the detector's threshold ({result.threshold:g} spreads of "
        f"genuine use). In {_pct(flags_anywhere)} of the simulated organisations that resemble this one the detector "
        "flags anyone; there, a flagged user games in at least half their weeks with probability "
        f"{_pct(precision['median'])} (90%: {_pct(precision['low_5pct'])} to {_pct(precision['high_95pct'])}), "
        f"and the detector finds {_pct(recall['median'])} of gaming users. "
        "<b>A score is a reason to look, never proof</b>: nobody should be accused on a score alone. "
        "Per-user scores (pseudonyms only) are in users.csv.</p>")
    stats = statistics_table(result)
    stat_rows = [[r["statistic"], f"{r['observed']:.3g}", f"{r['simulated_median']:.3g}",
                  f"{r['simulated_low_5pct']:.3g} to {r['simulated_high_95pct']:.3g}"] for r in stats.to_dict("records")]
    png = png_bytes(posterior_figure(result.posterior.values, result.posterior.weights, LABELS))
    atomic_write(folder / "figures" / "posterior.png", lambda p: p.write_bytes(png))
    working = [
        f"usage: {', '.join(result.sources)}; {result.observed['user'].nunique()} users, {int(result.observed['week'].max())} weeks",
        f"prior: {result.table.prior.source}; parameters {', '.join(result.table.prior.names)}",
        (f"simulations: {len(result.table.statistics):,} organisations of the export's size under the policy, "
         f"{len(result.posterior.rows)} nearest accepted (rejection ABC, Epanechnikov weights), seed {result.seed}"
         if result.method == "rejection" else
         f"simulations: {result.table.extra['simulations']:,} organisations of the export's size under the policy in "
         f"{result.table.extra['generations']} generations of pyabc's ABC-SMC (final epsilon "
         f"{result.table.extra['epsilon']:.3g}), {len(result.posterior.rows)} weighted particles, seed {result.seed}"),
        f"statistics used: {', '.join(result.posterior.statistics_used)}",
        "identifiers: replaced by salted hashes in every output",
    ]
    sections = [
        ("Estimates", table_html(["hidden quantity", "median", "90% interval"], rows)
         + figure_html("posterior", png, "Accepted simulations' hidden shares (weighted)")),
        ("What the detector can say", detector),
        ("How well the simulations match the export",
         table_html(["statistic", "observed", "simulated median", "simulated 90%"], stat_rows)
         + "<p>An observed value outside the simulated range means the model does not reproduce this export "
           "well on that statistic: read the estimates with that caution.</p>"),
        ("Working", list_html(working, "working")),
    ]
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    meta = f"tokenmaxxing {version('tokenmaxxing')}; tokenmaxx audit; generated {stamp}."
    text = page(f"Audit of AI usage under {html.unescape(result.policy.name)}", lead, sections, meta)
    path = folder / "report.html"
    atomic_write_text(path, text)
    return path
