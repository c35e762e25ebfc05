"""No command writes, truncates or deletes outside its folder, nor replaces a folder it did not write
(issue 26): the CLI against linked locks and run folders, a user's notes, a thesis beside an empty
`metadata.json`, a finished sweep; and folders it did write, which it replaces, with or without the
marker of earlier versions. The real CLI as a subprocess where the process matters (the lock); the
same `main` in this process elsewhere (a subprocess costs seconds of imports each)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from sim.output import MARKER, OutputError, publish_folder
from tests import fuzzing

ROOT = Path(__file__).resolve().parents[1]
SMALL = ["--set", "organization.employees=20", "--set", "weeks=3"]
RUN = ["run", str(ROOT / "scenarios" / "default.yaml"), *SMALL]
MARKET = ["market", str(ROOT / "scenarios" / "market" / "default.yaml"), "--set", "firms=3", "--set", "weeks=6",
          "--set", "organisation_set.organization.employees=20"]
COMPARE = ["compare", str(ROOT / "scenarios" / "default.yaml"), str(ROOT / "scenarios" / "organic.yaml"), *SMALL,
           "--replicates", "2"]


def subprocess_tokenmaxx(*args: str) -> subprocess.CompletedProcess:
    """The real command line, in its own process."""
    return subprocess.run([sys.executable, "-m", "sim", *args], capture_output=True, text=True, check=False,
                          cwd=ROOT, timeout=300)


def tokenmaxx(*args: str) -> subprocess.CompletedProcess:
    """The same command through :func:`sim.cli.main` in this process (exit code and stderr)."""
    code, stderr, trace = fuzzing._call(list(args))
    assert trace is None, trace
    return subprocess.CompletedProcess(list(args), code, "".join(fuzzing._STDOUT), stderr)


def contents(folder: Path) -> dict[str, bytes | str]:
    """Every file under `folder` (a link as its target, never followed)."""
    found: dict[str, bytes | str] = {}
    for path in folder.rglob("*"):
        key = str(path.relative_to(folder))
        found[key] = f"-> {os.readlink(path)}" if path.is_symlink() else path.read_bytes() if path.is_file() else "/"
    return found


def assert_one_error_line(proc: subprocess.CompletedProcess, *needles: str) -> None:
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), proc.stderr
    assert "Traceback" not in proc.stderr
    for needle in needles:
        assert needle in lines[0], (needle, lines[0])


@pytest.fixture
def sweep_spec(tmp_path: Path) -> Path:
    path = tmp_path / "small.yaml"
    path.write_text(yaml.safe_dump(dict(fuzzing.SMALL_SWEEP, replicates=1)))
    return path


@pytest.mark.parametrize("workers", ["-1", "0", "1"])
def test_a_linked_lock_is_never_opened(tmp_path: Path, sweep_spec: Path, workers: str) -> None:
    """`.lock` linked to a file elsewhere: the file keeps its content (bad arguments are refused
    before the disk is touched; good ones stop at the link)."""
    precious = tmp_path / "precious.txt"
    precious.write_text("precious\n")
    out = tmp_path / "out"
    out.mkdir()
    (out / ".lock").symlink_to(precious)
    run = subprocess_tokenmaxx if workers == "1" else tokenmaxx
    proc = run("sweep", str(sweep_spec), "--executor", "sequential", "--workers", workers, "--out", str(out),
               "--no-progress")
    assert_one_error_line(proc, "worker" if workers != "1" else ".lock: is a link")
    assert precious.read_text() == "precious\n"
    assert sorted(p.name for p in out.iterdir()) == [".lock"]  # nothing else written either


def test_a_dangling_lock_link_creates_nothing_elsewhere(tmp_path: Path, sweep_spec: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / ".lock").symlink_to(tmp_path / "created-elsewhere")
    proc = tokenmaxx("sweep", str(sweep_spec), "--executor", "sequential", "--out", str(out), "--no-progress")
    assert_one_error_line(proc, ".lock: is a link")
    assert not (tmp_path / "created-elsewhere").exists()


def test_a_linked_runs_folder_gets_no_parts(tmp_path: Path, sweep_spec: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    out = tmp_path / "out"
    out.mkdir()
    (out / "runs").symlink_to(elsewhere)
    proc = tokenmaxx("sweep", str(sweep_spec), "--executor", "sequential", "--out", str(out), "--no-progress")
    assert_one_error_line(proc, "runs: is a link or a file")
    assert not any(elsewhere.iterdir())


def test_refused_workers_with_fresh_write_nothing_and_fresh_works_after(tmp_path: Path, sweep_spec: Path) -> None:
    out = tmp_path / "out"
    assert_one_error_line(tokenmaxx("sweep", str(sweep_spec), "--workers", "0", "--fresh", "--out", str(out)),
                          "--workers 0")
    assert not out.exists()
    proc = tokenmaxx("sweep", str(sweep_spec), "--executor", "sequential", "--fresh", "--out", str(out), "--no-progress")
    assert proc.returncode == 0, proc.stderr


def _sweep_folder(folder: Path) -> None:
    import shutil

    shutil.copytree(fuzzing.template_sweep(), folder)
    (folder / "NOTES.txt").write_text("what I learnt from this sweep\n")


def _thesis(folder: Path) -> None:
    folder.mkdir()
    (folder / "metadata.json").write_text("{}\n")
    (folder / "thesis.tex").write_text("\\documentclass{article}\n")


def _summaries_and_data(folder: Path) -> None:
    folder.mkdir()
    (folder / "summaries.csv").write_text("a\n1\n")
    (folder / "data.csv").write_text("mine\n")


@pytest.mark.parametrize("make", [_sweep_folder, _thesis, _summaries_and_data], ids=["sweep", "thesis", "summaries"])
@pytest.mark.parametrize("command", [RUN, MARKET, COMPARE], ids=["run", "market", "compare"])
def test_a_folder_the_command_did_not_write_is_never_replaced(tmp_path: Path, make, command: list[str]) -> None:
    out = tmp_path / "out"
    make(out)
    before = contents(out)
    proc = (subprocess_tokenmaxx if make is _thesis and command is RUN else tokenmaxx)(*command, "--out", str(out))
    assert_one_error_line(proc, str(out), "choose a new or empty folder")
    assert contents(out) == before
    assert [p.name for p in tmp_path.iterdir()] == ["out"]  # no temporary folder left beside it


def test_own_results_are_replaced_other_kinds_and_added_files_are_not(tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert tokenmaxx(*RUN, "--out", str(out)).returncode == 0
    marker = json.loads((out / MARKER).read_text())
    assert marker["kind"] == "run" and "summary.json" in marker["files"] and "figures/" in marker["files"]
    assert tokenmaxx(*RUN, "--seed", "9", "--out", str(out)).returncode == 0  # its own: replaced
    assert yaml.safe_load((out / "scenario.yaml").read_text())["seed"] == 9
    assert_one_error_line(tokenmaxx(*MARKET, "--out", str(out)), "holds the results of tokenmaxx run")
    (out / "NOTES.txt").write_text("mine\n")
    assert_one_error_line(tokenmaxx(*RUN, "--out", str(out)), "NOTES.txt")
    assert (out / "NOTES.txt").read_text() == "mine\n"


def test_results_of_earlier_versions_without_a_marker_are_recognised_by_their_files(tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert tokenmaxx(*RUN, "--out", str(out)).returncode == 0
    (out / MARKER).unlink()  # as an earlier version left it
    assert tokenmaxx(*RUN, "--out", str(out)).returncode == 0
    assert (out / MARKER).is_file()
    (out / MARKER).unlink()
    (out / "figures" / "mine.txt").write_text("not a figure\n")
    assert_one_error_line(tokenmaxx(*RUN, "--out", str(out)), "figures/mine.txt")


def test_sweep_fresh_clears_only_a_sweeps_folder(tmp_path: Path, sweep_spec: Path) -> None:
    out = tmp_path / "out"
    assert tokenmaxx(*RUN, "--out", str(out)).returncode == 0
    before = contents(out)
    proc = tokenmaxx("sweep", str(sweep_spec), "--executor", "sequential", "--fresh", "--out", str(out), "--no-progress")
    assert_one_error_line(proc, "not a sweep's results folder")
    assert {k: v for k, v in contents(out).items() if k != ".lock"} == before


def test_a_failed_write_names_the_folder_not_its_temporary_one(tmp_path: Path) -> None:
    """A full disk while the results are written: one error naming the chosen folder; the earlier
    results stay whole and no temporary folder is left."""
    import errno

    out = tmp_path / "out"
    publish_folder(out, lambda folder: (folder / "summaries.csv").write_text("a\n"), "compare")
    before = contents(out)

    def fill_the_disk(folder: Path) -> None:
        (folder / "summaries.csv").write_text("half")
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(folder / "report.html"))

    with pytest.raises(OutputError) as info:
        publish_folder(out, fill_the_disk, "compare")
    message = str(info.value)
    assert message.startswith(f"{out}: cannot write the results (No space left on device)")
    assert "unchanged" in message and ".new" not in message
    assert contents(out) == before
    assert [p.name for p in tmp_path.iterdir()] == ["out"]
