"""The dashboard's charts as ECharts options (plain JSON-ready dicts; they take data, not models).

The browser draws them (Solara's ``FigureEcharts``; ECharts ships with solara-assets, so nothing is
fetched from the internet), which keeps a week's step cheap on the server. Every chart has its
week axis over the whole run, marks each policy change, says so when no week has run yet, and
saves itself as a PNG from its toolbox.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.engine.management import PolicyChange

ORGANISATION_STYLE = {"A": "solid", "B": "dashed"}
"""A's lines are solid, B's dashed, in the same colour per measure."""
EMPTY_TEXT = "No week has run yet: press Step (one week) or \u25b6 (play)"


@dataclass(frozen=True)
class Measure:
    """One line of a chart: a weekly series, what it is called on the chart and its colour."""

    series: str  # label in :data:`sim.dashboard.model.SERIES`
    name: str
    colour: str
    decimals: int = 2


@dataclass(frozen=True)
class Chart:
    """A chart of weekly series: title, unit of the y axis, its lines."""

    key: str
    title: str
    unit: str  # y axis: what the numbers are
    measures: tuple[Measure, ...]
    empty_max: float  # y axis top before any week has run
    axis_format: str = "{value}"  # ECharts label template, e.g. "{value}%"


CHARTS: dict[str, Chart] = {c.key: c for c in [
    Chart("gaming", "Employees gaming the KPI", "% of employees", (
        Measure("Employees gaming (%)", "gaming (any way)", "#d7191c", 1),
        Measure("Employees running a script (%)", "running a script", "#8c510a", 1),
    ), 100.0, "{value}%"),
    Chart("hours", "Hours saved: claimed on the dashboard vs true", "hours per employee-week", (
        Measure("Claimed hours saved (dashboard)", "claimed", "#e66101"),
        Measure("True net hours saved", "true, net of performative hours", "#2b83ba"),
    ), 2.0, "{value} h"),
    Chart("kpi", "KPI attainment", "% of the target", (
        Measure("KPI attainment (% of target)", "KPI reported", "#e66101", 1),
    ), 150.0, "{value}%"),
    Chart("spend", "AI spend and the cost of gaming", "USD per week", (
        Measure("AI spend (USD/week)", "AI spend", "#1b9e77", 0),
        Measure("Cost of gaming (USD/week)", "cost of gaming (hours performing and their AI spend)", "#d7191c", 0),
    ), 10_000.0, "${value}"),
    Chart("roi", "ROI: what the dashboard reports vs the truth", "% of AI spend", (
        Measure("ROI reported (%)", "reported", "#e66101", 0),
        Measure("ROI true (%)", "true", "#2b83ba", 0),
    ), 100.0, "{value}%"),
]}


def short_change(change: PolicyChange) -> str:
    """A policy change in a few words, for a chart's marker: 'KPI -> action_linked, audits 10%'."""
    words = []
    for path, value in change.changes.items():
        if change.before.get(path) == value:
            continue
        if path == "kpi.regime":
            words.append(f"KPI \u2192 {value}")
        elif path == "kpi.strength":
            words.append(f"strength \u2192 {value:g} h")
        elif path == "kpi.scheme":
            words.append(f"scheme \u2192 {value}")
        elif path == "audit.rate":
            words.append(f"audits \u2192 {value:.0%}")
        elif path == "detection.enabled":
            words.append("detector " + ("on" if value else "off"))
        elif path.startswith("pricing."):
            words.append("prices changed")
        elif path in ("kpi.target", "kpi.weights"):
            continue
        else:
            words.append(f"{path} \u2192 {value}")
    return ", ".join(dict.fromkeys(words)) or "policy changed"


def week_interval(weeks: int) -> int:
    """Spacing of the week axis's ticks: a divisor of the run's length, at most about 13 ticks."""
    for interval in (1, 2, 4, 5, 10, 13, 26, 52):
        if weeks / interval <= 13 and weeks % interval == 0:
            return interval
    return max(1, int(np.ceil(weeks / 10)))


