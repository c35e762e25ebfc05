"""Sweeps of the default model run in batches give exactly the table of running them one by one."""

from __future__ import annotations

import dataclasses
import functools
from pathlib import Path

import pandas as pd
import pytest

from sim.sweep import load_spec, run_sweep
from sim.sweep.batched import CHUNK_RUNS, chunk_runs, chunks, map_records, run_chunk
from sim.sweep.executors import Sequential
from sim.sweep.samplers import sample
from sim.sweep.tasks import build_tasks, execute, simulate, simulate_market
from tests.sweep_helpers import forget_runs, write_spec

ONE_BY_ONE = functools.partial(simulate)
"""The default evaluation in a wrapper, so the sweep runs it task by task (the reference)."""


class Recording(Sequential):
    """The sequential executor, remembering the items it was given."""

    def __init__(self) -> None:
        self.items: list = []

    def map_unordered(self, fn, items):
        items = list(items)
        self.items.extend(items)
        return super().map_unordered(fn, items)


def _tasks(tmp_path: Path, **spec):
    loaded = load_spec(write_spec(tmp_path, **spec))
    return build_tasks(loaded, sample(loaded.spec))


def _same_records(batched: list[dict], alone: list[dict]) -> None:
    assert len(batched) == len(alone)
    for got, expected in zip(sorted(batched, key=lambda r: r["run_index"]), alone):
        series, expected_series = got.pop("timeseries"), expected.pop("timeseries")
        assert list(got) == list(expected)
        assert {k: type(v) for k, v in got.items()} == {k: type(v) for k, v in expected.items()}
        assert pd.Series(got).to_json() == pd.Series(expected).to_json()
        if expected_series is None:
            assert series is None
        else:
            pd.testing.assert_frame_equal(series, expected_series, check_exact=True)


@pytest.mark.parametrize("keep", [False, True])
def test_batched_records_are_the_records_of_execute(tmp_path, keep):
    tasks = _tasks(tmp_path, keep_timeseries=keep, fixed={"audit.rate": 0.1, "detection.enabled": True})
    engine = Recording()
    batched = list(map_records(engine, tasks, simulate))
    assert all(isinstance(item, list) for item in engine.items) and sum(map(len, engine.items)) == len(tasks)
    _same_records(batched, [execute(t) for t in tasks])


def test_a_run_that_raises_fails_alone_and_the_rest_of_its_chunk_succeeds(tmp_path):
    tasks = _tasks(tmp_path)
    tasks[3] = dataclasses.replace(tasks[3], seed=-1)  # not a valid seed: simulate raises at run time
    records = run_chunk(tasks)
    assert [r["status"] for r in records] == ["ok"] * 3 + ["failed"] + ["ok"] * 4
    assert "ScenarioError" in records[3]["error"] and "seed -1" in records[3]["error"]
    _same_records(records, [execute(t) for t in tasks])


def test_chunks_hold_runs_of_one_size_and_length_in_run_order(tmp_path):
    tasks = _tasks(tmp_path, parameters={"organization.employees": {"values": [20, 30]}, "weeks": {"values": [4, 5]}},
                   replicates=5)
    parts = chunks(tasks, 3)
    assert sorted(t.run_index for part in parts for t in part) == list(range(20))
    for part in parts:
        assert len(part) <= 3
        assert len({(t.scenario.organization.employees, t.scenario.weeks) for t in part}) == 1
        assert [t.run_index for t in part] == sorted(t.run_index for t in part)
    assert chunk_runs(10_000, 2) == CHUNK_RUNS and chunk_runs(40, 2) == 10 and chunk_runs(1, 4) == 1


def test_other_evaluations_go_one_task_at_a_time(tmp_path):
    tasks = _tasks(tmp_path)
    engine = Recording()
    records = list(map_records(engine, tasks, ONE_BY_ONE))
    assert engine.items == tasks and [r["status"] for r in records] == ["ok"] * len(tasks)


def test_market_sweeps_go_one_task_at_a_time(tmp_path):
    market = {
        "name": "market_sweep", "base": "default.yaml", "replicates": 1, "seed": 3,
        "fixed": {"firms": 3, "weeks": 4, "organisation_set.organization.employees": 20},
        "parameters": {"investors.weight_reported": {"values": [0.2, 0.9]}}, "design": {"kind": "grid"},
    }
    loaded = load_spec(market, base_dir=Path("scenarios/market"))
    tasks = build_tasks(loaded, sample(loaded.spec))
    engine = Recording()
    records = list(map_records(engine, tasks, simulate_market))
    assert engine.items == tasks and [r["status"] for r in records] == ["ok", "ok"]


@pytest.mark.parametrize("executor", ["sequential", "processes"])
def test_a_batched_sweep_gives_the_one_by_one_table(tmp_path, executor):
    spec = write_spec(tmp_path, keep_timeseries=True, fixed={"audit.rate": 0.1},
                      parameters={"kpi.regime": {"values": ["tokens", "error_reduction"]},
                                  "kpi.strength": {"values": [0.5, 2.0]}, "behavior.rule": {"values": ["best_response", "imitation"]}})
    batched = run_sweep(spec, executor=executor, workers=2, out=tmp_path / "batched", progress=False)
    alone = run_sweep(spec, executor="sequential", out=tmp_path / "alone", progress=False, evaluate=ONE_BY_ONE)
    assert batched.ran_now == alone.ran_now == 16 and (batched.table["status"] == "ok").all()
    pd.testing.assert_frame_equal(batched.table, alone.table, check_exact=True)
    pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "batched" / "timeseries.parquet"),
                                  pd.read_parquet(tmp_path / "alone" / "timeseries.parquet"), check_exact=True)


def test_a_resumed_batched_sweep_gives_the_whole_table(tmp_path):
    spec = write_spec(tmp_path, replicates=3)
    whole = run_sweep(spec, executor="sequential", out=tmp_path / "whole", progress=False, evaluate=ONE_BY_ONE)
    out = tmp_path / "resumed"
    run_sweep(spec, executor="sequential", out=out, progress=False)
    lost = [1, 4, 5, 11]
    forget_runs(out, set(lost))
    resumed = run_sweep(spec, executor="sequential", out=out, progress=False)
    assert (resumed.ran_now, resumed.skipped) == (len(lost), 12 - len(lost))
    pd.testing.assert_frame_equal(resumed.table, whole.table, check_exact=True)


def test_a_chunk_whose_worker_died_gives_a_failed_record_per_run(tmp_path):
    from sim.sweep.tasks import lost_record

    tasks = _tasks(tmp_path)[:3]
    records = lost_record(tasks, "worker process died (signal 9: Killed)")
    assert [r["run_index"] for r in records] == [t.run_index for t in tasks]
    assert all(r["status"] == "failed" and r["error"].startswith("worker process died") for r in records)
    alone = execute(dataclasses.replace(tasks[0], seed=-1))
    assert list(records[0]) == list(alone)  # the same keys as any failed run
