"""Model v2, part 1: units, random utility, valuation that follows the dashboard, costs and value
(model brief 10.1, 10.2, 10.4, 10.5), checked against closed forms and the evidence."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import sim
from sim.engine.model import OrganisationModel
from sim.scenario.io import load_scenario
from sim.scenario.schema import REGIMES
from tests.conftest import homogeneous, scenario_dict

LIBRARY = Path(__file__).resolve().parents[1] / "scenarios"
SEEDS = (1, 2, 3)


def with_weights(regime: str) -> list[str]:
    return ["kpi.weights={tokens: 0.5, error_reduction: 0.5}"] if regime == "composite" else []


# --- random utility (brief 10.2) ---------------------------------------------------------------
@pytest.mark.parametrize("rule", ["best_response", "imitation", "threshold"])
@pytest.mark.parametrize("regime", REGIMES)
def test_no_incentive_means_essentially_no_gaming(regime, rule):
    overrides = [f"kpi.regime={regime}", "kpi.strength=0", f"behavior.rule={rule}", "weeks=26", *with_weights(regime)]
    summary = sim.run(LIBRARY / "default.yaml", seed=7, overrides=overrides).summary
    assert summary["gaming_share_mean"] <= 0.01
    assert summary["wasted_spend_share"] <= 0.001


def test_shocks_perturb_marginal_utility_and_corners_stay_exact():
    """Noise on marginal utilities: many employees do exactly zero performative hours each week,
    hours are never negative, and the same scenario without noise differs."""
    data = scenario_dict(kpi__strength=0.7, organization__employees=400, weeks=8, behavior__noise=0.15)
    model = sim.run(data, seed=3).model
    p = model.state.performative_hours
    assert (p >= 0).all() and (model.state.genuine_hours >= 0).all()
    assert 0.05 < np.mean(p == 0.0) < 1.0
    quiet = sim.run({**data, "behavior": {**data.get("behavior", {}), "noise": 0.0}}, seed=3).model
    assert not np.allclose(quiet.state.genuine_hours, model.state.genuine_hours)


def test_gaming_is_any_performative_use():
    data = homogeneous(kpi__strength=1.0, behavior__integrity_cost={"dist": "values", "values": [0.79, 5.0]},
                       behavior__substitutability=0.0, organization__employees=10)
    model = sim.run(data).model
    p = model.state.performative_hours
    # reward 0.8 h per performative hour, integrity 0.79: a sliver of gaming, 0.01 / c hours
    np.testing.assert_allclose(p[0::2], 0.01 / model.config.behavior.effort_cost, rtol=1e-9)
    assert (p[1::2] == 0).all()
    assert model.records[-1]["gaming_share"] == 0.5


def test_inertia_moves_that_share_of_the_way_to_the_frictionless_optimum():
    """With delta = kappa = 0 the adjustment cost c (1 - lam) / lam makes each week's hours move
    exactly a share `inertia` of the way from last week's to the frictionless best response."""
    data = homogeneous(behavior__inertia=0.25, behavior__substitutability=0.0, kpi__strength=0.0,
                       behavior__speedup=0.3, behavior__initial_performative_share=0.0,
                       management__interventions=[{"week": 1, "set": {"kpi.strength": 1.0}}], weeks=1)
    model = OrganisationModel(load_scenario(data))
    c = model.config.behavior.effort_cost
    g0 = model.state.genuine_hours.copy()
    np.testing.assert_allclose(g0, 0.3 / c)  # m s / c with no KPI
    model.step()
    target = (0.3 + 1.0 * 6_000 / 50_000) / c  # the KPI adds strength x tokens per hour / target
    np.testing.assert_allclose(model.state.genuine_hours, g0 + 0.25 * (target - g0), rtol=1e-12)


# --- units (brief 10.1) -----------------------------------------------------------------------
def test_strength_is_hours_of_pay_and_the_summary_states_its_dollar_value():
    summary = sim.run(LIBRARY / "default.yaml", overrides=["weeks=2", "kpi.strength=1.5",
                                                           "economics.loaded_wage_usd_per_hour=60"]).summary
    assert summary["incentive_usd_per_employee_week"] == pytest.approx(90.0)


