"""Figures of one run, drawn from its weekly time series (a DataFrame, never a model).

Every function has the shape ``plot_x(timeseries, ax=None) -> Figure``. Figures are built on
:class:`matplotlib.figure.Figure` directly, so no pyplot state or GUI backend is involved.
"""

from __future__ import annotations

import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, PercentFormatter

FIGSIZE_IN = (7.0, 3.6)
COLOURS = {
    "reported": "#d95f02",
    "true": "#1b9e77",
    "genuine": "#1b9e77",
    "performative": "#d95f02",
    "licence": "#7570b3",
    "honest": "#e7298a",
    "gaming": "#666666",
}


def new_axes(ax: Axes | None = None, figsize: tuple[float, float] = FIGSIZE_IN) -> tuple[Figure, Axes]:
    """The given axes and its figure, or a fresh figure with one axes."""
    if ax is not None:
        return ax.figure, ax
    fig = Figure(figsize=figsize, layout="constrained")
    return fig, fig.add_subplot()


def usd_axis(ax: Axes, axis: str = "y") -> None:
    fmt = FuncFormatter(lambda v, _: f"${v:,.0f}")
    (ax.yaxis if axis == "y" else ax.xaxis).set_major_formatter(fmt)


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
    lines = ax.get_lines()[:1] + right.get_lines()[:1]
    ax.legend(lines, [line.get_label() for line in lines], loc="lower right", fontsize=8, framealpha=0.9)
    return fig


def plot_roi(ts: pd.DataFrame, ax: Axes | None = None) -> Figure:
    """Weekly ROI as the dashboard reports it and as it truly is."""
    fig, ax = new_axes(ax)
    ax.plot(ts["week"], ts["roi_reported"], color=COLOURS["reported"], lw=2, label="ROI as reported")
    ax.plot(ts["week"], ts["roi_true"], color=COLOURS["true"], lw=2, ls="--", label="ROI in truth")
    ax.axhline(0, color="black", lw=0.7)
    _finish(ax, "Return on AI spend: reported vs true", "ROI ((value - spend) / spend)")
    ax.legend(fontsize=8)
    return fig


def spend_breakdown(ts: pd.DataFrame) -> pd.DataFrame:
    """Run totals of money (USD) and tokens, split into genuine use, performative use and licences."""
    usage = ts["usage_spend_usd"].sum()
    wasted = ts["wasted_spend_usd"].sum()
    return pd.DataFrame(
        {
            "genuine": [usage - wasted, ts["genuine_tokens"].sum()],
            "performative": [wasted, ts["performative_tokens"].sum()],
            "licences": [ts["licence_cost_usd"].sum(), 0.0],
        },
        index=["usd", "tokens"],
    )


def plot_spend(ts: pd.DataFrame, ax: Axes | None = None) -> Figure:
    """Where the money and the tokens went, as shares of each total (bars labelled in units)."""
    fig, ax = new_axes(ax, (7.0, 2.6))
    data = spend_breakdown(ts)
    rows = [("money (USD)", "usd", "${:,.0f}"), ("tokens", "tokens", "{:,.0f}")]
    for y, (label, key, fmt) in enumerate(rows):
        total = data.loc[key].sum()
        left = 0.0
        for part in data.columns:
            amount = data.loc[key, part]
            share = amount / total if total > 0 else 0.0
            if share <= 0:
                continue
            ax.barh(y, share, left=left, color=COLOURS[part if part != "licences" else "licence"],
                    label=part if y == 0 or part != "licences" else None)
            if share > 0.12:
                ax.text(left + share / 2, y, f"{part}\n{fmt.format(amount)}", ha="center", va="center",
                        color="white", fontsize=8)
            left += share
    ax.set_yticks(range(len(rows)), [label for label, _, _ in rows])
    ax.invert_yaxis()
    ax.xaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set_xlim(0, 1)
    ax.set_title("Where the money and the tokens went", loc="left", fontsize=11)
    ax.set_xlabel("share of the run's total")
    handles, labels = ax.get_legend_handles_labels()
    unique = dict(zip(labels, handles))
    ax.legend(unique.values(), unique.keys(), fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.35), ncol=3)
    ax.spines[["top", "right"]].set_visible(False)
    return fig


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


def plot_gaming(ts: pd.DataFrame, ax: Axes | None = None) -> Figure:
    """Share of employees gaming each week, and performative share of AI hours."""
    fig, ax = new_axes(ax)
    ax.plot(ts["week"], ts["gaming_share"], color=COLOURS["performative"], lw=2,
            label="employees gaming (>= 6 min performative use)")
    ax.plot(ts["week"], ts["performative_share"], color=COLOURS["gaming"], lw=2, ls=":",
            label="performative share of AI hours")
    ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set_ylim(0, 1)
    _finish(ax, "Who games the metric", "share")
    ax.legend(fontsize=8, loc="upper left")
    return fig


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


RUN_FIGURES = {
    "adoption_vs_productivity": (
        plot_adoption_vs_productivity,
        "What the dashboard shows (solid, left axis) against what AI use truly saves per employee, "
        "after subtracting the hours spent on performative use (dashed, right axis).",
    ),
    "roi": (plot_roi, "Each week's return on AI spend as management computes it from claimed hours saved, and in truth."),
    "spend": (plot_spend, "Shares of the run's AI spend and tokens that went to genuine use, performative use and licences."),
    "co2": (plot_co2, "Emissions from the energy used to serve the tokens; the orange band is performative use."),
    "gaming": (plot_gaming, "Share of employees spending at least 6 minutes a week on performative use, and the share of all AI hours that are performative."),
    "flags": (plot_flags, "Employees flagged each week; pink bars are honest employees wrongly flagged (false positives)."),
}
"""Name -> (plot function, caption) for the run report, in reading order."""
