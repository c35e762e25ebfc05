"""Interrupted work: a process-pool sweep killed (SIGKILL, SIGTERM), a worker that dies, a full or
read-only results folder, a `run` killed while writing. Nothing is lost, nothing survives, nothing
half-written stays behind; a resume gives exactly the uninterrupted table."""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import pandas as pd
import pytest
import yaml

from sim.cli import main
from sim.sweep import run_sweep
from sim.sweep import SweepError
from sim.sweep.executors import Processes, describe_death, make_executor
from sim.sweep.samplers import run_seeds
from sim.sweep.storage import SweepStore
from sim.sweep.tasks import simulate
from tests.sweep_helpers import forget_runs, write_spec

PARAMETERS = {"kpi.strength": {"values": [0.0, 0.25, 0.5, 1.0, 2.0]}, "audit.rate": {"values": [0.0, 0.1, 0.3]}}
RUNS = 30  # 5 x 3 points x 2 replicates
MARK = "TOKENMAXX_KILL_TEST"
GONE_WITHIN_S = 5.0
pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc; POSIX signals")


def medium_spec(folder: Path, **spec) -> Path:
    """30 runs of the real model, 600 employees x 150 weeks: batched in 4 chunks of up to 8 runs
    (parts appear a chunk at a time), each chunk a tenth of a second or more, so that a sweep seen
    with a part on disk is still running."""
    fixed = {"weeks": 150, "organization.employees": 600}
    return write_spec(folder, parameters=PARAMETERS, replicates=2, fixed=fixed, **spec)


@pytest.fixture(scope="module")
def reference(tmp_path_factory) -> tuple[Path, pd.DataFrame]:
    """The spec and its uninterrupted table (in this process, one run after another)."""
    folder = tmp_path_factory.mktemp("reference")
    spec = medium_spec(folder)
    return spec, run_sweep(spec, executor="sequential", out=folder / "out", progress=False).table


# --- processes of a sweep ---------------------------------------------------------------------


def start_sweep(spec: Path, out: Path, mark: str, executor: str = "processes") -> subprocess.Popen:
    """`tokenmaxx sweep` on 2 worker processes, its output piped (as into `| tee`), every process it
    starts carrying `mark` in its environment."""
    command = [sys.executable, "-m", "sim", "sweep", str(spec), "--executor", executor, "--workers", "2",
               "--out", str(out), "--no-progress"]
    return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True,
                            env={**os.environ, MARK: mark})


def marked(mark: str) -> set[int]:
    """Live processes (not zombies) whose environment carries `mark`: the sweep's and its descendants."""
    found = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            environ = (entry / "environ").read_bytes()
            state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if f"{MARK}={mark}".encode() in environ.split(b"\0") and state != "Z":
            found.add(int(entry.name))
    return found


def children(pid: int) -> set[int]:
    """Processes whose parent is `pid`."""
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1]) == pid:
                    found.add(int(entry.name))
            except (OSError, ValueError):
                continue
    return found


