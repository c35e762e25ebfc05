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
from sim.scenario.regimes import REGISTRY, Regime
from sim.scenario.schema import Behavior, Kpi, Usage

REGIME_CODES: dict[str, int] = {name: regime.code for name, regime in REGISTRY.items()}
"""The regime in force as a number, for the weekly time series (its registry code)."""


def _components(kpi: Kpi) -> list[tuple[Regime, float]]:
    """(regime, weight) pairs the KPI adds up: one with weight 1, or the composite's weighted and
    normalised parts."""
    regime = REGISTRY[kpi.regime]
    if regime.observable is not None:
        return [(regime, 1.0)]
    return [(REGISTRY[name], weight / REGISTRY[name].default_target) for name, weight in kpi.weights.items()]


def is_indicator(kpi: Kpi) -> bool:
    """Whether the KPI is counted 0/1 per employee-week (active users)."""
    return REGISTRY[kpi.regime].indicator


def kpi_rate(kpi: Kpi, rates: dict[str, Rate]) -> Rate:
    """KPI units per genuine and per performative hour (for active_user: queries per hour)."""
    total = Rate(0.0, 0.0)
    for regime, weight in _components(kpi):
        total = total + rates[regime.observable].scaled(weight)
    return total


def script_kpi(kpi: Kpi, script: dict[str, float]) -> float:
    """KPI units one week of running the script adds (for active_user: its queries)."""
    return float(sum(weight * script[regime.observable] for regime, weight in _components(kpi)))


@dataclass(frozen=True)
class Misreport:
    """A way to inflate the KPI without any AI activity (model brief 10.3): over-claiming hours
    saved, marking undone work done, or manufacturing a measured improvement."""

    name: str  # output column: hours claimed, completions marked, hours of improvement manufactured
    kpi_per_unit: float  # KPI units per unit of misreport (unit: one hour claimed or of work marked done)
    quadratic_cost: float  # mu: cost mu/2 m^2 on top of the integrity cost per unit
    output_per_unit: float  # units of the output column per unit (completions per hour of work)
    integrity_weight: float = 1.0  # integrity cost per unit, as a multiple of iota_i

    def subset(self, rows: np.ndarray) -> Misreport:
        """The channel for some employees only (its numbers may be one per employee)."""
        def pick(x):
            return x[rows] if np.ndim(x) else x

        return Misreport(self.name, pick(self.kpi_per_unit), pick(self.quadratic_cost), pick(self.output_per_unit),
                         pick(self.integrity_weight))


MISREPORT_COLUMNS = ("misreported_hours", "misreported_completions", "manipulated_hours")
"""Weekly totals of deliberate misreporting, next to the honest claims they inflate."""


def misreport_channels(kpi: Kpi, behavior: Behavior, usage: Usage) -> tuple[Misreport, ...]:
    """The misreports the regime admits: self-reported time saved and completions (cost
    `misreport_cost`), the measured outcome (cost `outcome_manipulation_cost`); none for counted use."""
    completions_per_hour = usage.genuine.queries_per_hour * usage.genuine.done_rate
    channels = []
    for regime, weight in _components(kpi):
        spec = regime.misreport
        if spec is None:
            continue
        integrity = 1.0 if spec.integrity is None else getattr(behavior, spec.integrity)
        if spec.per_hour_of_work:  # a unit is an hour of work marked done: completions per hour of it
            channels.append(Misreport(spec.column, weight * completions_per_hour, getattr(behavior, spec.cost),
                                      completions_per_hour, integrity))
        else:
            channels.append(Misreport(spec.column, weight, getattr(behavior, spec.cost), 1.0, integrity))
    return tuple(channels)


def measurement_noise_sd(kpi: Kpi, target: float) -> float:
    """Sd of the noise on the measured KPI: only outcome measurement (error_reduction) is noisy."""
    regime = REGISTRY[kpi.regime]
    if regime.noisy:
        return kpi.measurement_noise * target
    if regime.observable is None:  # a composite: its noisy parts, in its own (normalised) units
        return kpi.measurement_noise * sum(w for name, w in kpi.weights.items() if REGISTRY[name].noisy)
    return 0.0


