"""Culture and learning (model brief 10.6): stigma that fades as gaming spreads, perception gaps
that close with experience, and flags that are remembered.

Each is a pure update of per-employee arrays from last week's state; the model applies them
between weeks. Each is off at its neutral value (0), which leaves the theory limits untouched.
"""

from __future__ import annotations

import numpy as np

FLAG_MEMORY_HALF_LIFE_WEEKS = 13.0
"""ASSUMPTION: a flag's effect on beliefs halves in a quarter year."""


def effective_integrity(integrity: np.ndarray, norm_erosion: np.ndarray | float,
                        peer_gaming_share: np.ndarray | float) -> np.ndarray:
    """This week's integrity cost: iota_i x (1 - norm_erosion x share of colleagues seen gaming)
    (`norm_erosion` one number, or one per employee when organisations differ)."""
    if not np.any(norm_erosion):
        return integrity
    return integrity * (1.0 - norm_erosion * peer_gaming_share)


def learn(belief: np.ndarray, speedup: np.ndarray, genuine_hours: np.ndarray, rate: np.ndarray | float) -> np.ndarray:
    """Employees who used AI genuinely this week see what it really saved them and close a share
    `rate` of the gap between belief and truth."""
    if np.ndim(rate) == 0 and rate == 0:
        return belief
    return np.where(genuine_hours > 0, belief + rate * (speedup - belief), belief)


def remember_flags(factor: np.ndarray | float, flagged: np.ndarray, memory: np.ndarray | float) -> np.ndarray | float:
    """Subjective enforcement factor on expected penalties: +`memory` per week flagged, decaying
    back towards 1 with a half-life of FLAG_MEMORY_HALF_LIFE_WEEKS."""
    if np.ndim(memory) == 0 and memory == 0:
        return factor
    keep = 0.5 ** (1.0 / FLAG_MEMORY_HALF_LIFE_WEEKS)
    return 1.0 + (np.asarray(factor, dtype=float) - 1.0) * keep + memory * flagged
