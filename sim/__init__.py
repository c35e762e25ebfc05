"""tokenmaxxing: what AI-usage KPIs do to organisations, simulated.

>>> import sim
>>> result = sim.run("scenarios/default.yaml", seed=1)  # doctest: +SKIP
>>> result.summary["performative_share"]  # doctest: +SKIP
"""

from sim.engine.agents import Employee
from sim.engine.model import OrganisationModel
from sim.runner import RunResult, run
from sim.scenario.io import ScenarioError, load_scenario
from sim.scenario.schema import Scenario

__all__ = ["Employee", "OrganisationModel", "RunResult", "Scenario", "ScenarioError", "load_scenario", "run"]
