"""The dashboard's plain-Python parts: controls, the two organisations and live policy changes,
chart options, the employee explanation, the CSV export, the CLI command, import hygiene."""

from __future__ import annotations

import inspect
import io
import json
import socket
import subprocess
import sys
import time

import numpy as np
import pandas as pd
import pytest

from sim.cli import main
from sim.dashboard import charts, controls, export, server
from sim.dashboard.explain import ATTENTION, explain
from sim.dashboard.model import DEFAULT_SCENARIO, SERIES, DashboardModel
from sim.engine.model import OrganisationModel
from sim.scenario.io import load_scenario

BASE = load_scenario(DEFAULT_SCENARIO)


def start(**changes) -> DashboardModel:
    """The dashboard's model as the page first builds it (default scenario), with changes."""
    return DashboardModel(**{**controls.model_params(BASE, DEFAULT_SCENARIO), **changes})


def test_every_control_is_a_model_parameter() -> None:
    parameters = inspect.signature(DashboardModel.__init__).parameters
    for name in controls.CONTROLS:
        assert name in parameters
    params = controls.model_params(BASE, DEFAULT_SCENARIO)
    assert set(params) == set(controls.CONTROLS) | {"scenario_path"}
    assert "scenario" not in parameters  # Mesa's controller would pass its own Mesa scenario on Reset
    assert {c.group for c in controls.CONTROLS.values()} == set(controls.GROUPS)


def test_controls_start_at_the_scenario_values_with_the_full_head_count() -> None:
    begin = controls.start_values(BASE)
    values = begin.values
    assert values["regime"] == "tokens" and values["strength"] == 0.75
    assert values["employees"] == 500 and begin.notes == ()  # as the scenario says, not silently 100
    assert values["compare"] is True and values["compare_strength"] == 0.0  # B: the same, never paid for the KPI
    model = DashboardModel(**controls.model_params(BASE, DEFAULT_SCENARIO))
    assert model.state.size == 500 and model.twin.state.size == 500


def test_a_head_count_above_the_cap_is_capped_with_the_reason_shown() -> None:
    big = load_scenario(BASE, ["organization.employees=5000"])
    begin = controls.start_values(big)
    assert begin.values["employees"] == controls.MAX_EMPLOYEES
    assert "5,000" in begin.notes[0] and "cap" in begin.notes[0] and "network" in begin.notes[0]
    with pytest.raises(ValueError, match="at most 2,000"):
        DashboardModel(employees=5000)


def test_every_control_reads_with_its_value_and_units() -> None:
    values = controls.start_values(BASE).values
    text = {name: c.text(values[name], BASE) for name, c in controls.CONTROLS.items()}
    assert text["strength"] == "Incentive strength: 0.75 h of pay a week at the target ($36)"
    assert text["compare_strength"].startswith("B: Incentive strength: 0 (no KPI reward")
    assert controls.CONTROLS["audit_rate"].text(0.1, BASE) == "Audit rate: 10% of employee-weeks audited"
    assert text["input_usd_per_mtok"] == "Input tokens: $3 per million"
    assert controls.CONTROLS["input_usd_per_mtok"].text(2.5, BASE) == "Input tokens: $2.50 per million"
    assert text["licence_usd_per_user_month"] == "Licence: $30 per user per month"
    assert text["employees"].startswith("Employees: 500 in each organisation")
    assert text["regime"] == "KPI: what the dashboard counts: tokens consumed"
    assert text["detection"] == "Anomaly detector: off"
    for name, line in text.items():
        assert any(ch.isdigit() for ch in line) or controls.CONTROLS[name].kind in ("select", "bool"), line


def test_sliders_show_a_scenario_value_exactly() -> None:
    employees = controls.CONTROLS["employees"]
    assert controls.slider_range(employees, 500) == (10, 2000, 10)
    assert controls.slider_range(employees, 37) == (10, 2000, 1)
    assert controls.slider_range(employees, 4) == (4, 2000, 10)
    assert controls.slider_range(controls.CONTROLS["seed"], 1234)[1] == 1234
    assert controls.slider_range(controls.CONTROLS["strength"], 0.33) == (0.0, 3.0, 0.01)


def test_controls_become_a_valid_scenario() -> None:
    items = controls.overrides(BASE, regime="queries", audit_rate=0.2, detection=True, employees=60)
    scenario = load_scenario(BASE, items)
    assert scenario.kpi.regime == "queries"
    assert scenario.kpi.target is None  # the token target does not carry over to queries
    assert scenario.audit.rate == 0.2
    assert scenario.detection.enabled is True
    assert scenario.organization.employees == 60
    composite = load_scenario(BASE, controls.overrides(BASE, regime="composite"))
    assert composite.kpi.weights == {"tokens": 0.5, "error_reduction": 0.5}
    with pytest.raises(TypeError, match="wormholes"):
        controls.overrides(BASE, wormholes=3)


