"""The organisation: a Mesa model that steps the whole workforce one week at a time.

Each week (synchronous: every employee decides on the state of the week before):
1. scheduled interventions change the policy (:mod:`sim.engine.management`);
2. the decision rule gives each seated employee's choice: genuine and performative hours,
   misreports, a script (:mod:`sim.engine.rules`, :mod:`sim.engine.strategies`);
3. usage turns into observables, the KPI is measured and rewarded, audits, the detector and claim
   checks flag; the week's totals are booked (:mod:`sim.engine.accounts`);
4. management reads its dashboard (target ratchet, budget review, finance's ROI audit), and
   culture moves: stigma erodes, beliefs learn, flags are remembered (:mod:`sim.engine.culture`).
Utility is in hours of the employee's own time (model brief 10.1). The arithmetic is on arrays for
the whole workforce; :class:`sim.engine.agents.Employee` objects are views of one row each.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import mesa
import numpy as np
from mesa.experimental.scenarios import Scenario as MesaScenario

from sim.engine import culture
from sim.engine import kpi as kpis
from sim.engine.accounts import week_row
from sim.engine.agents import Employee
from sim.engine.decision import Problem
from sim.engine.enforcement import ExpectedPenalty, HourlyFlagRates, detector_rates, draw_flags, expected_penalty
from sim.engine.management import ManagementState, PolicyChange
from sim.engine.network import build_network
from sim.engine.observables import Rate, hourly_rates, script_observables
from sim.engine.rules import RULES
from sim.engine.state import Traits, WorkforceState
from sim.engine.strategies import Choice, ScriptOption, WeekProblem, best_choice, misreport_value
from sim.engine.valuation import Benchmark, honest_pilot, valuation_method
from sim.scenario.io import apply_changes, load_scenario
from sim.scenario.schema import Scenario


@dataclass(frozen=True)
class PolicyTerms:
    """What depends only on the policy in force (cached per policy version)."""

    policy: Scenario
    kpi_rate: Rate
    detector: HourlyFlagRates
    penalty: ExpectedPenalty  # expected penalty per hour (and per misreport unit) at face value
    benchmark: Benchmark  # the honest pilot management values this KPI by
    valuation: str  # kpi_benchmark | claimed_hours
    misreports: tuple[kpis.Misreport, ...]  # ways to inflate the KPI without activity
    script: dict[str, float]  # what a week of the script produces (tokens, queries, actions, ...)
    script_kpi: float  # KPI units a week of scripting adds (0: no script is worth running)


SCENARIO_SEED = object()
"""Default of `rng`: use the scenario's own seed (an explicit `rng=None` means fresh entropy)."""


def seed_of(rng: Any) -> int:
    """The whole-number seed a run uses and records, from whatever `rng` was given: an int as it
    is; None: fresh entropy; a NumPy `SeedSequence` or `Generator`: a seed drawn from it (so the
    recorded seed re-runs the run, and each child of `SeedSequence(1).spawn(3)` gives its own)."""
    if rng is None:
        rng = np.random.SeedSequence()
    if isinstance(rng, np.random.SeedSequence):
        return int(rng.generate_state(1, dtype=np.uint64)[0] >> 1)
    if isinstance(rng, np.random.Generator):
        return int(rng.integers(0, 2**63 - 1, dtype=np.int64))
    if isinstance(rng, (int, np.integer)) and not isinstance(rng, bool):
        return int(rng)  # Mesa seeds Python's `random` too, which takes only a plain int
    from sim.scenario.io import ScenarioError

    raise ScenarioError(f"rng {rng!r}: expected a whole-number seed, a numpy.random.SeedSequence or Generator, "
                        "or None (fresh entropy)")


REPORTERS: tuple[str, ...] = (
    "gaming_share", "performative_share", "scripts_running", "kpi_target", "kpi_strength", "budget_index",
    "reported_kpi", "genuine_kpi", "claimed_hours_saved", "true_hours_saved", "ai_spend_usd", "wasted_spend_usd",
    "wasted_hours_cost_usd", "reported_value_usd", "true_value_usd", "roi_reported", "roi_true", "co2_kg",
)
"""Weekly organisation totals the model's Mesa DataCollector records (names as in the time series),
after the run's `seed`."""


