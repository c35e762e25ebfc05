"""The dashboard's controls: what each one sets, how it reads with its units, and when it applies.

Plain data, no Solara. Every control is a keyword argument of :class:`DashboardModel` and a
scenario key path. Policy controls (the KPI and its incentive, enforcement, prices) apply from the
next week while the organisation runs; culture and the organisation itself apply on Reset.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sim.scenario.schema import REGIMES, Scenario

SCHEMES = ("linear", "quota", "rank")
COMPOSITE_WEIGHTS = {"tokens": 0.5, "error_reduction": 0.5}
"""Used when the composite regime is chosen and the scenario gives no weights."""
MAX_EMPLOYEES = 2000
"""Largest head-count the dashboard runs: the network view draws every employee and sends them to
the browser each week; past about 2,000 the drawing is an unreadable blur and slows Play. The model
itself has no such limit (`tokenmaxx run` takes a million)."""
MIN_EMPLOYEES = 10

REGIME_NAMES = {
    "tokens": "tokens consumed",
    "queries": "queries sent",
    "active_user": "active users",
    "completions": "tasks marked done",
    "time_saved": "self-reported hours saved",
    "action_linked": "action-linked (actions taken on AI output)",
    "error_reduction": "error reduction (a measured outcome)",
    "composite": "composite (tokens and outcome)",
}
"""How each KPI regime reads on the page."""
SCHEME_NAMES = {
    "linear": "linear: pay in proportion to the KPI",
    "quota": "quota: a bonus for reaching the target",
    "rank": "rank: a bonus for the top of the team",
}

GROUPS = {
    "kpi": "KPI and incentive",
    "enforcement": "Enforcement",
    "comparison": "Second organisation (B)",
    "culture": "Culture",
    "prices": "Prices",
    "organisation": "Organisation",
}
"""Control groups, in the order the page shows them."""


@dataclass(frozen=True)
class Control:
    """One control: its scenario key path, how it is shown and when it applies."""

    name: str
    path: str | None  # scenario key path (None: a dashboard setting, not a scenario value)
    label: str
    kind: str  # select | float | int | bool
    group: str
    live: bool  # applies from the next week while running (otherwise on Reset)
    describe: Callable[[Any, Scenario], str]  # the value with its units, for the label
    organisation: str = "A"  # A | B | both
    minimum: float = 0.0
    maximum: float = 1.0
    step: float = 1.0
    options: dict[str, str] = field(default_factory=dict)  # select: value -> what it reads as

    def text(self, value: Any, base: Scenario) -> str:
        """'Audit rate: 10% of employee-weeks audited': label, value and units."""
        return f"{self.label}: {self.describe(value, base)}"


def _strength(value: float, base: Scenario) -> str:
    if value == 0:
        return "0 (no KPI reward: nobody is paid for the dashboard)"
    wage = base.economics.loaded_wage_usd_per_hour
    return f"{value:g} h of pay a week at the target (${value * wage:,.0f})"


def _percent_audited(value: float, base: Scenario) -> str:
    return f"{value:.0%} of employee-weeks audited"


def _on_off(value: bool, base: Scenario) -> str:
    return "on" if value else "off"


def _option(options: dict[str, str]) -> Callable[[Any, Scenario], str]:
    return lambda value, base: options.get(value, str(value))


def _usd(unit: str) -> Callable[[Any, Scenario], str]:
    return lambda value, base: f"${value:,.2f} {unit}" if value % 1 else f"${value:,.0f} {unit}"


def _conformity(value: float, base: Scenario) -> str:
    return f"{value:g} h of pay per squared hour away from colleagues' performative hours"


def _employees(value: int, base: Scenario) -> str:
    return f"{value:,} in each organisation (at most {MAX_EMPLOYEES:,} here)"


def _seed(value: int, base: Scenario) -> str:
    return f"{value} (which workforce is drawn; both organisations get the same one)"


def _policy(name: str, organisation: str, prefix: str = "") -> list[Control]:
    """The policy controls of one organisation (A's own names, B's prefixed with `compare_`)."""
    kpi_group, enforcement_group = ("kpi", "enforcement") if organisation == "A" else ("comparison", "comparison")
    return [
        Control(f"{prefix}regime", "kpi.regime", f"{name}KPI: what the dashboard counts", "select", kpi_group, True,
                _option(REGIME_NAMES), organisation, options=dict(REGIME_NAMES)),
        Control(f"{prefix}scheme", "kpi.scheme", f"{name}Incentive scheme", "select", kpi_group, True,
                _option(SCHEME_NAMES), organisation, options=dict(SCHEME_NAMES)),
        Control(f"{prefix}strength", "kpi.strength", f"{name}Incentive strength", "float", kpi_group, True,
                _strength, organisation, 0.0, 3.0, 0.05),
        Control(f"{prefix}audit_rate", "audit.rate", f"{name}Audit rate", "float", enforcement_group, True,
                _percent_audited, organisation, 0.0, 1.0, 0.05),
        Control(f"{prefix}detection", "detection.enabled", f"{name}Anomaly detector", "bool", enforcement_group,
                True, _on_off, organisation),
    ]


CONTROLS: dict[str, Control] = {c.name: c for c in [
    *_policy("", "A"),
    Control("conformity", "behavior.conformity", "Pull of colleagues (conformity)", "float", "culture", False,
            _conformity, "both", 0.0, 0.2, 0.01),
    Control("input_usd_per_mtok", "pricing.input_usd_per_mtok", "Input tokens", "float", "prices", True,
            _usd("per million"), "both", 0.0, 30.0, 0.5),
    Control("output_usd_per_mtok", "pricing.output_usd_per_mtok", "Output tokens", "float", "prices", True,
            _usd("per million"), "both", 0.0, 100.0, 1.0),
    Control("licence_usd_per_user_month", "pricing.licence_usd_per_user_month", "Licence", "float", "prices", True,
            _usd("per user per month"), "both", 0.0, 60.0, 1.0),
    Control("employees", "organization.employees", "Employees", "int", "organisation", False, _employees, "both",
            MIN_EMPLOYEES, MAX_EMPLOYEES, 10),
    Control("seed", "seed", "Random seed", "int", "organisation", False, _seed, "both", 0, 100, 1),
    Control("compare", None, "Run organisation B next to A", "bool", "comparison", True,
            lambda value, base: "yes" if value else "no", "B"),
    *_policy("B: ", "B", prefix="compare_"),
]}
"""Every control by keyword name, in the order the page shows them within their groups."""

COMPARISON_DEFAULTS = {"compare": True, "compare_strength": 0.0, "compare_audit_rate": 0.0, "compare_detection": False}
"""Organisation B starts as the same organisation that never had the KPI (no reward, no audits)."""


def _get(scenario: Scenario, path: str) -> Any:
    node: Any = scenario
    for part in path.split("."):
        node = getattr(node, part)
    return node


@dataclass(frozen=True)
class StartValues:
    """The controls' first values and what the page says about them."""

    values: dict[str, Any]
    notes: tuple[str, ...] = ()  # e.g. that the head-count was capped, and why