def test_a_and_b_are_the_same_workforce_under_two_policies() -> None:
    model = start(employees=120, compare_regime="action_linked", compare_strength=1.0)
    a, b = model, model.twin
    assert np.array_equal(a.traits.integrity_cost, b.traits.integrity_cost)
    assert np.array_equal(a.network.team, b.network.team) and (a.network.cross != b.network.cross).nnz == 0
    assert (a.policy.kpi.regime, b.policy.kpi.regime) == ("tokens", "action_linked")
    assert b.management.target == 30.0  # the action-linked default target
    for _ in range(4):
        model.step()
    assert a.week == b.week == 4
    frame_a = a.datacollector.get_model_vars_dataframe()
    frame_b = b.datacollector.get_model_vars_dataframe()
    assert list(frame_a.columns) == list(SERIES) and len(frame_a) == len(frame_b) == 4
    assert (frame_a["Employees gaming (%)"] > frame_b["Employees gaming (%)"]).all()
    assert (frame_a["AI spend (USD/week)"] >= 120 * 30 * 12 / 52).all()  # licences alone


def test_a_live_policy_change_applies_from_the_next_week_without_a_restart() -> None:
    model = start(employees=200)
    for _ in range(20):
        model.step()
    gaming_before = model.latest()["Employees gaming (%)"]
    assert model.set_control("regime", "action_linked") is True
    assert model.week == 20 and model.policy.kpi.regime == "action_linked"
    assert [(name, c.week, c.describe()) for name, c in model.changes()] == [
        ("A", 21, "kpi.regime tokens -> action_linked")]
    for _ in range(5):
        model.step()
    assert gaming_before > 10 and model.latest()["Employees gaming (%)"] < gaming_before / 5
    # the same as the scenario scheduling it, organisation B untouched
    data = {**BASE.model_dump(exclude_unset=True), "organization": {**BASE.organization.model_dump(), "employees": 200}}
    data["management"] = {"interventions": [{"week": 21, "set": {"kpi.regime": "action_linked", "kpi.target": None}}]}
    scheduled = OrganisationModel(load_scenario(data))
    for _ in range(25):
        scheduled.step()
    assert scheduled.records == model.records
    assert model.twin.policy_changes == [] and model.twin.policy.kpi.regime == "tokens"


def test_controls_for_b_prices_and_reset_only_controls() -> None:
    model = start(employees=60)
    model.step()
    assert model.set_control("compare_audit_rate", 0.3)
    assert model.twin.policy.audit.rate == 0.3 and model.policy.audit.rate == 0.0
    assert model.set_control("licence_usd_per_user_month", 20.0)  # the market: both organisations
    assert model.policy.pricing.licence_usd_per_user_month == model.twin.policy.pricing.licence_usd_per_user_month == 20
    assert model.set_control("employees", 100) is False and model.state.size == 60
    assert model.pending() == {"employees": (60, 100)}
    rebuilt = DashboardModel(**{**model.controls, "scenario_path": DEFAULT_SCENARIO})  # what Reset does
    assert rebuilt.state.size == 100 and rebuilt.week == 0 and rebuilt.pending() == {}
    assert rebuilt.policy.pricing.licence_usd_per_user_month == 20 and rebuilt.twin.policy.audit.rate == 0.3


def test_organisation_b_added_mid_run_catches_up_and_can_be_dropped() -> None:
    model = start(employees=50, compare=False)
    assert model.twin is None and model.organisations == [model]
    for _ in range(6):
        model.step()
    model.set_control("compare", True)
    assert model.twin.week == 6 and model.twin.policy.kpi.strength == 0.0
    model.step()
    assert model.twin.week == 7
    model.set_control("compare", False)
    assert model.twin is None


def test_the_dashboard_model_stops_after_the_last_week() -> None:
    model = start(employees=20)
    weeks = model.config.weeks
    for _ in range(weeks + 3):
        model.step()
    assert not model.running
    assert len(model.records) == len(model.twin.records) == weeks


