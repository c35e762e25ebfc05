"""The same sweep gives the same table in this process, on 1 or 2 processes, and on Dask."""

from __future__ import annotations

import pandas as pd
import pytest

from sim.cli import main
from sim.sweep import run_sweep
from tests.sweep_helpers import write_spec


@pytest.fixture(scope="module")
def spec(tmp_path_factory):
    return write_spec(tmp_path_factory.mktemp("spec"), replicates=3)


@pytest.fixture(scope="module")
def sequential_table(spec, tmp_path_factory):
    out = tmp_path_factory.mktemp("sequential")
    return run_sweep(spec, executor="sequential", out=out, progress=False).table


@pytest.mark.parametrize("workers", [1, 2])
def test_processes_match_sequential(spec, sequential_table, tmp_path, workers):
    outcome = run_sweep(spec, executor="processes", workers=workers, out=tmp_path, progress=False)
    assert outcome.ran_now == 12
    assert sequential_table["seed"].nunique() == 12
    pd.testing.assert_frame_equal(outcome.table, sequential_table)


def test_local_dask_cluster_matches_sequential(spec, sequential_table, tmp_path):
    outcome = run_sweep(spec, executor="dask", workers=2, out=tmp_path, progress=False)
    assert outcome.ran_now == 12
    pd.testing.assert_frame_equal(outcome.table, sequential_table)


def test_cli_sweep_then_report(spec, sequential_table, tmp_path, capsys):
    out = tmp_path / "sweep"
    assert main(["sweep", str(spec), "--executor", "sequential", "--out", str(out), "--no-progress"]) == 0
    assert "12 of 12 done" in capsys.readouterr().out
    pd.testing.assert_frame_equal(pd.read_parquet(out / "runs.parquet"), sequential_table)
    assert main(["report", str(out)]) == 0
    report = out / "report"
    assert f"report: {report / 'index.html'}" in capsys.readouterr().out
    names = {p.name for p in report.iterdir()} | {p.name for p in (report / "figures").iterdir()}
    assert {"index.html", "heatmap_roi_inflation__kpi_strength__kpi_regime.png",
            "heatmap_wasted_spend_share__kpi_strength__kpi_regime.svg",
            "lines_roi_true__kpi_strength__by_kpi_regime.png", "points.csv", "runs.csv"} <= names
    points = pd.read_csv(report / "points.csv")
    roi = points[points["metric"] == "roi_true"].set_index(["kpi__regime", "kpi__strength"])
    expected = sequential_table.groupby(["kpi__regime", "kpi__strength"])["roi_true"].mean()
    for key, value in expected.items():
        assert roi.loc[key, "mean"] == pytest.approx(value)
        assert roi.loc[key, "n"] == 3
        assert roi.loc[key, "low"] <= value <= roi.loc[key, "high"]


def test_processes_take_a_function_defined_where_workers_cannot_import_it(spec, sequential_table, tmp_path):
    """A closure (as a notebook cell makes: not importable by a worker) reaches workers by value."""
    from sim.sweep import simulate

    offset = 1000.0

    def shifted(scenario, seed):
        summary, series = simulate(scenario, seed)
        return {**summary, "tokens": summary["tokens"] + offset}, series

    shifted.columns = simulate.columns
    outcome = run_sweep(spec, executor="processes", workers=2, out=tmp_path, progress=False, evaluate=shifted)
    assert (outcome.table["status"] == "ok").all()
    assert (outcome.table["tokens"] - sequential_table["tokens"] == offset).all()
