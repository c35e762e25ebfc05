"""Plain-word findings and cost working, computed from a run's summary and scenario.

Every number in the text comes from the summary or from scenario parameters; nothing is written
in by hand, and no article total is repeated.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from sim.engine.economics import JOULES_PER_KWH, WEEKS_PER_MONTH
from sim.scenario.schema import Scenario

TOKENS_PER_MTOK = 1e6


def usd(amount: float) -> str:
    """Dollars: cents below $100, whole dollars above."""
    return f"${amount:,.2f}" if abs(amount) < 100 else f"${amount:,.0f}"


def pct(share: float) -> str:
    return f"{share:.1%}"


def times(ratio: float) -> str:
    return f"{ratio:.1f} times"


def run_findings(summary: dict[str, Any], scenario: Scenario, ts: pd.DataFrame | None = None) -> list[str]:
    """What the numbers say, one sentence each, for a reader who has not seen the model."""
    s = summary
    out: list[str] = []
    over = s["value_overstatement"]
    if over == over and s["true_value_usd"] > 0:
        out.append(
            f"The dashboard overstates the value of AI {times(over)}: it credits {usd(s['reported_value_usd'])} "
            f"of hours saved, but the hours really saved, less the hours spent on performative use, are worth "
            f"{usd(s['true_value_usd'])}."
        )
    elif s["true_value_usd"] <= 0:
        out.append(
            f"The dashboard credits {usd(s['reported_value_usd'])} of hours saved, but in truth AI use cost "
            f"{usd(-s['true_value_usd'])} of working time: performative hours outweighed the hours saved."
        )
    if s["roi_reported"] == s["roi_reported"]:
        verdict = "loses money" if s["roi_true"] < 0 else "still pays"
        out.append(
            f"ROI as reported is {s['roi_reported']:,.1f}; in truth it is {s['roi_true']:,.1f}, so AI use {verdict}."
        )
    if s["ai_spend_usd"] > 0:
        out.append(
            f"{pct(s['wasted_spend_share'])} of AI spend bought nothing: {usd(s['wasted_spend_usd'])} of "
            f"{usd(s['ai_spend_usd'])} went on performative use."
        )
    out.append(
        f"{pct(s['performative_share'])} of all AI hours were performative; in the last week "
        f"{pct(s['gaming_share_final'])} of employees spent at least 6 minutes on performative use."
    )
    if s["co2_kg"] > 0:
        out.append(
            f"AI use emitted {s['co2_kg']:,.1f} kg of CO2, of which {s['wasted_co2_kg']:,.1f} kg "
            f"({pct(s['wasted_co2_kg'] / s['co2_kg'])}) came from performative tokens."
        )
    if s["flagged_employee_weeks"] > 0:
        out.append(
            f"Audits and the detector raised {s['flagged_employee_weeks']:,.0f} flags on employee-weeks; "
            f"{s['flagged_honest_employees']:,} employees were flagged at least once in a week when they "
            f"were not gaming."
        )
    if s["data_exposure_incidents"] > 0:
        count = s["data_exposure_incidents"]
        out.append(
            f"Scripted performative queries caused {count:,.0f} data-exposure "
            f"incident{'' if count == 1 else 's'} (confidential data sent to the model for show)."
        )
    if ts is not None:
        out.extend(intervention_findings(scenario, ts))
    return out


def intervention_findings(scenario: Scenario, ts: pd.DataFrame) -> list[str]:
    """Before and after each scheduled policy change: the performative share of AI hours."""
    out = []
    for intervention in scenario.management.interventions:
        before = ts[ts["week"] < intervention.week]
        after = ts[ts["week"] >= intervention.week]
        if before.empty or after.empty:
            continue
        share_before = _share(before)
        share_after = _share(after)
        change = ", ".join(f"{k} = {v}" for k, v in intervention.set.items())
        out.append(
            f"From week {intervention.week} the policy changed ({change}): performative use went from "
            f"{pct(share_before)} of AI hours before to {pct(share_after)} after."
        )
    return out


def _share(ts: pd.DataFrame) -> float:
    total = ts["genuine_hours"].sum() + ts["performative_hours"].sum()
    return float(ts["performative_hours"].sum() / total) if total > 0 else 0.0


def cost_working(summary: dict[str, Any], scenario: Scenario) -> list[str]:
    """Each cost, value and emission as a sum a reader can redo by hand."""
    s, sc = summary, scenario
    price = sc.pricing
    n, weeks = sc.organization.employees, sc.weeks
    lines: list[str] = []
    if sc.kpi.regime == "tokens":
        target = sc.kpi.resolved_target
        weekly = n * target * price.input_usd_per_mtok / TOKENS_PER_MTOK
        lines.append(
            f"Meeting the token target, priced as input tokens: {n:,} employees x {target:,.0f} tokens x "
            f"${price.input_usd_per_mtok:g} per million = {usd(weekly)} per week, {usd(weekly * weeks)} over "
            f"{weeks} weeks."
        )
    input_usd = s["input_tokens"] * price.input_usd_per_mtok / TOKENS_PER_MTOK
    output_usd = s["output_tokens"] * price.output_usd_per_mtok / TOKENS_PER_MTOK
    lines.append(
        f"Tokens used in the run: {s['input_tokens']:,.0f} input x ${price.input_usd_per_mtok:g} per million "
        f"= {usd(input_usd)}, plus {s['output_tokens']:,.0f} output x ${price.output_usd_per_mtok:g} per million "
        f"= {usd(output_usd)}; together {usd(s['token_cost_usd'])}, of which {usd(s['wasted_token_cost_usd'])} "
        f"for performative tokens."
    )
    if price.usd_per_action is not None:
        lines.append(
            f"Value-based pricing replaces the token bill: {s['actions']:,.0f} downstream actions x "
            f"${price.usd_per_action:g} per action = {usd(s['usage_spend_usd'])}."
        )
    if price.licence_usd_per_user_month > 0:
        months = weeks / WEEKS_PER_MONTH
        lines.append(
            f"Licences: {n:,} users x ${price.licence_usd_per_user_month:g} per month x {months:.1f} months "
            f"= {usd(s['licence_cost_usd'])}."
        )
    lines.append(f"AI spend = usage {usd(s['usage_spend_usd'])} + licences {usd(s['licence_cost_usd'])} = {usd(s['ai_spend_usd'])}.")
    wage = sc.economics.loaded_wage_usd_per_hour
    lines.append(
        f"Reported value: {s['claimed_hours_saved']:,.0f} hours claimed saved x ${wage:g} per hour = "
        f"{usd(s['reported_value_usd'])}."
    )
    lines.append(
        f"True value: ({s['true_hours_saved']:,.0f} hours really saved - {s['performative_hours']:,.0f} "
        f"performative hours) x ${wage:g} per hour = {usd(s['true_value_usd'])}."
    )
    e = sc.energy
    kwh = (s["input_tokens"] * e.joules_per_input_token + s["output_tokens"] * e.joules_per_output_token) * e.pue / JOULES_PER_KWH
    lines.append(
        f"Energy: ({s['input_tokens']:,.0f} input tokens x {e.joules_per_input_token:g} J + "
        f"{s['output_tokens']:,.0f} output tokens x {e.joules_per_output_token:g} J) x PUE {e.pue:g} = "
        f"{kwh:,.1f} kWh; x {e.grid_kg_co2_per_kwh:g} kg CO2 per kWh = {s['co2_kg']:,.1f} kg CO2."
    )
    return lines


def comparison_findings(table: pd.DataFrame, labels: list[str], replicates: int) -> list[str]:
    """Each scenario against the first one, in words (means over replicates)."""

    def mean(key: str, label: str) -> float:
        return float(table.loc[(key, "mean"), label])

    out = []
    for label in labels:
        over = mean("value_overstatement", label)
        wasted = mean("wasted_spend_share", label)
        parts = []
        if over == over:
            parts.append(f"the dashboard overstates the value of AI {times(over)}")
        if wasted == wasted:
            parts.append(f"{pct(wasted)} of AI spend bought nothing")
        parts.append(f"{pct(mean('performative_share', label))} of AI hours are performative")
        out.append(f"{label}: " + "; ".join(parts) + f" (means over {replicates} replicates).")
    base = labels[0]
    for label in labels[1:]:
        out.append(
            f"Compared with {base}, {label} changes the performative share of AI hours from "
            f"{pct(mean('performative_share', base))} to {pct(mean('performative_share', label))}, true ROI from "
            f"{mean('roi_true', base):,.1f} to {mean('roi_true', label):,.1f}, and spend on performative use from "
            f"{usd(mean('wasted_spend_usd', base))} to {usd(mean('wasted_spend_usd', label))}."
        )
    return out
