"""`tokenmaxx report SWEEP_DIR`: one HTML page of a sweep's results, its figures (PNG and SVG) and
tables (CSV).

What is charted follows the design: a grid gets heatmaps over pairs of parameters and lines over
each numeric parameter; a list design gets one bar per point; a sampled design (Latin hypercube,
Sobol, Morris) gets every run as a dot against each parameter with a binned partial-dependence
line, and Sobol and Morris designs their sensitivity indices. Bands and error bars are confidence
intervals over replicates (never over the other parameters); every caption says what was averaged.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from sim.dictionary import design_column
from sim.report.style import save_figure
from sim.output import atomic_write, atomic_write_text
from sim.sweep.results import read_sweep, runs_total
from sim.sweep.spec import SweepError, SweepSpec

MARKET_METRICS = ("inflating_share_end", "inflating_share_peak")
"""A market sweep's own headline metrics (charted first when present)."""
HEATMAP_METRICS = (*MARKET_METRICS, "roi_inflation", "gaming_share_mean", "wasted_spend_share")
LINE_METRICS = (*MARKET_METRICS, "roi_inflation", "gaming_share_mean", "wasted_spend_share", "roi_true")
SENSITIVITY_METRICS = (*MARKET_METRICS, "roi_inflation", "gaming_share_mean", "wasted_spend_share", "roi_true")
REPORT_NAME = "index.html"
FIGURE_DIR = "figures"
FIGURE_FORMATS = ("png", "svg")
SAVED_DPI = 200
"""Resolution of the PNG files beside the page (print quality; the page embeds them at screen size)."""


@dataclass(frozen=True)
class Chart:
    name: str
    figure: object
    caption: str


def write_report(sweep_dir: str | Path, out: Path | None = None) -> list[Path]:
    """Write the report page, its figures and tables; return the files written (the page first)."""
    from sim.report.html import figure_html, list_html, page, png_bytes, table_html
    from sim.sweep import charts

    sweep_dir = Path(sweep_dir)
    spec, design, table = read_sweep(sweep_dir)
    total = runs_total(spec, design)
    out = Path(out) if out is not None else sweep_dir / "report"
    for folder in ([] if out != sweep_dir / "report" else [out]) + [out / FIGURE_DIR]:
        if folder.is_symlink() or (folder.exists() and not folder.is_dir()):
            raise SweepError(f"{folder}: is a link or a file; the report writes only into a folder of its own "
                             "(remove it, or choose another folder with --out)")
    ok = table[table["status"] == "ok"]
    if ok.empty:
        raise SweepError(f"{sweep_dir}: no successful runs to report on")
    ok = ok.rename(columns={design_column(p): p for p in spec.varied})  # figures label by key path
    params = [p for p in spec.varied if ok[p].nunique() > 1]
    metrics = [m for m in LINE_METRICS if m in ok]
    written: list[Path] = []

    def save_csv(name: str, frame: pd.DataFrame) -> None:
        atomic_write(out / name, lambda p: frame.to_csv(p, index=False))
        written.append(out / name)

    charts_made = _charts(spec, ok, params, metrics)
    sensitivity = None
    if spec.design.kind in ("sobol", "morris"):
        from sim.sweep.sensitivity import sweep_indices

        sensitivity = sweep_indices(spec, design, table, [m for m in SENSITIVITY_METRICS if m in table])
        for metric, group in sensitivity.groupby("metric", sort=False):
            kind = "Sobol" if spec.design.kind == "sobol" else "Morris"
            charts_made.append(Chart(
                f"sensitivity_{metric}", charts.index_bars(group, f"{kind} indices of {charts.label(metric)}"),
                f"{kind} sensitivity of {charts.label(metric)} to each parameter (SALib), with 95% confidence. "
                + ("S1: share of the variance a parameter explains alone; ST: including its interactions."
                   if kind == "Sobol" else "mu*: mean absolute elementary effect; sigma: its spread (interactions)."),
            ))

    figures_html = []
    for chart in charts_made:
        png = png_bytes(chart.figure)
        for fmt in FIGURE_FORMATS:
            path = out / FIGURE_DIR / f"{chart.name}.{fmt}"
            atomic_write(path, lambda p, fig=chart.figure, f=fmt: save_figure(fig, p, format=f, dpi=SAVED_DPI))
            written.append(path)
        figures_html.append(figure_html(chart.name, png, chart.caption, formats=FIGURE_FORMATS))

    if params:
        per_point = pd.concat([charts.aggregate(ok, params, m).assign(metric=m) for m in metrics], ignore_index=True)
        save_csv("points.csv", per_point.rename(columns={p: design_column(p) for p in params}))
    if sensitivity is not None:
        save_csv("sensitivity.csv", sensitivity)
    save_csv("runs.csv", table)

    failed = int((table["status"] != "ok").sum())
    sections = [
        ("What was swept", table_html(["setting", "values"], _setup_rows(spec, table, failed, total))),
        ("Findings", list_html(_findings(spec, ok, params, _wage(sweep_dir)), "findings")),
        ("Figures", "".join(figures_html) or "<p>Nothing varied: no figures.</p>"),
    ]
    if sensitivity is not None:
        sections.append(("Sensitivity indices", _sensitivity_note(sensitivity) + _sensitivity_table(sensitivity)))
    sections.append(("Files", list_html(
        ["runs.csv: one row per run (as runs.parquet in the results folder; columns in docs/data-dictionary.md)",
         "points.csv: each metric's mean and replicate confidence interval per combination of parameters",
         *(["sensitivity.csv: the indices above"] if sensitivity is not None else []),
         f"{FIGURE_DIR}/: every figure as PNG and SVG"], "working")))
    market = "inflating_share_end" in table
    base = f"markets like {spec.base} (each run is a whole industry)" if market else f"the base scenario {spec.base}"
    lead = (spec.description.strip() or f"Sweep {spec.name}.") + (
        f" {len(table):,} runs of {base}; ROI figures are in %, money in $.")
    if len(table) < total:
        lead = f"{incomplete_note(len(table), total)} {lead}"
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    html = page(f"Sweep report: {spec.name}", lead, sections, f"tokenmaxx report {sweep_dir}; generated {stamp}.")
    atomic_write_text(out / REPORT_NAME, html)
    return [out / REPORT_NAME, *written]


