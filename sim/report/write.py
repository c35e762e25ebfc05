"""Build and write the run report and the comparison report (HTML plus PNG files, atomically)."""

from __future__ import annotations

from datetime import datetime, timezone
from importlib.metadata import version
from pathlib import Path

from matplotlib.figure import Figure

from sim.compare import HEADLINE_METRICS, Comparison, format_cell, headline_table
from sim.output import atomic_write, atomic_write_text
from sim.report.compare_figures import comparison_figures
from sim.report.figures import OPTIONAL_FIGURES, RUN_FIGURES
from sim.report.findings import comparison_findings, cost_working, run_findings
from sim.report.headlines import run_headlines
from sim.report.html import figure_html, list_html, page, png_bytes, table_html
from sim.runner import RunResult
from sim.scenario.schema import Scenario

REPORT_NAME = "report.html"
FIGURE_DIR = "figures"


def write_run_report(result: RunResult, out_dir: Path) -> list[Path]:
    """Write report.html and figures/*.png for one run; return the paths written."""
    ts = result.timeseries
    chosen = {name: (plot(ts), caption) for name, (plot, caption) in RUN_FIGURES.items()}
    chosen.update({name: (plot(ts), caption) for name, (plot, caption, shown) in OPTIONAL_FIGURES.items() if shown(ts)})
    figures = _render(chosen)
    summary, scenario = result.summary, result.scenario
    headline_rows = [list(row) for row in run_headlines(summary, scenario, ts)]
    sections = [
        ("Headline numbers", table_html(["metric", "value over the run"], headline_rows)),
        ("What the numbers say", list_html(run_findings(summary, scenario, result.timeseries,
                                                       result.model.management.events), "findings")),
        ("Figures", _figures_html(figures)),
        ("How the costs were computed", list_html(cost_working(summary, scenario, ts), "working")),
        ("Scenario", table_html(["setting", "value"], scenario_rows(scenario))),
    ]
    html = page(
        f"What the KPI does: {scenario.name} ({_regimes(scenario, summary)} KPI, {scenario.kpi.scheme} reward)",
        scenario.description.strip() or "(no description)",
        sections,
        _meta(f"seed {scenario.seed}"),
    )
    return [*_write_figures(figures, out_dir), _write_html(out_dir, html)]


def write_comparison_report(comparison: Comparison, out_dir: Path) -> list[Path]:
    """Write report.html and figures/*.png for a comparison; return the paths written."""
    figures = _render(comparison_figures(comparison.summaries, comparison.timeseries))
    labels = list(comparison.scenarios)
    table = headline_table(comparison)
    rows = [[name] + [format_cell(table, key, label, unit) for label in labels] for key, name, unit in HEADLINE_METRICS]
    n = len(comparison.seeds)
    scenario_list = [
        f"{label}: {' '.join(scenario.description.split()) or '(no description)'}"
        for label, scenario in comparison.scenarios.items()
    ]
    differs = comparison.differences or ["Nothing: the scenarios are the same policy (with the same seeds, the same "
                                         "numbers)."]
    sections = [
        ("Scenarios compared", list_html(scenario_list, "scenarios")),
        ("What differs between them", list_html(differs, "working")),
        ("Headline numbers", "<p>Mean over replicates [95% confidence interval of the mean].</p>"
         + table_html(["metric", *labels], rows)),
        ("What the numbers say", list_html(comparison_findings(table, labels, n), "findings")),
        ("Figures", _figures_html(figures)),
        ("Method", list_html([
            f"Each scenario ran {n} times with the same {n} seeds, spawned from root seed "
            f"{comparison.root_seed} with numpy SeedSequence: {', '.join(map(str, comparison.seeds))}.",
            "Intervals are 95% confidence intervals of the mean across replicates (Student t).",
        ], "working")),
    ]
    html = page("Policy comparison: " + " vs ".join(labels), "The same organisation under different policies.",
                sections, _meta(f"root seed {comparison.root_seed}, {n} replicates"))
    return [*_write_figures(figures, out_dir), _write_html(out_dir, html)]


def scenario_rows(scenario: Scenario) -> list[list[str]]:
    """The settings a reader needs to know which policy this is."""
    kpi = scenario.kpi
    rows = [
        ["employees", f"{scenario.organization.employees:,}"],
        ["weeks", str(scenario.weeks)],
        ["KPI regime / scheme", f"{kpi.regime} / {kpi.scheme}"],
        ["KPI strength (alpha)", f"{kpi.strength:g} h of pay per week at target "
         f"(${kpi.strength * scenario.economics.loaded_wage_usd_per_hour:,.2f})"],
        ["KPI target per employee-week", f"{kpi.resolved_target:,.6g}"],
        ["audits", f"{scenario.audit.rate:.0%} of employee-weeks" if scenario.audit.rate > 0 else "none"],
        ["anomaly detector", "on" if scenario.detection.enabled else "off"],
        ["prices", f"${scenario.pricing.input_usd_per_mtok:g} / ${scenario.pricing.output_usd_per_mtok:g} per million input / output tokens"],
    ]
    if scenario.pricing.usd_per_action is not None:
        rows.append(["value-based price", f"${scenario.pricing.usd_per_action:g} per action"])
    rows.append(["seat costs", f"licence ${scenario.pricing.licence_usd_per_user_month:g} + enablement "
                 f"${scenario.pricing.enablement_usd_per_user_month:g} per user per month"])
    rows.append(["value of an hour", f"${scenario.economics.loaded_wage_usd_per_hour:g} loaded wage; "
                 f"{scenario.economics.capture_share:.0%} of saved hours become output"])
    for intervention in scenario.management.interventions:
        rows.append([f"from week {intervention.week}", ", ".join(f"{k} = {v}" for k, v in intervention.set.items())])
    rows.append(["seed", str(scenario.seed)])
    return rows


def _render(figures: dict[str, tuple[Figure, str]]) -> dict[str, tuple[bytes, str]]:
    """Each figure as PNG bytes (rendered once: embedded and written from the same bytes)."""
    return {name: (png_bytes(fig), caption) for name, (fig, caption) in figures.items()}


def _figures_html(figures: dict[str, tuple[bytes, str]]) -> str:
    return "".join(figure_html(name, png, caption) for name, (png, caption) in figures.items())


def _write_figures(figures: dict[str, tuple[bytes, str]], out_dir: Path) -> list[Path]:
    paths = []
    for name, (png, _) in figures.items():
        path = out_dir / FIGURE_DIR / f"{name}.png"
        atomic_write(path, lambda tmp, data=png: tmp.write_bytes(data))
        paths.append(path)
    return paths


def _write_html(out_dir: Path, html: str) -> Path:
    path = out_dir / REPORT_NAME
    atomic_write_text(path, html)
    return path


def _regimes(scenario: Scenario, summary: dict) -> str:
    """'tokens', or 'tokens, then error_reduction' when an intervention switched the regime."""
    final = summary.get("final_kpi_regime", scenario.kpi.regime)
    return scenario.kpi.regime if final == scenario.kpi.regime else f"{scenario.kpi.regime}, then {final}"



def _meta(what: str) -> str:
    stamp = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    return f"tokenmaxxing {version('tokenmaxxing')}; {what}; generated {stamp}."