class OrganisationScenario(MesaScenario):
    """Mesa's scenario object for an organisation: `config` is the validated project scenario, so
    `model.scenario.config` is what the run was asked to do (Mesa's `rng` is its seed)."""

    config: Scenario | None = None


@dataclass(frozen=True)
class DecisionTerms:
    """What every employee weighed in the week just decided, term by term (arrays over employees,
    or one number for everyone), in hours of the employee's pay per hour of AI use.

    The linear terms of the hours problem add up exactly to `problem.hours.a_genuine` and
    `a_performative`; `problem` holds the rest (misreports, the script, the step reward)."""

    believed_value: np.ndarray  # per genuine hour: m_i x the hours saved the employee believes in
    reward_genuine: np.ndarray | float  # linear KPI reward per genuine hour
    reward_performative: np.ndarray | float  # linear KPI reward per performative hour
    integrity: np.ndarray  # integrity cost per performative hour (after norm erosion)
    penalty_genuine: np.ndarray | float  # expected penalty per genuine hour (false flags)
    penalty_performative: np.ndarray | float  # expected penalty per performative hour
    peer_pull: np.ndarray | float  # colleagues' pull per performative hour: 2 kappa x their mean p
    shock_genuine: np.ndarray | float  # this week's random-utility shock
    shock_performative: np.ndarray | float
    habit_genuine: np.ndarray | float  # the adjustment cost's pull towards last week's hours
    habit_performative: np.ndarray | float
    problem: WeekProblem | None = None


