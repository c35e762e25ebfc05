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
from sim.scenario.schema import DEFAULT_TARGETS, REGIMES, Behavior, Kpi, Usage

REGIME_CODES: dict[str, int] = {regime: i for i, regime in enumerate(REGIMES)}
"""The regime in force as a number, for the weekly time series (index into REGIMES)."""

REGIME_OBSERVABLE = {
    "tokens": "tokens",
    "queries": "queries",
    "active_user": "queries",  # counted as an indicator: queries >= active_threshold_queries
    "completions": "completions",
    "time_saved": "claimed_hours_saved",
    "action_linked": "actions",
    "error_reduction": "true_hours_saved",
}


def _components(kpi: Kpi) -> list[tuple[str, float]]:
    """(regime, weight) pairs the KPI adds up: one with weight 1, or the composite's weighted and
    normalised parts."""
    if kpi.regime != "composite":
        return [(kpi.regime, 1.0)]
    return [(regime, weight / DEFAULT_TARGETS[regime]) for regime, weight in kpi.weights.items()]


def kpi_rate(kpi: Kpi, rates: dict[str, Rate]) -> Rate:
    """KPI units per genuine and per performative hour (for active_user: queries per hour)."""
    total = Rate(0.0, 0.0)
    for regime, weight in _components(kpi):
        total = total + rates[REGIME_OBSERVABLE[regime]].scaled(weight)
    return total


def script_kpi(kpi: Kpi, script: dict[str, float]) -> float:
    """KPI units one week of running the script adds (for active_user: its queries)."""
    return float(sum(weight * script[REGIME_OBSERVABLE[regime]] for regime, weight in _components(kpi)))


@dataclass(frozen=True)
class Misreport:
    """A way to inflate the KPI without any AI activity (model brief 10.3): over-claiming hours
    saved, marking undone work done, or manufacturing a measured improvement."""

    name: str  # output column: hours claimed, completions marked, hours of improvement manufactured
    kpi_per_unit: float  # KPI units per unit of misreport (unit: one hour claimed or of work marked done)
    quadratic_cost: float  # mu: cost mu/2 m^2 on top of the integrity cost per unit
    output_per_unit: float  # units of the output column per unit (completions per hour of work)
    integrity_weight: float = 1.0  # integrity cost per unit, as a multiple of iota_i


MISREPORT_COLUMNS = ("misreported_hours", "misreported_completions", "manipulated_hours")
"""Weekly totals of deliberate misreporting, next to the honest claims they inflate."""


def misreport_channels(kpi: Kpi, behavior: Behavior, usage: Usage) -> tuple[Misreport, ...]:
    """The misreports the regime admits: self-reported time saved and completions (cost
    `misreport_cost`), the measured outcome (cost `outcome_manipulation_cost`); none for counted use."""
    completions_per_hour = usage.genuine.queries_per_hour * usage.genuine.done_rate
    channels = []
    for regime, weight in _components(kpi):
        if regime == "time_saved":
            channels.append(Misreport("misreported_hours", weight, behavior.misreport_cost, 1.0))
        elif regime == "completions":
            channels.append(Misreport("misreported_completions", weight * completions_per_hour,
                                      behavior.misreport_cost, completions_per_hour))
        elif regime == "error_reduction":
            channels.append(Misreport("manipulated_hours", weight, behavior.outcome_manipulation_cost, 1.0,
                                      behavior.outcome_manipulation_integrity))
    return tuple(channels)


def measurement_noise_sd(kpi: Kpi, target: float) -> float:
    """Sd of the noise on the measured KPI: only outcome measurement (error_reduction) is noisy."""
    if kpi.regime == "error_reduction":
        return kpi.measurement_noise * target
    if kpi.regime == "composite":
        return kpi.measurement_noise * kpi.weights.get("error_reduction", 0.0)
    return 0.0


def measured_kpi(
    kpi: Kpi, rate: Rate, genuine: np.ndarray, performative: np.ndarray, noise: np.ndarray | float,
    extra: np.ndarray | float = 0.0,
) -> np.ndarray:
    """The KPI value the dashboard records for each employee this week; `extra` is what scripts and
    misreports add (for active_user: scripted queries)."""
    amount = rate.of(genuine, performative) + extra
    if kpi.regime == "active_user":
        return (amount >= kpi.active_threshold_queries * (1 - 1e-9)).astype(float)
    return amount + noise


@dataclass(frozen=True)
class Incentive:
    """The reward of one week as seen by the decision model."""

    linear: Rate  # utility per hour, already multiplied by strength
    step: Step | None
    per_kpi_unit: float = 0.0  # linear reward per KPI unit (strength / target; 0 under a step reward)


def incentive(kpi: Kpi, rate: Rate, strength: float, target: float, rank_cutoff: np.ndarray | None) -> Incentive:
    """Linear and step parts of the reward for the regime-scheme pair."""
    none = Rate(0.0, 0.0)
    if kpi.regime == "active_user":  # the KPI is 0 or 1: a quota above 1 can never be met
        height = strength / target if kpi.scheme == "linear" else strength * (active_user_goal(kpi, target) <= 1.0)
        return Incentive(none, Step(height, rate.per_genuine_hour, rate.per_performative_hour, kpi.active_threshold_queries))
    if kpi.scheme == "linear":
        return Incentive(rate.scaled(strength / target), None, strength / target)
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


BOUNDED_REGIMES = ("tokens", "queries", "action_linked", "active_user")
"""Regimes whose KPI an employee-week cannot push past a bound (counted use, no misreporting)."""


def most_kpi_per_week(kpi: Kpi, behavior: Behavior, usage: Usage) -> float | None:
    """The most KPI units one employee can produce in a week (every AI hour of the faster kind,
    plus the script), or None where misreports make it unbounded (claims, completions, outcomes)."""
    if kpi.regime not in BOUNDED_REGIMES:
        return None
    if kpi.regime == "active_user":
        return 1.0
    observable = REGIME_OBSERVABLE[kpi.regime]
    per_hour = {"tokens": (usage.genuine.tokens_per_hour, usage.performative.tokens_per_hour),
                "queries": (usage.genuine.queries_per_hour, usage.performative.queries_per_hour),
                "actions": (usage.genuine.queries_per_hour * usage.genuine.action_rate,
                            usage.performative.queries_per_hour * usage.performative.action_rate)}[observable]
    script = usage.script
    scripted = {"tokens": script.tokens_per_week, "queries": script.queries_per_week,
                "actions": script.queries_per_week * script.action_rate}[observable] if script.enabled else 0.0
    return behavior.max_ai_hours_per_week * max(per_hour) + scripted
