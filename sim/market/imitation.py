"""Firms review their KPI policy now and then and copy better-valued firms.

At each review a share of firms reviews (`review_share`). A reviewing firm either takes the
vendor's recommended policy (`vendor_influence`) or meets one other firm at random and copies its
policy with probability (peer's credited gain - its own) / `scale`, clipped to [0, 1]: Schlag's
proportional imitation rule, whose mean dynamics are the replicator dynamics. Every review draws
the same number of random numbers, so a market is reproducible from its seed.

With `valuation: own_investors` a firm values its peer's policy as its own investors would credit
it: `w_i R_peer + (1 - w_i) T_peer` against `w_i R_i + (1 - w_i) T_i` (R, T the smoothed reported
and true gains, w_i the weight its investors put on its reported figures), so a firm credited on its
true figures (audited, or after a published correction) compares true results; a firm exposed by a
scandal reviews for sure (its board must answer for the gap).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.market.schema import Imitation


@dataclass(frozen=True)
class Valued:
    """Per firm, what its investors see: smoothed reported and true gains ($ per employee-week),
    the weight they put on its reported figures, and whether a scandal exposed it at this review."""

    reported: np.ndarray
    true: np.ndarray
    weight_reported: np.ndarray
    exposed: np.ndarray


def review(policy: np.ndarray, credited: np.ndarray, recommended: int | None, imitation: Imitation,
           rng: np.random.Generator, valued: Valued | None = None) -> np.ndarray:
    """Each firm's policy index after a review (`valued`: what the firms' own investors see, used
    with `valuation: own_investors`)."""
    n = policy.size
    reviews = rng.random(n) < imitation.review_share
    follows_vendor = rng.random(n) < imitation.vendor_influence
    peer = rng.integers(0, n - 1, n)
    peer = peer + (peer >= np.arange(n))  # anyone but oneself
    if imitation.valuation == "own_investors" and valued is not None:
        reviews = reviews | valued.exposed
        w = valued.weight_reported
        gap = w * (valued.reported[peer] - valued.reported) + (1.0 - w) * (valued.true[peer] - valued.true)
    else:
        gap = credited[peer] - credited
    copy_probability = np.clip(gap / imitation.scale_usd_per_employee_week, 0.0, 1.0)
    copies = rng.random(n) < copy_probability
    new = policy.copy()
    imitate = reviews & ~follows_vendor & copies
    new[imitate] = policy[peer[imitate]]
    if recommended is not None:
        new[reviews & follows_vendor] = recommended
    return new
