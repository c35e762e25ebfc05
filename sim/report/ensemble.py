"""The ensemble's headlines (model brief 11.1): every number a median with its 90% interval over
plausible worlds, the probability of the sign that decides, and the KPI's paired effect.

Shared by the CLI summary and the run report.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from matplotlib.figure import Figure

from sim.ensemble import INTERVAL, Ensemble, describe
from sim.metrics import display
from sim.report.figures import COLOURS
from sim.report.style import subplots

LEVELS: tuple[tuple[str, str, str], ...] = (
    ("roi_true", "ROI in truth", "roi"),
    ("roi_reported", "ROI as reported", "roi"),
    ("value_overstatement", "value overstated", "times"),
    ("kpi_inflation", "KPI inflation", "times"),
    ("performative_share", "performative share of AI hours", "share"),
    ("gaming_share_mean", "employee-weeks gaming", "share"),
    ("wasted_spend_share", "AI spend on performative use", "share"),
)
"""(column, label, unit) of the scenario's own headlines."""

EFFECTS: tuple[tuple[str, str, str], ...] = (
    ("effect_true_value_usd", "true value", "usd"),
    ("effect_reported_value_usd", "value the dashboard reports", "usd"),
    ("effect_ai_spend_usd", "AI spend", "usd"),
    ("effect_performative_hours", "hours spent performing", "hours"),
    ("effect_true_hours_saved", "hours really saved", "hours"),
    ("effect_co2_kg", "CO2", "kg CO2"),
)
"""(column, label, unit) of the paired effects: the scenario minus its baseline, world by world."""


def compact_usd(amount: float) -> str:
    """Dollars to two or three significant figures ($950, $4.3K, -$54K, $1.2M): an interval over
    worlds is not known to the dollar."""
    size = abs(amount)
    for scale, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "K")):
        if size >= scale:
            value = size / scale
            text = f"{value:.1f}" if value < 10 else f"{value:.0f}"
            return f"{'-' if amount < 0 else ''}${text}{suffix}"
    return f"{'-' if amount < 0 else ''}${size:.0f}"


def interval_text(stats: dict[str, float], unit: str, signed: bool = False) -> str:
    """'median [low, high]' in the unit; signed effects carry a + on gains."""
    def one(v: float) -> str:
        text = compact_usd(v) if unit == "usd" and math.isfinite(v) else display(v, unit)
        return f"+{text}" if signed and v > 0 and text != "n/a" else text.replace("$-", "-$")

    if stats["worlds"] == 0:
        return "n/a"
    return f"{one(stats['median'])} [{one(stats['q05'])}, {one(stats['q95'])}]"


def chance(p: float) -> str:
    """A probability as a reader takes it in: '43%', '< 1%' or '> 99%'."""
    if not math.isfinite(p):
        return "n/a"
    return "< 1%" if p < 0.005 and p > 0 else "> 99%" if 0.995 < p < 1 else f"{p:.0%}"


def kpi_name(ensemble: Ensemble) -> str:
    kpi = ensemble.scenario.kpi
    return f"the {kpi.regime.replace('_', ' ')} KPI ({kpi.scheme}, strength {kpi.strength:g})"


def ensemble_rows(ensemble: Ensemble) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """(label, text) rows: the scenario's headlines, then the paired effects against the baseline."""
    t = ensemble.table
    roi = describe(t["roi_true"])
    levels = []
    for key, label, unit in LEVELS:
        text = interval_text(describe(t[key]), unit)
        if key == "roi_true":
            text += f"; negative in {chance(roi['p_negative'])} of worlds"
        levels.append((label, text))
    seat = describe(t["baseline_roi_true"])
    levels.append((f"ROI in truth with {ensemble.baseline_label}",
                   f"{interval_text(seat, 'roi')}; negative in {chance(seat['p_negative'])} of worlds"))
    effects = []
    for key, label, unit in EFFECTS:
        stats = describe(t[key])
        text = interval_text(stats, unit, signed=True)
        if key == "effect_true_value_usd":
            text += f"; loses value in {chance(stats['p_negative'])} of worlds"
        effects.append((label, text))
    return levels, effects


def format_ensemble(ensemble: Ensemble) -> str:
    """The CLI summary of an ensemble: headlines, the paired effect, how to read them."""
    s = ensemble.scenario
    n = len(ensemble.worlds)
    levels, effects = ensemble_rows(ensemble)
    width = max(len(label) for label, _ in levels + effects)
    lines = [f"scenario: {s.name} ({s.kpi.regime} KPI, {s.kpi.scheme} reward; {s.organization.employees:,} employees, "
             f"{s.weeks} weeks)",
             f"over {n} plausible worlds (posterior draws x seeds): median [{INTERVAL:.0%} interval]"]
    lines += [f"  {label:<{width}}  {text}" for label, text in levels]
    lines.append(f"what {kpi_name(ensemble)} does, against the same worlds with {ensemble.baseline_label} "
                 f"(paired; over the run):")
    lines += [f"  {label:<{width}}  {text}" for label, text in effects]
    lines.append(f"seats and licences are the same on both sides: the seat decision is the ROI with "
                 f"{ensemble.baseline_label} above; {len(ensemble.drawn)} parameters drawn from {ensemble.posterior_source}, "
                 "the scenario's own values kept")
    return "\n".join(lines)


