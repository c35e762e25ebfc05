"""The market report: one HTML page (plain-language findings, headline table, five charts) and the
charts as PNG, from a :class:`sim.market.run.MarketResult` (figures take DataFrames, never models)."""

from __future__ import annotations

from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import PercentFormatter

from sim.market.claims import Claim, ClaimsResult
from sim.market.run import INFLATING_ROI_GAP, MarketResult, credited_by_class, policy_gaps
from sim.output import atomic_write, atomic_write_text
from sim.report.figures import COLOURS, new_axes, usd_axis
from sim.report.html import figure_html, list_html, page, png_bytes, table_html
from sim.report.style import styled

REPORT_NAME = "report.html"
FIGURE_DIR = "figures"
ROLLING_WEEKS = 13
POLICY_COLOURS = ("#d95f02", "#e6ab02", "#7570b3", "#1b9e77", "#66a61e", "#a6761d", "#e7298a", "#666666")


def usd(value: float) -> str:
    return f"${value:,.0f}" if abs(value) < 1e6 else f"${value / 1e6:,.1f} million"


def pct(ratio: float) -> str:
    """A share or ROI in %: one decimal below 10% (0.3%, not 0%), none above."""
    return f"{100 * ratio:,.1f}%" if abs(ratio) < 0.1 and ratio != 0 else f"{100 * ratio:,.0f}%"


# --- figures -------------------------------------------------------------------------------
def _events(ax: Axes, industry: pd.DataFrame, summary: dict[str, Any]) -> None:
    """Vertical markers at the correction and the switch to value-based pricing."""
    if summary["correction_week"]:
        ax.axvline(summary["correction_week"], color="black", linestyle="--", linewidth=1)
        ax.annotate("correction", (summary["correction_week"], 1), xycoords=("data", "axes fraction"),
                    xytext=(3, -12), textcoords="offset points", fontsize=8)
    if summary["value_based_pricing_week"]:
        ax.axvline(summary["value_based_pricing_week"], color="#1b9e77", linestyle=":", linewidth=1)
        ax.annotate("value-based pricing", (summary["value_based_pricing_week"], 1),
                    xycoords=("data", "axes fraction"), xytext=(3, -24), textcoords="offset points", fontsize=8)


def _finish(ax: Axes, title: str, ylabel: str) -> None:
    ax.set_title(title, loc="left", fontsize=11)
    ax.set_xlabel("week")
    ax.set_ylabel(ylabel)
    ax.grid(alpha=0.3)
    ax.spines[["top", "right"]].set_visible(False)


@styled
def plot_policy_shares(industry: pd.DataFrame, summary: dict[str, Any], ax: Axes | None = None) -> Figure:
    fig, ax = new_axes(ax, figsize=(8.0, 4.0))
    names = [c[len("firms_on_"):] for c in industry if c.startswith("firms_on_")]
    shares = np.vstack([industry[f"firms_on_{n}"] / summary["firms"] for n in names])
    labels = [f"{n} (inflates)" if n in summary["inflating_policies"] else n for n in names]
    ax.stackplot(industry["week"], shares, labels=labels, colors=POLICY_COLOURS[: len(names)], alpha=0.85)
    ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set_ylim(0, 1)
    ax.set_xlim(industry["week"].min(), industry["week"].max())
    _events(ax, industry, summary)
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False)
    _finish(ax, "Share of firms on each KPI policy", "share of firms")
    return fig


@styled
def plot_credited(firms: pd.DataFrame, industry: pd.DataFrame, summary: dict[str, Any], ax: Axes | None = None) -> Figure:
    fig, ax = new_axes(ax)
    table = credited_by_class(firms)
    for column, colour, label in (("inflating", COLOURS["reported"], "firms on inflating policies"),
                                  ("honest", COLOURS["true"], "firms on honest policies")):
        if column in table:
            ax.plot(table.index, table[column], color=colour, label=label)
    ax.yaxis.set_major_formatter(lambda v, _: f"${v:,.2f}" if abs(v) < 10 else f"${v:,.0f}")
    _events(ax, industry, summary)
    if "investor_weight_reported" in industry:
        weight = ax.twinx()
        weight.plot(industry["week"], industry["investor_weight_reported"], color="#666666", linestyle=":",
                    label="investors' weight on reported figures (right)")
        weight.set_ylim(0, 1)
        weight.yaxis.set_major_formatter(PercentFormatter(1.0))
        weight.spines[["top"]].set_visible(False)
        handles = ax.get_legend_handles_labels()[0] + weight.get_legend_handles_labels()[0]
        ax.legend(handles=handles, fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.2), ncol=3, frameon=False)
    else:
        ax.legend(fontsize=8)
    _finish(ax, "What investors credit firms with (mean per firm)", "$ per employee-week")
    return fig


