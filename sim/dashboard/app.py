"""The dashboard page: `solara run sim.dashboard.app` (``tokenmaxx dashboard`` does this for you).

The only module that imports Solara and ``mesa.visualization``. Mesa's ``ModelController`` runs
the organisations (Reset, Play, Step); the rest is laid out here so a class can read it: controls
grouped with their values and units, one clock in weeks, named tabs, charts drawn in the browser
(ECharts, shipped with solara-assets) with every policy change marked, the colleague network with
a click-to-explain panel, and exports. The scenario file comes from
:func:`sim.dashboard.model.scenario_path` (set by the CLI); the controls start at its values.
"""

from __future__ import annotations

import html

import numpy as np
import solara
import solara.lab
import traitlets
from mesa.visualization.solara_viz import ModelController
from solara.components.echarts import EchartsWidget
from mesa.visualization.utils import force_update, update_counter

from sim.dashboard import charts, controls, export
from sim.dashboard.explain import Explanation, explain
from sim.dashboard.model import DashboardModel, scenario_path
from sim.scenario.io import ScenarioError, load_scenario
from sim.scenario.schema import Scenario

TITLE = "TokenMaxxing: what the dashboard shows against what is true"
PLAY_INTERVAL_MS = 250
"""Pause between weeks while playing: a year in about 15 seconds."""
TABS = ("Gaming and hours saved", "Spend and ROI", "Employees: why they game")
CHART_TABS = (("gaming", "hours", "kpi"), ("spend", "roi"))
CHART_HEIGHT_PX = 330

CSS = """
.tokenmaxx-clock { font-size: 1.6rem; margin: 0 0 8px 0; }
.tokenmaxx-controls .v-input__slider .v-input__slot { flex-wrap: wrap; }
.tokenmaxx-controls .v-input__slider .v-label {
    flex: 1 0 100%; white-space: normal; height: auto; line-height: 1.3; margin: 0 0 2px 0; max-width: 100%;
    color: rgba(0, 0, 0, 0.87); font-size: 0.9rem;
}
.tokenmaxx-controls .v-input--checkbox .v-label { color: rgba(0, 0, 0, 0.87); font-size: 0.9rem; }
.tokenmaxx-controls .v-card__subtitle { padding-bottom: 4px; }
.tokenmaxx-table { border-collapse: collapse; width: 100%; font-size: 0.9rem; line-height: 1.25; }
.tokenmaxx-table th, .tokenmaxx-table td { padding: 2px 8px; border-bottom: 1px solid #e4e4e4; text-align: left; }
.tokenmaxx-table td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.tokenmaxx-table tr.section th { background: #f3f3f3; font-weight: 600; }
.tokenmaxx-table tr.total td { font-weight: 700; }
.tokenmaxx-note { color: #555; font-size: 0.9rem; margin: 4px 0; }
.tokenmaxx-verdict { font-size: 1rem; margin: 6px 0; }
.v-navigation-drawer { width: 380px !important; }
"""

HEADLINE_ROWS = (
    ("employees gaming", "Employees gaming (%)", "{:.1f}%"),
    ("running a script", "Employees running a script (%)", "{:.1f}%"),
    ("hours saved, claimed on the dashboard", "Claimed hours saved (dashboard)", "{:.2f} h per employee-week"),
    ("hours saved, true (net of performative hours)", "True net hours saved", "{:.2f} h per employee-week"),
    ("of the claims: deliberate over-claims", "Over-claimed hours saved", "{:.2f} h per employee-week"),
    ("KPI attainment", "KPI attainment (% of target)", "{:.1f}% of target"),
    ("AI spend", "AI spend (USD/week)", "${:,.0f} a week"),
    ("cost of gaming: hours performing, their AI spend", "Cost of gaming (USD/week)", "${:,.0f} a week"),
    ("ROI reported", "ROI reported (%)", "{:,.0f}%"),
    ("ROI true", "ROI true (%)", "{:,.0f}%"),
)
"""The headline table: what is shown, from which weekly series, in which format."""


