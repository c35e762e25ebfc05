"""The market's claims over several seeds (model brief 11.1, 11.6): each claim is measured in every
seed, on the market as given and on the same seed without the correction (a paired counterfactual),
and stated with its median, its range and the share of seeds in which it holds. One seed never
speaks for the model.

>>> from sim.market.claims import run_claims
>>> claims = run_claims("scenarios/market/default.yaml", seeds=range(1, 9))  # doctest: +SKIP
>>> claims.table  # one row per claim  # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from sim.market.io import LoadedMarket, apply_market_changes, load_market
from sim.market.run import MarketResult, policy_gaps, run_market

DEFAULT_SEEDS = 8
"""Seeds the market report measures its claims over (each run twice: with and without the correction)."""
RACE_RISE = 0.05
"""The share of firms on inflating policies must rise by more than this (5 points) for a race."""
SPEND_FALL = 0.05
"""Spend "falls" when the last week's is at least this share below its peak."""
NO_CORRECTION = {"correction.scandals_to_trigger": None, "correction.week": None}


@dataclass(frozen=True)
class Claim:
    """One claim of the market report, measured in each seed."""

    key: str
    statement: str  # what is claimed, in words
    measure: str  # what the value is, with its unit
    values: np.ndarray  # the value in each seed
    holds: np.ndarray  # whether the claim holds in each seed
    percent: bool = True  # the value is a share or ratio shown in % (else a week, or dollars with unit "usd")
    unit: str = ""
    applies: np.ndarray | None = None  # the seeds where the claim can be judged (None: every seed)
    among: str = "seeds"  # what those seeds are, in words

    @property
    def judged(self) -> np.ndarray:
        """Whether the claim is judged in each seed."""
        return np.ones(self.holds.shape, dtype=bool) if self.applies is None else self.applies

    @property
    def n_judged(self) -> int:
        return int(self.judged.sum())

    @property
    def n_held(self) -> int:
        return int((self.holds & self.judged).sum())

    @property
    def holds_share(self) -> float:
        return self.n_held / self.n_judged if self.n_judged else float("nan")

    def spread(self) -> tuple[float, float, float]:
        """Median and range (min, max) of the finite values of the judged seeds (NaN if none)."""
        values = self.values[self.judged]
        finite = values[np.isfinite(values)]
        if not finite.size:
            return float("nan"), float("nan"), float("nan")
        return float(np.median(finite)), float(finite.min()), float(finite.max())


@dataclass(frozen=True)
class ClaimsResult:
    """Claims over seeds: one row per seed (`seeds`), the claims, and each seed's weekly shares."""

    seeds: pd.DataFrame
    claims: list[Claim]
    trajectories: pd.DataFrame  # week, seed, corrected (bool: the market as given), inflating_share, ai_spend_usd

    @property
    def table(self) -> pd.DataFrame:
        rows = []
        for c in self.claims:
            median, low, high = c.spread()
            rows.append({"claim": c.key, "statement": c.statement, "measure": c.measure, "median": median, "min": low,
                         "max": high, "holds_share": c.holds_share, "seeds_held": c.n_held,
                         "seeds_judged": c.n_judged, "among": c.among})
        return pd.DataFrame(rows)


def shares_on(result: MarketResult, policies: list[str]) -> pd.Series:
    """Weekly share of firms on the given policies."""
    industry = result.industry
    columns = [f"firms_on_{p}" for p in policies]
    return industry[columns].sum(axis=1) / result.summary["firms"] if columns else industry["week"] * 0.0


def true_net_gain_usd_per_employee_week(result: MarketResult) -> float:
    """The industry's true AI value less AI spend and measurement, per employee-week, over the run."""
    industry = result.industry
    net = (industry["true_value_usd"] - industry["ai_spend_usd"] - industry["measurement_cost_usd"]).sum()
    return float(net / industry["employees"].sum())


def held_true_roi_end(result: MarketResult, true_roi: pd.Series) -> float:
    """Mean over firms of the true ROI (by `true_roi`) of the policy each holds in the last week."""
    firms = result.firms
    last = firms.loc[firms["week"] == firms["week"].max(), "policy"].astype(str)
    return float(last.map(true_roi).astype(float).mean())


def seed_row(seed: int, given: MarketResult, without: MarketResult) -> dict[str, float]:
    """The measures of one seed: the market as given and the same seed without the correction.
    Inflating policies are those of the run without the correction (dashboards left alone), so both
    runs count the same policies."""
    s, n = given.summary, without.summary
    inflating = n["inflating_policies"]
    share, share_without = shares_on(given, inflating), shares_on(without, inflating)
    corrected = s["correction_week"]
    crossover = s["credit_crossover_week"]
    yardstick = policy_gaps(without.firms)["roi_true"]  # one measure of each policy's true ROI for both runs
    return {
        "seed": seed,
        "race_rise": float(share_without.max() - share_without.iloc[0]),
        "policy_true_roi_change": n["policy_true_roi_end"] - n["policy_true_roi_start"],
        "downhill_share_end": n["downhill_share_end"],
        "moves_to_lower_true_roi_share": n["moves_to_lower_true_roi_share"],
        "correction_week": float(corrected) if corrected else np.nan,
        "inflating_share_at_correction": float(share[given.industry["week"] == corrected].iloc[0]) if corrected else np.nan,
        "inflating_share_end": float(share.iloc[-1]),
        "inflating_share_end_without": float(share_without.iloc[-1]),
        "held_true_roi_end_vs_without": held_true_roi_end(given, yardstick) - held_true_roi_end(without, yardstick),
        "spend_end_vs_without": s["ai_spend_end_usd_per_week"] / n["ai_spend_end_usd_per_week"],
        "spend_growth": s["ai_spend_growth"],
        "spend_end_vs_peak": s["ai_spend_end_vs_peak"],
        "seat_bound_share": s["seat_bound_share"],
        "roi_true": s["roi_true"],
        "roi_true_without": n["roi_true"],
        "true_net_gain_vs_without_usd": (true_net_gain_usd_per_employee_week(given)
                                         - true_net_gain_usd_per_employee_week(without)),
        "credit_crossover_week": float(crossover) if crossover else np.nan,
        "crossover_before_correction": bool(crossover is not None and (corrected is None or crossover < corrected)),
    }


