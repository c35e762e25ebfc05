"""docs/researchers.md is a recipe that works: every Python block on the page runs, in order, in
one namespace, in a fresh folder holding only the scenarios (as a reader's checkout would), and
the results it reads are what the page says they are."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[1]
GUIDE = ROOT / "docs" / "researchers.md"
BLOCK = re.compile(r"^```python\n(.*?)^```", re.S | re.M)

pytestmark = pytest.mark.slow


def blocks() -> list[str]:
    return BLOCK.findall(GUIDE.read_text(encoding="utf-8"))


def test_the_guide_has_its_sections() -> None:
    text = GUIDE.read_text(encoding="utf-8")
    for needle in ("mesa.batch_run", "run_sweep", "pd.read_parquet", "pl.read_parquet", "duckdb.sql",
                   "problem_spec", "perform_experiments", "prim.Prim", "make notebooks",
                   # issue 27: what a researcher needs to know before it bites
                   'if __name__ == "__main__":', "must return\n`(summary, timeseries)`", "allow_changed_evaluation",
                   'dtype_backend="numpy_nullable"', "runs with the scenario's own seed", 'IntegerParameter("seed"',
                   "SeedSequence(1).spawn(3)", "overrides_for="):
        assert needle in text, needle


@pytest.fixture(scope="module")
def guide(tmp_path_factory) -> dict:
    """Run every block; return the namespace they leave."""
    folder = tmp_path_factory.mktemp("guide")
    (folder / "scenarios").symlink_to(ROOT / "scenarios", target_is_directory=True)
    namespace: dict = {"__name__": "__main__"}
    before = Path.cwd()
    os.chdir(folder)
    try:
        for i, code in enumerate(blocks()):
            exec(compile(code, f"{GUIDE.name} block {i + 1}", "exec"), namespace)  # noqa: S102 - the doc's own code
    finally:
        os.chdir(before)
    namespace["folder"] = folder
    return namespace


def test_batch_run_gives_distinct_replicates_and_the_incentive_drives_gaming(guide) -> None:
    runs = guide["runs"]
    assert len(runs) == 6 and sorted(runs["seed"]) == [1, 1, 2, 2, 3, 3]
    assert runs.groupby("kpi.strength")["roi_true"].nunique().min() == 3  # replicates differ
    by = runs.groupby("kpi.strength")["gaming_share"].mean()
    assert by[0.0] == 0.0 and by[1.0] > 0.1


def test_sweep_with_failures_reads_the_same_through_pandas_polars_and_duckdb(guide) -> None:
    table, parts, frame = guide["table"], guide["parts"], guide["frame"]
    assert len(table) == 2 * 3 * 2
    failed = table[table["status"] == "failed"]
    assert (failed["audit__rate"] == 0.3).all() and len(failed) == 4  # two regimes x two replicates
    assert failed["roi_true"].isna().all() and failed["error"].str.contains("above 20%").all()
    import polars as pl
    import pyarrow as pa
    import pyarrow.parquet as pq

    schema = pq.read_schema(guide["folder"] / "results" / "guide_sweep" / "runs.parquet")
    assert schema.field("flags").type == pa.int64() and frame.schema["flags"] == pl.Int64  # counts stay integers
    assert set(table.columns) == set(parts.columns) == set(frame.columns)
    assert len(parts) == len(frame) == len(table)
    pd.testing.assert_frame_equal(
        parts.sort_values("run_index").reset_index(drop=True)[table.columns], table, check_dtype=False
    )


def test_counts_read_as_nullable_integers_and_compare_says_what_differs(guide) -> None:
    assert str(guide["nullable"]["flags"].dtype) == "Int64"
    assert guide["nullable"]["flags"].isna().sum() == 4  # the failed runs
    assert guide["comparison"].differences == ["audit.rate: 0.0 (default), 0.2 (default [audit.rate=0.2])"]
    assert "failed" in repr(guide["outcome"])


def test_the_guide_sweep_runs_as_a_script(tmp_path) -> None:
    """Saved as a file and run with python (workers import it): the guard keeps it to one sweep."""
    import subprocess
    import sys

    code = BLOCK.findall(GUIDE.read_text(encoding="utf-8"))
    sweep = next(block for block in code if "run_sweep(spec" in block)
    (tmp_path / "scenarios").symlink_to(ROOT / "scenarios", target_is_directory=True)
    (tmp_path / "guide_sweep.py").write_text(sweep)
    proc = subprocess.run([sys.executable, "guide_sweep.py"], cwd=tmp_path, capture_output=True, text=True,
                          check=False, timeout=600)
    assert proc.returncode == 0, proc.stderr
    assert "12 of 12 runs done, 4 failed" in proc.stdout


def test_problem_spec_and_prim_give_results(guide) -> None:
    indices = guide["sp"].to_df()[0]
    assert indices.loc["kpi.strength", "mu_star"] > indices.loc["audit.rate", "mu_star"]
    limits = guide["box"].box_lims[-1]
    assert limits.loc[0, "kpi__strength"] > 0.5  # the box needs a strong incentive


def test_results_go_to_the_folder_the_reader_is_in(guide) -> None:
    assert (guide["folder"] / "results" / "guide_sweep" / "runs.parquet").is_file()
    assert (guide["folder"] / "results" / "guide_morris" / "runs.parquet").is_file()
