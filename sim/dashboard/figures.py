"""Figures for the dashboard that Mesa's plot components do not provide; they take data, not models."""

from __future__ import annotations

import numpy as np
from matplotlib.colors import LinearSegmentedColormap
from matplotlib.figure import Figure

from sim.observables import GAMING_MIN_HOURS

BEHAVIOUR_COLOURS = LinearSegmentedColormap.from_list("behaviour", ["#2b83ba", "#fdae61", "#d7191c"])
"""Blue: genuine use only; orange to red: more performative hours."""
FULL_RED_HOURS = 5.0
"""Performative hours per week drawn in full red."""


def network_figure(
    positions: dict[int, np.ndarray],
    edges: np.ndarray,
    performative_hours: np.ndarray,
    week: int,
) -> Figure:
    """The colleague network, each employee coloured by this week's performative hours.

    `edges` is an (m, 2) array of node pairs; `positions` maps node to (x, y).
    """
    fig = Figure(figsize=(5, 4.5))
    ax = fig.subplots()
    xy = np.array([positions[i] for i in range(len(performative_hours))])
    if len(edges):
        segments = xy[edges]
        ax.plot(segments[:, :, 0].T, segments[:, :, 1].T, color="#bbbbbb", linewidth=0.3, zorder=1)
    gaming = performative_hours >= GAMING_MIN_HOURS
    colour = np.where(gaming, 0.25 + 0.75 * np.clip(performative_hours / FULL_RED_HOURS, 0, 1), 0.0)
    ax.scatter(xy[:, 0], xy[:, 1], c=colour, cmap=BEHAVIOUR_COLOURS, vmin=0, vmax=1, s=28,
               edgecolors="white", linewidths=0.4, zorder=2)
    ax.set_title(f"Colleague network, week {week}: {gaming.sum()} of {len(gaming)} gaming (red)")
    ax.set_axis_off()
    return fig
