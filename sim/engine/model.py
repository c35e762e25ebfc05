"""The organisation: a Mesa model that steps the whole workforce one week at a time.

Each week (synchronous: every employee decides on the state of the week before):
1. scheduled interventions change the policy;
2. the decision rule gives each employee's genuine and performative hours;
3. usage turns into observables, the KPI is measured and rewarded, audits and the detector flag;
4. payoffs, organisation totals and management rules (target ratchet, budget review) follow.
The arithmetic is on arrays for the whole workforce; :class:`sim.engine.agents.Employee` objects are
views of one row each.
"""

from __future__ import annotations

from dataclasses import dataclass

import mesa
import numpy as np

from sim.engine import kpi as kpis
from sim.engine.agents import Employee
from sim.engine.decision import Problem, best_response
from sim.engine.economics import roi, week_economics
from sim.engine.enforcement import Flags, HourlyFlagRates, detector_rates, draw_flags, expected_penalty
from sim.engine.network import build_network
from sim.engine.observables import GAMING_MIN_HOURS, Rate, hourly_rates
from sim.engine.rules import RULES
from sim.scenario.io import apply_changes
from sim.scenario.schema import Scenario
from sim.engine.state import Traits, WorkforceState


@dataclass(frozen=True)
class PolicyTerms:
    """Per-employee terms of the weekly objective that depend only on the policy."""

    policy: Scenario
    kpi_rate: Rate
    detector: HourlyFlagRates
    genuine_base: np.ndarray  # utility per genuine hour before the KPI reward
    performative_base: np.ndarray  # utility per performative hour before reward and conformity


@dataclass
class ManagementState:
    """What management has decided so far: the current policy, target and budget."""

    policy: Scenario  # the scenario with all interventions so far applied
    target: float  # current KPI target per employee-week (ratcheted)
    budget_index: float = 1.0  # AI budget relative to the start
    period_reported_value_usd: float = 0.0
    period_spend_usd: float = 0.0


