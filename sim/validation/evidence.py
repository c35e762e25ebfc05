"""Evidence the defaults must reproduce (model brief 10.7), each a check group with a chart.

Every check runs the library's own scenarios (or the default workforce) over a few seeds and
compares the result with the published figure and its tolerance. Where a target is not met the
report says so; nothing here is tuned to pass.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np

import sim
from sim.engine.state import Traits
from sim.scenario import sources as src
from sim.scenario.schema import REGIMES, Scenario
from sim.validation.base import Check, CheckGroup

LIBRARY = Path(__file__).resolve().parents[2] / "scenarios"
SEEDS = (1, 2, 3)
CLAIMED_HOURS_RANGE = (0.7, 1.6)
"""Self-reported hours saved per 40-h week accepted as 'about 2.8% of hours' (1.1 h)."""
BELIEF_TOLERANCE = 0.05
"""Hours saved per AI hour: the believed speed-up of METR's experts within 0.05 of theirs."""
SALESFORCE_TOLERANCE = 0.03
NO_INCENTIVE_MAX_GAMING = 0.01
"""Share of employee-weeks allowed to game with no KPI reward (random-utility shocks only)."""
ORGANIC_ROI_RANGE = (0.0, 3.0)
"""True ROI of organic use: positive, tens or low hundreds of percent (brief 10.7, issue 10)."""
OUTCOME_OVERSTATEMENT_TOLERANCE = 0.05
INFLATION_RANGE = (1.2, 1.4)
"""Seed market table: 20-40% of adoption inflated by usage KPIs."""
VALUATION_STRENGTHS = (0.0, 0.25, 0.5, 0.75)
EXPERTS = 5_000


def _library(name: str, *overrides: str) -> list[dict]:
    return [sim.run(LIBRARY / f"{name}.yaml", seed=seed, overrides=list(overrides)).summary for seed in SEEDS]


def _mean(runs: list[dict], key: str) -> float:
    return float(np.mean([run[key] for run in runs]))


def self_reported_savings() -> CheckGroup:
    """Organic use (no KPI): claimed hours near 1.1 h a week, true savings below the claims."""
    runs = _library("organic")
    claimed = _mean(runs, "claimed_hours_saved_per_employee_week")
    true = _mean(runs, "true_hours_saved_per_employee_week")
    low, high = CLAIMED_HOURS_RANGE
    return CheckGroup(
        "self_reported_savings",
        "Self-reported time saved without KPI pressure: about 2.8% of work hours",
        src.HUMLUM_SOURCE,
        [
            Check("organic_claimed_hours", f"claimed hours saved per employee-week, organic.yaml, seeds "
                  f"{', '.join(map(str, SEEDS))} (accepted {low:g} to {high:g})", (low + high) / 2, claimed,
                  (high - low) / 2, unit="h/employee-week"),
            Check("organic_true_below_claimed", "true minus claimed hours saved per employee-week (negative: "
                  "employees believe AI saves more than it does)", 0.0, true - claimed, 0.0, "at_most",
                  unit="h/employee-week"),
        ],
        {"claimed": claimed, "true": true, "range": CLAIMED_HOURS_RANGE,
         "evidence": src.SELF_REPORTED_HOURS_SAVED_PER_WEEK},
    )


