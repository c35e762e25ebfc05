"""The dashboard's controls: Mesa ``model_params`` entries and how they become scenario overrides.

Plain data, no Solara: the app hands :data:`CONTROLS` to SolaraViz, and :class:`DashboardModel`
turns the chosen values into ``key.path=value`` overrides of the scenario file.
"""

from __future__ import annotations

from typing import Any

from sim.scenario.schema import REGIMES, Scenario

SCHEMES = ("linear", "quota", "rank")
COMPOSITE_WEIGHTS = "{tokens: 0.5, error_reduction: 0.5}"
"""Used when the composite regime is chosen and the scenario gives no weights."""
MAX_EMPLOYEES = 200
"""The network view stays readable (and the layout fast) up to about this head-count."""
LARGE_ORG_EMPLOYEES = 100
"""Head-count the dashboard starts with when the scenario's organisation exceeds MAX_EMPLOYEES."""

# name -> (scenario key path, Mesa model_params entry)
CONTROLS: dict[str, tuple[str, dict[str, Any]]] = {
    "regime": ("kpi.regime", {"type": "Select", "label": "KPI regime", "values": list(REGIMES)}),
    "scheme": ("kpi.scheme", {"type": "Select", "label": "Incentive scheme", "values": list(SCHEMES)}),
    "strength": ("kpi.strength", {"type": "SliderFloat", "label": "Incentive strength", "min": 0.0, "max": 3.0, "step": 0.1}),
    "audit_rate": ("audit.rate", {"type": "SliderFloat", "label": "Audit rate (share of employee-weeks)", "min": 0.0, "max": 1.0, "step": 0.05}),
    "detection": ("detection.enabled", {"type": "Checkbox", "label": "Anomaly detector on"}),
    "conformity": ("behavior.conformity", {"type": "SliderFloat", "label": "Conformity to colleagues", "min": 0.0, "max": 0.2, "step": 0.01}),
    "input_usd_per_mtok": ("pricing.input_usd_per_mtok", {"type": "SliderFloat", "label": "Input price (USD / M tokens)", "min": 0.0, "max": 30.0, "step": 0.5}),
    "output_usd_per_mtok": ("pricing.output_usd_per_mtok", {"type": "SliderFloat", "label": "Output price (USD / M tokens)", "min": 0.0, "max": 100.0, "step": 1.0}),
    "licence_usd_per_user_month": ("pricing.licence_usd_per_user_month", {"type": "SliderFloat", "label": "Licence (USD / user / month)", "min": 0.0, "max": 60.0, "step": 1.0}),
    "employees": ("organization.employees", {"type": "SliderInt", "label": "Employees", "min": 20, "max": MAX_EMPLOYEES, "step": 10}),
    "seed": ("seed", {"type": "SliderInt", "label": "Random seed", "min": 0, "max": 100, "step": 1}),
}


def current_values(scenario: Scenario) -> dict[str, Any]:
    """Each control's value in a scenario (the dashboard starts from the scenario file)."""
    values: dict[str, Any] = {}
    for name, (path, _) in CONTROLS.items():
        node: Any = scenario
        for part in path.split("."):
            node = getattr(node, part)
        values[name] = node
    if values["employees"] > MAX_EMPLOYEES:
        values["employees"] = LARGE_ORG_EMPLOYEES
    return values


def model_params(scenario: Scenario, scenario_path: str) -> dict[str, Any]:
    """SolaraViz ``model_params``: every control with the scenario's value, plus the fixed path."""
    values = current_values(scenario)
    params: dict[str, Any] = {name: {**spec, "value": values[name]} for name, (_, spec) in CONTROLS.items()}
    params["scenario_path"] = scenario_path
    return params


def overrides(base: Scenario, **values: Any) -> list[str]:
    """``key.path=value`` strings for the controls' values, on top of the base scenario.

    A regime other than the scenario's own uses that regime's default target (a token target is
    meaningless for queries); the composite regime gets equal token/outcome weights if none given.
    """
    unknown = set(values) - set(CONTROLS)
    if unknown:
        raise TypeError(f"unknown dashboard control(s): {', '.join(sorted(unknown))}")
    items = [f"{CONTROLS[name][0]}={_yaml(value)}" for name, value in values.items()]
    regime = values.get("regime", base.kpi.regime)
    if regime != base.kpi.regime:
        items.append("kpi.target=null")
    if regime == "composite" and not base.kpi.weights:
        items.append(f"kpi.weights={COMPOSITE_WEIGHTS}")
    return items


def _yaml(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
