"""Figures of a comparison, drawn from replicate tables (DataFrames), never from models.

``summaries`` has one row per (scenario, replicate) with the run summary values; ``timeseries``
one row per (scenario, replicate, week); a replicate is a world (a posterior draw and a seed).
Bars show the median over worlds with its 90% interval; lines show the weekly median with a band
for its 90% interval.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import PercentFormatter

from sim.compare import spread
from sim.report.figures import COLOURS, new_axes, percent_axis, usd_axis
from sim.report.style import styled

PALETTE = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf", "#ff7f0e")


def metric_intervals(summaries: pd.DataFrame, metric: str) -> pd.DataFrame:
    """Per scenario (in order of first appearance): median, low, high of one summary metric over worlds."""
    labels = list(dict.fromkeys(summaries["scenario"]))
    rows = [spread(summaries.loc[summaries["scenario"] == label, metric]) for label in labels]
    return pd.DataFrame(rows, index=labels, columns=["median", "low", "high"])


def weekly_intervals(timeseries: pd.DataFrame, column: str) -> pd.DataFrame:
    """Per scenario and week: median, low, high across worlds of one weekly column."""
    rows = []
    for (label, week), group in timeseries.groupby(["scenario", "week"], sort=False):
        median, low, high = spread(group[column])
        rows.append({"scenario": label, "week": week, "median": median, "low": low, "high": high})
    return pd.DataFrame(rows)


def _bars(ax: Axes, data: pd.DataFrame, offset: float, width: float, colour: str, label: str | None) -> None:
    x = np.arange(len(data)) + offset
    errors = np.vstack([data["median"] - data["low"], data["high"] - data["median"]])
    ax.bar(x, data["median"], width, color=colour, label=label, yerr=errors, capsize=3, ecolor="black")


def _scenario_axis(ax: Axes, labels: list[str]) -> None:
    ax.set_xticks(range(len(labels)), labels, rotation=20 if len(labels) > 3 else 0, ha="right" if len(labels) > 3 else "center")
    ax.grid(axis="y", alpha=0.3)
    ax.spines[["top", "right"]].set_visible(False)


@styled
def plot_roi_comparison(summaries: pd.DataFrame, ax: Axes | None = None) -> Figure:
    """ROI as reported and in truth, per scenario."""
    fig, ax = new_axes(ax)
    reported, true = metric_intervals(summaries, "roi_reported"), metric_intervals(summaries, "roi_true")
    _bars(ax, reported, -0.2, 0.4, COLOURS["reported"], "ROI as reported")
    _bars(ax, true, 0.2, 0.4, COLOURS["true"], "ROI in truth")
    ax.axhline(0, color="black", lw=0.7)
    _scenario_axis(ax, list(reported.index))
    percent_axis(ax)
    ax.set_title("Return on AI spend: reported vs true", loc="left", fontsize=11)
    ax.set_ylabel("ROI over the run, % of AI spend")
    ax.legend(fontsize=8)
    return fig


@styled
def plot_spend_comparison(summaries: pd.DataFrame, ax: Axes | None = None) -> Figure:
    """Mean AI spend per scenario, split into genuine use, performative use and seats."""
    fig, ax = new_axes(ax)
    columns = ["usage_spend_usd", "wasted_spend_usd", "licence_cost_usd", "enablement_cost_usd"]
    means = summaries.groupby("scenario", sort=False)[columns].mean()
    parts = {
        "genuine use": (means["usage_spend_usd"] - means["wasted_spend_usd"], COLOURS["genuine"]),
        "performative use": (means["wasted_spend_usd"], COLOURS["performative"]),
        "seats (licences, enablement)": (means["licence_cost_usd"] + means["enablement_cost_usd"], COLOURS["seats"]),
    }
    bottom = np.zeros(len(means))
    for label, (values, colour) in parts.items():
        if not (values > 0).any():
            continue
        ax.bar(range(len(means)), values, bottom=bottom, color=colour, label=label)
        bottom += values.to_numpy()
    _scenario_axis(ax, list(means.index))
    usd_axis(ax)
    ax.set_title("Where the money went (mean over worlds)", loc="left", fontsize=11)
    ax.set_ylabel("AI spend over the run")
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    return fig


@styled
def plot_metric_comparison(summaries: pd.DataFrame, metric: str, title: str, ylabel: str, ax: Axes | None = None) -> Figure:
    """One summary metric per scenario: median with its 90% interval over worlds."""
    fig, ax = new_axes(ax)
    data = metric_intervals(summaries, metric)
    _bars(ax, data, 0.0, 0.6, PALETTE[0], None)
    _scenario_axis(ax, list(data.index))
    ax.set_title(title, loc="left", fontsize=11)
    ax.set_ylabel(ylabel)
    return fig


@styled
def plot_weekly_comparison(timeseries: pd.DataFrame, column: str, title: str, ylabel: str, share: bool = False,
                           percent: bool = False, ax: Axes | None = None) -> Figure:
    """A weekly column per scenario: median line with a 90% band over worlds (`share`: a 0-100% axis)."""
    fig, ax = new_axes(ax)
    data = weekly_intervals(timeseries, column)
    for i, (label, group) in enumerate(data.groupby("scenario", sort=False)):
        colour = PALETTE[i % len(PALETTE)]
        ax.plot(group["week"], group["median"], color=colour, lw=2, label=label)
        ax.fill_between(group["week"], group["low"], group["high"], color=colour, alpha=0.2, lw=0)
    if share or percent:
        ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    if share:
        ax.set_ylim(0, 1)
    ax.set_title(title, loc="left", fontsize=11)
    ax.set_xlabel("week")
    ax.set_ylabel(ylabel)
    ax.grid(alpha=0.3)
    ax.spines[["top", "right"]].set_visible(False)
    ax.legend(fontsize=8)
    return fig


@styled
def plot_flags_comparison(summaries: pd.DataFrame, ax: Axes | None = None) -> Figure:
    """Flagged employee-weeks and honest employees flagged, per scenario."""
    fig, ax = new_axes(ax)
    flagged = metric_intervals(summaries, "flagged_employee_weeks")
    honest = metric_intervals(summaries, "honest_employees_ever_flagged")
    _bars(ax, flagged, -0.2, 0.4, COLOURS["gaming"], "flagged employee-weeks")
    _bars(ax, honest, 0.2, 0.4, COLOURS["honest"], "honest employees flagged")
    _scenario_axis(ax, list(flagged.index))
    ax.set_title("Flags from audits and anomaly detection", loc="left", fontsize=11)
    ax.set_ylabel("count over the run")
    ax.legend(fontsize=8)
    return fig


def adoption_index(timeseries: pd.DataFrame) -> pd.DataFrame:
    """Timeseries with two derived weekly columns: KPI as a share of target, true net hours per employee."""
    return timeseries.assign(
        kpi_share_of_target=timeseries["reported_kpi"] / (timeseries["employees"] * timeseries["kpi_target"]),
        true_net_hours_saved_per_employee=(timeseries["true_hours_saved"] - timeseries["performative_hours"])
        / timeseries["employees"],
    )


@styled
def comparison_figures(summaries: pd.DataFrame, timeseries: pd.DataFrame) -> dict[str, tuple[Figure, str]]:
    """Name -> (figure, caption) for the comparison report, in reading order."""
    ts = adoption_index(timeseries)
    return {
        "true_productivity": (
            plot_weekly_comparison(ts, "true_net_hours_saved_per_employee", "True productivity",
                                   "net hours saved / employee / week"),
            "Hours AI really saves per employee each week, less the hours spent on performative use.",
        ),
        "reported_adoption": (
            plot_weekly_comparison(ts, "kpi_share_of_target", "Reported adoption", "dashboard KPI, % of target",
                                   percent=True),
            "What each dashboard shows, as a share of its own target (regimes count different things).",
        ),
        "roi": (plot_roi_comparison(summaries), "ROI over the run, in %, as management reports it and in truth."),
        "spend": (plot_spend_comparison(summaries), "AI spend split into genuine use, performative use and seats."),
        "co2": (
            plot_metric_comparison(summaries, "co2_kg", "CO2 emitted by AI use", "kg CO2 over the run"),
            "Emissions from serving the tokens.",
        ),
        "gaming": (
            plot_weekly_comparison(timeseries, "gaming_share", "Employees gaming the metric", "share of employees",
                                   share=True),
            "Share of employees gaming each week (performative use, a script or a misreport).",
        ),
        "flags": (plot_flags_comparison(summaries), "Flags raised, and honest employees wrongly flagged."),
    }
