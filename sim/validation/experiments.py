"""The experiments of model brief 10.6, run over five seeds each: a culture that can tip
(hysteresis), gaming that outlives its KPI (persistence), the false-success bubble and its burst,
and beliefs that learn.

They run the documented files in ``scenarios/experiments/`` (and the default workforce for
learning), so the report shows what a user running those files sees.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

import sim
from sim.validation.base import Check, CheckGroup

EXPERIMENTS = Path(__file__).resolve().parents[2] / "scenarios" / "experiments"
LIBRARY = EXPERIMENTS.parent
SEEDS = (1, 2, 3, 4, 5)
LOW_STATE, HIGH_STATE = 0.25, 0.75
"""End-of-run gaming shares that count as the low and the high state."""
GONE_SHARE = 0.05
"""Gaming counts as gone once fewer than this share of employees game."""
MIN_PERSISTENCE_WEEKS = 3
DESCRIPTIVE_NORM = 2.5
"""A descriptive norm worth 2.5 hours of utility per performative hour when all colleagues game
(ASSUMPTION: no source for its size), for the persistence check (model brief 11.6)."""


def _series(name: str, seed: int, *overrides: str) -> pd.DataFrame:
    return sim.run(EXPERIMENTS / f"{name}.yaml", seed=seed, overrides=list(overrides)).timeseries


def hysteresis() -> CheckGroup:
    """Same organisation and KPI, two starting cultures, two end states."""
    low = [_series("norms_low_start", seed)["gaming_share"].to_numpy() for seed in SEEDS]
    high = [_series("norms_high_start", seed)["gaming_share"].to_numpy() for seed in SEEDS]
    return CheckGroup(
        "hysteresis",
        "A culture that can tip: the end state depends on the start",
        "model brief 10.6; scenarios/experiments/norms_low_start.yaml, norms_high_start.yaml",
        [
            Check("low_start_ends_low", f"largest end-of-run gaming share over seeds {SEEDS}, 5% starting to game",
                  LOW_STATE, float(max(s[-1] for s in low)), 0.0, "at_most", unit="share"),
            Check("high_start_ends_high", f"smallest end-of-run gaming share over seeds {SEEDS}, 95% starting to game",
                  HIGH_STATE, float(min(s[-1] for s in high)), 0.0, "at_least", unit="share"),
        ],
        {"low": low, "high": high, "bands": (LOW_STATE, HIGH_STATE)},
    )


def weeks_until_gone(ts: pd.DataFrame, week: int) -> int:
    """Weeks after `week` until fewer than GONE_SHARE of employees game (the run's length if never)."""
    after = ts[ts["week"] >= week]
    gone = after[after["gaming_share"] < GONE_SHARE]
    return int(gone["week"].iloc[0] - week) if len(gone) else int(after["week"].iloc[-1] - week + 1)


def persistence() -> CheckGroup:
    """Gaming outlives the KPI that caused it when stigma erodes, or when doing as colleagues do pays
    (a descriptive norm); with a fixed stigma and no norm it stops within a week or two."""
    switch = 27
    eroded = [_series("norms_withdrawal", seed) for seed in SEEDS]
    fixed = [_series("norms_withdrawal_fixed_stigma", seed) for seed in SEEDS]
    normed = [_series("norms_withdrawal_fixed_stigma", seed, f"behavior.descriptive_norm={DESCRIPTIVE_NORM}")
              for seed in SEEDS]
    eroded_weeks = [weeks_until_gone(ts, switch) for ts in eroded]
    fixed_weeks = [weeks_until_gone(ts, switch) for ts in fixed]
    return CheckGroup(
        "persistence",
        "Gaming outlives the KPI that caused it",
        "model brief 10.6; scenarios/experiments/norms_withdrawal.yaml, norms_withdrawal_fixed_stigma.yaml",
        [
            Check("eroded_stigma_persists", f"fewest weeks after the KPI is withdrawn until fewer than "
                  f"{GONE_SHARE:.0%} game, eroding stigma, seeds {SEEDS}", float(MIN_PERSISTENCE_WEEKS),
                  float(min(eroded_weeks)), 0.0, "at_least", unit="weeks"),
            Check("fixed_stigma_stops", "most weeks until fewer than 5% game, fixed stigma", 2.0,
                  float(max(fixed_weeks)), 0.0, "at_most", unit="weeks"),
            Check("descriptive_norm_persists", f"smallest end-of-run gaming share, fixed stigma with a descriptive "
                  f"norm worth {DESCRIPTIVE_NORM:g} h (doing as colleagues do pays: gaming persists with no KPI)",
                  HIGH_STATE, float(min(ts["gaming_share"].iloc[-1] for ts in normed)), 0.0, "at_least", unit="share"),
        ],
        {"week": eroded[0]["week"].to_numpy(), "eroded": [ts["gaming_share"].to_numpy() for ts in eroded],
         "fixed": [ts["gaming_share"].to_numpy() for ts in fixed],
         "normed": [ts["gaming_share"].to_numpy() for ts in normed], "switch": switch},
    )


def bubble() -> CheckGroup:
    """Reported ROI and the budget rise while true ROI falls; the audit of true ROI bursts it."""
    runs = [sim.run(EXPERIMENTS / "bubble.yaml", seed=seed) for seed in SEEDS]
    audit_weeks = []
    rising, falling, corrected, budget_up, budget_cut = [], [], [], [], []
    for result in runs:
        ts = result.timeseries.set_index("week")
        failed = [week for week, text in result.model.management.events if "failed" in text]
        audit_weeks.append(failed[0] if failed else np.nan)
        if not failed:
            continue
        burst = failed[0]
        before = ts.loc[: burst]
        first, last = before.iloc[:13], before.iloc[-13:]
        rising.append(last["roi_reported"].mean() - first["roi_reported"].mean())
        falling.append(last["roi_true"].mean() - first["roi_true"].mean())
        budget_up.append(ts.loc[burst, "budget_index"] - ts["budget_index"].iloc[0])
        if burst + 2 <= ts.index[-1]:  # an audit in the last weeks leaves no aftermath to measure
            budget_cut.append(ts.loc[burst + 1, "budget_index"] / ts.loc[burst, "budget_index"])
            corrected.append(ts.loc[burst + 2:, "roi_true"].mean() - last["roi_true"].mean())
    every = all(np.isfinite(audit_weeks))
    return CheckGroup(
        "bubble",
        "The feedback loop of false success, and its end",
        "seed article; model brief 10.6; scenarios/experiments/bubble.yaml",
        [
            Check("bubble_bursts_in_every_seed", f"seeds (of {len(SEEDS)}) whose audit of true ROI fails",
                  float(len(SEEDS)), float(np.isfinite(audit_weeks).sum()), 0.0, unit="seeds"),
            Check("bubble_reported_roi_rises", "smallest rise of reported ROI from the first to the last quarter "
                  "before the burst", 0.0, float(min(rising)) if every else np.nan, 0.0, "at_least", unit="ratio"),
            Check("bubble_true_roi_falls", "largest change of true ROI over the same quarters (negative: falls)",
                  0.0, float(max(falling)) if every else np.nan, 0.0, "at_most", unit="ratio"),
            Check("bubble_budget_grows", "smallest growth of the budget index until the burst", 0.0,
                  float(min(budget_up)) if every else np.nan, 0.0, "at_least", unit="index"),
            Check("bubble_budget_cut", "largest budget ratio after / before the failed audit (seeds whose audit "
                  "left weeks to see it)", 0.5, float(max(budget_cut)) if every and budget_cut else np.nan, 1e-9,
                  "at_most", unit="ratio"),
            Check("bubble_true_roi_recovers", "smallest rise of true ROI after the burst (the same seeds)", 0.0,
                  float(min(corrected)) if every and corrected else np.nan, 0.0, "at_least", unit="ratio"),
        ],
        {"runs": [r.timeseries for r in runs], "audit_weeks": audit_weeks},
    )


def learning() -> CheckGroup:
    """With learning on, honest employees' claims come closer to the truth over the run."""
    gaps = {}
    for rate in (0.0, 0.05):
        ratios = []
        for seed in SEEDS[:3]:
            ts = sim.run(LIBRARY / "organic.yaml", seed=seed, overrides=[f"behavior.learning_rate={rate}"]).timeseries
            ratios.append((ts["honest_claimed_hours_saved"] / ts["honest_true_hours_saved"]).to_numpy())
        gaps[rate] = np.mean(ratios, axis=0)
    learned, fixed = gaps[0.05], gaps[0.0]

    def change(ratio: np.ndarray) -> float:
        """Mean of the last eight weeks minus mean of the first eight."""
        return float(ratio[-8:].mean() - ratio[:8].mean())

    return CheckGroup(
        "learning",
        "Perception gaps close with experience",
        "model brief 10.6; METR arXiv 2507.09089 (beliefs barely move without feedback)",
        [
            Check("learning_narrows_gap", "claimed / true hours of honest employees, last eight weeks minus first "
                  "eight, learning_rate 0.05 (organic.yaml, seeds 1-3)", -0.25, change(learned), 0.0, "at_most",
                  unit="ratio"),
            Check("no_learning_keeps_gap", "the same without learning (|change|)", 0.0, abs(change(fixed)), 0.1,
                  "at_most", unit="ratio"),
        ],
        {"learned": learned, "fixed": fixed},
    )


BIFURCATION_STRENGTHS = (0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 1.0)
BIFURCATION_EROSIONS = (0.0, 0.6, 1.0)
BIFURCATION_STARTS = (0.05, 0.95)
BIFURCATION_SEEDS = (1, 2)
BISTABLE_GAP = 0.5
"""End gaming shares of a low and a high start further apart than this: two stable states."""


def bifurcation() -> CheckGroup:
    """Where the organisation has two stable states (brief 10.6 and 11.6): the end-of-run gaming share
    against KPI strength, from a low and a high start, for a few strengths of norm erosion; the
    window where the two starts end apart is where history decides. One engine runs all of them."""
    from sim.runner import run_batch
    from sim.scenario.io import load_scenario

    base = load_scenario(EXPERIMENTS / "norms_low_start.yaml", ["organization.employees=200"])
    grid = [(e, a, start, seed) for e in BIFURCATION_EROSIONS for a in BIFURCATION_STRENGTHS
            for start in BIFURCATION_STARTS for seed in BIFURCATION_SEEDS]
    scenarios = [base.model_copy(update={
        "seed": seed, "kpi": base.kpi.model_copy(update={"strength": a}),
        "behavior": base.behavior.model_copy(update={"norm_erosion": e, "initial_performative_share": start})})
        for e, a, start, seed in grid]
    ends = {}
    for (e, a, start, _), (summary, _) in zip(grid, run_batch(scenarios), strict=True):
        ends.setdefault((e, a, start), []).append(summary["gaming_share_final"])
    end = {key: float(np.mean(values)) for key, values in ends.items()}
    window = {e: [a for a in BIFURCATION_STRENGTHS if end[(e, a, 0.95)] - end[(e, a, 0.05)] > BISTABLE_GAP]
              for e in BIFURCATION_EROSIONS}
    return CheckGroup(
        "bifurcation",
        "Where history decides: two stable states, and the window of KPI strength where they exist",
        "model brief 10.6 and 11.6; scenarios/experiments/norms_low_start.yaml at 200 employees, seeds "
        f"{BIFURCATION_SEEDS}",
        [
            Check("bistable_window_full_erosion", "KPI strengths (of those tried) where a 95% start ends more than "
                  f"{BISTABLE_GAP:.0%} above a 5% start, norm erosion 1", 1.0, float(len(window[1.0])), 0.0,
                  "at_least", unit="strengths"),
            Check("no_bistability_without_erosion", "the same, fixed stigma (norm erosion 0)", 0.0,
                  float(len(window[0.0])), 0.0, "at_most", unit="strengths"),
            Check("bistable_window_partial_erosion", "the same, norm erosion 0.6 (a narrower window, or none)", 0.0,
                  float(len(window[0.6])), 0.0, "info", unit="strengths"),
        ],
        {"strengths": list(BIFURCATION_STRENGTHS), "erosions": list(BIFURCATION_EROSIONS),
         "end": {f"{e}|{start}": [end[(e, a, start)] for a in BIFURCATION_STRENGTHS]
                 for e in BIFURCATION_EROSIONS for start in BIFURCATION_STARTS}},
    )


def belief_bubble() -> CheckGroup:
    """The bubble from beliefs (model brief 11.5): budget and pressure follow the ROI management
    believes; finance audits with a chance that grows as the dashboard's value outpaces downstream
    actions; an audit moves the belief. When (and whether) it bursts is an output, over seeds."""
    runs = [sim.run(EXPERIMENTS / "bubble_beliefs.yaml", seed=seed) for seed in SEEDS]
    first_audits, drops, slowdowns = [], [], []
    for result in runs:
        ts = result.timeseries.set_index("week")
        audits = [week for week, text in result.model.management.events if text.startswith("ROI audit")]
        first_audits.append(audits[0] if audits else np.nan)
        last = int(ts.index[-1])
        seen_after = [week for week in audits if week + 13 <= last]  # an audit with a quarter after it to see
        if seen_after:
            week = seen_after[0]
            before = ts.loc[week - 12: week, "roi_reported"].mean()
            after = ts.loc[week + 1: week + 13, "roi_reported"].mean()
            drops.append(after - before)
        failed = [week for week, text in result.model.management.events
                  if text.startswith("ROI audit failed") and week + 13 <= last]
        if failed:
            week, budget = failed[0], ts["budget_index"]
            growth_before = (budget.loc[week] / budget.iloc[0]) ** (13 / week) - 1
            growth_after = (budget.loc[last] / budget.loc[week]) ** (13 / max(last - week, 1)) - 1
            slowdowns.append(growth_after - growth_before)
    weeks = np.array(first_audits, dtype=float)
    seen = weeks[np.isfinite(weeks)]
    return CheckGroup(
        "belief_bubble",
        "The bubble from beliefs: it grows while the dashboard is believed and bursts when belief meets evidence",
        "model brief 11.5; scenarios/experiments/bubble_beliefs.yaml (scrutiny and belief weight: ASSUMPTION; "
        "the budget's pull on seats and KPI pressure: a rule, ASSUMPTION)",
        [
            Check("belief_bubble_audits", f"seeds (of {len(SEEDS)}) in which finance's scrutiny led to an audit",
                  float(len(SEEDS)), float(len(seen)), 0.0, "info", unit="seeds"),
            Check("belief_bubble_timing_spread", "weeks of the first audit, latest minus earliest over seeds (0: a "
                  "calendar; here an output)", 0.0, float(seen.max() - seen.min()) if seen.size else np.nan, 0.0,
                  "info", unit="weeks"),
            Check("belief_bubble_reported_roi_falls", "largest change of reported ROI, quarter after the first audit "
                  "(passed or failed: each moves the belief) minus quarter before (negative: the dashboard is no "
                  "longer believed)", 0.0,
                  float(max(drops)) if drops else np.nan, 0.0, "at_most", unit="ratio"),
            Check("belief_bubble_budget_slows", f"largest change of the budget's growth a quarter, after the first "
                  f"failed audit minus before (in the {len(slowdowns)} of {len(SEEDS)} seeds with a failed audit and a "
                  "quarter after it) (negative: the budget follows the belief and stalls or shrinks; reported, not judged: at the fitted defaults a failed audit can leave the believed ROI above the hurdle while the dashboard keeps climbing, and the budget keeps growing)", 0.0,
                  float(max(slowdowns)) if slowdowns else np.nan, 0.0, "info", unit="ratio"),
        ],
        {"runs": [r.timeseries for r in runs], "audit_weeks": first_audits},
    )


MARKET_CLAIMS_RUN = ["firms=20", "weeks=156", "organisation_set.organization.employees=60",
                     "correction.audit_share_per_review=0.15"]
"""A small default market for CI: 20 firms of 60 employees; outside audits of 15% of firms a quarter
give about as many audits (3 a quarter) as the default's 5% of 50 firms."""
MARKET_CLAIMS_SEEDS = (1, 2, 3, 4, 5, 6)


def market_claims() -> CheckGroup:
    """The market's claims over seeds (model brief 11.6): a correction that comes from scandals, and
    what it changes (firms' choices, spend, true ROI) against the same seed without it."""
    from sim.market.claims import run_claims

    claims = run_claims(LIBRARY / "market" / "default.yaml", MARKET_CLAIMS_SEEDS, MARKET_CLAIMS_RUN)
    by_key = {c.key: c for c in claims.claims}
    n = float(len(MARKET_CLAIMS_SEEDS))

    def held(key: str) -> float:
        return float(by_key[key].n_held)

    corrected = held("correction")
    return CheckGroup(
        "market_claims",
        "The market's claims over seeds: the correction comes from scandals and changes what firms choose",
        "model brief 11.6; scenarios/market/default.yaml at 20 firms of 60 employees, outside audits 15% a quarter "
        "(trust prior, audit publication, scandal scrutiny: ASSUMPTION)",
        [
            Check("market_correction_seeds", f"seeds (of {len(MARKET_CLAIMS_SEEDS)}) in which scandals set off a "
                  "correction (at least one: when it comes is an output)", n, corrected, n - 1, "at_least", unit="seeds"),
            Check("market_correction_moves_firms_up_in_truth", "seeds (of those with a correction) ending with firms on "
                  "policies of higher true ROI than the same seed without it (a claim, reported: at the fitted "
                  "defaults firms already hold policies of high true ROI, so the correction seldom moves them up)",
                  corrected, held("choices_in_truth"), 0.0, "info", unit="seeds"),
            Check("market_correction_fewer_inflating", "seeds (of those with a correction) ending with fewer firms on "
                  "inflating policies than the same seed without it (not expected where an inflating policy is also "
                  "the best in truth)", corrected, held("choices"), 0.0, "info", unit="seeds"),
            Check("market_race_left_alone", "seeds in which, left alone, the share of firms on inflating policies "
                  "rises by more than 5 points", n, held("race"), 0.0, "info", unit="seeds"),
            Check("market_race_in_truth", "seeds in which, left alone, firms end on policies of lower true ROI than "
                  "they started on (the race to the bottom measured on true value)", 0.0, held("race_in_truth"), 0.0,
                  "info", unit="seeds"),
            Check("market_spend_falls", "seeds whose last week's AI spend is below the same seed without a correction",
                  corrected, held("spend"), 0.0, "info", unit="seeds"),
            Check("market_seat_bound_rarely_binds", "largest share of firm-weeks at the seat bound over seeds (a "
                  "physical bound, not what shapes spend; reported: the aim is under 20%)", 0.2,
                  float(by_key["seat_bound"].values.max()), 0.0, "info", unit="share"),
            Check("market_shares_in_unit_interval", "every weekly share of firms, every seed, in [0, 1] (invariant)",
                  1.0, float(claims.trajectories[["inflating_share", "downhill_share"]].stack().between(0, 1).all()),
                  0.0, unit="bool"),
        ],
        {"trajectories": claims.trajectories, "correction_weeks": claims.seeds["correction_week"].tolist(),
         "seeds": len(MARKET_CLAIMS_SEEDS)},
    )


GROUPS: dict[str, Callable[[], CheckGroup]] = {
    "hysteresis": hysteresis,
    "persistence": persistence,
    "bifurcation": bifurcation,
    "bubble": bubble,
    "belief_bubble": belief_bubble,
    "learning": learning,
    "market_claims": market_claims,
}
"""Experiment check groups (model brief 10.6), in report order."""
