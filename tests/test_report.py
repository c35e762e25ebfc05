"""Reports and figures: produced, self-contained, and saying what the run's numbers say."""

from __future__ import annotations

import base64
import re
from pathlib import Path

import pytest
from matplotlib.figure import Figure

import sim
from sim.report import write_comparison_report, write_run_report
from sim.report.figures import RUN_FIGURES, spend_breakdown

LIBRARY = Path(__file__).resolve().parents[1] / "scenarios"
SMALL = ["organization.employees=30", "weeks=12"]


@pytest.fixture(scope="module")
def amazon_run():
    return sim.run(LIBRARY / "amazon.yaml", seed=3, overrides=["weeks=12"])


@pytest.fixture(scope="module")
def run_report(amazon_run, tmp_path_factory):
    out = tmp_path_factory.mktemp("run")
    paths = write_run_report(amazon_run, out)
    return out, paths, (out / "report.html").read_text()


def embedded_pngs(html: str) -> list[bytes]:
    return [base64.b64decode(m) for m in re.findall(r'src="data:image/png;base64,([A-Za-z0-9+/=]+)"', html)]


def test_run_report_embeds_every_figure_and_writes_it_as_png(run_report):
    out, paths, html = run_report
    pngs = embedded_pngs(html)
    assert len(pngs) == len(RUN_FIGURES)
    files = [out / "figures" / f"{name}.png" for name in RUN_FIGURES]
    assert set(files) <= set(paths)
    for png, file in zip(pngs, files):
        assert png.startswith(b"\x89PNG") and file.read_bytes() == png
    assert "<script" not in html and 'src="http' not in html  # self-contained


def test_findings_state_the_runs_own_numbers(run_report, amazon_run):
    _, _, html = run_report
    s = amazon_run.summary
    assert s["performative_hours"] > 0 and s["roi_reported"] > s["roi_true"]
    assert f"{s['performative_share']:.1%} of all AI hours were performative" in html
    assert f"ROI as reported is {s['roi_reported']:,.0%}; in truth it is {s['roi_true']:,.0%}" in html
    assert f"{s['co2_kg']:,.1f} kg of CO2" in html
    assert f"worth up to ${s['incentive_usd_per_employee_week']:,.2f} a week" in html
    assert f"${s['wasted_hours_cost_usd']:,.0f} ({s['gaming_hours']:,.0f} hours of performative use" in html


def test_headline_table_puts_the_largest_cost_of_gaming_first(run_report, amazon_run):
    _, _, html = run_report
    s = amazon_run.summary
    table = html.split("Headline numbers")[1].split("</table>")[0]
    first_row = table.split("<tbody><tr><td>")[1]
    largest = "working hours" if s["wasted_hours_cost_usd"] >= s["wasted_spend_usd"] else "AI spend"
    assert first_row.startswith(f"cost of gaming: {largest}")
    assert f"{s['roi_true']:,.0%}" in table and "ROI in truth" in table


def test_costs_show_their_working_from_parameters(run_report, amazon_run):
    _, _, html = run_report
    sc = amazon_run.scenario
    n, target, price = sc.organization.employees, sc.kpi.target, sc.pricing.input_usd_per_mtok
    weekly = n * target * price / 1e6
    assert f"{n:,} employees x {target:,.0f} tokens x ${price:g} per million = ${weekly:,.2f} per week" in html
    assert "$780 per week" not in html and "$780/week" not in html  # the seed's own total is not repeated


def test_findings_differ_between_runs(tmp_path):
    """Findings are computed, not fixed text: two policies give two different sentences."""
    texts = []
    for name in ("amazon", "outcome"):
        result = sim.run(LIBRARY / f"{name}.yaml", seed=1, overrides=SMALL)
        write_run_report(result, tmp_path / name)
        html = (tmp_path / name / "report.html").read_text()
        texts.append(html.split("What one world")[1].split("Figures")[0])
    assert texts[0] != texts[1]


@pytest.mark.parametrize("name", list(RUN_FIGURES))
def test_plots_take_a_dataframe_and_return_a_figure(amazon_run, name):
    plot, _ = RUN_FIGURES[name]
    fig = plot(amazon_run.timeseries)
    assert isinstance(fig, Figure) and fig.axes
    own = Figure()
    ax = own.add_subplot()
    assert plot(amazon_run.timeseries, ax=ax) is own


def test_spend_breakdown_adds_up(amazon_run):
    data = spend_breakdown(amazon_run.timeseries)
    assert data.loc["usd"].sum() == pytest.approx(amazon_run.summary["ai_spend_usd"])
    assert data.loc["tokens"].sum() == pytest.approx(amazon_run.summary["tokens"])


def test_comparison_report(tmp_path):
    from sim.compare import compare

    comparison = compare([LIBRARY / "amazon.yaml", LIBRARY / "outcome.yaml"], replicates=2, root_seed=5, overrides=SMALL)
    paths = write_comparison_report(comparison, tmp_path)
    html = (tmp_path / "report.html").read_text()
    pngs = embedded_pngs(html)
    assert len(pngs) == len(list((tmp_path / "figures").glob("*.png"))) >= 5
    assert tmp_path / "report.html" in paths
    amazon = comparison.summaries[comparison.summaries["scenario"] == "amazon"]
    assert f"{amazon['performative_share'].mean():.1%}" in html
    assert "Compared with amazon, outcome" in html


def test_model_never_imports_the_report():
    import subprocess
    import sys

    code = "import sim, sim.runner, sys; print(any(m.startswith(('sim.report', 'matplotlib')) for m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_the_twin_axes_of_adoption_and_productivity_put_zero_at_the_same_height():
    import numpy as np

    import sim
    from sim.report.figures import plot_adoption_vs_productivity

    ts = sim.run("scenarios/default.yaml", params={"organization.employees": 60, "weeks": 12}).timeseries
    for shift in (0.0, -2.0):  # true net hours saved above zero, then dipping below it
        frame = ts.copy()
        frame["true_hours_saved"] = frame["true_hours_saved"] + shift * frame["employees"] * np.linspace(0, 1, len(frame))
        fig = plot_adoption_vs_productivity(frame)
        left, right = fig.axes
        heights = [axis.transData.transform((0.0, 0.0))[1] for axis in (left, right)]
        assert heights[0] == pytest.approx(heights[1], abs=0.5)  # the same pixel row
        assert left.get_ylim()[0] <= 0 <= left.get_ylim()[1] and right.get_ylim()[0] <= 0 <= right.get_ylim()[1]
        lines = right.get_lines()[0].get_ydata()
        assert right.get_ylim()[0] <= min(lines) and max(lines) <= right.get_ylim()[1]  # nothing cut off
