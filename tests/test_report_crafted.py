"""`tokenmaxx report` on a results folder it did not write cleanly (issue 26): every part is checked
(a regular Parquet file with whole-number run indices and a status, each run once and within the
design), as are spec.yaml and design.csv; each problem is one line naming the file, exit 2; an
unfinished sweep's report says how many runs are missing. The folders are those the fuzzer crafts
(tests/fuzzing.py), from one small finished sweep of 12 runs."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from tests import fuzzing

PROBLEMS = {
    "zero_part": "cannot be read as Parquet",
    "garbage_part": "cannot be read as Parquet",
    "link_part": "is a link",
    "wrong_schema": "no whole-number run_index",
    "null_index": "no whole-number run_index",
    "text_index": "no whole-number run_index",
    "duplicate_part": "both hold run",
    "out_of_range": "but the design has runs 0 to 11",
    "table_garbage": "runs.parquet: cannot be read as Parquet",
    "design_rows": "design.csv",
    "report_link": "report: is a link or a file",
}
"""Each crafted change and what the one error line says."""


def crafted(tmp_path: Path, *crafts: str, seed: int = 1) -> Path:
    fuzzing._craft(tmp_path, list(crafts), random.Random(seed))
    return tmp_path / "results" / fuzzing.CRAFTED


def report(folder: Path) -> tuple[int | None, str, str]:
    code, stderr, trace = fuzzing._call(["report", str(folder)])
    assert trace is None, trace
    return code, stderr, "".join(fuzzing._STDOUT)


@pytest.mark.parametrize("craft", list(PROBLEMS))
def test_a_crafted_folder_is_one_error_line_naming_the_file(tmp_path: Path, craft: str) -> None:
    folder = crafted(tmp_path, craft)
    code, stderr, _ = report(folder)
    lines = stderr.strip().splitlines()
    assert code == 2 and len(lines) == 1 and lines[0].startswith(f"error: {folder}"), stderr
    assert PROBLEMS[craft] in lines[0], lines[0]
    assert not (tmp_path / "elsewhere").exists() or not any((tmp_path / "elsewhere").iterdir())


@pytest.mark.parametrize(("spec", "named"), [
    ("name: x\nbase: y.yaml\ndesign: {kind: sobol, samples: 64}\nparameters: {kpi.strength: {low: 0, high: 1}}\n",
     "design.csv: 4 rows, but the spec's design has points 0 to 191"),  # valid, but not this folder's
    ("!!python/object/apply:os.system [echo owned]\n", "spec.yaml: line 1, column 1: the tag"),
    ("name: !!binary aGVsbG8=\n", "spec.yaml: line 1, column 7: the tag '!!binary'"),
    ("- a list\n", "spec.yaml: not a sweep spec"),
    ("design: [unclosed\n", "spec.yaml: YAML syntax error"),
    ("name: x\n", "spec.yaml: not a sweep spec this version can read (base: Field required)"),
])
def test_a_hostile_spec_is_one_line(tmp_path: Path, spec: str, named: str) -> None:
    folder = crafted(tmp_path)
    (folder / "runs.parquet").unlink()
    (folder / "spec.yaml").write_text(spec)
    code, stderr, _ = report(folder)
    assert code == 2 and len(stderr.strip().splitlines()) == 1 and named in stderr, stderr


@pytest.mark.parametrize("design", [b"", b"\x00\xff garbage", b"point,kpi.strength\n0,1\n", b"a,b\n1,2\n"])
def test_a_garbage_design_is_one_line(tmp_path: Path, design: bytes) -> None:
    folder = crafted(tmp_path)
    (folder / "design.csv").write_bytes(design)
    code, stderr, _ = report(folder)
    assert code == 2 and len(stderr.strip().splitlines()) == 1 and "design.csv" in stderr, stderr


def test_an_unfinished_sweeps_report_says_how_many_runs_are_missing(tmp_path: Path) -> None:
    folder = crafted(tmp_path)
    (folder / "runs.parquet").unlink()
    parts = sorted((folder / "runs").glob("run-*.parquet"))
    import pandas as pd

    kept = {int(i) for part in parts[:1] for i in pd.read_parquet(part)["run_index"]}
    for part in parts[1:]:
        part.unlink()
    code, stderr, _ = report(folder)
    assert code == 0, stderr
    page = (folder / "report" / "index.html").read_text(encoding="utf-8")
    lead = page[page.index("<p"):][:400]
    assert f"{len(kept)} of 12 runs finished" in lead and f"{12 - len(kept)} runs missing" in lead
    assert f"{len(kept)} of 12 finished" in page and "all ok" in page  # the setup table too


def test_the_finished_sweep_reports_as_before(tmp_path: Path) -> None:
    folder = crafted(tmp_path)
    code, stderr, _ = report(folder)
    assert code == 0, stderr
    assert "runs missing" not in (folder / "report" / "index.html").read_text(encoding="utf-8")
