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
        "label": {"formatter": f"{organisation}: {short_change(change)}", "position": "insideEndTop", "fontSize": 11},
        "lineStyle": {"color": "#333" if organisation == "A" else "#888", "type": "solid", "width": 1.5},
    } for organisation, change in changes]
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
        "grid": {"left": 64, "right": 24, "top": 100, "bottom": 44},
        "xAxis": {"type": "value", "name": "week", "nameLocation": "middle", "nameGap": 26, "min": 0,
                  "max": weeks, "interval": week_interval(weeks)},
        "yAxis": y_axis,
        "series": lines,
    }
    if empty:
        option["graphic"] = [{"type": "text", "left": "center", "top": "middle",
                              "style": {"text": EMPTY_TEXT, "fontSize": 14, "fill": "#555"}}]
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


def gaming_colours(performative_hours: np.ndarray) -> np.ndarray:
    """Hex colours from orange to red by performative hours (full red at FULL_RED_HOURS)."""
    low, high = (np.array([int(c[k:k + 2], 16) for k in (1, 3, 5)], dtype=float) for c in GAMING_COLOURS)
    share = np.clip(performative_hours / FULL_RED_HOURS, 0.0, 1.0)[:, None]
    rgb = np.rint(low + share * (high - low)).astype(int)
    return np.array([f"#{r:02x}{g:02x}{b:02x}" for r, g, b in rgb.tolist()])


def network_chart(
    organisation: str,
    week: int,
    positions: np.ndarray,
    ties: np.ndarray,
    genuine_hours: np.ndarray,
    performative_hours: np.ndarray,
    gaming: np.ndarray,
    selected: int | None,
) -> dict:
    """The colleague network, each employee coloured by what they did this week: grey no AI use,
    blue genuine use only, orange to red more and more performative hours (orange also: gaming by a
    script or a misreport alone). `ties`: (m, 2) pairs across teams. A click reports the employee's
    index as the node's `dataIndex` (and its `name`)."""
    n = len(genuine_hours)
    category = np.where(gaming, 2, np.where(genuine_hours > 0, 1, 0))
    colour = np.array([IDLE_COLOUR, GENUINE_COLOUR, ""], dtype=object)[category]
    if gaming.any():
        colour[gaming] = gaming_colours(performative_hours[gaming])
    size = 8 if n <= 600 else 5
    xy = np.round(positions * 40.0, 2).tolist()
    g, p = np.round(genuine_hours, 2).tolist(), np.round(performative_hours, 2).tolist()
    nodes = [{"name": str(i), "x": x, "y": y, "category": int(k), "value": [gi, pi],
              "itemStyle": {"color": c}}
             for i, ((x, y), k, c, gi, pi) in enumerate(zip(xy, category.tolist(), colour.tolist(), g, p, strict=True))]
    if selected is not None and 0 <= selected < n:
        nodes[selected] = {**nodes[selected], "symbolSize": 3 * size,
                           "itemStyle": {**nodes[selected]["itemStyle"], "borderColor": "#000000", "borderWidth": 3}}
    links = [{"source": int(a), "target": int(b)} for a, b in np.asarray(ties, dtype=int).tolist()]
    return {
        "animation": False,
        "title": {"text": f"Organisation {organisation}, week {week}: {int(gaming.sum())} of {n} employees gaming",
                  "subtext": "Click an employee to see why they game, or do not.",
                  "left": 8, "top": 4, "textStyle": {"fontSize": 14}},
        "legend": {"data": list(CATEGORIES), "bottom": 4, "selectedMode": False},
        "tooltip": {"trigger": "item", "formatter": "Employee {b}: {c} (genuine, performative hours)"},
        "toolbox": {"right": 12, "top": 0, "feature": {"saveAsImage": {
            "title": "Save as PNG", "name": f"tokenmaxx-network-{organisation}", "pixelRatio": 2,
            "backgroundColor": "#ffffff"}}},
        "series": [{
            "type": "graph", "layout": "none", "roam": False, "top": 64, "bottom": 60, "left": 12, "right": 12,
            "symbolSize": size, "data": nodes, "links": links,
            "categories": [{"name": name, "itemStyle": {"color": c}}
                           for name, c in zip(CATEGORIES, (IDLE_COLOUR, GENUINE_COLOUR, GAMING_COLOURS[1]), strict=True)],
            "itemStyle": {"borderColor": "#ffffff", "borderWidth": 0.5},
            "lineStyle": {"color": "#999999", "width": 0.6, "opacity": 0.35, "curveness": 0},
            "emphasis": {"scale": 1.8, "focus": "none"},
            "label": {"show": False},
        }],
    }
