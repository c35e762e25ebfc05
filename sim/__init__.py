"""tokenmaxxing: what AI-usage KPIs do to organisations, simulated.

>>> import sim
>>> result = sim.run("scenarios/default.yaml", seed=1)  # doctest: +SKIP
>>> result.summary["performative_share"]  # doctest: +SKIP

The names below are imported on first use, so `tokenmaxx --help` and `tokenmaxx check` do not load
Mesa or pandas.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sim.engine.agents import Employee
    from sim.engine.model import OrganisationModel
    from sim.runner import RunResult, run
    from sim.scenario.io import ScenarioError, load_scenario
    from sim.scenario.schema import Scenario

_WHERE = {
    "Employee": "sim.engine.agents",
    "OrganisationModel": "sim.engine.model",
    "RunResult": "sim.runner",
    "run": "sim.runner",
    "ScenarioError": "sim.scenario.io",
    "load_scenario": "sim.scenario.io",
    "Scenario": "sim.scenario.schema",
}

__all__ = ["Employee", "OrganisationModel", "RunResult", "Scenario", "ScenarioError", "load_scenario", "run"]


def __getattr__(name: str) -> Any:
    """`sim.run`, `sim.OrganisationModel`, ...: imported from their module on first use."""
    if name in _WHERE:
        value = getattr(import_module(_WHERE[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'sim' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *_WHERE])
