"""Figures of one run, drawn from its weekly time series (a DataFrame, never a model).

Every function has the shape ``plot_x(timeseries, ax=None) -> Figure``. Figures are built on
:class:`matplotlib.figure.Figure` directly, so no pyplot state or GUI backend is involved.
"""

from __future__ import annotations

import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator, PercentFormatter
from sim.report.style import styled

FIGSIZE_IN = (7.0, 3.6)
COLOURS = {
    "reported": "#d95f02",
    "true": "#1b9e77",
    "genuine": "#1b9e77",
    "performative": "#d95f02",
    "seats": "#7570b3",
    "honest": "#e7298a",
    "gaming": "#666666",
}


def new_axes(ax: Axes | None = None, figsize: tuple[float, float] = FIGSIZE_IN) -> tuple[Figure, Axes]:
    """The given axes and its figure, or a fresh figure with one axes."""
    if ax is not None:
        return ax.figure, ax
    fig = Figure(figsize=figsize, layout="constrained")
    return fig, fig.add_subplot()


def compact_usd(value: float) -> str:
    """$950, $12k, $3.4M: short dollar labels for axes."""
    size = abs(value)
    if size >= 1e6:
        return f"${value / 1e6:,.1f}M"
    if size >= 1e4:
        return f"${value / 1e3:,.0f}k"
    return f"${value:,.0f}"


def usd_axis(ax: Axes, axis: str = "y") -> None:
    target = ax.yaxis if axis == "y" else ax.xaxis
    target.set_major_formatter(FuncFormatter(lambda v, _: compact_usd(v)))
    target.set_major_locator(MaxNLocator(5))


def _finish(ax: Axes, title: str, ylabel: str) -> None:
    ax.set_title(title, loc="left", fontsize=11)
    ax.set_xlabel("week")
    ax.set_ylabel(ylabel)
    ax.grid(alpha=0.3)
    ax.spines[["top", "right"]].set_visible(False)


def adoption_and_productivity(ts: pd.DataFrame) -> pd.DataFrame:
    """Per week: dashboard KPI as a share of target, and true net hours saved per employee."""
    employees = ts["employees"]
    return pd.DataFrame(
        {
            "week": ts["week"],
            "kpi_share_of_target": ts["reported_kpi"] / (employees * ts["kpi_target"]),
            "true_net_hours_saved_per_employee": (ts["true_hours_saved"] - ts["performative_hours"]) / employees,
        }
    )


@styled
def plot_adoption_vs_productivity(ts: pd.DataFrame, ax: Axes | None = None) -> Figure:
    """Reported adoption (KPI as % of target, left) against true hours saved (right) per week."""
    fig, ax = new_axes(ax)
    data = adoption_and_productivity(ts)
    ax.plot(data["week"], data["kpi_share_of_target"], color=COLOURS["reported"], lw=2, label="dashboard: KPI as % of target")
    ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set_ylim(bottom=0)
    _finish(ax, "Reported adoption vs true productivity", "dashboard KPI, % of target")
    ax.yaxis.label.set_color(COLOURS["reported"])
    right = ax.twinx()
    right.plot(data["week"], data["true_net_hours_saved_per_employee"], color=COLOURS["true"], lw=2, ls="--",
               label="truth: net hours saved per employee")
    right.set_ylabel("true net hours saved / employee / week", color=COLOURS["true"])
    right.axhline(0, color=COLOURS["true"], lw=0.5)
    right.spines[["top"]].set_visible(False)
    align_zero(ax, right)
    lines = ax.get_lines()[:1] + right.get_lines()[:1]
    ax.legend(lines, [line.get_label() for line in lines], loc="lower right", fontsize=8, framealpha=0.9)
    return fig


def align_zero(left: Axes, right: Axes) -> None:
    """Limits of two y-axes that include zero and put it at the same height (a twin axis's zero
    drawn elsewhere reads as one series being negative)."""
    limits = [(min(lo, 0.0), max(hi, 0.0)) for lo, hi in (left.get_ylim(), right.get_ylim())]
    below = max(-lo / (hi - lo) if hi > lo else 0.0 for lo, hi in limits)  # share of the height under zero
    below = min(below, 0.95)
    for axis, (lo, hi) in zip((left, right), limits):
        top = hi if hi > 0 else -lo * (1 - below) / below if below > 0 else 1.0
        axis.set_ylim(-below * top / (1 - below), top)


def percent_axis(ax: Axes, axis: str = "y") -> None:
    """Ratios shown as percentages (ROI 1.0 = 100%)."""
    (ax.yaxis if axis == "y" else ax.xaxis).set_major_formatter(PercentFormatter(1.0, decimals=0))


