"""A bare NumPy kernel of the weekly update: colleagues' mean, best response, noise, inertia.

No observables, enforcement, economics or records: the floor the full model is measured against.
"""

from __future__ import annotations

import numpy as np

from sim.engine.decision import select
from sim.engine.model import OrganisationModel


def bare_kernel(model: OrganisationModel, weeks: int) -> np.ndarray:
    """Run `weeks` of the bare update from the model's week-0 state; return final p."""
    behavior = model.config.behavior
    terms = model.policy_terms()
    scale = model.kpi_strength / model.management.target
    a_g = terms.genuine_base + terms.kpi_rate.per_genuine_hour * scale
    a_p0 = terms.performative_base + terms.kpi_rate.per_performative_hour * scale
    c, d, k, inertia = behavior.effort_cost, behavior.substitutability, behavior.conformity, behavior.inertia
    h11, h12, h22 = c, d * c, c + 2 * k
    det = h11 * h22 - h12 * h12
    g, p = model.state.genuine_hours.copy(), model.state.performative_hours.copy()
    network, rng, noise, cap = model.network, model.rng, behavior.noise, behavior.max_ai_hours_per_week
    for _ in range(weeks):
        a_p = a_p0 + 2 * k * network.neighbour_mean(p)
        g_in = (h22 * a_g - h12 * a_p) / det
        p_in = (h11 * a_p - h12 * a_g) / det
        g_edge = np.maximum(a_g / h11, 0.0)
        interior = (g_in > 0) & (p_in > 0)
        on_p_zero = a_p <= h12 * g_edge
        g_new = select(interior, g_in, g_edge * on_p_zero)
        p_new = select(interior, p_in, np.maximum(a_p / h22, 0.0) * ~on_p_zero)
        if noise > 0:
            g_new = np.maximum(g_new + rng.normal(0.0, noise, g.size), 0.0)
            p_new = np.maximum(p_new + rng.normal(0.0, noise, p.size), 0.0)
            total = g_new + p_new
            scale = np.minimum(cap / np.maximum(total, 1e-300), 1.0)
            g_new, p_new = g_new * scale, p_new * scale
        g += inertia * (g_new - g)
        p += inertia * (p_new - p)
    return p
