"""The calibration report: one HTML page with captions, findings in words, tables and charts
(figures also saved as PNG and SVG)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from sim.output import atomic_write
from sim.report.html import figure_html, list_html, page, png_bytes, table_html
from sim.report.style import save_figure, styled

if TYPE_CHECKING:
    from sim.calibrate.run import Calibration


@styled
def parameter_chart(parameters: pd.DataFrame) -> Figure:
    """Each parameter's prior range (grey), accepted 5-95% range (blue) and fitted value (red), on
    the prior's scale."""
    fig = Figure(figsize=(7.5, 0.5 + 0.42 * len(parameters)), layout="constrained")
    ax = fig.add_subplot()
    for i, row in enumerate(parameters.itertuples()):
        span = row.prior_high - row.prior_low
        ax.barh(i, 1.0, left=0.0, color="#dddddd", height=0.6)
        if np.isfinite(row.accepted_low):
            ax.barh(i, (row.accepted_high - row.accepted_low) / span, left=(row.accepted_low - row.prior_low) / span,
                    color="#6baed6", height=0.6)
        ax.plot((row.fitted - row.prior_low) / span, i, "o", color="#d62728")
        ax.text(1.02, i, f"{row.fitted:g}  ({row.prior_low:g} to {row.prior_high:g})", va="center", fontsize=8)
    ax.set_yticks(range(len(parameters)), parameters["parameter"], fontsize=8)
    ax.invert_yaxis()
    ax.set_xlim(0, 1.55)
    ax.set_xticks([0, 0.5, 1.0], ["prior low", "middle", "prior high"])
    ax.set_title("Prior range (grey), accepted 5-95% (blue), fitted value (red)", loc="left", fontsize=10)
    ax.spines[["top", "right"]].set_visible(False)
    return fig


@styled
def target_chart(targets: pd.DataFrame) -> Figure:
    """Each target's accepted range and the value achieved at the fitted parameters, as a share of the
    distance from the published value to the edge of the range (within the band = within tolerance)."""
    fig = Figure(figsize=(7.5, 0.5 + 0.42 * len(targets)), layout="constrained")
    ax = fig.add_subplot()
    ax.axvspan(-1, 1, color="#c7e9c0")
    for i, row in enumerate(targets.itertuples()):
        edge = row.high if row.achieved >= row.value else row.low
        if edge is None or edge != edge or edge == row.value:
            x = 0.0 if row.within else 1.5
        else:
            x = float(np.clip((row.achieved - row.value) / abs(edge - row.value), -1.5, 1.5))
        ax.plot(x, i, "o", color="#238b45" if row.within else "#d62728")
        ax.text(1.6, i, f"{row.achieved:.3g} (value {row.value:g}; {row.role})", va="center", fontsize=8)
    ax.axvline(0, color="black", lw=0.5)
    ax.set_yticks(range(len(targets)), targets["target"], fontsize=8)
    ax.invert_yaxis()
    ax.set_xlim(-1.6, 3.2)
    ax.set_xticks([-1, 0, 1], ["low edge", "value", "high edge"])
    ax.set_title("Targets at the fitted values (green band: accepted range)", loc="left", fontsize=10)
    ax.spines[["top", "right"]].set_visible(False)
    return fig


@styled
def sensitivity_chart(sensitivity: pd.DataFrame) -> Figure:
    """Total-order Sobol indices ST of each output (rows) for each parameter (columns)."""
    grid = sensitivity.pivot(index="metric", columns="parameter", values="ST").fillna(0.0)
    fig = Figure(figsize=(1.8 + 0.75 * grid.shape[1], 1.2 + 0.45 * grid.shape[0]), layout="constrained")
    ax = fig.add_subplot()
    image = ax.imshow(np.clip(grid.to_numpy(dtype=float), 0, 1), cmap="Blues", vmin=0, vmax=1, aspect="auto")
    ax.set_xticks(range(grid.shape[1]), [c.replace("behavior.", "").replace("usage.", "") for c in grid.columns],
                  rotation=35, ha="right", fontsize=8)
    ax.set_yticks(range(grid.shape[0]), grid.index, fontsize=8)
    for (i, j), value in np.ndenumerate(grid.to_numpy(dtype=float)):
        ax.text(j, i, f"{value:.2f}", ha="center", va="center", fontsize=7, color="white" if value > 0.5 else "black")
    fig.colorbar(image, ax=ax, label="total Sobol index ST")
    ax.set_title("Which parameters the outputs depend on (Sobol ST)", loc="left", fontsize=10)
    return fig


