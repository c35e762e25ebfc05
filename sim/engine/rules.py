"""Decision rules: how each employee's (g, p) for the coming week follows from last week.

All rules share one signature, ``rule(model) -> (genuine_hours, performative_hours)``, read only
last week's state (synchronous updating) and are chosen by name from `behavior.rule`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np

from sim.engine.decision import best_response
from sim.engine.observables import GAMING_MIN_HOURS

if TYPE_CHECKING:
    from sim.engine.model import OrganisationModel

Hours = tuple[np.ndarray, np.ndarray]


def best_response_rule(model: OrganisationModel) -> Hours:
    """Move a share `inertia` of the way to the (noisy) best response."""
    behavior = model.config.behavior
    state = model.state
    target_g, target_p = best_response(model.decision_problem())
    if behavior.noise > 0:
        target_g = target_g + model.rng.normal(0.0, behavior.noise, state.size)
        target_p = target_p + model.rng.normal(0.0, behavior.noise, state.size)
        target_g, target_p = cap_hours(target_g, target_p, behavior.max_ai_hours_per_week)
    g = state.genuine_hours + behavior.inertia * (target_g - state.genuine_hours)
    p = state.performative_hours + behavior.inertia * (target_p - state.performative_hours)
    return g, p


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
    """Granovetter: perform (best response) once the share of performing colleagues reaches one's
    threshold; otherwise the best response without performative use."""
    state, network = model.state, model.network
    performing = (state.performative_hours >= GAMING_MIN_HOURS).astype(float)
    degree = network.degree
    share = np.divide(network.neighbour_sum(performing), degree, out=np.zeros(state.size), where=degree > 0)
    performs = share >= model.traits.threshold - 1e-9
    problem = model.decision_problem()
    g_on, p_on = best_response(problem)
    g_off, p_off = best_response(problem, may_perform=np.zeros(state.size, dtype=bool))
    return np.where(performs, g_on, g_off), np.where(performs, p_on, p_off)


def cap_hours(g: np.ndarray, p: np.ndarray, cap: float) -> Hours:
    """Clip to g, p >= 0 and scale down where g + p exceeds the weekly cap."""
    g, p = np.maximum(g, 0.0), np.maximum(p, 0.0)
    total = g + p
    scale = np.minimum(cap / np.maximum(total, 1e-300), 1.0)
    return g * scale, p * scale


RULES: dict[str, Callable[[OrganisationModel], Hours]] = {
    "best_response": best_response_rule,
    "imitation": imitation_rule,
    "threshold": threshold_rule,
}
