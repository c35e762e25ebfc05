"""Model v2, part 2: gaming strategies as real choices (model brief 10.3): over-claiming, scripts,
a little outcome manipulation, and detection that sees them."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import sim
from sim.engine.decision import Problem, Step
from sim.engine.kpi import Misreport
from sim.engine.strategies import WeekProblem, best_choice
from sim.scenario.schema import Scenario
from sim.validation import scenarios as sc
from tests.conftest import homogeneous

LIBRARY = Path(__file__).resolve().parents[1] / "scenarios"


# --- over-claiming: the closed form of brief 10.3 -------------------------------------------------
@pytest.mark.parametrize("strength", [0.0, 0.15, 0.3, 0.6, 1.0, 2.0])
@pytest.mark.parametrize("check_rate,penalty", [(0.0, 1.0), (0.2, 1.0), (0.5, 2.0)])
def test_over_claim_is_the_closed_form(strength, check_rate, penalty):
    model = sim.run(sc.overclaim_scenario(strength, check_rate, penalty)).model
    expected = sc.overclaim_expected(strength, check_rate, penalty)
    np.testing.assert_allclose(model.state.misreport["misreported_hours"], expected, atol=1e-12)


def test_claim_checks_deter_like_becker_same_expected_fine_same_over_claims():
    runs = [sim.run(sc.overclaim_scenario(1.0, q, f)).timeseries["misreported_hours"] for q, f in
            [(0.1, 4.0), (0.2, 2.0), (0.4, 1.0), (0.8, 0.5)]]
    assert runs[0].sum() > 0
    for other in runs[1:]:
        np.testing.assert_allclose(other, runs[0], rtol=1e-12)


def test_over_claims_rise_with_strength_and_checks_bring_them_down():
    def ratio(*overrides: str) -> float:
        s = sim.run(LIBRARY / "default.yaml", seed=2, overrides=["kpi.regime=time_saved", "weeks=20", *overrides]).summary
        return s["claimed_hours_saved"] / s["true_hours_saved"]

    ratios = [ratio(f"kpi.strength={a}") for a in (0.0, 0.5, 1.0, 2.0)]
    assert all(b > a for a, b in zip(ratios, ratios[1:]))
    assert ratio("kpi.strength=1", "audit.claim_check_rate=0.5") < ratio("kpi.strength=1")


def test_honest_gap_and_deliberate_over_claim_are_reported_apart():
    s = sim.run(LIBRARY / "default.yaml", seed=1, overrides=["kpi.regime=time_saved", "kpi.strength=1", "weeks=10"]).summary
    honest = s["claimed_hours_saved"] - s["misreported_hours"]
    assert s["misreported_hours"] > 0 and honest > s["true_hours_saved"]  # both kinds of overstatement


# --- scripts: a discrete choice with a threshold ----------------------------------------------------
def test_script_share_jumps_from_none_to_all_at_the_predicted_strength():
    threshold = sc.script_threshold_strength(Scenario().behavior.effort_cost)
    below = sim.run(sc.script_scenario(threshold * (1 - 1e-6))).model.state.script
    above = sim.run(sc.script_scenario(threshold * (1 + 1e-6))).model.state.script
    assert not below.any() and above.all()


def test_cheaper_scripting_raises_wasted_tokens_and_lowers_performative_hours():
    def run(upkeep: float) -> dict:
        overrides = ["kpi.strength=1", "weeks=26", f"usage.script.upkeep_hours_per_week={upkeep}"]
        return sim.run(LIBRARY / "default.yaml", seed=4, overrides=overrides).summary

    costly, cheap = run(1.5), run(0.1)
    assert cheap["scripted_tokens"] > costly["scripted_tokens"]
    assert cheap["performative_tokens"] > costly["performative_tokens"]
    assert cheap["performative_hours"] < costly["performative_hours"]


def test_scripts_are_flagged_more_often_and_leak_more_than_manual_gaming():
    overrides = ["kpi.strength=2", "weeks=40", "detection.enabled=true"]  # strong enough that some still script
    ts = sim.run(LIBRARY / "default.yaml", seed=3, overrides=overrides).timeseries
    script_flag_rate = ts["flagged_scripters"].sum() / ts["scripts_running"].sum()
    manual = ts["manual_gamers"].sum()
    manual_flag_rate = ts["flagged_manual_gamers"].sum() / manual
    assert ts["scripts_running"].sum() > 0 and manual > 0
    assert script_flag_rate > manual_flag_rate
    default = Scenario()
    security, usage = default.security, default.usage
    per_script = usage.script.queries_per_week * security.exposures_per_million_scripted_queries
    manual_hours = ts["performative_hours"].sum() / manual
    per_manual_gamer = manual_hours * usage.performative.queries_per_hour * security.exposures_per_million_performative_queries
    assert per_script > per_manual_gamer
    assert security.exposures_per_million_genuine_queries > 0


def test_scripts_enter_every_economic_total():
    result = sim.run(LIBRARY / "default.yaml", seed=5, overrides=["kpi.strength=1", "weeks=12"])
    s, capture = result.summary, result.scenario.economics.capture_share
    assert s["scripted_tokens"] > 0
    assert s["tokens"] == pytest.approx(s["genuine_tokens"] + s["performative_tokens"])
    assert s["queries"] == pytest.approx(s["genuine_queries"] + s["performative_queries"] + s["scripted_queries"])
    wage = 48.0
    assert s["wasted_hours_cost_usd"] == pytest.approx((s["performative_hours"] + s["script_upkeep_hours"]) * wage * capture)


# --- outcome manipulation and active users ---------------------------------------------------------
def test_outcome_kpi_is_gameable_a_little_and_least_of_all():
    def inflation(regime: str) -> float:
        overrides = [f"kpi.regime={regime}", "kpi.strength=2", "weeks=20"]
        return sim.run(LIBRARY / "default.yaml", seed=1, overrides=overrides).summary["kpi_inflation"]

    outcome = inflation("error_reduction")
    assert 1.0 < outcome < 1.05
    for regime in ("tokens", "queries", "completions", "time_saved"):
        assert inflation(regime) > outcome, regime


def test_a_few_minutes_of_performative_use_to_count_as_active_is_gaming():
    data = homogeneous(kpi__regime="active_user", kpi__strength=1.0, behavior__intrinsic_motivation=0.0,
                       behavior__integrity_cost=0.01, kpi__active_threshold_queries=1.0)
    model = sim.run(data).model
    p = model.state.performative_hours
    assert (p > 0).all() and (p * 60 < 3).all()  # about two minutes a week
    assert model.records[-1]["gaming_share"] == 1.0


# --- the multiplier search under a step reward: checked against brute force ------------------------
def brute_force(problem: WeekProblem) -> float:
    """Best value over a grid of (g, p, m) for one employee."""
    hours, channel = problem.hours, problem.misreports[0]
    axis = np.linspace(0.0, 4.0, 81)
    g, p, m = (x.ravel() for x in np.meshgrid(axis, axis, axis))
    feasible = g + p <= hours.hours_cap
    g, p, m = g[feasible], p[feasible], m[feasible]
    a_g, a_p = float(hours.a_genuine[0]), float(hours.a_performative[0])
    h11, h12, h22 = hours.hessian
    value = a_g * g + a_p * p - 0.5 * h11 * g * g - 0.5 * h22 * p * p - h12 * g * p
    base = float(np.asarray(problem.base(channel)).ravel()[0])
    value = value + base * m - 0.5 * channel.quadratic_cost * m * m
    step = hours.step
    kpi = float(step.per_genuine_hour) * g + float(step.per_performative_hour) * p + channel.kpi_per_unit * m
    value = value + np.where(kpi >= float(step.threshold), float(step.height), 0.0)
    return float(value.max())


@settings(max_examples=30, deadline=None)
@given(a_g=st.floats(-0.5, 1.0), a_p=st.floats(-1.0, 0.5), iota=st.floats(0.0, 1.0), mu=st.floats(0.2, 2.0),
       b_g=st.floats(0.1, 1.0), threshold=st.floats(0.2, 3.0), height=st.floats(0.0, 3.0))
def test_quota_with_misreports_beats_every_grid_point(a_g, a_p, iota, mu, b_g, threshold, height):
    hours = Problem(np.array([a_g]), np.array([a_p]), 0.5, 0.3, 0.0, 4.0, Step(height, b_g, 0.0, threshold))
    problem = WeekProblem(hours, (Misreport("misreported_hours", 1.0, mu, 1.0),), np.array([iota]))
    choice = best_choice(problem)
    g, p, m = choice.genuine, choice.performative, choice.misreport["misreported_hours"]
    assert g[0] >= 0 and p[0] >= 0 and m[0] >= 0
    free = Problem(hours.a_genuine, hours.a_performative, 0.5, 0.3, 0.0, 4.0)
    kpi = b_g * g[0] + m[0]
    found = free.value(g, p)[0] - iota * m[0] - 0.5 * mu * m[0] ** 2 + (height if kpi >= threshold * (1 - 1e-9) - 1e-12 else 0.0)
    assert found >= brute_force(problem) - 1e-9
