"""The week's full choice: genuine hours, manual performative hours, misreports and a script.

An employee chooses (g, p) hours, misreports m_j >= 0 of the KPI (over-claiming hours saved,
marking undone work done, manufacturing a measured improvement) and whether to run a script
S in {0, 1} (model brief 10.3), to maximise

    f(g, p)                                    the hours problem of :mod:`sim.engine.decision`
    + sum_j (r k_j - w_j iota_i - pi_c) m_j - mu_j/2 m_j^2      misreports (r: reward per KPI unit)
    + S [r K_s - iota_i h_s - pi_s h_s - c/2 u^2]               the script's reward and costs
      - S [c u p + delta c u g]                                 its upkeep u shares the attention cost
    + h * 1[b.x + sum_j k_j m_j + S K_s >= T]                   the step reward of quota/rank schemes

Under a linear scheme the misreports separate (closed form m_j = max(0, (r k_j - w_j iota_i - pi_c) /
mu_j), w_j the channel's integrity weight); the script is compared exactly by solving the hours problem with and without it. Under a
step reward with misreports available, the employee who reaches the threshold does so at least cost:
the boundary optimum is found by bisection on the constraint's multiplier (the KPI reached is
continuous and increasing in it), then compared with not reaching.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace

import numpy as np

from sim.engine.decision import Problem, Step, best_response
from sim.engine.kpi import Misreport

BISECTION_STEPS = 60
"""Halvings of the multiplier bracket: 2^-60 of its width, below float precision of the hours."""
MAX_DOUBLINGS = 60
"""Doublings of the bracket's upper end (from 1) until every employee reaches the threshold."""


@dataclass(frozen=True)
class ScriptOption:
    """Running the script for a week, as the decision sees it."""

    kpi: np.ndarray | float  # KPI units the script adds
    upkeep_hours: np.ndarray | float  # u
    constant: np.ndarray  # per employee: r K_s - iota_i h_s - pi_s h_s - c/2 u^2
    shift_genuine: np.ndarray | float  # change of a_g: -delta c u
    shift_performative: np.ndarray | float  # change of a_p: -c u


@dataclass(frozen=True)
class WeekProblem:
    """Everything an employee weighs this week."""

    hours: Problem
    misreports: tuple[Misreport, ...] = ()
    integrity: np.ndarray | float = 0.0  # iota_i
    claim_check_penalty: np.ndarray | float = 0.0  # expected penalty per unit of misreport
    per_kpi_unit: np.ndarray | float = 0.0  # linear reward per KPI unit (0 under a step reward)
    script: ScriptOption | None = None
    cap_kpi: np.ndarray | float | None = None  # KPI at which a linear reward stops growing (None: never)
    kpi_per_hour: tuple[np.ndarray | float, np.ndarray | float] = (0.0, 0.0)  # KPI per genuine, performative hour

    def base(self, channel: Misreport) -> np.ndarray | float:
        """Utility per unit of a misreport before any reward: -(w iota_i + expected checks)."""
        return -channel.integrity_weight * self.integrity - self.claim_check_penalty


