"""Compiled loops (Numba) for the batched engine's weekly decision: one pass over the (K, N) arrays
instead of some forty NumPy operations, each with its own temporary.

Every element is computed with the same operations in the same order as the NumPy expressions of
:mod:`sim.engine.decision` and :class:`sim.engine.model.OrganisationModel` (no fast-math, so no
fused multiply-adds or reassociation): results are identical to the last bit, which
tests/test_batch.py checks against organisations run one by one. Per-organisation parameters are
(K,) vectors; per-employee values are (K, N) arrays.
"""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True, inline="always")
def _maximum_zero(x: float) -> float:
    """np.maximum(x, 0.0) for one value (NaN and -0.0 pass through, as in NumPy)."""
    return x if (x >= 0.0 or x != x) else 0.0


@njit(cache=True, inline="always")
def _closed_form(a_g: float, a_p: float, g_rate: float, p_rate: float, cross: float, inv_h11: float,
                 inv_h22: float, h12: float) -> tuple[float, float]:
    """decision._best_without_step's closed form for one employee (before the hours cap)."""
    g_in = g_rate * a_g - cross * a_p
    p_in = p_rate * a_p - cross * a_g
    g_edge = _maximum_zero(a_g * inv_h11)
    p_edge = _maximum_zero(a_p * inv_h22)
    on = 1.0 if (g_in > 0 and p_in > 0) else 0.0
    on_p_zero = 1.0 if a_p <= h12 * g_edge else 0.0
    g = g_in * on + (g_edge * on_p_zero) * (1.0 - on)
    p = p_in * on + (p_edge * (1.0 - on_p_zero)) * (1.0 - on)
    return g, p


@njit(cache=True)
def hours_problems(motivation: np.ndarray, belief: np.ndarray, integrity: np.ndarray, enforcement: np.ndarray,
                   has_memory: bool, pen_g: np.ndarray, pen_p: np.ndarray, reward_g: np.ndarray,
                   reward_p: np.ndarray, kappa2: np.ndarray, has_conformity: bool, peers_p: np.ndarray,
                   shocks: np.ndarray, has_noise: bool, lam: np.ndarray, has_habit: bool, g_prev: np.ndarray,
                   p_prev: np.ndarray, h11: np.ndarray, h12: np.ndarray, h22: np.ndarray, det: np.ndarray,
                   cap: np.ndarray, has_script: bool, shift_g: np.ndarray, shift_p: np.ndarray,
                   a_g_out: np.ndarray, a_p_out: np.ndarray, g_out: np.ndarray, p_out: np.ndarray,
                   sg_out: np.ndarray, sp_out: np.ndarray) -> int:
    """The week's linear terms (a_g, a_p, as OrganisationModel._hours_problem adds them) and the
    closed-form best response to them, and with the script to the shifted problem; returns how
    many answers break the hours cap (those the caller solves by the candidate method)."""
    k, n = motivation.shape
    over = 0
    for i in range(k):
        g_rate, p_rate, cross = h22[i] / det[i], h11[i] / det[i], h12[i] / det[i]
        inv_h11, inv_h22 = 1 / h11[i], 1 / h22[i]
        for j in range(n):
            believed = motivation[i, j] * belief[i, j]
            e = enforcement[i, j] if has_memory else 1.0
            a_g = believed - e * pen_g[i] + reward_g[i]
            a_p = -integrity[i, j] - e * pen_p[i] + reward_p[i]
            if has_conformity:
                a_p = a_p + kappa2[i] * peers_p[i, j]
            if has_noise:
                a_g = a_g + shocks[i, j]
                a_p = a_p + shocks[i, n + j]
            if has_habit:
                a_g = a_g + lam[i] * g_prev[i, j]
                a_p = a_p + lam[i] * p_prev[i, j]
            a_g_out[i, j], a_p_out[i, j] = a_g, a_p
            g, p = _closed_form(a_g, a_p, g_rate, p_rate, cross, inv_h11, inv_h22, h12[i])
            g_out[i, j], p_out[i, j] = g, p
            over += g + p > cap[i]
            if has_script:
                g, p = _closed_form(a_g + shift_g[i], a_p + shift_p[i], g_rate, p_rate, cross, inv_h11, inv_h22, h12[i])
                sg_out[i, j], sp_out[i, j] = g, p
                over += g + p > cap[i]
    return over


@njit(cache=True, inline="always")
def _value(a_g: float, a_p: float, g: float, p: float, half_h11: float, half_h22: float, h12: float) -> float:
    """Problem.quadratic_value for one employee."""
    return a_g * g + a_p * p - half_h11 * g * g - half_h22 * p * p - h12 * g * p


@njit(cache=True)
def choose_script(a_g: np.ndarray, a_p: np.ndarray, g: np.ndarray, p: np.ndarray, sg: np.ndarray, sp: np.ndarray,
                  shift_g: np.ndarray, shift_p: np.ndarray, integrity: np.ndarray, enforcement: np.ndarray,
                  has_memory: bool, pen_s: np.ndarray, script_reward: np.ndarray, equivalent: np.ndarray,
                  upkeep_cost: np.ndarray, h11: np.ndarray, h12: np.ndarray, h22: np.ndarray,
                  scripts_out: np.ndarray) -> None:
    """Run the script where its week is worth more than the week without it (the script option of
    strategies._linear); g and p take the script week's hours there."""
    k, n = g.shape
    for i in range(k):
        half_h11, half_h22 = 0.5 * h11[i], 0.5 * h22[i]
        for j in range(n):
            e = enforcement[i, j] if has_memory else 1.0
            per_hour = integrity[i, j] + e * pen_s[i]
            constant = script_reward[i] - per_hour * equivalent[i] - upkeep_cost[i]
            with_script = _value(a_g[i, j] + shift_g[i], a_p[i, j] + shift_p[i], sg[i, j], sp[i, j],
                                 half_h11, half_h22, h12[i]) + constant
            better = with_script > _value(a_g[i, j], a_p[i, j], g[i, j], p[i, j], half_h11, half_h22, h12[i])
            scripts_out[i, j] = better
            if better:
                g[i, j], p[i, j] = sg[i, j], sp[i, j]