class _Option:
    """An ECharts option that reacton hands to the widget without walking it. Reacton looks for
    child elements in every list and dict of a component's arguments, once per enclosing layout:
    for a network of 500 employees that cost more than the rest of a step. The widget unwraps it
    when it syncs to the browser (a traitlets `to_json` serializer)."""

    __slots__ = ("value",)

    def __init__(self, value: dict) -> None:
        self.value = value

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Option) and self.value == other.value

    __hash__ = None  # type: ignore[assignment]


def _unwrap(option, widget) -> dict:
    return option.value if isinstance(option, _Option) else option


class _Echarts(EchartsWidget):
    """Solara's ECharts widget (its template and events), taking a wrapped option."""

    option = traitlets.Any({}).tag(sync=True, to_json=_unwrap)


def echarts(option: dict, height: str, on_click=None):
    """An ECharts figure filling its card's width, `height` high (CSS: "330px", or "auto" with an
    aspect ratio), redrawn when its card resizes."""
    return _Echarts.element(option=_Option(option), on_click=on_click, responsive=True,
                            attributes={"style": f"width: 100%; height: {height};"})


def policy_text(policy: Scenario, strength: float) -> str:
    """'tokens consumed, linear, 0.75 h of pay at target ($36), audits 0%, detector off'."""
    kpi = policy.kpi
    if strength == 0:
        reward = "no KPI reward"
    else:
        reward = f"{kpi.scheme}, {strength:g} h of pay at target (${strength * policy.economics.loaded_wage_usd_per_hour:,.0f})"
    return (f"KPI: {controls.REGIME_NAMES.get(kpi.regime, kpi.regime)}, {reward}; audits {policy.audit.rate:.0%}; "
            f"detector {'on' if policy.detection.enabled else 'off'}")


@solara.component
def Page() -> None:
    """Organisations A and B per browser session, built from the scenario file's values."""
    path = scenario_path()
    base = solara.use_memo(lambda: load_scenario(path), [path])
    start = solara.use_memo(lambda: controls.start_values(base), [base])
    params = solara.use_reactive({**start.values, "scenario_path": path})
    first = solara.use_memo(lambda: DashboardModel(**params.value), [])
    model = solara.use_reactive(first)
    selected = solara.use_reactive(None)
    play_interval = solara.use_reactive(PLAY_INTERVAL_MS)
    render_interval = solara.use_reactive(1)
    use_threads = solara.use_reactive(False)
    error = solara.use_reactive(None)

    def on_control(name: str, value) -> None:
        params.value = {**params.value, name: value}
        error.value = None
        current = model.value
        try:
            if current.week == 0:  # nothing has happened yet: start the organisations this way
                model.value = DashboardModel(**params.value)
            else:
                current.set_control(name, value)
                force_update()
        except (ScenarioError, ValueError) as exc:
            error.value = str(exc)

    solara.Style(CSS)
    solara.Title("TokenMaxxing dashboard")
    with solara.AppBar():
        solara.AppBarTitle(TITLE)
    with solara.Sidebar():
        with solara.Column(classes=["tokenmaxx-controls"]):
            with solara.Card("Run"):
                Clock(model.value)
                ModelController(model, model_parameters=params, play_interval=play_interval,
                                render_interval=render_interval, use_threads=use_threads)
                solara.HTML(tag="p", classes=["tokenmaxx-note"], unsafe_innerHTML=(
                    "<b>Step</b> runs one week, <b>&#9654;</b> plays. KPI, enforcement and price changes apply "
                    "from the next week, marked on every chart. <b>Reset</b> restarts both organisations at "
                    "week 0 with the controls as they are."))
                Pending(model.value)
                for note in start.notes:
                    solara.Info(note)
                if error.value:
                    solara.Error(error.value)
            for group in controls.GROUPS:
                ControlGroup(group, params.value, base, on_control)
            Export(model.value)
            with solara.Details("Playback speed (Mesa's timing controls)", expand=False):
                solara.SliderInt(f"Pause between weeks while playing: {play_interval.value / 1000:.2f} s",
                                 value=play_interval, min=0, max=1000, step=50, thumb_label=False)
                solara.SliderInt(f"Weeks run per redraw while playing: {render_interval.value}",
                                 value=render_interval, min=1, max=10, step=1, thumb_label=False)
    Main(model.value, selected)


