"""The SolaraViz app: `solara run sim.dashboard.app` (``tokenmaxx dashboard`` does this for you).

The only module that imports Solara and ``mesa.visualization``. The scenario file comes from
:func:`sim.dashboard.model.scenario_path` (set by the CLI); the controls start at its values.
"""

from __future__ import annotations

import numpy as np
import solara
from mesa.visualization import SolaraViz, make_plot_component
from mesa.visualization.utils import update_counter

from sim.dashboard import controls
from sim.dashboard.figures import network_figure
from sim.dashboard.model import DashboardModel, scenario_path
from sim.scenario.io import load_scenario

TITLE = "TokenMaxxing: what the dashboard shows against what is true"


CHART_SIZE_INCHES = (6.0, 3.6)
"""Fits a SolaraViz grid card without cropping."""


def _style_axes(ax) -> None:
    ax.figure.set_size_inches(*CHART_SIZE_INCHES)
    ax.grid(alpha=0.3)


PRODUCTIVITY = make_plot_component(
    {"Claimed hours saved (dashboard)": "tab:orange", "True net hours saved": "tab:blue"},
    post_process=lambda ax: (_style_axes(ax), ax.set_ylabel("hours per employee-week"), ax.axhline(0, color="k", lw=0.5)),
)
GAMING = make_plot_component(
    {"Employees gaming (%)": "tab:red", "Performative share of AI hours (%)": "tab:purple",
     "Employees running a script (%)": "tab:brown"},
    post_process=lambda ax: (_style_axes(ax), ax.set_ylabel("%"), ax.set_ylim(bottom=0)),
)
SPEND = make_plot_component(
    {"AI spend (USD/week)": "tab:green", "Cost of gaming (USD/week)": "tab:red"},
    post_process=lambda ax: (_style_axes(ax), ax.set_ylabel("USD per week"), ax.set_ylim(bottom=0)),
)
KPI = make_plot_component(
    {"KPI attainment (% of target)": "tab:orange"},
    post_process=lambda ax: (_style_axes(ax), ax.set_ylabel("% of target")),
    page=1,
)
ROI = make_plot_component(
    {"ROI reported (%)": "tab:orange", "ROI true (%)": "tab:blue"},
    post_process=lambda ax: (_style_axes(ax), ax.set_ylabel("ROI, % of AI spend"), ax.axhline(0, color="k", lw=0.5)),
    page=1,
)


@solara.component
def Headline(model: DashboardModel) -> None:
    """This week's numbers in words: what management sees against what is true."""
    update_counter.get()
    latest = model.latest()
    policy = model.policy
    with solara.Card("This week"):
        solara.HTML(tag="p", classes=["tokenmaxx-policy"], unsafe_innerHTML=(
            f"<b>Week {len(model.records)}</b> of {model.config.weeks} &middot; regime <b>{policy.kpi.regime}</b> "
            f"({policy.kpi.scheme}, strength {policy.kpi.strength:g}: up to "
            f"${policy.kpi.strength * policy.economics.loaded_wage_usd_per_hour:,.0f} a week per employee) &middot; "
            f"audits {policy.audit.rate:.0%} &middot; "
            f"detector {'on' if policy.detection.enabled else 'off'} &middot; {model.config.organization.employees} employees"
        ))
        if latest is None:
            solara.HTML(tag="p", unsafe_innerHTML=(
                "Press <b>Step</b> or <b>&#9654;</b> to run the organisation week by week. "
                "Changed controls take effect on <b>Reset</b>."
            ))
            return
        solara.HTML(tag="ul", classes=["tokenmaxx-headline"], unsafe_innerHTML=(
            f"<li>employees gaming: <b>{latest['Employees gaming (%)']:.1f}%</b> (running a script: "
            f"{latest['Employees running a script (%)']:.1f}%; over-claimed hours saved: "
            f"{latest['Over-claimed hours saved']:.2f} per employee-week)</li>"
            f"<li>claimed hours saved: <b>{latest['Claimed hours saved (dashboard)']:.2f}</b> per employee-week; "
            f"true net: <b>{latest['True net hours saved']:.2f}</b></li>"
            f"<li>AI spend: <b>${latest['AI spend (USD/week)']:,.0f}</b>/week; cost of gaming (hours spent "
            f"performing and their tokens): <b>${latest['Cost of gaming (USD/week)']:,.0f}</b>/week</li>"
            f"<li>ROI reported <b>{latest['ROI reported (%)']:,.0f}%</b> vs true <b>{latest['ROI true (%)']:,.0f}%</b></li>"
        ))


@solara.component
def NetworkView(model: DashboardModel) -> None:
    """The colleague network coloured by behaviour (blue genuine, red performative)."""
    update_counter.get()
    graph_edges = solara.use_memo(lambda: np.array(list(model.network.to_networkx().edges()), dtype=int), [model])
    figure = network_figure(
        model.layout(), graph_edges, model.state.genuine_hours, model.state.performative_hours, len(model.records)
    )
    solara.FigureMatplotlib(figure, format="png", bbox_inches="tight")


@solara.component
def Page() -> None:
    """One organisation per browser session, built from the scenario file's values."""
    path = scenario_path()
    params = solara.use_memo(lambda: controls.model_params(load_scenario(path), path), [path])
    model = solara.use_memo(
        lambda: DashboardModel(**{k: (v["value"] if isinstance(v, dict) else v) for k, v in params.items()}), [path]
    )
    SolaraViz(
        model,
        components=[Headline, PRODUCTIVITY, GAMING, SPEND, NetworkView, KPI, ROI],
        model_params=params,
        name=TITLE,
        play_interval=300,
    )
