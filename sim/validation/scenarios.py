"""Scenario builders for the theory checks of model brief section 6.

Shared by ``tokenmaxx validate`` (:mod:`sim.validation.checks`) and the test suite
(``tests/test_theory.py``), so the report and the tests exercise the same set-ups.
Each builder returns a plain scenario dict; :func:`sim.scenario.io.load_scenario` validates it.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from sim.scenario import sources as src
from sim.scenario.io import set_path


def scenario_dict(**paths: Any) -> dict[str, Any]:
    """A scenario dict from keyword paths, '__' standing for '.': behavior__noise=0."""
    data: dict[str, Any] = {"organization": {"employees": 50}, "weeks": 10}
    for key, value in paths.items():
        set_path(data, key.split("__"), value, origin="validation")
    return data


def homogeneous(**paths: Any) -> dict[str, Any]:
    """Identical employees, no noise, jump straight to the best response, no conformity, and only
    manual performative use (no script; the regimes used here admit no misreport)."""
    base: dict[str, Any] = {
        "usage__script__enabled": False,
        "behavior__speedup": 0.2,
        "behavior__perception_anchoring": 0.0,
        "behavior__intrinsic_motivation": 1.0,
        "behavior__integrity_cost": 0.1,
        "behavior__conformity": 0.0,
        "behavior__noise": 0.0,
        "behavior__inertia": 1.0,
    }
    base.update(paths)
    return scenario_dict(**base)


# --- Holmstrom and Milgrom (1991): multitask ------------------------------------------------
HM_M2 = 0.6
"""Intrinsic value of genuine effort (m * s with m = 1, s = 0.6)."""
HM_M1 = -0.1
"""Intrinsic value of performative effort (minus the integrity cost)."""
HM_DELTA = 0.4
"""Substitutability delta between the two tasks."""
HM_TARGET = 1_000.0


def hm_scenario(alpha_1: float) -> dict[str, Any]:
    """Only performative activity is rewarded: alpha_1 per performative hour; c = 1."""
    return homogeneous(
        behavior__effort_cost=1.0,
        behavior__substitutability=HM_DELTA,
        behavior__speedup=HM_M2,
        behavior__integrity_cost=-HM_M1,
        behavior__max_ai_hours_per_week=1_000.0,
        usage__genuine__tokens_per_hour=0.0,
        usage__performative__tokens_per_hour=HM_TARGET,  # one hour = alpha * 1000 / target
        kpi__regime="tokens",
        kpi__scheme="linear",
        kpi__target=HM_TARGET,
        kpi__strength=alpha_1,
    )


def hm_expected(alpha_1: float) -> tuple[float, float]:
    """Clipped solution (g, p) of the two first-order conditions (g = t2, p = t1)."""
    t1 = (alpha_1 + HM_M1 - HM_DELTA * HM_M2) / (1 - HM_DELTA**2)
    t2 = (HM_M2 - HM_DELTA * (alpha_1 + HM_M1)) / (1 - HM_DELTA**2)
    if t2 < 0:  # genuine effort vanishes: corner g = 0, p from its own condition
        return 0.0, max(alpha_1 + HM_M1, 0.0)
    if t1 < 0:
        return max(HM_M2, 0.0), 0.0
    return t2, t1


def hm_vanishing_strength() -> float:
    """alpha_1 at which genuine effort vanishes: m2 / delta - m1."""
    return HM_M2 / HM_DELTA - HM_M1


# --- Becker (1968): deterrence ------------------------------------------------------------
BECKER_INTEGRITY = 0.05
BECKER_EFFORT_COST = 0.1
BECKER_TPR = 0.7


def becker_scenario(rate: float, penalty: float, strength: float = 1.0) -> dict[str, Any]:
    """delta = 0, no conformity, tokens regime (linear), audits with tpr 0.7 and fpr 0."""
    return homogeneous(
        behavior__substitutability=0.0,
        behavior__integrity_cost=BECKER_INTEGRITY,
        behavior__effort_cost=BECKER_EFFORT_COST,
        kpi__regime="tokens",
        kpi__strength=strength,
        audit__rate=rate,
        audit__penalty=penalty,
        audit__tpr=BECKER_TPR,
        audit__fpr=0.0,
        weeks=3,
    )


def becker_expected(rate: float, penalty: float, strength: float = 1.0) -> float:
    """p* = max(0, (alpha k_p - iota - q F tpr) / c), k_p from the default usage and target."""
    k_p = src.PERFORMATIVE_TOKENS_PER_HOUR / src.AMAZON_TOKENS_PER_ENGINEER_WEEK
    return max(0.0, (strength * k_p - BECKER_INTEGRITY - rate * penalty * BECKER_TPR) / BECKER_EFFORT_COST)


# --- Granovetter (1978): thresholds --------------------------------------------------------
def granovetter_scenario(thresholds_in_colleagues: list[int]) -> dict[str, Any]:
    """Complete network, threshold rule, thresholds given in colleagues."""
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


# --- Replicator dynamics ------------------------------------------------------------------
def imitation_scenario(
    employees: int = 40_000, rate: float = 0.1, beta: float = 1.0, weeks: int = 150
) -> dict[str, Any]:
    """Well-mixed (complete) organisation, imitation rule, constant payoff gap."""
    return homogeneous(
        organization__employees=employees,
        organization__network="complete",
        behavior__rule="imitation",
        behavior__imitation_rate=rate,
        behavior__selection_intensity=beta,
        behavior__initial_performative_share=0.05,
        kpi__strength=1.0,
        weeks=weeks,
    )


# --- Goodhart ------------------------------------------------------------------------------
def goodhart_scenario(regime: str, strength: float, employees: int = 300) -> dict[str, Any]:
    """Heterogeneous speed-up and integrity, noiseless measurement, four weeks."""
    return homogeneous(
        kpi__regime=regime,
        kpi__strength=float(strength),
        behavior__speedup={"dist": "normal", "mean": 0.2, "sd": 0.3},
        behavior__integrity_cost={"dist": "normal", "mean": 0.3, "sd": 0.1, "min": 0.1},
        behavior__initial_performative_share=0.0,
        kpi__measurement_noise=0.0,
        weeks=4,
        organization__employees=employees,
    )


def replicator_share(x0: float, rate: float, beta: float, payoff_gap: float, weeks: np.ndarray) -> np.ndarray:
    """Logistic solution of the replicator equation for the imitation rule.

    x(t) = 1 / (1 + (1 - x0) / x0 * exp(-k Delta t)), with k Delta = rate * tanh(beta Delta / 2),
    the continuous-time limit of pairwise Fermi imitation in a well-mixed population.
    """
    k_times_gap = rate * np.tanh(beta * payoff_gap / 2)
    return 1 / (1 + (1 - x0) / x0 * np.exp(-k_times_gap * weeks))


# --- Costly state falsification (brief 10.3): over-claiming a self-reported KPI ------------------
OVERCLAIM_INTEGRITY = 0.2
OVERCLAIM_MISREPORT_COST = 0.5
OVERCLAIM_TARGET = 1.0


def overclaim_scenario(strength: float, check_rate: float = 0.0, penalty: float = 1.0, check_tpr: float = 0.8) -> dict[str, Any]:
    """time_saved, linear, identical employees, no noise, claim checks at (q_c, F)."""
    return homogeneous(
        kpi__regime="time_saved",
        kpi__scheme="linear",
        kpi__target=OVERCLAIM_TARGET,
        kpi__strength=strength,
        behavior__integrity_cost=OVERCLAIM_INTEGRITY,
        behavior__misreport_cost=OVERCLAIM_MISREPORT_COST,
        audit__claim_check_rate=check_rate,
        audit__claim_check_tpr=check_tpr,
        audit__penalty=penalty,
        weeks=3,
    )


def overclaim_expected(strength: float, check_rate: float = 0.0, penalty: float = 1.0, check_tpr: float = 0.8) -> float:
    """m* = max(0, (alpha / T - iota - q_c tpr_c F) / mu)."""
    margin = strength / OVERCLAIM_TARGET - OVERCLAIM_INTEGRITY - check_rate * check_tpr * penalty
    return max(0.0, margin / OVERCLAIM_MISREPORT_COST)


# --- Scripts: a discrete choice with a threshold strength ---------------------------------------
SCRIPT_INTEGRITY = 0.3
SCRIPT_TOKENS = 100_000.0
SCRIPT_UPKEEP = 0.5
SCRIPT_EQUIVALENT = 2.0


def script_scenario(strength: float) -> dict[str, Any]:
    """tokens, linear, identical employees, delta = 0, manual performative use earns nothing (its
    tokens per hour are 0), so the script is the only way to game."""
    return homogeneous(
        kpi__regime="tokens",
        kpi__scheme="linear",
        kpi__strength=strength,
        behavior__integrity_cost=SCRIPT_INTEGRITY,
        behavior__substitutability=0.0,
        usage__performative__tokens_per_hour=0.0,
        usage__script__enabled=True,
        usage__script__tokens_per_week=SCRIPT_TOKENS,
        usage__script__upkeep_hours_per_week=SCRIPT_UPKEEP,
        usage__script__equivalent_hours=SCRIPT_EQUIVALENT,
        weeks=2,
    )


CAP_STRENGTH = 6.0
CAP_MULTIPLE = 1.5
"""A strong token KPI capped at 150% of target (brief 11.4: ASSUMPTION for the level)."""


def capped_scenario() -> dict[str, Any]:
    """tokens, linear with a cap, identical employees, delta = kappa = 0, no script: the capped
    optimum sits on the kink, with a closed form (:func:`capped_expected`)."""
    return homogeneous(
        kpi__regime="tokens", kpi__scheme="linear", kpi__strength=CAP_STRENGTH, kpi__reward_cap=CAP_MULTIPLE,
        behavior__substitutability=0.0, behavior__integrity_cost=SCRIPT_INTEGRITY, usage__script__enabled=False,
    )


def capped_expected(data: dict[str, Any]) -> tuple[float, float]:
    """(g, p) on the kink b_g g + b_p p = C: lam = (c C - b_g m s + b_p iota) / (b_g^2 + b_p^2),
    g = (m s + lam b_g) / c, p = (lam b_p - iota) / c (valid while both are positive)."""
    from sim.scenario.io import load_scenario

    scenario = load_scenario(data)
    b, usage = scenario.behavior, scenario.usage
    c, ms, iota = b.effort_cost, float(b.intrinsic_motivation) * float(b.speedup), float(b.integrity_cost)
    b_g, b_p = usage.genuine.tokens_per_hour, usage.performative.tokens_per_hour
    cap = CAP_MULTIPLE * scenario.kpi.resolved_target
    lam = (c * cap - b_g * ms + b_p * iota) / (b_g**2 + b_p**2)
    return (ms + lam * b_g) / c, (lam * b_p - iota) / c


def script_threshold_strength(effort_cost: float) -> float:
    """alpha* = T (iota h_s + c u^2 / 2) / K_s: below it nobody scripts, above it everybody does
    (with delta = 0 the script leaves the hours problem unchanged but for the upkeep's own cost)."""
    target = float(src.AMAZON_TOKENS_PER_ENGINEER_WEEK)
    return target * (SCRIPT_INTEGRITY * SCRIPT_EQUIVALENT + 0.5 * effort_cost * SCRIPT_UPKEEP**2) / SCRIPT_TOKENS
