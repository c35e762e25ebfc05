"""The dashboard in a real browser: a real Solara server started here, driven by headless Chromium.

The teacher's walk-through: open the page (default scenario, 500 employees; B the same organisation
without the KPI), play and step to week 20 while the token KPI is gamed, open one gaming employee's
"why" panel, switch A to action-linked tracking at week 20 without restarting, step to week 30,
export the run's CSV and a chart's PNG, then Reset. The numbers on the page are checked against a
model computed in this process; screenshots of each step go to ``results/browser/`` with the
timings (``timings.json``). A second test fails if any chart is empty after stepping.
"""

from __future__ import annotations

import io
import json
import statistics
import time
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

from sim.dashboard import controls, server
from sim.dashboard.explain import explain
from sim.dashboard.model import DEFAULT_SCENARIO, DashboardModel
from sim.scenario.io import load_scenario
from tests.browser import launch

pytestmark = pytest.mark.slow

ARTEFACTS = Path(__file__).resolve().parents[1] / "results" / "browser"
TIMEOUT_MS = 60_000
VIEWPORT = {"width": 1500, "height": 2300}
"""Tall enough for the whole page in one screenshot."""
SWITCH_WEEK = 20
STEP_SECONDS_MAX = 0.5
"""The issue's bar: a step at 500 employees (with organisation B) well under half a second."""
ACTION_LINKED = controls.REGIME_NAMES["action_linked"]

ECHARTS = """async (selector) => {
    const url = (window.solara ? window.solara.cdn : '/_solara/cdn') + '/echarts@5.4.0/dist/echarts.js';
    const echarts = await new Promise((resolve, reject) => requirejs([url], resolve, reject));
    return [...document.querySelectorAll(selector + ' .solara-echarts')].map(el => {
        const chart = echarts.getInstanceByDom(el);
        if (!chart) return null;
        const option = chart.getOption();
        return {
            title: option.title[0].text,
            yMax: option.yAxis ? option.yAxis[0].max : null,
            yMin: option.yAxis ? option.yAxis[0].min : null,
            empty: (option.graphic && option.graphic[0] && option.graphic[0].elements || []).map(e => e.style && e.style.text),
            series: option.series.map(s => ({name: s.name, points: (s.data || []).length,
                                             marks: ((s.markLine || {}).data || []).map(m => m.xAxis)})),
        };
    });
}"""
"""Each chart's title, y range, empty-state text and series (points, marked weeks), from ECharts itself."""

INK = """async (selector) => {
    // Coloured pixels inside each chart's plotting area: lines and points, not axes, grid or legend
    return [...document.querySelectorAll(selector + ' .solara-echarts')].map(el => {
        const canvas = el.querySelector('canvas');
        const ratio = canvas.width / el.clientWidth;
        const [left, top, right, bottom] = [64, 100, 24, 44].map(v => Math.round(v * ratio));
        const data = canvas.getContext('2d').getImageData(left, top, canvas.width - left - right,
                                                         canvas.height - top - bottom).data;
        let coloured = 0;
        for (let i = 0; i < data.length; i += 4) {
            const [r, g, b, a] = [data[i], data[i + 1], data[i + 2], data[i + 3]];
            if (a > 128 && Math.max(r, g, b) - Math.min(r, g, b) > 80) coloured++;
        }
        return coloured;
    });
}"""

NODE = """async ([selector, employee]) => {
    const url = (window.solara ? window.solara.cdn : '/_solara/cdn') + '/echarts@5.4.0/dist/echarts.js';
    const echarts = await new Promise((resolve, reject) => requirejs([url], resolve, reject));
    const el = document.querySelector(selector + ' .solara-echarts');
    const chart = echarts.getInstanceByDom(el);
    const series = chart.getOption().series;
    for (let s = 1; s < 4; s++) {
        const point = (series[s].data || []).find(p => p[2] === employee);
        if (point) {
            const [x, y] = chart.convertToPixel({seriesIndex: s}, [point[0], point[1]]);
            const box = el.getBoundingClientRect();
            return [box.left + x, box.top + y];
        }
    }
    return null;
}"""
"""Where employee `employee` is drawn on the network (page coordinates), to click it."""


