"""Compiled loops (Numba) for the batched engine's weekly decision: one pass over the (K, N) arrays
instead of some forty NumPy operations, each with its own temporary.

Every element is computed with the same operations in the same order as the NumPy expressions of
:mod:`sim.engine.decision` and :class:`sim.engine.model.OrganisationModel` (no fast-math, so no
fused multiply-adds or reassociation; NumPy's error model, so a division is a plain division, with
no zero check in the loop): results are identical to the last bit, which
tests/test_batch.py checks against organisations run one by one. Per-organisation parameters are
(K,) vectors; per-employee values are (K, N) arrays.
"""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True, inline="always", error_model="numpy")
def _maximum_zero(x: float) -> float:
    """np.maximum(x, 0.0) for one value (NaN and -0.0 pass through, as in NumPy)."""
    return x if (x >= 0.0 or x != x) else 0.0


@njit(cache=True, inline="always", error_model="numpy")
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


@njit(cache=True, error_model="numpy")
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


@njit(cache=True, inline="always", error_model="numpy")
def _value(a_g: float, a_p: float, g: float, p: float, half_h11: float, half_h22: float, h12: float) -> float:
    """Problem.quadratic_value for one employee."""
    return a_g * g + a_p * p - half_h11 * g * g - half_h22 * p * p - h12 * g * p


@njit(cache=True, error_model="numpy")
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


@njit(cache=True, inline="always", error_model="numpy")
def _block_sum(a: np.ndarray, start: int, n: int) -> float:
    """NumPy's sum of a block of at most 128 values: a plain loop under 8, else eight accumulators."""
    if n < 8:
        total = 0.0
        for i in range(n):
            total += a[start + i]
        return total
    r0, r1, r2, r3 = a[start], a[start + 1], a[start + 2], a[start + 3]
    r4, r5, r6, r7 = a[start + 4], a[start + 5], a[start + 6], a[start + 7]
    i, whole = 8, n - n % 8
    while i < whole:
        r0 += a[start + i]
        r1 += a[start + i + 1]
        r2 += a[start + i + 2]
        r3 += a[start + i + 3]
        r4 += a[start + i + 4]
        r5 += a[start + i + 5]
        r6 += a[start + i + 6]
        r7 += a[start + i + 7]
        i += 8
    total = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))
    while i < n:
        total += a[start + i]
        i += 1
    return total


@njit(cache=True, error_model="numpy")
def _pairwise_tree(n: int, leaf_sums: np.ndarray, sizes: np.ndarray, work: np.ndarray) -> tuple[float, int]:
    """Walk NumPy's pairwise summation of n values (what `ndarray.sum` does along a row): blocks of at
    most 128 values, halves split at a multiple of 8. The blocks (leaves) are contiguous and in order:
    their sizes are written to `sizes`, and `leaf_sums` (each block's sum, in the same order) are
    added as the recursion adds them. Returns (the total, the number of blocks). The recursion is
    walked with an explicit stack in `work` (Numba's cache does not keep recursive functions safely)."""
    if n <= 128:
        sizes[0] = n
        return leaf_sums[0], 1
    starts, lengths, stages = work[0], work[1], work[2]
    values = work[3].view(np.float64)
    top, held, leaves = 0, 0, 0
    starts[0], lengths[0], stages[0] = 0, n, 0
    while top >= 0:
        s, m = starts[top], lengths[top]
        if m <= 128:
            sizes[leaves] = m
            values[held] = leaf_sums[leaves]
            leaves += 1
            held += 1
            top -= 1
            continue
        half = m // 2
        half -= half % 8
        if stages[top] == 0:
            stages[top] = 1
            top += 1
            starts[top], lengths[top], stages[top] = s, half, 0
        elif stages[top] == 1:
            stages[top] = 2
            top += 1
            starts[top], lengths[top], stages[top] = s + half, m - half, 0
        else:
            held -= 1
            values[held - 1] = values[held - 1] + values[held]
            top -= 1
    return values[0], leaves


