"""The organisation: a Mesa model that steps the whole workforce one week at a time.

Each week (synchronous: every employee decides on the state of the week before):
1. scheduled interventions change the policy (:mod:`sim.engine.management`);
2. the decision rule gives each employee's genuine and performative hours (:mod:`sim.engine.rules`);
3. usage turns into observables, the KPI is measured and rewarded, audits and the detector flag;
4. payoffs, organisation totals and management's reading of them (valuation, target ratchet,
   budget review) follow.
Utility is in hours of the employee's own time (model brief 10.1). The arithmetic is on arrays for
the whole workforce; :class:`sim.engine.agents.Employee` objects are views of one row each.
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
from sim.engine.management import ManagementState
from sim.engine.network import build_network
from sim.engine.observables import Rate, hourly_rates, script_observables
from sim.engine.rules import RULES
from sim.engine.state import Traits, WorkforceState
from sim.engine.strategies import Choice, ScriptOption, WeekProblem, best_choice, misreport_value
from sim.engine.valuation import Benchmark, honest_pilot, reported_value_usd, valuation_method
from sim.scenario.schema import Scenario


@dataclass(frozen=True)
class PolicyTerms:
    """Per-employee terms of the weekly objective that depend only on the policy."""

    policy: Scenario
    kpi_rate: Rate
    detector: HourlyFlagRates
    genuine_base: np.ndarray  # hours of utility per genuine hour before the KPI reward
    performative_base: np.ndarray  # hours of utility per performative hour before reward and conformity
    benchmark: Benchmark  # the honest pilot management values this KPI by
    valuation: str  # kpi_benchmark | claimed_hours
    misreports: tuple[kpis.Misreport, ...]  # ways to inflate the KPI without activity
    claim_check_penalty: float  # expected penalty per unit of misreport
    script: dict[str, float]  # what a week of the script produces (tokens, queries, actions, ...)
    script_kpi: float  # KPI units a week of scripting adds (0: no script is worth running)
    script_base: np.ndarray  # script-week before its reward: -iota_i h_s - pi_s h_s - c/2 u^2


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
        self.rates = hourly_rates(scenario.usage, self.traits.speedup, self.traits.perceived_speedup)
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
        return self.management.kpi_strength

    @property
    def adjustment_cost(self) -> float:
        """lam: the adjustment cost per squared hour of change that makes employees move a share
        `inertia` of the way to the frictionless best response (exact when delta = kappa = 0)."""
        behavior = self.config.behavior
        return behavior.effort_cost * (1.0 - behavior.inertia) / behavior.inertia

    def policy_terms(self) -> PolicyTerms:
        """Arrays that change only when the policy does (cached per policy version)."""
        policy = self.policy
        if self._terms is None or self._terms.policy is not policy:
            traits = self.traits
            detector = detector_rates(policy.usage, policy.detection)
            penalty = expected_penalty(policy.audit, policy.detection, detector)
            kpi_rate = kpis.kpi_rate(policy.kpi, self.rates)
            script = policy.usage.script
            equivalent = script.equivalent_hours
            self._terms = PolicyTerms(
                policy=policy,
                kpi_rate=kpi_rate,
                detector=detector,
                genuine_base=self._believed_value_per_genuine_hour - penalty.per_genuine_hour,
                performative_base=-traits.integrity_cost - penalty.per_performative_hour,
                benchmark=honest_pilot(policy, kpi_rate, self._believed_value_per_genuine_hour, traits.speedup),
                valuation=valuation_method(policy),
                misreports=kpis.misreport_channels(policy.kpi, self.config.behavior, policy.usage),
                claim_check_penalty=penalty.per_misreport_unit,
                script=(observed := script_observables(policy.usage)),
                script_kpi=kpis.script_kpi(policy.kpi, observed) if script.enabled else 0.0,
                script_base=(-(traits.integrity_cost + penalty.per_script_hour) * equivalent
                             - 0.5 * self.config.behavior.effort_cost * script.upkeep_hours_per_week**2),
            )
        return self._terms

    def incentive(self) -> kpis.Incentive:
        """This week's reward for the KPI, as the decision sees it."""
        policy, terms = self.policy, self.policy_terms()
        cutoff = (
            kpis.team_cutoff(self.state.kpi, self.network.team, policy.kpi.rank_top_share)
            if policy.kpi.scheme == "rank"
            else None
        )
        return kpis.incentive(policy.kpi, terms.kpi_rate, self.kpi_strength, self.management.target, cutoff)

    def week_problem(self, frictions: bool = True) -> WeekProblem:
        """Everything employees weigh this week: hours, misreports and the script."""
        terms, behavior = self.policy_terms(), self.config.behavior
        incentive = self.incentive()
        hours = self.decision_problem(frictions, incentive)
        script = None
        if terms.script_kpi > 0:
            u, c = self.policy.usage.script.upkeep_hours_per_week, behavior.effort_cost
            script = ScriptOption(
                kpi=terms.script_kpi,
                upkeep_hours=u,
                constant=terms.script_base + incentive.per_kpi_unit * terms.script_kpi,
                shift_genuine=-behavior.substitutability * c * u,
                shift_performative=-c * u,
            )
        return WeekProblem(hours, terms.misreports, self.traits.integrity_cost, terms.claim_check_penalty,
                           incentive.per_kpi_unit, script)

    def decision_problem(self, frictions: bool = True, incentive: kpis.Incentive | None = None) -> Problem:
        """Every employee's hours problem for the coming week, given last week's state.

        With `frictions`, the week's random-utility shocks (sd `behavior.noise`, drawn here from
        the model's generator) and the adjustment cost towards last week's hours are included."""
        behavior, state = self.config.behavior, self.state
        terms = self.policy_terms()
        incentive = incentive or self.incentive()
        a_g = terms.genuine_base + incentive.linear.per_genuine_hour
        a_p = terms.performative_base + incentive.linear.per_performative_hour
        if behavior.conformity > 0:
            a_p = a_p + (2 * behavior.conformity) * state.peer_performative_hours
        adjustment = 0.0
        if frictions:
            if behavior.noise > 0:
                a_g = a_g + self.rng.normal(0.0, behavior.noise, state.size)
                a_p = a_p + self.rng.normal(0.0, behavior.noise, state.size)
            adjustment = self.adjustment_cost
            if adjustment > 0:
                a_g = a_g + adjustment * state.genuine_hours
                a_p = a_p + adjustment * state.performative_hours
        return Problem(
            a_genuine=a_g,
            a_performative=a_p,
            effort_cost=behavior.effort_cost,
            substitutability=behavior.substitutability,
            conformity=behavior.conformity,
            hours_cap=behavior.max_ai_hours_per_week,
            step=incentive.step,
            adjustment=adjustment,
        )

    def _start_state(self) -> None:
        """Week 0: everyone at their honest best response; a random share also games."""
        n = self.state.size
        starters = self.rng.random(n) < self.config.behavior.initial_performative_share
        problem = self.week_problem(frictions=False)
        choice = best_choice(problem, may_game=starters)
        self.state.choose(choice)
        value = problem.hours.value(choice.genuine, choice.performative) + misreport_value(problem, choice)
        if problem.script is not None:  # the script-week's hours problem is the shifted one
            scripts = choice.scripts()
            value = value + scripts * (problem.script.constant + problem.script.shift_genuine * choice.genuine
                                       + problem.script.shift_performative * choice.performative)
        self.state.payoff = value  # expected payoff: what imitators compare in week 1
        self.state.kpi = self._measure(choice, 0.0)

    # --- one week ------------------------------------------------------------------------
    def step(self) -> None:
        week = self.steps
        self.management.apply_interventions(self.config, week)
        self.state.peer_performative_hours = self.network.neighbour_mean(self.state.performative_hours)
        choice = RULES[self.config.behavior.rule](self)
        self._observe(week, choice)
        self.management.review(week, self.records[-1])
        if week >= self.config.weeks:
            self.running = False

    def _measure(self, choice: Choice, noise: np.ndarray | float) -> np.ndarray:
        """The KPI each employee's choice puts on the dashboard."""
        terms = self.policy_terms()
        extra = choice.misreport_kpi(terms.misreports)
        if terms.script_kpi > 0:
            extra = extra + terms.script_kpi * choice.scripts()
        return kpis.measured_kpi(self.policy.kpi, terms.kpi_rate, choice.genuine, choice.performative, noise, extra)

    def _observe(self, week: int, choice: Choice) -> None:
        policy, behavior, traits, state = self.policy, self.config.behavior, self.traits, self.state
        kpi, terms, peers_p = policy.kpi, self.policy_terms(), state.peer_performative_hours
        target, strength = self.management.target, self.kpi_strength
        g, p, scripts = choice.genuine, choice.performative, choice.scripts()
        script = policy.usage.script
        noise_sd = kpis.measurement_noise_sd(kpi, target)
        noise = self.rng.normal(0.0, noise_sd, state.size) if noise_sd > 0 else 0.0
        measured = self._measure(choice, noise)
        reward = kpis.realised_reward(kpi, measured, strength, target, self.network.team)
        misreport_units = sum(choice.misreport.values()) if choice.misreport else 0.0
        flags = draw_flags(g, p, policy.audit, policy.detection, terms.detector, self.rng,
                           script_hours=scripts * script.equivalent_hours, misreport_units=misreport_units)
        c, delta, kappa = behavior.effort_cost, behavior.substitutability, behavior.conformity
        u = script.upkeep_hours_per_week * scripts
        performing = p + u  # the script's upkeep shares the attention cost of performative time
        payoff = (
            reward
            + g * (self._believed_value_per_genuine_hour - 0.5 * c * g - delta * c * performing)
            - p * traits.integrity_cost - 0.5 * c * performing**2
            - scripts * traits.integrity_cost * script.equivalent_hours
            - flags.penalty
        )
        for channel in terms.misreports:
            units = choice.misreport[channel.name]
            payoff = payoff - units * channel.integrity_weight * traits.integrity_cost \
                - 0.5 * channel.quadratic_cost * units**2
        if kappa > 0:
            payoff -= kappa * (p - peers_p) ** 2
        state.choose(choice)
        state.kpi, state.reward, state.penalty, state.payoff = measured, reward, flags.penalty, payoff
        state.flags = flags.audit_flags + flags.detector_flags
        self._record(week, flags, kpis.measured_kpi(kpi, terms.kpi_rate, g, np.zeros_like(p), 0.0), choice)

    def _record(self, week: int, flags: Flags, genuine_kpi: np.ndarray, choice: Choice) -> None:
        """Append this week's organisation totals to `records` (what a dashboard would show)."""
        policy, state, terms = self.policy, self.state, self.policy_terms()
        g, p, measured, target = state.genuine_hours, state.performative_hours, state.kpi, self.management.target
        scripts = choice.scripts()
        gaming = state.gaming
        gaming_count = float(np.count_nonzero(gaming))
        flagged_honest = flags.flagged & ~gaming
        self.flagged_while_honest |= flagged_honest
        all_flags = flags.audit_flags + flags.detector_flags
        scripts_running = float(np.count_nonzero(scripts))
        totals = week_economics(g, p, self.rates, policy, scripts_running, terms.script)
        misreported = {name: 0.0 for name in kpis.MISREPORT_COLUMNS}
        for channel in terms.misreports:
            misreported[channel.name] += float(choice.misreport[channel.name].sum()) * channel.output_per_unit
        totals["claimed_hours_saved"] += misreported["misreported_hours"]
        wage = policy.economics.loaded_wage_usd_per_hour
        reported_kpi = float(measured.sum())
        reported_value = reported_value_usd(
            terms.valuation, reported_kpi, totals["claimed_hours_saved"], terms.benchmark, wage
        )
        security = policy.security
        expected_exposures = (
            totals["genuine_queries"] * security.exposures_per_million_genuine_queries
            + totals["performative_queries"] * security.exposures_per_million_performative_queries
            + totals["scripted_queries"] * security.exposures_per_million_scripted_queries
        ) / 1e6
        queries = self.rates["queries"].of(g, p) + terms.script["queries"] * scripts
        manual = p > 0
        row = {
            "week": float(week),
            "employees": float(state.size),
            **totals,
            **misreported,
            "reported_value_usd": reported_value,
            "reported_kpi": reported_kpi,
            "genuine_kpi": float(genuine_kpi.sum()),
            "kpi_target": target,
            "kpi_strength": self.kpi_strength,
            "budget_index": self.management.budget_index,
            "target_reached_share": np.count_nonzero(measured >= target * (1 - 1e-9)) / state.size,
            "gaming_employees": gaming_count,
            "gaming_share": gaming_count / state.size,
            "scripts_running": scripts_running,
            "manual_gamers": float(np.count_nonzero(manual)),
            "misreporting_employees": float(np.count_nonzero(gaming & ~manual & ~scripts)),
            "active_users": float(np.count_nonzero(queries >= policy.kpi.active_threshold_queries * (1 - 1e-9))),
            "flagged_employees": float(np.count_nonzero(flags.flagged)),
            "flagged_honest_employees": float(np.count_nonzero(flagged_honest)),
            "flagged_scripters": float(np.count_nonzero(flags.flagged & scripts)),
            "flagged_manual_gamers": float(np.count_nonzero(flags.flagged & manual & ~scripts)),
            "audit_flags": float(flags.audit_flags.sum()),
            "detector_flags": float(flags.detector_flags.sum()),
            "flags_on_honest": float(all_flags[~gaming].sum()),
            "claims_caught": float(flags.claims_caught.sum()),
            "data_exposure_incidents": float(self.rng.poisson(expected_exposures)),
            "mean_payoff": float(state.payoff.mean()),
        }
        ai_hours = totals["genuine_hours"] + totals["performative_hours"]
        row["performative_share"] = _share(totals["performative_hours"], ai_hours)
        row["roi_reported"] = roi(reported_value, totals["ai_spend_usd"])
        row["roi_true"] = roi(totals["true_value_usd"], totals["ai_spend_usd"])
        self.records.append(row)

    def run(self) -> None:
        """Step until the scenario's last week."""
        while self.running and self.steps < self.config.weeks:
            self.step()


def _share(part: float, whole: float) -> float:
    return part / whole if whole > 0 else 0.0