def _charts(spec: SweepSpec, ok: pd.DataFrame, params: list[str], metrics: list[str]) -> list[Chart]:
    from sim.sweep import charts

    kind, made = spec.design.kind, []
    replicates = spec.replicates
    band = (f"line and band: the median and the 90% interval over the {replicates} plausible worlds (the same worlds "
            "at every point)" if spec.worlds and replicates > 1 else
            f"the band is the 95% confidence interval over the {replicates} replicates" if replicates > 1
            else "one run per point, so no confidence band")
    if kind == "grid":
        for x, y in itertools.combinations(params, 2):
            others = [p for p in params if p not in (x, y)]
            for metric in (m for m in HEATMAP_METRICS if m in ok):
                cells = charts.in_percent(charts.aggregate(ok, [x, y], metric), metric)
                made.append(Chart(
                    f"heatmap_{metric}__{_slug(y)}__{_slug(x)}", charts.heatmap(cells, x, y, title=charts.label(metric)),
                    f"{charts.label(metric)} for each {y} and {x}: mean of {replicates} replicate(s)"
                    + (f" and of every level of {', '.join(others)}." if others else "."),
                ))
    if kind == "grid":
        words = [p for p in params if not pd.api.types.is_numeric_dtype(ok[p])]
        hue = words[0] if words else None
        for x in (p for p in params if p != hue and pd.api.types.is_numeric_dtype(ok[p])):
            others = [p for p in params if p not in (x, hue)]
            for metric in metrics:
                cells = charts.in_percent(charts.replicate_bands(ok, x, hue, metric, spec.worlds), metric)
                name = f"lines_{metric}__{_slug(x)}" + (f"__by_{_slug(hue)}" if hue else "")
                made.append(Chart(
                    name, charts.lines(cells, x, hue, title=charts.label(metric), **(
                        {"band": "median, 90% interval over plausible worlds"} if spec.worlds else {})),
                    f"{charts.label(metric)} against {x}" + (f", one line per {hue}" if hue else "")
                    + (f", averaged over every level of {', '.join(others)}" if others else "") + f"; {band}.",
                ))
    elif kind == "list":
        for metric in metrics:
            cells = charts.in_percent(charts.replicate_bands(ok, "point", None, metric, spec.worlds), metric)
            made.append(Chart(
                f"points_{metric}", charts.point_bars(cells, _point_labels(ok, params), charts.label(metric)),
                f"{charts.label(metric)} at each listed point: bars are medians over the {replicates} plausible worlds, "
                "whiskers their 90% interval." if replicates > 1 and spec.worlds else
                f"{charts.label(metric)} at each listed point: bars are means of the {replicates} replicates, whiskers "
                "their 95% confidence interval." if replicates > 1
                else f"{charts.label(metric)} at each listed point (one run each, so no interval).",
            ))
    else:
        for metric in metrics:
            made.append(Chart(
                f"scatter_{metric}", charts.partial_dependence(ok, params, metric, charts.label(metric)),
                f"{charts.label(metric)} of every run (dots) against each sampled parameter, with the mean in "
                f"{charts.BINS} quantile bins of that parameter (line; band: 95% confidence interval of the bin's "
                "mean, which includes the spread of the other parameters). A sampled design has no grid to heat-map.",
            ))
    return made


