"""Plain-word findings and cost working, computed from a run's summary and scenario.

Every number in the text comes from the summary or from scenario parameters; nothing is written
in by hand, and no article total is repeated.
"""

from __future__ import annotations

import math

from typing import Any

import pandas as pd

from sim.engine.economics import JOULES_PER_KWH, WEEKS_PER_MONTH
from sim.engine.management import KPI_UNITS
from sim.metrics import kpi_periods
from sim.report.headlines import gaming_costs
from sim.scenario.schema import REGIMES, Scenario

TOKENS_PER_MTOK = 1e6


def usd(amount: float) -> str:
    """Dollars: cents below $100, whole dollars above."""
    return f"${amount:,.2f}" if abs(amount) < 100 else f"${amount:,.0f}"


def pct(share: float) -> str:
    return f"{share:.1%}"


def times(ratio: float) -> str:
    return f"{ratio:.1f} times"


def roi_pct(ratio: float) -> str:
    """ROI, a ratio in data files, as a percentage ("n/a" when undefined: nothing was spent)."""
    return f"{ratio:,.0%}" if math.isfinite(ratio) else "n/a"


def run_findings(
    summary: dict[str, Any], scenario: Scenario, ts: pd.DataFrame | None = None,
    events: list[tuple[int, str]] | None = None,
) -> list[str]:
    """What the numbers say, one sentence each, for a reader who has not seen the model."""
    s = summary
    wage = scenario.economics.loaded_wage_usd_per_hour
    out: list[str] = []
    if s["ai_spend_usd"] <= 0:
        out.append("No AI was bought or used in this run (AI spend $0: no seats, no usage), so there is no AI "
                   "use to value and every ratio to AI spend is undefined (n/a).")
    if scenario.kpi.strength > 0:
        out.append(
            f"The KPI is worth up to {usd(s['incentive_usd_per_employee_week'])} a week to each employee who "
            f"reaches the target (strength {scenario.kpi.strength:g}: "
            f"{scenario.kpi.strength:g} hour{'' if scenario.kpi.strength == 1 else 's'} of pay at ${wage:g} an hour)."
        )
    costs = gaming_costs(s)
    if s["performative_hours"] > 0:
        (first, first_usd, first_detail), (second, second_usd, second_detail) = costs
        out.append(
            f"The largest cost of gaming is {first.split(': ', 1)[1]}: {usd(first_usd)} ({first_detail}); "
            f"then {second.split(': ', 1)[1]}: {usd(second_usd)} ({second_detail})."
        )
    else:
        out.append("Nobody gamed the metric with AI activity: no working hours or AI spend went on performative use.")
    out.extend(strategy_findings(s))
    how = ("valuing the reported KPI at what each unit was worth in an honest pilot"
           if s["valuation"] == "kpi_benchmark" else "valuing every claimed hour saved at the full wage")
    over = s["value_overstatement"]
    if s["true_value_usd"] > 0 and over == over:
        out.append(
            f"Management, {how}, credits AI with {usd(s['reported_value_usd'])}; the true value (hours really "
            f"saved, less the hours spent performing, each hour valued at the {scenario.economics.capture_share:.0%} "
            f"of the wage that is output) is {usd(s['true_value_usd'])}: overstated {times(over)}."
        )
    elif s["true_value_usd"] < 0:
        out.append(
            f"Management, {how}, credits AI with {usd(s['reported_value_usd'])}; in truth AI use lost "
            f"{usd(-s['true_value_usd'])}: the hours spent performing outweighed the value of the hours saved."
        )
    else:
        out.append(
            f"Management, {how}, credits AI with {usd(s['reported_value_usd'])}; in truth AI use created no "
            f"value: no hours were saved and none were spent performing."
        )
    if s["roi_reported"] == s["roi_reported"]:
        verdict = "loses money" if s["roi_true"] < 0 else "still pays"
        out.append(
            f"ROI as reported is {roi_pct(s['roi_reported'])}; in truth it is {roi_pct(s['roi_true'])}, so AI use "
            f"{verdict}."
        )
    periods = kpi_periods(ts) if ts is not None else []
    if len(periods) > 1:
        out.append("The KPI counted different things in turn, so its inflation is given per regime: " + "; ".join(
            f"{p.regime} (weeks {p.first_week}-{p.last_week}) ran {pct(p.kpi_inflation - 1)} above what genuine use "
            "alone would have counted" if p.kpi_inflation == p.kpi_inflation else
            f"{p.regime} (weeks {p.first_week}-{p.last_week}) counted nothing of genuine use" for p in periods) + ".")
    elif s["kpi_inflation"] == s["kpi_inflation"] and s["kpi_inflation"] > 1.005:
        out.append(
            f"The dashboard's KPI runs {pct(s['kpi_inflation'] - 1)} above what the same employees' genuine use "
            f"alone would have produced (the seed article puts performative adoption at 20-40%)."
        )
    out.append(
        f"{pct(s['performative_share'])} of all AI hours were performative; {pct(s['gaming_share_mean'])} of "
        f"employee-weeks included some gaming (performative use, a script or a misreport), "
        f"{pct(s['gaming_share_final'])} of employees in the last week."
    )
    claimed, true = s["claimed_hours_saved_per_employee_week"], s["true_hours_saved_per_employee_week"]
    belief = (" (employees believe AI helps more than it does, as METR found for experienced developers)"
              if claimed > true else "")
    out.append(
        f"Employees claimed {claimed:.2f} hours saved per week; AI truly saved them {true:.2f}{belief}. Field "
        f"surveys without KPI pressure report about 1.1 h a week (Humlum and Vestergaard 2025)."
    )
    if s["co2_kg"] > 0:
        out.append(
            f"AI use emitted {s['co2_kg']:,.1f} kg of CO2, of which {s['wasted_co2_kg']:,.1f} kg "
            f"({pct(s['wasted_co2_kg'] / s['co2_kg'])}) came from performative tokens."
        )
    if s["flags"] > 0:
        out.append(
            f"Audits and the detector raised {s['flags']:,.0f} flags; {pct(s['honest_flag_share'])} of them hit "
            f"employees who were not gaming that week, and {s['honest_employees_ever_flagged']:,} employees were "
            f"flagged at least once while honest."
        )
    if s["data_exposure_incidents"] > 0:
        count = s["data_exposure_incidents"]
        out.append(
            f"AI use caused {count:,.0f} data-exposure incident{'' if count == 1 else 's'} (confidential data sent "
            f"to the model): genuine prompts carry real data too, performative and above all scripted ones "
            f"far more per query."
        )
    if ts is not None:
        out.extend(intervention_findings(scenario, ts))
        out.extend(management_findings(s, ts, events or []))
    return out