def rolling_roi(industry: pd.DataFrame, weeks: int = ROLLING_WEEKS) -> pd.DataFrame:
    """Industry ROI over the last `weeks` weeks (reported and true), week by week."""
    spend = (industry["ai_spend_usd"] + industry["measurement_cost_usd"]).rolling(weeks, min_periods=1).sum()
    reported = industry["reported_value_usd"].rolling(weeks, min_periods=1).sum()
    true = industry["true_value_usd"].rolling(weeks, min_periods=1).sum()
    return pd.DataFrame({"week": industry["week"], "reported": (reported - spend) / spend, "true": (true - spend) / spend})


@styled
def plot_industry_roi(industry: pd.DataFrame, summary: dict[str, Any], ax: Axes | None = None) -> Figure:
    fig, ax = new_axes(ax)
    roi = rolling_roi(industry)
    ax.plot(roi["week"], 100 * roi["reported"], color=COLOURS["reported"], label="as firms report it")
    ax.plot(roi["week"], 100 * roi["true"], color=COLOURS["true"], label="in truth")
    ax.axhline(0, color="black", linewidth=0.6)
    ax.yaxis.set_major_formatter(PercentFormatter(100))
    _events(ax, industry, summary)
    ax.legend(fontsize=8)
    _finish(ax, f"Industry ROI on AI (last {ROLLING_WEEKS} weeks)", "ROI (%)")
    return fig


@styled
def plot_vendor_revenue(industry: pd.DataFrame, summary: dict[str, Any], ax: Axes | None = None) -> Figure:
    fig, ax = new_axes(ax)
    lines = [("seats", COLOURS["seats"], "seat licences"), ("productive_usage", COLOURS["genuine"], "usage: genuine work"),
             ("performative_usage", COLOURS["performative"], "usage: performative"),
             ("unused_allowance", "#bbbbbb", "prepaid, unused")]
    present = [(k, c, lab) for k, c, lab in lines if industry[f"vendor_{k}_usd"].abs().sum() > 0]
    ax.stackplot(industry["week"], [industry[f"vendor_{k}_usd"] for k, _, _ in present],
                 colors=[c for _, c, _ in present], labels=[lab for _, _, lab in present], alpha=0.85)
    usd_axis(ax)
    _events(ax, industry, summary)
    ax.legend(fontsize=8, loc="upper left")
    _finish(ax, "The vendor's revenue, by what it was paid for", "$ per week")
    return fig


@styled
def plot_waste(industry: pd.DataFrame, summary: dict[str, Any], ax: Axes | None = None) -> Figure:
    fig = Figure(figsize=(8.0, 3.6), layout="constrained")
    left, right = fig.subplots(1, 2)
    left.plot(industry["week"], industry["ai_spend_usd"], color=COLOURS["seats"], label="AI spend")
    left.plot(industry["week"], industry["wasted_hours_cost_usd"], color=COLOURS["performative"],
              label="working hours spent gaming")
    left.plot(industry["week"], industry["wasted_spend_usd"], color="#999999", label="spend on performative usage")
    usd_axis(left)
    _events(left, industry, summary)
    left.legend(fontsize=7)
    _finish(left, "Industry spend and waste", "$ per week")
    right.plot(industry["week"], industry["co2_kg"], color="#444444", label="all AI use")
    right.plot(industry["week"], industry["wasted_co2_kg"], color=COLOURS["performative"], label="performative use")
    _events(right, industry, summary)
    right.legend(fontsize=7)
    _finish(right, "CO2 of serving the tokens", "kg CO2 per week")
    return fig


