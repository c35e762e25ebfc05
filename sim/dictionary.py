"""The data dictionary: every column of a run's summary, its weekly time series and a sweep's table,
with its type, unit and meaning.

One source for docs/data-dictionary.md (generated), the Parquet files' schema metadata, and the
types the runner and the sweep store cast to (counts are integers). A summary value and a weekly
column of the same name mean the same thing; a flow's summary value is the sum of its weeks.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Literal

Kind = Literal["summary", "weekly", "both", "sweep", "market"]
Dtype = Literal["float64", "int64", "string", "bool"]


@dataclass(frozen=True)
class Column:
    name: str
    kind: Kind
    dtype: Dtype
    unit: str
    meaning: str


def _columns() -> list[Column]:
    both, weekly, summary, sweep, market = "both", "weekly", "summary", "sweep", "market"
    b = "bool"
    f, i, s = "float64", "int64", "string"
    return [
        # identity and configuration
        Column("name", summary, s, "", "scenario name (a label)"),
        Column("employees", both, i, "employees", "head-count of the organisation"),
        Column("weeks", summary, i, "weeks", "length of the run"),
        Column("seed", summary, i, "", "root seed of the run"),
        Column("kpi_regime", summary, s, "", "KPI regime at the start"),
        Column("kpi_scheme", summary, s, "", "incentive scheme"),
        Column("final_kpi_regime", summary, s, "", "KPI regime in force at the end (after interventions and audits)"),
        Column("valuation", summary, s, "", "how management values AI from its dashboard: kpi_benchmark or claimed_hours"),
        Column("week", weekly, i, "week", "week of the run, 1 to weeks"),
        Column("seats", weekly, i, "seats", "employees with an AI seat this week"),
        Column("mean_seats", summary, f, "seats", "seats on average over the run"),
        # hours
        Column("genuine_hours", both, f, "h", "AI hours of genuine (value-creating) use"),
        Column("performative_hours", both, f, "h", "AI hours of manual performative (metric-inflating) use"),
        Column("script_upkeep_hours", both, f, "h", "hours spent keeping scripts running"),
        Column("gaming_hours", summary, f, "h", "performative hours + script-upkeep hours"),
        Column("true_hours_saved", both, f, "h", "hours AI truly saved (genuine hours x true speed-up)"),
        Column("claimed_hours_saved", both, f, "h", "self-reported hours saved: honest claims plus deliberate over-claims"),
        Column("misreported_hours", both, f, "h", "deliberate over-claims of hours saved (part of claimed_hours_saved)"),
        Column("misreported_completions", both, f, "completions", "tasks marked done that were not"),
        Column("manipulated_hours", both, f, "h", "measured improvement manufactured (easy tasks, moved baselines)"),
        Column("honest_claimed_hours_saved", weekly, f, "h", "claims of employees not gaming this week"),
        Column("honest_true_hours_saved", weekly, f, "h", "true hours saved by employees not gaming this week"),
        Column("mean_perception_gap", weekly, f, "h per AI hour", "mean of believed minus true hours saved per genuine AI hour"),
        # usage
        Column("tokens", both, f, "tokens", "tokens consumed (genuine + performative, scripts included)"),
        Column("genuine_tokens", both, f, "tokens", "tokens of genuine use"),
        Column("performative_tokens", both, f, "tokens", "tokens of performative use, manual and scripted"),
        Column("scripted_tokens", both, f, "tokens", "tokens consumed by scripts (part of performative_tokens)"),
        Column("input_tokens", both, f, "tokens", "input (prompt) tokens"),
        Column("output_tokens", both, f, "tokens", "output (generated) tokens"),
        Column("queries", both, f, "queries", "requests sent (genuine + manual performative + scripted)"),
        Column("genuine_queries", both, f, "queries", "requests of genuine use"),
        Column("performative_queries", both, f, "queries", "requests of manual performative use"),
        Column("scripted_queries", both, f, "queries", "requests sent by scripts"),
        Column("actions", both, f, "actions", "requests followed by a downstream action"),
        # money
        Column("token_cost_usd", both, f, "USD", "tokens priced (input and output apart)"),
        Column("wasted_token_cost_usd", both, f, "USD", "cost of performative tokens"),
        Column("usage_spend_usd", both, f, "USD", "usage spend: tokens, or per-action fees, plus any unused prepaid allowance"),
        Column("unused_allowance_usd", both, f, "USD", "prepaid token allowance paid but not used"),
        Column("wasted_spend_usd", both, f, "USD", "usage spend on performative use"),
        Column("licence_cost_usd", both, f, "USD", "seat licences"),
        Column("enablement_cost_usd", both, f, "USD", "enablement per seat (training, integration, administration)"),
        Column("ai_spend_usd", both, f, "USD", "AI spend: usage + licences + enablement"),
        Column("reported_value_usd", both, f, "USD", "value of AI as management reads its dashboard"),
        Column("captured_value_usd", both, f, "USD", "true hours saved x wage x capture share"),
        Column("wasted_hours_cost_usd", both, f, "USD", "(performative + script-upkeep hours) x wage x capture share (economics.wasted_hour_share if set)"),
        Column("true_value_usd", both, f, "USD", "captured value - wasted hours cost"),
        Column("roi_reported", both, f, "ratio (1 = 100%)", "(reported value - AI spend) / AI spend (NaN with no AI spend)"),
        Column("roi_true", both, f, "ratio (1 = 100%)", "(true value - AI spend) / AI spend (NaN with no AI spend)"),
        Column("value_overstatement", summary, f, "ratio", "reported value / true value (NaN if true value <= 0)"),
        Column("value_overstatement_usd", summary, f, "USD", "reported value - true value"),
        Column("wasted_spend_share", summary, f, "share", "wasted spend / AI spend (NaN with no AI spend)"),
        Column("incentive_usd_per_employee_week", summary, f, "USD per employee-week", "kpi.strength x loaded wage"),
        # energy
        Column("energy_kwh", both, f, "kWh", "energy to serve the tokens (PUE included)"),
        Column("co2_kg", both, f, "kg CO2", "emissions of that energy"),
        Column("wasted_co2_kg", both, f, "kg CO2", "emissions of performative tokens"),
        # KPI and management
        Column("reported_kpi", both, f, "KPI units", "what the dashboard counts (summed over employees)"),
        Column("genuine_kpi", both, f, "KPI units", "what the same employees' genuine use alone would have produced"),
        Column("kpi_inflation", summary, f, "ratio", "reported_kpi / genuine_kpi (1 = no gaming; NaN when genuine use counts nothing); when the KPI regime changed, the mean of each regime period's ratio weighted by its weeks (units of different regimes do not add up)"),
        Column("reported_kpi_per_employee_week", summary, f, "KPI units per employee-week", "reported_kpi / (employees x weeks)"),
        Column("kpi_target", weekly, f, "KPI units per employee-week", "target in force (ratcheted)"),
        Column("final_kpi_target", summary, f, "KPI units per employee-week", "target in force at the end"),
        Column("kpi_strength", weekly, f, "h of pay at target", "strength in force (times the budget index if it drives it)"),
        Column("kpi_regime_code", weekly, i, "", "regime in force: its stable code in sim.scenario.regimes.REGISTRY"),
        Column("budget_index", weekly, f, "index (start = 1)", "AI budget relative to the start"),
        Column("final_budget_index", summary, f, "index (start = 1)", "budget index at the end"),
        Column("failed_roi_audits", summary, i, "audits", "audits of true ROI that failed"),
        Column("target_reached_share", weekly, f, "share", "share of employees at or above the target"),
        # gaming
        Column("gaming_employees", weekly, i, "employees", "employees gaming this week (performative use, a script or a misreport)"),
        Column("gaming_share", weekly, f, "share", "gaming_employees / employees"),
        Column("gaming_share_mean", summary, f, "share", "share of employee-weeks with any gaming"),
        Column("gaming_share_final", summary, f, "share", "share of employees gaming in the last week"),
        Column("scripts_running", weekly, i, "employees", "employees running a script this week"),
        Column("script_share_mean", summary, f, "share", "share of employee-weeks with a script running"),
        Column("manual_gamers", weekly, i, "employees", "employees with manual performative use this week"),
        Column("misreporting_employees", weekly, i, "employees", "employees gaming only by misreporting this week"),
        Column("performative_share", both, f, "share", "performative hours / all AI hours"),
        Column("active_users", weekly, i, "employees", "employees with at least the active-user threshold of queries"),
        Column("ai_hours_per_employee_week", summary, f, "h per employee-week", "genuine + performative hours per employee-week"),
        Column("claimed_hours_saved_per_employee_week", summary, f, "h per employee-week", "claimed_hours_saved / (employees x weeks)"),
        Column("true_hours_saved_per_employee_week", summary, f, "h per employee-week", "true_hours_saved / (employees x weeks)"),
        # enforcement
        Column("flagged_employees", weekly, i, "employees", "employees flagged this week (audits or detector)"),
        Column("flagged_honest_employees", weekly, i, "employees", "employees flagged this week while not gaming"),
        Column("honest_employees_ever_flagged", summary, i, "employees", "employees flagged at least once in a week when they were not gaming"),
        Column("flagged_employee_weeks", summary, i, "employee-weeks", "sum of flagged_employees"),
        Column("flagged_scripters", weekly, i, "employees", "employees running a script who were flagged this week"),
        Column("flagged_manual_gamers", weekly, i, "employees", "manual gamers (no script) flagged this week"),
        Column("audit_flags", both, i, "flags", "hours flagged by audits"),
        Column("detector_flags", both, i, "flags", "hours flagged by the anomaly detector"),
        Column("flags", summary, i, "flags", "audit_flags + detector_flags"),
        Column("flags_on_honest", both, i, "flags", "flags raised on employees not gaming that week"),
        Column("honest_flag_share", summary, f, "share", "flags_on_honest / flags (NaN when there are no flags)"),
        Column("claims_caught", both, f, "misreport units", "over-claims caught by claim checks"),
        Column("data_exposure_incidents", both, i, "incidents", "confidential data sent to the model"),
        Column("mean_payoff", weekly, f, "h of utility", "mean realised utility of employees this week"),
        # sweep tables
        Column("run_index", sweep, i, "", "run of the sweep (point x replicates + replicate)"),
        Column("point", sweep, i, "", "design point"),
        Column("replicate", sweep, i, "", "replicate of the point"),
        Column("status", sweep, s, "", "ok or failed"),
        Column("error", sweep, s, "", "why a failed run failed (null when ok)"),
        # market tables (industry.parquet: one row per week; firms.parquet: one row per firm and week)
        Column("firms", market, i, "firms", "organisations in the market"),
        Column("firm", market, i, "", "firm number, 0 to firms - 1"),
        Column("policy", market, s, "", "the KPI policy the firm runs this week (a name from the market file)"),
        Column("firms_on_<policy>", market, i, "firms", "firms running that policy this week (one column per policy)"),
        Column("inflating", market, b, "", "the firm's policy inflated ROI by at least 25 percentage points in the run"),
        Column("revealed", market, b, "", "an outside audit has revealed the firm's true ROI"),
        Column("measurement_cost_usd", market, f, "USD", "cost of measuring the KPI (policy price x employees)"),
        Column("reported_gain_usd_per_employee_week", market, f, "USD per employee-week",
               "reported value - AI spend - measurement cost, per employee"),
        Column("true_gain_usd_per_employee_week", market, f, "USD per employee-week",
               "true value - AI spend - measurement cost, per employee"),
        Column("credited_gain_usd_per_employee_week", market, f, "USD per employee-week",
               "what investors credit the firm (industry: the employee-weighted mean) with: reported and true gains, weighted and smoothed"),
        Column("corrected", market, b, "", "the correction has come"),
        Column("value_based_pricing", market, b, "", "the vendor bills per downstream action"),
        Column("recommended_policy", market, s, "", "the policy the vendor recommends (after the last review)"),
        Column("vendor_seats_usd", market, f, "USD", "vendor revenue from seat licences"),
        Column("vendor_productive_usage_usd", market, f, "USD", "vendor usage revenue from genuine work"),
        Column("vendor_performative_usage_usd", market, f, "USD", "vendor usage revenue from performative use"),
        Column("vendor_unused_allowance_usd", market, f, "USD", "prepaid token allowance paid but not used"),
        # a market's summary (summary.json of `tokenmaxx market`; one row per run in a market sweep)
        Column("employees_per_firm_mean", market, f, "employees", "mean head-count of a firm"),
        Column("inflating_policies", market, s, "", "policies whose dashboards overstated ROI by at least 25 points, comma-separated"),
        Column("inflating_share_start", market, f, "share", "share of firms on inflating policies in week 1"),
        Column("inflating_share_peak", market, f, "share", "highest weekly share of firms on inflating policies"),
        Column("inflating_share_peak_week", market, i, "week", "week of that peak"),
        Column("inflating_share_end", market, f, "share", "share of firms on inflating policies in the last week"),
        Column("policy_true_roi_start", market, f, "ratio", "pooled true ROI of the policies firms hold in the first week (firm-weighted; the race measured on true value)"),
        Column("policy_true_roi_end", market, f, "ratio", "the same in the last week"),
        Column("policy_moves", market, f, "moves", "policy changes of firms over the run"),
        Column("moves_to_lower_true_roi_share", market, f, "share", "share of policy changes to a policy of lower pooled true ROI (NaN: no change)"),
        Column("correction_week", market, i, "week", "week the correction came (null: it never came)"),
        Column("scandals", market, i, "scandals", "outside audits that found ROI overstated by the scandal gap or more"),
        Column("value_based_pricing_week", market, i, "week", "week the vendor moved to value-based pricing (null: never)"),
        Column("price_usd_per_action", market, f, "USD per action", "the vendor's value-based price"),
        Column("credited_honest_before_usd", market, f, "USD per employee-week",
               "mean credited gain of firms on honest policies before the correction (whole run if none)"),
        Column("credited_inflating_before_usd", market, f, "USD per employee-week",
               "mean credited gain of firms on inflating policies before the correction (whole run if none)"),
        Column("credited_honest_after_usd", market, f, "USD per employee-week",
               "the same for honest policies, from one review period after the correction (null: no correction)"),
        Column("credited_inflating_after_usd", market, f, "USD per employee-week",
               "the same for inflating policies, from one review period after the correction (null: no correction)"),
        Column("ai_spend_peak_week", market, i, "week", "week of the industry's highest weekly AI spend"),
        Column("ai_spend_growth", market, f, "x", "peak weekly AI spend / week-1 AI spend"),
        Column("ai_spend_end_vs_peak", market, f, "x", "last week's AI spend / peak weekly AI spend"),
        Column("investor_weight_reported", market, f, "share",
               "mean over firms of the weight investors put on reported figures this week (0 for audited firms; learned with investors.prior_audits)"),
        Column("downhill_share", market, f, "share",
               "share of firms on a policy of lower pooled true ROI than the one they held in week 1 (the race measured on true value)"),
        Column("inflating_share_at_correction", market, f, "share", "share of firms on inflating policies in the correction's week (NaN: no correction)"),
        Column("downhill_share_end", market, f, "share", "downhill_share in the last week"),
        Column("credit_crossover_week", market, i, "week",
               "week from which investors credit firms on honest policies above firms on inflating ones to the end (null: never)"),
        Column("investor_weight_reported_end", market, f, "share", "investor_weight_reported in the last week"),
        Column("seat_bound_share", market, f, "share",
               "share of firm-weeks in which every employee had a seat (the physical bound on spend binds)"),
        Column("ai_spend_end_usd_per_week", market, f, "USD per week", "the industry's AI spend in the last week"),
        Column("vendor_revenue_usd", market, f, "USD", "the vendor's revenue: seats, usage and unused allowance"),
        Column("vendor_performative_usd", market, f, "USD", "vendor usage revenue from performative use over the run"),
    ]


DICTIONARY: dict[str, Column] = {c.name: c for c in _columns()}
"""Every column by name."""

SUMMARY = {n: c for n, c in DICTIONARY.items() if c.kind in ("summary", "both")}
WEEKLY = {n: c for n, c in DICTIONARY.items() if c.kind in ("weekly", "both")}
INTEGER_WEEKLY = tuple(n for n, c in WEEKLY.items() if c.dtype == "int64")
INTEGER_SUMMARY = tuple(n for n, c in SUMMARY.items() if c.dtype == "int64")

MARKET_SUMMARY_NAMES = (
    "firms", "weeks", "employees_per_firm_mean", "inflating_policies", "inflating_share_start",
    "inflating_share_peak", "inflating_share_peak_week", "inflating_share_end", "policy_true_roi_start",
    "policy_true_roi_end", "policy_moves", "moves_to_lower_true_roi_share", "correction_week", "scandals",
    "value_based_pricing_week", "price_usd_per_action", "credited_honest_before_usd",
    "credited_inflating_before_usd", "credited_honest_after_usd", "credited_inflating_after_usd", "roi_reported",
    "roi_true", "ai_spend_usd", "ai_spend_peak_week", "ai_spend_growth", "ai_spend_end_vs_peak",
    "inflating_share_at_correction", "downhill_share_end", "credit_crossover_week", "investor_weight_reported_end",
    "seat_bound_share", "ai_spend_end_usd_per_week",
    "measurement_cost_usd", "wasted_spend_usd", "wasted_spend_share", "wasted_hours_cost_usd", "co2_kg",
    "wasted_co2_kg", "vendor_revenue_usd", "vendor_performative_usd", "vendor_seats_usd", "gaming_share_mean",
)
"""The scalar values of a market's summary: a market sweep's metric columns."""
MARKET_SUMMARY = {n: DICTIONARY[n] for n in MARKET_SUMMARY_NAMES}


def design_column(path: str) -> str:
    """A sweep's column for a varied key path: dots become double underscores (kpi.strength ->
    kpi__strength), so pandas' query, polars and SQL reach it without quoting."""
    return path.replace(".", "__")