@njit(cache=True, error_model="numpy")
def _blocks(n: int) -> tuple[np.ndarray, int, np.ndarray]:
    """The block sizes of a pairwise sum of n values (and how many), with the walk's work space."""
    sizes = np.empty(n // 32 + 2, dtype=np.int64)  # blocks hold more than 56 values once n > 128
    work = np.empty((4, 64), dtype=np.int64)
    _, leaves = _pairwise_tree(n, np.zeros(sizes.size), sizes, work)
    return sizes, leaves, work


@njit(cache=True, error_model="numpy")
def row_sums(values: np.ndarray) -> np.ndarray:
    """`values.sum(axis=1)` of a C-contiguous (K, N) array, to the last bit."""
    k, n = values.shape
    out = np.empty(k)
    sizes, leaves, work = _blocks(n)
    leaf_sums = np.empty(leaves)
    for i in range(k):
        start = 0
        for leaf in range(leaves):
            leaf_sums[leaf] = _block_sum(values[i], start, sizes[leaf])
            start += sizes[leaf]
        out[i] = 0.0 + _pairwise_tree(n, leaf_sums, sizes, work)[0]
    return out


SUMS = ("genuine_hours", "performative_hours", "true_hours_saved", "claimed_hours_saved", "reported_kpi",
        "genuine_kpi", "honest_claimed_hours_saved", "honest_true_hours_saved", "perception_gap", "audit_flags",
        "detector_flags", "flags_on_honest", "payoff")
"""The organisation totals :func:`observe` adds up (columns of its `sums`)."""
COUNTS = ("gaming", "scripts", "manual", "misreporting", "active", "flagged", "flagged_honest", "flagged_scripters",
          "flagged_manual", "target_reached")
"""The head-counts :func:`observe` takes (columns of its `counts`)."""


@njit(cache=True, error_model="numpy")
def observe(g: np.ndarray, p: np.ndarray, scripts: np.ndarray, peers_p: np.ndarray, integrity: np.ndarray,
            motivation: np.ndarray, belief: np.ndarray, speedup: np.ndarray, claimed_rate: np.ndarray,
            audit_flags: np.ndarray, detector_flags: np.ndarray, has_script: bool, has_conformity: bool,
            kr_g: np.ndarray, kr_p: np.ndarray, script_kpi: np.ndarray, strength: np.ndarray, target: np.ndarray,
            reached_at: np.ndarray, equivalent: np.ndarray, upkeep: np.ndarray, half_c: np.ndarray,
            delta_c: np.ndarray, kappa: np.ndarray, audit_penalty: np.ndarray, detection_penalty: np.ndarray,
            queries_g: np.ndarray, queries_p: np.ndarray, queries_s: np.ndarray, active_at: np.ndarray,
            gaming_out: np.ndarray, flags_out: np.ndarray, flagged_while_honest: np.ndarray, sums: np.ndarray,
            counts: np.ndarray) -> None:
    """The week's KPI, reward, payoff and flags of every employee (OrganisationModel._observe) and
    the organisation totals of accounts.week_row: `sums` (K, len(SUMS)) added as NumPy adds a row,
    `counts` (K, len(COUNTS)); the gaming mask and flags into `gaming_out`, `flags_out`."""
    k, n = g.shape
    sizes, leaves, work = _blocks(n)
    scratch = np.empty((len(SUMS), 128))  # one block of the row's values at a time (stays in cache)
    leaf_sums = np.empty((len(SUMS), leaves))
    for i in range(k):
        c0 = c1 = c2 = c3 = c4 = c5 = c6 = c7 = c8 = c9 = 0
        block_start = 0
        for leaf in range(leaves):
            size = sizes[leaf]
            for t in range(size):
                j = block_start + t
                gj, pj, integ = g[i, j], p[i, j], integrity[i, j]
                script = scripts[i, j]
                sv = 1.0 if script else 0.0
                extra = 0.0 + script_kpi[i] * sv if has_script else 0.0
                measured = ((kr_g[i] * gj + kr_p[i] * pj) + extra) + 0.0
                reward = strength[i] * measured / target[i]
                af, df = audit_flags[i, j], detector_flags[i, j]
                penalty = audit_penalty[i] * (af + 0.0) + detection_penalty[i] * df
                performing = pj + upkeep[i] * sv
                believed = motivation[i, j] * belief[i, j]
                payoff = (reward + gj * (believed - half_c[i] * gj - delta_c[i] * performing) - pj * integ
                          - half_c[i] * (performing * performing) - sv * integ * equivalent[i] - penalty)
                if has_conformity:
                    gap = pj - peers_p[i, j]
                    payoff = payoff - kappa[i] * (gap * gap)
                manual = pj > 0
                gaming = manual or script
                flags = af + df
                flagged = flags > 0
                if flagged and not gaming:
                    flagged_while_honest[i, j] = True
                gaming_out[i, j], flags_out[i, j] = gaming, flags
                honest = 1.0 if (not gaming and gj > 0) else 0.0
                queries = (queries_g[i] * gj + queries_p[i] * pj) + queries_s[i] * sv
                scratch[0, t] = gj
                scratch[1, t] = pj
                scratch[2, t] = speedup[i, j] * gj
                scratch[3, t] = claimed_rate[i, j] * gj
                scratch[4, t] = measured
                scratch[5, t] = ((kr_g[i] * gj + kr_p[i] * 0.0) + 0.0) + 0.0
                scratch[6, t] = claimed_rate[i, j] * gj * honest
                scratch[7, t] = speedup[i, j] * gj * honest
                scratch[8, t] = belief[i, j] - speedup[i, j]
                scratch[9, t] = af
                scratch[10, t] = df
                scratch[11, t] = 0.0 if gaming else flags
                scratch[12, t] = payoff
                c0 += gaming
                c1 += script
                c2 += manual
                c3 += gaming and not manual and not script
                c4 += queries >= active_at[i]
                c5 += flagged
                c6 += flagged and not gaming
                c7 += flagged and script
                c8 += flagged and manual and not script
                c9 += measured >= reached_at[i]
            for s in range(len(SUMS)):
                leaf_sums[s, leaf] = _block_sum(scratch[s], 0, size)
            block_start += size
        for s in range(len(SUMS)):
            sums[i, s] = 0.0 + _pairwise_tree(n, leaf_sums[s], sizes, work)[0]
        counts[i, 0], counts[i, 1], counts[i, 2], counts[i, 3], counts[i, 4] = c0, c1, c2, c3, c4
        counts[i, 5], counts[i, 6], counts[i, 7], counts[i, 8], counts[i, 9] = c5, c6, c7, c8, c9