def incomplete_note(done: int, total: int) -> str:
    """What a report of an unfinished sweep says first."""
    return (f"{done:,} of {total:,} runs finished: this sweep is incomplete ({total - done:,} runs missing; "
            "run the same sweep command again to finish it).")


def _setup_rows(spec: SweepSpec, table: pd.DataFrame, failed: int, total: int) -> list[list[str]]:
    of = f" of {total:,} finished" if len(table) < total else ""
    rows = [["design", f"{spec.design.kind}, {spec.replicates} replicate(s) per point, root seed {spec.seed}"],
            ["runs", f"{len(table):,}{of} ({len(table) - failed:,} ok, {failed:,} failed)" if failed
             else f"{len(table):,}{of}, all ok"]]
    if spec.design.kind == "list":
        rows.append(["points", f"{len(spec.design.points)} listed"])
    for path, param in spec.parameters.items():
        values = (", ".join(str(v) for v in param.values) if param.values is not None
                  else f"{param.low:g} to {param.high:g}" + (" (whole numbers)" if param.integer else ""))
        rows.append([path, values])
    for path, value in spec.fixed.items():
        rows.append([path, f"{value} (fixed)"])
    return rows


SENTENCE_NAMES = {
    "inflating_share_end": ("The share of firms on inflating KPI policies at the end", lambda v: f"{v:.0%}"),
    "roi_inflation": ("ROI inflation (reported minus true ROI)", lambda v: f"{round(100 * v) + 0:,} percentage points"),
    "gaming_share_mean": ("The share of employee-weeks spent gaming", lambda v: f"{v:.1%}"),
    "wasted_spend_share": ("The share of AI spend wasted on performative use", lambda v: _share(v)),
    "wasted_hours_cost_usd": ("The pay for hours spent gaming (industry total)", lambda v: f"${v / 1e6:,.1f}M"),
}
MARKET_ONLY = ("inflating_share_end", "wasted_hours_cost_usd")
"""Sentences only a market sweep gets (an organisation's wasted hours are in its own report)."""


def _share(value: float) -> str:
    """A share in %, with two decimals when under 1% (so 0.21% and 0.24% do not both read 0.2%)."""
    return f"{value:.2%}" if abs(value) < 0.01 else f"{value:.1%}"


def _findings(spec: SweepSpec, ok: pd.DataFrame, params: list[str], wage: float | None) -> list[str]:
    """Plain sentences: where each headline metric is lowest and highest, in its unit."""
    if not params:
        return ["No parameter varied across successful runs."]
    by = params if spec.design.kind in ("grid", "list") else None
    out = []
    market = "inflating_share_end" in ok
    for metric, (name, shown) in SENTENCE_NAMES.items():
        if metric not in ok or (metric in MARKET_ONLY and not market):
            continue
        if by is None:
            corr = ok[params].corrwith(ok[metric], method="spearman").dropna()
            if corr.empty:
                continue
            top = corr.abs().idxmax()
            out.append(f"{name} ranges from {shown(ok[metric].min())} to {shown(ok[metric].max())} across runs; "
                       f"it moves most with {top} (rank correlation {corr[top]:+.2f}).")
            continue
        means = ok.groupby(by, observed=True)[metric].mean()
        out.append(f"{name} is lowest, {shown(means.min())}, {_at(means, by, means.min())}, and highest, "
                   f"{shown(means.max())}, {_at(means, by, means.max())} (means over replicates).")
    out += _honest_inflation(ok, params)
    if {"ai_spend_usd", "employees", "weeks"} <= set(ok) and wage is not None:
        spend = (ok["ai_spend_usd"] / (ok["employees"] * ok["weeks"])).median()
        out.append(f"Why ROI moves in hundreds of percentage points: ROI is value over AI spend, and AI spend is "
                   f"about ${spend:,.2f} per employee-week (median run) against ${wage:g} for an hour of pay, so "
                   "an hour saved, claimed or wasted per week moves ROI by several hundred points.")
    return out