@styled
def plot_claims(claims: ClaimsResult, ax: Axes | None = None) -> Figure:
    """Share of firms on inflating policies and on policies of lower true ROI than their start, every
    seed: the market as given (solid) and the same seed without a correction (dashed)."""
    fig = Figure(figsize=(8.0, 3.6), layout="constrained")
    left, right = fig.subplots(1, 2, sharey=True)
    paths = claims.trajectories
    for (seed, corrected), path in paths.groupby(["seed", "corrected"]):
        style = dict(color=COLOURS["reported"] if corrected else "#999999", linestyle="-" if corrected else "--",
                     linewidth=0.9, alpha=0.7)
        left.plot(path["week"], path["inflating_share"], **style)
        right.plot(path["week"], path["downhill_share"], **style)
    for week in claims.seeds["correction_week"].dropna():
        left.axvline(week, color="black", linestyle=":", linewidth=0.6)
    left.plot([], [], color=COLOURS["reported"], label="as given")
    left.plot([], [], color="#999999", linestyle="--", label="same seed, no correction")
    left.legend(fontsize=7)
    n = claims.seeds["seed"].nunique()
    _finish(left, f"Firms on inflating policies ({n} seeds)", "share of firms")
    _finish(right, f"Firms on a policy of lower true ROI than at start ({n})", "")
    left.yaxis.set_major_formatter(PercentFormatter(1.0))
    left.set_ylim(0, 1)
    return fig


# --- words ---------------------------------------------------------------------------------
def _claim_value(claim: Claim, value: float) -> str:
    if not np.isfinite(value):
        return "n/a"
    if claim.unit == "usd":
        return f"${value:,.2f}"
    return pct(value) if claim.percent else f"week {value:,.0f}"


def _verdict(claim: Claim) -> str:
    held, n = claim.n_held, claim.n_judged
    if n == 0:
        return f"not judged: no {claim.among}"
    word = "holds" if held == n else "does not hold" if held == 0 else "holds in some only"
    return f"{held} of {n} {claim.among}: {word}"


def claim_rows(claims: ClaimsResult) -> list[list[str]]:
    """One row per claim: what is claimed, its median and range over seeds, and in how many seeds it holds."""
    rows = []
    for claim in claims.claims:
        median, low, high = claim.spread()
        value = (f"{_claim_value(claim, median)} (range {_claim_value(claim, low)} to {_claim_value(claim, high)})"
                 if np.isfinite(median) else "n/a")
        rows.append([claim.statement, f"{claim.measure}: {value}", _verdict(claim)])
    return rows


def claim_findings(claims: ClaimsResult) -> list[str]:
    """Plain sentences for the claims over seeds: which hold in every seed, which in none (said
    plainly), which in some only, and which could not be judged."""
    groups: dict[str, list[str]] = {"all": [], "none": [], "some": [], "unjudged": []}
    for claim in claims.claims:
        held, n = claim.n_held, claim.n_judged
        kind = "unjudged" if n == 0 else "all" if held == n else "none" if held == 0 else "some"
        groups[kind].append(f"{claim.statement} ({held} of {n} {claim.among})" if n else
                            f"{claim.statement} (no {claim.among})")
    lead = {"all": "Holds in every seed", "none": "Does not hold in any seed",
            "some": "Holds in some seeds only, so the model does not make it", "unjudged": "Not judged"}
    return [f"{lead[kind]}: {'; '.join(items)}." for kind, items in groups.items() if items]


def headline_rows(s: dict[str, Any]) -> list[list[str]]:
    rows = [
        ["firms on inflating policies", f"{pct(s['inflating_share_start'])} at the start, {pct(s['inflating_share_peak'])} "
                                        f"at the peak (week {s['inflating_share_peak_week']}), {pct(s['inflating_share_end'])} "
                                        "at the end"],
        ["correction", f"week {s['correction_week']}" if s["correction_week"] else "none in the run"],
        ["investors' credit, honest / inflating firms, before the correction",
         f"${s['credited_honest_before_usd']:,.2f} / ${s['credited_inflating_before_usd']:,.2f} per employee-week"],
    ]
    if s["correction_week"]:
        rows.append(["... from a quarter after it",
                     f"${s['credited_honest_after_usd']:,.2f} / ${s['credited_inflating_after_usd']:,.2f} per employee-week"])
    rows += [
        ["industry ROI on AI, as reported / in truth", f"{pct(s['roi_reported'])} / {pct(s['roi_true'])}"],
        ["AI spend", f"{usd(s['ai_spend_usd'])}; weekly spend grew x{s['ai_spend_growth']:.2f} to week "
                     f"{s['ai_spend_peak_week']}, ended at {pct(s['ai_spend_end_vs_peak'])} of the peak"],
        ["cost of gaming: working hours", usd(s["wasted_hours_cost_usd"])],
        ["cost of gaming: AI spend on performative use", f"{usd(s['wasted_spend_usd'])} "
                                                          f"({pct(s['vendor_performative_usd'] / s['vendor_revenue_usd'])} of the vendor's revenue)"],
        ["KPI measurement", usd(s["measurement_cost_usd"])],
        ["CO2", f"{s['co2_kg'] / 1000:,.1f} t ({s['wasted_co2_kg'] / 1000:,.1f} t from performative use)"],
        ["employee-weeks gaming", f"{s['gaming_share_mean']:.1%}"],
    ]
    return rows