# --- valuation (brief 10.4) -------------------------------------------------------------------
def test_kpi_benchmark_values_an_honest_organisation_at_its_truth():
    """Identical employees, no noise, nobody gaming: the pilot's value per token is the truth's,
    so reported value equals true value to rounding, for any strength that does not induce gaming."""
    for strength in (0.0, 0.3):
        data = homogeneous(kpi__strength=strength, behavior__integrity_cost=5.0, weeks=3)
        summary = sim.run(data).summary
        assert summary["valuation"] == "kpi_benchmark"
        assert summary["reported_value_usd"] == pytest.approx(summary["true_value_usd"], rel=1e-12)


def test_claimed_hours_valuation_is_claims_times_wage():
    data = homogeneous(kpi__regime="time_saved", weeks=3, behavior__perception_anchoring=0.5,
                       behavior__perceived_speedup_prior=0.4)
    summary = sim.run(data).summary
    assert summary["valuation"] == "claimed_hours"  # the regime's natural reading
    assert summary["reported_value_usd"] == pytest.approx(summary["claimed_hours_saved"] * 48.0)
    explicit = sim.run({**data, "management": {"valuation": "kpi_benchmark"}}).summary
    assert explicit["reported_value_usd"] < summary["reported_value_usd"]


@pytest.mark.parametrize("seed", SEEDS)
def test_overstatement_rises_with_strength_under_tokens_and_stays_near_one_under_outcomes(seed):
    def overstatement(regime: str, strength: float) -> float:
        overrides = [f"kpi.regime={regime}", f"kpi.strength={strength}", "weeks=26"]
        return sim.run(LIBRARY / "default.yaml", seed=seed, overrides=overrides).summary["value_overstatement"]

    strengths = (0.0, 0.25, 0.5, 0.75)
    tokens = [overstatement("tokens", s) for s in strengths]
    assert all(b > a for a, b in zip(tokens, tokens[1:]))
    assert tokens[-1] > 1.1
    for strength in (0.0, 0.5, 1.0, 2.0):
        assert overstatement("error_reduction", strength) == pytest.approx(1.0, abs=0.05)


# --- costs and value (brief 10.5) -------------------------------------------------------------
def test_seats_cost_licence_and_enablement_every_week():
    data = scenario_dict(weeks=13, organization__employees=40)
    ts = sim.run(data).timeseries
    per_week = 40 * (30.0 + 10.0) * 12 / 52  # Copilot list price + enablement, per month -> per week
    np.testing.assert_allclose(ts["licence_cost_usd"] + ts["enablement_cost_usd"], per_week)


def test_capture_share_scales_the_value_of_saved_and_of_wasted_hours_alike():
    """One opportunity cost (brief 11.3): the capture share values saved and performative hours;
    `wasted_hour_share` sets the latter apart."""
    data = homogeneous(kpi__strength=1.0, weeks=2)
    full = sim.run({**data, "economics": {"capture_share": 1.0}}).summary
    half = sim.run({**data, "economics": {"capture_share": 0.5}}).summary
    apart = sim.run({**data, "economics": {"capture_share": 0.5, "wasted_hour_share": 1.0}}).summary
    assert half["captured_value_usd"] == pytest.approx(0.5 * full["captured_value_usd"])
    assert half["wasted_hours_cost_usd"] == pytest.approx(0.5 * full["wasted_hours_cost_usd"])
    assert full["wasted_hours_cost_usd"] == pytest.approx(full["performative_hours"] * 48.0)
    assert apart["wasted_hours_cost_usd"] == pytest.approx(full["wasted_hours_cost_usd"])
    assert apart["captured_value_usd"] == pytest.approx(half["captured_value_usd"])


# --- the evidence, on the library (issue 10, done-when) -----------------------------------------
@pytest.mark.parametrize("seed", SEEDS)
def test_organic_use_matches_the_field_evidence(seed):
    s = sim.run(LIBRARY / "organic.yaml", seed=seed).summary
    assert s["gaming_share_mean"] <= 0.01
    assert 0.7 <= s["claimed_hours_saved_per_employee_week"] <= 1.6
    assert s["true_hours_saved_per_employee_week"] < s["claimed_hours_saved_per_employee_week"]
    assert 0.0 < s["roi_true"] < 3.0


@pytest.mark.parametrize("seed", SEEDS)
def test_default_token_kpi_overstates_roi_within_believable_bounds(seed):
    s = sim.run(LIBRARY / "default.yaml", seed=seed).summary
    assert s["roi_reported"] > s["roi_true"]
    assert -1.0 < s["roi_true"] < 3.0
    assert 1.1 < s["kpi_inflation"] < 1.5
    assert s["wasted_hours_cost_usd"] > s["wasted_spend_usd"]  # hours, not tokens, are the big cost
