"""Why one employee games: what they weighed in the week just run, term by term, and what they did.

Read from the model's :class:`sim.engine.model.DecisionTerms` (arrays over the whole workforce,
kept by the dashboard's organisations) at one index: no loop over employees. Every number is in
hours of the employee's own pay (and in dollars at the loaded wage).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from sim.engine.model import OrganisationModel

MISREPORT_NAMES = {
    "misreported_hours": "over-claiming hours saved",
    "misreported_completions": "marking undone work done",
    "manipulated_hours": "flattering the measured outcome",
}


ATTENTION = "attention: it competes with their genuine AI hours"
"""The cross-term of the attention cost (substitutability x c x genuine hours): what a first
performative hour loses because the employee already spends hours on genuine use."""


@dataclass(frozen=True)
class Term:
    """One term of the choice: hours of pay per hour of use (positive: a reason to do it)."""

    label: str
    hours: float


@dataclass(frozen=True)
class Explanation:
    """What one employee weighed this week and what they did."""

    organisation: str
    employee: int
    team: int
    week: int
    rule: str
    wage: float  # USD per hour of pay
    genuine: list[Term] = field(default_factory=list)  # per genuine hour
    performative: list[Term] = field(default_factory=list)  # per performative hour; they add up to the next
    first_performative_hour: float = 0.0  # net value of one performative hour at the genuine hours chosen
    bonus: str | None = None  # quota or rank: the lump sum and what it takes
    cap: str | None = None  # a capped linear reward: where it stops, and whether this employee reached it
    misreports: list[tuple[str, float, float]] = field(default_factory=list)  # (way, units chosen, net per unit)
    script_value: float | None = None  # net value of running the script this week (None: no script pays)
    outcome: dict[str, str] = field(default_factory=dict)  # what they did and got, with units
    verdict: str = ""

    def usd(self, hours: float) -> str:
        return f"${hours * self.wage:,.2f}"


def _at(value: np.ndarray | float, i: int) -> float:
    return float(value[i]) if np.ndim(value) else float(value)


def explain(model: OrganisationModel, employee: int, organisation: str = "A") -> Explanation | None:
    """The explanation of `employee`'s choice this week (None before the first week)."""
    if not model.records:
        return None
    i = int(employee)
    if not 0 <= i < model.state.size:
        raise IndexError(f"employee {i}: this organisation has employees 0 to {model.state.size - 1}")
    state, behavior = model.state, model.config.behavior
    wage = model.policy.economics.loaded_wage_usd_per_hour
    g, p = float(state.genuine_hours[i]), float(state.performative_hours[i])
    scripts = bool(state.script[i])
    outcome = {
        "genuine AI hours": f"{g:.2f} h",
        "performative AI hours": f"{p:.2f} h",
        "runs a script": "yes" if scripts else "no",
    }
    for name, units in state.misreport.items():
        outcome[MISREPORT_NAMES.get(name, name)] = f"{float(units[i]):.2f} h"
    outcome["KPI reward earned"] = f"{float(state.reward[i]):.2f} h (${float(state.reward[i]) * wage:,.2f})"
    outcome["penalties paid"] = f"{float(state.penalty[i]):.2f} h (${float(state.penalty[i]) * wage:,.2f})"
    outcome["hours flagged"] = f"{float(state.flags[i]):.0f}"
    common = {"organisation": organisation, "employee": i, "team": int(model.network.team[i]),
              "week": len(model.records), "rule": behavior.rule, "wage": wage, "outcome": outcome}
    terms = model.decision_terms
    if terms is None:  # imitation: copied a colleague's choice, weighed nothing
        return Explanation(**common, verdict=(
            "Employees here imitate: each week some copy a colleague who did better, without weighing the terms."))
    problem = terms.problem
    genuine = [
        Term("value of the time they believe it saves", _at(terms.believed_value, i)),
        Term("KPI reward", _at(terms.reward_genuine, i)),
        Term("expected penalty (false flags)", -_at(terms.penalty_genuine, i)),
        Term("this week's mood (random shock)", _at(terms.shock_genuine, i)),
        Term("habit: pull towards last week's hours", _at(terms.habit_genuine, i)),
    ]
    performative = [
        Term("KPI reward", _at(terms.reward_performative, i)),
        Term("integrity cost", -_at(terms.integrity, i)),
        Term("expected penalty (audits, detector)", -_at(terms.penalty_performative, i)),
        Term("colleagues' pull (they perform too)", _at(terms.peer_pull, i)),
        Term("this week's mood (random shock)", _at(terms.shock_performative, i)),
        Term("habit: pull towards last week's hours", _at(terms.habit_performative, i)),
    ]
    hours = problem.hours
    h_gg, h_gp, h_pp = hours.hessian
    performative.append(Term(ATTENTION, -h_gp * g))  # the cross-term: rows add up to the net shown
    first = _at(hours.a_performative, i) - h_gp * g
    bonus = None
    if hours.step is not None:
        step = hours.step
        bonus = (f"a bonus of {_at(step.height, i):.2f} h of pay (${_at(step.height, i) * wage:,.2f}) for reaching "
                 f"{_at(step.threshold, i):,.4g} KPI units this week; this employee reached {float(state.kpi[i]):,.4g}")
    cap = None
    kpi = model.policy.kpi
    if hours.step is None and kpi.reward_cap is not None and terms.reward_performative is not None:
        limit, reached = kpi.reward_cap * model.management.target, float(state.kpi[i])
        cap = (f"the reward stops growing at {kpi.reward_cap:g} x the target ({limit:,.4g} KPI units a week); this "
               f"employee reached {reached:,.4g}: "
               + ("at the cap, another hour of any kind earns no more reward (the reward rows above are the rate below "
                  "the cap)" if reached >= limit * (1 - 1e-9) else "below the cap, each hour earns the rate above"))
    misreports = []
    for channel in problem.misreports:
        net = problem.per_kpi_unit * channel.kpi_per_unit + _at(problem.base(channel), i)
        misreports.append((MISREPORT_NAMES.get(channel.name, channel.name), float(state.misreport[channel.name][i]), net))
    script_value = None
    if problem.script is not None:
        s = problem.script
        script_value = _at(s.constant, i) + s.shift_genuine * g + s.shift_performative * p
    verdict = _verdict(p, scripts, any(units > 0 for _, units, _ in misreports), first, bonus)
    return Explanation(**common, genuine=genuine, performative=performative, first_performative_hour=first,
                       bonus=bonus, cap=cap, misreports=misreports, script_value=script_value, verdict=verdict)


def _verdict(p: float, scripts: bool, misreports: bool, first: float, bonus: str | None) -> str:
    ways = [w for w, on in (("performs AI use", p > 0), ("runs a script", scripts), ("misreports", misreports)) if on]
    if not ways:
        return f"Does not game: a first performative hour would be worth {first:+.2f} h of pay to them."
    if p > 0 and first > 0:
        why = f"a first performative hour is worth {first:+.2f} h of pay to them"
    elif bonus:
        why = "the bonus for reaching the target is worth what it costs them"
    else:
        why = "the KPI pays more for it than it costs them"
    return f"Games ({', '.join(ways)}): {why}."