def perception_gap() -> CheckGroup:
    """METR: experienced developers believed AI sped them up by 20% when it slowed them by 19%."""
    behaviour = Scenario().behavior
    experts = behaviour.model_copy(update={"speedup": src.METR_MEASURED_SPEEDUP})
    believed = float(Traits.draw(experts, EXPERTS, np.random.default_rng(0)).perceived_speedup.mean())
    workforce = Traits.draw(behaviour, EXPERTS, np.random.default_rng(0))
    gap = float(workforce.perception_gap.mean())
    return CheckGroup(
        "perception_gap",
        "Perception gap: believed +20% against measured -19% (experienced developers)",
        src.PERCEPTION_SOURCE,
        [
            Check("metr_expert_belief", f"hours saved per AI hour that default beliefs give an employee whose true "
                  f"speed-up is METR's measured {src.METR_MEASURED_SPEEDUP:g} (METR: believed "
                  f"{src.METR_BELIEVED_SPEEDUP:g})", src.METR_BELIEVED_SPEEDUP, believed, BELIEF_TOLERANCE,
                  unit="h/AI hour"),
            Check("workforce_gap_direction", "mean perception gap (believed - true) of the default workforce: "
                  "positive, METR's direction", 0.0, gap, 0.0, "at_least", unit="h/AI hour"),
        ],
        {"measured": src.METR_MEASURED_SPEEDUP, "believed_model": believed, "believed_metr": src.METR_BELIEVED_SPEEDUP,
         "workforce_true": float(workforce.speedup.mean()), "workforce_believed": float(workforce.perceived_speedup.mean())},
    )


def salesforce_actions() -> CheckGroup:
    """Salesforce: ~30% of Einstein GPT interactions lead to a measurable action."""
    runs = _library("salesforce")
    share = float(np.mean([run["actions"] / run["queries"] for run in runs]))
    performative = float(np.mean([run["performative_queries"] / run["queries"] for run in runs]))
    scripted = float(np.mean([run["scripted_queries"] / run["queries"] for run in runs]))
    return CheckGroup(
        "salesforce_actions",
        "Interactions followed by a measurable action (Salesforce Einstein GPT): ~30%",
        src.SALESFORCE_ACTION_SOURCE,
        [
            Check("salesforce_action_share", "actions / queries over the run, salesforce.yaml, seeds "
                  f"{', '.join(map(str, SEEDS))}", src.SALESFORCE_ACTION_SHARE, share, SALESFORCE_TOLERANCE,
                  unit="share"),
            Check("salesforce_gaming_queries", "share of those queries that were scripted or manual performative "
                  "(the seed reads the other 70% as performative; the model finds most of them genuine)", 0.7,
                  performative + scripted, 0.0, "info", unit="share"),
        ],
        {"action": share, "performative": performative, "scripted": scripted,
         "genuine_no_action": 1 - share - performative - scripted, "evidence": src.SALESFORCE_ACTION_SHARE},
    )


def no_gaming_without_incentive() -> CheckGroup:
    """Random utility: with no KPI reward nobody games by accident, under any regime."""
    gaming, performative = {}, {}
    for regime in REGIMES:
        overrides = [f"kpi.regime={regime}", "kpi.strength=0"]
        if regime == "composite":
            overrides.append("kpi.weights={tokens: 0.5, error_reduction: 0.5}")
        runs = [sim.run(LIBRARY / "default.yaml", seed=seed, overrides=overrides).summary for seed in SEEDS[:2]]
        gaming[regime] = _mean(runs, "gaming_share_mean")
        performative[regime] = _mean(runs, "wasted_spend_share")
    return CheckGroup(
        "no_gaming_without_incentive",
        "No incentive, no gaming: random utility, exact corners",
        "model brief 10.2 (behavior.noise perturbs marginal utilities; corners stay at zero)",
        [
            Check("max_gaming_share_at_zero_strength", f"largest share of employee-weeks gaming over the "
                  f"{len(REGIMES)} regimes at kpi.strength 0 (default.yaml, default noise)", 0.0,
                  max(gaming.values()), NO_INCENTIVE_MAX_GAMING, "at_most", unit="share"),
            Check("max_wasted_spend_at_zero_strength", "largest share of AI spend on performative use at "
                  "kpi.strength 0", 0.0, max(performative.values()), 0.001, "at_most", unit="share"),
        ],
        {"regimes": list(REGIMES), "gaming": [gaming[r] for r in REGIMES], "limit": NO_INCENTIVE_MAX_GAMING},
    )