def running(pid: int) -> bool:
    """Whether `pid` is a live process (not a zombie awaiting its parent)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def survivors(mark: str, pids: set[int], within_s: float = GONE_WITHIN_S) -> set[int]:
    """The processes of a killed sweep still alive `within_s` seconds on (each then killed, so a
    failing test leaves none behind)."""
    deadline = time.monotonic() + within_s
    while time.monotonic() < deadline:
        alive = marked(mark) | {p for p in pids if running(p)}
        if not alive:
            return set()
        time.sleep(0.1)
    for pid in alive:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    return alive


def wait_for_parts(store: SweepStore, process: subprocess.Popen, parts: int, timeout_s: float = 120) -> None:
    deadline = time.monotonic() + timeout_s
    while len(store.part_indices()) < parts and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)


def kill_and_drain(process: subprocess.Popen, mark: str, how: signal.Signals) -> tuple[str, str, set[int]]:
    """Send `how` to the sweep's main process only; read its pipes to the end (they end only when
    every process holding them has exited). Returns stdout, stderr and the processes that survive."""
    pids = children(process.pid) | marked(mark)
    process.send_signal(how)
    try:
        out, err = process.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        left = survivors(mark, pids, 0)
        out, err = process.communicate(timeout=10)
        pytest.fail(f"the sweep's output pipe stayed open after {how.name}: processes {left} held it")
    return out.decode(), err.decode(), survivors(mark, pids)


def running_sweep(spec: Path, out: Path, mark: str) -> tuple[subprocess.Popen, SweepStore]:
    """A 2-worker sweep started in a subprocess and seen with at least 4 runs on disk, still running."""
    process, store = start_sweep(spec, out, mark), SweepStore(out)
    wait_for_parts(store, process, 4)
    assert process.poll() is None, "the sweep ended before it could be stopped"
    return process, store


def test_sigkill_of_a_process_sweep_leaves_no_process_and_resumes(reference, tmp_path):
    spec, whole = reference
    out, mark = tmp_path / "out", uuid.uuid4().hex
    process, store = running_sweep(spec, out, mark)
    assert len(children(process.pid)) >= 3  # two workers and the resource tracker
    _, _, left = kill_and_drain(process, mark, signal.SIGKILL)
    assert process.returncode == -signal.SIGKILL
    assert left == set(), "workers or the resource tracker outlived the sweep"
    assert store.read_metadata()["status"] == "incomplete"  # resumable, not "running"
    done = len(store.part_indices())
    assert 4 <= done < RUNS
    resumed = run_sweep(spec, executor="sequential", out=out, progress=False)
    assert (resumed.skipped, resumed.ran_now) == (done, RUNS - done)
    pd.testing.assert_frame_equal(resumed.table, whole)


@pytest.mark.slow
def test_sigkill_of_a_dask_sweep_leaves_no_process(reference, tmp_path):
    spec, _ = reference
    out, mark = tmp_path / "out", uuid.uuid4().hex
    process = start_sweep(spec, out, mark, executor="dask")
    wait_for_parts(SweepStore(out), process, 2)
    assert process.poll() is None, "the sweep ended before it could be killed"
    _, _, left = kill_and_drain(process, mark, signal.SIGKILL)
    assert left == set(), "Dask's nannies or workers outlived the sweep"


def test_sigterm_stops_like_ctrl_c_and_writes_the_table(reference, tmp_path):
    spec, whole = reference
    out, mark = tmp_path / "out", uuid.uuid4().hex
    process, store = running_sweep(spec, out, mark)
    _, err, left = kill_and_drain(process, mark, signal.SIGTERM)
    assert process.returncode == 130, err
    assert "interrupted" in err and "run the same command again to resume" in err and "Traceback" not in err
    assert left == set()
    done = store.part_indices()
    table = pd.read_parquet(out / "runs.parquet")  # the table of what finished, written on the way out
    assert sorted(table["run_index"]) == sorted(done) and 4 <= len(done) < RUNS
    metadata = store.read_metadata()
    assert (metadata["status"], metadata["runs_done"]) == ("incomplete", len(done))
    assert "finished" in metadata["sessions"][-1]
    resumed = run_sweep(spec, executor="sequential", out=out, progress=False)
    assert resumed.ran_now == RUNS - len(done)
    pd.testing.assert_frame_equal(resumed.table, whole)


KILLS = 5


@pytest.mark.slow
def test_sweep_killed_at_random_moments_resumes_to_the_uninterrupted_table(tmp_path):
    """SIGKILL at 5 random moments (during start-up, or as a chunk of runs lands), resuming each time.
    Every session splits what is left into about 4 chunks on its 2 workers, so a kill as the first
    new chunk lands leaves the others unfinished."""
    runs = 60
    fixed = {"weeks": 300, "organization.employees": 1000}
    spec = write_spec(tmp_path, parameters=PARAMETERS, replicates=4, fixed=fixed, keep_timeseries=True)
    out = tmp_path / "killed"
    store, rng = SweepStore(out), random.Random(16)
    landed, early = [], 0
    for _ in range(KILLS):
        mark = uuid.uuid4().hex
        process = start_sweep(spec, out, mark)
        if rng.random() < 0.4:
            time.sleep(rng.uniform(0, 1.5))  # during start-up (spawning workers, loading compiled code)
            early += 1
        else:
            wait_for_parts(store, process, len(store.part_indices()) + 1)
        _, err, left = kill_and_drain(process, mark, signal.SIGKILL)
        assert process.returncode == -signal.SIGKILL, f"the sweep ended before it was killed: {err}"
        assert left == set(), f"processes {left} outlived the killed sweep"
        landed.append(len(store.part_indices()))
    print(f"parts on disk after each of the {KILLS} kills: {landed}")
    assert landed[-1] < runs
    mark = uuid.uuid4().hex
    process = start_sweep(spec, out, mark)
    stdout, err = process.communicate(timeout=300)
    assert process.returncode == 0, err
    assert f"runs: {runs} of {runs} done ({runs} ok, 0 failed)" in stdout.decode()

    whole = run_sweep(spec, executor="sequential", out=tmp_path / "whole", progress=False)
    table = pd.read_parquet(out / "runs.parquet")
    assert table["run_index"].tolist() == list(range(runs))  # none lost, none twice
    pd.testing.assert_frame_equal(table, whole.table)
    pd.testing.assert_frame_equal(pd.read_parquet(out / "timeseries.parquet"),
                                  pd.read_parquet(tmp_path / "whole" / "timeseries.parquet"))
    assert list(out.rglob("*.tmp")) == []
    sessions = len(store.read_metadata()["sessions"])  # a kill early in start-up may come before its session is recorded
    assert KILLS + 1 - early <= sessions <= KILLS + 1


# --- a worker process that dies ---------------------------------------------------------------


class DieOn:
    """An evaluation whose worker process dies on given runs (by seed): SIGKILL as the
    out-of-memory killer sends it, or os._exit(code)."""

    columns = simulate.columns

    def __init__(self, deaths: dict[int, int | None]) -> None:
        self.deaths = deaths  # seed -> exit code, None for SIGKILL

    def __call__(self, scenario, seed: int):
        if seed in self.deaths:
            code = self.deaths[seed]
            if code is None:
                os.kill(os.getpid(), signal.SIGKILL)
            os._exit(code)
        return simulate(scenario, seed)


def test_a_dead_worker_fails_only_its_run_and_the_sweep_goes_on(tmp_path):
    spec, out = write_spec(tmp_path), tmp_path / "out"
    seeds = run_seeds(11, 8)
    evaluate = DieOn({seeds[2]: None, seeds[3]: 3})
    outcome = run_sweep(spec, executor="processes", workers=2, out=out, progress=False, evaluate=evaluate)
    table = outcome.table.set_index("run_index")
    assert outcome.ran_now == 8 and outcome.failed_now == 2
    assert table.loc[2, "error"] == "worker process died (signal 9: Killed, e.g. by the out-of-memory killer)"
    assert table.loc[3, "error"] == "worker process died (exit code 3)"
    assert (table.drop(index=[2, 3])["status"] == "ok").all()
    clean = run_sweep(spec, executor="sequential", out=tmp_path / "clean", progress=False).table
    ok = outcome.table["status"] == "ok"
    pd.testing.assert_frame_equal(outcome.table[ok].reset_index(drop=True), clean[ok].reset_index(drop=True),
                                  check_dtype=False)  # integer columns are float beside the failed runs' nulls
    assert SweepStore(out).read_metadata()["runs_failed"] == 2

    again = run_sweep(spec, executor="processes", workers=2, out=out, progress=False, evaluate=evaluate)
    assert (again.ran_now, again.skipped) == (0, 8)  # a resume does not crash, nor run them again
    retried = run_sweep(spec, executor="sequential", out=out, progress=False, retry_failed=True,
                        allow_changed_evaluation=True)  # the default evaluation finishes the failed runs
    assert retried.ran_now == 2
    pd.testing.assert_frame_equal(retried.table, clean)


@pytest.mark.slow
def test_a_sweep_whose_every_run_kills_its_worker_stops(tmp_path, monkeypatch, capsys):
    """Not one bad run but a broken set-up: after a few deaths in a row the sweep stops, clearly."""
    monkeypatch.setattr(Processes, "max_deaths_in_a_row", 2)
    spec, out = write_spec(tmp_path), tmp_path / "out"
    with pytest.raises(SweepError, match="2 runs in a row killed their worker process .*--retry-failed"):
        run_sweep(spec, executor="processes", workers=2, out=out, progress=False,
                  evaluate=DieOn(dict.fromkeys(run_seeds(11, 8))))
    table = pd.read_parquet(out / "runs.parquet")  # written on the way out
    assert len(table) == 2 and (table["status"] == "failed").all()
    assert SweepStore(out).read_metadata()["status"] == "incomplete"


@pytest.mark.slow
def test_on_dask_a_run_that_kills_its_workers_fails_alone(tmp_path):
    spec, out = write_spec(tmp_path), tmp_path / "out"
    evaluate = DieOn({run_seeds(11, 8)[2]: None})
    outcome = run_sweep(spec, executor="dask", workers=2, out=out, progress=False, evaluate=evaluate)
    table = outcome.table.set_index("run_index")
    assert table.loc[2, "error"].startswith("worker process died (Dask: ")
    assert (table.drop(index=[2])["status"] == "ok").all()
    assert run_sweep(spec, executor="sequential", out=out, progress=False, evaluate=evaluate).ran_now == 0


def double_unless_13(chunk: list[int]) -> list[int]:
    """A chunk's results; the process dies (as by the out-of-memory killer) on a chunk holding 13."""
    if 13 in chunk:
        os.kill(os.getpid(), signal.SIGKILL)
    return [2 * x for x in chunk]


