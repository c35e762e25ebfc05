"""The headline numbers of one run, in reading order, each with its unit.

Shared by the CLI summary and the run report. The costs of gaming come first, largest first
(usually the working hours spent performing, not the tokens).
"""

from __future__ import annotations

from typing import Any

from sim.metrics import METRICS, display, kpi_periods
from sim.scenario.schema import Scenario


def gaming_costs(summary: dict[str, Any]) -> list[tuple[str, float, str]]:
    """(label, USD, detail) of each cost of gaming, largest first."""
    costs = [
        ("cost of gaming: working hours spent performing", summary["wasted_hours_cost_usd"],
         f"{summary['gaming_hours']:,.0f} hours of performative use and script upkeep at the loaded wage x capture share"),
        ("cost of gaming: AI spend on performative use", summary["wasted_spend_usd"],
         f"{display(summary['wasted_spend_share'], 'share')} of AI spend"),
    ]
    return sorted(costs, key=lambda item: -item[1])


def run_headlines(summary: dict[str, Any], scenario: Scenario, timeseries: Any = None) -> list[tuple[str, str]]:
    """(label, value with unit) rows for a run; with its `timeseries`, KPI inflation per regime
    period when the regime changed (tokens and actions do not add up)."""
    s = summary
    periods = kpi_periods(timeseries) if timeseries is not None else []
    inflation_detail = ("mean of the regime periods weighted by weeks; " + "; ".join(p.describe() for p in periods)
                        if len(periods) > 1 else "")

    def row(key: str, detail: str = "") -> tuple[str, str]:
        text = METRICS[key].display(s.get(key))
        return METRICS[key].label, f"{text} ({detail})" if detail else text

    costs = [item for item in gaming_costs(s) if item[1] > 0]
    rows = [(label, f"{display(usd, 'usd')} ({detail})") for label, usd, detail in costs] or [
        ("cost of gaming in hours and AI spend", "none (no performative use or scripts)")]
    rows += [
        row("roi_reported", f"valued by {s['valuation'].replace('_', ' ')}"),
        row("roi_true"),
        row("value_overstatement", f"{display(s['value_overstatement_usd'], 'usd')} more than the truth"),
        row("kpi_inflation", inflation_detail),
        row("performative_share"),
        row("gaming_share_mean"),
    ]
    if s["scripted_tokens"] > 0:
        rows.append(row("script_share_mean", f"{s['scripted_tokens']:,.0f} tokens, "
                        f"{display(s['scripted_tokens'] / s['tokens'], 'share')} of all tokens"))
    for key in ("misreported_hours", "misreported_completions", "manipulated_hours"):
        if s[key] > 0:
            rows.append(row(key))
    rows += [
        ("hours saved, claimed / in truth",
         f"{s['claimed_hours_saved_per_employee_week']:.2f} / {s['true_hours_saved_per_employee_week']:.2f} "
         "h per employee-week"),
        row("incentive_usd_per_employee_week", f"strength {scenario.kpi.strength:g} x "
            f"${scenario.economics.loaded_wage_usd_per_hour:g} loaded wage"),
        row("ai_spend_usd", f"seats {display(s['licence_cost_usd'] + s['enablement_cost_usd'], 'usd')}, "
            f"usage {display(s['usage_spend_usd'], 'usd')}"),
        row("co2_kg", f"{display(s['wasted_co2_kg'], 'kg CO2')} from performative use"),
    ]
    if s["flags"] > 0:
        rows.append(row("honest_flag_share", f"{s['flags']:,.0f} flags; {s['honest_employees_ever_flagged']:,} honest "
                        "employees flagged at least once"))
    rows.append(row("data_exposure_incidents"))
    return rows
