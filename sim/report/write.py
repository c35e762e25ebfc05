"""Build and write the run report and the comparison report (HTML plus PNG files, atomically)."""

from __future__ import annotations

from datetime import datetime, timezone
from importlib.metadata import version
from pathlib import Path

from matplotlib.figure import Figure

from sim.compare import HEADLINE_METRICS, Comparison, format_cell, headline_table, paired
from sim.ensemble import Ensemble
from sim.report.ensemble import band_figure, chance, effect_figure, ensemble_findings, ensemble_rows, interval_text
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


def write_run_report(result: RunResult, out_dir: Path, ensemble: Ensemble | None = None) -> list[Path]:
    """Write report.html and figures/*.png for one run, led by the ensemble's answer over plausible
    worlds when there is one; return the paths written."""
    ts = result.timeseries
    chosen = {name: (plot(ts), caption) for name, (plot, caption) in RUN_FIGURES.items()}
    chosen.update({name: (plot(ts), caption) for name, (plot, caption, shown) in OPTIONAL_FIGURES.items() if shown(ts)})
    worlds = {} if ensemble is None else {
        "worlds_bands": (band_figure(ensemble), "Medians and 90% bands over the plausible worlds."),
        "worlds_effect": (effect_figure(ensemble), f"The KPI's effect against {ensemble.baseline_label}, "
                          "each world paired with itself."),
    }
    rendered = _render({**worlds, **chosen})
    figures = {k: v for k, v in rendered.items() if k not in worlds}
    summary, scenario = result.summary, result.scenario
    headline_rows = [list(row) for row in run_headlines(summary, scenario, ts)]
    one = f"one world (seed {scenario.seed}, the defaults' values)"
    sections = []
    if ensemble is not None:
        levels, effects = ensemble_rows(ensemble)
        n = len(ensemble.worlds)
        sections += [
            (f"The answer over {n} plausible worlds", table_html(["metric", "median [90% interval] over worlds"],
                                                                [list(r) for r in levels])),
            (f"What the KPI does, against {ensemble.baseline_label} in the same worlds",
             table_html(["paired effect over the run", "median [90% interval] over worlds"], [list(r) for r in effects])),
            ("What the worlds say", list_html(ensemble_findings(ensemble), "findings")),
            ("Over the worlds", _figures_html({k: rendered[k] for k in worlds})),
        ]
    sections += [
        (f"Headline numbers: {one}", table_html(["metric", "value over the run"], headline_rows)),
        (f"What {one} shows", list_html(run_findings(summary, scenario, result.timeseries,
                                                     result.model.management.events), "findings")),
        (f"Figures: {one}", _figures_html(figures)),
        ("How the costs were computed", list_html(cost_working(summary, scenario, ts), "working")),
        ("Scenario", table_html(["setting", "value"], scenario_rows(scenario))),
    ]
    html = page(
        f"What the KPI does: {scenario.name} ({_regimes(scenario, summary)} KPI, {scenario.kpi.scheme} reward)",
        scenario.description.strip() or "(no description)",
        sections,
        _meta(f"seed {scenario.seed}" if ensemble is None else
              f"{len(ensemble.worlds)} worlds from {ensemble.posterior_source}; one world in detail: seed {scenario.seed}"),
    )
    return [*_write_figures(rendered, out_dir), _write_html(out_dir, html)]


def write_comparison_report(comparison: Comparison, out_dir: Path) -> list[Path]:
    """Write report.html and figures/*.png for a comparison; return the paths written."""
    figures = _render(comparison_figures(comparison.summaries, comparison.timeseries))
    labels = list(comparison.scenarios)
    table = headline_table(comparison)
    differences = paired(comparison)
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
        ("Headline numbers", f"<p>Median over {n} plausible worlds [90% interval over worlds].</p>"
         + table_html(["metric", *labels], rows)),
        (f"Each against {labels[0]}, world by world", table_html(
            ["scenario", "difference over the run", "median [90% interval]", "better for the organisation in"],
            [[r["scenario"], r["label"], interval_text(r, r["unit"], signed=True), chance(r["p_better"]) + " of worlds" if r["p_better"] == r["p_better"] else "(not a value)"]
             for r in differences.to_dict("records")])),
        ("What the numbers say", list_html(comparison_findings(table, labels, n, differences), "findings")),
        ("Figures", _figures_html(figures)),
        ("Method", list_html([
            f"Each scenario ran in the same {n} worlds: "
            + (f"draws of the calibration's posterior ({comparison.posterior_source}) for the parameters a scenario "
               "leaves to the defaults, each with its own seed" if comparison.posterior_source else
               "the defaults' values, each world with its own seed")
            + f", spawned from root seed {comparison.root_seed} with numpy SeedSequence.",
            "Intervals are the 5th to 95th percentiles over worlds (the spread of plausible outcomes, not the "
            "uncertainty of a mean); differences are taken world by world, so what the worlds share cancels.",
        ], "working")),
    ]
    html = page("Policy comparison: " + " vs ".join(labels), "The same organisation under different policies.",
                sections, _meta(f"root seed {comparison.root_seed}, {n} worlds"))
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