@pytest.mark.slow
def test_a_dead_worker_costs_one_element_of_a_chunk():
    """Items that are lists are chunks: after a death they are tried one element at a time."""
    chunks = [list(range(start, start + 5)) for start in range(0, 30, 5)]
    lost = lambda chunk, cause: [(x, cause) for x in chunk]  # noqa: E731
    with make_executor("processes", workers=2, lost=lost) as engine:
        results = [r for chunk in engine.map_unordered(double_unless_13, chunks) for r in chunk]
    assert sorted(r for r in results if isinstance(r, int)) == [2 * x for x in range(30) if x != 13]
    assert [r for r in results if not isinstance(r, int)] == [(13, describe_death(-signal.SIGKILL))]
    assert engine.deaths == 3  # a worker of the pool, then the chunk [10..14] alone, then 13 alone


# --- a full or read-only results folder -------------------------------------------------------

FULL_FOLDER_SCRIPT = """
set -u
mount -t tmpfs -o size=120k tmpfs "$MNT"
"$PY" -m sim sweep "$SPEC" --executor processes --workers 2 --out "$MNT/out" --no-progress >/dev/null 2>"$T/full.err"
echo $? >"$T/full.rc"; cp -a "$MNT/out" "$T/after_full"
mount -o remount,ro "$MNT"
"$PY" -m sim sweep "$SPEC" --executor sequential --out "$MNT/out" --no-progress >/dev/null 2>"$T/ro.err"
echo $? >"$T/ro.rc"; cp -a "$MNT/out" "$T/after_ro"
mount -o remount,rw,size=20m "$MNT"
"$PY" -m sim sweep "$SPEC" --executor sequential --out "$MNT/out" --no-progress >/dev/null 2>"$T/resume.err"
echo $? >"$T/resume.rc"; cp -a "$MNT/out" "$T/resumed"
"""


