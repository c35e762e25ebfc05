"""Run a market to its last week: the boundary function of the market model.

>>> from sim.market import run_market
>>> result = run_market("scenarios/market/default.yaml")  # doctest: +SKIP
>>> result.industry[["week", "roi_reported", "roi_true"]]  # doctest: +SKIP
"""

from __future__ import annotations

import html
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.market.io import LoadedMarket, load_market
from sim.market.model import MarketModel

INFLATING_ROI_GAP = 0.25
"""A policy inflates when its firms' dashboards overstate ROI by at least this (25 percentage points
of ROI, pooled over every firm-week on it in the run): measured, not labelled."""


@dataclass(frozen=True)
class MarketResult:
    """A finished market: industry weekly totals, one row per firm and week, events, summary."""

    loaded: LoadedMarket
    industry: pd.DataFrame
    firms: pd.DataFrame
    events: list[tuple[int, str]]
    summary: dict[str, Any]
    model: MarketModel

    def __repr__(self) -> str:
        s = self.summary
        return (f"MarketResult({s['name']!r}: {s['firms']} firms, {s['weeks']} weeks, seed {s['seed']}; firms on "
                f"inflating policies {s['inflating_share_start']:.0%} -> peak {s['inflating_share_peak']:.0%} -> "
                f"{s['inflating_share_end']:.0%}; .industry, .firms, .events)")

    def _repr_html_(self) -> str:
        from sim.market.report import headline_rows
        from sim.report.html import table_html

        return (f"<p><b>{html.escape(self.summary['name'])}</b>: {self.summary['firms']} firms, "
                f"{self.summary['weeks']} weeks. <code>.industry</code>, <code>.firms</code>, <code>.events</code>.</p>"
                + table_html(["", ""], headline_rows(self.summary)))


def run_market(source: str | Path | dict | LoadedMarket, seed: int | None = None,
               overrides: list[str] | None = None, on_week: Callable[[], object] | None = None) -> MarketResult:
    """Run a market file (or dict, or loaded market) to its last week; `on_week()` is called after
    each week (a progress bar)."""
    loaded = source if isinstance(source, LoadedMarket) else load_market(source, overrides)
    model = MarketModel(loaded, seed=seed)
    while model.running:
        model.step()
        if on_week is not None:
            on_week()
    industry = pd.DataFrame(model.records)
    firms = pd.concat([pd.DataFrame(w) for w in model.firm_weeks], ignore_index=True)
    firms["policy"] = pd.Categorical.from_codes(firms["policy"], categories=model.policy_names)
    inflating = inflating_policies(firms)
    firms["inflating"] = firms["policy"].isin(inflating)
    industry["downhill_share"] = downhill_share(firms).to_numpy()
    summary = summarise(model, industry, firms, inflating)
    return MarketResult(loaded, industry, firms, list(model.events), summary, model)


def inflating_policies(firms: pd.DataFrame) -> list[str]:
    """Policies whose dashboards overstated ROI by at least INFLATING_ROI_GAP in this run."""
    spend = firms["ai_spend_usd"] + firms["measurement_cost_usd"]
    gap = (firms["reported_value_usd"] - firms["true_value_usd"]).groupby(firms["policy"], observed=True).sum()
    pooled = gap / spend.groupby(firms["policy"], observed=True).sum()
    return [str(p) for p, g in pooled.items() if g >= INFLATING_ROI_GAP]


def policy_gaps(firms: pd.DataFrame) -> pd.DataFrame:
    """Per policy: firm-weeks on it, pooled ROI reported and true, mean gaming share."""
    spend = firms["ai_spend_usd"] + firms["measurement_cost_usd"]
    frame = firms.assign(spend=spend)
    grouped = frame.groupby("policy", observed=True)
    sums = grouped[["reported_value_usd", "true_value_usd", "spend"]].sum()
    out = pd.DataFrame({
        "firm_weeks": grouped.size(),
        "roi_reported": (sums["reported_value_usd"] - sums["spend"]) / sums["spend"],
        "roi_true": (sums["true_value_usd"] - sums["spend"]) / sums["spend"],
        "gaming_share": grouped.apply(lambda g: np.average(g["gaming_share"], weights=g["employees"]),
                                      include_groups=False),
    })
    return out


