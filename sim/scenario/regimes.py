"""The KPI regimes, one record each: what the dashboard counts, in what unit, against what default
target, and which ways of inflating it without activity it admits.

How gameable a regime is follows from these facts and the observable rates of
:mod:`sim.engine.observables` (never from a label). Adding a regime is one record here (with a new,
never reused `code`), the observable it counts if it is new, and its tests; the scenario schema,
the engine (:mod:`sim.engine.kpi`), the stored series and the documentation read this registry.
"""

from __future__ import annotations

from dataclasses import dataclass

from sim.scenario import sources as src


@dataclass(frozen=True)
class MisreportSpec:
    """A way to inflate the KPI without any AI activity (model brief 10.3)."""

    column: str  # weekly output column of the misreported units
    per_hour_of_work: bool  # one unit is an hour of work marked done (counted in completions per hour), else one KPI unit
    cost: str  # behaviour parameter with its quadratic cost
    integrity: str | None = None  # behaviour parameter with its integrity weight (None: 1, the employee's own)


@dataclass(frozen=True)
class Regime:
    """One KPI regime."""

    name: str
    code: int  # its number in stored weekly series (`kpi_regime_code`): stable, never reused
    observable: str | None  # what it counts (a rate of sim.engine.observables); None: the composite's parts
    default_target: float  # KPI units per employee-week when `kpi.target` is not given
    unit: str  # the KPI unit, in plain words
    label: str  # the regime in plain words
    indicator: bool = False  # counted 0/1 per employee-week (whether the observable passed a threshold)
    noisy: bool = False  # measured with noise (sd `kpi.measurement_noise` x the target)
    misreport: MisreportSpec | None = None
    valuation: str = "kpi_benchmark"  # how management values it when the scenario does not say


REGISTRY: dict[str, Regime] = {r.name: r for r in (
    Regime("tokens", 0, "tokens", float(src.AMAZON_TOKENS_PER_ENGINEER_WEEK), "tokens", "tokens consumed"),
    Regime("queries", 1, "queries", 50.0, "queries", "queries sent"),  # ASSUMPTION: about what 4 h of genuine use send
    Regime("active_user", 2, "queries", 1.0, "(active = 1)", "active users (an activity threshold)", indicator=True),
    Regime("completions", 3, "completions", 50.0, "tasks marked done", "tasks marked done",
           misreport=MisreportSpec("misreported_completions", True, "misreport_cost")),
    Regime("time_saved", 4, "claimed_hours_saved", 1.0, "hours claimed saved", "self-reported hours saved",  # ASSUMPTION: "an hour a week"
           misreport=MisreportSpec("misreported_hours", False, "misreport_cost"), valuation="claimed_hours"),
    Regime("action_linked", 5, "actions", 30.0, "actions", "interactions followed by a downstream action"),
    Regime("error_reduction", 6, "true_hours_saved", 1.0, "hours of measured improvement", "measured error-rate reduction",
           noisy=True, misreport=MisreportSpec("manipulated_hours", False, "outcome_manipulation_cost",
                                               "outcome_manipulation_integrity")),
    Regime("composite", 7, None, 1.0, "(weighted, 1 = every part at its default target)", "a weighted mix of regimes"),
)}
"""Every KPI regime by name, in the order of their codes."""

NAMES: tuple[str, ...] = tuple(REGISTRY)
