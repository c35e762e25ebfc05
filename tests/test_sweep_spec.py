"""Sweep specifications: designs, seeds, and clear errors for bad specs (exit code 2)."""

from __future__ import annotations

import numpy as np
import pytest

from sim.cli import main
from sim.sweep.samplers import run_seeds, sample
from sim.sweep.spec import SweepError, load_spec
from sim.sweep.tasks import build_tasks
from tests.sweep_helpers import write_spec


def test_grid_has_every_combination_times_replicates(tmp_path):
    loaded = load_spec(write_spec(tmp_path, replicates=3))
    design = sample(loaded.spec)
    tasks = build_tasks(loaded, design)
    assert len(design) == 4
    assert len(tasks) == 12
    assert sorted(t.run_index for t in tasks) == list(range(12))
    combos = {(t.values["kpi.regime"], t.values["kpi.strength"]) for t in tasks}
    assert combos == {("tokens", 0.5), ("tokens", 2.0), ("error_reduction", 0.5), ("error_reduction", 2.0)}
    assert all(t.scenario.kpi.regime == t.values["kpi.regime"] for t in tasks)
    assert all(t.scenario.organization.employees == 30 for t in tasks)


def test_run_seeds_are_distinct_and_depend_only_on_index():
    seeds = run_seeds(5, 100)
    assert len(set(seeds)) == 100
    assert run_seeds(5, 10) == seeds[:10]  # a longer sweep keeps the seeds of the first runs
    assert run_seeds(6, 10) != seeds[:10]


@pytest.mark.parametrize("kind", ["latin_hypercube", "sobol", "morris"])
def test_sampled_designs_stay_in_bounds_and_are_reproducible(tmp_path, kind):
    design = {"latin_hypercube": {"kind": kind, "samples": 16}, "sobol": {"kind": kind, "samples": 8},
              "morris": {"kind": kind, "trajectories": 4}}[kind]
    params = {"kpi.strength": {"low": 0.1, "high": 2.0}, "organization.employees": {"low": 10, "high": 40, "integer": True}}
    loaded = load_spec(write_spec(tmp_path, parameters=params, design=design))
    first, second = sample(loaded.spec), sample(loaded.spec)
    assert first.equals(second)
    assert first["kpi.strength"].between(0.1, 2.0).all()
    expected_rows = {"latin_hypercube": 16, "sobol": 8 * (2 + 2), "morris": 4 * (2 + 1)}[kind]
    assert len(first) == expected_rows
    employees = {t.scenario.organization.employees for t in build_tasks(loaded, first)}
    assert all(isinstance(e, int) and 10 <= e <= 40 for e in employees)


def test_list_design_runs_exactly_the_points(tmp_path):
    points = [{"kpi.regime": "queries", "audit.rate": 0.1}, {"kpi.regime": "tokens", "audit.rate": 0.0}]
    loaded = load_spec(write_spec(tmp_path, parameters={}, design={"kind": "list", "points": points}, replicates=1))
    tasks = build_tasks(loaded, sample(loaded.spec))
    assert [t.values for t in tasks] == points


def test_spec_hash_changes_with_the_spec(tmp_path):
    a = load_spec(write_spec(tmp_path, seed=1)).digest
    b = load_spec(write_spec(tmp_path, seed=2)).digest
    assert a != b
    assert a == load_spec(write_spec(tmp_path, seed=1)).digest


BAD_SPECS = [
    ({"parameters": {"kpi.stength": {"values": [1, 2]}}}, ["parameters.kpi.stength", "Did you mean 'strength'"]),
    ({"parameters": {"kpi.strength": {"values": [0.5, -1]}}}, ["parameters.kpi.strength=-1", "greater than or equal to 0"]),
    ({"replicate": 3}, ["replicate: unknown key", "Did you mean 'replicates'"]),
    ({"base": "missing.yaml"}, ["missing.yaml", "relative to the sweep file"]),
    ({"design": {"kind": "sobol", "samples": 10}}, ["power of two"]),
    ({"design": {"kind": "factorial"}}, ["design"]),
    ({"design": {"kind": "latin_hypercube", "samples": 8}}, ["kpi.regime", "needs low and high"]),
    ({"parameters": {"kpi.strength": {"low": 2, "high": 1}}, "design": {"kind": "sobol", "samples": 8}}, ["low < high"]),
    ({"parameters": {"seed": {"values": [1, 2]}}}, ["'seed' is set by the sweep"]),
    ({"replicates": 0}, ["replicates", "greater than or equal to 1"]),
]


@pytest.mark.parametrize(("change", "phrases"), BAD_SPECS)
def test_bad_spec_is_a_clear_error_with_exit_2(tmp_path, capsys, change, phrases):
    path = write_spec(tmp_path, **change)
    with pytest.raises(SweepError):
        load_spec(path)
    code = main(["sweep", str(path), "--executor", "sequential", "--out", str(tmp_path / "out"), "--no-progress"])
    err = capsys.readouterr().err
    assert code == 2
    assert "Traceback" not in err
    assert str(path) in err or "missing.yaml" in err
    for phrase in phrases:
        assert phrase in err
    assert not (tmp_path / "out" / "runs").exists()  # nothing ran


def test_missing_sweep_file_and_bad_executor_options(tmp_path, capsys):
    assert main(["sweep", str(tmp_path / "nope.yaml")]) == 2
    assert "no such sweep file" in capsys.readouterr().err
    path = write_spec(tmp_path)
    assert main(["sweep", str(path), "--workers", "0", "--out", str(tmp_path / "o")]) == 2
    assert "at least 1 worker" in capsys.readouterr().err
    assert main(["sweep", str(path), "--scheduler", "tcp://x:1", "--out", str(tmp_path / "o")]) == 2
    assert "only applies to --executor dask" in capsys.readouterr().err


def test_report_on_a_folder_without_a_sweep_is_a_clear_error(tmp_path, capsys):
    assert main(["report", str(tmp_path)]) == 2
    assert "not a sweep results folder" in capsys.readouterr().err


def test_seeds_reach_the_runs(tmp_path):
    loaded = load_spec(write_spec(tmp_path))
    tasks = build_tasks(loaded, sample(loaded.spec))
    assert [t.seed for t in tasks] == run_seeds(loaded.spec.seed, len(tasks))
    assert np.all(np.array([t.seed for t in tasks]) >= 0)