@pytest.fixture(scope="module")
def dashboard_url() -> Iterator[str]:
    """A dashboard server on a free loopback port, stopped at the end whatever happens."""
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    port = server.free_port()
    with open(ARTEFACTS / "server.log", "w", encoding="utf-8") as log:
        process = server.start(Path(DEFAULT_SCENARIO), port, log=log)
        try:
            server.wait_until_ready(process, server.url(port))
            yield server.url(port)
        finally:
            server.stop(process)


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    yield from launch()


def open_page(browser, url: str):
    page = browser.new_page(viewport=VIEWPORT, accept_downloads=True)
    page.goto(url)
    clock(page, 0)
    page.wait_for_function("() => document.querySelectorAll('.solara-echarts canvas').length >= 3",
                           timeout=TIMEOUT_MS)
    return page


def clock(page, week: int) -> None:
    page.locator(".tokenmaxx-clock").filter(has_text=f"Week {week} of 52").wait_for(timeout=TIMEOUT_MS)


def week_shown(page) -> int:
    return int(page.locator(".tokenmaxx-clock b").inner_text())


def step(page, times: int = 1) -> list[float]:
    """Press Step `times` times, each time waiting for the clock to move on; the seconds each took."""
    took = []
    for _ in range(times):
        week = week_shown(page)
        begin = time.perf_counter()
        page.get_by_role("button", name="Step").click()
        page.wait_for_function(f"() => Number(document.querySelector('.tokenmaxx-clock b').innerText) > {week}",
                               timeout=TIMEOUT_MS)
        took.append(time.perf_counter() - begin)
        assert week_shown(page) == week + 1
    return took


def screenshot(page, name: str) -> None:
    page.evaluate("document.querySelectorAll('*').forEach(e => { if (e.scrollTop) e.scrollTop = 0; })")
    time.sleep(0.3)  # the browser draws the charts' last update
    page.screenshot(path=str(ARTEFACTS / name), full_page=True)


def tab(page, name: str) -> None:
    page.get_by_role("tab", name=name).click()
    page.wait_for_function("() => !document.querySelector('.v-window__container--is-active')", timeout=TIMEOUT_MS)


def table(page, selector: str) -> dict[str, list[str]]:
    """A table on the page: first cell of each row -> the other cells; under a section heading (a
    row of one cell) the first cell is prefixed 'heading: '."""
    out, section = {}, ""
    for row in page.locator(f"{selector} tr").all_inner_texts():
        cells = [c.strip() for c in row.split("\t")]
        if len(cells) == 1:
            section = cells[0]
            continue
        out[f"{section}: {cells[0]}" if section else cells[0]] = cells[1:]
    return out


def expected_headline(model: DashboardModel) -> dict[str, list[str]]:
    """What the headline table must show, computed here from the model's own weekly rows."""
    out: dict[str, list[str]] = {}
    for org in model.organisations:
        row = org.records[-1]
        n = row["employees"]
        values = {
            "employees gaming": f"{100 * row['gaming_share']:.1f}%",
            "hours saved, claimed on the dashboard": f"{row['claimed_hours_saved'] / n:.2f} h per employee-week",
            "hours saved, true (net of performative hours)":
                f"{(row['true_hours_saved'] - row['performative_hours']) / n:.2f} h per employee-week",
            "AI spend": f"${row['ai_spend_usd']:,.0f} a week",
            "ROI reported": f"{100 * row['roi_reported']:,.0f}%",
            "ROI true": f"{100 * row['roi_true']:,.0f}%",
        }
        for label, text in values.items():
            out.setdefault(label, []).append(text)
    return out


def check_headline(page, model: DashboardModel) -> dict[str, list[str]]:
    shown = table(page, ".tokenmaxx-headline")
    for label, values in expected_headline(model).items():
        assert shown[label] == values, f"{label}: page {shown[label]}, model {values}"
    return shown


def start_params() -> dict:
    return controls.model_params(load_scenario(DEFAULT_SCENARIO), DEFAULT_SCENARIO)


