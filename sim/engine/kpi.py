"""KPI regimes (what the dashboard counts) and incentive schemes (what counting earns).

A regime turns an employee-week into a number from the observable rates of
:mod:`sim.engine.observables`; a scheme turns that number into a reward. For the decision model each
pair is expressed as a linear reward per hour plus an optional step reward
(:class:`sim.engine.decision.Step`), which the best response handles exactly.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.engine.decision import Step
from sim.engine.observables import Rate
from sim.scenario.schema import DEFAULT_TARGETS, Kpi

REGIME_OBSERVABLE = {
    "tokens": "tokens",
    "queries": "queries",
    "active_user": "queries",  # counted as an indicator: queries >= active_threshold_queries
    "completions": "completions",
    "time_saved": "claimed_hours_saved",
    "action_linked": "actions",
    "error_reduction": "true_hours_saved",
}


def kpi_rate(kpi: Kpi, rates: dict[str, Rate]) -> Rate:
    """KPI units per genuine and per performative hour (for active_user: queries per hour)."""
    if kpi.regime != "composite":
        return rates[REGIME_OBSERVABLE[kpi.regime]]
    total = Rate(0.0, 0.0)
    for regime, weight in kpi.weights.items():
        total = total + rates[REGIME_OBSERVABLE[regime]].scaled(weight / DEFAULT_TARGETS[regime])
    return total


def measurement_noise_sd(kpi: Kpi, target: float) -> float:
    """Sd of the noise on the measured KPI: only outcome measurement (error_reduction) is noisy."""
    if kpi.regime == "error_reduction":
        return kpi.measurement_noise * target
    if kpi.regime == "composite":
        return kpi.measurement_noise * kpi.weights.get("error_reduction", 0.0)
    return 0.0


def measured_kpi(
    kpi: Kpi, rate: Rate, genuine: np.ndarray, performative: np.ndarray, noise: np.ndarray | float
) -> np.ndarray:
    """The KPI value the dashboard records for each employee this week."""
    amount = rate.of(genuine, performative)
    if kpi.regime == "active_user":
        return (amount >= kpi.active_threshold_queries * (1 - 1e-9)).astype(float)
    return amount + noise


@dataclass(frozen=True)
class Incentive:
    """The reward of one week as seen by the decision model."""

    linear: Rate  # utility per hour, already multiplied by strength
    step: Step | None


def incentive(kpi: Kpi, rate: Rate, strength: float, target: float, rank_cutoff: np.ndarray | None) -> Incentive:
    """Linear and step parts of the reward for the regime-scheme pair."""
    none = Rate(0.0, 0.0)
    if kpi.regime == "active_user":  # the KPI is 0 or 1: a quota above 1 can never be met
        height = strength / target if kpi.scheme == "linear" else strength * (active_user_goal(kpi, target) <= 1.0)
        return Incentive(none, Step(height, rate.per_genuine_hour, rate.per_performative_hour, kpi.active_threshold_queries))
    if kpi.scheme == "linear":
        return Incentive(rate.scaled(strength / target), None)
    threshold = target if kpi.scheme == "quota" else rank_cutoff * (1 + kpi.rank_margin)
    return Incentive(none, Step(strength, rate.per_genuine_hour, rate.per_performative_hour, threshold))


def realised_reward(kpi: Kpi, value: np.ndarray, strength: float, target: float, team: np.ndarray) -> np.ndarray:
    """Reward (utility) each employee earns for the KPI value measured this week."""
    if kpi.scheme == "linear":
        return strength * value / target
    if kpi.regime == "active_user":
        return strength * (value >= active_user_goal(kpi, target) * (1 - 1e-9))
    if kpi.scheme == "quota":
        return strength * (value >= target * (1 - 1e-9))
    return strength * (value >= team_cutoff(value, team, kpi.rank_top_share))


def active_user_goal(kpi: Kpi, target: float) -> float:
    """The 0/1 active-user KPI an employee must reach: the target under quota, 1 under rank
    (being active is all that can be ranked)."""
    return target if kpi.scheme == "quota" else 1.0


def team_cutoff(value: np.ndarray, team: np.ndarray, top_share: float) -> np.ndarray:
    """Per employee: the KPI value needed to be in the top `top_share` of their team."""
    order = np.lexsort((-value, team))
    sorted_team = team[order]
    starts = np.flatnonzero(np.r_[True, sorted_team[1:] != sorted_team[:-1]])
    sizes = np.diff(np.r_[starts, len(team)])
    winners = np.maximum(np.ceil(top_share * sizes - 1e-9).astype(np.int64), 1)
    cutoff_by_team = value[order][starts + winners - 1]
    team_ids = sorted_team[starts]
    lookup = np.empty(team.max() + 1)
    lookup[team_ids] = cutoff_by_team
    return lookup[team]