@styled
def robustness_chart(robustness: pd.DataFrame, output: str, title: str, percent: bool = False) -> Figure:
    """The 5-95% range and median of one output across the accepted sets, per scenario measured."""
    rows = robustness[robustness["output"] == output]
    fig = Figure(figsize=(7.5, 0.6 + 0.4 * max(len(rows), 1)), layout="constrained")
    ax = fig.add_subplot()
    scale = 100.0 if percent else 1.0
    for i, row in enumerate(rows.itertuples()):
        ax.plot([row.q05 * scale, row.q95 * scale], [i, i], color="#6baed6", lw=6, solid_capstyle="butt")
        ax.plot(row.median * scale, i, "o", color="#08519c")
    ax.set_yticks(range(len(rows)), rows["measured_on"], fontsize=8)
    ax.invert_yaxis()
    ax.set_xlabel(title + (" (%)" if percent else ""))
    ax.set_title(f"{title} across the accepted parameter sets (5-95%, median)", loc="left", fontsize=10)
    ax.grid(axis="x", alpha=0.3)
    return fig


@styled
def ranking_chart(ranking: pd.DataFrame) -> Figure:
    fig = Figure(figsize=(6.4, 3.0), layout="constrained")
    ax = fig.add_subplot()
    ax.barh(ranking["regime"] + " (" + ranking["seed_rating"] + ")", 100 * ranking["share_agreeing"], color="#756bb1")
    ax.set_xlim(0, 100)
    ax.invert_yaxis()
    ax.set_xlabel("accepted parameter sets agreeing with the seed's rating (%)")
    ax.set_title("The seed's metric table across the accepted sets", loc="left", fontsize=10)
    return fig


def findings(calibration: Calibration) -> list[str]:
    fit = calibration.fit
    out = [f"{len(fit.accepted):,} of {len(fit.table):,} parameter sets ({len(fit.accepted) / max(len(fit.table), 1):.1%}) "
           f"reproduce every fit target within its range; the defaults are the accepted set closest to the targets."]
    missed = fit.targets[~fit.targets["within"]]
    if len(missed):
        out.append("At the fitted values these targets are NOT within range: " + ", ".join(
            f"{r.target} ({r.achieved:.3g} against {r.value:g})" for r in missed.itertuples()) +
            ": the model with sensible parameters cannot meet them all at once.")
    else:
        out.append("At the fitted values every target, checks included, is within its range.")
    loose = fit.parameters[~fit.parameters["pinned"]]
    if len(loose):
        out.append("The evidence does not pin down " + ", ".join(loose["parameter"]) +
                   " (their accepted 5-95% range spans more than half the prior range): results that depend on "
                   "them rest on ASSUMPTIONS.")
    for row in fit.ranking.itertuples():
        out.append(f"{row.regime}: rated {row.seed_rating} by the seed; the model agrees in {row.share_agreeing:.0%} "
                   "of accepted sets.")
    return out


