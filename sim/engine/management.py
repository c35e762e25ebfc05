"""Management: scheduled policy changes, the target ratchet, the budget review and what the budget
buys (seats, a token allowance, KPI pressure), and finance's audit of true ROI.

Management acts on what its dashboard reports (KPI attainment, reported ROI) until finance audits
the truth (model brief 10.6: the false-success loop, and its end).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from sim.engine.economics import WEEKS_PER_MONTH, roi
from sim.engine.kpi import SCHEMES
from sim.scenario.io import apply_changes
from sim.scenario.regimes import REGISTRY
from sim.scenario.schema import DEFAULT_TARGETS, Scenario


@dataclass(frozen=True)
class PolicyChange:
    """One change of the policy in force: scheduled in the scenario, made live (the dashboard's
    controls while it runs) or by finance's ROI audit."""

    week: int  # the first week decided under the new policy
    changes: dict[str, Any]  # key path -> new value, as given to `apply_changes`
    before: dict[str, Any]  # key path -> the value it replaced
    origin: str  # who changed it: "scenario", "live", "ROI audit", ...

    def describe(self) -> str:
        """'kpi.regime tokens -> action_linked, audit.rate 0 -> 0.1' (keys whose value did not move are left out)."""
        moved = [f"{path} {_show(self.before.get(path))} -> {_show(value)}"
                 for path, value in self.changes.items() if self.before.get(path) != value]
        return ", ".join(moved) or "no change"


def _show(value: Any) -> str:
    if value is None:
        return "default"
    if isinstance(value, bool):
        return "on" if value else "off"
    return f"{value:g}" if isinstance(value, float) else str(value)


def with_target_reset(policy: Scenario, changes: dict[str, Any]) -> dict[str, Any]:
    """`changes` plus ``kpi.target: None`` (the new regime's default) when they switch the KPI
    regime without naming a target; unchanged otherwise."""
    paths = {str(path).replace("__", "."): value for path, value in changes.items()}
    if "kpi.target" in paths or isinstance(paths.get("kpi"), dict) and "target" in paths["kpi"]:
        return changes
    regime = paths["kpi"].get("regime") if isinstance(paths.get("kpi"), dict) else paths.get("kpi.regime")
    if regime is None or regime == policy.kpi.regime:
        return changes
    return {**changes, "kpi.target": None}


def _value_at(scenario: Scenario, path: str) -> Any:
    node: Any = scenario
    for part in path.split("."):
        node = getattr(node, part, None)
    return node