def findings(result: MarketResult) -> list[str]:
    s, firms = result.summary, result.firms
    gaps = policy_gaps(firms)
    inflating = s["inflating_policies"]
    out = []
    if inflating:
        described = "; ".join(f"{p}: reported {pct(gaps.loc[p, 'roi_reported'])}, true {pct(gaps.loc[p, 'roi_true'])}"
                              for p in inflating)
        out.append(f"Dashboards inflate under {', '.join(inflating)} ({described}): the policies whose firms' reported "
                   f"ROI ran at least {100 * INFLATING_ROI_GAP:.0f} percentage points above the truth in this run. The other policies "
                   "report within that of the truth.")
    rose = s["inflating_share_peak"] - s["inflating_share_start"]
    if rose > 0.05:
        out.append(f"A race to inflating dashboards: the share of firms on inflating policies rose from {pct(s['inflating_share_start'])} "
                   f"to {pct(s['inflating_share_peak'])} by week {s['inflating_share_peak_week']}, because investors "
                   f"credited those firms ${s['credited_inflating_before_usd']:,.2f} per employee-week of AI gains against "
                   f"${s['credited_honest_before_usd']:,.2f} for honest ones, and firms copy better-valued firms.")
    else:
        out.append(f"No race to inflating dashboards: the share of firms on inflating policies peaked at {pct(s['inflating_share_peak'])} "
                   f"(from {pct(s['inflating_share_start'])}); investors credited inflating firms "
                   f"${s['credited_inflating_before_usd']:,.2f} per employee-week against ${s['credited_honest_before_usd']:,.2f} "
                   "for honest ones.")
    if s["correction_week"]:
        out.append(f"The correction came at week {s['correction_week']} ({s['scandals']} firms exposed by outside audits "
                   "over the run). From a quarter after it, investors credited honest firms "
                   f"${s['credited_honest_after_usd']:,.2f} and inflating firms ${s['credited_inflating_after_usd']:,.2f}; "
                   f"by the end {pct(s['inflating_share_end'])} of firms were on inflating policies.")
        after = s["credited_by_policy_after_usd"]
        if after:
            ranked = sorted(after.items(), key=lambda kv: -kv[1])
            listed = ", ".join(f"{p} ${v:,.2f}" for p, v in ranked)
            out.append(f"After the correction, per policy (credited $ per employee-week): {listed}. A KPI whose dashboard "
                       "inflates can still rank well in truth when its incentive also raises genuine use "
                       "(see the true ROI per policy above).")
    else:
        out.append(f"No correction came ({s['scandals']} firms exposed by audits); at the end {pct(s['inflating_share_end'])} "
                   "of firms were on inflating policies.")
    if s["policy_moves"]:
        lower = s["moves_to_lower_true_roi_share"]
        verdict = ("a race to the bottom in truth" if s["policy_true_roi_end"] < s["policy_true_roi_start"] and lower > 0.5
                   else "not a race to the bottom in truth")
        out.append(f"Measured on true value: the policies firms held had a pooled true ROI of {pct(s['policy_true_roi_start'])} "
                   f"in the first week and {pct(s['policy_true_roi_end'])} in the last; of {s['policy_moves']:,.0f} policy "
                   f"changes, {pct(lower)} went to a policy of lower true ROI: {verdict}, whatever the dashboards "
                   "show (one world; `tokenmaxx sweep` over seeds gives the spread).")
    bound = s["seat_bound_share"]
    out.append(f"The boom: industry AI spend per week grew x{s['ai_spend_growth']:.2f} (budgets follow the ROI management "
               f"believes, its dashboard until finance audits it, and buy seats) to week {s['ai_spend_peak_week']} and ended "
               f"at {pct(s['ai_spend_end_vs_peak'])} of its peak. A seat for every employee, the physical bound, bound in "
               f"{pct(bound)} of firm-weeks" + (": there it, not belief, shaped spend." if bound > 0 else ".")
               + f" Industry ROI as reported was {pct(s['roi_reported'])}; in truth {pct(s['roi_true'])}.")
    out.append(f"Where the model disagrees with the seed article: the vendor's windfall from performative use is small, "
               f"{pct(s['vendor_performative_usd'] / s['vendor_revenue_usd'])} of its revenue "
               f"({usd(s['vendor_performative_usd'])}), because seat licences ({pct(s['vendor_seats_usd'] / s['vendor_revenue_usd'])} "
               "of its revenue) dwarf token bills at today's token prices. The cost of gaming is the employees' time: "
               f"{usd(s['wasted_hours_cost_usd'])} of working hours spent gaming.")
    breakeven = break_even_measurement(result)
    if breakeven:
        out.append(breakeven)
    if s["price_usd_per_action"]:
        out.append(f"From week {s['value_based_pricing_week']} the vendor billed ${s['price_usd_per_action']:.4f} per "
                   "downstream action (revenue-neutral at the switch), so the policy its clients paid it most on, the "
                   "one it recommends, was no longer the one that burns the most tokens.")
    return out


