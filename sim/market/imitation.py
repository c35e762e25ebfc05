"""Firms review their KPI policy now and then and copy better-valued firms.

At each review a share of firms reviews (`review_share`). A reviewing firm either takes the
vendor's recommended policy (`vendor_influence`) or meets one other firm at random and copies its
policy with probability (peer's credited gain - its own) / `scale`, clipped to [0, 1]: Schlag's
proportional imitation rule, whose mean dynamics are the replicator dynamics. Every review draws
the same number of random numbers, so a market is reproducible from its seed.
"""

from __future__ import annotations

import numpy as np

from sim.market.schema import Imitation


def review(policy: np.ndarray, credited: np.ndarray, recommended: int | None, imitation: Imitation,
           rng: np.random.Generator) -> np.ndarray:
    """Each firm's policy index after a review."""
    n = policy.size
    reviews = rng.random(n) < imitation.review_share
    follows_vendor = rng.random(n) < imitation.vendor_influence
    peer = rng.integers(0, n - 1, n)
    peer = peer + (peer >= np.arange(n))  # anyone but oneself
    copy_probability = np.clip((credited[peer] - credited) / imitation.scale_usd_per_employee_week, 0.0, 1.0)
    copies = rng.random(n) < copy_probability
    new = policy.copy()
    imitate = reviews & ~follows_vendor & copies
    new[imitate] = policy[peer[imitate]]
    if recommended is not None:
        new[reviews & follows_vendor] = recommended
    return new
