"""The dashboard's model: an :class:`OrganisationModel` built from flat control values.

SolaraViz re-creates the model from keyword arguments on *Reset*; this wrapper takes the
controls' values, applies them to the scenario file as overrides, and collects the weekly
series the charts show with a Mesa ``DataCollector``.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import mesa
import numpy as np

from sim.dashboard import controls
from sim.engine.model import OrganisationModel
from sim.scenario.io import load_scenario

DEFAULT_SCENARIO = str(Path(__file__).resolve().parents[2] / "scenarios" / "default.yaml")
SCENARIO_ENV = "TOKENMAXX_DASHBOARD_SCENARIO"
"""Environment variable naming the scenario file the dashboard starts from."""
LAYOUT_SEED = 7
"""Seed of the network drawing's layout (positions only; no effect on the simulation)."""

SERIES: dict[str, str] = {
    "Claimed hours saved (dashboard)": "claimed hours saved per employee-week, as reported",
    "True net hours saved": "true hours saved minus performative hours, per employee-week",
    "KPI attainment (% of target)": "reported KPI as a percentage of the organisation's target",
    "Employees gaming (%)": "share of employees gaming this week: performative use, a script or a misreport",
    "Performative share of AI hours (%)": "performative hours / all AI hours",
    "Employees running a script (%)": "share of employees with a script looping prompts this week",
    "Over-claimed hours saved": "deliberate over-claims per employee-week, on top of honest claims",
    "AI spend (USD/week)": "seats (licences, enablement) plus tokens or per-action fees",
    "Cost of gaming (USD/week)": "wages of the hours spent performing plus the AI spend they bought",
    "ROI reported (%)": "(reported value - spend) / spend, in %",
    "ROI true (%)": "(true value - spend) / spend, in %",
}
"""Weekly series the dashboard charts, by label, with what each means."""


def scenario_path() -> str:
    """The scenario file the dashboard starts from (the CLI sets it; default: default.yaml)."""
    return os.environ.get(SCENARIO_ENV, DEFAULT_SCENARIO)


def weekly_series(row: dict[str, float]) -> dict[str, float]:
    """The charted values of one week, from one row of ``OrganisationModel.records``."""
    n = row["employees"]
    ai_hours = row["genuine_hours"] + row["performative_hours"]
    return {
        "Claimed hours saved (dashboard)": row["claimed_hours_saved"] / n,
        "True net hours saved": (row["true_hours_saved"] - row["performative_hours"]) / n,
        "KPI attainment (% of target)": 100 * row["reported_kpi"] / (n * row["kpi_target"]),
        "Employees gaming (%)": 100 * row["gaming_share"],
        "Performative share of AI hours (%)": 100 * row["performative_hours"] / ai_hours if ai_hours > 0 else 0.0,
        "Employees running a script (%)": 100 * row["scripts_running"] / n,
        "Over-claimed hours saved": row["misreported_hours"] / n,
        "AI spend (USD/week)": row["ai_spend_usd"],
        "Cost of gaming (USD/week)": row["wasted_hours_cost_usd"] + row["wasted_spend_usd"],
        "ROI reported (%)": 100 * row["roi_reported"],
        "ROI true (%)": 100 * row["roi_true"],
    }


class DashboardModel(OrganisationModel):
    """An organisation configured from the dashboard's controls (flat keyword arguments)."""

    def __init__(
        self,
        regime: str = "tokens",
        scheme: str = "linear",
        strength: float = 0.75,
        audit_rate: float = 0.0,
        detection: bool = False,
        conformity: float = 0.01,
        input_usd_per_mtok: float = 3.0,
        output_usd_per_mtok: float = 15.0,
        licence_usd_per_user_month: float = 30.0,
        employees: int = 100,
        seed: int = 42,
        scenario_path: str = DEFAULT_SCENARIO,
    ) -> None:
        base = load_scenario(scenario_path)
        values: dict[str, Any] = {
            "regime": regime, "scheme": scheme, "strength": strength, "audit_rate": audit_rate,
            "detection": detection, "conformity": conformity, "input_usd_per_mtok": input_usd_per_mtok,
            "output_usd_per_mtok": output_usd_per_mtok, "licence_usd_per_user_month": licence_usd_per_user_month,
            "employees": employees, "seed": seed,
        }
        super().__init__(load_scenario(base, controls.overrides(base, **values)))
        self.datacollector = mesa.DataCollector(
            model_reporters={label: _reporter(label) for label in SERIES}
        )
        self._layout: dict[int, np.ndarray] | None = None

    def step(self) -> None:
        """One week (the base model collects the charted series). Past the scenario's last week: nothing."""
        if self.steps > self.config.weeks:
            self.running = False
            return
        super().step()

    def latest(self) -> dict[str, float] | None:
        """This week's charted values (None before the first step)."""
        return weekly_series(self.records[-1]) if self.records else None

    def layout(self) -> dict[int, np.ndarray]:
        """Positions of the colleague network's nodes (computed once per model)."""
        if self._layout is None:
            import networkx as nx

            self._layout = nx.spring_layout(self.network.to_networkx(), seed=LAYOUT_SEED)
        return self._layout


def _reporter(label: str):
    def report(model: DashboardModel) -> float:
        return weekly_series(model.records[-1])[label]

    return report
