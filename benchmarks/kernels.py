"""A bare NumPy kernel of the weekly update: colleagues' mean, random-utility shocks, the best
response with its adjustment cost.

No observables, enforcement, economics or records: the floor the full model is measured against.
It solves the engine's problem only where the hours cap does not bind, and says so if it does.
"""

from __future__ import annotations

import numpy as np

from sim.engine.decision import select
from sim.engine.model import OrganisationModel


def bare_kernel(model: OrganisationModel, weeks: int) -> np.ndarray:
    """Run `weeks` of the bare update from the model's week-0 state; return final p."""
    behavior = model.config.behavior
    base = model.decision_problem(frictions=False)  # week 0: colleagues' p not yet seen
    a_g, a_p0 = base.a_genuine, base.a_performative
    c, d, k, lam = behavior.effort_cost, behavior.substitutability, behavior.conformity, model.adjustment_cost
    h11, h12, h22 = c + lam, d * c, c + 2 * k + lam
    det = h11 * h22 - h12 * h12
    g, p = model.state.genuine_hours.copy(), model.state.performative_hours.copy()
    network, rng, noise = model.network, model.rng, behavior.noise
    for _ in range(weeks):
        a_gw = a_g + lam * g
        a_p = a_p0 + 2 * k * network.neighbour_mean(p) + lam * p
        if noise > 0:
            a_gw = a_gw + rng.normal(0.0, noise, g.size)
            a_p = a_p + rng.normal(0.0, noise, p.size)
        g_in = (h22 * a_gw - h12 * a_p) / det
        p_in = (h11 * a_p - h12 * a_gw) / det
        g_edge = np.maximum(a_gw / h11, 0.0)
        interior = (g_in > 0) & (p_in > 0)
        on_p_zero = a_p <= h12 * g_edge
        g = select(interior, g_in, g_edge * on_p_zero)
        p = select(interior, p_in, np.maximum(a_p / h22, 0.0) * ~on_p_zero)
        if np.any(g + p > behavior.max_ai_hours_per_week):
            raise ValueError("the hours cap binds: the bare kernel (no cap) would solve another problem than the engine")
    return p
