"""What a policy is worth, world by world, and the objectives the search trades off.

Each candidate policy runs in the same worlds (common random numbers), so every statistic here
is over the same worlds for every candidate and differences between candidates are paired.
Net value = true value - AI spend - measurement cost, over the run, in USD.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from sim.advise.levers import OBJECTIVES, SWITCH_REGIME, SWITCH_WEEK, Recommend
from sim.scenario.schema import Scenario

WEEKS_PER_MONTH = 52 / 12
WEEKS_PER_YEAR = 52

AUDIT_HOURS_PER_AUDITED_EMPLOYEE_WEEK = 1.0
"""Auditor hours to review one employee-week of AI use, paid at the loaded wage (ASSUMPTION: no
source; an audit reads logs and asks questions)."""

CLAIM_CHECK_HOURS_PER_CHECKED_EMPLOYEE_WEEK = 0.5
"""Hours to check one employee-week of self-reported claims against measured output (ASSUMPTION)."""

DETECTOR_USD_PER_EMPLOYEE_MONTH = 2.0
"""An anomaly-detection service, per employee and month (ASSUMPTION: a screening tool's price)."""

REGIME_MEASUREMENT_USD_PER_EMPLOYEE_MONTH: dict[str, float] = {
    "tokens": 0.0, "queries": 0.0, "active_user": 0.0, "completions": 0.0, "time_saved": 0.0,
    "action_linked": 8.0, "error_reduction": 30.0, "composite": 0.0,
}
"""What counting the KPI costs per employee and month when it carries a reward (ASSUMPTION, the
market scenario's figures, scenarios/market/default.yaml): usage counts come free with the vendor's
dashboard; action-linked tracking needs integrations; error rates need quality sampling."""

SUMMARY_KEYS = ("true_value_usd", "reported_value_usd", "ai_spend_usd", "flags_on_honest", "gaming_hours",
                "co2_kg", "performative_hours", "roi_true", "gaming_share_mean", "true_hours_saved")
"""Summary values kept per run: what the objectives and the report need."""

ROBUST_QUANTILE = 0.10
"""The robust statistic: the 10th percentile over worlds (the worst 10% of worlds)."""

REGRET_QUANTILE = 0.90
"""Regret is judged at its 90th percentile over worlds."""


def regime_cost_usd_per_employee_month(scenario: Scenario, regime: str) -> float:
    """Measurement cost of one regime per employee-month (a composite pays for what it mixes)."""
    if regime == "composite":
        return max((REGIME_MEASUREMENT_USD_PER_EMPLOYEE_MONTH[k] for k, w in scenario.kpi.weights.items() if w > 0),
                   default=0.0)
    return REGIME_MEASUREMENT_USD_PER_EMPLOYEE_MONTH[regime]


def measurement_cost_usd(scenario: Scenario, values: dict[str, Any] | None = None) -> float:
    """What a policy costs to measure and enforce over the run: audits and claim checks (auditor hours
    at the loaded wage), the detector, and counting a rewarded KPI; a scheduled switch pays for each
    regime in its weeks. Depends on the policy only, not on the world."""
    employees, weeks = scenario.organization.employees, scenario.weeks
    employee_weeks = employees * weeks
    wage = scenario.economics.loaded_wage_usd_per_hour
    audits = scenario.audit.rate * employee_weeks * AUDIT_HOURS_PER_AUDITED_EMPLOYEE_WEEK * wage
    checks = scenario.audit.claim_check_rate * employee_weeks * CLAIM_CHECK_HOURS_PER_CHECKED_EMPLOYEE_WEEK * wage
    detector = DETECTOR_USD_PER_EMPLOYEE_MONTH * employee_weeks / WEEKS_PER_MONTH if scenario.detection.enabled else 0.0
    kpi = 0.0
    if scenario.kpi.strength > 0:
        switch_week = int((values or {}).get(SWITCH_WEEK, 0) or 0)
        switch_week = switch_week if switch_week <= weeks else 0
        before = weeks if switch_week <= 0 else switch_week - 1
        after_regime = (values or {}).get(SWITCH_REGIME, "error_reduction")
        kpi = (regime_cost_usd_per_employee_month(scenario, scenario.kpi.regime) * before
               + (regime_cost_usd_per_employee_month(scenario, after_regime) * (weeks - before) if switch_week > 0 else 0.0)
               ) * employees / WEEKS_PER_MONTH
    return float(audits + checks + detector + kpi)


def world_values(summaries: list[dict[str, Any]], measurement_usd: float) -> dict[str, np.ndarray]:
    """One candidate's per-world values (arrays over worlds) from its runs' summaries."""
    out = {key: np.array([float(s[key]) for s in summaries]) for key in SUMMARY_KEYS}
    out["measurement_cost_usd"] = np.full(len(summaries), measurement_usd)
    out["net_value_usd"] = out["true_value_usd"] - out["ai_spend_usd"] - measurement_usd
    out["overstatement_usd"] = out["reported_value_usd"] - out["true_value_usd"]
    return out


def objectives(values: dict[str, np.ndarray]) -> dict[str, float]:
    """Every objective of one candidate over the search's worlds (see :data:`OBJECTIVES`)."""
    net = values["net_value_usd"]
    return {
        "mean_net_value": float(np.mean(net)),
        "p10_net_value": float(np.quantile(net, ROBUST_QUANTILE)),
        "overstatement": float(np.mean(values["overstatement_usd"])),
        "honest_flags": float(np.mean(values["flags_on_honest"])),
        "measurement_cost": float(np.mean(values["measurement_cost_usd"])),
        "gaming_hours": float(np.mean(values["gaming_hours"])),
        "co2": float(np.mean(values["co2_kg"])),
    }


def regrets(net_by_candidate: np.ndarray) -> np.ndarray:
    """(candidates, worlds) net values -> each candidate's regret quantile: in each world, the best
    evaluated candidate's net value minus its own, at the REGRET_QUANTILE over worlds."""
    regret = net_by_candidate.max(axis=0, keepdims=True) - net_by_candidate
    return np.quantile(regret, REGRET_QUANTILE, axis=1)


def admissible(table: Any, rule: Recommend, scale: dict[str, float]) -> np.ndarray:
    """Which candidates (rows of the candidates table) meet the rule's limits. `scale` holds the
    current policy's mean reported value (`reported_usd`) and the organisation's employees and weeks."""
    ok = np.ones(len(table), dtype=bool)
    if rule.max_overstatement_share is not None:
        ok &= table["overstatement"].to_numpy() <= rule.max_overstatement_share * abs(scale["reported_usd"]) + 1e-9
    employee_weeks = scale["employees"] * scale["weeks"]
    if rule.max_honest_flags_per_employee_year is not None:
        per_year = table["honest_flags"].to_numpy() / employee_weeks * WEEKS_PER_YEAR
        ok &= per_year <= rule.max_honest_flags_per_employee_year + 1e-12
    if rule.max_gaming_hours_per_employee_week is not None:
        ok &= table["gaming_hours"].to_numpy() / employee_weeks <= rule.max_gaming_hours_per_employee_week + 1e-12
    return ok


def rule_text(rule: Recommend) -> str:
    """The rule that picked the recommendation, in words."""
    aim = {"robust": "the highest net value in the worst 10% of worlds (10th percentile over worlds)",
           "expected": "the highest expected (mean) net value over worlds",
           "regret": "the smallest regret in the worst 10% of worlds (90th percentile of the best evaluated "
                     "policy's net value in each world minus its own)",
           "cheapest": "the lowest measurement cost"}[rule.rule]
    limits = []
    if rule.max_overstatement_share is not None:
        limits.append(f"the dashboard overstates true value by at most {rule.max_overstatement_share:.0%} of the "
                      "current policy's reported value")
    if rule.max_honest_flags_per_employee_year is not None:
        limits.append(f"at most {rule.max_honest_flags_per_employee_year:g} flags per honest employee a year")
    if rule.max_gaming_hours_per_employee_week is not None:
        limits.append(f"at most {rule.max_gaming_hours_per_employee_week:g} hours of gaming per employee-week")
    among = f" among the policies for which {' and '.join(limits)}" if limits else " among all evaluated policies"
    return f"{aim}{among}; ties go to the higher mean net value"


__all__ = ["OBJECTIVES", "measurement_cost_usd", "world_values", "objectives", "regrets", "admissible", "rule_text"]