def claims_from(seeds: pd.DataFrame) -> list[Claim]:
    """The report's claims from the per-seed measures."""
    corrected = seeds["correction_week"].notna().to_numpy()
    change = (seeds["inflating_share_end"] - seeds["inflating_share_end_without"]).to_numpy()
    spend = seeds["spend_end_vs_without"].to_numpy()
    roi_gain = (seeds["roi_true"] - seeds["roi_true_without"]).to_numpy()
    return [
        Claim("race", "a race to inflating dashboards: the share of firms on inflating policies rises (left alone, "
              "no correction)", "rise of that share, start to peak", seeds["race_rise"].to_numpy(),
              (seeds["race_rise"] > RACE_RISE).to_numpy()),
        Claim("race_in_truth", "a race to the bottom in truth: firms end on policies of lower true ROI than they "
              "started on (no correction)", "change of the pooled true ROI of the policies firms hold, first to last "
              "week", seeds["policy_true_roi_change"].to_numpy(), (seeds["policy_true_roi_change"] < 0).to_numpy()),
        Claim("downhill", "most firms that move, move downhill in truth (no correction)",
              "share of policy changes to a policy of lower true ROI", seeds["moves_to_lower_true_roi_share"].to_numpy(),
              (seeds["moves_to_lower_true_roi_share"] > 0.5).to_numpy()),
        Claim("correction", "a correction comes (scandals pile up)", "week of the correction",
              seeds["correction_week"].to_numpy(), corrected, percent=False),
        Claim("choices", "the correction changes what firms choose: fewer firms on inflating policies at the end "
              "than without it", "share on inflating policies at the end, minus the same seed without a correction",
              change, change < 0, applies=corrected, among="seeds with a correction"),
        Claim("choices_in_truth", "the correction moves firms to policies of higher true ROI: at the end, firms hold "
              "policies of higher true ROI than the same seed without it", "true ROI of the policies held at the end "
              "minus the same without a correction (percentage points)",
              seeds["held_true_roi_end_vs_without"].to_numpy(), (seeds["held_true_roi_end_vs_without"] > 0).to_numpy(),
              applies=corrected, among="seeds with a correction"),
        Claim("spend", "the correction changes spend: weekly AI spend at the end below the same seed without it",
              "last week's AI spend / the same without a correction", spend, spend < 1, applies=corrected,
              among="seeds with a correction"),
        Claim("spend_falls", "spend falls after the correction: the last week's AI spend is at least 5% below its peak",
              "last week's AI spend / the peak week's", seeds["spend_end_vs_peak"].to_numpy(),
              (seeds["spend_end_vs_peak"] < 1 - SPEND_FALL).to_numpy(), applies=corrected,
              among="seeds with a correction"),
        Claim("true_roi", "the correction raises the industry's true ROI", "true ROI minus the same seed without a "
              "correction (percentage points)", roi_gain, roi_gain > 0, applies=corrected,
              among="seeds with a correction"),
        Claim("true_net_gain", "the correction raises the industry's true net gain (true value less AI spend and "
              "measurement)", "$ per employee-week, minus the same seed without a correction",
              seeds["true_net_gain_vs_without_usd"].to_numpy(), (seeds["true_net_gain_vs_without_usd"] > 0).to_numpy(),
              percent=False, applies=corrected, among="seeds with a correction", unit="usd"),
        Claim("stops_before", "what stops the race is investors learning from outside audits: honest firms' credit "
              "overtakes inflating firms' for good, before any correction", "week of that crossover",
              seeds["credit_crossover_week"].to_numpy(), seeds["crossover_before_correction"].to_numpy(), percent=False),
        Claim("seat_bound", "the seat bound (a seat for everyone) rarely shapes spend: it binds in under a fifth of "
              "firm-weeks", "share of firm-weeks at the bound", seeds["seat_bound_share"].to_numpy(),
              (seeds["seat_bound_share"] < 0.2).to_numpy()),
    ]


def run_claims(source: str | Path | LoadedMarket, seeds: Iterable[int], overrides: list[str] | None = None) -> ClaimsResult:
    """Run the market and its no-correction twin for each seed; measure every claim."""
    loaded = source if isinstance(source, LoadedMarket) else load_market(source, overrides)
    without_correction = apply_market_changes(loaded, NO_CORRECTION, origin="claims: the market without a correction")
    rows, paths = [], []
    for seed in seeds:
        given, without = run_market(loaded, seed=seed), run_market(without_correction, seed=seed)
        rows.append(seed_row(int(seed), given, without))
        inflating = without.summary["inflating_policies"]
        for corrected, result in ((True, given), (False, without)):
            paths.append(pd.DataFrame({"week": result.industry["week"], "seed": int(seed), "corrected": corrected,
                                       "inflating_share": shares_on(result, inflating).to_numpy(),
                                       "downhill_share": result.industry["downhill_share"],
                                       "ai_spend_usd": result.industry["ai_spend_usd"]}))
    table = pd.DataFrame(rows)
    return ClaimsResult(table, claims_from(table), pd.concat(paths, ignore_index=True))