class OrganisationModel(mesa.Model):
    """An organisation whose employees choose genuine and performative AI use under a KPI.

    Built from a project scenario (a `Scenario`, a YAML path or a dict), with key-path keyword
    parameters on top, so `mesa.batch_run(OrganisationModel, parameters={"kpi.strength": [0.5, 1]})`
    works::

        OrganisationModel("scenarios/default.yaml", **{"kpi.strength": 1.0, "audit.rate": 0.1})

    `rng` left out uses the scenario's seed; `rng=None` (Mesa's convention, and what batch_run
    passes for each iteration) draws fresh entropy; a NumPy `SeedSequence` or `Generator` gives a
    seed drawn from it (:func:`seed_of`); either way the seed used is recorded in
    `model.config.seed` and `model.scenario.rng`, and re-runs the model.
    """

    keep_decision_terms: bool = False
    """Keep each week's :class:`DecisionTerms` in `decision_terms` (the dashboard explains one
    employee's choice with them); off by default, as it holds a dozen more arrays."""

    def __init__(
        self,
        scenario: Scenario | str | Path | dict | MesaScenario | None = None,
        rng: Any = SCENARIO_SEED,
        agents: bool = True,
        agent_reporters: bool | dict[str, Any] = False,
        **params: Any,
    ) -> None:
        """Employees become Mesa agents the first time `model.agents` is read (creating a million
        Python objects costs seconds that runs which only need totals never pay). `agents=False`
        never creates them. The DataCollector has a row for week 0 (the start, before any week is
        decided: the policy in force, flows NaN) and one per week; `agent_reporters=True` also
        records each employee every week (:data:`AGENT_REPORTERS`; or a dict of Mesa agent
        reporters of your own), which creates the agents and costs time per employee-week."""
        scenario = resolve_config(scenario, params)
        rng = scenario.seed if rng is SCENARIO_SEED else seed_of(rng)
        if rng != scenario.seed:
            scenario = scenario.model_copy(update={"seed": rng})
        super().__init__(rng=rng, scenario=OrganisationScenario(rng=rng, config=scenario))
        self.seed_used = rng
        self.config = scenario
        n = scenario.organization.employees
        org = scenario.organization
        self.traits = Traits.draw(scenario.behavior, n, self.rng)
        self.network = build_network(n, org.team_size, org.cross_team_ties, org.network, self.rng)
        self.management = ManagementState(policy=scenario, target=scenario.kpi.resolved_target)
        self.seat_order = self._draw_seat_order(n)
        self.state = WorkforceState(np.zeros(n), np.zeros(n), belief=self.traits.perceived_speedup.copy())
        self.rates = hourly_rates(scenario.usage, self.traits.speedup, self.state.belief)
        self._terms: PolicyTerms | None = None
        self._pilots: dict[int, tuple[Scenario, Benchmark]] = {}
        self._perception_gap: tuple[np.ndarray, float] | None = None  # (the belief array it is of, the gap)
        self._start_state()
        self.flagged_while_honest = np.zeros(n, dtype=bool)
        self.records: list[dict[str, float]] = []
        self.decision_terms: DecisionTerms | None = None
        self._agents_wanted = agents
        self._agents_created = False
        chosen = dict(AGENT_REPORTERS) if agent_reporters is True else dict(agent_reporters or {})
        self.datacollector = WeeklyCollector(
            model_reporters={"seed": _seed, **{name: _reporter(name) for name in REPORTERS}}, agent_reporters=chosen
        )
        self.datacollector.collect(self)  # week 0, Mesa's convention: the state the run starts from

    @property
    def agents(self):
        """All employees as Mesa agents (created on first access)."""
        if self._agents_wanted and not self._agents_created:
            self._agents_created = True
            Employee.create_agents(self, self.state.size, index=np.arange(self.state.size))
        return super().agents

    # --- policy and beliefs as they stand this week ---------------------------------------
    @property
    def policy(self) -> Scenario:
        return self.management.policy

    @property
    def kpi_strength(self) -> float:
        return self.management.kpi_strength

    @property
    def policy_changes(self) -> list[PolicyChange]:
        """Every change of policy so far (scheduled, live or by the ROI audit), in order."""
        return self.management.changes

    def change_policy(self, changes: dict[str, Any], origin: str = "live") -> PolicyChange:
        """Change the policy while the organisation runs: `changes` (key path -> value, e.g.
        ``{"kpi.regime": "action_linked", "kpi.target": None}``) apply from the next week, exactly
        like an intervention scheduled for that week, and are recorded in `policy_changes`.
        Invalid values raise :class:`sim.scenario.io.ScenarioError` and change nothing."""
        return self.management.change_policy(changes, self.steps + 1, origin)

    @property
    def adjustment_cost(self) -> float:
        """lam: the adjustment cost per squared hour of change that makes employees move a share
        `inertia` of the way to the frictionless best response (exact when delta = kappa = 0)."""
        behavior = self.config.behavior
        return behavior.effort_cost * (1.0 - behavior.inertia) / behavior.inertia

    @property
    def believed_value_per_genuine_hour(self) -> np.ndarray:
        """m_i x what employee i now believes AI saves them per genuine hour."""
        return self.traits.intrinsic_motivation * self.state.belief

    def integrity(self) -> np.ndarray:
        """This week's integrity cost per performative hour, after norm erosion."""
        return culture.effective_integrity(
            self.traits.integrity_cost, self.config.behavior.norm_erosion, self.state.peer_gaming_share
        )

    def policy_terms(self) -> PolicyTerms:
        """What changes only when the policy (or, with learning, the beliefs) does."""
        policy = self.policy
        if self._terms is None or self._terms.policy is not policy:
            detector = detector_rates(policy.usage, policy.detection)
            kpi_rate = kpis.kpi_rate(policy.kpi, self.rates)
            script = policy.usage.script
            observed = script_observables(policy.usage)
            self._terms = PolicyTerms(
                policy=policy,
                kpi_rate=kpi_rate,
                detector=detector,
                penalty=expected_penalty(policy.audit, policy.detection, detector),
                benchmark=self._pilot(policy, kpi_rate),
                valuation=valuation_method(policy),
                misreports=kpis.misreport_channels(policy.kpi, self.config.behavior, policy.usage),
                script=observed,
                script_kpi=kpis.script_kpi(policy.kpi, observed) if script.enabled else 0.0,
            )
        return self._terms

    def _pilot(self, policy: Scenario, kpi_rate: Rate) -> Benchmark:
        """The honest pilot of this KPI, run once with the beliefs employees started with."""
        key = id(policy)
        if key not in self._pilots:
            believed = self.traits.intrinsic_motivation * self.traits.perceived_speedup
            self._pilots[key] = (policy, honest_pilot(policy, kpi_rate, believed, self.traits.speedup))
        return self._pilots[key][1]

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
        terms, behavior, state = self.policy_terms(), self.config.behavior, self.state
        incentive = self.incentive()
        integrity = self.integrity()
        hours, parts = self._hours_problem(frictions, incentive, integrity)
        enforcement = state.enforcement
        script = None
        if terms.script_kpi > 0:
            u, c = self.policy.usage.script.upkeep_hours_per_week, behavior.effort_cost
            per_hour = integrity + enforcement * terms.penalty.per_script_hour
            script = ScriptOption(
                kpi=terms.script_kpi,
                upkeep_hours=u,
                constant=(incentive.per_kpi_unit * terms.script_kpi - per_hour * self.policy.usage.script.equivalent_hours
                          - 0.5 * c * u**2),
                shift_genuine=-behavior.substitutability * c * u,
                shift_performative=-c * u,
            )
        problem = WeekProblem(hours, terms.misreports, integrity, enforcement * terms.penalty.per_misreport_unit,
                              incentive.per_kpi_unit, script)
        if frictions and self.keep_decision_terms:
            self.decision_terms = DecisionTerms(**parts, problem=problem)
        return problem

    def decision_problem(
        self, frictions: bool = True, incentive: kpis.Incentive | None = None, integrity: np.ndarray | None = None
    ) -> Problem:
        """Every employee's hours problem for the coming week, given last week's state.

        With `frictions`, the week's random-utility shocks (sd `behavior.noise`, drawn here from
        the model's generator) and the adjustment cost towards last week's hours are included."""
        return self._hours_problem(frictions, incentive, integrity)[0]

    def _hours_problem(
        self, frictions: bool, incentive: kpis.Incentive | None, integrity: np.ndarray | None
    ) -> tuple[Problem, dict[str, Any]]:
        """The hours problem and its linear terms one by one (the fields of :class:`DecisionTerms`)."""
        behavior, state = self.config.behavior, self.state
        terms = self.policy_terms()
        incentive = incentive or self.incentive()
        integrity = self.integrity() if integrity is None else integrity
        penalty, enforcement = terms.penalty, state.enforcement
        believed = self.believed_value_per_genuine_hour
        penalty_g = enforcement * penalty.per_genuine_hour
        penalty_p = enforcement * penalty.per_performative_hour
        reward = incentive.linear
        a_g = believed - penalty_g + reward.per_genuine_hour
        a_p = -integrity - penalty_p + reward.per_performative_hour
        pull: np.ndarray | float = 0.0
        if behavior.conformity > 0:
            pull = (2 * behavior.conformity) * state.peer_performative_hours
            a_p = a_p + pull
        adjustment = 0.0
        shock_g: np.ndarray | float = 0.0
        shock_p: np.ndarray | float = 0.0
        habit_g: np.ndarray | float = 0.0
        habit_p: np.ndarray | float = 0.0
        if frictions:
            if behavior.noise > 0:
                shock_g = self.rng.normal(0.0, behavior.noise, state.size)
                a_g = a_g + shock_g
                shock_p = self.rng.normal(0.0, behavior.noise, state.size)
                a_p = a_p + shock_p
            adjustment = self.adjustment_cost
            if adjustment > 0:
                habit_g = adjustment * state.genuine_hours
                habit_p = adjustment * state.performative_hours
                a_g = a_g + habit_g
                a_p = a_p + habit_p
        problem = Problem(
            a_genuine=a_g,
            a_performative=a_p,
            effort_cost=behavior.effort_cost,
            substitutability=behavior.substitutability,
            conformity=behavior.conformity,
            hours_cap=behavior.max_ai_hours_per_week,
            step=incentive.step,
            adjustment=adjustment,
        )
        parts = {
            "believed_value": believed, "reward_genuine": reward.per_genuine_hour,
            "reward_performative": reward.per_performative_hour, "integrity": integrity,
            "penalty_genuine": penalty_g, "penalty_performative": penalty_p, "peer_pull": pull,
            "shock_genuine": shock_g, "shock_performative": shock_p, "habit_genuine": habit_g,
            "habit_performative": habit_p,
        }
        return problem, parts

    # --- seats ----------------------------------------------------------------------------
    def _draw_seat_order(self, n: int) -> np.ndarray | None:
        """Who gets a seat first when seats are scarce (a random order, drawn only if they are)."""
        budget = self.config.management.budget
        if budget.initial_seat_share >= 1.0 and not (budget.enabled and budget.seats_follow_budget):
            return None
        return self.rng.permutation(n)

    def seated(self) -> np.ndarray | None:
        """Employees with an AI seat this week (None: everyone)."""
        if self.seat_order is None:
            return None
        n = self.state.size
        seats = int(round(min(1.0, self.management.seat_share) * n))
        mask = np.zeros(n, dtype=bool)
        mask[self.seat_order[:seats]] = True
        return mask

    def _start_state(self) -> None:
        """Week 0: everyone at their honest best response; a random share also games. With norm
        erosion, that share is the culture employees start in (the share seen gaming)."""
        n = self.state.size
        behavior = self.config.behavior
        starters = self.rng.random(n) < behavior.initial_performative_share
        if behavior.norm_erosion > 0:
            self.state.peer_gaming_share = np.full(n, behavior.initial_performative_share)
        problem = self.week_problem(frictions=False)
        choice = best_choice(problem, may_game=starters).restricted(self.seated())
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
        state, behavior = self.state, self.config.behavior
        self.decision_terms = None
        self.management.apply_interventions(self.config, week)
        state.peer_performative_hours = self.network.neighbour_mean(state.performative_hours)
        if behavior.norm_erosion > 0:
            state.peer_gaming_share = self.network.neighbour_mean(state.gaming.astype(float))
        choice = RULES[behavior.rule](self).restricted(self.seated())
        self._observe(week, choice)
        self.management.review(week, self.records[-1])
        self._learn(choice)
        self.datacollector.collect(self)
        if week >= self.config.weeks:
            self.running = False

    def mean_perception_gap(self) -> float:
        """Mean over employees of belief minus true speed-up (hours per genuine hour); beliefs move
        only when they learn, so it is computed again only for a new belief array."""
        belief = self.state.belief
        if self._perception_gap is None or self._perception_gap[0] is not belief:
            self._perception_gap = (belief, float(np.mean(belief - self.traits.speedup)))
        return self._perception_gap[1]

    def _learn(self, choice: Choice) -> None:
        """Beliefs move after the week: perception gaps close with use, flags are remembered."""
        behavior, state = self.config.behavior, self.state
        if behavior.learning_rate > 0:
            state.belief = culture.learn(state.belief, self.traits.speedup, choice.genuine, behavior.learning_rate)
            self.rates = hourly_rates(self.policy.usage, self.traits.speedup, state.belief)
            self._terms = None
        if behavior.flag_memory > 0:
            state.enforcement = culture.remember_flags(state.enforcement, state.flags > 0, behavior.flag_memory)

    def _measure(self, choice: Choice, noise: np.ndarray | float) -> np.ndarray:
        """The KPI each employee's choice puts on the dashboard."""
        terms = self.policy_terms()
        extra = choice.misreport_kpi(terms.misreports)
        if terms.script_kpi > 0:
            extra = extra + terms.script_kpi * choice.scripts()
        return kpis.measured_kpi(self.policy.kpi, terms.kpi_rate, choice.genuine, choice.performative, noise, extra)

    def _observe(self, week: int, choice: Choice) -> None:
        policy, behavior, state = self.policy, self.config.behavior, self.state
        kpi, terms, peers_p = policy.kpi, self.policy_terms(), state.peer_performative_hours
        target, strength = self.management.target, self.kpi_strength
        g, p, scripts = choice.genuine, choice.performative, choice.scripts()
        script = policy.usage.script
        integrity = self.integrity()
        noise_sd = kpis.measurement_noise_sd(kpi, target)
        noise = self.rng.normal(0.0, noise_sd, state.size) if noise_sd > 0 else 0.0
        measured = self._measure(choice, noise)
        reward = kpis.realised_reward(kpi, measured, strength, target, self.network.team)
        misreport_units = sum(choice.misreport.values()) if choice.misreport else 0.0
        flags = draw_flags(g, p, policy.audit, policy.detection, terms.detector, self.rng,
                           script_hours=scripts * script.equivalent_hours, misreport_units=misreport_units)
        c, delta, kappa = behavior.effort_cost, behavior.substitutability, behavior.conformity
        performing = p + script.upkeep_hours_per_week * scripts  # upkeep shares the attention cost
        payoff = (
            reward
            + g * (self.believed_value_per_genuine_hour - 0.5 * c * g - delta * c * performing)
            - p * integrity - 0.5 * c * performing**2
            - scripts * integrity * script.equivalent_hours
            - flags.penalty
        )
        for channel in terms.misreports:
            units = choice.misreport[channel.name]
            payoff = payoff - units * channel.integrity_weight * integrity - 0.5 * channel.quadratic_cost * units**2
        if kappa > 0:
            payoff -= kappa * (p - peers_p) ** 2
        state.choose(choice)
        state.kpi, state.reward, state.penalty, state.payoff = measured, reward, flags.penalty, payoff
        state.flags = flags.total
        gaming = state.gaming
        self.flagged_while_honest |= flags.flagged & ~gaming
        genuine_kpi = kpis.measured_kpi(kpi, terms.kpi_rate, g, np.zeros_like(p), 0.0)
        self.records.append(week_row(self, week, choice, flags, genuine_kpi))

    def run(self) -> None:
        """Step until the scenario's last week."""
        while self.running and self.steps < self.config.weeks:
            self.step()

    def run_for(self, duration: float | int) -> None:
        """Run `duration` more weeks, but never past the scenario's last week (Mesa's `run_for`
        would step on)."""
        weeks = min(int(duration), self.config.weeks - self.steps)
        if weeks > 0:
            super().run_for(weeks)

    def run_until(self, end_time: float | int) -> None:
        """Run until week `end_time`, at most the scenario's last week."""
        self.run_for(min(int(end_time), self.config.weeks) - self.steps)