@dataclass
class Choice:
    """What each employee does this week."""

    genuine: np.ndarray
    performative: np.ndarray
    misreport: dict[str, np.ndarray] = field(default_factory=dict)  # units, by channel name
    script: np.ndarray | None = None  # bool per employee

    def scripts(self) -> np.ndarray:
        return self.script if self.script is not None else np.zeros(self.genuine.shape[0], dtype=bool)

    def misreport_kpi(self, channels: tuple[Misreport, ...]) -> np.ndarray | float:
        """KPI units the misreports add."""
        total: np.ndarray | float = 0.0
        for channel in channels:
            if channel.name in self.misreport:
                total = total + channel.kpi_per_unit * self.misreport[channel.name]
        return total

    def map(self, per_field: Callable[[np.ndarray, bool], np.ndarray]) -> Choice:
        """The choice with `per_field(values, is_flag)` applied to each per-employee part of it
        (hours, each misreport, the script flag): how seats, subsets and imitation treat a choice
        whatever strategies it holds."""
        return Choice(per_field(self.genuine, False), per_field(self.performative, False),
                      {name: per_field(units, False) for name, units in self.misreport.items()},
                      None if self.script is None else per_field(self.script, True))

    def restricted(self, allowed: np.ndarray | None) -> Choice:
        """The choice with every employee not `allowed` (no AI seat) doing nothing at all."""
        if allowed is None:
            return self
        return self.map(lambda values, flag: values & allowed if flag else np.where(allowed, values, 0.0))

    def subset(self, rows: np.ndarray) -> Choice:
        """The choice of some employees only."""
        return self.map(lambda values, _: values[rows])

    def misreporting(self) -> np.ndarray:
        """Employees who misreport through any channel."""
        out = np.zeros(self.genuine.shape[0], dtype=bool)
        for units in self.misreport.values():
            out = out | (units > 0)
        return out

    def gaming(self) -> np.ndarray:
        """Any KPI-inflating activity: any gaming strategy in use (:data:`STRATEGIES`)."""
        strategies = iter(STRATEGIES.values())
        out = next(strategies).used(self)
        for strategy in strategies:
            out = out | strategy.used(self)
        return out


@dataclass(frozen=True)
class Strategy:
    """A way to game the KPI, as the week's books and the dashboard see it: who uses it in a choice.
    What it adds to the KPI and what enforcement sees of it are in the engine's measure and flags
    (manual hours through the hours' rates, misreports through their channels, a script through
    its week of observables and equivalent hours)."""

    name: str
    description: str
    used: Callable[[Choice], np.ndarray]


STRATEGIES: dict[str, Strategy] = {s.name: s for s in (
    Strategy("manual", "performative AI hours: prompts that only inflate the count", lambda c: c.performative > 0),
    Strategy("script", "a script that loops prompts all week", lambda c: c.scripts()),
    Strategy("misreport", "over-claiming a self-reported or measured KPI", lambda c: c.misreporting()),
)}
"""Every gaming strategy by name (model brief 10.3)."""


def merge_choices(parts: list[tuple[np.ndarray, Choice]], n: int) -> Choice:
    """One choice over n employees from the choices of disjoint sets of rows (a misreport or script
    one set lacks is zero there)."""
    names = list(dict.fromkeys(name for _, c in parts for name in c.misreport))
    merged = Choice(np.zeros(n), np.zeros(n), {name: np.zeros(n) for name in names},
                    np.zeros(n, dtype=bool) if any(c.script is not None for _, c in parts) else None)
    for rows, c in parts:
        merged.genuine[rows], merged.performative[rows] = c.genuine, c.performative
        for name, units in c.misreport.items():
            merged.misreport[name][rows] = units
        if c.script is not None:
            merged.script[rows] = c.script
    return merged


def best_choice(problem: WeekProblem, may_game: np.ndarray | None = None) -> Choice:
    """The exact best choice per employee; `may_game` False rules out p, misreports and scripts."""
    hours = problem.hours
    if hours.step is None:
        choice = _linear(problem, may_game)
    else:
        choice = _with_step(problem, may_game)
    return choice


def _linear(problem: WeekProblem, may_game: np.ndarray | None) -> Choice:
    if problem.cap_kpi is not None:
        return _capped(problem, may_game)
    hours = problem.hours
    g, p = best_response(hours, may_game)
    misreport = {}
    for channel in problem.misreports:
        units = np.maximum((problem.per_kpi_unit * channel.kpi_per_unit + problem.base(channel)) / channel.quadratic_cost, 0.0)
        misreport[channel.name] = units if may_game is None else np.where(may_game, units, 0.0)
    script = None
    if problem.script is not None:
        shifted = _shifted(hours, problem.script)
        g1, p1 = best_response(shifted, may_game)
        better = shifted.value(g1, p1) + problem.script.constant > hours.value(g, p)
        if may_game is not None:
            better &= may_game
        g, p, script = np.where(better, g1, g), np.where(better, p1, p), better
    return Choice(g, p, misreport, script)