def test_a_teacher_shows_gaming_switches_the_kpi_live_and_compares(dashboard_url: str, browser) -> None:
    page = open_page(browser, dashboard_url)
    timings: dict[str, object] = {"employees": 500, "organisations": 2}

    # --- week 0: controls readable, one clock, named tabs, charts with a message, not bare axes
    for text in ("Incentive strength: 0.75 h of pay a week at the target ($36)",
                 "Audit rate: 0% of employee-weeks audited", "Employees: 500 in each organisation",
                 "B: Incentive strength: 0 (no KPI reward", "Licence: $30 per user per month",
                 "No week has run yet (500 employees in each organisation)"):
        assert page.get_by_text(text).first.is_visible(), text
    for name in ("Gaming and hours saved", "Spend and ROI", "Employees: why they game"):
        assert page.get_by_role("tab", name=name).is_visible()
    body = page.locator("body").inner_text()
    assert "Page 0" not in body and "Time:" not in body and "Use Threads" not in body
    assert not page.get_by_text("Pause between weeks while playing").is_visible()  # Mesa's timing: folded away
    for chart in page.evaluate(ECHARTS, ".tokenmaxx-chart"):
        assert chart["yMin"] == 0 and chart["yMax"] >= 2, chart  # a readable range, not -0.045 to 0.045
        assert chart["empty"] == ["No week has run yet: press Step (one week) or \u25b6 (play)"], chart
    screenshot(page, "1-week-0.png")

    # --- play, then step to week 20: the token KPI is gamed in A, not in B
    marks_js = ("() => { window._weeks = []; new MutationObserver(() => window._weeks.push(performance.now()))"
                ".observe(document.querySelector('.tokenmaxx-clock'), {subtree: true, childList: true, "
                "characterData: true}); }")
    page.evaluate(marks_js)
    page.get_by_role("button", name="\u25b6").click()
    page.wait_for_function("() => Number(document.querySelector('.tokenmaxx-clock b').innerText) >= 8",
                           timeout=TIMEOUT_MS)
    page.get_by_role("button", name="\u275a\u275a").click()
    page.get_by_role("button", name="Step").and_(page.locator(":enabled")).wait_for(timeout=TIMEOUT_MS)
    while True:  # the week being played when Pause was pressed finishes
        week = week_shown(page)
        time.sleep(1.0)
        if week_shown(page) == week:
            break
    updates = page.evaluate("() => window._weeks")
    gaps = [b - a for a, b in zip(updates, updates[1:], strict=False)]
    timings["play_weeks_per_second"] = round(1000 * len(gaps) / (updates[-1] - updates[0]), 2)
    timings["play_longest_gap_s"] = round(max(gaps) / 1000, 3)
    assert timings["play_longest_gap_s"] < 1.0, timings  # smooth: no stalls while playing
    assert week_shown(page) < SWITCH_WEEK
    took = step(page, SWITCH_WEEK - week_shown(page))
    timings["step_seconds"] = [round(t, 3) for t in took]
    timings["step_median_s"] = round(statistics.median(took), 3)
    assert timings["step_median_s"] < STEP_SECONDS_MAX, timings

    model = DashboardModel(**start_params())
    for _ in range(SWITCH_WEEK):
        model.step()
    shown = check_headline(page, model)
    a_gaming, b_gaming = (float(v.rstrip("%")) for v in shown["employees gaming"])
    assert a_gaming > 10 and b_gaming == 0  # the token KPI is gamed; without it nobody games
    screenshot(page, "2-week-20-token-kpi-gamed.png")

    # --- why one employee games: click the biggest performer in A's network
    employee = int(model.state.performative_hours.argmax())
    tab(page, "Employees: why they game")
    page.wait_for_function("() => document.querySelectorAll('.tokenmaxx-network canvas').length > 0",
                           timeout=TIMEOUT_MS)
    where = None
    for _ in range(20):  # until the chart has settled where the tab's slide left it
        time.sleep(0.25)
        now = page.evaluate(NODE, [".tokenmaxx-network", employee])
        if now is not None and now == where:
            break
        where = now
    assert where is not None
    page.mouse.click(*where)
    page.locator(".tokenmaxx-why-title").filter(has_text=f"Employee {employee} ").wait_for(timeout=TIMEOUT_MS)
    why = table(page, ".tokenmaxx-why-table")
    a, b = explain(model, employee), explain(model.twin, employee, "B")
    terms = model.decision_terms
    per_p = "Per performative hour (hours of their pay): "
    wage = model.policy.economics.loaded_wage_usd_per_hour
    integrity = round(-terms.integrity[employee], 2)
    assert why[per_p + "integrity cost"][0] == f"{integrity:+.2f} h (-${-integrity * wage:,.2f})"
    assert why[per_p + "KPI reward"][0].startswith(f"{terms.reward_performative:+.2f} h")
    assert why[per_p + "KPI reward"][1].startswith("+0.00 h")  # B pays nothing for the KPI
    assert why[per_p + "colleagues' pull (they perform too)"][0].startswith(f"{terms.peer_pull[employee]:+.2f} h")
    assert why[per_p + "expected penalty (audits, detector)"][0].startswith("+0.00 h")  # no audits, no detector
    assert why[per_p + "net value of a first performative hour"][0].startswith(f"{a.first_performative_hour:+.2f} h")
    shown = [float(cells[0].split(" h")[0]) for key, cells in why.items() if key.startswith(per_p)
             and not key.endswith("net value of a first performative hour")]
    net = float(why[per_p + "net value of a first performative hour"][0].split(" h")[0])
    assert abs(sum(shown) - net) <= 0.005 * (len(shown) + 1)  # the rows add up to the net shown (to rounding)
    assert why["Per genuine hour (hours of their pay): KPI reward"][0].startswith(f"{terms.reward_genuine:+.2f} h")
    done = "What they did this week: "
    assert why[done + "performative AI hours"] == [f"{model.state.performative_hours[employee]:.2f} h",
                                                   f"{model.twin.state.performative_hours[employee]:.2f} h"]
    assert why[done + "runs a script"] == [a.outcome["runs a script"], b.outcome["runs a script"]]
    assert page.locator(".tokenmaxx-verdict-A").inner_text().startswith("A: Games")
    assert page.locator(".tokenmaxx-verdict-B").inner_text().startswith("B: Does not game")
    screenshot(page, "3-week-20-why-this-employee-games.png")
    page.get_by_role("button", name="B", exact=True).click()
    page.wait_for_function("""async () => { const url = window.solara.cdn + '/echarts@5.4.0/dist/echarts.js';
        const echarts = await new Promise(r => requirejs([url], r));
        const chart = echarts.getInstanceByDom(document.querySelector('.tokenmaxx-network .solara-echarts'));
        return chart.getOption().title[0].text.startsWith('Organisation B, week 20: 0 of 500'); }""",
                           timeout=TIMEOUT_MS)

    # --- switch A to action-linked tracking at week 20, without restarting
    tab(page, "Gaming and hours saved")
    page.get_by_label("KPI: what the dashboard counts", exact=True).click(force=True)
    page.get_by_role("option", name=ACTION_LINKED).click()
    page.locator(".tokenmaxx-changes").filter(
        has_text=f"A, from week {SWITCH_WEEK + 1}: kpi.regime tokens -> action_linked (live)").wait_for(timeout=TIMEOUT_MS)
    assert week_shown(page) == SWITCH_WEEK  # the organisation was not restarted
    model.set_control("regime", "action_linked")
    step(page, 10)
    for _ in range(10):
        model.step()
    shown = check_headline(page, model)
    assert float(shown["employees gaming"][0].rstrip("%")) < a_gaming / 5  # gaming collapses
    for chart in page.evaluate(ECHARTS, ".tokenmaxx-chart"):
        assert chart["series"][0]["marks"] == [SWITCH_WEEK + 1], chart  # the switch is marked
        assert all(s["points"] == 30 for s in chart["series"]), chart
    screenshot(page, "4-week-30-after-the-switch.png")
    tab(page, "Spend and ROI")
    page.wait_for_function("() => document.querySelectorAll('.tokenmaxx-chart canvas').length === 2",
                           timeout=TIMEOUT_MS)
    for chart in page.evaluate(ECHARTS, ".tokenmaxx-chart"):
        assert chart["series"][0]["marks"] == [SWITCH_WEEK + 1], chart
    screenshot(page, "5-week-30-spend-and-roi.png")

    # --- export: the run's CSV (A and B, every week) and a chart as PNG
    with page.expect_download(timeout=TIMEOUT_MS) as download:
        page.get_by_role("button", name="Download this run (CSV)").click()
    frame = pd.read_csv(io.StringIO(Path(download.value.path()).read_text()))
    assert download.value.suggested_filename == "tokenmaxx-default-week-30.csv"
    a_rows = frame[frame["organisation"] == "A"]
    assert len(a_rows) == 30 and len(frame) == 60
    assert a_rows["gaming_share"].round(12).tolist() == [round(r["gaming_share"], 12) for r in model.records]
    assert a_rows["kpi_regime"].tolist() == ["tokens"] * SWITCH_WEEK + ["action_linked"] * 10
    box = page.locator(".tokenmaxx-chart-roi .solara-echarts").bounding_box()
    with page.expect_download(timeout=TIMEOUT_MS) as download:
        page.mouse.click(box["x"] + box["width"] - 12 - 5 - 7, box["y"] + 5 + 7)  # the toolbox's save icon
    png = Path(download.value.path()).read_bytes()
    assert download.value.suggested_filename == "tokenmaxx-roi.png" and png[:8] == b"\x89PNG\r\n\x1a\n"
    assert len(png) > 20_000
    (ARTEFACTS / "exported-roi-chart.png").write_bytes(png)

    # --- Reset restarts both organisations, A now tracked by actions from week 0
    page.get_by_role("button", name="Reset").click()
    clock(page, 0)
    page.get_by_text("No week has run yet").wait_for(timeout=TIMEOUT_MS)
    assert page.locator(".tokenmaxx-changes").count() == 0
    step(page, 3)
    restarted = DashboardModel(**{**start_params(), "regime": "action_linked"})
    for _ in range(3):
        restarted.step()
    check_headline(page, restarted)
    page.get_by_text("A: KPI: action-linked").first.wait_for(timeout=TIMEOUT_MS)
    screenshot(page, "6-after-reset-week-3.png")
    (ARTEFACTS / "timings.json").write_text(json.dumps(timings, indent=2) + "\n")
    page.close()


