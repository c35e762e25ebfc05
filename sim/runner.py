"""The one boundary function: scenario (and seed) in, weekly time series and summary out.

The CLI, sweeps, notebooks and the dashboard all go through :func:`run`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import html

import numpy as np
import pandas as pd

from sim.engine.economics import roi
from sim.engine.engine import Engine, RunFacts
from sim.engine.model import SCENARIO_SEED, OrganisationModel, seed_of
from sim.engine.valuation import valuation_method
from sim.dictionary import INTEGER_SUMMARY, INTEGER_WEEKLY
from sim.scenario.io import apply_changes, load_scenario
from sim.scenario.schema import Scenario

FLOW_COLUMNS = (
    "genuine_hours",
    "performative_hours",
    "script_upkeep_hours",
    "tokens",
    "genuine_tokens",
    "performative_tokens",
    "scripted_tokens",
    "input_tokens",
    "output_tokens",
    "queries",
    "genuine_queries",
    "performative_queries",
    "scripted_queries",
    "actions",
    "true_hours_saved",
    "claimed_hours_saved",
    "misreported_hours",
    "misreported_completions",
    "manipulated_hours",
    "token_cost_usd",
    "wasted_token_cost_usd",
    "usage_spend_usd",
    "unused_allowance_usd",
    "wasted_spend_usd",
    "licence_cost_usd",
    "enablement_cost_usd",
    "ai_spend_usd",
    "reported_value_usd",
    "captured_value_usd",
    "wasted_hours_cost_usd",
    "true_value_usd",
    "energy_kwh",
    "co2_kg",
    "wasted_co2_kg",
    "reported_kpi",
    "genuine_kpi",
    "audit_flags",
    "detector_flags",
    "flags_on_honest",
    "claims_caught",
    "data_exposure_incidents",
)
"""Weekly organisation totals whose sum over the run is the summary value of the same name."""


@dataclass(frozen=True)
class RunResult:
    """What one run produced: the resolved scenario, one row per week, and a summary."""

    scenario: Scenario
    timeseries: pd.DataFrame
    summary: dict[str, Any]
    model: OrganisationModel

    def __repr__(self) -> str:
        s = self.summary
        return (f"RunResult({s['name']!r}: {s['employees']:,} employees, {s['weeks']} weeks, seed {s['seed']}; "
                f"ROI reported {s['roi_reported']:.0%}, true {s['roi_true']:.0%}; KPI inflation "
                f"{s['kpi_inflation']:.2f}; .summary, .timeseries, .model)")

    def _repr_html_(self) -> str:
        """The headline numbers as a table in a notebook (not 20,000 characters of text)."""
        from sim.report.headlines import run_headlines
        from sim.report.html import table_html

        s = self.summary
        title = (f"<p><b>{html.escape(str(s['name']))}</b>: {s['employees']:,} employees, {s['weeks']} weeks, seed "
                 f"{s['seed']}, {html.escape(s['kpi_regime'])} KPI ({html.escape(s['kpi_scheme'])}). "
                 "<code>.summary</code> (dict), <code>.timeseries</code> (DataFrame, one row per week), "
                 "<code>.model</code> (the Mesa model).</p>")
        return title + table_html(["metric", "value over the run"], [list(r) for r in run_headlines(s, self.scenario, self.timeseries)])


def run(
    scenario: str | Path | dict[str, Any] | Scenario,
    seed: Any = SCENARIO_SEED,
    overrides: list[str] | None = None,
    params: dict[str, Any] | None = None,
) -> RunResult:
    """Run a scenario (YAML path, dict or Scenario) to its last week.

    `seed` left out uses the scenario's own seed; given, it replaces it: a whole number, a NumPy
    `SeedSequence` or `Generator` (a seed drawn from it), or None for fresh entropy, as
    `OrganisationModel(rng=...)` takes it; the seed used is in `result.summary["seed"]`.
    `overrides` are ``key.path=value`` strings (as on the command line); `params` maps key paths to
    values, e.g. ``{"kpi.strength": 1.0, "behavior.integrity_cost.mean": 0.8}``.
    """
    resolved = load_scenario(scenario, overrides)
    if params:
        resolved = apply_changes(resolved, params, origin="params")
    if seed is not SCENARIO_SEED:
        resolved = with_seed(resolved, seed_of(seed))
    model = OrganisationModel(resolved)
    model.run()
    columns = integer_counts(model.columns())
    timeseries = pd.DataFrame(columns, copy=False)
    return RunResult(resolved, timeseries, summarise(resolved, timeseries, model.facts(), columns), model)


def run_batch(scenarios: Sequence[Scenario]) -> list[tuple[dict[str, Any], dict[str, np.ndarray]]]:
    """Run scenarios (seeds set) to their last week, those of the same size and length stepped
    together on one engine; return (summary, weekly columns) per scenario, in order, identical to
    :func:`run` of each alone (each organisation draws from its own generator, seeded as Mesa seeds
    a model)."""
    groups: dict[tuple[int, int], list[int]] = {}
    for i, scenario in enumerate(scenarios):
        groups.setdefault((scenario.organization.employees, scenario.weeks), []).append(i)
    results: list[Any] = [None] * len(scenarios)
    for members in groups.values():
        configs = [scenarios[i] for i in members]
        engine = Engine(configs, [np.random.default_rng(c.seed) for c in configs])
        engine.run()
        for k, i in enumerate(members):
            columns = integer_counts(engine.columns(k))
            results[i] = (summarise(configs[k], None, engine.facts(k), columns), columns)
    return results


MAX_BATCH_EMPLOYEES = 200_000
"""Most employees (summed over organisations) :func:`run_batches` steps on one engine: large
organisations gain nothing from batching, and arrays of them would hold memory for nothing."""


def run_batches(scenarios: Sequence[Scenario], max_employees: int = MAX_BATCH_EMPLOYEES
                ) -> list[tuple[dict[str, Any], dict[str, np.ndarray]]]:
    """:func:`run_batch` on consecutive slices of at most `max_employees` employees in all (at least
    one scenario each): the same results, in order, with memory bounded by the largest slice."""
    results: list[tuple[dict[str, Any], dict[str, np.ndarray]]] = []
    start = 0
    while start < len(scenarios):
        stop, employees = start + 1, scenarios[start].organization.employees
        while stop < len(scenarios) and employees + scenarios[stop].organization.employees <= max_employees:
            employees += scenarios[stop].organization.employees
            stop += 1
        results += run_batch(scenarios[start:stop])
        start = stop
    return results


MAX_SEED = 2**63 - 1


def with_seed(scenario: Scenario, seed: Any) -> Scenario:
    """The scenario with `seed` (checked by :func:`check_seed`) in place of its own."""
    return scenario.model_copy(update={"seed": check_seed(seed)})


def check_seed(seed: Any) -> int:
    """A seed as an int in 0..2**63-1 (what NumPy's generators take), or a ScenarioError."""
    from sim.scenario.io import ScenarioError

    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or not 0 <= int(seed) <= MAX_SEED:
        raise ScenarioError(f"seed {seed!r}: expected a whole number from 0 to {MAX_SEED}")
    return int(seed)


def weekly_columns(records: list[dict[str, float]]) -> dict[str, np.ndarray]:
    """Weekly rows (dicts of numbers) as one array per column, counts as int64."""
    if not records:
        return {}
    return integer_counts({name: np.array([row[name] for row in records]) for name in records[0]})


def integer_counts(columns: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """The weekly columns with counts as int64, as the data dictionary says: what the time-series
    DataFrame is built from."""
    return {name: (values.astype(np.int64) if name in _INTEGER_WEEKLY else values) for name, values in columns.items()}


_INTEGER_WEEKLY = frozenset(INTEGER_WEEKLY)


def _column_sum(values: np.ndarray) -> float:
    """A column's total as pandas gives it (missing values skipped; looked for only when the plain
    total is NaN, since a missing value always makes it so)."""
    total = values.sum()
    if values.dtype.kind == "f" and total != total:
        missing = np.isnan(values)
        if missing.any():
            return np.where(missing, 0.0, values).sum()
    return total


def _column_mean(values: np.ndarray) -> float:
    """A column's mean as pandas gives it (missing values skipped, looked for as in _column_sum)."""
    total = values.sum(dtype=np.float64)
    if values.dtype.kind == "f" and total != total:
        present = ~np.isnan(values)
        if not present.all():
            return np.where(present, values, 0.0).sum() / np.float64(np.count_nonzero(present))
    return total / np.float64(values.shape[0])


def summarise(scenario: Scenario, timeseries: pd.DataFrame | None, facts: RunFacts,
              columns: dict[str, np.ndarray] | None = None) -> dict[str, Any]:
    """Run totals and headline ratios (counts as integers, as the data dictionary says), from the
    weekly columns and the run's few other facts; `columns` (the time series as arrays, if at
    hand) saves reading it back from the DataFrame."""
    if columns is None:
        columns = {name: timeseries[name].to_numpy() for name in timeseries.columns}
    totals = {name: float(_column_sum(columns[name])) for name in FLOW_COLUMNS}
    ai_hours = totals["genuine_hours"] + totals["performative_hours"]
    employee_weeks = scenario.organization.employees * scenario.weeks
    roi_reported = roi(totals["reported_value_usd"], totals["ai_spend_usd"])
    roi_true = roi(totals["true_value_usd"], totals["ai_spend_usd"])
    flags = totals["audit_flags"] + totals["detector_flags"]
    wage = scenario.economics.loaded_wage_usd_per_hour
    summary = {
        "name": scenario.name,
        "employees": scenario.organization.employees,
        "weeks": scenario.weeks,
        "seed": scenario.seed,
        "kpi_regime": scenario.kpi.regime,
        "kpi_scheme": scenario.kpi.scheme,
        "final_kpi_regime": facts.final_kpi_regime,
        "performative_share": totals["performative_hours"] / ai_hours if ai_hours > 0 else 0.0,
        **totals,
        "reported_kpi_per_employee_week": totals["reported_kpi"] / employee_weeks,
        "kpi_inflation": _kpi_inflation(totals, columns),
        "claimed_hours_saved_per_employee_week": totals["claimed_hours_saved"] / employee_weeks,
        "true_hours_saved_per_employee_week": totals["true_hours_saved"] / employee_weeks,
        "ai_hours_per_employee_week": ai_hours / employee_weeks,
        "incentive_usd_per_employee_week": scenario.kpi.strength * wage,
        "valuation": valuation_method(scenario),
        "roi_reported": roi_reported,
        "roi_true": roi_true,
        "value_overstatement": _ratio(totals["reported_value_usd"], totals["true_value_usd"]),
        "value_overstatement_usd": totals["reported_value_usd"] - totals["true_value_usd"],
        "wasted_spend_share": _ratio(totals["wasted_spend_usd"], totals["ai_spend_usd"]),
        "gaming_share_mean": float(_column_mean(columns["gaming_share"])),
        "script_share_mean": float(_column_mean(columns["scripts_running"])) / scenario.organization.employees,
        "gaming_hours": totals["performative_hours"] + totals["script_upkeep_hours"],
        "gaming_share_final": float(columns["gaming_share"][-1]),
        "honest_employees_ever_flagged": facts.honest_employees_ever_flagged,
        "flagged_employee_weeks": float(_column_sum(columns["flagged_employees"])),
        "flags": flags,
        "honest_flag_share": _ratio(totals["flags_on_honest"], flags),
        "final_kpi_target": float(columns["kpi_target"][-1]),
        "final_budget_index": float(columns["budget_index"][-1]),
        "failed_roi_audits": facts.failed_roi_audits,
        "mean_seats": float(_column_mean(columns["seats"])),
    }
    return {k: (int(round(v)) if k in INTEGER_SUMMARY and isinstance(v, float) and np.isfinite(v) else v)
            for k, v in summary.items()}


def _kpi_inflation(totals: dict[str, float], columns: dict[str, np.ndarray]) -> float:
    """Reported over genuine KPI; across KPI regimes (units that do not add up) the week-weighted
    mean of each regime period's ratio (:func:`sim.metrics.mean_kpi_inflation`)."""
    codes = columns["kpi_regime_code"]
    if codes.size == 0 or (codes == codes[0]).all():
        return _ratio(totals["reported_kpi"], totals["genuine_kpi"])
    from sim.metrics import kpi_periods, mean_kpi_inflation

    return mean_kpi_inflation(kpi_periods(columns))


def _ratio(numerator: float, denominator: float) -> float:
    return numerator / denominator if denominator > 0 else float("nan")


def clean_for_json(value: Any) -> Any:
    """Replace NaN and infinities (not valid JSON) with None, in nested dicts and lists too."""
    if isinstance(value, dict):
        return {k: clean_for_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [clean_for_json(v) for v in value]
    return None if isinstance(value, float) and not np.isfinite(value) else value
