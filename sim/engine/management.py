"""Management: scheduled policy changes, the target ratchet and the budget review.

Management acts on what its dashboard reports (KPI attainment, reported ROI), never on the truth.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.engine.economics import roi
from sim.scenario.io import apply_changes
from sim.scenario.schema import Scenario


@dataclass
class ManagementState:
    """What management has decided so far: the current policy, target and budget."""

    policy: Scenario  # the scenario with all interventions so far applied
    target: float  # current KPI target per employee-week (ratcheted)
    budget_index: float = 1.0  # AI budget relative to the start
    period_reported_value_usd: float = 0.0
    period_spend_usd: float = 0.0

    @property
    def kpi_strength(self) -> float:
        """Strength in force: the policy's, times the budget index when the budget drives it."""
        budget = self.policy.management.budget
        follows = budget.enabled and budget.strength_follows_budget
        return self.policy.kpi.strength * (self.budget_index if follows else 1.0)

    def apply_interventions(self, scenario: Scenario, week: int) -> None:
        """Policy changes scheduled for this week; a new regime or target resets the target."""
        for intervention in scenario.management.interventions:
            if intervention.week == week:
                before = self.policy.kpi
                self.policy = apply_changes(self.policy, intervention.set, origin=f"intervention at week {week}")
                if self.policy.kpi.regime != before.regime or self.policy.kpi.target != before.target:
                    self.target = self.policy.kpi.resolved_target

    def review(self, week: int, row: dict[str, float]) -> None:
        """After a week: the target ratchet on attainment, the budget review on reported ROI."""
        policy = self.policy
        ratchet = policy.management.target_ratchet
        if ratchet.enabled and policy.kpi.scheme != "rank" and row["target_reached_share"] >= ratchet.attainment_share:
            self.target *= 1 + ratchet.step
        budget = policy.management.budget
        if not budget.enabled:
            return
        self.period_reported_value_usd += row["reported_value_usd"]
        self.period_spend_usd += row["ai_spend_usd"]
        if week % budget.review_every_weeks == 0:
            reported = roi(self.period_reported_value_usd, self.period_spend_usd)
            if np.isfinite(reported):
                change = np.clip(budget.growth_per_unit_roi * (reported - budget.hurdle_roi), -budget.max_change, budget.max_change)
                self.budget_index *= 1 + float(change)
            self.period_reported_value_usd = self.period_spend_usd = 0.0
