"""Defaults that come from the world, each with its source.

Behavioural and usage defaults marked FITTED come from ``tokenmaxx calibrate`` (the evidence of
model brief 10.7 in ``scenarios/calibration/targets.yaml``; the fit in
``scenarios/calibration/fit.json``); a test keeps them equal to the fit.

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
AMAZON_Q_DEVELOPER_PRO_USD_PER_USER_MONTH = 19.0
AMAZON_Q_SOURCE = "Amazon Q Developer Pro tier, $19 per user per month (AWS pricing, 2024)"
SALESFORCE_EINSTEIN_USD_PER_USER_MONTH = 50.0
SALESFORCE_EINSTEIN_SOURCE = "Einstein GPT for Sales / Service, $50 per user per month (Salesforce, 2023)"
ENABLEMENT_USD_PER_USER_MONTH = 10.0
ENABLEMENT_SOURCE = (
    "ASSUMPTION: training, integration and administration of an AI rollout, about $10 per user per "
    "month; no published figure, sweep it"
)
CAPTURE_SHARE = 0.395
CAPTURE_SOURCE = (
    "ASSUMPTION: share of saved hours turned into valued output; field studies find small effects "
    "of AI time savings on output and earnings (Humlum and Vestergaard 2025, NBER w33777), no "
    "direct estimate; sweep it"
)

WASTED_HOUR_SOURCE = (
    "model brief 11.3: an hour spent performing or on script upkeep displaces the same mix of valued "
    "work and slack that a saved hour frees, so by default it costs wage x capture share; another "
    "share is an ASSUMPTION to sweep (1.0: it displaces only valued work)"
)

# --- Targets -------------------------------------------------------------------------------
AMAZON_TOKENS_PER_ENGINEER_WEEK = 50_000
AMAZON_TARGET_SOURCE = "Amazon token target, 50,000 tokens per engineer per week (seed article)"

# --- Productivity effects (hours saved per hour of genuine AI use) --------------------------
# Peng et al. 2023 (arXiv 2302.06590): 55.8% less time on a controlled task -> 1/(1-0.558)-1 = 1.26
# Brynjolfsson, Li, Raymond (NBER w31161): +14% productivity -> 0.14 (novices +34%, top ~0)
# METR, Becker et al. 2025 (arXiv 2507.09089): 19% slower -> 1/1.19-1 = -0.16
# Dell'Acqua et al. (HBS 24-013): 25.1% faster inside the frontier -> 1/(1-0.251)-1 = 0.34
SPEEDUP_MEAN = 0.22
SPEEDUP_SD = 0.3
SPEEDUP_SOURCE = (
    "hours saved per genuine AI hour: +0.14 Brynjolfsson et al. NBER w31161; +0.34 Dell'Acqua et al. "
    "HBS 24-013; -0.16 METR arXiv 2507.09089; +1.26 Peng et al. arXiv 2302.06590 (lab task); "
    "sd 0.3 spans them; the mean is FITTED (Brynjolfsson's +14% among the targets)"
)
CALIBRATION_SOURCE = (
    "FITTED by `tokenmaxx calibrate` to the evidence of model brief 10.7 (scenarios/calibration/targets.yaml, "
    "seed 20261202; accepted ranges in scenarios/calibration/fit.json)"
)
# METR (Becker et al. 2025, arXiv 2507.09089): experienced developers forecast that AI would cut
# their completion time by 24% (1/(1-0.24) - 1 = 0.32 hours saved per AI hour); after the study
# they still believed it had cut it by 20% (0.25), while it had raised it by 19% (-0.16).
# Beliefs are anchored on the prior: believed = (1 - w) s + w prior. The prior's mean and the
# weight w are FITTED so that an expert with METR's measured -0.16 believes about +0.25.
PERCEIVED_SPEEDUP_PRIOR = 0.418
PERCEIVED_SPEEDUP_PRIOR_SD = 0.25  # ASSUMPTION: sceptics and enthusiasts; about 1 in 12 expects nothing
PERCEPTION_ANCHORING = 0.739
PERCEPTION_SOURCE = (
    "METR arXiv 2507.09089: developers forecast a 24% time cut (0.32 hours saved per AI hour), "
    "believed 20% afterwards (0.25) and measured +19% time (-0.16); prior mean and anchoring FITTED to "
    "the expert's belief"
)
METR_BELIEVED_SPEEDUP = 0.25
METR_MEASURED_SPEEDUP = -0.16

# --- Who gains (model brief 11.7): the speed-up from experience, when `behavior.experience` is set --
# s_i = gain x (1 - e_i) - overhead: AI supplies what an employee does not yet know (Brynjolfsson,
# Li, Raymond: it spreads top performers' know-how), and everyone pays the overhead of checking its
# output. The most experienced (e = 1) lose the overhead: METR's experienced developers, -0.16 hours
# per AI hour; complete novices (e = 0) gain Brynjolfsson's novices' +34% (0.34): gain = 0.34 + 0.16.
AI_REVIEW_OVERHEAD = 0.16
AI_KNOWLEDGE_GAIN = 0.50
EXPERIENCE_SOURCE = ("novices +34% (0.34 hours saved per AI hour), Brynjolfsson, Li, Raymond NBER w31161; "
                     "the most experienced -0.16, METR arXiv 2507.09089 (the overhead)")

# --- Behaviour in hours of utility (model brief 10.1): fitted to the evidence of brief 10.7 --
# Honest use is g = m * believed / c, claims (believed * g) are m * believed^2 / c: c is FITTED so
# that claims come to ~1.1 h a week (Humlum & Vestergaard 2025).
EFFORT_COST = 0.14
SELF_REPORTED_HOURS_SAVED_PER_WEEK = 1.1
HUMLUM_SOURCE = (
    "self-reported time saved by AI chatbots: 2.8% of work hours, about 1.1 h of a 40-h week "
    "(Humlum and Vestergaard 2025, NBER w33777)"
)
MISREPORT_COST = 0.227
OUTCOME_MANIPULATION_COST = 4.0
OUTCOME_MANIPULATION_INTEGRITY = 2.5
INTEGRITY_COST_MEAN = 1.04
INTEGRITY_COST_SIGMA = 0.6
UTILITY_NOISE_SD = 0.1
FITTED_ASSUMPTION = (
    "ASSUMPTION: no published estimate; set so that the defaults reproduce the evidence of model "
    "brief 10.7 (tokenmaxx validate)"
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

# Scripts: "looping the same prompt ... thousands of tokens per minute" (seed). A loop sized to the
# weekly token target: 100 requests of ~600 tokens, a quarter of an hour a week to keep it going.
SCRIPT_UPKEEP_HOURS = 0.25
SCRIPT_TOKENS_PER_WEEK = 60_000.0
SCRIPT_QUERIES_PER_WEEK = 100.0
SCRIPT_ACTION_RATE = 0.01
SCRIPT_REPEAT_SHARE = 0.95
SCRIPT_EQUIVALENT_HOURS = 4.17
SCRIPT_SOURCE = (
    "ASSUMPTION: a loop sized to the weekly target (seed: scripts that loop the same prompt and burn "
    "thousands of tokens per minute; 'the same prompt hundreds of times')"
)

# --- Anomaly detection ----------------------------------------------------------------------
# Feature spreads give the default usage profiles a separation d' of about 2, i.e. ~85% balanced
# accuracy, the figure reported for anomaly detectors in the seed article (the repeated-prompt
# spread is FITTED to it).
DETECTOR_ACCURACY = 0.85
DETECTOR_SOURCE = "anomaly detection ~85% accurate with false positives (seed article)"
SPREAD_LOG_TOKENS_PER_QUERY = 1.0
SPREAD_ACTION_RATE = 0.35
SPREAD_REPEAT_SHARE = 0.354

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
EXPOSURES_PER_MILLION_GENUINE_QUERIES = 1.0
EXPOSURES_PER_MILLION_PERFORMATIVE_QUERIES = 10.0
EXPOSURES_PER_MILLION_SCRIPTED_QUERIES = 50.0
EXPOSURE_SOURCE = (
    "ASSUMPTION: incident rates per query; genuine prompts carry real code and documents too (11% of "
    "what employees paste into ChatGPT is confidential, Cyberhaven Labs 2023), performative ones more "
    "(documents pasted for show), scripted ones most (whole files in a loop); the seed reports such "
    "incidents but no rate"
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
            "substitutability", "intrinsic_motivation", "conformity", "inertia", "imitation_rate",
            "selection_intensity", "threshold", "initial_performative_share", "max_ai_hours_per_week",
            "norm_erosion", "learning_rate", "flag_memory",
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
            "management.budget.initial_seat_share", "management.budget.allowance_usd_per_seat_month",
            "management.roi_audit.every_weeks", "management.roi_audit.hurdle_roi", "management.roi_audit.budget_cut",
        )
    },
    **{f"behavior.{key}": FITTED_ASSUMPTION for key in ("noise", "outcome_manipulation_cost", "outcome_manipulation_integrity")},
    **{key: CALIBRATION_SOURCE for key in (
        "behavior.integrity_cost", "behavior.misreport_cost", "usage.script.equivalent_hours",
        "economics.capture_share")},
    **{f"usage.script.{key}": SCRIPT_SOURCE for key in (
        "upkeep_hours_per_week", "tokens_per_week", "queries_per_week", "action_rate", "repeat_share",
        "equivalent_hours", "done_rate")},
    "behavior.effort_cost": HUMLUM_SOURCE + "; " + CALIBRATION_SOURCE,
    "behavior.speedup": SPEEDUP_SOURCE + "; " + CALIBRATION_SOURCE,
    "behavior.ai_knowledge_gain": EXPERIENCE_SOURCE,
    "behavior.ai_review_overhead": EXPERIENCE_SOURCE,
    "behavior.perceived_speedup_prior": PERCEPTION_SOURCE + "; " + CALIBRATION_SOURCE,
    "behavior.perception_anchoring": PERCEPTION_SOURCE + "; " + CALIBRATION_SOURCE,
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
    "detection.spread_repeat_share": DETECTOR_SOURCE + "; " + CALIBRATION_SOURCE,
    "pricing.input_usd_per_mtok": PRICE_SOURCE,
    "pricing.output_usd_per_mtok": PRICE_SOURCE,
    "pricing.licence_usd_per_user_month": COPILOT_SOURCE,
    "pricing.enablement_usd_per_user_month": ENABLEMENT_SOURCE,
    "economics.loaded_wage_usd_per_hour": WAGE_SOURCE,
    "economics.capture_share": CAPTURE_SOURCE + "; " + CALIBRATION_SOURCE + " (not pinned down by the evidence)",
    "economics.wasted_hour_share": WASTED_HOUR_SOURCE,
    "management.valuation": POLICY_ASSUMPTION,
    "energy.joules_per_input_token": ENERGY_SOURCE + " (lower end for input tokens)",
    "energy.joules_per_output_token": ENERGY_SOURCE,
    "energy.pue": PUE_SOURCE,
    "energy.grid_kg_co2_per_kwh": GRID_SOURCE,
    "security.exposures_per_million_genuine_queries": EXPOSURE_SOURCE,
    "security.exposures_per_million_performative_queries": EXPOSURE_SOURCE,
    "security.exposures_per_million_scripted_queries": EXPOSURE_SOURCE,
    "audit.claim_check_rate": POLICY_ASSUMPTION,
    "audit.claim_check_tpr": POLICY_ASSUMPTION,
}

# --- Case figures the scenario library reproduces ------------------------------------------------
SALESFORCE_ACTION_SHARE = 0.30
SALESFORCE_ACTION_SOURCE = "~30% of Einstein GPT interactions lead to a measurable action (Salesforce, seed article)"