def can_mount_tmpfs() -> bool:
    if os.geteuid() != 0 or shutil.which("unshare") is None:
        return False
    with tempfile.TemporaryDirectory() as folder:
        probe = subprocess.run(["unshare", "--mount", "--propagation", "private", "mount", "-t", "tmpfs",
                                "-o", "size=64k", "tmpfs", folder], capture_output=True, check=False)
    return probe.returncode == 0


@pytest.mark.skipif(not can_mount_tmpfs(), reason="needs root and mount namespaces (a small tmpfs)")
def test_a_full_then_read_only_folder_is_one_error_and_resumable(reference, tmp_path):
    """A real 120 kB file system (room for two or three parts of 8 runs, ~40 kB each): the disk fills
    part way, then is read-only, then has room."""
    spec, whole = reference
    (tmp_path / "mnt").mkdir()
    env = {**os.environ, "MNT": str(tmp_path / "mnt"), "T": str(tmp_path), "PY": sys.executable, "SPEC": str(spec)}
    subprocess.run(["unshare", "--mount", "--propagation", "private", "bash", "-c", FULL_FOLDER_SCRIPT],
                   env=env, check=True, timeout=300)
    read = lambda name: (tmp_path / name).read_text()  # noqa: E731

    full_error = read("full.err").strip()
    assert read("full.rc").strip() == "2", full_error
    assert len(full_error.splitlines()) == 1 and "Traceback" not in full_error
    assert "No space left on device" in full_error and str(tmp_path / "mnt" / "out") in full_error
    assert "run the same command again to resume" in full_error
    after_full = SweepStore(tmp_path / "after_full")
    kept = after_full.part_indices()
    assert 0 < len(kept) < RUNS and after_full.read_metadata()["status"] == "incomplete"
    assert len(after_full.read_parts()) == len(kept)  # every part on disk is whole
    assert list((tmp_path / "after_full").rglob("*.tmp")) == []

    ro_error = read("ro.err").strip()
    assert read("ro.rc").strip() == "2" and len(ro_error.splitlines()) == 1
    assert "Read-only file system" in ro_error and "Traceback" not in ro_error
    assert SweepStore(tmp_path / "after_ro").part_indices() == kept

    assert read("resume.rc").strip() == "0", read("resume.err")
    resumed = SweepStore(tmp_path / "resumed")
    assert resumed.read_metadata()["status"] == "complete"
    assert len(resumed.read_metadata()["sessions"]) == 2  # the read-only attempt could not start one
    pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "resumed" / "runs.parquet"), whole)