class OrganisationModel(mesa.Model):
    """An organisation whose employees choose genuine and performative AI use under a KPI."""

    def __init__(
        self, scenario: Scenario, rng: int | np.random.Generator | None = None, agents: bool = True
    ) -> None:
        """Employees become Mesa agents the first time `model.agents` is read (creating a million
        Python objects costs seconds that runs which only need totals never pay). `agents=False`
        never creates them."""
        super().__init__(rng=scenario.seed if rng is None else rng)
        self.config = scenario
        n = scenario.organization.employees
        org = scenario.organization
        self.traits = Traits.draw(scenario.behavior, n, self.rng)
        self.network = build_network(n, org.team_size, org.cross_team_ties, org.network, self.rng)
        self.rates = hourly_rates(scenario.usage, self.traits.speedup, self.traits.self_report_bias)
        self._believed_value_per_genuine_hour = self.traits.intrinsic_motivation * self.traits.perceived_speedup
        self.management = ManagementState(policy=scenario, target=scenario.kpi.resolved_target)
        self.state = WorkforceState(np.zeros(n), np.zeros(n))
        self._terms: PolicyTerms | None = None
        self._start_state()
        self.flagged_while_honest = np.zeros(n, dtype=bool)
        self.records: list[dict[str, float]] = []
        self._agents_wanted = agents
        self._agents_created = False

    @property
    def agents(self):
        """All employees as Mesa agents (created on first access)."""
        if self._agents_wanted and not self._agents_created:
            self._agents_created = True
            Employee.create_agents(self, self.state.size, index=np.arange(self.state.size))
        return super().agents

    # --- policy as it stands this week ----------------------------------------------------
    @property
    def policy(self) -> Scenario:
        return self.management.policy

    @property
    def kpi_strength(self) -> float:
        budget = self.policy.management.budget
        follows = budget.enabled and budget.strength_follows_budget
        return self.policy.kpi.strength * (self.management.budget_index if follows else 1.0)

    def policy_terms(self) -> PolicyTerms:
        """Arrays that change only when the policy does (cached per policy version)."""
        policy = self.policy
        if self._terms is None or self._terms.policy is not policy:
            traits = self.traits
            detector = detector_rates(policy.usage, policy.detection)
            penalty = expected_penalty(policy.audit, policy.detection, detector)
            self._terms = PolicyTerms(
                policy=policy,
                kpi_rate=kpis.kpi_rate(policy.kpi, self.rates),
                detector=detector,
                genuine_base=self._believed_value_per_genuine_hour - penalty.per_genuine_hour,
                performative_base=-traits.integrity_cost - penalty.per_performative_hour,
            )
        return self._terms

    def decision_problem(self) -> Problem:
        """Every employee's objective for the coming week, given last week's state."""
        policy, behavior, state = self.policy, self.config.behavior, self.state
        terms = self.policy_terms()
        cutoff = (
            kpis.team_cutoff(state.kpi, self.network.team, policy.kpi.rank_top_share)
            if policy.kpi.scheme == "rank"
            else None
        )
        incentive = kpis.incentive(policy.kpi, terms.kpi_rate, self.kpi_strength, self.management.target, cutoff)
        a_g = terms.genuine_base + incentive.linear.per_genuine_hour
        a_p = terms.performative_base + incentive.linear.per_performative_hour
        if behavior.conformity > 0:
            a_p = a_p + (2 * behavior.conformity) * state.peer_performative_hours
        return Problem(
            a_genuine=a_g,
            a_performative=a_p,
            effort_cost=behavior.effort_cost,
            substitutability=behavior.substitutability,
            conformity=behavior.conformity,
            hours_cap=behavior.max_ai_hours_per_week,
            step=incentive.step,
        )

    def _start_state(self) -> None:
        """Week 0: everyone at their honest best response; a random share also performs."""
        n = self.state.size
        starters = self.rng.random(n) < self.config.behavior.initial_performative_share
        problem = self.decision_problem()
        g, p = best_response(problem, may_perform=starters)
        self.state.genuine_hours, self.state.performative_hours = g, p
        self.state.payoff = problem.value(g, p)  # expected payoff: what imitators compare in week 1
        self.state.kpi = kpis.measured_kpi(self.policy.kpi, self.policy_terms().kpi_rate, g, p, 0.0)

    # --- one week ------------------------------------------------------------------------
    def step(self) -> None:
        week = self.steps
        self._apply_interventions(week)
        self.state.peer_performative_hours = self.network.neighbour_mean(self.state.performative_hours)
        g, p = RULES[self.config.behavior.rule](self)
        self._observe(week, g, p)
        self._manage(week)
        if week >= self.config.weeks:
            self.running = False

    def _apply_interventions(self, week: int) -> None:
        for intervention in self.config.management.interventions:
            if intervention.week == week:
                before = self.policy.kpi
                self.management.policy = apply_changes(
                    self.policy, intervention.set, origin=f"intervention at week {week}"
                )
                if self.policy.kpi.regime != before.regime or self.policy.kpi.target != before.target:
                    self.management.target = self.policy.kpi.resolved_target

    def _observe(self, week: int, g: np.ndarray, p: np.ndarray) -> None:
        policy, behavior, traits, state = self.policy, self.config.behavior, self.traits, self.state
        kpi, terms, peers_p = policy.kpi, self.policy_terms(), state.peer_performative_hours
        target, strength = self.management.target, self.kpi_strength
        rate = terms.kpi_rate
        noise_sd = kpis.measurement_noise_sd(kpi, target)
        noise = self.rng.normal(0.0, noise_sd, state.size) if noise_sd > 0 else 0.0
        measured = kpis.measured_kpi(kpi, rate, g, p, noise)
        reward = kpis.realised_reward(kpi, measured, strength, target, self.network.team)
        flags = draw_flags(g, p, policy.audit, policy.detection, terms.detector, self.rng)
        c, delta, kappa = behavior.effort_cost, behavior.substitutability, behavior.conformity
        payoff = (
            reward
            + g * (self._believed_value_per_genuine_hour - 0.5 * c * g - delta * c * p)
            - p * (traits.integrity_cost + 0.5 * c * p)
            - flags.penalty
        )
        if kappa > 0:
            payoff -= kappa * (p - peers_p) ** 2
        state.genuine_hours, state.performative_hours = g, p
        state.kpi, state.reward, state.penalty, state.payoff = measured, reward, flags.penalty, payoff
        state.flags = flags.audit_flags + flags.detector_flags
        self._record(week, flags)

    def _record(self, week: int, flags: Flags) -> None:
        """Append this week's organisation totals to `records` (what a dashboard would show)."""
        policy, state = self.policy, self.state
        g, p, measured, target = state.genuine_hours, state.performative_hours, state.kpi, self.management.target
        gaming = p >= GAMING_MIN_HOURS
        gaming_count = float(np.count_nonzero(gaming))
        flagged_honest = flags.flagged & ~gaming
        self.flagged_while_honest |= flagged_honest
        totals = week_economics(g, p, self.rates, policy)
        exposure_rate = policy.security.exposures_per_million_performative_queries / 1e6
        queries = self.rates["queries"].of(g, p)
        row = {
            "week": float(week),
            "employees": float(state.size),
            **totals,
            "reported_kpi": float(measured.sum()),
            "kpi_target": target,
            "kpi_strength": self.kpi_strength,
            "budget_index": self.management.budget_index,
            "target_reached_share": np.count_nonzero(measured >= target * (1 - 1e-9)) / state.size,
            "gaming_employees": gaming_count,
            "gaming_share": gaming_count / state.size,
            "active_users": float(np.count_nonzero(queries >= policy.kpi.active_threshold_queries * (1 - 1e-9))),
            "flagged_employees": float(np.count_nonzero(flags.flagged)),
            "flagged_honest_employees": float(np.count_nonzero(flagged_honest)),
            "audit_flags": float(flags.audit_flags.sum()),
            "detector_flags": float(flags.detector_flags.sum()),
            "data_exposure_incidents": float(self.rng.poisson(exposure_rate * totals["performative_queries"])),
            "mean_payoff": float(state.payoff.mean()),
        }
        row["performative_share"] = _share(totals["performative_hours"], totals["genuine_hours"] + totals["performative_hours"])
        row["roi_reported"] = roi(totals["reported_value_usd"], totals["ai_spend_usd"])
        row["roi_true"] = roi(totals["true_value_usd"], totals["ai_spend_usd"])
        self.records.append(row)

    def _manage(self, week: int) -> None:
        """Target ratchet and the budget review on reported ROI."""
        policy, row, mgmt = self.policy, self.records[-1], self.management
        ratchet = policy.management.target_ratchet
        if ratchet.enabled and policy.kpi.scheme != "rank" and row["target_reached_share"] >= ratchet.attainment_share:
            mgmt.target *= 1 + ratchet.step
        budget = policy.management.budget
        if budget.enabled:
            mgmt.period_reported_value_usd += row["reported_value_usd"]
            mgmt.period_spend_usd += row["ai_spend_usd"]
            if week % budget.review_every_weeks == 0:
                reported = roi(mgmt.period_reported_value_usd, mgmt.period_spend_usd)
                if np.isfinite(reported):
                    change = np.clip(budget.growth_per_unit_roi * (reported - budget.hurdle_roi), -budget.max_change, budget.max_change)
                    mgmt.budget_index *= 1 + float(change)
                mgmt.period_reported_value_usd = mgmt.period_spend_usd = 0.0

    def run(self) -> None:
        """Step until the scenario's last week."""
        while self.running and self.steps < self.config.weeks:
            self.step()


def _share(part: float, whole: float) -> float:
    return part / whole if whole > 0 else 0.0
