"""Sweep runs of the organisation model in batches: many runs stepped together on one engine.

Runs of the default evaluation (:func:`sim.sweep.tasks.simulate`) go to the executor in chunks of
up to :data:`CHUNK_RUNS`, runs of one size and length together; a worker runs a chunk with
:func:`sim.runner.run_batch` (the same engine as one run, identical results) and sends back the
records :func:`sim.sweep.tasks.execute` would have made. If a chunk raises, the error is reported
(a warning naming it) and its runs are run one by one, so the failing run is a failed record with
its error and the others succeed. Any other evaluation (a market sweep, a user's function) runs
one task at a time.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Iterator, Sequence
from typing import Any

import pandas as pd

from sim.scenario.schema import Scenario
from sim.sweep.tasks import Evaluate, RunTask, execute, ok_record, simulate

CHUNK_RUNS = 64
"""Most runs in one chunk: enough that the batch's weekly Python cost is shared, few enough that
a chunk's records reach storage soon."""


def map_records(engine: Any, tasks: Sequence[RunTask], evaluate: Evaluate) -> Iterator[dict[str, Any]]:
    """Every task's record, one at a time as they finish (any order), on `engine` (an executor
    of :mod:`sim.sweep.executors`): in batches for the default evaluation, one by one otherwise."""
    for records in map_chunks(engine, tasks, evaluate):
        yield from records


def map_chunks(engine: Any, tasks: Sequence[RunTask], evaluate: Evaluate) -> Iterator[list[dict[str, Any]]]:
    """The records of runs that finished together (a batched chunk, or one run), as they finish."""
    if evaluate is not simulate or not all(isinstance(t.scenario, Scenario) for t in tasks):
        for record in engine.map_unordered(functools.partial(execute, evaluate=evaluate), tasks):
            yield [record]
        return
    yield from engine.map_unordered(run_chunk, chunks(tasks, chunk_runs(len(tasks), engine.workers)))


def chunk_runs(tasks: int, workers: int) -> int:
    """Runs per chunk: at most CHUNK_RUNS, and small enough that every worker gets about two chunks."""
    return max(1, min(CHUNK_RUNS, math.ceil(tasks / (2 * max(workers, 1)))))


def chunks(tasks: Sequence[RunTask], size: int) -> list[list[RunTask]]:
    """The tasks in chunks of at most `size`, runs of the same size and length together (in run
    order within them, so a point's replicates share a chunk)."""
    groups: dict[tuple[int, int], list[RunTask]] = {}
    for task in tasks:
        groups.setdefault((task.scenario.organization.employees, task.scenario.weeks), []).append(task)
    return [group[start:start + size] for group in groups.values() for start in range(0, len(group), size)]


def run_chunk(tasks: list[RunTask]) -> list[dict[str, Any]]:
    """In a worker: the records of a chunk of default-evaluation tasks, run as one batch (each
    with its task seed, as :func:`sim.sweep.tasks.simulate` sets it); one by one if the batch raises."""
    import warnings

    from sim.runner import run_batch, with_seed

    try:
        results = run_batch([with_seed(t.scenario, t.seed) for t in tasks])
    except Exception as error:  # noqa: BLE001 - which run failed, and why, is found by running them one by one
        warnings.warn(f"a batch of {len(tasks)} runs raised {type(error).__name__}: {error}; running them one by one "
                      "to find the failing run (its record says why)", RuntimeWarning, stacklevel=1)
        return [execute(t) for t in tasks]
    return [ok_record(t, summary, pd.DataFrame(columns, copy=False) if t.keep_timeseries else None)
            for t, (summary, columns) in zip(tasks, results, strict=True)]