def _capped(problem: WeekProblem, may_game: np.ndarray | None) -> Choice:
    """A linear reward up to a cap (model brief 11.4): reward r min(K, C). The objective stays
    concave; at the optimum the marginal reward of the KPI is some lam in [0, r]: r where the
    uncapped choice stays under the cap, 0 where even the choice without any reward reaches it,
    else the lam at which the choice reaches the cap exactly (K(lam) is continuous and
    non-decreasing, found by bisection). The script is compared exactly: a script-week's KPI
    starts at the script's own, so the cap left for everything else is C - K_s."""
    hours = problem.hours
    option = _capped_option(problem, hours, problem.cap_kpi, may_game)
    if problem.script is None:
        return option[0]
    script = problem.script
    with_script = _capped_option(problem, _shifted(hours, script), problem.cap_kpi - script.kpi, may_game)
    better = with_script[1] + script.constant > option[1]
    if may_game is not None:
        better &= may_game
    chosen = Choice(np.where(better, with_script[0].genuine, option[0].genuine),
                    np.where(better, with_script[0].performative, option[0].performative),
                    {name: np.where(better, with_script[0].misreport[name], units)
                     for name, units in option[0].misreport.items()}, better)
    return chosen


def _capped_option(problem: WeekProblem, hours: Problem, cap: np.ndarray | float,
                   may_game: np.ndarray | None) -> tuple[Choice, np.ndarray]:
    """The best choice under a capped linear reward (a marginal reward lam in [0, r] found per
    employee) and its value (the uncapped reward r K replaced by r min(K, cap))."""
    r = problem.per_kpi_unit
    size = hours.a_genuine.shape
    full = np.broadcast_to(np.asarray(r, dtype=float), size)
    cap = np.broadcast_to(np.asarray(cap, dtype=float), size)
    g, p, units, kpi = _at_marginal_reward(problem, hours, full, may_game)
    rows = np.flatnonzero(kpi > cap)
    if rows.size:
        def pick(x):
            return x[rows] if np.ndim(x) else x

        sub_hours = hours.subset(rows)
        sub = replace(problem, hours=sub_hours, misreports=tuple(c.subset(rows) for c in problem.misreports),
                      integrity=pick(problem.integrity), claim_check_penalty=pick(problem.claim_check_penalty),
                      per_kpi_unit=full[rows], kpi_per_hour=tuple(pick(b) for b in problem.kpi_per_hour))
        sub_may_game = None if may_game is None else may_game[rows]
        sub_cap = cap[rows]
        low, high = np.zeros(rows.size), full[rows].copy()
        met = _at_marginal_reward(sub, sub_hours, low, sub_may_game)[3] < sub_cap  # else no marginal reward at all
        for _ in range(BISECTION_STEPS):
            mid = 0.5 * (low + high)
            short = _at_marginal_reward(sub, sub_hours, mid, sub_may_game)[3] < sub_cap
            low, high = np.where(short, mid, low), np.where(short, high, mid)
        g1, p1, units1, kpi1 = _at_marginal_reward(sub, sub_hours, np.where(met, high, 0.0), sub_may_game)
        g, p, kpi = g.copy(), p.copy(), kpi.copy()
        g[rows], p[rows], kpi[rows] = g1, p1, kpi1
        units = {name: m.copy() for name, m in units.items()}
        for name, m in units.items():
            m[rows] = units1[name]
    b_g, b_p = problem.kpi_per_hour
    free = replace(hours, a_genuine=hours.a_genuine - full * b_g, a_performative=hours.a_performative - full * b_p)
    value = free.value(g, p) + full * np.minimum(kpi, cap)
    for channel in problem.misreports:
        m = units[channel.name]
        value = value + problem.base(channel) * m - 0.5 * channel.quadratic_cost * m**2
    return Choice(g, p, units), value