@dataclass
class ManagementState:
    """What management has decided so far: the current policy, target and budget."""

    policy: Scenario  # the scenario with all interventions so far applied
    target: float  # current KPI target per employee-week (ratcheted)
    budget_index: float = 1.0  # AI budget relative to the start
    period_reported_value_usd: float = 0.0
    period_spend_usd: float = 0.0
    audit_true_value_usd: float = 0.0
    audit_spend_usd: float = 0.0
    audit_reported_value_usd: float = 0.0
    audit_actions: float = 0.0
    belief: float = 1.0  # what management takes a dollar of its dashboard's value to be worth (model brief 11.5)
    first_claim_per_action: float | None = None  # finance's first look: the baseline of its scrutiny
    events: list[tuple[int, str]] = field(default_factory=list)  # (week, what management did)
    changes: list[PolicyChange] = field(default_factory=list)  # every policy change, in order

    @property
    def kpi_strength(self) -> float:
        """Strength in force: the policy's, times the budget index when the budget drives it."""
        budget = self.policy.management.budget
        follows = budget.enabled and budget.strength_follows_budget
        return self.policy.kpi.strength * (self.budget_index if follows else 1.0)

    @property
    def seat_share(self) -> float:
        """Share of employees with a seat: the initial share, times the budget index when seats are
        bought with the budget."""
        budget = self.policy.management.budget
        follows = budget.enabled and budget.seats_follow_budget
        return budget.initial_seat_share * (self.budget_index if follows else 1.0)

    def allowance_usd_per_week(self, seats: float) -> float:
        """The prepaid token allowance this week, bought per seat and scaled by the budget."""
        budget = self.policy.management.budget
        if budget.allowance_usd_per_seat_month == 0:
            return 0.0
        scale = self.budget_index if budget.enabled else 1.0
        return seats * budget.allowance_usd_per_seat_month / WEEKS_PER_MONTH * scale

    def apply_interventions(self, scenario: Scenario, week: int) -> None:
        """Policy changes scheduled for this week."""
        for intervention in scenario.management.interventions:
            if intervention.week == week:
                self.change_policy(intervention.set, week, origin="scenario")

    def change_policy(self, changes: dict[str, Any], week: int, origin: str) -> PolicyChange:
        """Apply key-path changes (validated by :func:`sim.scenario.io.apply_changes`) to the policy
        in force from `week` on, and record them; a new regime or target resets the target. A new
        regime without a `kpi.target` in the same changes takes the new regime's default target (a
        target of 50,000 tokens is not one of 50,000 actions); an explicit `kpi.target` wins.

        Changes from the same origin for the same week merge into one record (a slider dragged
        through several values is one change); a merged change that returns every key to where it
        was is no change and leaves no record."""
        changes = with_target_reset(self.policy, changes)
        before_kpi = self.policy.kpi
        before = {path: _value_at(self.policy, path) for path in changes}
        self.policy = apply_changes(self.policy, changes, origin=f"{origin} policy change from week {week}")
        if self.policy.kpi.regime != before_kpi.regime or self.policy.kpi.target != before_kpi.target:
            self.target = self.policy.kpi.resolved_target
        last = self.changes[-1] if self.changes else None
        if last is not None and last.week == week and last.origin == origin:
            self.changes.pop()
            before = {**before, **last.before}
            changes = {**last.changes, **changes}
        record = PolicyChange(week, dict(changes), before, origin)
        if any(before.get(path) != _value_at(self.policy, path) for path in changes):
            self.changes.append(record)
        return record

    def review(self, week: int, row: dict[str, float], rng: np.random.Generator | None = None) -> None:
        """After a week: the target ratchet on attainment, finance's look at true ROI, the budget
        review on reported ROI (`rng`: the organisation's, for finance's scrutiny)."""
        policy = self.policy
        ratchet = policy.management.target_ratchet
        ranked = SCHEMES[policy.kpi.scheme].uses_team_cutoff  # a rank has no target to ratchet
        if ratchet.enabled and not ranked and row["target_reached_share"] >= ratchet.attainment_share:
            self.target *= 1 + ratchet.step
        failed = self._audit_true_roi(week, row, rng)
        budget = policy.management.budget
        if not budget.enabled:
            return
        self.period_reported_value_usd += row["reported_value_usd"]
        self.period_spend_usd += row["ai_spend_usd"]
        if week % budget.review_every_weeks == 0:
            reported = roi(self.period_reported_value_usd, self.period_spend_usd)
            if np.isfinite(reported) and not (failed and self.policy.management.roi_audit.belief_weight is None):
                # a failed audit's budget cut (a rule) overrules the dashboard this time; a belief moved by
                # the audit has already re-valued the period
                change = np.clip(budget.growth_per_unit_roi * (reported - budget.hurdle_roi), -budget.max_change, budget.max_change)
                self.budget_index *= 1 + float(change)
            self.period_reported_value_usd = self.period_spend_usd = 0.0

    def _audit_true_roi(self, week: int, row: dict[str, float], rng: np.random.Generator | None) -> bool:
        """Finance looks at the period since its last audit: on a calendar (every look an audit), or
        with scrutiny (an audit with a chance that grows as the dashboard's value outpaces the
        downstream actions finance can count). An audit
        measures true ROI; with a belief, management's valuation of its dashboard moves towards what
        the audit found; without one, a failed audit cuts the budget (a rule). A failed audit can
        switch the KPI regime (its default target). Returns whether an audit failed."""
        audit = self.policy.management.roi_audit
        if audit.every_weeks is None:
            return False
        self.audit_true_value_usd += row["true_value_usd"]
        self.audit_spend_usd += row["ai_spend_usd"]
        self.audit_reported_value_usd += row["reported_value_usd"]
        self.audit_actions += row["actions"]
        if week % audit.every_weeks:
            return False
        scrutiny = ""
        if audit.scrutiny is not None:  # the dashboard's value per downstream action, against its first look
            per_action = self.audit_reported_value_usd / self.audit_actions if self.audit_actions > 0 else np.inf
            if self.first_claim_per_action is None:
                self.first_claim_per_action = per_action
            first = self.first_claim_per_action
            growth = (max(0.0, per_action / first - 1.0) if np.isfinite(per_action) and first > 0 else
                      (0.0 if per_action == first else np.inf))
            chance = 1.0 - np.exp(-(audit.base_rate + audit.scrutiny * growth))
            if rng is None or rng.random() >= chance:
                self.audit_actions = self.audit_reported_value_usd = 0.0
                self.audit_true_value_usd = self.audit_spend_usd = 0.0
                return False
            scrutiny = f" (finance's scrutiny: the dashboard's value per downstream action x{1 + growth:.2f} since its first look)"
        true_roi = roi(self.audit_true_value_usd, self.audit_spend_usd)
        belief = ""
        if audit.belief_weight is not None and self.audit_reported_value_usd > 0:
            found = self.audit_true_value_usd * self.belief / self.audit_reported_value_usd  # true / face value
            before, self.belief = self.belief, (1 - audit.belief_weight) * self.belief + audit.belief_weight * found
            if before > 0:  # the budget period's readings, valued again with the new belief
                self.period_reported_value_usd *= self.belief / before
            belief = f"; management now values its dashboard at {self.belief:.0%} of face value"
        self.audit_actions = self.audit_reported_value_usd = 0.0
        self.audit_true_value_usd = self.audit_spend_usd = 0.0
        if not np.isfinite(true_roi) or true_roi >= audit.hurdle_roi:
            self.events.append((week, f"ROI audit passed (true ROI {true_roi:.0%}){scrutiny}{belief}"))
            return False
        action = f"ROI audit failed (true ROI {true_roi:.0%}){scrutiny}"
        if audit.belief_weight is None:
            self.budget_index *= 1 - audit.budget_cut
            action += f": budget cut by {audit.budget_cut:.0%}"
        action += belief
        if audit.switch_regime is not None and audit.switch_regime != self.policy.kpi.regime:
            changes = {"kpi.regime": audit.switch_regime, "kpi.target": None}
            if audit.switch_regime == "composite" and not self.policy.kpi.weights:
                changes["kpi.weights"] = {"tokens": 0.5, "error_reduction": 0.5}
            self.change_policy(changes, week + 1, origin="ROI audit")
            self.target = self.policy.kpi.resolved_target
            action += f", KPI switched to {audit.switch_regime}"
        self.events.append((week, action))
        return True


