"""The organisation: a Mesa model that steps the whole workforce one week at a time.

The weekly step itself is :class:`sim.engine.engine.Engine`'s, the one engine every run, sweep,
market and dashboard steps through: this model is the engine of one organisation (K = 1), with
Mesa's conventions on top (its generator, `steps`, a DataCollector of weekly totals, `batch_run`),
and :class:`sim.engine.agents.Employee` agents that are views of one row each.
Utility is in hours of the employee's own time (model brief 10.1).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import mesa
import numpy as np
from mesa.experimental.scenarios import Scenario as MesaScenario

from sim.engine import kpi as kpis
from sim.engine.agents import Employee
from sim.engine.decision import Problem
from sim.engine.engine import DecisionTerms, Engine, PolicyTerms, RunFacts
from sim.engine.management import ManagementState, PolicyChange
from sim.engine.strategies import WeekProblem
from sim.scenario.io import apply_changes, load_scenario
from sim.scenario.schema import Scenario

__all__ = ["DecisionTerms", "OrganisationModel", "PolicyTerms", "REPORTERS", "resolve_config"]

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
        self.engine = Engine([scenario], [self.rng])
        self._records: list[dict[str, float]] = []
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

    # --- the organisation's engine, seen as one organisation --------------------------------
    @property
    def state(self):
        return self.engine.state

    @property
    def traits(self):
        return self.engine.traits

    @property
    def network(self):
        return self.engine.network

    @property
    def management(self) -> ManagementState:
        return self.engine.management[0]

    @property
    def seat_order(self) -> np.ndarray | None:
        return self.engine.seat_orders[0]

    @property
    def rates(self):
        return self.engine.rates

    @property
    def flagged_while_honest(self) -> np.ndarray:
        return self.engine.flagged_while_honest

    @property
    def decision_terms(self) -> DecisionTerms | None:
        return self.engine.decision_terms

    @property
    def records(self) -> list[dict[str, float]]:
        """Every week's organisation totals so far, one dict of numbers per week."""
        rows, weeks = self._records, self.engine.weeks
        while len(rows) < len(weeks):
            rows.append(self.engine.record(0, len(rows)))
        return rows

    def columns(self) -> dict[str, np.ndarray]:
        """Every weekly total as an array over the weeks run."""
        return self.engine.columns(0)

    def facts(self) -> RunFacts:
        return self.engine.facts(0)

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
        return self.engine.change_policy(0, changes, origin)

    @property
    def adjustment_cost(self) -> float:
        """lam: the adjustment cost per squared hour of change that makes employees move a share
        `inertia` of the way to the frictionless best response (exact when delta = kappa = 0)."""
        return self.engine.adjustment_cost(0)

    @property
    def believed_value_per_genuine_hour(self) -> np.ndarray:
        """m_i x what employee i now believes AI saves them per genuine hour."""
        return self.engine.believed_value_per_genuine_hour

    def integrity(self) -> np.ndarray:
        """This week's integrity cost per performative hour, after norm erosion."""
        return self.engine.integrity()

    def policy_terms(self) -> PolicyTerms:
        """What changes only when the policy (or, with learning, the beliefs) does."""
        return self.engine.policy_terms(0)

    def incentive(self) -> kpis.Incentive:
        """This week's reward for the KPI, as the decision sees it."""
        return self.engine.incentives()[0]

    def week_problem(self, frictions: bool = True) -> WeekProblem:
        """Everything employees weigh this week: hours, misreports and the script."""
        return self.engine.week_problems(frictions)[0][2]

    def decision_problem(self, frictions: bool = True) -> Problem:
        """Every employee's hours problem for the coming week, given last week's state.

        With `frictions`, the week's random-utility shocks (sd `behavior.noise`, drawn here from
        the model's generator) and the adjustment cost towards last week's hours are included."""
        return self.engine.decision_problem(frictions)

    def seated(self) -> np.ndarray | None:
        """Employees with an AI seat this week (None: everyone)."""
        return self.engine.seated()

    def mean_perception_gap(self) -> float:
        """Mean over employees of belief minus true speed-up (hours per genuine hour)."""
        return float(self.engine.mean_perception_gap()[0])

    # --- one week ------------------------------------------------------------------------
    def step(self) -> None:
        self.engine.keep_decision_terms = self.keep_decision_terms
        self.engine.step()
        self.datacollector.collect(self)
        if self.engine.week >= self.config.weeks:
            self.running = False

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
