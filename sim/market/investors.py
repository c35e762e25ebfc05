"""Investors and boards: what they credit each firm with, in $ of AI gains per employee-week.

Each week investors read a firm's figures: its reported AI gain (the value its dashboard reports,
less AI spend and the cost of measuring its KPI) and its true gain (the value AI truly created,
less the same costs). They credit a weighted mix, `weight_reported` on the reported figure, and
remember past weeks with a half-life of `memory_weeks`. A firm whose true ROI an audit revealed is
credited on its true gain from then on; after the correction the weight on reported figures drops
for everyone.
"""

from __future__ import annotations

import numpy as np

from sim.market.schema import Investors


def memory_factor(half_life_weeks: float) -> float:
    """Weight of last week's valuation in this week's (exponential smoothing with that half-life)."""
    return float(0.5 ** (1.0 / half_life_weeks))


def weight_on_reported(investors: Investors, corrected: bool, revealed: np.ndarray) -> np.ndarray:
    """Per firm: the weight investors put on its reported figures this week."""
    weight = investors.weight_reported_after_correction if corrected else investors.weight_reported
    return np.where(revealed, 0.0, weight)


def credit(previous: np.ndarray | None, reported_gain: np.ndarray, true_gain: np.ndarray,
           weight: np.ndarray, investors: Investors) -> np.ndarray:
    """This week's credited gain per firm ($ per employee-week), smoothed over past weeks."""
    signal = weight * reported_gain + (1.0 - weight) * true_gain
    if previous is None:
        return signal
    keep = memory_factor(investors.memory_weeks)
    return keep * previous + (1.0 - keep) * signal
