"""Employees as Mesa agents: each is a view of one row of the workforce arrays.

The weekly arithmetic runs on arrays in :mod:`sim.engine.model`; an ``Employee`` exposes its own row as
attributes so that ``model.agents.get("performative_hours")`` and dashboards can read it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa

if TYPE_CHECKING:
    from sim.engine.model import OrganisationModel


def _state(name: str, doc: str) -> property:
    return property(lambda self: float(getattr(self.model.state, name)[self.index]), doc=doc)


def _trait(name: str, doc: str) -> property:
    return property(lambda self: float(getattr(self.model.traits, name)[self.index]), doc=doc)


class Employee(mesa.Agent):
    """One employee; `index` is their row in the model's arrays."""

    model: OrganisationModel

    def __init__(self, model: OrganisationModel, index: int) -> None:
        super().__init__(model)
        self.index = int(index)

    genuine_hours = _state("genuine_hours", "Genuine AI hours this week (g).")
    performative_hours = _state("performative_hours", "Performative AI hours this week (p).")
    kpi = _state("kpi", "KPI value the dashboard recorded this week.")
    reward = _state("reward", "KPI reward this week (hours of utility).")
    penalty = _state("penalty", "Audit and detector penalties this week (hours of utility).")
    flags = _state("flags", "Hours flagged by audits and the detector this week.")
    payoff = _state("payoff", "Realised utility this week (hours).")
    speedup = _trait("speedup", "True hours saved per genuine AI hour (s_i).")
    belief = _state("belief", "Hours saved per genuine AI hour the employee now believes in.")
    perceived_speedup = _trait("perceived_speedup", "Hours saved per genuine AI hour believed at the start.")
    intrinsic_motivation = _trait("intrinsic_motivation", "Utility per believed hour saved (m_i).")
    integrity_cost = _trait("integrity_cost", "Utility cost per performative hour (iota_i).")
    experience = _trait("experience", "Experience e_i in [0, 1] (NaN when the scenario does not model it).")

    @property
    def team(self) -> int:
        return int(self.model.network.team[self.index])

    @property
    def runs_script(self) -> bool:
        """Ran a script this week."""
        return bool(self.model.state.script[self.index])

    @property
    def tokens(self) -> float:
        """Tokens consumed this week, the script's included."""
        scripted = self.model.policy_terms().script["tokens"] if self.runs_script else 0.0
        return float(self.model.rates["tokens"].of(self.genuine_hours, self.performative_hours)) + scripted

    @property
    def true_hours_saved(self) -> float:
        return self.speedup * self.genuine_hours

    @property
    def is_gaming(self) -> bool:
        return bool(self.model.state.gaming[self.index])
