"""Defaults that come from the world, each with its source.

Every number here is used as a scenario default in :mod:`sim.scenario.schema`. Values marked
``ASSUMPTION`` have no published measurement; they are illustrative and meant to be swept.
The ``SOURCES`` table maps each scenario key path to the citation shown by ``tokenmaxx show``.
"""

from __future__ import annotations

# --- Prices -------------------------------------------------------------------------------
CLAUDE_35_SONNET_INPUT_USD_PER_MTOK = 3.0
CLAUDE_35_SONNET_OUTPUT_USD_PER_MTOK = 15.0
PRICE_SOURCE = "Anthropic price list for Claude 3.5 Sonnet: $3 / M input, $15 / M output tokens (seed article)"

COPILOT_M365_USD_PER_USER_MONTH = 30.0
COPILOT_SOURCE = "Microsoft 365 Copilot list price, $30 per user per month (Microsoft, Nov 2023)"

# --- Targets -------------------------------------------------------------------------------
AMAZON_TOKENS_PER_ENGINEER_WEEK = 50_000
AMAZON_TARGET_SOURCE = "Amazon token target, 50,000 tokens per engineer per week (seed article)"

# --- Productivity effects (hours saved per hour of genuine AI use) --------------------------
# Peng et al. 2023 (arXiv 2302.06590): 55.8% less time on a controlled task -> 1/(1-0.558)-1 = 1.26
# Brynjolfsson, Li, Raymond (NBER w31161): +14% productivity -> 0.14 (novices +34%, top ~0)
# METR, Becker et al. 2025 (arXiv 2507.09089): 19% slower -> 1/1.19-1 = -0.16
# Dell'Acqua et al. (HBS 24-013): 25.1% faster inside the frontier -> 1/(1-0.251)-1 = 0.34
SPEEDUP_MEAN = 0.2
SPEEDUP_SD = 0.3
SPEEDUP_SOURCE = (
    "hours saved per genuine AI hour: +0.14 Brynjolfsson et al. NBER w31161; +0.34 Dell'Acqua et al. "
    "HBS 24-013; -0.16 METR arXiv 2507.09089; +1.26 Peng et al. arXiv 2302.06590 (lab task); "
    "mean 0.2, sd 0.3 spans them"
)
# METR: developers were 19% slower but believed they were 20% faster: a perception gap of
# about 0.4 hours per AI hour among experts; we take a smaller population mean.
SELF_REPORT_BIAS_MEAN = 0.1
SELF_REPORT_BIAS_SD = 0.1
SELF_REPORT_BIAS_SOURCE = (
    "perceived minus true hours saved per AI hour; METR arXiv 2507.09089 measured ~0.4 "
    "(believed +20%, measured -19%) for experts; population mean 0.1 is an ASSUMPTION"
)

# --- Usage profiles (ASSUMPTION unless stated) -----------------------------------------------
GENUINE_TOKENS_PER_HOUR = 6_000.0  # ~12 queries of ~500 tokens: ASSUMPTION
GENUINE_QUERIES_PER_HOUR = 12.0
PERFORMATIVE_TOKENS_PER_HOUR = 40_000.0  # long documents and loops, "thousands of tokens per minute" when scripted (seed)
PERFORMATIVE_QUERIES_PER_HOUR = 30.0
GENUINE_ACTION_RATE = 0.5
PERFORMATIVE_ACTION_RATE = 0.02
ACTION_RATE_SOURCE = (
    "share of interactions followed by a downstream action; ~30% of Einstein GPT interactions "
    "overall (Salesforce, seed); the split between genuine and performative use is an ASSUMPTION"
)
OUTPUT_TOKEN_SHARE = 0.3  # ASSUMPTION
DONE_RATE_GENUINE = 0.6  # share of interactions self-marked "done": ASSUMPTION
DONE_RATE_PERFORMATIVE = 0.9  # marked as far as the employee likes: ASSUMPTION
REPEAT_SHARE_GENUINE = 0.05  # share of prompts repeating an earlier one: ASSUMPTION
REPEAT_SHARE_PERFORMATIVE = 0.5  # "the same prompt hundreds of times" (seed): ASSUMPTION
USAGE_SOURCE = "ASSUMPTION: illustrative usage profiles, no published per-hour measurements"

# --- Anomaly detection ----------------------------------------------------------------------
# Feature spreads are chosen so that the default usage profiles give a separation d' = 2.1,
# i.e. ~85% balanced accuracy, the figure reported for anomaly detectors in the seed article.
DETECTOR_ACCURACY = 0.85
DETECTOR_SOURCE = "anomaly detection ~85% accurate with false positives (seed article)"
SPREAD_LOG_TOKENS_PER_QUERY = 1.0
SPREAD_ACTION_RATE = 0.35
SPREAD_REPEAT_SHARE = 0.35

# --- Wages ------------------------------------------------------------------------------------
LOADED_WAGE_USD_PER_HOUR = 48.0
WAGE_SOURCE = (
    "total employer cost per hour worked, civilian workers, about $48 "
    "(US BLS Employer Costs for Employee Compensation, 2025)"
)

