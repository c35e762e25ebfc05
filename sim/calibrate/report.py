"""The calibration report: one HTML page with findings in words, tables and charts (figures also
saved as PNG and SVG): the posterior against the prior, the targets' posterior predictive, the
seed article's claims as out-of-sample checks, simulation-based calibration, leave-one-target-out
prediction, the ABC-SMC run and global sensitivity. For --quick it is a smoke test and says so."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from sim.output import atomic_write
from sim.report.html import figure_html, list_html, page, png_bytes, table_html
from sim.report.style import save_figure, styled

if TYPE_CHECKING:
    from sim.calibrate.run import Calibration


def _short(name: str) -> str:
    return name.replace("behavior.", "").replace("usage.", "").replace("economics.", "").replace("detection.", "")


@styled
def parameter_chart(parameters: pd.DataFrame) -> Figure:
    """Each parameter's prior 90% (grey), posterior 90% (blue) and central draw (red), on the prior's scale."""
    fig = Figure(figsize=(7.5, 0.6 + 0.42 * len(parameters)), layout="constrained")
    ax = fig.add_subplot()
    for i, row in enumerate(parameters.itertuples()):
        span = row.prior_high - row.prior_low
        scale = lambda v: (v - row.prior_low) / span  # noqa: E731
        ax.barh(i, scale(row.prior_q95) - scale(row.prior_q05), left=scale(row.prior_q05), color="#dddddd", height=0.6)
        if math.isfinite(row.posterior_q05):
            ax.barh(i, scale(row.posterior_q95) - scale(row.posterior_q05), left=scale(row.posterior_q05),
                    color="#6baed6" if row.pinned else "#c6dbef", height=0.6)
        ax.plot(scale(row.central), i, "o", color="#d62728")
        ax.text(1.02, i, f"{row.central:g}  ({'pinned' if row.pinned else 'not pinned'})", va="center", fontsize=8)
    ax.set_yticks(range(len(parameters)), [_short(p) for p in parameters["parameter"]], fontsize=8)
    ax.invert_yaxis()
    ax.set_xlim(0, 1.45)
    ax.set_xticks([0, 0.5, 1.0], ["prior low", "middle", "prior high"])
    ax.set_title("Prior 90% (grey), posterior 90% (blue; pale: not pinned), central draw (red)", loc="left", fontsize=10)
    ax.spines[["top", "right"]].set_visible(False)
    return fig


@styled
def target_chart(targets: pd.DataFrame) -> Figure:
    """Each target's posterior predictive 90% interval against the evidence's range, in units of the
    half-range (the green band: within the evidence's range)."""
    fig = Figure(figsize=(7.5, 0.6 + 0.42 * len(targets)), layout="constrained")
    ax = fig.add_subplot()
    ax.axvspan(-1, 1, color="#c7e9c0")

    def unit(row, v: float) -> float:
        """Distance from the value over the half-range on that side (the other side's when one-sided)."""
        def usable(edge) -> bool:
            return edge is not None and not (isinstance(edge, float) and math.isnan(edge)) and edge != row.value

        edge = row.high if v >= row.value else row.low
        if not usable(edge):
            edge = row.low if usable(row.low) else row.high
        if not math.isfinite(v) or not usable(edge):
            return 0.0
        return float(np.clip((v - row.value) / abs(edge - row.value), -2.5, 2.5))

    for i, row in enumerate(targets.itertuples()):
        if not math.isfinite(row.predicted_median):
            continue
        color = "#756bb1" if row.role == "check" else "#238b45"
        ax.plot([unit(row, row.predicted_q05), unit(row, row.predicted_q95)], [i, i], color=color, lw=5, solid_capstyle="butt")
        ax.plot(unit(row, row.predicted_median), i, "o", color="black", ms=4)
        ax.text(2.65, i, f"{row.predicted_q05:.3g}..{row.predicted_q95:.3g} (value {row.value:g}; {row.role}); "
                f"{row.share_within:.0%} within", va="center", fontsize=7)
    ax.axvline(0, color="black", lw=0.5)
    ax.set_yticks(range(len(targets)), targets["target"], fontsize=8)
    ax.invert_yaxis()
    ax.set_xlim(-2.6, 6.8)
    ax.set_xticks([-1, 0, 1], ["low edge", "value", "high edge"])
    ax.set_title("Posterior predictive 90% (green: fitted; purple: checks) vs the evidence",
                 loc="left", fontsize=10)
    ax.spines[["top", "right"]].set_visible(False)
    return fig


@styled
def sbc_chart(coverage: pd.DataFrame) -> Figure:
    """Coverage of known parameters by the 50% and 90% intervals, with the binomial 95% band."""
    params = list(dict.fromkeys(coverage["parameter"]))
    fig = Figure(figsize=(7.5, 0.8 + 0.42 * len(params)), layout="constrained")
    ax = fig.add_subplot()
    for level, color, offset in ((0.5, "#9ecae1", -0.15), (0.9, "#08519c", 0.15)):
        rows = coverage[coverage["level"] == level].set_index("parameter").loc[params]
        y = np.arange(len(params)) + offset
        ax.barh(y, rows["band_high"] - rows["band_low"], left=rows["band_low"], height=0.25, color="#eeeeee")
        ax.plot(rows["coverage"], y, "o", color=color, label=f"{level:.0%} intervals")
        ax.axvline(level, color=color, lw=0.8, ls="--")
    ax.set_yticks(range(len(params)), [_short(p) for p in params], fontsize=8)
    ax.invert_yaxis()
    ax.set_xlim(0, 1)
    ax.set_xlabel("share of synthetic datasets whose interval covers the known parameter")
    ax.legend(fontsize=8, loc="lower left")
    ax.set_title("SBC: coverage against the nominal rate (dashed; grey: binomial 95% band)",
                 loc="left", fontsize=10)
    return fig


@styled
def rank_chart(ranks: pd.DataFrame, accept: int) -> Figure:
    """SBC rank histograms (the known value's rank among its fit's draws): flat if calibrated."""
    params = list(dict.fromkeys(ranks["parameter"]))
    cols = 4
    rows_n = max(1, math.ceil(len(params) / cols))
    fig = Figure(figsize=(7.5, 1.5 * rows_n + 0.5), layout="constrained")
    bins = np.linspace(0, accept, min(11, accept + 1))
    for k, p in enumerate(params):
        ax = fig.add_subplot(rows_n, cols, k + 1)
        values = ranks.loc[ranks["parameter"] == p, "rank"]
        ax.hist(values, bins=bins, color="#6baed6")
        ax.axhline(len(values) / (len(bins) - 1), color="black", lw=0.8, ls="--")
        ax.set_title(_short(p), fontsize=7)
        ax.set_yticks([])
        ax.tick_params(labelsize=6)
    fig.suptitle("SBC rank histograms (dashed: uniform)", fontsize=10, x=0.02, ha="left")
    return fig


@styled
def loo_chart(loo: pd.DataFrame) -> Figure:
    """Each target predicted from the others (90% interval) against its published value and range."""
    fig = Figure(figsize=(7.5, 0.6 + 0.5 * len(loo)), layout="constrained")
    axes = fig.subplots(len(loo), 1, squeeze=False)[:, 0]
    for ax, row in zip(axes, loo.itertuples()):
        lows = [v for v in (row.low, row.predicted_q05, row.value) if v is not None and math.isfinite(v)]
        highs = [v for v in (row.high, row.predicted_q95, row.value) if v is not None and math.isfinite(v)]
        if row.low is not None and row.high is not None and math.isfinite(row.low) and math.isfinite(row.high):
            ax.axvspan(row.low, row.high, color="#c7e9c0")
        if math.isfinite(row.predicted_q05):
            ax.plot([row.predicted_q05, row.predicted_q95], [0, 0], color="#08519c" if row.covers else "#d62728", lw=5)
        ax.plot(row.value, 0, "k|", ms=14)
        pad = 0.05 * ((max(highs) - min(lows)) or 1)
        ax.set_xlim(min(lows) - pad, max(highs) + pad)
        ax.set_yticks([0], [row.target], fontsize=8)
        ax.tick_params(axis="x", labelsize=7)
        ax.spines[["top", "right", "left"]].set_visible(False)
    axes[0].set_title("Leave one target out: predicted 90% (blue covers, red misses) vs published (|)",
                      loc="left", fontsize=10)
    return fig


@styled
def generations_chart(generations: pd.DataFrame) -> Figure:
    """The ABC-SMC tolerance and acceptance rate by generation."""
    fig = Figure(figsize=(7.5, 2.6), layout="constrained")
    ax = fig.add_subplot()
    ax.plot(generations["t"], generations["epsilon"], "o-", color="#08519c", label="tolerance")
    ax.axhline(1.0, color="#238b45", ls="--", lw=0.8)
    ax.set_yscale("log")
    ax.set_xlabel("generation")
    ax.set_ylabel("tolerance (max implausibility)")
    twin = ax.twinx()
    twin.plot(generations["t"], 100 * generations["acceptance_rate"], "s--", color="#756bb1", label="acceptance")
    twin.set_ylabel("acceptance (%)")
    ax.set_title("ABC-SMC: tolerance down to 1 (every fitted target within its range), acceptance rate", loc="left", fontsize=10)
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
    """The posterior 90% interval and median of one output, per scenario measured."""
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
    ax.set_title(f"{title} across the posterior (90%, median)", loc="left", fontsize=10)
    ax.grid(axis="x", alpha=0.3)
    return fig


@styled
def checks_chart(checks: pd.DataFrame) -> Figure:
    fig = Figure(figsize=(6.4, 3.0), layout="constrained")
    ax = fig.add_subplot()
    ax.barh(checks["regime"] + " (" + checks["seed_rating"] + ")", 100 * checks["share_reproducing"], color="#756bb1")
    ax.set_xlim(0, 100)
    ax.invert_yaxis()
    ax.set_xlabel("posterior draws reproducing the seed's rating (%)")
    ax.set_title("The seed article's metric table, out of sample", loc="left", fontsize=10)
    return fig


def findings(calibration: Calibration) -> list[str]:
    """What the calibration says, in words; for --quick only what was run (no conclusion)."""
    from sim.calibrate.run import SMOKE

    fit, r = calibration.fit, calibration.result
    if calibration.quick:
        return [SMOKE, f"Ran: ABC-SMC with {r['posterior_draws']} particles, {len(calibration.abc.generations)} "
                f"generation(s), {r['simulations']} simulated parameter sets; SBC on {r['sbc_datasets']} synthetic datasets "
                f"and leave-one-out on a table of {r['reference_samples']} prior simulations. Run `tokenmaxx calibrate` "
                "without --quick for a calibration."]
    out = [f"The posterior: {r['posterior_draws']:,} draws (effective sample size {r['effective_sample_size']:,.0f}) from "
           f"ABC-SMC (pyabc {r['pyabc_version']}) after {len(calibration.abc.generations)} generations and "
           f"{r['simulations']:,} simulated parameter sets ({r['abc_wall_time_s'] / 60:.0f} min); final tolerance "
           f"{r['final_epsilon']:.3g} (1 = every fitted "
           "target within the evidence's range). The library's defaults are its central draw. Nothing is chosen by "
           "agreement with the seed article."]
    pinned = fit.parameters[fit.parameters["pinned"]]
    loose = fit.parameters[~fit.parameters["pinned"]]
    if len(pinned):
        out.append("The evidence pins (posterior 90% interval under half the prior's): " + ", ".join(
            f"{r.parameter} ({r.posterior_q05:.3g} to {r.posterior_q95:.3g}; prior {r.prior_q05:.3g} to {r.prior_q95:.3g})"
            for r in pinned.itertuples()) + ".")
    if len(loose):
        out.append("The evidence does NOT pin " + ", ".join(
            f"{r.parameter} ({r.posterior_q05:.3g} to {r.posterior_q95:.3g})" for r in loose.itertuples()) +
            ": they stay uncertain in every answer (ensembles draw them from the posterior).")
    constraints = fit.targets[fit.targets["role"] == "constraint"]
    for row in constraints.itertuples():
        out.append(f"Constraint {row.target}: an identity, {row.equation}.")
    for row in fit.targets[fit.targets["role"] != "check"].itertuples():
        if math.isfinite(row.share_within):
            out.append(f"{row.target}: posterior predictive {row.predicted_q05:.3g} to {row.predicted_q95:.3g} against "
                       f"the evidence's {row.value:g}; {row.share_within:.0%} of draws within its range.")
    for row in fit.checks.itertuples():
        out.append(f"Check (the seed's claim, not fitted) {row.regime}: rated {row.seed_rating}; "
                   f"{row.share_reproducing:.0%} of posterior draws reproduce it.")
    cover = calibration.coverage
    for level in sorted(cover["level"].unique()) if len(cover) else []:
        rows = cover[cover["level"] == level]
        out.append(f"SBC: the {level:.0%} intervals cover the known parameter in {rows['coverage'].min():.0%} to "
                   f"{rows['coverage'].max():.0%} of {int(rows['datasets'].iloc[0])} synthetic datasets "
                   f"({int(rows['within_band'].sum())} of {len(rows)} parameters within the binomial 95% band).")
    for row in calibration.loo.itertuples():
        out.append(f"Leave {row.target} out: predicted {row.predicted_q05:.3g} to {row.predicted_q95:.3g} (90%) from the "
                   f"others; the published {row.value:g} is {'inside' if row.covers else 'OUTSIDE'} "
                   f"(tolerance reached {row.tolerance:.2g}).")
    if len(calibration.loo) and calibration.loo["tolerance"].min() > 1:
        out.append(f"The leave-one-out fits reach a tolerance of {calibration.loo['tolerance'].min():.2g} to "
                   f"{calibration.loo['tolerance'].max():.2g} (the nearest {r['accept']} of {r['reference_samples']:,} prior "
                   "simulations), looser than the posterior's 1: their intervals are wide, so covering is a weak test; a "
                   "target outside them would still be a strong sign of conflicting evidence.")
    over = cover[(cover["coverage"] > cover["band_high"])] if len(cover) else cover
    if len(over):
        out.append("Intervals wider than nominal (conservative) for " + ", ".join(sorted(set(over["parameter"]))) +
                   ": rejection ABC's tolerance blurs a sharp constraint; none are narrower than nominal."
                   if not (cover["coverage"] < cover["band_low"]).any() else
                   "Some intervals are wider than nominal (conservative): " + ", ".join(sorted(set(over["parameter"]))) + ".")
    return out


def write_report(calibration: Calibration) -> list:
    fit, out = calibration.fit, calibration.out_dir
    charts: dict[str, tuple[Figure, str]] = {
        "parameters": (parameter_chart(fit.parameters), "Prior and posterior 90% intervals of the free parameters and "
                       "the central draw (the library default)."),
        "targets": (target_chart(fit.targets), "Each target's posterior predictive interval against the evidence."),
        "generations": (generations_chart(calibration.abc.generations), "The ABC-SMC run."),
    }
    if len(calibration.coverage):
        charts["sbc"] = (sbc_chart(calibration.coverage), "Simulation-based calibration: coverage of known parameters "
                         "of synthetic data by the 50% and 90% intervals (rejection ABC on the reference table).")
        charts["sbc_ranks"] = (rank_chart(calibration.ranks, calibration.result["accept"]), "SBC rank histograms.")
    if len(calibration.loo):
        charts["leave_one_out"] = (loo_chart(calibration.loo), "Leave-one-target-out: each fitted target predicted "
                                   "from the others.")
    if len(fit.checks):
        charts["checks"] = (checks_chart(fit.checks), "The seed article's metric table, reported as the share of "
                            "posterior draws reproducing each rating (never fitted).")
    if calibration.sensitivity is not None and len(calibration.sensitivity):
        charts["sensitivity"] = (sensitivity_chart(calibration.sensitivity),
                                 "Global sensitivity of the fitted targets (total Sobol indices over the prior box, SALib).")
    if len(fit.robustness):
        charts["roi_true"] = (robustness_chart(fit.robustness, "roi_true", "ROI in truth", True),
                              "True ROI per scenario measured, across the posterior.")
        charts["value_overstatement"] = (robustness_chart(fit.robustness, "value_overstatement", "value overstatement (x)"),
                                         "How much the dashboard overstates the value of AI, across the posterior.")
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

    parameters = [[r.parameter, fmt(r.prior_q05), fmt(r.prior_q95), fmt(r.posterior_q05), fmt(r.posterior_median),
                   fmt(r.posterior_q95), fmt(r.central), "yes" if r.pinned else "NO", "world" if r.world else "nuisance",
                   r.source] for r in fit.parameters.itertuples()]
    targets = [[r.target, r.role, fmt(r.value), fmt(r.low), fmt(r.high), fmt(r.predicted_q05), fmt(r.predicted_median),
                fmt(r.predicted_q95), f"{r.share_within:.0%}" if math.isfinite(r.share_within) else "",
                fmt(r.at_central), r.equation or r.source] for r in fit.targets.itertuples()]
    loo = [[r.target, fmt(r.value), fmt(r.predicted_q05), fmt(r.predicted_median), fmt(r.predicted_q95),
            "yes" if r.covers else "NO", f"{r.share_within_range:.0%}" if math.isfinite(r.share_within_range) else "",
            fmt(r.tolerance)] for r in calibration.loo.itertuples()]
    cover = calibration.coverage.pivot(index="parameter", columns="level", values="coverage") if len(calibration.coverage) else None
    sbc_rows = [[p, *(f"{v:.0%}" for v in cover.loc[p])] for p in cover.index] if cover is not None else []
    r = calibration.result
    sections = [
        ("What the calibration says", list_html(findings(calibration), "findings")),
        ("Parameters: prior and posterior", table_html(
            ["parameter", "prior 5%", "prior 95%", "posterior 5%", "median", "posterior 95%", "central (default)",
             "pinned", "kind", "source"], parameters)),
        ("Targets: evidence, constraints and checks", table_html(
            ["target", "role", "value", "low", "high", "predicted 5%", "median", "predicted 95%", "draws within",
             "at the central draw", "identity / source"], targets)),
        ("Simulation-based calibration", table_html(["parameter", *(f"{c:.0%} intervals cover" for c in (cover.columns if cover is not None else []))], sbc_rows)),
        ("Leave-one-target-out", table_html(["left out", "published", "predicted 5%", "median", "predicted 95%", "covers",
                                             "draws within range", "tolerance"], loo)),
        ("Figures", "".join(figure_html(name, png, caption) for name, (png, caption, _) in rendered.items())),
        ("Method", list_html([
            f"Prior: uniform on each parameter's range. Posterior: ABC-SMC (pyabc {r['pyabc_version']}), population "
            f"{r['population_size']}, multivariate normal perturbation (Silverman bandwidth), tolerance the weighted "
            f"{r['quantile']:.0%} quantile of the last generation's distances and never below 1, stopped at 1, at "
            f"{r['max_generations']} generations or below {r['min_acceptance_rate']:.1%} acceptance. Root seed {r['seed']}.",
            "Distance: the largest implausibility over the fit and constraint targets, |simulated - value| over the "
            "half-range on that side (1 = at the edge of the evidence's range). Each parameter set is run once with its own "
            "seed (from the root seed and its values), so the simulator's noise is in the posterior.",
            "Simulations: pyabc proposes a batch, the batch is simulated at once on the batched engine (over the sweep "
            "executors), and pyabc's proposals are replayed from the same random state and answered from the batch.",
            "Checks (the seed article's metric table: KPI inflation at strength 1 under each regime) are measured on every "
            "posterior draw, never fitted; nuisance parameters (the seed firms' KPI strengths) apply only to their targets' "
            "runs and are not in the shipped posterior.",
            f"SBC and leave-one-out: rejection ABC (the {r['accept']} nearest of {r['reference_samples']:,} prior "
            "simulations) on the same simulator, distance and targets; they test that approximation, not the SMC run.",
            "Central draw: the draw nearest the weighted median of every world parameter, each scaled by its weighted "
            "interquartile range (sim.calibrate.posterior.Posterior.central). Draws are shipped to 3 significant digits.",
        ], "working")),
    ]
    title = f"Calibration: {calibration.spec.name}" + (" (SMOKE TEST)" if calibration.quick else "")
    html = page(title, calibration.spec.description or "", sections,
                f"generated {r['generated']}; wall time {calibration.wall_time_s:.0f} s")
    atomic_write(out / "report.html", lambda p: p.write_text(html, encoding="utf-8"))
    written.append(out / "report.html")
    return written
