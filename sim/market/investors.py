"""Investors and boards: what they credit each firm with, in $ of AI gains per employee-week.

Each week investors read a firm's figures: its reported AI gain (the value its dashboard reports,
less AI spend and the cost of measuring its KPI) and its true gain (the value AI truly created,
less the same costs). They credit a weighted mix, `weight_reported` on the reported figure, and
remember past weeks with a half-life of `memory_weeks`. A firm whose true ROI an audit revealed is
credited on its true gain from then on. The weight on reported figures of every other firm is either
fixed (dropping for everyone at the correction) or, with `prior_audits`, investors' trust in
dashboards: a Beta-mean belief that every audit they see moves (model brief 11.6), so it falls as
scandals come out and the correction's audits are published, not on a date.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.market.schema import Investors


def memory_factor(half_life_weeks: float) -> float:
    """Weight of last week's valuation in this week's (exponential smoothing with that half-life)."""
    return float(0.5 ** (1.0 / half_life_weeks))


def weight_on_reported(investors: Investors, corrected: bool, revealed: np.ndarray,
                       trust: float | None = None) -> np.ndarray:
    """Per firm: the weight investors put on its reported figures this week (`trust`: their learned
    weight, with `prior_audits`)."""
    if trust is not None:
        weight = trust
    else:
        weight = investors.weight_reported_after_correction if corrected else investors.weight_reported
    return np.where(revealed, 0.0, weight)


@dataclass
class Trust:
    """Investors' trust in dashboards: Beta pseudo-counts of audited value found true (`true`) and
    found inflated (`inflated`); the weight on reported figures is their mean."""

    true: float
    inflated: float

    @classmethod
    def prior(cls, investors: Investors) -> Trust | None:
        """The prior (`weight_reported`, worth `prior_audits` audits), or None with fixed weights."""
        if investors.prior_audits is None:
            return None
        return cls(investors.weight_reported * investors.prior_audits,
                   (1.0 - investors.weight_reported) * investors.prior_audits)

    @property
    def weight(self) -> float:
        return self.true / (self.true + self.inflated)

    def learn(self, reported_value_usd: np.ndarray, true_value_usd: np.ndarray) -> None:
        """Each audited firm adds the share of its reported value that was true, in [0, 1] (a firm
        reporting no value adds 1: nothing was overstated)."""
        with np.errstate(divide="ignore", invalid="ignore"):
            found = np.where(reported_value_usd > 0, true_value_usd / reported_value_usd, 1.0)
        found = np.clip(np.nan_to_num(found, nan=1.0), 0.0, 1.0)
        self.true += float(found.sum())
        self.inflated += float((1.0 - found).sum())


def credit(previous: np.ndarray | None, reported_gain: np.ndarray, true_gain: np.ndarray,
           weight: np.ndarray, investors: Investors) -> np.ndarray:
    """This week's credited gain per firm ($ per employee-week), smoothed over past weeks."""
    signal = weight * reported_gain + (1.0 - weight) * true_gain
    if previous is None:
        return signal
    keep = memory_factor(investors.memory_weeks)
    return keep * previous + (1.0 - keep) * signal