@solara.component
def Clock(model: DashboardModel) -> None:
    """The one clock: weeks run of the scenario's weeks."""
    update_counter.get()
    solara.HTML(tag="div", classes=["tokenmaxx-clock"],
                unsafe_innerHTML=f"Week <b>{model.week}</b> of {model.config.weeks}")


@solara.component
def Export(model: DashboardModel) -> None:
    """The run as CSV (made when clicked); the charts export themselves as PNG."""
    update_counter.get()
    with solara.Card("Export"):
        solara.FileDownload(lambda: export.run_csv(model), filename=export.file_name(model),
                            label="Download this run (CSV)", mime_type="text/csv")
        solara.HTML(tag="p", classes=["tokenmaxx-note"], unsafe_innerHTML=(
            "Every week of A and B with the policy in force. Each chart saves itself as a PNG: the "
            "download icon at its top right."))


@solara.component
def Pending(model: DashboardModel) -> None:
    """Controls that wait for Reset, with the value in force and the one Reset will use."""
    update_counter.get()
    pending = model.pending()
    if pending:
        items = ", ".join(f"{controls.CONTROLS[name].label.lower()} {old:g} \u2192 {new:g}"
                          for name, (old, new) in pending.items())
        solara.Warning(f"On Reset: {items} (they change the organisation itself, so it has to start again).")


@solara.component
def ControlGroup(group: str, values: dict, base: Scenario, on_control) -> None:
    """One card of controls, each with its value and units in its label."""
    items = [c for c in controls.CONTROLS.values() if c.group == group]
    if group == "comparison":
        subtitle = "The same workforce (same seed) under its own policy; changes apply from the next week."
    elif all(c.live for c in items):
        subtitle = "Changes apply from the next week."
    else:
        subtitle = "Changes apply on Reset (both organisations)."
    with solara.Card(controls.GROUPS[group], subtitle=subtitle, classes=[f"tokenmaxx-group-{group}"]):
        for control in items:
            if group == "comparison" and control.name != "compare" and not values["compare"]:
                continue
            ControlInput(control, values[control.name], base, on_control)


@solara.component
def ControlInput(control: controls.Control, value, base: Scenario, on_control) -> None:
    def set_value(new) -> None:
        on_control(control.name, new)

    text = control.text(value, base)
    if control.kind == "select":
        solara.v.Select(label=control.label, v_model=value, on_v_model=set_value, dense=True,
                        items=[{"text": name, "value": key} for key, name in control.options.items()])
    elif control.kind == "bool":
        solara.Checkbox(label=text, value=bool(value), on_value=set_value)
    else:
        low, high, step = controls.slider_range(control, value)
        slider = solara.SliderFloat if control.kind == "float" else solara.SliderInt
        slider(text, value=value, min=low, max=high, step=step, on_value=set_value, thumb_label=False)


@solara.component
def Main(model: DashboardModel, selected: solara.Reactive) -> None:
    Headline(model)
    with solara.lab.Tabs(lazy=True):
        for title, keys in zip(TABS, CHART_TABS, strict=False):
            with solara.lab.Tab(title):
                with solara.ColumnsResponsive(12, large=6):
                    for key in keys:
                        ChartView(model, key)
        with solara.lab.Tab(TABS[2]):
            EmployeesView(model, selected)


def _cell(text: str, classes: str = "num") -> str:
    return f'<td class="{classes}">{html.escape(text)}</td>'