def race_on_true_value(firms: pd.DataFrame) -> dict[str, float]:
    """The race to the bottom measured on true value (model brief 11.6): the pooled true ROI of the
    policies firms hold in the first and the last week (firm-weighted), and of all policy changes the
    share that moved to a policy of lower true ROI (pooled over the run)."""
    true_roi = policy_gaps(firms)["roi_true"]
    first, last = firms["week"].min(), firms["week"].max()

    def held(week: int) -> float:
        policies = firms.loc[firms["week"] == week, "policy"].astype(str)
        return float(policies.map(lambda p: true_roi[p]).mean())

    ordered = firms.sort_values(["firm", "week"])
    before = ordered.groupby("firm", observed=True)["policy"].shift().astype(object)
    now = ordered["policy"].astype(object)
    moved = before.notna() & (before != now)
    downhill = [true_roi[str(b)] > true_roi[str(a)] for b, a in zip(before[moved], now[moved], strict=True)]
    return {"policy_true_roi_start": held(first), "policy_true_roi_end": held(last),
            "policy_moves": float(len(downhill)),
            "moves_to_lower_true_roi_share": float(np.mean(downhill)) if downhill else float("nan")}


def downhill_share(firms: pd.DataFrame) -> pd.Series:
    """Per week, the share of firms on a policy of lower true ROI (pooled over the run) than the one
    they held in the first week: the race to the bottom measured on true value, over time."""
    true_roi = policy_gaps(firms)["roi_true"]
    roi = firms["policy"].astype(str).map(true_roi).astype(float)
    first = roi.groupby(firms["firm"]).transform("first") if firms["week"].is_monotonic_increasing else None
    if first is None:
        ordered = firms.sort_values(["week", "firm"])
        first = roi.loc[ordered.index].groupby(ordered["firm"]).transform("first").reindex(firms.index)
    return (roi < first - 1e-12).groupby(firms["week"]).mean()


def credit_crossover_week(firms: pd.DataFrame) -> int | None:
    """The week from which investors credit firms on honest policies above firms on inflating ones
    for the rest of the run (None: never, or no firms of one kind at the end)."""
    table = credited_by_class(firms).dropna()
    if table.empty or "honest" not in table or "inflating" not in table:
        return None
    ahead = (table["honest"] > table["inflating"]).to_numpy()
    if not ahead[-1]:
        return None
    behind = np.flatnonzero(~ahead)
    return int(table.index[behind[-1] + 1]) if behind.size else int(table.index[0])


def credited_by_class(firms: pd.DataFrame) -> pd.DataFrame:
    """Mean credited gain per week of firms on inflating and on honest policies ($ per employee-week)."""
    table = firms.pivot_table(index="week", columns="inflating", values="credited_gain_usd_per_employee_week",
                              aggfunc="mean", observed=True)
    return table.rename(columns={True: "inflating", False: "honest"}).reindex(columns=["honest", "inflating"])


def credited_by_policy(firms: pd.DataFrame, corrected: int | None, settle_weeks: int) -> tuple[dict, dict]:
    """Mean credited gain per policy before the correction and from `settle_weeks` after it."""
    def means(frame: pd.DataFrame) -> dict[str, float]:
        found = frame.groupby("policy", observed=True)["credited_gain_usd_per_employee_week"].mean()
        return {str(p): float(v) for p, v in found.items()}

    if corrected is None:
        return means(firms), {}
    return means(firms[firms["week"] < corrected]), means(firms[firms["week"] >= corrected + settle_weeks])