def parquet_metadata(columns: list[str], design: dict[str, str] | None = None) -> dict[bytes, bytes]:
    """Schema metadata for a Parquet file: each known column's unit and meaning, and the key path
    of each design column."""
    described = {c: {"unit": DICTIONARY[c].unit, "meaning": DICTIONARY[c].meaning} for c in columns if c in DICTIONARY}
    payload = {"columns": described, "design_columns": design or {}}
    return {b"tokenmaxxing": json.dumps(payload).encode()}


def write_parquet(frame: Any, path: Any, design: dict[str, str] | None = None) -> None:
    """Write a pandas frame to Parquet with the dictionary's units and meanings in its schema
    metadata (pandas' own metadata kept)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.Table.from_pandas(frame, preserve_index=False)
    metadata = {**(table.schema.metadata or {}), **parquet_metadata(list(frame.columns), design)}
    pq.write_table(table.replace_schema_metadata(metadata), path)


def render_markdown() -> str:
    """docs/data-dictionary.md."""
    lines = [
        "<!-- Generated by `python -m sim.docs_gen` from sim/dictionary.py. Do not edit by hand. -->",
        "",
        "# Data dictionary",
        "",
        "Every column of a run's `summary.json`, its weekly `timeseries.parquet`/`.csv`, and a sweep's `runs.parquet`. "
        "A name means the same thing in the summary and the weekly series; a flow's summary value is the sum of its "
        "weeks. Counts are integers. ROI is a ratio in data files (1.0 = 100%). Sweep tables also hold one column "
        "per varied key path, named with double underscores (`kpi.strength` -> `kpi__strength`; the mapping is in "
        "the sweep's metadata.json and the Parquet schema metadata), and every summary column below, present for "
        "failed runs too (null; pandas reads an integer column with nulls as float64 unless asked for "
        "`pd.read_parquet(path, dtype_backend=\"numpy_nullable\")`, which keeps it Int64; polars and duckdb keep it "
        "integer). A market's `industry.parquet` (one row per week, totals over firms) and "
        "`firms.parquet` (one row per firm and week) use the weekly names above for the same quantities, plus the "
        "market columns at the end.",
        "",
        "Over plausible worlds (`tokenmaxx run` without `--seed`), `worlds.csv` has one row per world: `world`, "
        "`draw` (the row of the posterior file), `seed`, one column per drawn parameter (its key path), every summary "
        "column below, `baseline_<column>` for the counterfactual's values and `effect_<column>` for the paired "
        "difference (scenario minus counterfactual, the same world). Its `summary.json` holds each of those columns "
        "as `{median, q05, q95, p_negative, worlds}` (the median, the 5th and 95th percentiles over worlds, the share "
        "of worlds below zero and how many worlds had a value), and the summary of the one world shown in detail "
        "under `one_world`.",
        "",
        "| column | in | type | unit | meaning |",
        "|---|---|---|---|---|",
    ]
    where = {"summary": "summary", "weekly": "weekly", "both": "summary, weekly", "sweep": "sweep table",
             "market": "market tables"}
    for c in DICTIONARY.values():
        lines.append(f"| `{c.name}` | {where[c.kind]} | {c.dtype} | {c.unit} | {c.meaning} |")
    return "\n".join(lines) + "\n"