def ensemble_findings(ensemble: Ensemble) -> list[str]:
    """The ensemble in plain words: the sign of true ROI, the KPI's effect, what the dashboard says."""
    t = ensemble.table
    n = len(ensemble.worlds)
    roi, reported = describe(t["roi_true"]), describe(t["roi_reported"])
    effect, credit = describe(t["effect_true_value_usd"]), describe(t["effect_reported_value_usd"])
    base = ensemble.baseline_label
    out = []
    p = roi["p_negative"]
    if p >= 0.95:
        verdict = "AI use loses money in almost every plausible world"
    elif p <= 0.05:
        verdict = "AI use pays in almost every plausible world"
    else:
        verdict = f"whether AI use pays is not settled by the evidence: true ROI is negative in {chance(p)} of worlds"
    out.append(f"Over {n} plausible worlds, {verdict} (true ROI {interval_text(roi, 'roi')}, median [90% interval]); "
               f"the dashboard reports {interval_text(reported, 'roi')}.")
    q = effect["p_negative"]
    direction = ("lowers true value" if q >= 0.95 else "raises true value" if q <= 0.05 else
                 f"changes true value by an amount whose sign is uncertain (it loses value in {chance(q)} of worlds)")
    out.append(f"Against the same worlds with {base}, {kpi_name(ensemble)} {direction}: "
               f"{interval_text(effect, 'usd', signed=True)} over the run, while the dashboard credits it with "
               f"{interval_text(credit, 'usd', signed=True)}.")
    hours = describe(t["effect_performative_hours"])
    if hours["median"] > 0:
        out.append(f"It buys {interval_text(hours, 'hours', signed=True)} of performative use and "
                   f"{interval_text(describe(t['effect_ai_spend_usd']), 'usd', signed=True)} of AI spend; the seats and "
                   "licences are the same on both sides, so the seat decision is judged by the ROI with "
                   f"{base} ({interval_text(describe(t['baseline_roi_true']), 'roi')}).")
    return out


def band_figure(ensemble: Ensemble) -> Figure:
    """Weekly bands over worlds: gaming share, and value reported and true (cumulative)."""
    fig, (left, right) = subplots(1, 2, figsize=(11, 3.8))
    weeks = np.arange(1, ensemble.weekly["gaming_share"].shape[1] + 1)
    tail = (1 - INTERVAL) / 2

    def band(ax: Any, values: np.ndarray, colour: str, label: str) -> None:
        low, mid, high = np.quantile(values, [tail, 0.5, 1 - tail], axis=0)
        ax.fill_between(weeks, low, high, color=colour, alpha=0.25, linewidth=0)
        ax.plot(weeks, mid, color=colour, label=f"{label}: median, {INTERVAL:.0%} band")

    band(left, ensemble.weekly["gaming_share"], COLOURS["performative"], "employees gaming")
    left.set(xlabel="week", ylabel="share of employees", title="Gaming over plausible worlds", ylim=(0, None))
    band(right, np.cumsum(ensemble.weekly["reported_value_usd"], axis=1) / 1e3, COLOURS["reported"], "reported value")
    band(right, np.cumsum(ensemble.weekly["true_value_usd"], axis=1) / 1e3, COLOURS["true"], "true value")
    band(right, np.cumsum(ensemble.weekly["ai_spend_usd"], axis=1) / 1e3, COLOURS["seats"], "AI spend")
    right.set(xlabel="week", ylabel="thousand USD, cumulative", title="Value and spend over plausible worlds")
    for ax in (left, right):
        ax.legend(fontsize=8, loc="upper left")
    return fig


def effect_figure(ensemble: Ensemble) -> Figure:
    """The paired effect on true and reported value, one point per world (histograms)."""
    fig, ax = subplots(1, 1, figsize=(7, 3.6))
    t = ensemble.table
    series = {key: t[key].to_numpy(dtype=float) / 1e3 for key in ("effect_reported_value_usd", "effect_true_value_usd")}
    values = np.concatenate(list(series.values()))
    bins = np.histogram_bin_edges(values[np.isfinite(values)], bins=40)
    for key, label, colour in (("effect_reported_value_usd", "value the dashboard reports", COLOURS["reported"]),
                               ("effect_true_value_usd", "true value", COLOURS["true"])):
        finite = series[key][np.isfinite(series[key])]
        ax.hist(finite, bins=bins, alpha=0.6, color=colour, label=label)
    ax.axvline(0, color="black", linewidth=0.8)
    ax.set(xlabel=f"thousand USD over the run, against {ensemble.baseline_label} (paired by world)",
           ylabel="worlds", title=f"What the KPI does, world by world ({len(ensemble.worlds)} worlds)")
    ax.legend(fontsize=8)
    return fig