@solara.component
def Headline(model: DashboardModel) -> None:
    """This week's numbers for A and B: what management sees against what is true."""
    update_counter.get()
    with model.lock:
        organisations = [(org.name, org.latest(), policy_text(org.policy, org.kpi_strength)) for org in model.organisations]
        changes = [(name, change) for name, change in model.changes()]
    head = "".join(f"<th>{name}: {html.escape(policy)}</th>" for name, _, policy in organisations)
    with solara.Card("What the dashboard shows against what is true", classes=["tokenmaxx-headline-card"]):
        if organisations[0][1] is None:
            solara.HTML(tag="p", classes=["tokenmaxx-empty"], unsafe_innerHTML=(
                f"No week has run yet ({model.employee_count():,} employees in each organisation). "
                "Press <b>Step</b> to run week 1 or <b>&#9654;</b> to play; the charts fill in week by week."))
            rows = ""
        else:
            rows = "".join(
                f"<tr><td>{html.escape(label)}</td>"
                + "".join(_cell(fmt.format(latest[series])) for _, latest, _ in organisations) + "</tr>"
                for label, series, fmt in HEADLINE_ROWS)
        solara.HTML(tag="table", classes=["tokenmaxx-table", "tokenmaxx-headline"],
                    unsafe_innerHTML=f"<tr><th>this week</th>{head}</tr>{rows}")
        with model.lock:
            notes = [model.worlds_note(org) for org in model.organisations]
        solara.HTML(tag="p", classes=["tokenmaxx-note", "tokenmaxx-worlds"], unsafe_innerHTML=(
            f"These numbers are one world (seed {model.config.seed}, the defaults' values). "
            + "; ".join(html.escape(note) for note in notes) + "."))
        if len(organisations) > 1:
            solara.HTML(tag="p", classes=["tokenmaxx-note"], unsafe_innerHTML=(
                "A and B have the same employees and colleague network (same seed); only the policy differs. "
                "On the charts A is solid, B dashed."))
        if changes:
            items = "".join(f"<li>{name}, from week {change.week}: {html.escape(change.describe())} "
                            f"({html.escape(change.origin)})</li>" for name, change in changes)
            solara.HTML(tag="ul", classes=["tokenmaxx-changes"], unsafe_innerHTML=items)


@solara.component
def ChartView(model: DashboardModel, key: str) -> None:
    """One chart of weekly series for A (solid) and B (dashed), policy changes marked."""
    update_counter.get()
    with model.lock:
        series = {}
        for org in model.organisations:
            values = {label: list(v) for label, v in org.series().items()}
            weeks = list(range(1, len(next(iter(values.values()), [])) + 1))
            series[org.name] = (weeks, values)
        option = charts.line_chart(charts.CHARTS[key], model.config.weeks, series, model.changes())
    with solara.Card(classes=["tokenmaxx-chart", f"tokenmaxx-chart-{key}"]):
        echarts(option, f"{CHART_HEIGHT_PX}px")


@solara.component
def EmployeesView(model: DashboardModel, selected: solara.Reactive) -> None:
    """The colleague network (click an employee) and what that employee weighed this week."""
    update_counter.get()
    shown = solara.use_reactive("A")
    network = model.network
    positions = solara.use_memo(lambda: charts.team_layout(network.team, network.team_sizes), [model])
    ties = solara.use_memo(lambda: charts.tie_segments(positions, charts.cross_ties(network.cross)), [model])
    name = shown.value if model.twin is not None else "A"
    chosen = selected.value if selected.value is not None and selected.value < model.employee_count() else None
    with model.lock:
        org = model.organisation(name)
        option = charts.network_chart(name, org.week, positions, ties, org.state.genuine_hours,
                                      org.state.performative_hours, org.state.gaming, chosen)
        explanations = [explain(o, chosen, o.name) for o in model.organisations] if chosen is not None else []

    def on_click(event) -> None:
        value = (event or {}).get("value")
        if isinstance(value, list) and len(value) >= 3:
            selected.value = int(value[2])

    with solara.ColumnsResponsive(12, large=[6, 6]):
        with solara.Card(classes=["tokenmaxx-network"]):
            if model.twin is not None:
                solara.ToggleButtonsSingle(value=shown, values=["A", "B"])
            echarts(option, "auto; aspect-ratio: 1 / 1", on_click)
            solara.HTML(tag="p", classes=["tokenmaxx-note"], unsafe_innerHTML=(
                "Each ring is a team: everyone in it is a colleague of everyone else. Grey lines are ties "
                "across teams. A and B have the same people in the same places."))
            solara.InputInt(f"Or type an employee's number (0 to {model.employee_count() - 1})",
                            value=selected.value if selected.value is not None else 0,
                            on_value=lambda v: selected.set(int(np.clip(v, 0, model.employee_count() - 1))))
        with solara.Card("What this employee weighed this week", classes=["tokenmaxx-why"]):
            WhyPanel(chosen, explanations)


