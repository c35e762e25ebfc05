"""Storage that loses nothing: a killed sweep resumes to exactly the uninterrupted table."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from sim.sweep import SweepError, run_sweep
from sim.sweep.storage import SweepStore
from sim.sweep.tasks import simulate
from tests.sweep_helpers import write_spec

KILL_AFTER_PARTS = 15
PARAMETERS = {"kpi.strength": {"values": [0.0, 0.25, 0.5, 1.0, 2.0]}, "audit.rate": {"values": [0.0, 0.1, 0.3]}}


RUNS = 5 * 3 * 40


def long_spec(folder: Path) -> Path:
    """5 x 3 points x 40 replicates = 600 runs of 300 weeks: several seconds (parts are written about
    once a second), long enough to be killed part way."""
    return write_spec(folder, parameters=PARAMETERS, replicates=40, fixed={"weeks": 300})


def test_killed_sweep_resumes_to_the_uninterrupted_table(tmp_path):
    spec = long_spec(tmp_path)
    killed_dir = tmp_path / "killed"
    command = [sys.executable, "-m", "sim", "sweep", str(spec), "--executor", "sequential",
               "--out", str(killed_dir), "--no-progress"]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
    store = SweepStore(killed_dir)
    deadline = time.monotonic() + 60
    while len(store.part_indices()) < KILL_AFTER_PARTS and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    on_disk = store.part_indices()
    assert process.returncode == -signal.SIGKILL, process.stderr.read().decode()
    assert KILL_AFTER_PARTS <= len(on_disk) < RUNS, "the sweep was not interrupted part way"
    assert not (killed_dir / "runs.parquet").exists()

    resumed = run_sweep(spec, executor="sequential", out=killed_dir, progress=False)
    assert resumed.skipped == len(on_disk)
    assert resumed.ran_now == RUNS - len(on_disk)

    whole = run_sweep(spec, executor="sequential", out=tmp_path / "whole", progress=False)
    assert whole.ran_now == RUNS
    table = pd.read_parquet(killed_dir / "runs.parquet")
    assert table["run_index"].tolist() == list(range(RUNS))  # none lost, none twice
    pd.testing.assert_frame_equal(table, pd.read_parquet(tmp_path / "whole" / "runs.parquet"))
    assert len(pd.read_csv(killed_dir / "runs.csv")) == RUNS
    sessions = SweepStore(killed_dir).read_metadata()["sessions"]
    assert len(sessions) == 2 and "finished" not in sessions[0]  # the killed session never finished


def test_rerunning_a_finished_sweep_runs_nothing(tmp_path):
    spec = write_spec(tmp_path)
    first = run_sweep(spec, executor="sequential", out=tmp_path / "out", progress=False)
    again = run_sweep(spec, executor="sequential", out=tmp_path / "out", progress=False)
    assert (first.ran_now, again.ran_now, again.skipped) == (8, 0, 8)
    pd.testing.assert_frame_equal(first.table, again.table)


def test_changed_spec_is_refused_unless_fresh(tmp_path):
    out = tmp_path / "out"
    run_sweep(write_spec(tmp_path, seed=1), executor="sequential", out=out, progress=False)
    changed = write_spec(tmp_path, seed=2)
    with pytest.raises(SweepError, match="different sweep specification.*--fresh"):
        run_sweep(changed, executor="sequential", out=out, progress=False)
    fresh = run_sweep(changed, executor="sequential", out=out, fresh=True, progress=False)
    assert fresh.ran_now == 8 and fresh.skipped == 0
    assert SweepStore(out).read_metadata()["spec"]["seed"] == 2


def fail_on_strong_tokens(scenario, seed):
    """An evaluation that raises for one point, to inject failures."""
    if scenario.kpi.regime == "tokens" and scenario.kpi.strength == 2.0:
        raise RuntimeError("injected failure")
    return simulate(scenario, seed)


def test_a_failing_run_is_recorded_and_the_sweep_goes_on(tmp_path):
    spec, out = write_spec(tmp_path), tmp_path / "out"
    outcome = run_sweep(spec, executor="sequential", out=out, progress=False, evaluate=fail_on_strong_tokens)
    table = outcome.table
    failed = table[table["status"] == "failed"]
    assert len(table) == 8 and outcome.failed_now == 2
    assert set(failed["kpi__strength"]) == {2.0} and set(failed["kpi__regime"]) == {"tokens"}
    assert failed["error"].str.contains("RuntimeError: injected failure").all()
    assert failed["roi_true"].isna().all() and table.loc[table["status"] == "ok", "roi_true"].notna().all()
    metadata = SweepStore(out).read_metadata()
    assert (metadata["runs_done"], metadata["runs_failed"], metadata["status"]) == (8, 2, "complete")

    retried = run_sweep(spec, executor="sequential", out=out, progress=False, retry_failed=True,
                        allow_changed_evaluation=True)  # the fixed function finishes the failed runs
    assert retried.ran_now == 2
    assert (retried.table["status"] == "ok").all()
    clean = run_sweep(spec, executor="sequential", out=tmp_path / "clean", progress=False)
    pd.testing.assert_frame_equal(retried.table, clean.table)


def test_kept_timeseries_have_one_row_per_week_per_run(tmp_path):
    spec = write_spec(tmp_path, keep_timeseries=True)
    run_sweep(spec, executor="sequential", out=tmp_path / "out", progress=False)
    series = pd.read_parquet(tmp_path / "out" / "timeseries.parquet")
    assert series.groupby("run_index")["week"].count().to_dict() == {i: 5 for i in range(8)}


def test_a_folder_in_use_by_another_sweep_is_refused(tmp_path):
    spec, out = write_spec(tmp_path), tmp_path / "out"
    with SweepStore(out).lock(), pytest.raises(SweepError, match="another sweep process"):
        run_sweep(spec, executor="sequential", out=out, progress=False)
    assert run_sweep(spec, executor="sequential", out=out, progress=False).ran_now == 8


def test_retrying_failed_runs_of_a_part_of_many_runs_keeps_each_run_once(tmp_path):
    """Batched sweeps write a part per chunk; --retry-failed takes the failed rows out of their part
    (rewritten atomically) before running them again, so no run appears twice."""
    spec, out = write_spec(tmp_path), tmp_path / "out"
    run_sweep(spec, executor="sequential", out=out, progress=False, evaluate=fail_on_strong_tokens)
    store = SweepStore(out)
    parts = store.parts()
    merged = store.read_parts()
    for part in parts:
        part.unlink()
    merged.to_parquet(store.runs_dir / "run-000000-0000beef.parquet", index=False)  # as a chunk of 8 runs
    retried = run_sweep(spec, executor="sequential", out=out, progress=False, retry_failed=True,
                        allow_changed_evaluation=True)  # the fixed function finishes the failed runs
    assert retried.ran_now == 2
    rows = pd.concat([pd.read_parquet(p) for p in store.parts()])
    assert sorted(rows["run_index"]) == list(range(8)) and (rows["status"] == "ok").all()
    clean = run_sweep(spec, executor="sequential", out=tmp_path / "clean", progress=False)
    pd.testing.assert_frame_equal(retried.table, clean.table)
