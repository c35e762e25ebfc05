"""Decision rules: how each employee's choice for the coming week follows from last week.

All rules share one signature, ``rule(engine, orgs) -> Choice``: the choice of the employees of the
engine's organisations `orgs` (rows of other organisations are left unspecified), reading only
last week's state (synchronous updating); each organisation's rule is chosen by name from
`behavior.rule`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np

from sim.engine.strategies import Choice

if TYPE_CHECKING:
    from sim.engine.engine import Engine


def best_response_rule(engine: Engine, orgs: list[int]) -> Choice:
    """The exact best choice for this week's problem: random-utility shocks and the adjustment
    cost towards last week's hours included, so an employee with no reason to game does zero."""
    return engine.solve(engine.week_problems(orgs=orgs))


def imitation_rule(engine: Engine, orgs: list[int]) -> Choice:
    """With probability `imitation_rate`, copy a random colleague's whole choice (hours, misreports,
    script) with Fermi probability 1 / (1 + exp(-beta (payoff_j - payoff_i)))."""
    state, wanted = engine.state, set(orgs)
    behaviors = [c.behavior for c in engine.configs]

    def draws(k, rng, n):
        if k not in wanted:
            return None
        pick = rng.random(n)
        considers = rng.random(n) < behaviors[k].imitation_rate
        return np.stack([pick, considers, rng.random(n)], axis=1)

    drawn = engine.draw(draws)
    pick, considers, uniform = (drawn[:, i] for i in range(3))
    colleague = engine.network.random_colleague(pick)
    beta = engine.behavior_rows["selection_intensity"]
    gap = state.payoff[colleague] - state.payoff
    copy_probability = 0.5 * (1.0 + np.tanh(0.5 * beta * gap))  # = Fermi, overflow-safe
    copies = (considers > 0) & (uniform < copy_probability)

    return state.as_choice().map(lambda values, _: np.where(copies, values[colleague], values))


def threshold_rule(engine: Engine, orgs: list[int]) -> Choice:
    """Granovetter: game (best choice) once the share of colleagues who gamed last week reaches
    one's threshold; otherwise the best choice without any gaming."""
    state, network = engine.state, engine.network
    gaming = state.gaming.astype(float)
    degree = network.degree
    share = np.divide(network.neighbour_sum(gaming), degree, out=np.zeros(state.size), where=degree > 0)
    performs = share >= engine.traits.threshold - 1e-9
    return engine.solve(engine.week_problems(orgs=orgs), may_game=performs)


RULES: dict[str, Callable[[Engine, list[int]], Choice]] = {
    "best_response": best_response_rule,
    "imitation": imitation_rule,
    "threshold": threshold_rule,
}