def test_an_output_path_through_a_file_is_one_error_line(tmp_path, capsys):
    spec = write_spec(tmp_path)
    (tmp_path / "a_file").write_text("not a folder")
    out = tmp_path / "a_file" / "out"
    assert main(["sweep", str(spec), "--executor", "sequential", "--out", str(out), "--no-progress"]) == 2
    error = capsys.readouterr().err.strip()
    assert error.startswith(f"error: {out}: ") and "Not a directory" in error and len(error.splitlines()) == 1


def test_temporary_files_of_a_killed_writer_are_removed_on_resume(tmp_path):
    """The files a sweep killed mid-write leaves (as atomic_write names them) go at the next start;
    other people's files stay."""
    spec, out = write_spec(tmp_path, keep_timeseries=True), tmp_path / "out"
    first = run_sweep(spec, executor="sequential", out=out, progress=False)
    first_series = pd.read_parquet(out / "timeseries.parquet")
    forget_runs(out, {3})  # killed between writing its series and its record
    stale = [Path(tempfile.mkstemp(prefix=f".{name}.", suffix=".tmp", dir=folder)[1])
             for folder, name in [(out / "runs", "run-000003.parquet"), (out / "timeseries", "run-000003.parquet"),
                                  (out, "runs.parquet"), (out, "metadata.json")]]
    other = out / ".notes.tmp"
    other.write_text("mine")
    SweepStore(out).consolidate()  # as an interrupted session does: run 3's series is on disk, its run is not
    assert 3 not in set(pd.read_parquet(out / "timeseries.parquet")["run_index"])
    resumed = run_sweep(spec, executor="sequential", out=out, progress=False)
    assert resumed.ran_now == 1
    assert not any(p.exists() for p in stale) and other.exists()
    pd.testing.assert_frame_equal(resumed.table, first.table)
    pd.testing.assert_frame_equal(pd.read_parquet(out / "timeseries.parquet"), first_series)


# --- `tokenmaxx run` killed while writing -----------------------------------------------------


@pytest.mark.slow
def test_a_run_killed_while_writing_leaves_one_whole_run(tmp_path):
    """SIGKILL at random moments while `run` writes its folder: the folder is always one whole
    run (the previous one), and the next run leaves no temporary folder or file behind."""
    scenario = tmp_path / "tiny.yaml"
    scenario.write_text(yaml.safe_dump({"name": "tiny", "organization": {"employees": 30}, "weeks": 5}))
    out, rng = tmp_path / "out", random.Random(16)

    def run(seed: int) -> subprocess.Popen:
        return subprocess.Popen([sys.executable, "-m", "sim", "run", str(scenario), "--seed", str(seed),
                                 "--out", str(out)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

    assert run(1).wait(timeout=120) == 0
    kept_seed, hits = 1, 0
    for seed in range(2, 2 + KILLS):
        process = run(seed)
        deadline = time.monotonic() + 120
        while not any(p.name.startswith(f".out.{process.pid}.") for p in tmp_path.iterdir()) and process.poll() is None:
            assert time.monotonic() < deadline
            time.sleep(0.005)
        time.sleep(rng.uniform(0, 0.4))
        process.kill()
        process.wait()
        hits += process.returncode != 0
        files = {p.name for p in out.iterdir()}
        assert {"summary.json", "timeseries.parquet", "scenario.yaml", "metadata.json", "report.html"} <= files
        found = json.loads((out / "metadata.json").read_text())["seed"]
        assert found in (kept_seed, seed)  # the previous run, or this one if killed after the swap
        assert yaml.safe_load((out / "scenario.yaml").read_text())["seed"] == found  # never a mix of two runs
        assert not list(out.rglob("*.tmp"))
        kept_seed = found
    print(f"{hits} of {KILLS} kills landed while `run` wrote its folder")
    assert hits >= 3, "too few kills landed while the folder was being written"
    assert run(99).wait(timeout=120) == 0
    assert json.loads((out / "metadata.json").read_text())["seed"] == 99
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".out.")] == []
