"""The theory of model brief section 6, reproduced by the model in its limits."""

from __future__ import annotations

import numpy as np
import pytest

import sim
from sim.model import OrganisationModel
from sim.scenario_io import load_scenario
from tests.conftest import homogeneous


def first_week(data: dict) -> OrganisationModel:
    model = OrganisationModel(load_scenario(data))
    model.step()
    return model


# --- Holmstrom and Milgrom (1991): multitask ---------------------------------------------------
M2 = 0.6  # intrinsic value of genuine effort (m * s with m = 1, s = 0.6)
M1 = -0.1  # intrinsic value of performative effort (minus the integrity cost)
DELTA = 0.4


def hm_scenario(alpha_1: float) -> dict:
    """Only performative activity is rewarded: alpha_1 per performative hour; c = 1."""
    target = 1_000.0
    return homogeneous(
        behavior__effort_cost=1.0,
        behavior__substitutability=DELTA,
        behavior__speedup=M2,
        behavior__integrity_cost=-M1,
        behavior__max_ai_hours_per_week=1_000.0,
        usage__genuine__tokens_per_hour=0.0,
        usage__performative__tokens_per_hour=target,  # one hour = alpha * 1000 / target
        kpi__regime="tokens",
        kpi__scheme="linear",
        kpi__target=target,
        kpi__strength=alpha_1,
    )


def hm_expected(alpha_1: float) -> tuple[float, float]:
    """Clipped solution of the two first-order conditions (g = t2, p = t1)."""
    t1 = (alpha_1 + M1 - DELTA * M2) / (1 - DELTA**2)
    t2 = (M2 - DELTA * (alpha_1 + M1)) / (1 - DELTA**2)
    if t2 < 0:  # genuine effort vanishes: corner g = 0, p from its own condition
        return 0.0, max(alpha_1 + M1, 0.0)
    if t1 < 0:
        return max(M2, 0.0), 0.0
    return t2, t1


@pytest.mark.parametrize("alpha_1", [0.0, 0.2, 0.5, 1.0, 1.5, 2.0, 3.0])
def test_holmstrom_milgrom_multitask_solution(alpha_1):
    model = first_week(hm_scenario(alpha_1))
    g_expected, p_expected = hm_expected(alpha_1)
    np.testing.assert_allclose(model.state.genuine_hours, g_expected, atol=1e-9)
    np.testing.assert_allclose(model.state.performative_hours, p_expected, atol=1e-9)


def test_holmstrom_milgrom_genuine_effort_vanishes_at_m2_over_delta_minus_m1():
    vanishing = M2 / DELTA - M1
    just_below = first_week(hm_scenario(vanishing - 0.05)).state.genuine_hours
    just_above = first_week(hm_scenario(vanishing + 0.05)).state.genuine_hours
    assert np.all(just_below > 0.01)
    assert np.all(just_above == 0.0)


# --- Becker (1968): deterrence --------------------------------------------------------------
def becker_scenario(rate: float, penalty: float, strength: float = 1.0) -> dict:
    return homogeneous(
        behavior__substitutability=0.0,
        behavior__integrity_cost=0.05,
        behavior__effort_cost=0.1,
        kpi__regime="tokens",
        kpi__strength=strength,
        audit__rate=rate,
        audit__penalty=penalty,
        audit__tpr=0.7,
        audit__fpr=0.0,
        weeks=3,
    )


@pytest.mark.parametrize("rate,penalty", [(0.0, 0.0), (0.1, 1.0), (0.2, 2.0), (0.5, 0.5)])
def test_becker_performative_hours_formula(rate, penalty):
    data = becker_scenario(rate, penalty)
    k_p = 40_000 / 50_000  # default performative tokens per hour / default target
    expected = max(0.0, (1.0 * k_p - 0.05 - rate * penalty * 0.7) / 0.1)
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
def granovetter_scenario(thresholds_in_colleagues: list[int]) -> dict:
    n = len(thresholds_in_colleagues)
    return homogeneous(
        organization__employees=n,
        organization__network="complete",
        behavior__rule="threshold",
        behavior__threshold={"dist": "values", "values": [t / (n - 1) for t in thresholds_in_colleagues]},
        behavior__initial_performative_share=0.0,
        behavior__integrity_cost=0.0,
        kpi__strength=1.0,
        weeks=n + 3,
    )


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
    data = homogeneous(
        organization__employees=40_000,
        organization__network="complete",
        behavior__rule="imitation",
        behavior__imitation_rate=rate,
        behavior__selection_intensity=beta,
        behavior__initial_performative_share=0.05,
        kpi__strength=0.5,
        weeks=150,
    )
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
    k_times_gap = rate * np.tanh(beta * gap / 2)  # continuous-time limit of the Fermi rule
    expected = 1 / (1 + (1 - x0) / x0 * np.exp(-k_times_gap * weeks))
    assert share[-1] > 0.5  # the test covers the whole S-curve, not just its foot
    np.testing.assert_allclose(share, expected, atol=0.03)


# --- Goodhart -----------------------------------------------------------------------------------
STRENGTHS = np.linspace(0.0, 2.0, 21)


def goodhart_curve(regime: str) -> tuple[np.ndarray, np.ndarray]:
    reported, productivity = [], []
    for strength in STRENGTHS:
        data = homogeneous(
            kpi__regime=regime,
            kpi__strength=float(strength),
            behavior__speedup={"dist": "normal", "mean": 0.2, "sd": 0.3},
            behavior__integrity_cost={"dist": "normal", "mean": 0.3, "sd": 0.1, "min": 0.1},
            behavior__initial_performative_share=0.0,
            kpi__measurement_noise=0.0,
            weeks=4,
            organization__employees=300,
        )
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
