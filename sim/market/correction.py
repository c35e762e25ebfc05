"""The correction: when finance starts demanding evidence of actual ROI.

At each review an outside audit reveals the true ROI of a share of firms. A revealed firm whose
reported ROI exceeds its true ROI by more than `scandal_gap_roi` over the last period is a scandal.
Scandals accumulate; at `scandals_to_trigger` (or at a fixed `week`) the correction comes:
investors weigh true results more, and every firm's finance audits its true ROI each quarter,
cutting the AI budget when it is below zero.
"""

from __future__ import annotations

import numpy as np

from sim.market.schema import Correction


def reveal(n: int, correction: Correction, rng: np.random.Generator) -> np.ndarray:
    """Firms whose true ROI is revealed at this review."""
    return rng.random(n) < correction.audit_share_per_review


def scandals(revealed: np.ndarray, reported_roi: np.ndarray, true_roi: np.ndarray, correction: Correction) -> np.ndarray:
    """Revealed firms whose dashboard overstated ROI by more than the scandal gap."""
    return revealed & (reported_roi - true_roi > correction.scandal_gap_roi)


def triggered(week: int, total_scandals: int, correction: Correction) -> bool:
    if correction.week is not None and week >= correction.week:
        return True
    return correction.scandals_to_trigger is not None and total_scandals >= correction.scandals_to_trigger


def firm_audit(correction: Correction) -> dict[str, object]:
    """The policy change every firm makes when the correction comes: audits of true ROI at every
    look (`firm_audit_every_weeks`), whatever finance's scrutiny was before."""
    return {
        "management.roi_audit.every_weeks": correction.firm_audit_every_weeks,
        "management.roi_audit.hurdle_roi": 0.0,
        "management.roi_audit.budget_cut": correction.firm_audit_budget_cut,
        "management.roi_audit.scrutiny": None,
    }


def scrutiny_after_scandals(base_rate: float, scandals: int, correction: Correction) -> float:
    """A firm's finance audit hazard per look once `scandals` more firms were exposed elsewhere."""
    return base_rate + correction.scandal_scrutiny * scandals
