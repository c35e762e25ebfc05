"""Decision rules: how each employee's choice for the coming week follows from last week.

All rules share one signature, ``rule(model) -> Choice`` (genuine and performative hours,
misreports, script), read only last week's state (synchronous updating) and are chosen by name
from `behavior.rule`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np

from sim.engine.strategies import Choice, best_choice

if TYPE_CHECKING:
    from sim.engine.model import OrganisationModel


def best_response_rule(model: OrganisationModel) -> Choice:
    """The exact best choice for this week's problem: random-utility shocks and the adjustment
    cost towards last week's hours included, so an employee with no reason to game does zero."""
    return best_choice(model.week_problem())


def imitation_rule(model: OrganisationModel) -> Choice:
    """With probability `imitation_rate`, copy a random colleague's whole choice (hours, misreports,
    script) with Fermi probability 1 / (1 + exp(-beta (payoff_j - payoff_i)))."""
    behavior = model.config.behavior
    state, rng = model.state, model.rng
    colleague = model.network.random_colleague(rng)
    considers = rng.random(state.size) < behavior.imitation_rate
    gap = state.payoff[colleague] - state.payoff
    copy_probability = 0.5 * (1.0 + np.tanh(0.5 * behavior.selection_intensity * gap))  # = Fermi, overflow-safe
    copies = considers & (rng.random(state.size) < copy_probability)

    def copied(values: np.ndarray) -> np.ndarray:
        return np.where(copies, values[colleague], values)

    return Choice(
        copied(state.genuine_hours),
        copied(state.performative_hours),
        {name: copied(units) for name, units in state.misreport.items()},
        copied(state.script),
    )


def threshold_rule(model: OrganisationModel) -> Choice:
    """Granovetter: game (best choice) once the share of colleagues who gamed last week reaches
    one's threshold; otherwise the best choice without any gaming."""
    state, network = model.state, model.network
    gaming = state.gaming.astype(float)
    degree = network.degree
    share = np.divide(network.neighbour_sum(gaming), degree, out=np.zeros(state.size), where=degree > 0)
    performs = share >= model.traits.threshold - 1e-9
    return best_choice(model.week_problem(), may_game=performs)


RULES: dict[str, Callable[[OrganisationModel], Choice]] = {
    "best_response": best_response_rule,
    "imitation": imitation_rule,
    "threshold": threshold_rule,
}