def _at_marginal_reward(problem: WeekProblem, hours: Problem, lam: np.ndarray, may_game: np.ndarray | None):
    """(g, p, misreports, KPI) with a marginal reward lam per KPI unit in place of the full r
    (`hours` holds the full reward r b in its linear terms)."""
    b_g, b_p = problem.kpi_per_hour
    shift = lam - problem.per_kpi_unit
    g, p = best_response(replace(hours, a_genuine=hours.a_genuine + shift * b_g,
                                 a_performative=hours.a_performative + shift * b_p), may_game)
    units = {}
    for channel in problem.misreports:
        m = np.maximum((lam * channel.kpi_per_unit + problem.base(channel)) / channel.quadratic_cost, 0.0)
        units[channel.name] = m if may_game is None else np.where(may_game, m, 0.0)
    kpi = b_g * g + b_p * p + sum(c.kpi_per_unit * units[c.name] for c in problem.misreports)
    return g, p, units, kpi


def choice_value(problem: WeekProblem, choice: Choice) -> np.ndarray:
    """What the week's choice is worth to each employee under the problem (expected, before flags)."""
    scripts = choice.scripts()
    if problem.cap_kpi is None:
        value = problem.hours.value(choice.genuine, choice.performative) + misreport_value(problem, choice)
        if problem.script is not None:  # the script-week's hours problem is the shifted one
            script = problem.script
            value = value + scripts * (script.constant + script.shift_genuine * choice.genuine
                                       + script.shift_performative * choice.performative)
        return value
    r = np.broadcast_to(np.asarray(problem.per_kpi_unit, dtype=float), choice.genuine.shape)
    b_g, b_p = problem.kpi_per_hour
    hours = problem.hours
    free = replace(hours, a_genuine=hours.a_genuine - r * b_g, a_performative=hours.a_performative - r * b_p)
    kpi = b_g * choice.genuine + b_p * choice.performative
    value = free.value(choice.genuine, choice.performative)
    for channel in problem.misreports:
        m = choice.misreport.get(channel.name, 0.0)
        kpi = kpi + channel.kpi_per_unit * m
        value = value + problem.base(channel) * m - 0.5 * channel.quadratic_cost * m**2
    if problem.script is not None:
        script = problem.script
        kpi = kpi + scripts * script.kpi
        value = value + scripts * (script.constant - r * script.kpi + script.shift_genuine * choice.genuine
                                   + script.shift_performative * choice.performative)
    return value + r * np.minimum(kpi, problem.cap_kpi)


def _shifted(hours: Problem, script: ScriptOption, threshold_shift: float = 0.0) -> Problem:
    """The hours problem of a week with the script running."""
    step = hours.step
    if step is not None and np.any(threshold_shift):
        step = replace(step, threshold=step.threshold - threshold_shift)
    return replace(
        hours,
        a_genuine=hours.a_genuine + script.shift_genuine,
        a_performative=hours.a_performative + script.shift_performative,
        step=step,
    )


def _with_step(problem: WeekProblem, may_game: np.ndarray | None) -> Choice:
    """Step reward: for each script option, the best of not reaching and reaching at least cost."""
    options = [(problem.hours, 0.0, False)]
    if problem.script is not None:
        options.append((_shifted(problem.hours, problem.script, problem.script.kpi), problem.script.constant, True))
    best: Choice | None = None
    best_value = None
    for hours, constant, scripted in options:
        choice, value = _step_option(problem, hours, may_game)
        value = value + constant
        if scripted:
            choice.script = np.ones(hours.a_genuine.shape[0], dtype=bool)
            if may_game is not None:
                value = np.where(may_game, value, -np.inf)
        if best is None:
            best, best_value = choice, value
            continue
        better = value > best_value
        best = Choice(
            np.where(better, choice.genuine, best.genuine),
            np.where(better, choice.performative, best.performative),
            {k: np.where(better, choice.misreport[k], best.misreport[k]) for k in best.misreport},
            better,
        )
        best_value = np.where(better, value, best_value)
    if problem.script is not None and best.script is None:
        best.script = np.zeros(problem.hours.a_genuine.shape[0], dtype=bool)
    return best