def _hours(value: float, wage: float) -> str:
    """'+0.42 h (+$20.16)': hours of pay and their dollars (no '-0.00')."""
    value = round(value, 2) + 0.0
    usd = value * wage
    return f"{value:+.2f} h ({'-' if usd < 0 else '+'}${abs(usd):,.2f})"


@solara.component
def WhyPanel(employee: int | None, explanations: list[Explanation | None]) -> None:
    """The selected employee's decision this week, A and B side by side."""
    if employee is None:
        solara.HTML(tag="p", classes=["tokenmaxx-empty"], unsafe_innerHTML=(
            "Click an employee in the network (or type their number) to see what they weighed this week: the KPI "
            "reward, their integrity cost, the expected penalty, their colleagues' pull, and what they did."))
        return
    shown = [e for e in explanations if e is not None]
    if not shown:
        solara.HTML(tag="p", classes=["tokenmaxx-empty"], unsafe_innerHTML=(
            f"Employee {employee}: no week has run yet. Press <b>Step</b>."))
        return
    first = shown[0]
    header = "".join(f"<th>{e.organisation}</th>" for e in shown)
    rows = [f'<tr class="section"><th colspan="{len(shown) + 1}">Per performative hour (hours of their pay)</th></tr>']

    def term_rows(attribute: str) -> None:
        for k, term in enumerate(getattr(first, attribute)):
            rows.append(f"<tr><td>{html.escape(term.label)}</td>"
                        + "".join(_cell(_hours(getattr(e, attribute)[k].hours, e.wage)) for e in shown) + "</tr>")

    term_rows("performative")
    rows.append('<tr class="total"><td>net value of a first performative hour</td>'
                + "".join(_cell(_hours(e.first_performative_hour, e.wage)) for e in shown) + "</tr>")
    rows.append(f'<tr class="section"><th colspan="{len(shown) + 1}">Per genuine hour (hours of their pay)</th></tr>')
    term_rows("genuine")
    if any(e.script_value is not None or e.misreports or e.bonus or e.cap for e in shown):
        rows.append(f'<tr class="section"><th colspan="{len(shown) + 1}">Other ways to game, and the bonus</th></tr>')
    if any(e.script_value is not None for e in shown):
        rows.append("<tr><td>net value of running a script this week</td>" + "".join(
            _cell(_hours(e.script_value, e.wage) if e.script_value is not None else "no script pays") for e in shown)
            + "</tr>")
    for e in shown:
        for way, units, net in e.misreports:
            rows.append(f"<tr><td>{e.organisation}: {html.escape(way)}, net per hour claimed</td>"
                        + "".join(_cell(_hours(net, e.wage) if x is e else "") for x in shown) + "</tr>")
        if e.bonus:
            rows.append(f'<tr><td colspan="{len(shown) + 1}">{e.organisation}: {html.escape(e.bonus)}</td></tr>')
        if e.cap:
            rows.append(f'<tr><td colspan="{len(shown) + 1}">{e.organisation}: {html.escape(e.cap)}</td></tr>')
    rows.append(f'<tr class="section"><th colspan="{len(shown) + 1}">What they did this week</th></tr>')
    keys = list(dict.fromkeys(k for e in shown for k in e.outcome))
    for key in keys:
        rows.append(f"<tr><td>{html.escape(key)}</td>" + "".join(_cell(e.outcome.get(key, "")) for e in shown) + "</tr>")
    solara.HTML(tag="p", classes=["tokenmaxx-why-title"], unsafe_innerHTML=(
        f"<b>Employee {first.employee}</b> (team {first.team}), week {first.week}"))
    for e in shown:
        solara.HTML(tag="p", classes=["tokenmaxx-verdict", f"tokenmaxx-verdict-{e.organisation}"],
                    unsafe_innerHTML=f"<b>{e.organisation}:</b> {html.escape(e.verdict)}")
    solara.HTML(tag="table", classes=["tokenmaxx-table", "tokenmaxx-why-table"],
                unsafe_innerHTML=f"<tr><th></th>{header}</tr>" + "".join(rows))
