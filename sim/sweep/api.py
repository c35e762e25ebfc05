"""Run a sweep: spec -> design -> runs on an executor -> parts on disk -> tidy table.

>>> from sim.sweep import run_sweep
>>> outcome = run_sweep("scenarios/sweeps/metric_choice.yaml", executor="processes", workers=2)  # doctest: +SKIP
>>> outcome.table.groupby("kpi__regime")["roi_true"].mean()  # doctest: +SKIP
"""

from __future__ import annotations

import contextlib
import platform
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from sim.dictionary import design_column
from sim.sweep.batched import map_chunks
from sim.sweep.executors import exit_if_reimporting_main, make_executor
from sim.sweep.samplers import sample
from sim.sweep.spec import LoadedSpec, SweepError, load_spec
from sim.sweep.storage import SweepStore
from sim.sweep.tasks import (CONTRACT_BROKEN, Evaluate, RunTask, build_tasks, declared_columns, default_evaluate,
                             lost_record)


@dataclass(frozen=True)
class SweepOutcome:
    """What a sweep call did: where results are, the tidy table, and this session's counts."""

    out_dir: Path
    table: pd.DataFrame
    runs_total: int
    ran_now: int
    failed_now: int
    skipped: int
    wall_time_s: float

    @property
    def runs_per_minute(self) -> float:
        return 60.0 * self.ran_now / self.wall_time_s if self.wall_time_s > 0 else float("nan")

    def __repr__(self) -> str:
        failed = int((self.table["status"] != "ok").sum()) if len(self.table) else 0
        return (f"SweepOutcome({self.out_dir}: {len(self.table)} of {self.runs_total} runs done, {failed} failed; "
                ".table, .out_dir)")

    def _repr_html_(self) -> str:
        """The run counts and the first rows of the table, in a notebook."""
        from html import escape

        lines = "<br>".join(escape(line.strip()) for line in self.describe().splitlines())
        head = self.table.head(8).to_html(index=False, max_cols=12, float_format=lambda v: f"{v:.4g}")
        return (f"<p>{lines}</p><p><code>.table</code>: one row per run ({len(self.table)} rows, "
                f"{self.table.shape[1]} columns; units in docs/data-dictionary.md). First rows:</p>{head}")

    def describe(self) -> str:
        """A few lines for the end of a sweep."""
        table = self.table
        ok = int((table["status"] == "ok").sum()) if len(table) else 0
        failed = len(table) - ok
        lines = [
            f"sweep results in {self.out_dir}/",
            f"  runs: {len(table)} of {self.runs_total} done ({ok} ok, {failed} failed)",
            f"  this session: {self.ran_now} run ({self.failed_now} failed), {self.skipped} already on disk",
            f"  wall time {self.wall_time_s:.1f} s"
            + (f", {self.runs_per_minute:,.0f} runs per minute" if self.ran_now else ""),
        ]
        if failed:
            first = table.loc[table["status"] != "ok"].iloc[0]
            lines.append(f"  first failure (run {int(first['run_index'])}): {first['error']}")
        return "\n".join(lines)


def run_sweep(
    spec: str | Path | dict[str, Any] | LoadedSpec,
    executor: str = "processes",
    workers: int | None = None,
    scheduler: str | None = None,
    out: str | Path | None = None,
    fresh: bool = False,
    retry_failed: bool = False,
    progress: bool = True,
    evaluate: Evaluate | None = None,
    allow_changed_evaluation: bool = False,
) -> SweepOutcome:
    """Run every missing run of a sweep and write the tidy table; safe to call again to resume.

    `evaluate(scenario, seed) -> (summary, timeseries)` replaces the simulation (for tests and
    other models): `summary` a dict of the run's numbers (one column each), `timeseries` a pandas
    DataFrame of its weeks or None; the first run that returns anything else stops the sweep before
    it is written (every run would fail the same way). By
    default it is the organisation model, or the market model when the sweep's base is a market
    file. Notebook-defined functions reach process workers by cloudpickle. A folder whose runs
    were made by another evaluation function is refused unless `fresh` (start over) or
    `allow_changed_evaluation` (keep them, run the rest with this one).
    """
    exit_if_reimporting_main()  # a worker importing an unguarded script: stop before anything runs
    loaded = spec if isinstance(spec, LoadedSpec) else load_spec(spec)
    evaluate = evaluate if evaluate is not None else default_evaluate(loaded)
    design = sample(loaded.spec)
    tasks = build_tasks(loaded, design)
    from sim.output import folder_name

    store = SweepStore(Path(out) if out is not None else Path("results") / folder_name(loaded.spec.name, "sweep"))
    engine = make_executor(executor, workers, scheduler, lost=lost_record)  # bad arguments: refused before the disk
    with store.lock():
        if not fresh and not allow_changed_evaluation:
            check_same_evaluation(store, evaluate)
        return _run(loaded, store, design, tasks, engine, executor, scheduler, fresh, retry_failed, progress, evaluate)


def evaluation_identity(evaluate: Evaluate) -> dict[str, str]:
    """The evaluation function's name and a digest of its code (its source when Python can find
    it, else its compiled code), recorded in metadata.json so that a resume can tell it changed."""
    import hashlib
    import inspect
    import marshal

    target = getattr(evaluate, "func", evaluate)  # a functools.partial: the function it wraps
    name = f"{getattr(target, '__module__', '?')}.{getattr(target, '__qualname__', type(target).__name__)}"
    try:
        code = inspect.getsource(target).encode()
    except (OSError, TypeError):
        code_object = getattr(target, "__code__", None)
        code = marshal.dumps(code_object.co_code) if code_object is not None else name.encode()
    extra = repr((getattr(evaluate, "args", ()), getattr(evaluate, "keywords", {}))).encode()
    return {"name": name, "digest": hashlib.sha256(code + extra).hexdigest()[:16]}