# --- Energy and carbon ------------------------------------------------------------------------
JOULES_PER_OUTPUT_TOKEN = 3.5
JOULES_PER_INPUT_TOKEN = 0.5
ENERGY_SOURCE = "0.5 to 4 J per token, 3 to 4 J per output token for LLaMA-65B (Samsi et al. 2023, arXiv 2310.03003)"
PUE = 1.1
PUE_SOURCE = "hyperscale data-centre power usage effectiveness ~1.1 (Google environmental report 2024: fleet 1.10)"
GRID_KG_CO2_PER_KWH = 0.48
GRID_SOURCE = "world average electricity carbon intensity ~480 g CO2/kWh (Ember, Global Electricity Review 2024)"

# --- Security --------------------------------------------------------------------------------
EXPOSURES_PER_MILLION_PERFORMATIVE_QUERIES = 10.0
EXPOSURE_SOURCE = (
    "ASSUMPTION: rate of confidential-data exposure by scripted performative queries; the seed "
    "reports such incidents but no rate"
)

BEHAVIOUR_ASSUMPTION = (
    "ASSUMPTION: behavioural parameter with no empirical estimate; chosen so that default "
    "employees use AI a few hours a week; sweep it (docs/calibration.md)"
)
POLICY_ASSUMPTION = "ASSUMPTION: a policy choice, not a fact; set it to the organisation's own"

SOURCES: dict[str, str] = {
    **{
        f"behavior.{key}": BEHAVIOUR_ASSUMPTION
        for key in (
            "effort_cost", "substitutability", "intrinsic_motivation", "integrity_cost", "conformity",
            "noise", "inertia", "imitation_rate", "selection_intensity", "threshold",
            "initial_performative_share", "max_ai_hours_per_week",
        )
    },
    **{
        key: POLICY_ASSUMPTION
        for key in (
            "kpi.strength", "kpi.active_threshold_queries", "kpi.measurement_noise", "kpi.rank_top_share",
            "kpi.rank_margin", "audit.rate", "audit.penalty", "audit.tpr", "audit.fpr", "detection.penalty",
            "detection.threshold_sd", "management.target_ratchet.attainment_share", "management.target_ratchet.step",
            "management.budget.review_every_weeks", "management.budget.hurdle_roi",
            "management.budget.growth_per_unit_roi", "management.budget.max_change",
        )
    },
    "behavior.speedup": SPEEDUP_SOURCE,
    "behavior.self_report_bias": SELF_REPORT_BIAS_SOURCE,
    "usage.genuine.tokens_per_hour": USAGE_SOURCE,
    "usage.genuine.queries_per_hour": USAGE_SOURCE,
    "usage.genuine.action_rate": ACTION_RATE_SOURCE,
    "usage.genuine.output_token_share": USAGE_SOURCE,
    "usage.genuine.done_rate": USAGE_SOURCE,
    "usage.genuine.repeat_share": USAGE_SOURCE,
    "usage.performative.tokens_per_hour": USAGE_SOURCE + "; scripts burn thousands of tokens per minute (seed)",
    "usage.performative.queries_per_hour": USAGE_SOURCE,
    "usage.performative.action_rate": ACTION_RATE_SOURCE,
    "usage.performative.output_token_share": USAGE_SOURCE,
    "usage.performative.done_rate": USAGE_SOURCE,
    "usage.performative.repeat_share": USAGE_SOURCE + "; 'the same prompt hundreds of times' (seed)",
    "kpi.target": AMAZON_TARGET_SOURCE + " (default for the tokens regime)",
    "detection.spread_log_tokens_per_query": DETECTOR_SOURCE + "; spreads calibrated to give it",
    "detection.spread_action_rate": DETECTOR_SOURCE + "; spreads calibrated to give it",
    "detection.spread_repeat_share": DETECTOR_SOURCE + "; spreads calibrated to give it",
    "pricing.input_usd_per_mtok": PRICE_SOURCE,
    "pricing.output_usd_per_mtok": PRICE_SOURCE,
    "pricing.licence_usd_per_user_month": "0 by default; " + COPILOT_SOURCE,
    "economics.loaded_wage_usd_per_hour": WAGE_SOURCE,
    "energy.joules_per_input_token": ENERGY_SOURCE + " (lower end for input tokens)",
    "energy.joules_per_output_token": ENERGY_SOURCE,
    "energy.pue": PUE_SOURCE,
    "energy.grid_kg_co2_per_kwh": GRID_SOURCE,
    "security.exposures_per_million_performative_queries": EXPOSURE_SOURCE,
}

# --- Case figures the scenario library reproduces ------------------------------------------------
SALESFORCE_ACTION_SHARE = 0.30
SALESFORCE_ACTION_SOURCE = "~30% of Einstein GPT interactions lead to a measurable action (Salesforce, seed article)"
