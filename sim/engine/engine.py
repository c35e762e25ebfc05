"""The engine: K organisations stepped together, one week at a time, on one set of arrays.

Every mechanism of the weekly step is written here once, for K organisations at once: a single run
is an engine of one organisation (:class:`sim.engine.model.OrganisationModel` is its Mesa view);
sweeps, `compare`, calibration and ensembles are engines of many. The employees of all
organisations are the rows of one set of arrays (organisation k owns rows `slices[k]`); a parameter
is one number per row (for one organisation: the number itself). Each week (synchronous: every
employee decides on the state of the week before):

1. scheduled interventions change each organisation's policy (:mod:`sim.engine.management`);
2. each organisation's decision rule gives its employees' choices: genuine and performative hours,
   misreports, a script (:mod:`sim.engine.rules`, :mod:`sim.engine.strategies`); organisations
   whose choice has the same form (a step reward or not, the same misreports, a script) are solved
   together;
3. usage turns into observables, the KPI is measured and rewarded, audits, the detector and claim
   checks flag; the week's totals are booked per organisation (:mod:`sim.engine.accounts`);
4. management reads its dashboard (target ratchet, budget review, finance's ROI audit), and culture
   moves: stigma erodes, beliefs learn, flags are remembered (:mod:`sim.engine.culture`).

Every organisation draws from its own generator, in the same order whatever else is in the engine,
and every organisation total is a sum along its own rows (NumPy's pairwise summation, as for one
organisation alone), so an organisation's results are identical whether it runs alone or with others.
Utility is in hours of the employee's own time (model brief 10.1).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import scipy.sparse as sp

from sim.engine import culture
from sim.engine import kpi as kpis
from sim.engine.accounts import week_totals
from sim.engine.decision import Problem, Step
from sim.engine.economics import Prices
from sim.engine.enforcement import ExpectedPenalty, HourlyFlagRates, Flags, detector_rates, expected_penalty, poisson_by_inversion
from sim.engine.management import ManagementState, PolicyChange
from sim.engine.network import ColleagueNetwork, build_network
from sim.engine.observables import Rate, hourly_rates, script_observables
from sim.engine.state import Traits, WorkforceState
from sim.engine.strategies import Choice, ScriptOption, WeekProblem, best_choice, choice_value, merge_choices
from sim.engine.valuation import Benchmark, honest_pilot, valuation_method
from sim.scenario.schema import Scenario


@dataclass(frozen=True)
class PolicyTerms:
    """What depends only on one organisation's policy in force (cached per policy version)."""

    policy: Scenario
    kpi_rate: Rate
    detector: HourlyFlagRates
    penalty: ExpectedPenalty  # expected penalty per hour (and per misreport unit) at face value
    benchmark: Benchmark  # the honest pilot management values this KPI by
    valuation: str  # kpi_benchmark | claimed_hours
    misreports: tuple[kpis.Misreport, ...]  # ways to inflate the KPI without activity
    script: dict[str, float]  # what a week of the script produces (tokens, queries, actions, ...)
    script_kpi: float  # KPI units a week of scripting adds (0: no script is worth running)


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
    peer_pull: np.ndarray | float  # colleagues' pull per performative hour: 2 kappa x their mean p + nu x share gaming
    shock_genuine: np.ndarray | float  # this week's random-utility shock
    shock_performative: np.ndarray | float
    habit_genuine: np.ndarray | float  # the adjustment cost's pull towards last week's hours
    habit_performative: np.ndarray | float
    problem: WeekProblem | None = None


@dataclass(frozen=True)
class RunFacts:
    """What a run's summary needs beyond its weekly columns."""

    final_kpi_regime: str
    honest_employees_ever_flagged: int
    failed_roi_audits: int


def per_row(values: Sequence[Any], sizes: Sequence[int]) -> Any:
    """Per-organisation values (a number, or an array over its employees) as one value per row of
    the engine; for one organisation, its own value untouched."""
    first = values[0]
    if len(values) == 1:
        return first
    if all(isinstance(v, (float, int)) or np.ndim(v) == 0 for v in values):
        if all(v == first for v in values):
            return first  # the same number for every row
        return np.repeat(np.asarray(values, dtype=float), sizes)
    return np.concatenate([np.broadcast_to(np.asarray(v), (n,)) for v, n in zip(values, sizes, strict=True)])


def stack_networks(networks: Sequence[ColleagueNetwork]) -> ColleagueNetwork:
    """The organisations' colleague networks as one network over all rows (no tie between two
    organisations): teams numbered on, cross-team ties as one block-diagonal matrix."""
    if len(networks) == 1:
        return networks[0]
    teams, team_offset, row_offset = [], 0, 0
    indptr, indices, data, nnz = [np.zeros(1, dtype=np.int64)], [], [], 0
    for net in networks:
        teams.append(net.team + team_offset)
        team_offset += len(net.team_sizes)
        cross = net.cross
        indptr.append(cross.indptr[1:].astype(np.int64) + nnz)
        indices.append(cross.indices.astype(np.int64) + row_offset)
        data.append(cross.data)
        nnz += cross.nnz
        row_offset += net.size
    cross = sp.csr_array((np.concatenate(data), np.concatenate(indices), np.concatenate(indptr)),
                         shape=(row_offset, row_offset))
    return ColleagueNetwork(np.concatenate(teams), cross)


