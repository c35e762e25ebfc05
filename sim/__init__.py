"""tokenmaxxing: what AI-usage KPIs do to organisations, simulated.

>>> import sim
>>> result = sim.run("scenarios/default.yaml", seed=1)  # doctest: +SKIP
>>> result.summary["performative_share"]  # doctest: +SKIP

The names below are imported when first used, so `import sim` (and `tokenmaxx check`) does not
pay for Mesa, pandas and the engine until a model is needed.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

_EXPORTS = {
    "Employee": "sim.engine.agents",
    "OrganisationModel": "sim.engine.model",
    "RunResult": "sim.runner",
    "run": "sim.runner",
    "ScenarioError": "sim.scenario.io",
    "load_scenario": "sim.scenario.io",
    "Scenario": "sim.scenario.schema",
}
__all__ = list(_EXPORTS)

if TYPE_CHECKING:
    from sim.engine.agents import Employee
    from sim.engine.model import OrganisationModel
    from sim.runner import RunResult, run
    from sim.scenario.io import ScenarioError, load_scenario
    from sim.scenario.schema import Scenario


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        value = getattr(import_module(_EXPORTS[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'sim' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(list(globals()) + __all__)
