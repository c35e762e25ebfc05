"""Figures for the dashboard that Mesa's plot components do not provide; they take data, not models."""

from __future__ import annotations

import numpy as np
from matplotlib.colors import LinearSegmentedColormap
from matplotlib.figure import Figure

GAMING_COLOURS = LinearSegmentedColormap.from_list("gaming", ["#fdae61", "#d7191c"])
"""Gaming employees: orange (a little performative use) to red (a lot)."""
GENUINE_COLOUR = "#2b83ba"
"""Employees using AI only genuinely."""
IDLE_COLOUR = "#bbbbbb"
"""Employees not using AI this week."""
FULL_RED_HOURS = 5.0
"""Performative hours per week drawn in full red."""


def network_figure(
    positions: dict[int, np.ndarray],
    edges: np.ndarray,
    genuine_hours: np.ndarray,
    performative_hours: np.ndarray,
    week: int,
) -> Figure:
    """The colleague network, each employee coloured by behaviour this week: grey no AI use,
    blue genuine use only, orange to red more and more performative hours.

    `edges` is an (m, 2) array of node pairs; `positions` maps node to (x, y).
    """
    fig = Figure(figsize=(6, 4))
    ax = fig.subplots()
    xy = np.array([positions[i] for i in range(len(performative_hours))])
    if len(edges):
        segments = xy[edges]
        ax.plot(segments[:, :, 0].T, segments[:, :, 1].T, color="#bbbbbb", linewidth=0.3, zorder=1)
    gaming = performative_hours > 0
    genuine = ~gaming & (genuine_hours > 0)
    idle = ~gaming & ~genuine
    style = {"s": 28, "edgecolors": "white", "linewidths": 0.4, "zorder": 2}
    ax.scatter(xy[idle, 0], xy[idle, 1], color=IDLE_COLOUR, label="no AI use", **style)
    ax.scatter(xy[genuine, 0], xy[genuine, 1], color=GENUINE_COLOUR, label="genuine use only", **style)
    ax.scatter(xy[gaming, 0], xy[gaming, 1], c=performative_hours[gaming], cmap=GAMING_COLOURS,
               vmin=0, vmax=FULL_RED_HOURS, label="gaming (redder: more hours)", **style)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, 0.0), ncol=3, fontsize=8, frameon=False)
    ax.set_title(f"Colleague network, week {week}: {gaming.sum()} of {len(gaming)} gaming", fontsize=10)
    ax.set_axis_off()
    return fig