def check_same_evaluation(store: SweepStore, evaluate: Evaluate) -> None:
    """Refuse to resume (or return) runs made by another evaluation function."""
    previous = (store.read_metadata() or {}).get("evaluation")
    now = evaluation_identity(evaluate)
    if previous and previous.get("digest") != now["digest"]:
        raise SweepError(
            f"{store.root}: its runs were made by the evaluation function {previous.get('name')} "
            f"(code digest {previous.get('digest')}), now {now['name']} ({now['digest']}); pass fresh=True (--fresh) "
            "to start over, or allow_changed_evaluation=True to keep those runs and run the rest with this one")


def _run(
    loaded: LoadedSpec, store: SweepStore, design: pd.DataFrame, tasks: list[RunTask], engine: Any, executor: str,
    scheduler: str | None, fresh: bool, retry_failed: bool, progress: bool, evaluate: Evaluate,
) -> SweepOutcome:
    """The body of :func:`run_sweep`, with the results folder locked."""
    started_wall, started = time.perf_counter(), _now()
    store.prepare(loaded, design, fresh=fresh, metrics=declared_columns(evaluate))
    finished = store.finished(retry_failed)
    todo = [t for t in tasks if t.run_index not in finished]
    from sim.output import provenance

    made = provenance()
    session = {"started": started, "executor": executor, "workers": engine.workers, "scheduler": scheduler,
               "command_line": made["command_line"], "git_commit": made["git_commit"], "git_dirty": made["git_dirty"]}
    metadata = {**_metadata(loaded, store, len(tasks)), "evaluation": evaluation_identity(evaluate)}
    # "incomplete" until the end: a session cut off (killed, disk full) leaves the folder resumable
    store.write_metadata({**metadata, "status": "incomplete", "sessions": [*metadata["sessions"], session]})

    ran = failed = 0
    bar = _progress_bar(len(tasks), len(tasks) - len(todo), loaded.spec.name, progress)
    try:
        if todo:
            with engine:
                for records in map_chunks(engine, todo, evaluate):  # runs that finished together
                    _stop_on_a_broken_contract(records)
                    store.write_runs(records)
                    ran += len(records)
                    failed += sum(record["status"] != "ok" for record in records)
                    bar.update(len(records))
                    if failed:
                        bar.set_postfix(failed=failed, refresh=False)
    except BaseException as exc:  # interrupted, or the folder cannot be written: keep what is on disk
        bar.close()
        with contextlib.suppress(OSError):  # e.g. the disk is still full: the first error is the one to report
            table = _close_session(store, metadata, session, ran, failed, len(tasks))
            exc.runs_on_disk = (len(table), len(tasks))  # type: ignore[attr-defined]  # what the CLI reports
        raise
    bar.close()
    table = _close_session(store, metadata, session, ran, failed, len(tasks))
    wall = time.perf_counter() - started_wall
    return SweepOutcome(store.root, table, len(tasks), ran, failed, len(tasks) - len(todo), wall)


def _stop_on_a_broken_contract(records: list[dict[str, Any]]) -> None:
    """The first runs back whose evaluation returned the wrong thing stop the sweep, before any of
    them is written: every other run would fail the same way."""
    for record in records:
        if record["status"] != "ok" and str(record.get("error", "")).startswith(CONTRACT_BROKEN):
            raise SweepError(f"{record['error']}; stopped at the first run (run {record['run_index']}), nothing "
                             "written")


def _close_session(
    store: SweepStore, metadata: dict[str, Any], session: dict[str, Any], ran: int, failed: int, runs_total: int
) -> pd.DataFrame:
    """Write the tidy table of every run on disk and the metadata of this session; return the table."""
    session.update(finished=_now(), ran=ran, failed=failed)
    table = store.consolidate()
    done = len(table)
    store.write_metadata(
        {
            **metadata,
            "status": "complete" if done == runs_total else "incomplete",
            "runs_done": done,
            "runs_failed": int((table["status"] != "ok").sum()) if done else 0,
            "sessions": [*metadata["sessions"], session],
        }
    )
    return table


def _metadata(loaded: LoadedSpec, store: SweepStore, runs_total: int) -> dict[str, Any]:
    """Provenance: the spec and its hash, versions, earlier sessions of the same sweep."""
    from importlib.metadata import version

    from sim.output import git_commit

    previous = store.read_metadata() or {}
    return {
        "sweep": loaded.spec.name,
        "spec_file": loaded.origin,
        "spec_hash": loaded.digest,
        "spec": loaded.spec.model_dump(mode="json"),
        "package": "tokenmaxxing",
        "version": version("tokenmaxxing"),
        "mesa_version": version("mesa"),
        "numpy_version": version("numpy"),
        "python": platform.python_version(),
        "git_commit": git_commit(),
        "runs_total": runs_total,
        "design_columns": {design_column(p): p for p in loaded.spec.varied},
        "sessions": previous.get("sessions", []),
    }


def _progress_bar(total: int, initial: int, name: str, enabled: bool):
    from tqdm import tqdm

    return tqdm(
        total=total, initial=initial, desc=f"sweep {name}", unit="run", file=sys.stderr, disable=not enabled,
        smoothing=0.1, dynamic_ncols=True,
    )


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")