class Engine:
    """K organisations (each a validated scenario and its own generator) stepped week by week."""

    keep_decision_terms: bool = False
    """Keep each week's :class:`DecisionTerms` (the dashboard explains one employee's choice)."""

    def __init__(self, scenarios: Sequence[Scenario], rngs: Sequence[np.random.Generator]) -> None:
        if not scenarios or len(scenarios) != len(rngs):
            raise ValueError("an engine needs at least one organisation, and one generator for each")
        self.configs = list(scenarios)
        self.rngs = list(rngs)
        self.k = len(self.configs)
        self.sizes = [c.organization.employees for c in self.configs]
        starts = np.concatenate([[0], np.cumsum(self.sizes)]).astype(np.int64)
        self.slices = [slice(int(a), int(b)) for a, b in zip(starts[:-1], starts[1:], strict=True)]
        self.rows = int(starts[-1])
        self.equal_sizes = len(set(self.sizes)) == 1
        self.org_of_row = np.repeat(np.arange(self.k), self.sizes)
        self.week = 0
        traits, networks, self.seat_orders = [], [], []
        for config, rng in zip(self.configs, self.rngs, strict=True):  # each organisation's draws, in order
            n, org = config.organization.employees, config.organization
            traits.append(Traits.draw(config.behavior, n, rng))
            networks.append(build_network(n, org.team_size, org.cross_team_ties, org.network, rng))
            self.seat_orders.append(_draw_seat_order(config, rng))
        self.traits = traits[0] if self.k == 1 else Traits(*(np.concatenate([getattr(t, f) for t in traits])
                                                               for f in Traits.__dataclass_fields__))
        self.network = stack_networks(networks)
        self.management = [ManagementState(policy=c, target=c.kpi.resolved_target) for c in self.configs]
        n = self.rows
        self.state = WorkforceState(np.zeros(n), np.zeros(n), belief=self.traits.perceived_speedup.copy())
        self._org_rates: list[dict[str, Rate]] = []
        self.rates: dict[str, Rate] = {}
        self._set_rates()
        self._terms: list[PolicyTerms | None] = [None] * self.k
        self._pilots: list[dict[int, tuple[Scenario, Benchmark]]] = [{} for _ in range(self.k)]
        self._perception_gap: tuple[np.ndarray, np.ndarray] | None = None
        self.flagged_while_honest = np.zeros(n, dtype=bool)
        self.weeks: list[dict[str, np.ndarray]] = []  # each week's organisation totals, (K,) per name
        self._columns: tuple[int, dict[str, np.ndarray]] | None = None
        behaviors = [c.behavior for c in self.configs]
        self.behavior_rows = {name: self.rows_of([getattr(b, name) for b in behaviors])
                              for name in ("effort_cost", "substitutability", "conformity", "max_ai_hours_per_week",
                                           "norm_erosion", "learning_rate", "flag_memory", "selection_intensity")}
        self.adjustment_rows = self.rows_of([self.adjustment_cost(k) for k in range(self.k)])
        self.noise = [b.noise for b in behaviors]
        self.descriptive_norm = self.rows_of([b.descriptive_norm for b in behaviors])
        # whether colleagues' gaming last week matters to anyone (stigma erosion, a descriptive norm)
        self.sees_peers_gaming = any(b.norm_erosion > 0 or b.descriptive_norm > 0 for b in behaviors)
        self._week_cache: tuple[int, WeekTerms] | None = None
        self.decision_terms: DecisionTerms | None = None
        self._start_state()

    # --- per-organisation values -------------------------------------------------------------
    def rows_of(self, values: Sequence[Any]) -> Any:
        """One value per organisation (a number or an array over its employees) as one per row."""
        return per_row(values, self.sizes)

    def org_sum(self, values: np.ndarray) -> np.ndarray:
        """Each organisation's sum of a per-row array, as a (K,) vector (NumPy's pairwise sum of
        its own rows, so identical to the sum of the organisation alone)."""
        if self.k == 1:
            return np.array([values.sum()])
        if self.equal_sizes:
            return values.reshape(self.k, -1).sum(axis=1)
        return np.array([values[s].sum() for s in self.slices])

    def org_sums(self, arrays: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        """:meth:`org_sum` of several per-row arrays at once (one NumPy reduction, each row of the
        stack added pairwise as it is alone, so every sum is identical to its own)."""
        if not self.equal_sizes:
            return {name: self.org_sum(values) for name, values in arrays.items()}
        totals = np.stack(list(arrays.values())).reshape(len(arrays), self.k, -1).sum(axis=2)
        return dict(zip(arrays, totals, strict=True))

    def org_counts(self, masks: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        """:meth:`org_count` of several per-row masks at once."""
        if not self.equal_sizes:
            return {name: self.org_count(mask) for name, mask in masks.items()}
        counts = np.count_nonzero(np.stack(list(masks.values())).reshape(len(masks), self.k, -1), axis=2)
        return dict(zip(masks, counts.astype(float), strict=True))

    def org_count(self, mask: np.ndarray) -> np.ndarray:
        """How many rows of each organisation are True, as floats."""
        if self.k == 1:
            return np.array([float(np.count_nonzero(mask))])
        if self.equal_sizes:
            return np.count_nonzero(mask.reshape(self.k, -1), axis=1).astype(float)
        return np.array([float(np.count_nonzero(mask[s])) for s in self.slices])

    def org_count_at(self, rows: np.ndarray, weights: np.ndarray | None = None) -> np.ndarray:
        """Per organisation: how many of these row indices (or the sum of `weights` over them)."""
        if self.k == 1:
            return np.array([float(rows.size) if weights is None else float(np.sum(weights))])
        return np.bincount(self.org_of_row[rows], weights=weights, minlength=self.k).astype(float)

    def draw(self, sample: Callable[[int, np.random.Generator, int], np.ndarray | None]) -> np.ndarray | float:
        """A draw per organisation from its own generator: `sample(k, rng, n)` returns the
        organisation's values or None (no draw: zeros); 0.0 when no organisation draws."""
        parts = [sample(k, rng, n) for k, (rng, n) in enumerate(zip(self.rngs, self.sizes, strict=True))]
        if all(part is None for part in parts):
            return 0.0
        if self.k == 1:
            return parts[0]
        shape = next(part for part in parts if part is not None).shape[1:]
        return np.concatenate([np.zeros((n, *shape)) if part is None else part
                               for part, n in zip(parts, self.sizes, strict=True)])

    # --- policy and beliefs as they stand this week --------------------------------------------
    def policy(self, k: int = 0) -> Scenario:
        return self.management[k].policy

    def change_policy(self, k: int, changes: dict[str, Any], origin: str = "live") -> PolicyChange:
        """Change organisation k's policy from the next week (see OrganisationModel.change_policy)."""
        return self.management[k].change_policy(changes, self.week + 1, origin)

    def _set_rates(self) -> None:
        """Observable rates per hour of each organisation's usage under its current beliefs."""
        beliefs = [self.state.belief[s] for s in self.slices] if self.k > 1 else [self.state.belief]
        speedups = [self.traits.speedup[s] for s in self.slices] if self.k > 1 else [self.traits.speedup]
        self._org_rates = [hourly_rates(m.policy.usage, s, b)
                           for m, s, b in zip(self.management, speedups, beliefs, strict=True)]
        self._rates_usage = [m.policy.usage for m in self.management]
        self.rate_vectors = {}  # (name, part) -> (which organisations have one rate for all, those rates)
        for name in self._org_rates[0]:
            for part in ("per_genuine_hour", "per_performative_hour"):
                per_org = [getattr(r[name], part) for r in self._org_rates]
                scalar = np.array([np.ndim(x) == 0 for x in per_org])
                self.rate_vectors[name, part] = (scalar, np.array([float(x) if one else 0.0
                                                                   for x, one in zip(per_org, scalar, strict=True)]))
        self.rates = {name: Rate(self.rows_of([r[name].per_genuine_hour for r in self._org_rates]),
                                 self.rows_of([r[name].per_performative_hour for r in self._org_rates]))
                      for name in self._org_rates[0]}
        self._stacked = None
        self._week_cache = None

    def policy_terms(self, k: int = 0) -> PolicyTerms:
        """What changes only when organisation k's policy (or, with learning, its beliefs) does."""
        policy = self.management[k].policy
        terms = self._terms[k]
        if terms is None or terms.policy is not policy:
            if policy.usage != self._rates_usage[k]:  # a policy change of usage: new rates per hour
                self._set_rates()
            rates = self._org_rates[k]
            detector = detector_rates(policy.usage, policy.detection)
            kpi_rate = kpis.kpi_rate(policy.kpi, rates)
            observed = script_observables(policy.usage)
            terms = PolicyTerms(
                policy=policy,
                kpi_rate=kpi_rate,
                detector=detector,
                penalty=expected_penalty(policy.audit, policy.detection, detector),
                benchmark=self._pilot(k, policy, kpi_rate),
                valuation=valuation_method(policy),
                misreports=kpis.misreport_channels(policy.kpi, self.configs[k].behavior, policy.usage),
                script=observed,
                script_kpi=kpis.script_kpi(policy.kpi, observed) if policy.usage.script.enabled else 0.0,
            )
            self._terms[k] = terms
            self._stacked = None
        return terms

    def _pilot(self, k: int, policy: Scenario, kpi_rate: Rate) -> Benchmark:
        """The honest pilot of this KPI, run once with the beliefs employees started with."""
        pilots = self._pilots[k]
        key = id(policy)
        if key not in pilots:
            s = self.slices[k] if self.k > 1 else slice(None)
            motivation, prior, speedup = (self.traits.intrinsic_motivation[s], self.traits.perceived_speedup[s],
                                          self.traits.speedup[s])
            pilots[key] = (policy, honest_pilot(policy, kpi_rate, motivation * prior, speedup))
        return pilots[key][1]

    def stacked(self) -> StackedTerms:
        """The policy terms of every organisation, one value per row (rebuilt after a policy changes)."""
        if self._stacked is not None and any(m.policy is not t.policy
                                             for m, t in zip(self.management, self._stacked.terms, strict=True)):
            self._stacked = None
        if self._stacked is None:
            self._stacked = StackedTerms.of(self, [self.policy_terms(k) for k in range(self.k)])
            self._week_cache = None
        return self._stacked

    def _week_terms(self) -> WeekTerms:
        """This week's stacked terms (kept for the week: policies change only between weeks)."""
        if self._week_cache is None or self._week_cache[0] != self.week:
            self._week_cache = (self.week, WeekTerms.of(self, self.stacked()))
        return self._week_cache[1]

    def kpi_strength(self, k: int = 0) -> float:
        return self.management[k].kpi_strength

    def adjustment_cost(self, k: int = 0) -> float:
        """lam: the adjustment cost per squared hour of change that makes employees move a share
        `inertia` of the way to the frictionless best response (exact when delta = kappa = 0)."""
        behavior = self.configs[k].behavior
        return behavior.effort_cost * (1.0 - behavior.inertia) / behavior.inertia

    @property
    def believed_value_per_genuine_hour(self) -> np.ndarray:
        """m_i x what employee i now believes AI saves them per genuine hour."""
        return self.traits.intrinsic_motivation * self.state.belief

    def integrity(self) -> np.ndarray:
        """This week's integrity cost per performative hour, after norm erosion."""
        return culture.effective_integrity(self.traits.integrity_cost, self.behavior_rows["norm_erosion"],
                                           self.state.peer_gaming_share)

    # --- seats ---------------------------------------------------------------------------------
    def seated(self) -> np.ndarray | None:
        """Employees with an AI seat this week (None: everyone)."""
        if all(order is None for order in self.seat_orders):
            return None
        masks = []
        for k, order in enumerate(self.seat_orders):
            n = self.sizes[k]
            mask = np.ones(n, dtype=bool)
            if order is not None:
                seats = int(round(min(1.0, self.management[k].seat_share) * n))
                mask[:] = False
                mask[order[:seats]] = True
            masks.append(mask)
        return masks[0] if self.k == 1 else np.concatenate(masks)

    # --- the week's problem --------------------------------------------------------------------
    def incentive(self, k: int) -> kpis.Incentive:
        """This week's reward for organisation k's KPI, as the decision sees it."""
        policy, terms, management = self.policy(k), self.policy_terms(k), self.management[k]
        cutoff = None
        if kpis.SCHEMES[policy.kpi.scheme].uses_team_cutoff:
            s = self._rows_slice(k)
            cutoff = kpis.team_cutoff(self.state.kpi[s], self.network.team[s] - self.network.team[s][0],
                                      policy.kpi.rank_top_share)
        return kpis.incentive(policy.kpi, terms.kpi_rate, management.kpi_strength, management.target, cutoff)

    def incentives(self) -> list[kpis.Incentive]:
        """This week's reward for each organisation's KPI, as the decision sees it."""
        return [self.incentive(k) for k in range(self.k)]

    def _rows_slice(self, k: int) -> slice:
        return self.slices[k] if self.k > 1 else slice(None)

    def week_problems(self, frictions: bool = True, orgs: Sequence[int] | None = None) -> list[tuple[list[int], Any, WeekProblem]]:
        """Everything employees weigh this week: for each group of organisations whose choice has
        the same form: (its organisations, its rows or None for all, their problem)."""
        stacked, week = self.stacked(), self._week_terms()
        integrity = self.integrity()
        hours, parts = self._hours_problem(frictions, week, integrity, orgs)
        enforcement_all = self.state.enforcement
        wanted = None if orgs is None else set(orgs)
        problems = []
        for group in stacked.groups:
            if wanted is not None and not wanted.intersection(group.members):
                continue
            rows = group.rows
            pick = (lambda x: x) if rows is None else (lambda x: x[rows] if np.ndim(x) else x)  # noqa: E731
            per_kpi_unit = pick(week.per_kpi_unit)
            sub_integrity = pick(integrity)
            enforcement = pick(enforcement_all)
            script = None
            if group.script is not None:
                c, delta, u, equivalent, script_kpi, per_script_hour = group.script
                per_hour = sub_integrity + enforcement * per_script_hour
                script = ScriptOption(
                    kpi=script_kpi,
                    upkeep_hours=u,
                    constant=per_kpi_unit * script_kpi - per_hour * equivalent - 0.5 * c * u**2,
                    shift_genuine=-delta * c * u,
                    shift_performative=-c * u,
                )
            sub_hours = hours if rows is None else hours.subset(rows)
            if group.has_step:
                steps = [week.steps[k] for k in group.members]
                sizes = [self.sizes[k] for k in group.members]
                step = Step(*(per_row([getattr(x, f) for x in steps], sizes)
                              for f in ("height", "per_genuine_hour", "per_performative_hour", "threshold")))
                sub_hours = replace(sub_hours, step=step)
            cap_kpi = None if group.reward_cap is None else group.reward_cap * pick(week.target_rows)
            problem = WeekProblem(sub_hours, group.channels, sub_integrity, enforcement * group.claim_penalty,
                                  per_kpi_unit, script, cap_kpi, group.kpi_per_hour)
            problems.append((group.members, rows, problem))
        if frictions and self.keep_decision_terms and len(problems) == 1:
            self.decision_terms = DecisionTerms(**parts, problem=problems[0][2])
        return problems

    def _hours_problem(self, frictions: bool, week: WeekTerms, integrity: np.ndarray,
                       orgs: Sequence[int] | None) -> tuple[Problem, dict[str, Any]]:
        """Every employee's hours problem for the coming week, and its linear terms one by one (the
        fields of :class:`DecisionTerms`). With `frictions`, the week's random-utility shocks (drawn
        here, for the organisations in `orgs`) and the adjustment cost towards last week's hours."""
        stacked, state = self.stacked(), self.state
        enforcement = state.enforcement
        believed = self.believed_value_per_genuine_hour
        penalty_g = enforcement * stacked.penalty_genuine
        penalty_p = enforcement * stacked.penalty_performative
        reward_g, reward_p = week.reward_genuine, week.reward_performative
        a_g = believed - penalty_g + reward_g
        a_p = -integrity - penalty_p + reward_p
        pull: np.ndarray | float = 0.0
        kappa = self.behavior_rows["conformity"]
        if np.any(kappa):
            pull = (2 * kappa) * state.peer_performative_hours
            a_p = a_p + pull
        if np.any(self.descriptive_norm):  # doing as colleagues do: nu x the share seen gaming
            norm = self.descriptive_norm * state.peer_gaming_share
            pull = pull + norm
            a_p = a_p + norm
        adjustment: Any = 0.0
        shock_g: np.ndarray | float = 0.0
        shock_p: np.ndarray | float = 0.0
        habit_g: np.ndarray | float = 0.0
        habit_p: np.ndarray | float = 0.0
        if frictions:
            noisy = [k for k in (range(self.k) if orgs is None else orgs) if self.noise[k] > 0]
            if noisy:
                if self.k == 1:
                    sd = self.noise[0]
                    shock_g, shock_p = self.rngs[0].normal(0.0, sd, self.rows), self.rngs[0].normal(0.0, sd, self.rows)
                else:
                    shock_g, shock_p = np.zeros(self.rows), np.zeros(self.rows)
                    for k in noisy:
                        rng, sd, s = self.rngs[k], self.noise[k], self.slices[k]
                        shock_g[s] = rng.normal(0.0, sd, self.sizes[k])
                        shock_p[s] = rng.normal(0.0, sd, self.sizes[k])
                a_g = a_g + shock_g
                a_p = a_p + shock_p
            if np.any(self.adjustment_rows):
                adjustment = self.adjustment_rows
                habit_g = adjustment * state.genuine_hours
                habit_p = adjustment * state.performative_hours
                a_g = a_g + habit_g
                a_p = a_p + habit_p
        problem = Problem(
            a_genuine=a_g,
            a_performative=a_p,
            effort_cost=self.behavior_rows["effort_cost"],
            substitutability=self.behavior_rows["substitutability"],
            conformity=kappa,
            hours_cap=self.behavior_rows["max_ai_hours_per_week"],
            step=None,
            adjustment=adjustment,
        )
        parts = {
            "believed_value": believed, "reward_genuine": reward_g, "reward_performative": reward_p,
            "integrity": integrity, "penalty_genuine": penalty_g, "penalty_performative": penalty_p,
            "peer_pull": pull, "shock_genuine": shock_g, "shock_performative": shock_p, "habit_genuine": habit_g,
            "habit_performative": habit_p,
        }
        return problem, parts

    def decision_problem(self, frictions: bool = True) -> Problem:
        """Every employee's hours problem for the coming week, given last week's state (its linear
        reward included; a step reward is not)."""
        return self._hours_problem(frictions, self._week_terms(), self.integrity(), None)[0]

    def solve(self, problems: list, may_game: np.ndarray | None = None) -> Choice:
        """The exact best choice of every group's rows, as one choice over all rows."""
        if len(problems) == 1 and problems[0][1] is None:
            return best_choice(problems[0][2], may_game)
        parts = []
        for _, rows, problem in problems:
            parts.append((rows, best_choice(problem, None if may_game is None else may_game[rows])))
        return merge_choices(parts, self.rows)

    # --- week 0 ----------------------------------------------------------------------------------
    def _start_state(self) -> None:
        """Week 0: everyone at their honest best response; a random share also games. With norm
        erosion, that share is the culture employees start in (the share seen gaming)."""
        behaviors = [c.behavior for c in self.configs]
        starters = self.draw(lambda k, rng, n: rng.random(n) < behaviors[k].initial_performative_share)
        if self.sees_peers_gaming:
            self.state.peer_gaming_share = self.rows_of([np.full(n, b.initial_performative_share)
                                                         if b.norm_erosion > 0 or b.descriptive_norm > 0 else 0.0
                                                         for b, n in zip(behaviors, self.sizes, strict=True)])
        starters = np.broadcast_to(np.asarray(starters, dtype=bool), (self.rows,))
        problems = self.week_problems(frictions=False)
        choice = self.solve(problems, may_game=starters).restricted(self.seated())
        self.state.choose(choice)
        value = np.empty(self.rows) if len(problems) > 1 or problems[0][1] is not None else None
        for _, rows, problem in problems:
            v = choice_value(problem, choice if rows is None else choice.subset(rows))
            if value is None:
                value = v
            else:
                value[rows] = v
        self.state.payoff = value  # expected payoff: what imitators compare in week 1
        self.state.kpi = self._measure(choice, 0.0)

    # --- one week --------------------------------------------------------------------------------
    def step(self) -> None:
        """Decide, observe and book one week of every organisation, then let management and culture move."""
        from sim.engine.rules import RULES

        self.week += 1
        week = self.week
        state = self.state
        self.decision_terms = None
        for k, management in enumerate(self.management):
            management.apply_interventions(self.configs[k], week)
        state.peer_performative_hours = self.network.neighbour_mean(state.performative_hours)
        if self.sees_peers_gaming:
            state.peer_gaming_share = self.network.neighbour_mean(state.gaming.astype(float))
        by_rule: dict[str, list[int]] = {}
        for k, config in enumerate(self.configs):
            by_rule.setdefault(config.behavior.rule, []).append(k)
        if len(by_rule) == 1:
            choice = RULES[next(iter(by_rule))](self, list(range(self.k)))
        else:
            parts = []
            for rule, orgs in by_rule.items():
                rows = np.concatenate([np.arange(self.slices[k].start, self.slices[k].stop) for k in orgs])
                parts.append((rows, RULES[rule](self, orgs).subset(rows)))
            choice = merge_choices(parts, self.rows)
        choice = choice.restricted(self.seated())
        totals = self._observe(week, choice)
        for k, management in enumerate(self.management):
            management.review(week, {name: float(totals[name][k]) for name in REVIEWED}, self.rngs[k])
        self._learn(choice)

    def run(self, weeks: int | None = None) -> None:
        """Step to week `weeks` (default: the longest scenario's last week)."""
        last = max(c.weeks for c in self.configs) if weeks is None else weeks
        while self.week < last:
            self.step()

    def mean_perception_gap(self) -> np.ndarray:
        """Per organisation: mean over employees of belief minus true speed-up (hours per genuine
        hour); computed again only for a new belief array."""
        belief = self.state.belief
        if self._perception_gap is None or self._perception_gap[0] is not belief:
            gap = belief - self.traits.speedup
            if self.k == 1:
                means = np.array([float(np.mean(gap))])
            else:
                means = self.org_sum(gap) / np.asarray(self.sizes, dtype=float)
            self._perception_gap = (belief, means)
        return self._perception_gap[1]

    def _learn(self, choice: Choice) -> None:
        """Beliefs move after the week: perception gaps close with use, flags are remembered."""
        behaviors = [c.behavior for c in self.configs]
        state = self.state
        if any(b.learning_rate > 0 for b in behaviors):
            state.belief = culture.learn(state.belief, self.traits.speedup, choice.genuine, self.behavior_rows["learning_rate"])
            self._set_rates()
            self._terms = [None] * self.k
        if any(b.flag_memory > 0 for b in behaviors):
            state.enforcement = culture.remember_flags(state.enforcement, state.flags > 0, self.behavior_rows["flag_memory"])

    def _measure(self, choice: Choice, noise: np.ndarray | float) -> np.ndarray:
        """The KPI each employee's choice puts on the dashboard."""
        stacked = self.stacked()
        extra = choice.misreport_kpi(stacked.misreports)
        if stacked.any_script:
            extra = extra + stacked.script_kpi * choice.scripts()
        amount = stacked.kpi_rate.of(choice.genuine, choice.performative) + extra
        measured = amount + noise
        for k in stacked.active_user_orgs:
            s = self._rows_slice(k)
            threshold = self.policy(k).kpi.active_threshold_queries
            measured[s] = (amount[s] >= threshold * (1 - 1e-9)).astype(float)
        return measured

    def _rewards(self, measured: np.ndarray) -> np.ndarray:
        """Reward (utility) each employee earns for the KPI measured this week."""
        linear = [kpis.SCHEMES[self.policy(k).kpi.scheme].proportional for k in range(self.k)]
        strength = self.rows_of([m.kpi_strength for m in self.management])
        target = self.rows_of([m.target for m in self.management])
        reward = strength * measured / target if any(linear) else np.zeros(self.rows)
        caps = [self.policy(k).kpi.reward_cap if linear[k] and not kpis.is_indicator(self.policy(k).kpi) else None
                for k in range(self.k)]
        if any(c is not None for c in caps):  # capped linear rewards: strength x min(KPI, cap x target) / target
            cap = self.rows_of([np.inf if c is None else c for c in caps])
            reward = np.where(np.isfinite(cap), strength * np.minimum(measured, cap * target) / target, reward)
        for k in range(self.k):
            if not linear[k]:
                s = self._rows_slice(k)
                team = self.network.team[s] - self.network.team[s][0]
                reward[s] = kpis.realised_reward(self.policy(k).kpi, measured[s], self.kpi_strength(k),
                                                 self.management[k].target, team)
        return reward

    def _flags(self, choice: Choice) -> Flags:
        """Audit a random share of employees, screen everyone with the detector, check a share of
        claims (each organisation from its own generator, in this order)."""
        stacked, g, p = self.stacked(), choice.genuine, choice.performative
        script_hours = choice.scripts() * stacked.equivalent_hours if stacked.any_script else 0.0
        misreport_units = sum(choice.misreport.values()) if choice.misreport else 0.0
        audit_flags = np.zeros(self.rows)
        detector_flags = np.zeros(self.rows)
        claims_caught = np.zeros(self.rows)
        audits = {k: rest for k, *rest in stacked.audits}
        checks = {k: rest for k, *rest in stacked.claim_checks}
        screened = set(stacked.screened)
        uniforms: dict[int, np.ndarray] = {}
        for k in sorted(audits.keys() | checks.keys() | screened):
            rng, n = self.rngs[k], self.sizes[k]
            if k in audits:
                rows, rate, tpr, fpr = audits[k]
                audited = np.flatnonzero(rng.random(n) < rate) + (rows.start or 0)
                scripted = script_hours[audited] if np.ndim(script_hours) else script_hours
                audit_flags[audited] = rng.poisson(tpr * (p[audited] + scripted) + fpr * g[audited])
            if k in screened:
                uniforms[k] = rng.random(n)
            if k in checks:
                rows, catch = checks[k]
                units = misreport_units[rows] if np.ndim(misreport_units) else misreport_units
                if np.any(units):
                    claims_caught[rows] = np.where(rng.random(n) < catch, units, 0.0)
        if uniforms:
            mean = stacked.detector_tpr * p + stacked.detector_fpr * g + stacked.detector_script_tpr * script_hours
            if len(uniforms) == self.k:
                detector_flags = poisson_by_inversion(mean, uniforms[0] if self.k == 1 else np.concatenate(
                    [uniforms[k] for k in range(self.k)]))
            else:
                for k, uniform in uniforms.items():
                    s = self.slices[k]
                    detector_flags[s] = poisson_by_inversion(mean[s], uniform)
        penalty = stacked.audit_penalty * (audit_flags + claims_caught) + stacked.detection_penalty * detector_flags
        return Flags(audit_flags, detector_flags, claims_caught, penalty)

    def _observe(self, week: int, choice: Choice) -> dict[str, np.ndarray]:
        stacked, state = self.stacked(), self.state
        g, p, scripts = choice.genuine, choice.performative, choice.scripts()
        integrity = self.integrity()
        noise = self.draw(lambda k, rng, n: self._noise(k, rng, n))
        measured = self._measure(choice, noise)
        reward = self._rewards(measured)
        flags = self._flags(choice)
        c, delta = stacked.effort_cost, stacked.substitutability
        performing = p + stacked.upkeep_hours * scripts  # upkeep shares the attention cost
        payoff = (
            reward
            + g * (self.believed_value_per_genuine_hour - 0.5 * c * g - delta * c * performing)
            - p * integrity - 0.5 * c * performing**2
            - scripts * integrity * stacked.equivalent_hours
            - flags.penalty
        )
        for channel in stacked.misreports:
            units = choice.misreport[channel.name]
            payoff = payoff - units * channel.integrity_weight * integrity - 0.5 * channel.quadratic_cost * units**2
        if stacked.any_conformity:
            payoff -= stacked.conformity * (p - state.peer_performative_hours) ** 2
        if np.any(self.descriptive_norm):
            payoff = payoff + self.descriptive_norm * state.peer_gaming_share * p
        state.choose(choice)
        state.kpi, state.reward, state.penalty, state.payoff = measured, reward, flags.penalty, payoff
        state.flags = flags.total
        self.flagged_while_honest |= flags.flagged & ~state.gaming
        genuine_kpi = stacked.kpi_rate.of(g, np.zeros_like(p))
        for k in stacked.active_user_orgs:
            s = self._rows_slice(k)
            genuine_kpi[s] = (genuine_kpi[s] >= self.policy(k).kpi.active_threshold_queries * (1 - 1e-9)).astype(float)
        totals = week_totals(self, week, choice, flags, genuine_kpi)
        self.weeks.append(totals)
        return totals

    def _noise(self, k: int, rng: np.random.Generator, n: int) -> np.ndarray | None:
        sd = kpis.measurement_noise_sd(self.policy(k).kpi, self.management[k].target)
        return rng.normal(0.0, sd, n) if sd > 0 else None

    # --- results -----------------------------------------------------------------------------
    def record(self, k: int, week_index: int) -> dict[str, float]:
        """Organisation k's totals of one week, as plain numbers."""
        return {name: float(values[k]) for name, values in self.weeks[week_index].items()}

    def columns(self, k: int | None = None) -> dict[str, np.ndarray]:
        """Every weekly total as an array over weeks: of organisation k, or (weeks, K) for all."""
        if not self.weeks:
            return {}
        if self._columns is None or self._columns[0] != len(self.weeks):
            stacked = {name: np.stack([w[name] for w in self.weeks]).T.copy() for name in self.weeks[0]}
            self._columns = (len(self.weeks), stacked)
        stacked = self._columns[1]
        return {name: v.T for name, v in stacked.items()} if k is None else {name: v[k] for name, v in stacked.items()}

    def facts(self, k: int) -> RunFacts:
        s = self._rows_slice(k)
        return RunFacts(
            final_kpi_regime=self.policy(k).kpi.regime,
            honest_employees_ever_flagged=int(self.flagged_while_honest[s].sum()),
            failed_roi_audits=sum("failed" in text for _, text in self.management[k].events),
        )


REVIEWED = ("target_reached_share", "reported_value_usd", "ai_spend_usd", "true_value_usd", "actions")
"""The week's totals management reviews (ManagementState.review)."""


@dataclass(frozen=True)
class Group:
    """Organisations whose choice has the same form this policy: a step reward or not, the same
    misreports, a script or not; with what of their problem depends only on their policies."""

    members: list[int]
    rows: np.ndarray | None  # their rows (None: all rows of the engine)
    has_step: bool
    channels: tuple[kpis.Misreport, ...]
    claim_penalty: Any  # expected penalty per misreport unit at face value
    script: tuple | None  # (c, delta, upkeep hours, equivalent hours, KPI per script-week, penalty per script hour)
    reward_cap: Any  # multiple of the target at which a linear reward stops growing (None: no cap)
    kpi_per_hour: tuple[Any, Any]  # KPI units per genuine and per performative hour


@dataclass(frozen=True)
class StackedTerms:
    """Every organisation's policy terms as one value per row (or per organisation)."""

    terms: list[PolicyTerms]
    kpi_rate: Rate
    linear_reward: np.ndarray  # per organisation: the reward is strength x KPI / target (no step)
    penalty_genuine: Any
    penalty_performative: Any
    detector_tpr: Any
    detector_fpr: Any
    detector_script_tpr: Any
    audit_penalty: Any
    detection_penalty: Any
    misreports: tuple[kpis.Misreport, ...]  # every channel any organisation has (zeros where it has not)
    any_script: bool
    script_kpi: Any
    equivalent_hours: Any
    upkeep_hours: Any
    effort_cost: Any
    substitutability: Any
    conformity: Any
    any_conformity: bool
    active_user_orgs: tuple[int, ...]
    groups: list[Group]
    prices: Prices  # per organisation, for the week's books
    script_per_week: dict[str, np.ndarray]  # per organisation: what a script-week produces
    script_queries: Any  # per row
    active_at: Any  # per row: queries that make an active user
    exposures: tuple[np.ndarray, np.ndarray, np.ndarray]  # per million genuine, performative, scripted queries
    claimed_valuation: np.ndarray  # per organisation: values claimed hours (else the KPI benchmark)
    usd_per_kpi_unit: np.ndarray
    regime_code: np.ndarray
    output_per_unit: dict[str, np.ndarray]  # per channel, per organisation (0 where it has none)
    audits: list[tuple[int, slice, float, float, float]]  # (k, rows, rate, tpr, fpr) of organisations that audit
    claim_checks: list[tuple[int, slice, float]]  # (k, rows, catch probability) of organisations that check claims
    screened: list[int]  # organisations with a detector

    @classmethod
    def of(cls, engine: Engine, terms: list[PolicyTerms]) -> StackedTerms:
        rows = engine.rows_of
        policies = [t.policy for t in terms]
        behaviors = [c.behavior for c in engine.configs]
        names: list[str] = []
        for t in terms:
            names += [c.name for c in t.misreports if c.name not in names]
        channels = []
        fields = ("kpi_per_unit", "quadratic_cost", "output_per_unit", "integrity_weight")
        for name in names:
            found = [next((c for c in t.misreports if c.name == name), None) for t in terms]
            channels.append(kpis.Misreport(name, *(rows([getattr(c, f) if c else 0.0 for c in found]) for f in fields)))
        linear = np.array([kpis.SCHEMES[p.kpi.scheme].proportional and not kpis.is_indicator(p.kpi) for p in policies])
        by_form: dict[tuple, list[int]] = {}
        for k, t in enumerate(terms):
            capped = bool(linear[k]) and policies[k].kpi.reward_cap is not None
            by_form.setdefault((not linear[k], tuple(c.name for c in t.misreports), t.script_kpi > 0, capped), []).append(k)
        groups = []
        for (has_step, channel_names, has_script, capped), members in by_form.items():
            sizes = [engine.sizes[k] for k in members]
            group_rows = None if len(members) == engine.k else np.concatenate(
                [np.arange(engine.slices[k].start, engine.slices[k].stop) for k in members])

            def of(values, sizes=sizes):
                return per_row(values, sizes)

            group_channels = tuple(kpis.Misreport(name, *(of([getattr(terms[k].misreports[i], f) for k in members])
                                                          for f in fields))
                                   for i, name in enumerate(channel_names))
            script = None
            if has_script:
                usage = [policies[k].usage.script for k in members]
                script = (of([behaviors[k].effort_cost for k in members]), of([behaviors[k].substitutability for k in members]),
                          of([u.upkeep_hours_per_week for u in usage]), of([u.equivalent_hours for u in usage]),
                          of([terms[k].script_kpi for k in members]), of([terms[k].penalty.per_script_hour for k in members]))
            groups.append(Group(members, group_rows, has_step, group_channels,
                                of([terms[k].penalty.per_misreport_unit for k in members]), script,
                                of([policies[k].kpi.reward_cap for k in members]) if capped else None,
                                (of([terms[k].kpi_rate.per_genuine_hour for k in members]),
                                 of([terms[k].kpi_rate.per_performative_hour for k in members]))))
        security = [p.security for p in policies]
        return cls(
            terms=terms,
            kpi_rate=Rate(rows([t.kpi_rate.per_genuine_hour for t in terms]),
                          rows([t.kpi_rate.per_performative_hour for t in terms])),
            linear_reward=linear,
            penalty_genuine=rows([t.penalty.per_genuine_hour for t in terms]),
            penalty_performative=rows([t.penalty.per_performative_hour for t in terms]),
            detector_tpr=rows([t.detector.tpr for t in terms]),
            detector_fpr=rows([t.detector.fpr for t in terms]),
            detector_script_tpr=rows([t.detector.script_tpr for t in terms]),
            audit_penalty=rows([p.audit.penalty for p in policies]),
            detection_penalty=rows([p.detection.penalty for p in policies]),
            misreports=tuple(channels),
            any_script=any(t.script_kpi > 0 for t in terms),
            script_kpi=rows([t.script_kpi for t in terms]),
            equivalent_hours=rows([p.usage.script.equivalent_hours for p in policies]),
            upkeep_hours=rows([p.usage.script.upkeep_hours_per_week for p in policies]),
            effort_cost=rows([b.effort_cost for b in behaviors]),
            substitutability=rows([b.substitutability for b in behaviors]),
            conformity=rows([b.conformity for b in behaviors]),
            any_conformity=any(b.conformity > 0 for b in behaviors),
            active_user_orgs=tuple(k for k, p in enumerate(policies) if kpis.is_indicator(p.kpi)),
            groups=groups,
            prices=Prices.of(policies),
            script_per_week={name: np.array([t.script[name] for t in terms]) for name in terms[0].script},
            script_queries=rows([t.script["queries"] for t in terms]),
            active_at=rows([p.kpi.active_threshold_queries * (1 - 1e-9) for p in policies]),
            exposures=(np.array([x.exposures_per_million_genuine_queries for x in security]),
                       np.array([x.exposures_per_million_performative_queries for x in security]),
                       np.array([x.exposures_per_million_scripted_queries for x in security])),
            claimed_valuation=np.array([t.valuation == "claimed_hours" for t in terms]),
            usd_per_kpi_unit=np.array([t.benchmark.usd_per_kpi_unit for t in terms]),
            regime_code=np.array([float(kpis.REGIME_CODES[p.kpi.regime]) for p in policies]),
            output_per_unit={name: np.array([next((c.output_per_unit for c in t.misreports if c.name == name), 0.0)
                                             for t in terms]) for name in names},
            audits=[(k, engine._rows_slice(k), p.audit.rate, p.audit.tpr, p.audit.fpr)
                    for k, p in enumerate(policies) if p.audit.rate > 0],
            claim_checks=[(k, engine._rows_slice(k), p.audit.claim_check_rate * p.audit.claim_check_tpr)
                          for k, p in enumerate(policies) if p.audit.claim_check_rate > 0],
            screened=[k for k, t in enumerate(terms) if t.detector.tpr > 0 or t.detector.fpr > 0 or t.detector.script_tpr > 0],
        )


@dataclass(frozen=True)
class WeekTerms:
    """What management has set for this week: strength, target and the reward they give."""

    strength: np.ndarray  # per organisation
    target: np.ndarray
    per_kpi_unit: Any  # per row: linear reward per KPI unit (0 under a step reward)
    reward_genuine: Any  # per row: linear reward per genuine hour
    reward_performative: Any
    steps: dict[int, Step]  # step reward of each organisation that has one
    target_rows: Any  # per row

    @classmethod
    def of(cls, engine: Engine, stacked: StackedTerms) -> WeekTerms:
        strength = np.array([m.kpi_strength for m in engine.management], dtype=float)
        target = np.array([m.target for m in engine.management], dtype=float)
        linear = stacked.linear_reward
        per_unit_org = np.where(linear, strength / target, 0.0)
        per_unit = engine.rows_of(per_unit_org.tolist())
        rate = stacked.kpi_rate
        if linear.all():
            reward_g, reward_p = rate.per_genuine_hour * per_unit, rate.per_performative_hour * per_unit
        elif not linear.any():
            reward_g = reward_p = 0.0
        else:
            on = engine.rows_of(linear.tolist())
            reward_g = np.where(on, rate.per_genuine_hour * per_unit, 0.0)
            reward_p = np.where(on, rate.per_performative_hour * per_unit, 0.0)
        steps = {k: engine.incentive(k).step for k in np.flatnonzero(~linear)}
        return cls(strength, target, per_unit, reward_g, reward_p, steps, engine.rows_of(target.tolist()))


def _draw_seat_order(config: Scenario, rng: np.random.Generator) -> np.ndarray | None:
    """Who gets a seat first when seats are scarce (a random order, drawn only if they are)."""
    budget = config.management.budget
    if budget.initial_seat_share >= 1.0 and not (budget.enabled and budget.seats_follow_budget):
        return None
    return rng.permutation(config.organization.employees)
