"""Sweep charts: figures from tables, never from models (matplotlib, Agg).

Data preparation lives in pure helpers (:func:`aggregate`, :func:`levels`); each plot function
takes a DataFrame and returns a Figure.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from scipy import stats
from sim.report.style import styled, subplots

CONFIDENCE = 0.95
MAX_LEVELS = 12
"""A parameter with more distinct values than this is binned (quantile bins) before charting."""
BINS = 8
LABELS = {
    "roi_inflation": "ROI inflation (% points)",
    "wasted_spend_share": "AI spend wasted (%)",
    "roi_true": "true ROI (%)",
    "roi_reported": "reported ROI (%)",
    "performative_share": "performative share of AI hours (%)",
    "gaming_share_mean": "employee-weeks gaming (%)",
    "value_overstatement": "reported / true value (x)",
    "kpi_inflation": "KPI inflation (reported / genuine KPI, x)",
    "inflating_share_end": "firms on inflating KPIs at the end (%)",
    "inflating_share_peak": "firms on inflating KPIs at the peak (%)",
}
FONT_PT = 10
PERCENT_METRICS = frozenset(
    {"roi_inflation", "wasted_spend_share", "roi_true", "roi_reported", "performative_share", "gaming_share_mean",
     "inflating_share_end", "inflating_share_peak"}
)
"""Ratios shown in % (data files keep the ratio: ROI 1.0 = 100%)."""


def label(name: str) -> str:
    return LABELS.get(name, name)


def in_percent(cells: pd.DataFrame, metric: str) -> pd.DataFrame:
    """Aggregated cells with mean and band scaled to % when the metric is shown in %."""
    if metric not in PERCENT_METRICS:
        return cells
    return cells.assign(**{c: 100 * cells[c] for c in ("mean", "low", "high") if c in cells})


def levels(values: pd.Series) -> pd.Series:
    """Values as chartable levels: few distinct values kept (in order of appearance), many binned."""
    if values.nunique() <= MAX_LEVELS or not pd.api.types.is_numeric_dtype(values):
        order = list(dict.fromkeys(values))
        if pd.api.types.is_numeric_dtype(values):
            order = sorted(order)
        return pd.Series(pd.Categorical(values, categories=order, ordered=True), index=values.index)
    bins = pd.qcut(values, BINS, duplicates="drop")
    mids = bins.map(lambda b: round(b.mid, 6)).astype(float)
    return levels(mids)


def aggregate(table: pd.DataFrame, by: list[str], metric: str) -> pd.DataFrame:
    """Mean, count and a t-based confidence interval of `metric` per combination of `by`."""
    frame = table.assign(**{b: levels(table[b]) for b in by})
    grouped = frame.groupby(by, observed=True)[metric]
    return _interval(grouped.agg(mean="mean", sd="std", n="count").reset_index())


def _interval(out: pd.DataFrame) -> pd.DataFrame:
    half = stats.t.ppf(0.5 + CONFIDENCE / 2, np.maximum(out["n"] - 1, 1)) * out["sd"] / np.sqrt(out["n"])
    half = half.where(out["n"] > 1, 0.0).fillna(0.0)
    return out.assign(low=out["mean"] - half, high=out["mean"] + half)


def replicate_bands(table: pd.DataFrame, x: str, hue: str | None, metric: str, worlds: bool = False) -> pd.DataFrame:
    """Mean of `metric` per level of `x` (and `hue`), averaged over everything else, with a
    confidence interval over replicates: each replicate's average is one observation (n =
    replicates), so the band is seed noise, not the spread of the other parameters. With
    `worlds` (replicates are plausible worlds), the centre (column ``mean``) is the median over
    worlds and the band their 5th to 95th percentiles: the spread of plausible outcomes."""
    by = [x] + ([hue] if hue else [])
    frame = table.assign(**{b: levels(table[b]) for b in by})
    per_replicate = frame.groupby([*by, "replicate"], observed=True)[metric].mean().reset_index()
    grouped = per_replicate.groupby(by, observed=True)[metric]
    if worlds:
        return grouped.agg(mean="median", low=lambda v: v.quantile(0.05), high=lambda v: v.quantile(0.95),
                           n="count").reset_index()
    return _interval(grouped.agg(mean="mean", sd="std", n="count").reset_index())


def tick(value: object) -> str:
    """A tick label: numbers without float noise (0.1, not 0.1000000001), words as they are."""
    if isinstance(value, (float, np.floating)):
        return f"{value:.4g}"
    return str(value)


@styled
def heatmap(cells: pd.DataFrame, x: str, y: str, value: str = "mean", title: str = "") -> Figure:
    """A grid of `value` over two parameters (rows: y, columns: x), each cell annotated."""
    grid = cells.pivot(index=y, columns=x, values=value)
    values = grid.to_numpy(dtype=float)
    longest = max((len(tick(c)) for c in grid.columns), default=1)
    width = min(14.0, 2.8 + max(0.75, 0.11 * longest) * grid.shape[1])
    fig, ax = subplots(figsize=(width, 1.6 + 0.42 * grid.shape[0]), layout="constrained")
    image = ax.imshow(values, aspect="auto", cmap="viridis")
    ax.set_xticks(range(grid.shape[1]), [tick(c) for c in grid.columns], rotation=30 if longest > 6 else 0,
                  ha="right" if longest > 6 else "center")
    ax.set_yticks(range(grid.shape[0]), [tick(r) for r in grid.index])
    ax.set_xlabel(x)
    ax.set_ylabel(y)
    finite = np.isfinite(values)
    spread = np.nanmax(np.abs(values)) if finite.any() else 0.0
    fmt = "{:.1f}" if spread < 100 else "{:,.0f}"
    middle = np.nanmean(values) if finite.any() else 0.0
    for (i, j), v in np.ndenumerate(values):
        if np.isfinite(v):
            ax.text(j, i, fmt.format(v + 0.0 if abs(v) >= 0.05 else 0.0), ha="center", va="center", fontsize=8,
                    color="black" if v > middle else "white")
    fig.colorbar(image, ax=ax, shrink=0.9).set_label(title, fontsize=9)
    ax.set_title(title)
    return fig


@styled
def lines(cells: pd.DataFrame, x: str, hue: str | None = None, title: str = "",
          band: str = f"mean, {CONFIDENCE:.0%} confidence band over replicates") -> Figure:
    """Mean over one parameter with a confidence band (or, over worlds, the median with its 90%
    interval: `band` says which), one line per level of `hue`."""
    fig, ax = subplots(figsize=(8.0, 4.8), layout="constrained")
    groups = cells.groupby(hue, observed=True) if hue else [(None, cells)]
    for name, group in groups:
        group = group.sort_values(x)
        xs = group[x].astype(float) if pd.api.types.is_numeric_dtype(group[x].cat.categories) else group[x].astype(str)
        (line,) = ax.plot(xs, group["mean"], marker="o", ms=3, label=None if name is None else str(name))
        ax.fill_between(xs, group["low"], group["high"], color=line.get_color(), alpha=0.15, linewidth=0)
    ax.set_xlabel(x)
    ax.set_ylabel(title)
    ax.set_title(f"{title}: {band}")
    if hue:
        ax.legend(title=hue, fontsize=8, title_fontsize=9, ncols=2, loc="best")
    ax.grid(alpha=0.3)
    return fig


@styled
def index_bars(indices: pd.DataFrame, title: str = "") -> Figure:
    """Bars of Sobol (S1, ST) or Morris (mu*, sigma) indices per parameter, with confidence."""
    if "S1" in indices:
        bars = [("S1", "S1_conf", "first order S1"), ("ST", "ST_conf", "total ST")]
    else:
        bars = [("mu_star", "mu_star_conf", "mu*"), ("sigma", None, "sigma")]
    names = indices["parameter"].astype(str).tolist()
    width = 0.8 / len(bars)
    fig, ax = subplots(figsize=(max(6.0, 1.5 + 1.4 * len(names)), 4.5), layout="constrained")
    for k, (col, conf, name) in enumerate(bars):
        positions = np.arange(len(names)) + (k - (len(bars) - 1) / 2) * width
        err = indices[conf] if conf else None
        ax.bar(positions, indices[col], width, yerr=err, capsize=3, label=name)
    ax.set_xticks(range(len(names)), names, rotation=20, ha="right")
    ax.axhline(0, color="black", linewidth=0.6)
    ax.set_title(title)
    ax.legend(fontsize=9)
    ax.grid(axis="y", alpha=0.3)
    return fig


@styled
def point_bars(cells: pd.DataFrame, names: dict[int, str], title: str = "") -> Figure:
    """One bar per listed point (mean) with its confidence interval as whiskers."""
    cells = cells.sort_values("point")
    points = [int(p) for p in cells["point"].astype(int)]
    fig, ax = subplots(figsize=(max(6.0, 1.0 + 1.3 * len(points)), 5.0), layout="constrained")
    err = np.vstack([cells["mean"] - cells["low"], cells["high"] - cells["mean"]])
    ax.bar(range(len(points)), cells["mean"], yerr=err, capsize=4, color="#4c72b0")
    ax.set_xticks(range(len(points)), [names.get(p, str(p)) for p in points], fontsize=8)
    ax.axhline(0, color="black", linewidth=0.6)
    ax.set_ylabel(title)
    ax.set_title(title)
    ax.grid(axis="y", alpha=0.3)
    return fig


@styled
def partial_dependence(table: pd.DataFrame, params: list[str], metric: str, title: str = "") -> Figure:
    """For a sampled design: every run as a dot against each parameter, and the mean of the metric
    in quantile bins of that parameter with a confidence band (one panel per parameter)."""
    scale = 100.0 if metric in PERCENT_METRICS else 1.0
    columns = min(3, len(params))
    rows = -(-len(params) // columns)
    fig, axes = subplots(rows, columns, figsize=(4.2 * columns, 3.4 * rows), layout="constrained",
                             sharey=True, squeeze=False)
    y = table[metric].astype(float) * scale
    for ax, param in zip(axes.flat, params):
        x = table[param].astype(float)
        ax.scatter(x, y, s=8, alpha=0.35, color="#4c72b0", linewidths=0)
        bins = pd.qcut(x, BINS, duplicates="drop")
        grouped = pd.DataFrame({"x": x, "y": y, "bin": bins}).groupby("bin", observed=True)
        cells = _interval(grouped["y"].agg(mean="mean", sd="std", n="count").reset_index())
        centres = grouped["x"].mean().to_numpy()
        ax.plot(centres, cells["mean"], color="#c44e52", marker="o", ms=3)
        ax.fill_between(centres, cells["low"], cells["high"], color="#c44e52", alpha=0.2, linewidth=0)
        ax.set_xlabel(param)
        ax.grid(alpha=0.3)
    for ax in axes.flat[len(params):]:
        ax.set_visible(False)
    for ax in axes[:, 0]:
        ax.set_ylabel(title)
    fig.suptitle(f"{title}: runs and binned mean")
    return fig