def measured_kpi(
    kpi: Kpi, rate: Rate, genuine: np.ndarray, performative: np.ndarray, noise: np.ndarray | float,
    extra: np.ndarray | float = 0.0,
) -> np.ndarray:
    """The KPI value the dashboard records for each employee this week; `extra` is what scripts and
    misreports add (for active_user: scripted queries)."""
    amount = rate.of(genuine, performative) + extra
    if is_indicator(kpi):
        return (amount >= kpi.active_threshold_queries * (1 - 1e-9)).astype(float)
    return amount + noise


@dataclass(frozen=True)
class Incentive:
    """The reward of one week as seen by the decision model."""

    linear: Rate  # utility per hour, already multiplied by strength
    step: Step | None
    per_kpi_unit: float = 0.0  # linear reward per KPI unit (strength / target; 0 under a step reward)


@dataclass(frozen=True)
class Scheme:
    """An incentive scheme: what reaching (or approaching) the KPI target earns.

    `proportional`: the reward is strength x KPI / target (linear); otherwise a lump sum of
    `strength` for reaching a threshold (a step reward). `uses_team_cutoff`: the threshold is a rank
    in the team (last week's top-share cut-off), not the target."""

    name: str
    proportional: bool
    uses_team_cutoff: bool = False

    def threshold(self, kpi: Kpi, target: float, cutoff: np.ndarray | None) -> np.ndarray | float:
        """The KPI a step reward asks for this week."""
        return cutoff * (1 + kpi.rank_margin) if self.uses_team_cutoff else target

    def reached(self, kpi: Kpi, value: np.ndarray, target: float, team: np.ndarray) -> np.ndarray:
        """Who earns the step reward for the KPI measured this week."""
        if self.uses_team_cutoff:
            return value >= team_cutoff(value, team, kpi.rank_top_share)
        return value >= target * (1 - 1e-9)

    def indicator_goal(self, target: float) -> float:
        """The 0/1 indicator KPI an employee must reach: the target under a quota, 1 otherwise
        (being active is all that can be ranked)."""
        return target if not (self.proportional or self.uses_team_cutoff) else 1.0


SCHEMES: dict[str, Scheme] = {s.name: s for s in (
    Scheme("linear", proportional=True),
    Scheme("quota", proportional=False),
    Scheme("rank", proportional=False, uses_team_cutoff=True),
)}
"""Every incentive scheme by name (`kpi.scheme`)."""


def incentive(kpi: Kpi, rate: Rate, strength: float, target: float, rank_cutoff: np.ndarray | None) -> Incentive:
    """Linear and step parts of the reward for the regime-scheme pair."""
    none = Rate(0.0, 0.0)
    scheme = SCHEMES[kpi.scheme]
    if is_indicator(kpi):  # the KPI is 0 or 1: a quota above 1 can never be met
        height = strength / target if scheme.proportional else strength * (scheme.indicator_goal(target) <= 1.0)
        return Incentive(none, Step(height, rate.per_genuine_hour, rate.per_performative_hour, kpi.active_threshold_queries))
    if scheme.proportional:
        return Incentive(rate.scaled(strength / target), None, strength / target)
    threshold = scheme.threshold(kpi, target, rank_cutoff)
    return Incentive(none, Step(strength, rate.per_genuine_hour, rate.per_performative_hour, threshold))


def realised_reward(kpi: Kpi, value: np.ndarray, strength: float, target: float, team: np.ndarray) -> np.ndarray:
    """Reward (utility) each employee earns for the KPI value measured this week."""
    scheme = SCHEMES[kpi.scheme]
    if scheme.proportional and kpi.reward_cap is not None and not is_indicator(kpi):
        return strength * np.minimum(value, kpi.reward_cap * target) / target
    if scheme.proportional:
        return strength * value / target
    if is_indicator(kpi):
        return strength * (value >= scheme.indicator_goal(target) * (1 - 1e-9))
    return strength * scheme.reached(kpi, value, target, team)


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
    observable = REGISTRY[kpi.regime].observable
    per_hour = {"tokens": (usage.genuine.tokens_per_hour, usage.performative.tokens_per_hour),
                "queries": (usage.genuine.queries_per_hour, usage.performative.queries_per_hour),
                "actions": (usage.genuine.queries_per_hour * usage.genuine.action_rate,
                            usage.performative.queries_per_hour * usage.performative.action_rate)}[observable]
    script = usage.script
    scripted = {"tokens": script.tokens_per_week, "queries": script.queries_per_week,
                "actions": script.queries_per_week * script.action_rate}[observable] if script.enabled else 0.0
    return behavior.max_ai_hours_per_week * max(per_hour) + scripted