KPI_UNITS: dict[str, str] = {name: regime.unit for name, regime in REGISTRY.items()}
"""What one KPI unit of each regime is, for reports and warnings (from the regime registry)."""


def regime_periods(scenario: Scenario) -> list[tuple[int, int, Scenario]]:
    """(first week, last week, policy in force) for each stretch of the run under one KPI regime
    and target, with interventions applied as the model applies them (a new regime without a target
    takes its default)."""
    periods: list[tuple[int, int, Scenario]] = []
    policy, start = scenario, 1
    for week in sorted({i.week for i in scenario.management.interventions}):
        after = policy
        for intervention in scenario.management.interventions:
            if intervention.week == week:
                after = apply_changes(after, with_target_reset(after, intervention.set), origin=f"week {week}", check=False)
        if (after.kpi.regime, after.kpi.resolved_target) != (policy.kpi.regime, policy.kpi.resolved_target):
            if week > start:
                periods.append((start, week - 1, policy))
            start = week
        policy = after
    periods.append((start, scenario.weeks, policy))
    return periods


def target_warnings(scenario: Scenario) -> list[str]:
    """One line per stretch of the run whose KPI target no employee can reach (the reward is never
    or hardly ever paid, so the KPI stops steering anyone), empty when every target is reachable."""
    from sim.engine.kpi import most_kpi_per_week

    lines = []
    for first, last, policy in regime_periods(scenario):
        kpi = policy.kpi
        most = most_kpi_per_week(kpi, policy.behavior, policy.usage)
        if most is None or kpi.scheme == "rank" or kpi.resolved_target <= most:
            continue
        default = DEFAULT_TARGETS[kpi.regime]
        lines.append(
            f"weeks {first}-{last}: kpi.target {kpi.resolved_target:,g} {KPI_UNITS[kpi.regime]} per employee-week under "
            f"the {kpi.regime} regime is more than anyone can reach (at most {most:,.0f} in "
            f"{policy.behavior.max_ai_hours_per_week:g} AI hours a week), so the KPI steers no one; the regime's "
            f"default target is {default:,g} (leave kpi.target empty, or set it where the regime changes)")
    return lines