def line_chart(
    chart: Chart,
    weeks: int,
    series: dict[str, tuple[list[float], dict[str, list[float]]]],
    changes: list[tuple[str, PolicyChange]],
) -> dict:
    """The ECharts option of one chart. `series`: organisation -> (weeks run, label -> values);
    `changes`: (organisation, change) to mark at the week each applies from."""
    lines = []
    legend = []
    for organisation, (week_numbers, values) in series.items():
        for measure in chart.measures:
            if measure.series not in values:
                continue
            name = f"{organisation}: {measure.name}"
            legend.append(name)
            data = np.column_stack([week_numbers, np.round(values[measure.series], measure.decimals)])
            lines.append({
                "type": "line", "name": name, "data": data.tolist(), "showSymbol": len(week_numbers) < 2,
                "lineStyle": {"color": measure.colour, "type": ORGANISATION_STYLE[organisation], "width": 2},
                "itemStyle": {"color": measure.colour},
            })
    empty = not any(len(week_numbers) for week_numbers, _ in series.values())
    markers = [{
        "xAxis": change.week,
        # above the plot, level (not turned along the line, across the curves)
        "label": {"formatter": f"{organisation}: {short_change(change)}", "position": "end", "fontSize": 11,
                  "distance": 22 + 14 * (k % 2), "backgroundColor": "rgba(255, 255, 255, 0.85)", "padding": [2, 4]},
        "lineStyle": {"color": "#333" if organisation == "A" else "#888", "type": "solid", "width": 1.5},
    } for k, (organisation, change) in enumerate(changes)]
    if markers and lines:
        lines[0]["markLine"] = {"symbol": "none", "silent": True, "data": markers, "animation": False}
    y_axis: dict = {"type": "value", "name": chart.unit, "nameTextStyle": {"align": "left"},
                    "axisLabel": {"formatter": chart.axis_format}}
    if empty:
        y_axis.update(min=0, max=chart.empty_max)
    option = {
        "animation": False,
        "title": {"text": chart.title, "left": 8, "top": 4, "textStyle": {"fontSize": 14}},
        "legend": {"data": legend, "top": 28, "left": 8, "right": 8, "itemGap": 8, "textStyle": {"fontSize": 11}},
        "tooltip": {"trigger": "axis"},
        "toolbox": {"right": 12, "top": 0, "feature": {"saveAsImage": {
            "title": "Save as PNG", "name": f"tokenmaxx-{chart.key}", "pixelRatio": 2, "backgroundColor": "#ffffff"}}},
        "grid": {"left": 64, "right": 24, "top": 116, "bottom": 44},
        "xAxis": {"type": "value", "name": "week", "nameLocation": "middle", "nameGap": 26, "min": 0,
                  "max": weeks, "interval": week_interval(weeks)},
        "yAxis": y_axis,
        "series": lines,
    }
    if empty:
        option["graphic"] = [{"type": "text", "left": "center", "top": "middle",
                              "style": {"text": EMPTY_TEXT, "fontSize": 14, "fill": "#444",
                                        "backgroundColor": "#ffffff", "padding": [6, 10]}}]
    return option


# --- the colleague network ---------------------------------------------------------------------
IDLE_COLOUR = "#bbbbbb"
"""Employees not using AI this week."""
GENUINE_COLOUR = "#2b83ba"
"""Employees using AI only genuinely."""
GAMING_COLOURS = ("#fdae61", "#d7191c")
"""Gaming employees: orange (a little performative use, or only a script or a misreport) to red (a lot)."""
FULL_RED_HOURS = 5.0
"""Performative hours per week drawn in full red."""
CATEGORIES = ("no AI use", "genuine use only", "gaming (redder: more performative hours)")