def test_charts_are_readable_when_empty_and_filled_with_changes_marked() -> None:
    model = start(employees=50)
    chart = charts.CHARTS["gaming"]
    empty = charts.line_chart(chart, 52, {o.name: ([], o.series()) for o in model.organisations}, [])
    assert empty["yAxis"]["min"] == 0 and empty["yAxis"]["max"] == 100  # not -0.045 to 0.045
    assert empty["graphic"][0]["style"]["text"] == charts.EMPTY_TEXT
    assert empty["xAxis"]["name"] == "week" and empty["xAxis"]["max"] == 52
    for _ in range(3):
        model.step()
    model.set_control("audit_rate", 0.2)
    model.step()
    for key, chart in charts.CHARTS.items():
        option = charts.line_chart(chart, 52, {o.name: (list(range(1, o.week + 1)), o.series())
                                               for o in model.organisations}, model.changes())
        json.dumps(option)  # what the browser gets
        assert "graphic" not in option
        assert len(option["series"]) == 2 * len(chart.measures)
        assert all(len(s["data"]) == 4 for s in option["series"]), key
        assert [s["name"][:2] for s in option["series"]] == ["A:"] * len(chart.measures) + ["B:"] * len(chart.measures)
        marks = option["series"][0]["markLine"]["data"]
        assert [m["xAxis"] for m in marks] == [4] and marks[0]["label"]["formatter"] == "A: audits \u2192 20%"
    first = charts.line_chart(charts.CHARTS["hours"], 52, {"A": ([1, 2], {"True net hours saved": [0.5, 0.25]})}, [])
    assert first["series"][0]["data"] == [[1, 0.5], [2, 0.25]] and len(first["series"]) == 1


def test_the_network_chart_draws_every_employee_once_and_the_selected_one() -> None:
    model = start(employees=130)
    for _ in range(3):
        model.step()
    net = model.network
    positions = charts.team_layout(net.team, net.team_sizes)
    pairs = charts.cross_ties(net.cross)
    ties = charts.tie_segments(positions, pairs)
    option = charts.network_chart("A", 3, positions, ties, model.state.genuine_hours, model.state.performative_hours,
                                  model.state.gaming, 17)
    json.dumps(option)
    people = option["series"][1:4]
    assert sum(len(s["data"]) for s in people) == 130
    assert sorted(int(point[2]) for s in people for point in s["data"]) == list(range(130))
    assert sorted(int(point[2]) for point in people[2]["data"]) == np.flatnonzero(model.state.gaming).tolist()
    assert people[2]["data"] and option["visualMap"]["seriesIndex"] == 3  # gamers: orange to red by hours
    assert option["series"][4]["data"][0][2] == 17  # the selected employee, ringed
    assert len(pairs) == net.cross.nnz // 2 and len(ties) == 3 * len(pairs)
    assert f"{int(model.state.gaming.sum())} of 130" in option["title"]["text"]
    x, y = option["xAxis"], option["yAxis"]
    assert (x["max"] - x["min"]) / (y["max"] - y["min"]) == pytest.approx(charts.NETWORK_ASPECT)  # round rings
    team0 = positions[net.team == 0]  # a team is a ring, narrower than the drawing
    assert np.ptp(team0[:, 0]) < 1 and np.ptp(positions[:, 0]) > 3


def test_the_explanation_is_the_decision_the_employee_made() -> None:
    model = start(employees=80, conformity=0.05)
    assert explain(model, 0) is None
    for _ in range(6):
        model.step()
    gamers = np.flatnonzero(model.state.performative_hours > 0)
    i = int(gamers[0])
    why = explain(model, i)
    terms = model.decision_terms
    linear = sum(t.hours for t in why.performative if t.label != ATTENTION)
    assert linear == pytest.approx(terms.problem.hours.a_performative[i])
    # the rows shown add up to the net shown: the attention cross-term has its own row
    assert sum(t.hours for t in why.performative) == pytest.approx(why.first_performative_hour)
    attention = dict((t.label, t.hours) for t in why.performative)[ATTENTION]
    h_gp = terms.problem.hours.hessian[1]
    assert attention == pytest.approx(-h_gp * model.state.genuine_hours[i]) and attention < 0
    assert sum(t.hours for t in why.genuine) == pytest.approx(terms.problem.hours.a_genuine[i])
    assert why.first_performative_hour > 0 and why.verdict.startswith("Games (performs AI use)")
    labels = {t.label: t.hours for t in why.performative}
    assert labels["integrity cost"] == pytest.approx(-terms.integrity[i])
    assert labels["colleagues' pull (they perform too)"] == pytest.approx(2 * 0.05 * model.state.peer_performative_hours[i])
    assert why.outcome["performative AI hours"] == f"{model.state.performative_hours[i]:.2f} h"
    honest = explain(model.twin, i, "B")  # the same person in B, never paid for the KPI
    assert sum(t.hours for t in honest.performative) == pytest.approx(honest.first_performative_hour)
    assert honest.verdict.startswith("Does not game") and dict((t.label, t.hours) for t in honest.performative)[
        "KPI reward"] == 0
    with pytest.raises(IndexError, match="0 to 79"):
        explain(model, 80)