@styled
def plot_roi(ts: pd.DataFrame, ax: Axes | None = None) -> Figure:
    """Weekly ROI as the dashboard reports it and as it truly is, in %."""
    fig, ax = new_axes(ax)
    ax.plot(ts["week"], ts["roi_reported"], color=COLOURS["reported"], lw=2, label="ROI as reported")
    ax.plot(ts["week"], ts["roi_true"], color=COLOURS["true"], lw=2, ls="--", label="ROI in truth")
    ax.axhline(0, color="black", lw=0.7)
    percent_axis(ax)
    _finish(ax, "Return on AI spend: reported vs true", "ROI, % of AI spend")
    ax.legend(fontsize=8)
    return fig


def spend_breakdown(ts: pd.DataFrame) -> pd.DataFrame:
    """Run totals of money (USD) and tokens, split into genuine use, performative use and seats
    (licences and enablement)."""
    usage = ts["usage_spend_usd"].sum()
    wasted = ts["wasted_spend_usd"].sum()
    return pd.DataFrame(
        {
            "genuine": [usage - wasted, ts["genuine_tokens"].sum()],
            "performative": [wasted, ts["performative_tokens"].sum()],
            "seats": [ts["licence_cost_usd"].sum() + ts["enablement_cost_usd"].sum(), 0.0],
        },
        index=["usd", "tokens"],
    )


@styled
def plot_spend(ts: pd.DataFrame, ax: Axes | None = None) -> Figure:
    """Where the money went, in dollars: seats, genuine and performative usage, and the working
    hours spent performing (a cost of gaming outside the AI bill); tokens by kind of use."""
    if ax is None:
        fig = Figure(figsize=(7.0, 3.4), layout="constrained")
        ax, right = fig.subplots(1, 2, width_ratios=[3, 1])
    else:
        fig, right = ax.figure, None
    data = spend_breakdown(ts)
    items = [
        ("seats (licences, enablement)", data.loc["usd", "seats"], COLOURS["seats"]),
        ("usage: genuine", data.loc["usd", "genuine"], COLOURS["genuine"]),
        ("usage: performative", data.loc["usd", "performative"], COLOURS["performative"]),
        ("working hours spent performing", float(ts["wasted_hours_cost_usd"].sum()), COLOURS["performative"]),
    ]
    y = range(len(items))
    bars = ax.barh(list(y), [v for _, v, _ in items], color=[c for _, _, c in items])
    bars[-1].set_hatch("//")
    bars[-1].set_edgecolor("white")
    ax.set_yticks(list(y), [label for label, _, _ in items], fontsize=8)
    ax.invert_yaxis()
    top = max(v for _, v, _ in items) or 1.0
    for i, (_, value, _) in enumerate(items):
        ax.text(value + top * 0.01, i, f"${value:,.0f}", va="center", fontsize=8)
    ax.set_xlim(0, top * 1.25)
    usd_axis(ax, "x")
    ax.set_title("Where the money went", loc="left", fontsize=11)
    ax.set_xlabel("USD over the run")
    ax.spines[["top", "right"]].set_visible(False)
    if right is not None:
        tokens = data.loc["tokens", ["genuine", "performative"]]
        total = float(tokens.sum()) or 1.0
        right.bar([0], [tokens["genuine"] / total], color=COLOURS["genuine"], label="genuine")
        right.bar([0], [tokens["performative"] / total], bottom=[tokens["genuine"] / total],
                  color=COLOURS["performative"], label="performative")
        right.set_xticks([0], [f"{total:,.0f}\ntokens"], fontsize=8)
        right.yaxis.set_major_formatter(PercentFormatter(1.0))
        right.set_ylim(0, 1)
        right.set_title("Tokens", loc="left", fontsize=11)
        for share, label, base in ((tokens["genuine"] / total, "genuine", 0.0),
                                   (tokens["performative"] / total, "performative", tokens["genuine"] / total)):
            if share > 0.06:
                right.text(0, base + share / 2, f"{label}\n{share:.0%}", ha="center", va="center", color="white", fontsize=8)
        right.spines[["top", "right"]].set_visible(False)
    return fig


@styled
def plot_co2(ts: pd.DataFrame, ax: Axes | None = None) -> Figure:
    """Weekly CO2 of AI use, split into genuine and performative tokens."""
    fig, ax = new_axes(ax)
    performative = ts["wasted_co2_kg"]
    genuine = ts["co2_kg"] - performative
    ax.stackplot(ts["week"], genuine, performative, labels=["genuine use", "performative use"],
                 colors=[COLOURS["genuine"], COLOURS["performative"]], alpha=0.85)
    _finish(ax, "CO2 emitted by AI use", "kg CO2 per week")
    ax.legend(fontsize=8, loc="upper left")
    return fig