def organic_roi() -> CheckGroup:
    """Organic use pays, but in tens or low hundreds of percent, not thousands."""
    runs = _library("organic")
    roi_true = _mean(runs, "roi_true")
    claimed = _mean(_library("organic", "management.valuation=claimed_hours"), "roi_reported")
    low, high = ORGANIC_ROI_RANGE
    return CheckGroup(
        "organic_roi",
        "Return on AI with no KPI: positive, tens or low hundreds of percent",
        f"{src.COPILOT_SOURCE}; {src.CAPTURE_SOURCE}; {src.HUMLUM_SOURCE}",
        [
            Check("organic_true_roi_positive", "true ROI of organic.yaml (ratio; 1 = 100%); no empirical source, "
                  "so shown, not judged (brief 11.2)", low, roi_true, 0.0, "info", unit="ratio"),
            Check("organic_true_roi_not_thousands", "true ROI of organic.yaml at most 300% (no empirical source: "
                  "shown, not judged)", high, roi_true, 0.0, "info", unit="ratio"),
            Check("organic_roi_claimed_hours", "ROI a dashboard of claimed hours x full wage would report for the "
                  "same organisation", roi_true, claimed, 0.0, "info", unit="ratio"),
        ],
        {"true": roi_true, "claimed_hours": claimed, "range": ORGANIC_ROI_RANGE},
    )


def valuation_follows_dashboard() -> CheckGroup:
    """Reported value follows the dashboard: honest under an outcome KPI, inflated under tokens."""
    curves = {}
    for regime in ("tokens", "error_reduction"):
        curves[regime] = np.array([
            _mean([sim.run(LIBRARY / "default.yaml", seed=seed, overrides=[f"kpi.regime={regime}",
                                                                           f"kpi.strength={s}"]).summary
                   for seed in SEEDS[:2]], "value_overstatement")
            for s in VALUATION_STRENGTHS
        ])
    tokens, outcome = curves["tokens"], curves["error_reduction"]
    return CheckGroup(
        "valuation",
        "Value overstatement depends on what the dashboard counts",
        "model brief 10.4 (management.valuation: kpi_benchmark)",
        [
            Check("outcome_overstatement_near_one", "error_reduction: largest |reported / true value - 1| over "
                  f"strengths {', '.join(map(str, VALUATION_STRENGTHS))}", 0.0, float(np.abs(outcome - 1).max()),
                  OUTCOME_OVERSTATEMENT_TOLERANCE, "at_most", unit="ratio"),
            Check("tokens_overstatement_rises", "tokens: smallest rise of the overstatement from one strength to "
                  "the next", 0.0, float(np.diff(tokens).min()), 0.0, "at_least", unit="ratio"),
        ],
        {"strength": VALUATION_STRENGTHS, "tokens": tokens, "outcome": outcome},
    )


def adoption_inflation() -> CheckGroup:
    """The default token KPI inflates adoption by the seed's 20-40%."""
    from sim.scenario.io import load_scenario

    inflation = _mean(_library("default"), "kpi_inflation")
    strength = load_scenario(LIBRARY / "default.yaml").kpi.strength
    low, high = INFLATION_RANGE
    return CheckGroup(
        "adoption_inflation",
        "Adoption inflated by a usage KPI: 20-40%",
        "seed article, market table (20-40% of enterprise AI adoption performative)",
        [
            Check("default_kpi_inflation", "reported tokens / tokens of genuine use alone, default.yaml (its hand-set "
                  f"strength {strength:g}), seeds {', '.join(map(str, SEEDS))}; the calibration fits the 20-40% at "
                  "the seed firms' own, uncertain strength (docs/calibration.md), so at a hand-set strength it is shown, "
                  "not judged (brief 11.2)", (low + high) / 2, inflation, (high - low) / 2, "info", unit="ratio"),
        ],
        {"inflation": inflation, "range": INFLATION_RANGE},
    )