def management_findings(s: dict[str, Any], ts: pd.DataFrame, events: list[tuple[int, str]]) -> list[str]:
    """What management did: the target ratchet, the budget, finance's audits of true ROI."""
    out = []
    first, last = ts["kpi_target"].iloc[0], ts["kpi_target"].iloc[-1]
    if ts["kpi_target"].nunique() > 1 and s["kpi_regime"] == s["final_kpi_regime"]:
        out.append(f"The target ratchet raised the KPI target from {first:,.6g} to {last:,.6g} per employee-week.")
    if ts["budget_index"].nunique() > 1:
        peak = int(ts.loc[ts["budget_index"].idxmax(), "week"])
        out.append(
            f"Budget reviews on reported ROI took the AI budget to {ts['budget_index'].max():.2f} times its start "
            f"(week {peak}); it ended at {ts['budget_index'].iloc[-1]:.2f} times."
        )
    for week, text in events:
        out.append(f"Week {week}: {text}.")
    return out


def strategy_findings(s: dict[str, Any]) -> list[str]:
    """How employees gamed: by hand, by script, by misreporting."""
    out = []
    if s["scripted_tokens"] > 0:
        out.append(
            f"Scripts looping prompts ran in {pct(s['script_share_mean'])} of employee-weeks and burnt "
            f"{s['scripted_tokens']:,.0f} tokens ({pct(s['scripted_tokens'] / s['tokens'])} of all tokens) for "
            f"{s['script_upkeep_hours']:,.0f} hours of upkeep: compute wasted at little cost in working time."
        )
    if s["misreported_hours"] > 0:
        out.append(
            f"Employees over-claimed {s['misreported_hours']:,.0f} hours saved on purpose "
            f"({pct(s['misreported_hours'] / s['claimed_hours_saved'])} of all claimed hours), on top of honest "
            f"claims that already exceed the truth."
        )
    if s["misreported_completions"] > 0:
        out.append(f"{s['misreported_completions']:,.0f} tasks were marked done that were not.")
    if s["manipulated_hours"] > 0:
        out.append(
            f"{s['manipulated_hours']:,.0f} hours of measured improvement were manufactured (easy tasks chosen, "
            f"baselines moved): the outcome KPI is gameable, but only a little ({pct(s['kpi_inflation'] - 1)} "
            f"inflation)."
        )
    if s["claims_caught"] > 0:
        out.append(f"Claim checks caught {s['claims_caught']:,.0f} units of over-claim.")
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
        target = after["kpi_target"].iloc[0]
        if "kpi.target" not in intervention.set and after["kpi_regime_code"].iloc[0] != before["kpi_regime_code"].iloc[-1]:
            regime = REGIMES[int(after["kpi_regime_code"].iloc[0])]
            change += f"; the target became that regime's default, {target:,g} {KPI_UNITS[regime]} a week"
        out.append(
            f"From week {intervention.week} the policy changed ({change}): performative use went from "
            f"{pct(share_before)} of AI hours before to {pct(share_after)} after."
        )
    return out


