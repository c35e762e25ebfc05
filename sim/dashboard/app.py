"""The SolaraViz app: `solara run sim.dashboard.app` (``tokenmaxx dashboard`` does this for you).

The only module that imports Solara and ``mesa.visualization``. The scenario file comes from
the environment variable named by :data:`SCENARIO_ENV` (set by the CLI); controls start at its values.
"""

from __future__ import annotations

import os

import numpy as np
import solara
from mesa.visualization import SolaraViz, make_plot_component
from mesa.visualization.utils import update_counter

from sim.dashboard import controls
from sim.dashboard.figures import network_figure
from sim.dashboard.model import DEFAULT_SCENARIO, DashboardModel
from sim.scenario_io import load_scenario

SCENARIO_ENV = "TOKENMAXX_DASHBOARD_SCENARIO"
TITLE = "TokenMaxxing: what the dashboard shows against what is true"


def _style_axes(ax) -> None:
    ax.set_xlabel("week")
    ax.grid(alpha=0.3)


PRODUCTIVITY = make_plot_component(
    {"Claimed hours saved (dashboard)": "tab:orange", "True net hours saved": "tab:blue"},
    post_process=lambda ax: (_style_axes(ax), ax.set_ylabel("hours per employee-week"), ax.axhline(0, color="k", lw=0.5)),
)
GAMING = make_plot_component(
    {"Employees gaming (%)": "tab:red", "Performative share of AI hours (%)": "tab:purple"},
    post_process=lambda ax: (_style_axes(ax), ax.set_ylabel("%"), ax.set_ylim(bottom=0)),
)
SPEND = make_plot_component(
    {"AI spend (USD/week)": "tab:green", "Spend on performative use (USD/week)": "tab:red"},
    post_process=lambda ax: (_style_axes(ax), ax.set_ylabel("USD per week"), ax.set_ylim(bottom=0)),
)
KPI = make_plot_component(
    {"KPI attainment (% of target)": "tab:orange"},
    post_process=lambda ax: (_style_axes(ax), ax.set_ylabel("% of target")),
    page=1,
)
ROI = make_plot_component(
    {"ROI reported": "tab:orange", "ROI true": "tab:blue"},
    post_process=lambda ax: (_style_axes(ax), ax.set_ylabel("return per USD spent")),
    page=1,
)


@solara.component
def Headline(model: DashboardModel) -> None:
    """This week's numbers in words (what management sees against what is true)."""
    update_counter.get()
    latest = model.latest()
    policy = model.policy
    with solara.Card("This week", classes=["tokenmaxx-headline"]):
        solara.Markdown(
            f"**Week {len(model.records)}** of {model.config.weeks} · regime **{policy.kpi.regime}** "
            f"({policy.kpi.scheme}, strength {policy.kpi.strength:g}) · audits {policy.audit.rate:.0%} · "
            f"detector {'on' if policy.detection.enabled else 'off'}"
        )
        if latest is None:
            solara.Markdown("Press **Step** or **▶** to run the organisation week by week. "
                            "Controls take effect on **Reset**.")
            return
        solara.Markdown(
            f"- employees gaming: **{latest['Employees gaming (%)']:.1f}%**\n"
            f"- claimed hours saved: **{latest['Claimed hours saved (dashboard)']:.2f}** per employee-week; "
            f"true net: **{latest['True net hours saved']:.2f}**\n"
            f"- AI spend: **${latest['AI spend (USD/week)']:,.0f}**/week, of which performative "
            f"**${latest['Spend on performative use (USD/week)']:,.0f}**\n"
            f"- ROI reported **{latest['ROI reported']:.1f}** vs true **{latest['ROI true']:.1f}**"
        )


@solara.component
def NetworkView(model: DashboardModel) -> None:
    """The colleague network coloured by behaviour (blue genuine, red performative)."""
    update_counter.get()
    graph_edges = solara.use_memo(lambda: np.array(list(model.network.to_networkx().edges()), dtype=int), [model])
    figure = network_figure(model.layout(), graph_edges, model.state.performative_hours, len(model.records))
    solara.FigureMatplotlib(figure, format="png")


def scenario_path() -> str:
    return os.environ.get(SCENARIO_ENV, DEFAULT_SCENARIO)


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