def team_layout(team: np.ndarray, team_sizes: np.ndarray) -> np.ndarray:
    """Positions (n, 2) that draw each team as a ring of its members and the rings on a grid (rows
    downwards); team ties are implied by the ring, so only the ties across teams need lines."""
    teams = len(team_sizes)
    columns = max(1, int(np.ceil(np.sqrt(teams))))
    centre = np.column_stack([np.arange(teams) % columns, np.arange(teams) // columns]).astype(float)
    starts = np.concatenate([[0], np.cumsum(team_sizes)[:-1]])
    seat = np.arange(team.shape[0]) - starts[team]
    angle = 2 * np.pi * seat / team_sizes[team]
    radius = 0.36 if teams > 1 else 0.5 * np.sqrt(team.shape[0]) / np.pi
    return centre[team] + radius * np.column_stack([np.cos(angle), np.sin(angle)])


def cross_ties(cross) -> np.ndarray:
    """Each tie across teams once, as (m, 2) employee pairs, from the network's sparse matrix."""
    coo = cross.tocoo()
    keep = coo.row < coo.col
    return np.column_stack([coo.row[keep], coo.col[keep]])


NETWORK_ASPECT = 1.2
"""Width / height of the network's plotting area in a square chart (title and legend take some
height): the drawing is padded to it so that rings stay round."""


def tie_segments(positions: np.ndarray, ties: np.ndarray) -> list:
    """Ties as one polyline broken by gaps, [x1, y1], [x2, y2], '-', ... (one line series draws
    them all)."""
    if len(ties) == 0:
        return []
    ends = np.round(positions[np.asarray(ties, dtype=int)], 3).tolist()
    return [point for a, b in ends for point in (a, b, "-")]


def network_chart(
    organisation: str,
    week: int,
    positions: np.ndarray,
    ties: list,
    genuine_hours: np.ndarray,
    performative_hours: np.ndarray,
    gaming: np.ndarray,
    selected: int | None,
) -> dict:
    """The colleague network, each employee coloured by what they did this week: grey no AI use,
    blue genuine use only, orange to red more and more performative hours (orange also: gaming by a
    script or a misreport alone). `ties`: :func:`tie_segments`. Each point is [x, y, employee,
    genuine hours, performative hours]; a click reports it as the event's `value`."""
    n = len(genuine_hours)
    columns = np.column_stack([np.round(positions, 3), np.arange(n), np.round(genuine_hours, 2),
                               np.round(performative_hours, 2)])
    idle = ~gaming & (genuine_hours <= 0)
    genuine = ~gaming & ~idle
    dimensions = ["x", "y", "employee", "genuine hours", "performative hours"]
    tooltip = {"formatter": "Employee {@employee}: {@[3]} h genuine, {@[4]} h performative"}
    size = 8 if n <= 600 else 5

    def points(name: str, mask: np.ndarray, colour: str) -> dict:
        return {"type": "scatter", "name": name, "data": columns[mask].tolist(), "dimensions": dimensions,
                "symbolSize": size, "itemStyle": {"color": colour, "borderColor": "#ffffff", "borderWidth": 0.5},
                "tooltip": tooltip, "emphasis": {"scale": 1.8}}

    series = [
        {"type": "line", "name": "ties across teams", "data": ties, "silent": True, "symbol": "none",
         "connectNulls": False, "lineStyle": {"color": "#999999", "width": 0.6, "opacity": 0.35}, "z": 1},
        points(CATEGORIES[0], idle, IDLE_COLOUR),
        points(CATEGORIES[1], genuine, GENUINE_COLOUR),
        points(CATEGORIES[2], gaming, GAMING_COLOURS[1]),
    ]
    if selected is not None and 0 <= selected < n:
        series.append({"type": "scatter", "name": "selected", "data": columns[[selected]].tolist(),
                       "dimensions": dimensions, "symbolSize": 3 * size, "tooltip": tooltip, "z": 5,
                       "itemStyle": {"color": "rgba(0,0,0,0)", "borderColor": "#000000", "borderWidth": 3}})
    low, high = (positions.min(axis=0) - 0.5, positions.max(axis=0) + 0.5) if n else (np.zeros(2), np.ones(2))
    width, height = high - low
    if width < NETWORK_ASPECT * height:  # pad the narrower side so a unit is as wide as it is high
        pad = (NETWORK_ASPECT * height - width) / 2
        low[0], high[0] = low[0] - pad, high[0] + pad
    else:
        pad = (width / NETWORK_ASPECT - height) / 2
        low[1], high[1] = low[1] - pad, high[1] + pad
    return {
        "animation": False,
        "title": {"text": f"Organisation {organisation}, week {week}: {int(gaming.sum())} of {n} employees gaming",
                  "subtext": "Click an employee to see why they game, or do not.",
                  "left": 8, "top": 4, "textStyle": {"fontSize": 14}},
        "legend": {"data": list(CATEGORIES), "bottom": 4, "selectedMode": False},
        "tooltip": {"trigger": "item"},
        "toolbox": {"right": 12, "top": 0, "feature": {"saveAsImage": {
            "title": "Save as PNG", "name": f"tokenmaxx-network-{organisation}", "pixelRatio": 2,
            "backgroundColor": "#ffffff"}}},
        "visualMap": {"show": False, "seriesIndex": 3, "dimension": 4, "min": 0, "max": FULL_RED_HOURS,
                      "inRange": {"color": list(GAMING_COLOURS)}},
        "grid": {"left": 8, "right": 8, "top": 60, "bottom": 56},
        "xAxis": {"show": False, "type": "value", "min": float(low[0]), "max": float(high[0])},
        "yAxis": {"show": False, "type": "value", "inverse": True, "min": float(low[1]), "max": float(high[1])},
        "series": series,
    }