def _honest_inflation(ok: pd.DataFrame, params: list[str]) -> list[str]:
    """Inflation with no incentive at all is not gaming: say where it is and why."""
    if not {"kpi.strength", "kpi.regime"} <= set(params) or "roi_inflation" not in ok:
        return []
    calm = ok[ok["kpi.strength"] == 0]
    if calm.empty:
        return []
    by_regime = calm.groupby("kpi.regime", observed=True)[["roi_inflation", "gaming_share_mean"]].mean()
    inflated = by_regime[by_regime["roi_inflation"] > 0.5]
    if inflated.empty:
        return []
    where = ", ".join(f"{r} ({100 * v:,.0f} points)" for r, v in inflated["roi_inflation"].items())
    return [f"With no incentive at all (kpi.strength = 0) employee-weeks gaming average "
            f"{inflated['gaming_share_mean'].mean():.1%}, yet ROI is still inflated under {where}: that dashboard "
            "values self-reported hours, and employees honestly over-estimate their speed-up (perceived vs true "
            "speed-up, the perception gap METR measured: believed +20%, measured -19%). That part is belief, not gaming."]


def _wage(sweep_dir: Path) -> float | None:
    """The base scenario's loaded wage ($ per hour), if the folder has its resolved base."""
    from sim.scenario.io import load_scenario

    base = sweep_dir / "base_scenario.yaml"
    return load_scenario(base).economics.loaded_wage_usd_per_hour if base.is_file() else None


def _at(means: pd.Series, by: list[str], value: float) -> str:
    """'at <point>', or 'at 40 of 126 points (e.g. <point>)' when several share the value."""
    tied = means.index[(means - value).abs() <= 1e-9 + 1e-6 * abs(value)]
    if len(tied) == 1:
        return f"at {_where(by, tied[0])}"
    return f"at {len(tied)} of {len(means)} points (e.g. {_where(by, tied[0])})"


def _where(by: list[str], key: object) -> str:
    values = key if isinstance(key, tuple) else (key,)
    return ", ".join(f"{p} = {v}" for p, v in zip(by, values))


def _point_labels(ok: pd.DataFrame, params: list[str]) -> dict[int, str]:
    first = ok.groupby("point").first()
    return {int(i): "\n".join(f"{p}={row[p]}" for p in params) for i, row in first.iterrows()}


def _sensitivity_note(found: pd.DataFrame) -> str:
    """A warning when the indices' confidence intervals are too wide to rank parameters."""
    conf = [c for c in ("ST_conf", "mu_star_conf") if c in found]
    widest = float(found[conf[0]].max()) if conf else 0.0
    scale = float(found["mu_star"].abs().max()) if "mu_star" in found else 1.0
    if conf and widest > 0.25 * max(scale, 1e-12):
        return (f"<p>The confidence intervals are wide (up to ±{widest:.2f}): the ranking below is tentative; a "
                "larger design (more samples or trajectories) narrows them.</p>")
    return ""


def _sensitivity_table(found: pd.DataFrame) -> str:
    from sim.report.html import table_html

    columns = [c for c in found.columns if c not in ("metric", "parameter")]
    rows = [[str(r["metric"]), str(r["parameter"]), *(f"{r[c]:.3f}" for c in columns)] for _, r in found.iterrows()]
    return table_html(["metric", "parameter", *columns], rows)


def _slug(path: str) -> str:
    return path.replace(".", "_")