def _share(ts: pd.DataFrame) -> float:
    total = ts["genuine_hours"].sum() + ts["performative_hours"].sum()
    return float(ts["performative_hours"].sum() / total) if total > 0 else 0.0


def cost_working(summary: dict[str, Any], scenario: Scenario, ts: pd.DataFrame | None = None) -> list[str]:
    """Each cost, value and emission as a sum a reader can redo by hand; with the time series, the
    reported value per KPI regime period when the regime changed."""
    s, sc = summary, scenario
    price = sc.pricing
    n, weeks = sc.organization.employees, sc.weeks
    lines: list[str] = []
    periods = kpi_periods(ts) if ts is not None else []
    token_weeks = sum(p.weeks for p in periods if p.regime == "tokens") if periods else (
        weeks if sc.kpi.regime == "tokens" else 0)
    if sc.kpi.regime == "tokens" and token_weeks:
        target = sc.kpi.resolved_target
        weekly = n * target * price.input_usd_per_mtok / TOKENS_PER_MTOK
        span = f"the {token_weeks} weeks under the token KPI" if token_weeks != weeks else f"{weeks} weeks"
        lines.append(
            f"Meeting the token target, priced as input tokens: {n:,} employees x {target:,.0f} tokens x "
            f"${price.input_usd_per_mtok:g} per million = {usd(weekly)} per week, {usd(weekly * token_weeks)} over "
            f"{span}."
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
    months = weeks / WEEKS_PER_MONTH
    seats = s.get("mean_seats", n)
    seats_text = f"{seats:,.0f} seats" if seats == n else f"{seats:,.1f} seats on average"
    if price.licence_usd_per_user_month > 0:
        lines.append(
            f"Licences: {seats_text} x ${price.licence_usd_per_user_month:g} per month x {months:.1f} months "
            f"= {usd(s['licence_cost_usd'])}."
        )
    if price.enablement_usd_per_user_month > 0:
        lines.append(
            f"Enablement (training, integration, administration): {seats_text} x "
            f"${price.enablement_usd_per_user_month:g} per month x {months:.1f} months = {usd(s['enablement_cost_usd'])}."
        )
    if s.get("unused_allowance_usd", 0) > 0:
        lines.append(f"Prepaid token allowance not used: {usd(s['unused_allowance_usd'])} (in usage spend).")
    lines.append(
        f"AI spend = usage {usd(s['usage_spend_usd'])} + licences {usd(s['licence_cost_usd'])} + enablement "
        f"{usd(s['enablement_cost_usd'])} = {usd(s['ai_spend_usd'])}."
    )
    wage = sc.economics.loaded_wage_usd_per_hour
    if s["valuation"] == "claimed_hours":
        lines.append(
            f"Reported value (claimed hours): {s['claimed_hours_saved']:,.0f} hours claimed saved x ${wage:g} per "
            f"hour = {usd(s['reported_value_usd'])}."
        )
    elif len(periods) > 1:
        parts = [f"weeks {p.first_week}-{p.last_week}, {p.reported_kpi:,.0f} {KPI_UNITS[p.regime]} x "
                 f"{_unit_price(p.reported_value_usd, p.reported_kpi)} = {usd(p.reported_value_usd)}" for p in periods]
        lines.append(
            "Reported value (KPI benchmark), each KPI regime priced at the true value per unit in an honest pilot "
            f"with no KPI pressure: {'; '.join(parts)}; together {usd(s['reported_value_usd'])}."
        )
    else:
        lines.append(
            f"Reported value (KPI benchmark): {s['reported_kpi']:,.0f} {KPI_UNITS[sc.kpi.regime]} on the dashboard "
            f"x {_unit_price(s['reported_value_usd'], s['reported_kpi'])} (the true value per unit in an honest pilot "
            f"with no KPI pressure) = {usd(s['reported_value_usd'])}."
        )
    capture = sc.economics.capture_share
    wasted = capture if sc.economics.wasted_hour_share is None else sc.economics.wasted_hour_share
    lines.append(
        f"True value: {s['true_hours_saved']:,.0f} hours really saved x ${wage:g} x {capture:g} captured "
        f"= {usd(s['captured_value_usd'])}, less ({s['performative_hours']:,.0f} performative + "
        f"{s['script_upkeep_hours']:,.0f} script-upkeep hours) x ${wage:g} x {wasted:g} "
        f"= {usd(s['wasted_hours_cost_usd'])} (the same opportunity cost per hour"
        f"{'' if sc.economics.wasted_hour_share is None else ': no, set by economics.wasted_hour_share'}): "
        f"{usd(s['true_value_usd'])}."
    )
    lines.append(
        f"ROI = (value - spend) / spend: reported ({usd(s['reported_value_usd'])} - {usd(s['ai_spend_usd'])}) / "
        f"{usd(s['ai_spend_usd'])} = {roi_pct(s['roi_reported'])}; true ({usd(s['true_value_usd'])} - "
        f"{usd(s['ai_spend_usd'])}) / {usd(s['ai_spend_usd'])} = {roi_pct(s['roi_true'])}."
    )
    e = sc.energy
    kwh = (s["input_tokens"] * e.joules_per_input_token + s["output_tokens"] * e.joules_per_output_token) * e.pue / JOULES_PER_KWH
    lines.append(
        f"Energy: ({s['input_tokens']:,.0f} input tokens x {e.joules_per_input_token:g} J + "
        f"{s['output_tokens']:,.0f} output tokens x {e.joules_per_output_token:g} J) x PUE {e.pue:g} = "
        f"{kwh:,.1f} kWh; x {e.grid_kg_co2_per_kwh:g} kg CO2 per kWh = {s['co2_kg']:,.1f} kg CO2."
    )
    return lines


def _unit_price(value_usd: float, units: float) -> str:
    """'$1.20 per 1,000 units': the value per KPI unit, scaled to be readable."""
    per_unit = value_usd / units if units else float("nan")
    scale = 1.0
    while per_unit == per_unit and 0 < abs(per_unit) * scale < 0.1:
        scale *= 1000.0
    return (f"${per_unit * scale:,.2f} per {scale:,.0f} units" if math.isfinite(per_unit)
            else "a value per unit (none: nothing was counted)")


def comparison_findings(table: pd.DataFrame, labels: list[str], replicates: int,
                        differences: pd.DataFrame | None = None) -> list[str]:
    """Each scenario, then each against the first one, in words (medians over worlds; with the
    paired `differences` of :func:`sim.compare.paired`, how often each beats the first)."""

    def mean(key: str, label: str) -> float:
        return float(table.loc[(key, "median"), label])

    out = []
    for label in labels:
        over = mean("value_overstatement", label)
        wasted = mean("wasted_spend_share", label)
        parts = []
        parts.append(f"ROI {roi_pct(mean('roi_reported', label))} as reported, {roi_pct(mean('roi_true', label))} in truth")
        more = usd(mean("value_overstatement_usd", label))
        if over == over:
            parts.append(f"the dashboard overstates the value of AI {times(over)} ({more} more than the truth)")
        else:
            parts.append(f"the dashboard credits AI with {more} more than its true value")
        if wasted == wasted:
            parts.append(f"{pct(wasted)} of AI spend bought nothing")
        parts.append(f"{pct(mean('performative_share', label))} of AI hours are performative")
        out.append(f"{label}: " + "; ".join(parts) + f" (medians over {replicates} worlds).")
    base = labels[0]
    for label in labels[1:]:
        if differences is not None and len(differences):
            from sim.report.ensemble import chance, interval_text

            row = differences[(differences["scenario"] == label) & (differences["metric"] == "true_value_usd")].iloc[0]
            p = row["p_better"]
            verdict = (f"{label} creates more true value than {base} in {chance(p)} of worlds"
                       + (" (almost always better)" if p >= 0.95 else " (almost always worse)" if p <= 0.05
                          else ": which is better is not settled"))
            scale = " per employee-week" if row["label"].endswith("per employee-week") else " over the run"
            out.append(f"World by world, {verdict}; the difference is "
                       f"{interval_text(row.to_dict(), row['unit'], signed=True)}{scale} (median [90% interval]).")
        out.append(
            f"Compared with {base}, {label} changes the performative share of AI hours from "
            f"{pct(mean('performative_share', base))} to {pct(mean('performative_share', label))}, true ROI from "
            f"{roi_pct(mean('roi_true', base))} to {roi_pct(mean('roi_true', label))}, reported ROI from "
            f"{roi_pct(mean('roi_reported', base))} to {roi_pct(mean('roi_reported', label))}, and the cost of "
            f"gaming (performative hours and spend) from "
            f"{usd(mean('wasted_hours_cost_usd', base) + mean('wasted_spend_usd', base))} to "
            f"{usd(mean('wasted_hours_cost_usd', label) + mean('wasted_spend_usd', label))}."
        )
    return out