def start_values(scenario: Scenario) -> StartValues:
    """Each control's value in the scenario file (B: the same organisation without the KPI)."""
    values: dict[str, Any] = {}
    for name, control in CONTROLS.items():
        if control.path is not None:
            values[name] = _get(scenario, control.path)
    values.update(COMPARISON_DEFAULTS)
    notes = []
    employees = scenario.organization.employees
    if employees > MAX_EMPLOYEES:
        values["employees"] = MAX_EMPLOYEES
        notes.append(f"The scenario has {employees:,} employees; the dashboard runs {MAX_EMPLOYEES:,}, its cap "
                     "(the network view draws every employee). `tokenmaxx run` runs the full organisation.")
    elif employees < MIN_EMPLOYEES:
        values["employees"] = employees  # below the slider's range: kept as the scenario says
    return StartValues(values, tuple(notes))


def current_values(scenario: Scenario) -> dict[str, Any]:
    """Each control's value in a scenario (the dashboard starts from the scenario file)."""
    return start_values(scenario).values


def slider_range(control: Control, value: Any) -> tuple[float, float, float]:
    """(min, max, step) of a slider that can show `value` exactly (a scenario's odd head-count or
    seed widens or refines the range instead of being rounded)."""
    low, high, step = control.minimum, control.maximum, control.step
    low, high = min(low, value), max(high, value)
    if control.kind == "int" and (value - low) % step:
        step = 1
    elif control.kind == "float" and abs(round((value - low) / step) * step + low - value) > 1e-9:
        step = 0.01 if step > 0.01 else step / 10
    return low, high, step


def model_params(scenario: Scenario, scenario_path: str) -> dict[str, Any]:
    """Keyword arguments of :class:`DashboardModel` at the scenario's values (Mesa's
    ``model_parameters``: what Reset rebuilds the organisations from)."""
    return {**start_values(scenario).values, "scenario_path": scenario_path}


def organisation_controls(organisation: str) -> dict[str, str]:
    """For A or B: keyword name of each scenario control that applies to it -> its name for A."""
    out = {}
    for name, control in CONTROLS.items():
        if control.path is None:
            continue
        if control.organisation == "both" or control.organisation == organisation:
            out[name] = name.removeprefix("compare_")
    return out


def overrides(base: Scenario, **values: Any) -> list[str]:
    """``key.path=value`` strings for A's controls' values (names as for A), on top of the base
    scenario. A regime other than the scenario's own uses that regime's default target (a token
    target is meaningless for queries); the composite regime gets equal token/outcome weights if
    none are given."""
    unknown = set(values) - {name for name, c in CONTROLS.items() if c.path and c.organisation != "B"}
    if unknown:
        raise TypeError(f"unknown dashboard control(s): {', '.join(sorted(unknown))}")
    items = []
    for name, value in values.items():
        if name == "regime":
            continue
        items.append(f"{CONTROLS[name].path}={_yaml(value)}")
    if "regime" in values:
        items += [f"{path}={_yaml(value)}" for path, value in regime_changes(base, values["regime"]).items()]
    return items


def regime_changes(base: Scenario, regime: str) -> dict[str, Any]:
    """Key-path changes that switch to `regime`: its target is the scenario's own for the scenario's
    regime, else the regime's default (None); composite gets weights if the scenario has none."""
    if regime not in REGIMES:
        raise ValueError(f"unknown KPI regime {regime!r}; one of {', '.join(REGIMES)}")
    changes: dict[str, Any] = {"kpi.regime": regime, "kpi.target": base.kpi.target if regime == base.kpi.regime else None}
    if regime == "composite" and not base.kpi.weights:
        changes["kpi.weights"] = dict(COMPOSITE_WEIGHTS)
    return changes


def policy_changes(base: Scenario, name: str, value: Any) -> dict[str, Any]:
    """The key-path changes a live control makes (for either organisation)."""
    control = CONTROLS[name]
    if not control.live or control.path is None:
        raise ValueError(f"{name} is not a policy control that applies while running")
    if control.path == "kpi.regime":
        return regime_changes(base, value)
    return {control.path: value}


def _yaml(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {v}" for k, v in value.items()) + "}"
    return str(value)