SEED_TABLE = {"tokens": "High", "queries": "High", "time_saved": "High", "completions": "Medium", "error_reduction": "Low"}
"""The seed's metric table: gaming potential of each metric."""
RATING_LIMITS = (1.05, 1.25)
"""KPI inflation at strength 1 rated Medium from 5%, High from 25% above genuine use."""
TABLE_STRENGTH = 1.0


def rating(inflation: float) -> str:
    low, high = RATING_LIMITS
    return "High" if inflation >= high else "Medium" if inflation >= low else "Low"


def regime_table(strength: float = TABLE_STRENGTH, seeds: tuple[int, ...] = SEEDS[:2]) -> dict[str, dict[str, float]]:
    """Per regime on the default workforce (linear scheme): the means over seeds of KPI inflation,
    performative share, over-claims, scripted tokens and value overstatement."""
    keys = ("kpi_inflation", "performative_share", "misreported_hours", "misreported_completions",
            "manipulated_hours", "scripted_tokens", "value_overstatement", "gaming_share_mean")
    table = {}
    for regime in (*SEED_TABLE, "action_linked", "active_user"):
        runs = [sim.run(LIBRARY / "default.yaml", seed=seed, overrides=[f"kpi.regime={regime}", f"kpi.strength={strength}",
                                                                        "kpi.scheme=linear"]).summary for seed in seeds]
        employee_weeks = runs[0]["employees"] * runs[0]["weeks"]
        table[regime] = {key: _mean(runs, key) for key in keys}
        for key in ("misreported_hours", "misreported_completions", "manipulated_hours", "scripted_tokens"):
            table[regime][key] /= employee_weeks
    return table


def _posterior_share(regime: str) -> float | None:
    """The share of the shipped posterior's draws reproducing the seed's rating of `regime`."""
    import json

    path = LIBRARY / "calibration" / "fit.json"
    try:
        checks = json.loads(path.read_text()).get("checks", [])
    except (OSError, ValueError):
        return None
    return next((float(c["share_reproducing"]) for c in checks if c.get("regime") == regime), None)


def seed_metric_table() -> CheckGroup:
    """The seed's table re-derived: which regimes the model finds gameable at a common strength."""
    table = regime_table()
    low, high = RATING_LIMITS
    checks = []
    for regime, seed_rating in SEED_TABLE.items():
        inflation = table[regime]["kpi_inflation"]
        expected, tolerance, _ = {"High": (high, 0.0, "at_least"), "Medium": ((low + high) / 2, (high - low) / 2, "equal"),
                                           "Low": (low, 0.0, "at_most")}[seed_rating]
        share = _posterior_share(regime)
        across = "" if share is None else f"; {share:.0%} of the calibration's posterior draws reproduce the seed's rating"
        checks.append(Check(f"seed_table_{regime}", f"{regime}: KPI inflation at strength {TABLE_STRENGTH:g} (linear), "
                            f"rated {rating(inflation)}; the seed rates it {seed_rating} (a claim, not a measurement: "
                            f"shown, not judged{across})", expected, inflation, tolerance, "info", unit="ratio"))
    return CheckGroup(
        "seed_metric_table",
        "The seed's metric table, re-derived: gaming potential per KPI",
        "seed article (metric table); model brief 10.7",
        checks,
        {"table": table, "seed": SEED_TABLE, "limits": RATING_LIMITS, "strength": TABLE_STRENGTH},
    )


GROUPS: dict[str, Callable[[], CheckGroup]] = {
    "self_reported_savings": self_reported_savings,
    "perception_gap": perception_gap,
    "salesforce_actions": salesforce_actions,
    "no_gaming_without_incentive": no_gaming_without_incentive,
    "organic_roi": organic_roi,
    "valuation": valuation_follows_dashboard,
    "adoption_inflation": adoption_inflation,
    "seed_metric_table": seed_metric_table,
}
"""Evidence check groups (model brief 10.7), in report order."""