def _step_option(problem: WeekProblem, hours: Problem, may_game: np.ndarray | None) -> tuple[Choice, np.ndarray]:
    """Best (g, p, m) and its value under one script option."""
    g, p = best_response(hours, may_game)  # exact with the step, no misreport
    value = hours.value(g, p)
    channels = problem.misreports
    misreport = {c.name: np.zeros_like(g) for c in channels}
    if not channels:
        return Choice(g, p, misreport), value
    step = hours.step
    free = replace(hours, step=None)
    reached_free = step.reached(*best_response(free, may_game))
    candidates = ~reached_free & (np.broadcast_to(step.height, g.shape) > 0)
    if may_game is not None:
        candidates &= may_game
    rows = np.flatnonzero(candidates)
    if rows.size == 0:
        return Choice(g, p, misreport), value
    base = {c.name: np.broadcast_to(np.asarray(problem.base(c), dtype=float), g.shape)[rows] for c in channels}
    g1, p1, m1, value1 = _reach_at_least_cost(free.subset(rows), _subset_step(step, rows),
                                              tuple(c.subset(rows) for c in channels), base)
    better = value1 > value[rows]
    take = rows[better]
    g, p, value = g.copy(), p.copy(), value.copy()
    g[take], p[take], value[take] = g1[better], p1[better], value1[better]
    for name, units in misreport.items():
        units[take] = m1[name][better]
    return Choice(g, p, misreport), value


def _subset_step(step: Step, rows: np.ndarray) -> Step:
    def pick(x):
        return x[rows] if np.ndim(x) else x

    return Step(pick(step.height), pick(step.per_genuine_hour), pick(step.per_performative_hour), pick(step.threshold))


def _reach_at_least_cost(
    free: Problem, step: Step, channels: tuple[Misreport, ...], base: dict[str, np.ndarray]
) -> tuple[np.ndarray, np.ndarray, dict[str, np.ndarray], np.ndarray]:
    """Maximise f(g, p) - misreport costs subject to KPI >= threshold, by the multiplier lam >= 0:
    (g, p)(lam) solves the hours problem with a + lam b, m_j(lam) = max(0, (lam k_j + base_j) / mu_j)."""
    b_g, b_p = step.per_genuine_hour, step.per_performative_hour
    size = free.a_genuine.shape
    threshold = np.broadcast_to(np.asarray(step.threshold, dtype=float), size)

    def at(lam: np.ndarray):
        g, p = best_response(replace(free, a_genuine=free.a_genuine + lam * b_g,
                                     a_performative=free.a_performative + lam * b_p))
        units = {c.name: np.maximum((lam * c.kpi_per_unit + base[c.name]) / c.quadratic_cost, 0.0) for c in channels}
        kpi = b_g * g + b_p * p + sum(c.kpi_per_unit * units[c.name] for c in channels)
        return g, p, units, kpi

    low = np.zeros(size)
    high = np.ones(size)
    for _ in range(MAX_DOUBLINGS):
        short = at(high)[3] < threshold
        if not short.any():
            break
        high = np.where(short, high * 2.0, high)
    for _ in range(BISECTION_STEPS):
        mid = 0.5 * (low + high)
        short = at(mid)[3] < threshold
        low, high = np.where(short, mid, low), np.where(short, high, mid)
    g, p, units, kpi = at(high)
    cost = sum(-base[c.name] * units[c.name] + 0.5 * c.quadratic_cost * units[c.name] ** 2 for c in channels)
    reached = kpi >= threshold * (1 - 1e-9) - 1e-12
    return g, p, units, free.value(g, p) - cost + np.where(reached, step.height, 0.0)


def misreport_value(problem: WeekProblem, choice: Choice) -> np.ndarray | float:
    """Utility of the misreports themselves (linear reward, integrity, expected checks, effort)."""
    total: np.ndarray | float = 0.0
    for channel in problem.misreports:
        units = choice.misreport.get(channel.name)
        if units is not None:
            total = total + (problem.per_kpi_unit * channel.kpi_per_unit + problem.base(channel)) * units \
                - 0.5 * channel.quadratic_cost * units**2
    return total