def resolve_config(source: Scenario | str | Path | dict | MesaScenario | None, params: dict[str, Any]) -> Scenario:
    """The project scenario a model is built from: a Scenario, YAML path or dict (None: the
    defaults; a Mesa scenario: its `config`), with key-path parameters applied and validated."""
    if isinstance(source, MesaScenario):
        source = getattr(source, "config", None)
    scenario = load_scenario(source if source is not None else {})
    if params:
        scenario = apply_changes(scenario, params, origin="model parameters")
    return scenario


class WeeklyCollector(mesa.DataCollector):
    """Mesa's DataCollector for the model's weekly reporters, without its per-value deepcopy
    (every reporter returns an immutable number) or per-week checks of the reporters' kinds."""

    def collect(self, model: OrganisationModel) -> None:
        if self.agent_reporters or self.agenttype_reporters or not self._validated:
            super().collect(model)
            return
        if hasattr(self, "_collection_steps"):
            self._collection_steps.append(model.time)
        model_vars = self.model_vars
        for name, reporter in self.model_reporters.items():
            model_vars[name].append(reporter(model))


def _seed(model: OrganisationModel) -> int:
    """The seed the run used (with `rng=None`, the fresh one drawn): re-run a replicate with it."""
    return model.config.seed


AGENT_REPORTERS: dict[str, str] = {
    "genuine_hours": "genuine_hours", "performative_hours": "performative_hours", "runs_script": "runs_script",
    "is_gaming": "is_gaming", "kpi": "kpi", "reward": "reward", "penalty": "penalty", "flags": "flags",
}
"""Employee attributes `agent_reporters=True` records each week (see :class:`sim.engine.agents.Employee`)."""

WEEK_ZERO: dict[str, Any] = {
    "kpi_target": lambda m: m.management.target,
    "kpi_strength": lambda m: m.kpi_strength,
    "budget_index": lambda m: m.management.budget_index,
}
"""Reporters with a value before the first week (the policy in force); the flows of week 0 are NaN."""


def _reporter(name: str):
    at_start = WEEK_ZERO.get(name)

    def report(model: OrganisationModel) -> float:
        if model.records:
            return model.records[-1][name]
        return float(at_start(model)) if at_start is not None else float("nan")

    report.__name__ = name
    return report