def break_even_measurement(result: MarketResult) -> str | None:
    """What the honest policy investors rated best would have had to cost to measure for it to lose
    its lead (or to take it), before the correction: the assumption the race hinges on."""
    s, firms, market = result.summary, result.firms, result.loaded.market
    corrected = s["correction_week"] or s["weeks"] + 1
    before = firms[firms["week"] < corrected]
    costs = {p.name: p.measurement_usd_per_employee_month for p in market.policies}
    if before.empty or not s["inflating_policies"]:
        return None
    credited = before.groupby("policy", observed=True)["credited_gain_usd_per_employee_week"].mean()
    honest = [p for p in credited.index if p not in s["inflating_policies"] and costs[str(p)] > 0]
    inflating = [p for p in credited.index if p in s["inflating_policies"]]
    if not honest or not inflating:
        return None
    best_honest = max(honest, key=lambda p: credited[p] + costs[str(p)] * 12 / 52)
    best_inflating = max(inflating, key=lambda p: credited[p])
    margin_month = (credited[best_inflating] - credited[best_honest]) * 52 / 12
    needed = costs[str(best_honest)] - margin_month
    verb = "lead" if needed < costs[str(best_honest)] else "keep its lead"
    return (f"What this hinges on: measuring {best_honest} costs ${costs[str(best_honest)]:,.0f} per employee-month here "
            f"(ASSUMPTION). Before the correction investors credited it ${credited[best_honest]:,.2f} per employee-week "
            f"against ${credited[best_inflating]:,.2f} for {best_inflating}; at about "
            f"${max(needed, 0):,.0f} per employee-month it would {verb}. scenarios/market/cheap_outcomes.yaml runs the "
            "market with free outcome measurement.")