def test_the_csv_export_holds_every_week_of_both_organisations_and_the_policy_in_force() -> None:
    model = start(employees=40)
    assert export.run_frame(model).empty
    for _ in range(3):
        model.step()
    model.set_control("regime", "action_linked")
    for _ in range(2):
        model.step()
    frame = pd.read_csv(io.StringIO(export.run_csv(model)))
    assert len(frame) == 10 and list(frame["organisation"].unique()) == ["A", "B"]
    a = frame[frame["organisation"] == "A"]
    assert list(a["kpi_regime"]) == ["tokens"] * 3 + ["action_linked"] * 2
    assert a["policy_change"].fillna("").tolist()[3] == "live: kpi.regime tokens -> action_linked"
    assert a["gaming_share"].tolist() == [row["gaming_share"] for row in model.records]
    assert export.file_name(model) == "tokenmaxx-default-week-5.csv"


def test_a_step_and_everything_drawn_after_it_is_fast_at_500_employees() -> None:
    """The server's share of a step (both organisations, every chart, the network, the explanation);
    the browser test measures the whole round trip."""
    model = start()
    net = model.network
    positions = charts.team_layout(net.team, net.team_sizes)
    ties = charts.tie_segments(positions, charts.cross_ties(net.cross))
    timings = []
    for _ in range(10):
        begin = time.perf_counter()
        model.step()
        for chart in charts.CHARTS.values():
            json.dumps(charts.line_chart(chart, 52, {o.name: (list(range(1, o.week + 1)), o.series())
                                                     for o in model.organisations}, model.changes()))
        json.dumps(charts.network_chart("A", model.week, positions, ties, model.state.genuine_hours,
                                        model.state.performative_hours, model.state.gaming, 3))
        explain(model, 3), explain(model.twin, 3, "B")
        timings.append(time.perf_counter() - begin)
    assert np.median(timings) < 0.1, timings


def test_cli_dashboard_rejects_a_bad_scenario(tmp_path, capsys) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("kpi: {regime: vibes}\n")
    assert main(["dashboard", str(bad)]) == 2
    assert "kpi.regime" in capsys.readouterr().err


def test_cli_dashboard_rejects_a_busy_port(capsys) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((server.HOST, 0))
        sock.listen()
        port = sock.getsockname()[1]
        assert main(["dashboard", "--port", str(port)]) == 2
    assert "in use" in capsys.readouterr().err


def test_only_the_app_imports_the_web_stack() -> None:
    code = (
        "import sys, sim, sim.dashboard.model, sim.dashboard.server, sim.dashboard.controls, sim.dashboard.charts\n"
        "import sim.dashboard.explain, sim.dashboard.export\n"
        "assert 'sim.dashboard.app' not in sys.modules\n"
        "assert 'solara' not in sys.modules, 'solara imported'\n"
        "assert 'mesa.visualization' not in sys.modules, 'mesa.visualization imported'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
    plain = subprocess.run(
        [sys.executable, "-c", "import sys, sim; print('sim.dashboard' in sys.modules)"],
        check=True, capture_output=True, text=True,
    )
    assert plain.stdout.strip() == "False"


def test_a_policy_change_is_labelled_level_above_the_plot_not_along_its_line() -> None:
    model = start(employees=40)
    for _ in range(3):
        model.step()
    model.set_control("regime", "action_linked")
    model.step()
    chart = charts.CHARTS["gaming"] if "gaming" in charts.CHARTS else next(iter(charts.CHARTS.values()))
    option = charts.line_chart(chart, 52, {o.name: (list(range(1, o.week + 1)), o.series())
                                           for o in model.organisations}, model.changes())
    [marker] = option["series"][0]["markLine"]["data"]
    assert marker["xAxis"] == 4 and marker["label"]["formatter"] == "A: KPI \u2192 action_linked"
    assert marker["label"]["position"] == "end"  # 'insideEnd...' turns the text along the line, across the curves
    assert option["grid"]["top"] > option["legend"]["top"] + marker["label"]["distance"]


def test_the_explanation_says_where_a_capped_reward_stops() -> None:
    from sim.dashboard.model import Organisation
    from sim.scenario.io import load_scenario

    scenario = load_scenario(DEFAULT_SCENARIO, ["organization.employees=60", "kpi.strength=1.5", "kpi.reward_cap=1.0"])
    model = Organisation(scenario)
    for _ in range(4):
        model.step()
    limit = 1.0 * model.management.target
    at_cap = np.flatnonzero(model.state.kpi >= limit * (1 - 1e-9))
    below = np.flatnonzero(model.state.kpi < limit * 0.99)
    assert at_cap.size and below.size
    assert "at the cap, another hour of any kind earns no more reward" in explain(model, int(at_cap[0])).cap
    assert "below the cap" in explain(model, int(below[0])).cap
    uncapped = Organisation(load_scenario(DEFAULT_SCENARIO, ["organization.employees=60"]))
    uncapped.step()
    assert explain(uncapped, 0).cap is None