def test_no_chart_is_empty_after_stepping(dashboard_url: str, browser) -> None:
    page = open_page(browser, dashboard_url)
    assert page.evaluate(INK, ".tokenmaxx-chart") == [0, 0, 0]  # nothing drawn in the plots at week 0
    step(page, 4)
    for name in ("Gaming and hours saved", "Spend and ROI"):
        tab(page, name)
        page.wait_for_function("() => [...document.querySelectorAll('.tokenmaxx-chart canvas')].length > 0",
                               timeout=TIMEOUT_MS)
        time.sleep(0.3)
        charts = page.evaluate(ECHARTS, ".tokenmaxx-chart")
        ink = page.evaluate(INK, ".tokenmaxx-chart")
        for chart, coloured in zip(charts, ink, strict=True):
            assert chart["series"] and all(s["points"] == 4 for s in chart["series"]), chart
            assert chart["empty"] == [], chart
            assert coloured > 20, f"{chart['title']}: nothing drawn after 4 weeks ({coloured} coloured pixels)"
    tab(page, "Employees: why they game")
    page.wait_for_function("() => document.querySelectorAll('.tokenmaxx-network canvas').length > 0",
                           timeout=TIMEOUT_MS)
    network = page.evaluate(ECHARTS, ".tokenmaxx-network")[0]
    assert sum(s["points"] for s in network["series"][1:4]) == 500, network
    page.close()


def test_the_server_says_where_it_is_and_nothing_more(dashboard_url: str, browser) -> None:
    """After pages were loaded (the tests above): no cookie warning in the server's output."""
    page = open_page(browser, dashboard_url)
    page.close()
    log = (ARTEFACTS / "server.log").read_text(encoding="utf-8")
    assert "samesite" not in log.lower() and "Warning" not in log, log[:2000]
