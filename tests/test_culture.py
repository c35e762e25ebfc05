"""Model v2, part 3 (model brief 10.6): norms that can tip, beliefs that learn, flags remembered, and
the false-success loop with its end; each mechanism's direction, known answers, neutral defaults."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import sim
from sim.engine import culture
from sim.engine.model import OrganisationModel
from sim.scenario.io import load_scenario
from sim.validation.experiments import weeks_until_gone
from tests.conftest import homogeneous, scenario_dict

LIBRARY = Path(__file__).resolve().parents[1] / "scenarios"
EXPERIMENTS = LIBRARY / "experiments"
SEEDS = (1, 2, 3, 4, 5)


# --- norm erosion -----------------------------------------------------------------------------
def test_effective_integrity_falls_with_the_share_of_colleagues_gaming():
    iota = np.array([1.0, 2.0, 0.5])
    np.testing.assert_allclose(culture.effective_integrity(iota, 0.5, np.array([0.0, 0.5, 1.0])), [1.0, 1.5, 0.25])
    assert culture.effective_integrity(iota, 0.0, np.array([1.0, 1.0, 1.0])) is iota


def test_a_gamer_next_door_lowers_the_stigma_by_the_documented_amount():
    """Two employees on a complete network: one always games (integrity 0), the other's integrity
    falls by norm_erosion x 1 (the whole of their colleagues games), so they game too."""
    data = homogeneous(
        organization__employees=2, organization__network="complete", kpi__strength=1.0,
        behavior__substitutability=0.0, behavior__integrity_cost={"dist": "values", "values": [0.0, 1.0]},
        behavior__norm_erosion=0.5, weeks=3,
    )
    model = sim.run(data).model
    c = model.config.behavior.effort_cost
    reward = 1.0 * 40_000 / 50_000  # strength x performative tokens per hour / target
    np.testing.assert_allclose(model.state.performative_hours, [reward / c, (reward - 0.5) / c])
    fixed = sim.run({**data, "behavior": {**data["behavior"], "norm_erosion": 0.0}}).model
    assert fixed.state.performative_hours[1] == 0.0


@pytest.mark.parametrize("seed", SEEDS)
def test_hysteresis_two_starts_two_end_states(seed):
    low = sim.run(EXPERIMENTS / "norms_low_start.yaml", seed=seed).timeseries["gaming_share"].iloc[-1]
    high = sim.run(EXPERIMENTS / "norms_high_start.yaml", seed=seed).timeseries["gaming_share"].iloc[-1]
    assert low < 0.25 < 0.75 < high


def test_without_norm_erosion_the_start_is_forgotten():
    ends = [sim.run(EXPERIMENTS / f"norms_{start}_start.yaml", seed=1, overrides=["behavior.norm_erosion=0"])
            .timeseries["gaming_share"].iloc[-10:].mean() for start in ("low", "high")]
    assert ends[0] == pytest.approx(ends[1], abs=0.03)


@pytest.mark.parametrize("seed", SEEDS)
def test_gaming_persists_after_the_kpi_is_withdrawn_only_when_stigma_erodes(seed):
    eroded = sim.run(EXPERIMENTS / "norms_withdrawal.yaml", seed=seed).timeseries
    fixed = sim.run(EXPERIMENTS / "norms_withdrawal_fixed_stigma.yaml", seed=seed).timeseries
    assert weeks_until_gone(eroded, 27) >= 3
    assert weeks_until_gone(fixed, 27) <= 2


# --- learning and flag memory -------------------------------------------------------------------
def test_perception_gap_closes_geometrically_with_genuine_use():
    data = homogeneous(behavior__perception_anchoring=0.5, behavior__perceived_speedup_prior=0.6,
                       behavior__speedup=0.2, behavior__learning_rate=0.1, weeks=5)
    model = sim.run(data).model
    gap0 = 0.5 * (0.6 - 0.2)
    np.testing.assert_allclose(model.state.belief - 0.2, gap0 * 0.9**5, rtol=1e-12)


def test_with_learning_honest_claims_approach_the_truth():
    def gap(rate: float) -> float:
        ts = sim.run(LIBRARY / "organic.yaml", seed=2, overrides=[f"behavior.learning_rate={rate}"]).timeseries
        return float((ts["honest_claimed_hours_saved"] / ts["honest_true_hours_saved"]).iloc[-8:].mean())

    assert gap(0.05) < gap(0.0) - 0.3


def test_flag_memory_rises_with_flags_and_decays_with_a_quarter_year_half_life():
    factor = culture.remember_flags(np.ones(2), np.array([True, False]), 0.5)
    np.testing.assert_allclose(factor, [1.5, 1.0])
    for _ in range(13):
        factor = culture.remember_flags(factor, np.array([False, False]), 0.5)
    np.testing.assert_allclose(factor, [1.25, 1.0])


def test_false_positives_chill_genuine_use_through_beliefs():
    """Honest employees (no KPI reward) audited with false positives: those who remember being flagged
    expect more penalties and use AI less."""
    data = scenario_dict(kpi__strength=0.0, audit__rate=0.3, audit__fpr=0.1, audit__penalty=1.0, weeks=30,
                         organization__employees=400, behavior__initial_performative_share=0.0)
    plain = sim.run(data, seed=3).summary
    remembered = sim.run({**data, "behavior": {**data["behavior"], "flag_memory": 1.0}}, seed=3)
    assert remembered.summary["genuine_hours"] < 0.97 * plain["genuine_hours"]
    assert remembered.summary["gaming_share_mean"] == plain["gaming_share_mean"] == 0.0
    enforcement = np.asarray(remembered.model.state.enforcement)
    assert enforcement.max() > 1.5 and enforcement.min() >= 1.0


# --- seats, allowance, budget and the audit of true ROI ---------------------------------------------
def test_only_seated_employees_use_ai_and_seats_are_what_is_paid_for():
    data = scenario_dict(management__budget={"initial_seat_share": 0.25}, weeks=4, organization__employees=80)
    result = sim.run(data)
    state = result.model.state
    seated = result.model.seated()
    assert seated.sum() == 20
    assert (state.genuine_hours[~seated] == 0).all() and (state.genuine_hours[seated] > 0).any()
    ts = result.timeseries
    np.testing.assert_allclose(ts["licence_cost_usd"], 20 * 30.0 * 12 / 52)


def test_an_unused_allowance_is_paid_anyway():
    data = scenario_dict(kpi__strength=0.0, management__budget={"allowance_usd_per_seat_month": 50.0}, weeks=3)
    ts = sim.run(data).timeseries
    allowance = 50 * 50.0 * 12 / 52  # employees x per seat per month -> per week
    np.testing.assert_allclose(ts["usage_spend_usd"], allowance)
    np.testing.assert_allclose(ts["unused_allowance_usd"], allowance - ts["token_cost_usd"])


def test_budget_buys_seats_and_pressure():
    data = scenario_dict(weeks=27, organization__employees=200, management__budget={
        "enabled": True, "review_every_weeks": 13, "growth_per_unit_roi": 0.5, "initial_seat_share": 0.5,
        "seats_follow_budget": True})
    ts = sim.run(data).timeseries
    assert ts["budget_index"].iloc[-1] > 1.0
    assert ts["seats"].iloc[-1] > ts["seats"].iloc[0] == 100
    np.testing.assert_allclose(ts["kpi_strength"], 0.5 * ts["budget_index"])


def test_a_failed_roi_audit_cuts_the_budget_and_switches_the_regime():
    data = homogeneous(kpi__strength=2.0, weeks=8, management__budget={"enabled": True, "review_every_weeks": 4},
                       management__roi_audit={"every_weeks": 4, "budget_cut": 0.5, "switch_regime": "action_linked"})
    result = sim.run(data)
    ts = result.timeseries.set_index("week")
    (week, text), *_ = result.model.management.events
    assert week == 4 and "failed" in text
    assert ts.loc[5, "budget_index"] == pytest.approx(0.5 * ts.loc[4, "budget_index"])
    assert result.summary["final_kpi_regime"] == "action_linked"
    assert (ts.loc[6:, "performative_hours"] == 0).all()


@pytest.mark.parametrize("seed", (1, 2, 3))
def test_the_bubble_inflates_then_bursts_at_the_audit(seed):
    result = sim.run(EXPERIMENTS / "bubble.yaml", seed=seed)
    ts = result.timeseries.set_index("week")
    failed = [w for w, text in result.model.management.events if "failed" in text]
    assert failed and failed[0] in (52, 78, 104)  # at an audit, after a year or more of inflation
    burst = failed[0]
    assert ts.loc[burst, "roi_reported"] > ts.loc[13, "roi_reported"] > 0
    assert ts.loc[burst, "roi_true"] < 0 < ts.loc[13, "roi_true"]
    assert ts.loc[burst, "budget_index"] > 1.3 > ts.loc[13, "budget_index"]
    if burst + 12 <= len(ts):
        assert ts.loc[burst + 12:, "roi_true"].mean() > 0


def test_new_mechanisms_are_off_by_default_and_change_nothing_when_off():
    default = load_scenario(LIBRARY / "default.yaml")
    b = default.behavior
    assert b.norm_erosion == b.learning_rate == b.flag_memory == 0.0
    assert default.management.roi_audit.every_weeks is None and default.management.budget.initial_seat_share == 1.0
    model = OrganisationModel(default)
    assert model.seat_order is None and model.seated() is None