def summarise(model: MarketModel, industry: pd.DataFrame, firms: pd.DataFrame, inflating: list[str]) -> dict[str, Any]:
    market = model.market
    share = industry[[f"firms_on_{p}" for p in inflating]].sum(axis=1) / market.firms if inflating else industry["week"] * 0.0
    credited = credited_by_class(firms)
    corrected = model.corrected_week
    before = credited.loc[: corrected - 1] if corrected else credited
    after = credited.loc[corrected + market.imitation.review_every_weeks:] if corrected else credited.iloc[0:0]
    by_policy_before, by_policy_after = credited_by_policy(firms, corrected, market.imitation.review_every_weeks)
    spend = industry["ai_spend_usd"] + industry["measurement_cost_usd"]
    vendor_total = sum(industry[f"vendor_{k}_usd"].sum() for k in ("seats", "productive_usage", "performative_usage",
                                                                    "unused_allowance"))
    return {
        "name": market.name, "seed": market.seed, "firms": market.firms, "weeks": market.weeks,
        "employees_per_firm_mean": float(industry["employees"].iloc[0] / market.firms),
        "inflating_policies": inflating,
        "inflating_share_start": float(share.iloc[0]),
        "inflating_share_peak": float(share.max()),
        "inflating_share_peak_week": int(industry["week"].iloc[int(share.to_numpy().argmax())]),
        "inflating_share_end": float(share.iloc[-1]),
        "correction_week": corrected,
        "scandals": model.total_scandals,
        "value_based_pricing_week": market.vendor.value_based_from_week,
        "price_usd_per_action": model.price_usd_per_action,
        "credited_honest_before_usd": _mean(before, "honest"),
        "credited_inflating_before_usd": _mean(before, "inflating"),
        "credited_honest_after_usd": _mean(after, "honest"),
        "credited_inflating_after_usd": _mean(after, "inflating"),
        "credited_by_policy_before_usd": by_policy_before,
        "credited_by_policy_after_usd": by_policy_after,
        "roi_reported": float((industry["reported_value_usd"].sum() - spend.sum()) / spend.sum()),
        "roi_true": float((industry["true_value_usd"].sum() - spend.sum()) / spend.sum()),
        "ai_spend_usd": float(industry["ai_spend_usd"].sum()),
        "ai_spend_peak_week": int(industry["week"].iloc[int(industry["ai_spend_usd"].to_numpy().argmax())]),
        "ai_spend_growth": float(industry["ai_spend_usd"].max() / industry["ai_spend_usd"].iloc[0]),
        "ai_spend_end_vs_peak": float(industry["ai_spend_usd"].iloc[-1] / industry["ai_spend_usd"].max()),
        "measurement_cost_usd": float(industry["measurement_cost_usd"].sum()),
        "wasted_spend_usd": float(industry["wasted_spend_usd"].sum()),
        "wasted_spend_share": float(industry["wasted_spend_usd"].sum() / industry["ai_spend_usd"].sum()),
        "wasted_hours_cost_usd": float(industry["wasted_hours_cost_usd"].sum()),
        "co2_kg": float(industry["co2_kg"].sum()),
        "wasted_co2_kg": float(industry["wasted_co2_kg"].sum()),
        "vendor_revenue_usd": float(vendor_total),
        "vendor_performative_usd": float(industry["vendor_performative_usage_usd"].sum()),
        "vendor_seats_usd": float(industry["vendor_seats_usd"].sum()),
        "gaming_share_mean": float(np.average(industry["gaming_share"], weights=industry["employees"])),
        "policy_shares_end": {p: int(industry[f"firms_on_{p}"].iloc[-1]) for p in model.policy_names},
        "inflating_share_at_correction": (float(share[industry["week"] == corrected].iloc[0]) if corrected
                                          else float("nan")),
        "downhill_share_end": float(industry["downhill_share"].iloc[-1]),
        "credit_crossover_week": credit_crossover_week(firms),
        "investor_weight_reported_end": float(industry["investor_weight_reported"].iloc[-1]),
        "seat_bound_share": float((firms["seats"] >= firms["employees"] - 0.5).mean()),
        "ai_spend_end_usd_per_week": float(industry["ai_spend_usd"].iloc[-1]),
        **race_on_true_value(firms),
    }


def summary_row(summary: dict[str, Any]) -> dict[str, Any]:
    """The summary's scalar values (the data dictionary's MARKET_SUMMARY), one row of a market sweep."""
    from sim.dictionary import MARKET_SUMMARY

    row = {name: summary[name] for name in MARKET_SUMMARY}
    row["inflating_policies"] = ",".join(summary["inflating_policies"])
    return row


def _mean(frame: pd.DataFrame, column: str) -> float:
    return float(frame[column].mean()) if column in frame and len(frame) else float("nan")