# --- the page ------------------------------------------------------------------------------
def write_market_report(result: MarketResult, out_dir: Path, claims: ClaimsResult | None = None) -> list[Path]:
    """Write report.html and figures/*.png; return the paths written (`claims`: the claims over seeds,
    shown first when given)."""
    industry, firms, s = result.industry, result.firms, result.summary
    world = f"One world (seed {s['seed']}): "
    figures = {
        "policy_shares": (plot_policy_shares(industry, s), world + "share of firms on each KPI policy, week by week; "
                          "'(inflates)' marks policies whose dashboards overstated ROI in this run. Dashed line: the "
                          "correction."),
        "credited": (plot_credited(firms, industry, s), world + "what investors credit the average firm with, $ of AI "
                     "gains per employee-week, for firms on inflating and on honest policies; dotted: the mean weight "
                     "investors put on reported figures (0 for audited firms)."),
        "industry_roi": (plot_industry_roi(industry, s), world + f"industry ROI on AI over the last {ROLLING_WEEKS} "
                         "weeks, as firms report it and in truth (measurement costs included)."),
        "vendor_revenue": (plot_vendor_revenue(industry, s), world + "the vendor's weekly revenue: seats, usage on "
                           "genuine work, usage on performative use."),
        "waste": (plot_waste(industry, s), world + "industry AI spend, the working hours spent gaming and the spend on "
                  "performative usage ($ per week); CO2 of serving the tokens, all and performative."),
    }
    if claims is not None:
        figures = {"claims": (plot_claims(claims), f"Every seed ({len(claims.seeds)}): the share of firms on inflating "
                              "policies (left) and on a policy of lower true ROI than the one they started on (right); "
                              "solid: the market as given, dashed: the same seed without a correction; dotted: "
                              "correction weeks."), **figures}
    rendered = {name: (png_bytes(fig), caption) for name, (fig, caption) in figures.items()}
    events = [f"week {w}: {text}" for w, text in result.events] or ["nothing happened"]
    market = result.loaded.market
    sections = []
    if claims is not None:
        n = len(claims.seeds)
        sections += [
            (f"Claims over {n} seeds", table_html(["claim", "value: median (range) over seeds", "seeds in which it holds"],
                                                  claim_rows(claims))
             + list_html(claim_findings(claims) + list(ASSUMPTIONS), "findings")),
        ]
    sections += [
        (f"Headline numbers: one world (seed {s['seed']})", table_html(["", "value over the run"], headline_rows(s))),
        (f"What the numbers say: one world (seed {s['seed']})", list_html(findings(result), "findings")),
        ("Figures", "".join(figure_html(n, png, cap) for n, (png, cap) in rendered.items())),
        ("What happened, in order", list_html(events, "working")),
        ("The market", table_html(["setting", "value"], market_rows(result))),
    ]
    html = page(f"The market: {market.name}", market.description.strip() or "(no description)", sections,
                f"tokenmaxxing {version('tokenmaxxing')}; market seed {market.seed}; generated "
                f"{datetime.now(UTC).strftime('%Y-%m-%d %H:%M UTC')}.")
    written = []
    for name, (png, _) in rendered.items():
        path = out_dir / FIGURE_DIR / f"{name}.png"
        atomic_write(path, lambda p, data=png: p.write_bytes(data))
        written.append(path)
    atomic_write_text(out_dir / REPORT_NAME, html)
    return [*written, out_dir / REPORT_NAME]


ASSUMPTIONS = (
    "ASSUMPTION: the correction comes when outside audits have exposed scandals_to_trigger firms (a threshold); "
    "after it every firm's audited true ROI is public (correction.publish_audits).",
    "ASSUMPTION: investors' trust in dashboards starts at weight_reported, a prior worth investors.prior_audits "
    "audits; a scandal adds correction.scandal_scrutiny to every firm's audit hazard per look.",
    "ASSUMPTION: budgets follow the ROI management believes, and buy seats; a seat for every employee is a physical "
    "bound, counted where it binds (seat_bound_share).",
)
"""Rules that stay rules in the market's claims (model brief 11.5): said in the report."""


def market_rows(result: MarketResult) -> list[list[str]]:
    m = result.loaded.market
    rows = [["firms", f"{m.firms} of {result.summary['employees_per_firm_mean']:,.0f} employees, from {m.organisation}"],
            ["weeks", str(m.weeks)]]
    for p in m.policies:
        settings = ", ".join(f"{k} = {v}" for k, v in p.set.items()) or "the organisation's own"
        cost = f"; measuring it costs ${p.measurement_usd_per_employee_month:g} per employee-month" if p.measurement_usd_per_employee_month else ""
        rows.append([f"policy {p.name}", f"{settings}; {p.share:g} of firms at the start{cost}"])
    rows += [
        ["investors", f"weight {m.investors.weight_reported:g} on reported gains, {m.investors.weight_reported_after_correction:g} "
                      f"after the correction; memory half-life {m.investors.memory_weeks:g} weeks"],
        ["imitation", f"every {m.imitation.review_every_weeks} weeks {pct(m.imitation.review_share)} of firms review; copy "
                      f"a peer better by ${m.imitation.scale_usd_per_employee_week:g} per employee-week for sure; "
                      f"{pct(m.imitation.vendor_influence)} take the vendor's recommendation"],
        ["vendor", f"value-based pricing from week {m.vendor.value_based_from_week}" if m.vendor.value_based_from_week
         else "token pricing throughout"],
        ["correction", (f"at week {m.correction.week}; " if m.correction.week else "")
         + f"audits reveal {pct(m.correction.audit_share_per_review)} of firms a quarter; a reported ROI more than "
           f"{100 * m.correction.scandal_gap_roi:,.0f} percentage points above the truth is a scandal; "
         + (f"{m.correction.scandals_to_trigger} scandals set it off" if m.correction.scandals_to_trigger else "scandals never set it off")],
        ["seed", str(m.seed)],
    ]
    return rows

