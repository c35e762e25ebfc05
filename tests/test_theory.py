"""The theory of model brief section 6, reproduced by the model in its limits."""

from __future__ import annotations

import numpy as np
import pytest

import sim
from sim.engine.model import OrganisationModel
from sim.scenario.io import load_scenario
from sim.validation import scenarios as sc
from sim.validation.scenarios import (
    becker_expected,
    becker_scenario,
    goodhart_scenario,
    granovetter_scenario,
    hm_expected,
    hm_scenario,
    imitation_scenario,
)


def first_week(data: dict) -> OrganisationModel:
    model = OrganisationModel(load_scenario(data))
    model.step()
    return model


# --- Holmstrom and Milgrom (1991): multitask ---------------------------------------------------
@pytest.mark.parametrize("alpha_1", [0.0, 0.2, 0.5, 1.0, 1.5, 2.0, 3.0])
def test_holmstrom_milgrom_multitask_solution(alpha_1):
    model = first_week(hm_scenario(alpha_1))
    g_expected, p_expected = hm_expected(alpha_1)
    np.testing.assert_allclose(model.state.genuine_hours, g_expected, atol=1e-9)
    np.testing.assert_allclose(model.state.performative_hours, p_expected, atol=1e-9)


def test_holmstrom_milgrom_genuine_effort_vanishes_at_m2_over_delta_minus_m1():
    vanishing = sc.hm_vanishing_strength()
    just_below = first_week(hm_scenario(vanishing - 0.05)).state.genuine_hours
    just_above = first_week(hm_scenario(vanishing + 0.05)).state.genuine_hours
    assert np.all(just_below > 0.01)
    assert np.all(just_above == 0.0)


# --- Becker (1968): deterrence --------------------------------------------------------------
@pytest.mark.parametrize("rate,penalty", [(0.0, 0.0), (0.1, 1.0), (0.2, 2.0), (0.5, 0.5)])
def test_becker_performative_hours_formula(rate, penalty):
    data = becker_scenario(rate, penalty)
    expected = becker_expected(rate, penalty)
    model = OrganisationModel(load_scenario(data))
    model.run()
    np.testing.assert_allclose(model.state.performative_hours, expected, atol=1e-9)


def test_becker_same_expected_fine_same_behaviour():
    runs = [sim.run(becker_scenario(q, f)) for q, f in [(0.1, 2.0), (0.2, 1.0), (0.4, 0.5), (0.8, 0.25)]]
    reference = runs[0].timeseries["performative_hours"].to_numpy()
    assert reference.sum() > 0
    for result in runs[1:]:
        np.testing.assert_allclose(result.timeseries["performative_hours"], reference, rtol=1e-12)


# --- Granovetter (1978): thresholds ----------------------------------------------------------
def test_granovetter_uniform_thresholds_cascade_is_total():
    n = 10
    result = sim.run(granovetter_scenario(list(range(n))))
    gaming = result.timeseries["gaming_employees"].to_numpy()
    np.testing.assert_array_equal(gaming, np.minimum(np.arange(1, n + 4), n))


def test_granovetter_raising_second_lowest_threshold_stops_cascade_at_one():
    thresholds = list(range(10))
    thresholds[1] = 2
    result = sim.run(granovetter_scenario(thresholds))
    assert (result.timeseries["gaming_employees"] == 1).all()


# --- Replicator dynamics ------------------------------------------------------------------------
def test_imitation_follows_replicator_logistic():
    rate, beta = 0.1, 1.0
    data = imitation_scenario(rate=rate, beta=beta)
    model = OrganisationModel(load_scenario(data))
    performers = model.state.performative_hours > 0
    x0 = performers.mean()
    problem = model.decision_problem()
    payoffs = problem.value(model.state.genuine_hours, model.state.performative_hours)
    gap = payoffs[performers][0] - payoffs[~performers][0]  # constant: homogeneous, linear reward
    assert gap > 0
    model.run()
    share = np.array([row["gaming_share"] for row in model.records])
    weeks = np.arange(1, len(share) + 1)
    expected = sc.replicator_share(x0, rate, beta, gap, weeks)
    assert share[-1] > 0.5  # the test covers the whole S-curve, not just its foot
    np.testing.assert_allclose(share, expected, atol=0.03)


# --- Goodhart -----------------------------------------------------------------------------------
STRENGTHS = np.linspace(0.0, 2.0, 21)


def goodhart_curve(regime: str) -> tuple[np.ndarray, np.ndarray]:
    reported, productivity = [], []
    for strength in STRENGTHS:
        data = goodhart_scenario(regime, float(strength))
        summary = sim.run(data).summary
        reported.append(summary["reported_kpi"])
        productivity.append(summary["true_hours_saved"] - summary["performative_hours"])
    return np.array(reported), np.array(productivity)


def test_goodhart_gameable_regime_reported_rises_true_peaks_then_falls():
    reported, productivity = goodhart_curve("tokens")
    assert np.all(np.diff(reported) >= -1e-9 * reported.max())
    assert reported[-1] > 2 * reported[0]
    peak = int(np.argmax(productivity))
    assert 0 < peak < len(STRENGTHS) - 1
    assert productivity[peak] > productivity[0]
    assert productivity[-1] < productivity[peak] - 0.1 * abs(productivity[peak])


def test_goodhart_outcome_regime_true_productivity_never_falls():
    _, productivity = goodhart_curve("error_reduction")
    assert np.all(np.diff(productivity) >= -1e-9 * abs(productivity).max())
    assert productivity[-1] > productivity[0]