@styled
def plot_gaming(ts: pd.DataFrame, ax: Axes | None = None) -> Figure:
    """Share of employees gaming each week, and performative share of AI hours."""
    fig, ax = new_axes(ax)
    ax.plot(ts["week"], ts["gaming_share"], color=COLOURS["performative"], lw=2,
            label="employees gaming (performative use, script or misreport)")
    ax.plot(ts["week"], ts["performative_share"], color=COLOURS["gaming"], lw=2, ls=":",
            label="performative share of AI hours")
    ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set_ylim(0, 1)
    _finish(ax, "Who games the metric", "share")
    ax.legend(fontsize=8, loc="upper left")
    return fig


@styled
def plot_flags(ts: pd.DataFrame, ax: Axes | None = None) -> Figure:
    """Employees flagged by audits or the detector each week: gaming ones and honest ones."""
    fig, ax = new_axes(ax)
    honest = ts["flagged_honest_employees"]
    gaming = ts["flagged_employees"] - honest
    ax.bar(ts["week"], gaming, color=COLOURS["gaming"], label="flagged while gaming", width=0.9)
    ax.bar(ts["week"], honest, bottom=gaming, color=COLOURS["honest"], label="flagged while honest", width=0.9)
    _finish(ax, "Flags from audits and anomaly detection", "employees flagged per week")
    if float(ts["flagged_employees"].sum()) == 0:
        ax.text(0.5, 0.5, "nobody was flagged: no audits or detector in this scenario",
                transform=ax.transAxes, ha="center", va="center", fontsize=9, color="#555555")
        ax.set_ylim(0, 1)
    else:
        ax.legend(fontsize=8)
    return fig


def management_moved(ts: pd.DataFrame) -> bool:
    """Whether the target, the budget or the seats changed during the run."""
    return any(ts[c].nunique() > 1 for c in ("kpi_target", "budget_index", "seats") if c in ts)


@styled
def plot_management(ts: pd.DataFrame, ax: Axes | None = None) -> Figure:
    """What management changed: the KPI target (relative to its regime's first value), the budget and
    the seats, relative to the start; a dotted line where the KPI regime changed."""
    fig, ax = new_axes(ax)
    regime = ts["kpi_regime_code"] if "kpi_regime_code" in ts else pd.Series(0, index=ts.index)
    segment = (regime != regime.shift()).cumsum()
    target = ts["kpi_target"] / ts.groupby(segment)["kpi_target"].transform("first")
    ax.plot(ts["week"], target, lw=2, color=COLOURS["reported"], label="KPI target (vs. its regime's first)")
    ax.plot(ts["week"], ts["budget_index"], lw=2, color="#7570b3", ls="--", label="AI budget")
    if "seats" in ts and ts["seats"].iloc[0] > 0:
        ax.plot(ts["week"], ts["seats"] / ts["seats"].iloc[0], lw=2, color=COLOURS["genuine"], ls=":", label="seats")
    for week in ts.loc[segment.diff() > 0, "week"]:
        ax.axvline(week, color="black", lw=0.8, ls=":")
        ax.text(week, ax.get_ylim()[1], " KPI regime changed", fontsize=7, va="top")
    ax.axhline(1.0, color="black", lw=0.5)
    ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    _finish(ax, "What management changed", "% of the starting value")
    ax.legend(fontsize=8, loc="upper left")
    return fig


OPTIONAL_FIGURES = {
    "management": (plot_management, "The KPI target (ratchet), the AI budget and the seats it buys, each relative to "
                   "week 1; drawn only when management changed one of them.", management_moved),
}
"""Name -> (plot, caption, shown-when) for figures a run report includes only when they say something."""


RUN_FIGURES = {
    "adoption_vs_productivity": (
        plot_adoption_vs_productivity,
        "What the dashboard shows (solid, left axis) against what AI use truly saves per employee, "
        "after subtracting the hours spent on performative use (dashed, right axis).",
    ),
    "roi": (plot_roi, "Each week's return on AI spend, in %, as management computes it from its dashboard, and in truth."),
    "spend": (plot_spend, "AI spend by part (seats, genuine and performative usage) next to the wages paid for performative hours (hatched: a cost of gaming that is not on the AI bill), and the share of tokens that were performative."),
    "co2": (plot_co2, "Emissions from the energy used to serve the tokens; the orange band is performative use."),
    "gaming": (plot_gaming, "Share of employees gaming each week (performative use, a script or a misreport), and the share of all AI hours that are performative."),
    "flags": (plot_flags, "Employees flagged each week; pink bars are honest employees wrongly flagged (false positives)."),
}
"""Name -> (plot function, caption) for the run report, in reading order."""
