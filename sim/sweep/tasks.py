"""One run of a sweep: the task sent to a worker and the plain record it sends back.

Workers get a small picklable :class:`RunTask` and return a dict (never the model). A run that
raises comes back as a record with ``status = "failed"`` and the error, and the sweep goes on.
"""

from __future__ import annotations

import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from sim.dictionary import MARKET_SUMMARY, SUMMARY, design_column
from sim.market.io import LoadedMarket
from sim.scenario.safe_yaml import short
from sim.scenario.schema import Scenario
from sim.sweep.samplers import point_values, run_seeds
from sim.sweep.spec import LoadedSpec

Evaluate = Callable[[Any, int], tuple[dict[str, Any], pd.DataFrame | None]]
"""(scenario or loaded market, seed) -> (summary metrics, weekly time series or None)."""

MAX_ERROR_CHARS = 2_000


@dataclass(frozen=True)
class RunTask:
    run_index: int
    point: int
    replicate: int
    seed: int
    values: dict[str, Any]
    scenario: Scenario | LoadedMarket = field(repr=False)
    keep_timeseries: bool = False


def simulate(scenario: Scenario, seed: int) -> tuple[dict[str, Any], pd.DataFrame]:
    """The default evaluation: the model's one boundary function, :func:`sim.runner.run`."""
    from sim.runner import run

    result = run(scenario, seed=seed)
    return result.summary, result.timeseries


simulate.columns = {name: column.dtype for name, column in SUMMARY.items() if name != "name"}  # type: ignore[attr-defined]


def simulate_market(loaded: LoadedMarket, seed: int) -> tuple[dict[str, Any], pd.DataFrame]:
    """The evaluation of a market sweep: :func:`sim.market.run_market`'s summary (its scalar values)
    and the industry's weekly totals."""
    from sim.market.run import run_market, summary_row

    result = run_market(loaded, seed=seed)
    return summary_row(result.summary), result.industry


simulate_market.columns = {name: column.dtype for name, column in MARKET_SUMMARY.items()}  # type: ignore[attr-defined]


def default_evaluate(loaded: LoadedSpec) -> Evaluate:
    """The evaluation a sweep runs unless told otherwise: the organisation model or the market."""
    return simulate_market if loaded.kind == "market" else simulate


def declared_columns(evaluate: Evaluate) -> dict[str, str] | None:
    """The metric columns (name -> dtype) an evaluation declares, so every part of a sweep has one
    schema, failed runs included (`simulate` declares the run summary); None if undeclared."""
    columns = getattr(evaluate, "columns", None)
    if columns is None and hasattr(evaluate, "func"):  # a functools.partial
        columns = getattr(evaluate.func, "columns", None)
    return dict(columns) if columns is not None else None


def execute(task: RunTask, evaluate: Evaluate = simulate) -> dict[str, Any]:
    """Run one task; return its record (keys: run identity, values, status, error, metrics). A
    result that breaks the evaluation contract is a failed run whose error starts with
    CONTRACT_BROKEN (the sweep stops on it)."""
    try:
        result = evaluate(task.scenario, task.seed)
    except Exception as exc:  # noqa: BLE001 - a failed run is data, not a crash
        return failed_record(task, "".join(traceback.format_exception_only(exc)).strip())
    broken = contract_problem(result)
    if broken:
        return failed_record(task, f"{CONTRACT_BROKEN}{broken}")
    summary, timeseries = result
    return ok_record(task, summary, timeseries)


CONTRACT_BROKEN = "the evaluation function returned "
"""Start of the error of a run whose evaluation returned something other than (summary, timeseries)."""


def contract_problem(result: Any) -> str | None:
    """None when `result` is what an evaluation function must return: (summary, timeseries), a
    mapping of the run's numbers and a pandas DataFrame of its weeks or None; else what is wrong."""
    from collections.abc import Mapping

    if (isinstance(result, tuple) and len(result) == 2 and isinstance(result[0], Mapping)
            and (result[1] is None or isinstance(result[1], pd.DataFrame))):
        return None
    got = (f"a tuple of {', '.join(type(x).__name__ for x in result)}" if isinstance(result, tuple)
           else f"a {type(result).__name__}")
    return (f"{got}; it must return (summary, timeseries): a dict of the run's numbers (one column each) and a "
            "pandas DataFrame of its weeks, or None (see docs/researchers.md, section 2)")


def identity(task: RunTask) -> dict[str, Any]:
    """The record's first columns: the run's index, point, replicate, seed and design values."""
    return {
        "run_index": task.run_index,
        "point": task.point,
        "replicate": task.replicate,
        "seed": task.seed,
        **{design_column(path): value for path, value in task.values.items()},
    }


def failed_record(task: RunTask, error: str) -> dict[str, Any]:
    """The record of a run that failed: identity, status and the error (cut short)."""
    return {**identity(task), "status": "failed", "error": error[:MAX_ERROR_CHARS], "timeseries": None}


def ok_record(task: RunTask, summary: dict[str, Any], timeseries: pd.DataFrame | None) -> dict[str, Any]:
    """The record of a run that finished: identity, status, the summary's metrics and (when the
    sweep keeps them) the weekly series."""
    record = identity(task)
    metrics = {k: v for k, v in summary.items() if k not in record and k not in ("name",)}
    kept = timeseries if task.keep_timeseries else None
    return {**record, "status": "ok", "error": None, **metrics, "timeseries": kept}


def build_tasks(loaded: LoadedSpec, design: pd.DataFrame) -> list[RunTask]:
    """Every run of the sweep in run-index order; every point's scenario validated up front."""
    spec = loaded.spec
    seeds = run_seeds(spec.seed, len(design) * spec.replicates)
    worlds = sweep_worlds(loaded)
    tasks = []
    for point, row in design.iterrows():
        values = point_values(spec, row)
        scenario = loaded.apply(values, origin=f"{loaded.origin}: point {point} {short(values)}")
        for replicate in range(spec.replicates):
            index = int(point) * spec.replicates + replicate
            seed, placed = seeds[index], scenario
            if worlds:
                from sim.ensemble import in_world

                placed = in_world(scenario, worlds[replicate])
                seed = placed.seed
            tasks.append(RunTask(index, int(point), replicate, seed, values, placed, spec.keep_timeseries))
    return tasks


def sweep_worlds(loaded: LoadedSpec) -> list:
    """The sweep's worlds (one per replicate, from its root seed) when `worlds: true`, else []."""
    if not loaded.spec.worlds:
        return []
    from sim.calibrate.posterior import load_posterior
    from sim.ensemble import make_worlds

    return make_worlds(loaded.spec.replicates, loaded.spec.seed, load_posterior())


def lost_record(item: RunTask | list[RunTask], cause: str) -> dict[str, Any] | list[dict[str, Any]]:
    """The failed record of a task (or of each task of a chunk) whose worker process died running
    it, `cause` as its error: the executors' `lost` function."""
    if isinstance(item, list):
        return [failed_record(task, cause) for task in item]
    return failed_record(item, cause)
