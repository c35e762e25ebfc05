"""The dashboard's model: organisation A built from flat control values, stepping organisation B
(the same workforce under another policy) with it.

Mesa's model controller re-creates the model from keyword arguments on *Reset*; this wrapper takes
the controls' values, applies them to the scenario file as overrides, and collects the weekly
series the charts show with a Mesa ``DataCollector`` per organisation. While it runs, policy
controls change the policy from the next week (:meth:`DashboardModel.set_control`), recorded as
policy changes the charts mark.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Any

import mesa

from sim.dashboard import controls
from sim.engine.management import PolicyChange
from sim.engine.model import OrganisationModel
from sim.scenario.io import load_scenario
from sim.scenario.schema import Scenario

DEFAULT_SCENARIO = str(Path(__file__).resolve().parents[2] / "scenarios" / "default.yaml")
SCENARIO_ENV = "TOKENMAXX_DASHBOARD_SCENARIO"
"""Environment variable naming the scenario file the dashboard starts from."""

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


DASHBOARD_WORLDS = 40
"""Worlds behind the dashboard's interval: about a second for 500 employees."""


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


class Organisation(OrganisationModel):
    """One organisation on the dashboard: its weekly series collected, its decision terms kept (to
    explain one employee's choice), and nothing after the scenario's last week."""

    keep_decision_terms = True

    def __init__(self, scenario: Scenario, name: str = "A") -> None:
        super().__init__(scenario)
        self.name = name
        self.datacollector = mesa.DataCollector(model_reporters={label: _reporter(label) for label in SERIES})

    def step(self) -> None:
        """One week (the base model collects the charted series). Past the scenario's last week: nothing."""
        if self.steps > self.config.weeks:
            self.running = False
            return
        super().step()

    @property
    def week(self) -> int:
        """Weeks run so far (0 before the first)."""
        return len(self.records)

    def latest(self) -> dict[str, float] | None:
        """This week's charted values (None before the first step)."""
        return weekly_series(self.records[-1]) if self.records else None

    def series(self) -> dict[str, list[float]]:
        """Every charted series so far, by label (one value per week run)."""
        return self.datacollector.model_vars


class DashboardModel(Organisation):
    """Organisation A, configured from the dashboard's controls (flat keyword arguments), and
    organisation B, the same workforce (same scenario and seed) under B's policy, stepping with it.

    B's policy is what its controls say: it takes none of the scenario's scheduled interventions."""

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
        employees: int = 500,
        seed: int = 42,
        compare: bool = False,
        compare_regime: str = "tokens",
        compare_scheme: str = "linear",
        compare_strength: float = 0.0,
        compare_audit_rate: float = 0.0,
        compare_detection: bool = False,
        scenario_path: str = DEFAULT_SCENARIO,
    ) -> None:
        values = {name: value for name, value in locals().items() if name in controls.CONTROLS}
        if employees > controls.MAX_EMPLOYEES:
            raise ValueError(f"employees: the dashboard runs at most {controls.MAX_EMPLOYEES:,} employees, got "
                             f"{employees:,} (its network view draws every one; `tokenmaxx run` runs any size)")
        self.base = load_scenario(scenario_path)
        self.scenario_path = scenario_path
        self.built_with: dict[str, Any] = dict(values)
        self.controls: dict[str, Any] = dict(values)
        self.lock = threading.RLock()
        self._worlds_notes: dict[str, str] = {}
        super().__init__(self._scenario_for("A"), name="A")
        self.twin: Organisation | None = Organisation(self._scenario_for("B"), name="B") if compare else None

    def _scenario_for(self, organisation: str) -> Scenario:
        names = controls.organisation_controls(organisation)
        values = {as_a: self.built_with[name] for name, as_a in names.items()}
        items = controls.overrides(self.base, **values)
        if organisation == "B":
            items.append("management.interventions=[]")
        return load_scenario(self.base, items)

    @property
    def organisations(self) -> list[Organisation]:
        """A, and B when it runs."""
        return [self] if self.twin is None else [self, self.twin]

    def step(self) -> None:
        """One week for A and B together."""
        with self.lock:
            super().step()
            if self.twin is not None:
                self.twin.step()

    # --- controls while running -------------------------------------------------------------
    def set_control(self, name: str, value: Any) -> bool:
        """Set a control. A policy control changes the policy of its organisation(s) from the next
        week (recorded as a policy change) and returns True; an organisation or culture control
        only takes effect on Reset (returns False; see :meth:`pending`)."""
        control = controls.CONTROLS[name]
        with self.lock:
            self.controls[name] = value
            if not control.live:
                return False
            if name == "compare":
                self._show_twin(bool(value))
                return True
            targets = {"A": [self], "B": [self.twin] if self.twin else [], "both": self.organisations}
            changes = controls.policy_changes(self.base, name, value)
            for organisation in targets[control.organisation]:
                organisation.change_policy(changes)
            return True

    def _show_twin(self, show: bool) -> None:
        """Add B (run to A's week under B's controls) or drop it."""
        if not show:
            self.twin = None
            return
        if self.twin is None:
            self.built_with.update({k: v for k, v in self.controls.items() if controls.CONTROLS[k].organisation == "B"})
            twin = Organisation(self._scenario_for("B"), name="B")
            while twin.week < self.week:
                twin.step()
            self.twin = twin

    def worlds_note(self, organisation: Organisation) -> str:
        """What the organisation's current policy gives over plausible worlds (brief 11.1): true ROI
        over the run and the KPI's paired effect against no KPI, median [90% interval]; the
        dashboard itself shows one world. Computed once per policy."""
        key = organisation.policy.model_dump_json()
        if key not in self._worlds_notes:
            from sim.calibrate.posterior import load_posterior
            from sim.ensemble import describe, make_worlds, run_ensemble
            from sim.report.ensemble import chance, interval_text

            policy = organisation.policy
            ensemble = run_ensemble(policy, make_worlds(DASHBOARD_WORLDS, policy.seed, load_posterior()))
            roi, effect = describe(ensemble.table["roi_true"]), describe(ensemble.table["effect_true_value_usd"])
            self._worlds_notes[key] = (
                f"{organisation.name} over {DASHBOARD_WORLDS} plausible worlds ({policy.weeks} weeks): true ROI "
                f"{interval_text(roi, 'roi')}, negative in {chance(roi['p_negative'])} of worlds; against no KPI, "
                f"true value {interval_text(effect, 'usd', signed=True)} (median [90% interval])")
        return self._worlds_notes[key]

    def pending(self) -> dict[str, tuple[Any, Any]]:
        """Controls changed since the organisations were built that apply only on Reset:
        name -> (value in force, value after Reset)."""
        return {name: (self.built_with[name], value) for name, value in self.controls.items()
                if not controls.CONTROLS[name].live and value != self.built_with[name]}

    def changes(self) -> list[tuple[str, PolicyChange]]:
        """Every policy change of A and B so far, as (organisation, change), by week."""
        out = [(org.name, change) for org in self.organisations for change in org.policy_changes]
        return sorted(out, key=lambda item: item[1].week)

    # --- reading ------------------------------------------------------------------------------
    def organisation(self, name: str) -> Organisation:
        if name == "B":
            if self.twin is None:
                raise KeyError("organisation B is not running")
            return self.twin
        return self

    def employee_count(self) -> int:
        return self.state.size


def _reporter(label: str):
    def report(model: OrganisationModel) -> float:
        return weekly_series(model.records[-1])[label]

    return report
