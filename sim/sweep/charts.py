"""Sweep charts: figures from tables, never from models (matplotlib, Agg).

Data preparation lives in pure helpers (:func:`aggregate`, :func:`levels`); each plot function
takes a DataFrame and returns a Figure.
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from scipy import stats  # noqa: E402

CONFIDENCE = 0.95
MAX_LEVELS = 12
"""A parameter with more distinct values than this is binned (quantile bins) before charting."""
BINS = 8
LABELS = {
    "roi_inflation": "ROI inflation (reported - true ROI, % points)",
    "wasted_spend_share": "wasted share of AI spend (%)",
    "roi_true": "true ROI (%)",
    "roi_reported": "reported ROI (%)",
    "performative_share": "performative share of AI hours (%)",
    "value_overstatement": "reported / true value",
    "kpi_inflation": "KPI inflation (reported / genuine KPI)",
}
PERCENT_METRICS = frozenset({"roi_inflation", "wasted_spend_share", "roi_true", "roi_reported", "performative_share"})
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
    out = grouped.agg(mean="mean", sd="std", n="count").reset_index()
    half = stats.t.ppf(0.5 + CONFIDENCE / 2, np.maximum(out["n"] - 1, 1)) * out["sd"] / np.sqrt(out["n"])
    out["low"] = out["mean"] - half.fillna(0.0)
    out["high"] = out["mean"] + half.fillna(0.0)
    return out


def heatmap(cells: pd.DataFrame, x: str, y: str, value: str = "mean", title: str = "") -> Figure:
    """A grid of `value` over two parameters (rows: y, columns: x), each cell annotated."""
    grid = cells.pivot(index=y, columns=x, values=value)
    fig, ax = plt.subplots(figsize=(1.2 + 1.1 * grid.shape[1], 1.2 + 0.5 * grid.shape[0]), layout="constrained")
    image = ax.imshow(grid.to_numpy(dtype=float), aspect="auto", cmap="magma")
    ax.set_xticks(range(grid.shape[1]), [str(c) for c in grid.columns])
    ax.set_yticks(range(grid.shape[0]), [str(r) for r in grid.index])
    ax.set_xlabel(x)
    ax.set_ylabel(y)
    finite = np.isfinite(grid.to_numpy(dtype=float))
    spread = np.nanmax(np.abs(grid.to_numpy(dtype=float))) if finite.any() else 0.0
    fmt = "{:.2f}" if spread < 10 else "{:,.0f}"
    for (i, j), v in np.ndenumerate(grid.to_numpy(dtype=float)):
        if np.isfinite(v):
            ax.text(j, i, fmt.format(v), ha="center", va="center", fontsize=7, color="grey")
    fig.colorbar(image, ax=ax, label=title)
    ax.set_title(title, fontsize=10)
    return fig


def lines(cells: pd.DataFrame, x: str, hue: str | None = None, title: str = "") -> Figure:
    """Mean over one parameter with a confidence band, one line per level of `hue`."""
    fig, ax = plt.subplots(figsize=(6.4, 4.0), layout="constrained")
    groups = cells.groupby(hue, observed=True) if hue else [(None, cells)]
    for name, group in groups:
        group = group.sort_values(x)
        xs = group[x].astype(float) if pd.api.types.is_numeric_dtype(group[x].cat.categories) else group[x].astype(str)
        (line,) = ax.plot(xs, group["mean"], marker="o", ms=3, label=None if name is None else str(name))
        ax.fill_between(xs, group["low"], group["high"], color=line.get_color(), alpha=0.15, linewidth=0)
    ax.set_xlabel(x)
    ax.set_ylabel(title)
    ax.set_title(f"{title}: mean, {CONFIDENCE:.0%} confidence band", fontsize=10)
    if hue:
        ax.legend(title=hue, fontsize=7, title_fontsize=8, ncols=2)
    ax.grid(alpha=0.3)
    return fig


def index_bars(indices: pd.DataFrame, title: str = "") -> Figure:
    """Bars of Sobol (S1, ST) or Morris (mu*, sigma) indices per parameter, with confidence."""
    if "S1" in indices:
        bars = [("S1", "S1_conf", "first order S1"), ("ST", "ST_conf", "total ST")]
    else:
        bars = [("mu_star", "mu_star_conf", "mu*"), ("sigma", None, "sigma")]
    names = indices["parameter"].astype(str).tolist()
    width = 0.8 / len(bars)
    fig, ax = plt.subplots(figsize=(1.5 + 1.2 * len(names), 4.0), layout="constrained")
    for k, (col, conf, name) in enumerate(bars):
        positions = np.arange(len(names)) + (k - (len(bars) - 1) / 2) * width
        err = indices[conf] if conf else None
        ax.bar(positions, indices[col], width, yerr=err, capsize=3, label=name)
    ax.set_xticks(range(len(names)), names, rotation=20, ha="right")
    ax.axhline(0, color="black", linewidth=0.6)
    ax.set_title(title, fontsize=10)
    ax.legend(fontsize=8)
    return fig
