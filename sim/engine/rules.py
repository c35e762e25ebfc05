"""Decision rules: how each employee's (g, p) for the coming week follows from last week.

All rules share one signature, ``rule(model) -> (genuine_hours, performative_hours)``, read only
last week's state (synchronous updating) and are chosen by name from `behavior.rule`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np

from sim.engine.decision import best_response

if TYPE_CHECKING:
    from sim.engine.model import OrganisationModel

Hours = tuple[np.ndarray, np.ndarray]


def best_response_rule(model: OrganisationModel) -> Hours:
    """The exact best response to this week's problem: random-utility shocks and the adjustment
    cost towards last week's hours included, so an employee with no reason to game does zero."""
    return best_response(model.decision_problem())


def imitation_rule(model: OrganisationModel) -> Hours:
    """With probability `imitation_rate`, copy a random colleague's (g, p) with Fermi probability."""
    behavior = model.config.behavior
    state, rng = model.state, model.rng
    colleague = model.network.random_colleague(rng)
    considers = rng.random(state.size) < behavior.imitation_rate
    gap = state.payoff[colleague] - state.payoff
    copy_probability = 0.5 * (1.0 + np.tanh(0.5 * behavior.selection_intensity * gap))  # = Fermi, overflow-safe
    copies = considers & (rng.random(state.size) < copy_probability)
    g = np.where(copies, state.genuine_hours[colleague], state.genuine_hours)
    p = np.where(copies, state.performative_hours[colleague], state.performative_hours)
    return g, p


def threshold_rule(model: OrganisationModel) -> Hours:
    """Granovetter: perform (best response) once the share of colleagues who performed last week
    (p > 0) reaches one's threshold; otherwise the best response without performative use."""
    state, network = model.state, model.network
    performing = state.gaming.astype(float)
    degree = network.degree
    share = np.divide(network.neighbour_sum(performing), degree, out=np.zeros(state.size), where=degree > 0)
    performs = share >= model.traits.threshold - 1e-9
    problem = model.decision_problem()
    g_on, p_on = best_response(problem)
    g_off, p_off = best_response(problem, may_perform=np.zeros(state.size, dtype=bool))
    return np.where(performs, g_on, g_off), np.where(performs, p_on, p_off)


RULES: dict[str, Callable[[OrganisationModel], Hours]] = {
    "best_response": best_response_rule,
    "imitation": imitation_rule,
    "threshold": threshold_rule,
}