def write_report(calibration: Calibration) -> list:
    fit, out = calibration.fit, calibration.out_dir
    charts: dict[str, tuple[Figure, str]] = {
        "parameters": (parameter_chart(fit.parameters), "Prior and accepted ranges of the free parameters, and the fitted values."),
        "targets": (target_chart(fit.targets), "Each target at the fitted values against its accepted range."),
    }
    if calibration.sensitivity is not None and len(calibration.sensitivity):
        charts["sensitivity"] = (sensitivity_chart(calibration.sensitivity),
                                 "Global sensitivity (total Sobol indices over the prior box, SALib), replacing the "
                                 "one-at-a-time table of earlier versions.")
    if len(fit.robustness):
        charts["value_overstatement"] = (robustness_chart(fit.robustness, "value_overstatement", "value overstatement (x)"),
                                         "How much the dashboard overstates the value of AI, per scenario measured, "
                                         "across the accepted sets.")
        charts["wasted_spend_share"] = (robustness_chart(fit.robustness, "wasted_spend_share", "share of AI spend wasted", True),
                                        "Share of AI spend on performative use across the accepted sets.")
        charts["gaming_share"] = (robustness_chart(fit.robustness, "gaming_share_mean", "employee-weeks gaming", True),
                                  "Share of employee-weeks with gaming across the accepted sets.")
    if len(fit.ranking):
        charts["ranking"] = (ranking_chart(fit.ranking), "In what share of accepted sets each regime gets the seed's rating.")
    rendered = {name: (png_bytes(fig), caption, fig) for name, (fig, caption) in charts.items()}
    written = []
    for name, (png, _, fig) in rendered.items():
        atomic_write(out / "figures" / f"{name}.png", lambda p, data=png: p.write_bytes(data))
        atomic_write(out / "figures" / f"{name}.svg", lambda p, f=fig: save_figure(f, p, format="svg"))
        written += [out / "figures" / f"{name}.png", out / "figures" / f"{name}.svg"]

    def fmt(value) -> str:
        if value is None or (isinstance(value, float) and value != value):
            return ""
        return f"{value:.4g}" if isinstance(value, float) else str(value)

    parameters = [[r.parameter, fmt(r.prior_low), fmt(r.prior_high), fmt(r.accepted_low), fmt(r.accepted_high),
                   fmt(r.fitted), "yes" if r.pinned else "no", r.source] for r in fit.parameters.itertuples()]
    targets = [[r.target, r.role, fmt(r.value), fmt(r.low), fmt(r.high), fmt(r.achieved), "yes" if r.within else "NO",
                r.source] for r in fit.targets.itertuples()]
    sections = [
        ("What the fit says", list_html(findings(calibration), "findings")),
        ("Fitted values and accepted ranges", table_html(
            ["parameter", "prior low", "prior high", "accepted 5%", "accepted 95%", "fitted", "pinned", "source"], parameters)),
        ("Targets", table_html(["target", "role", "value", "low", "high", "at fitted values", "within", "source"], targets)),
        ("Figures", "".join(figure_html(name, png, caption) for name, (png, caption, _) in rendered.items())),
        ("Method", list_html([
            f"Prior: uniform on each parameter's range. Fit: a Latin hypercube of {calibration.result['prescreened_sets']:,} "
            "parameter sets (SALib) screened on the fit targets that need no run (the parameters' own measures, exact); "
            f"{calibration.result['prescreen_survivors']:,} survived, and {calibration.result['parameter_sets']:,} of them "
            "were measured on the run targets, each until a fit target fell out of its range. Rejection ABC with a "
            "uniform kernel: accepted = every fit target within its range. Sensitivity: SALib's Sobol design with N = "
            f"{calibration.result['sensitivity_samples']} ({calibration.result['sensitivity_parameter_sets']:,} sets, every "
            f"target measured). Root seed {calibration.result['seed']}.",
            "Each set is measured on every target's scenario with common random numbers (the same seeds for every set).",
            "Acceptance: every `fit` target within its range (rejection ABC with a uniform kernel; history matching with "
            "the ranges as the implausibility cut-off). `check` targets are reported and break ties.",
            "Fitted values: among accepted sets (those passing most checks first), the one with the smallest sum of "
            "squared implausibilities (distance to the value over the half-range), to three significant digits.",
            "Sobol indices (SALib sobol.analyze) are over the whole prior box, not only the accepted sets.",
        ], "working")),
    ]
    html = page(f"Calibration: {calibration.spec.name}", calibration.spec.description or "", sections,
                f"generated {calibration.result['generated']}; wall time {calibration.wall_time_s:.0f} s")
    atomic_write(out / "report.html", lambda p: p.write_text(html, encoding="utf-8"))
    written.append(out / "report.html")
    return written
