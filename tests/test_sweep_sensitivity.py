"""Sensitivity indices through the sweep's own path match the Ishigami function's known answer."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from sim.sweep import run_sweep
from sim.sweep.report import write_report
from sim.sweep.samplers import sample
from sim.sweep.sensitivity import indices, sweep_indices
from sim.sweep.spec import load_spec
from tests.sweep_helpers import write_spec

# Ishigami (A = 7, B = 0.1): analytic first-order and total indices (Ishigami and Homma 1990;
# SALib's own tests).
S1_ISHIGAMI = [0.3139, 0.4424, 0.0]
ST_ISHIGAMI = [0.5576, 0.4424, 0.2437]
# Three scenario values that accept any real number stand in for x1, x2, x3 in [-pi, pi].
X_PATHS = ("behavior.speedup", "management.budget.hurdle_roi", "detection.threshold_sd")


def ishigami(x: np.ndarray, a: float = 7.0, b: float = 0.1) -> np.ndarray:
    return np.sin(x[..., 0]) + a * np.sin(x[..., 1]) ** 2 + b * x[..., 2] ** 4 * np.sin(x[..., 0])


def ishigami_of_scenario(scenario, seed):
    """An evaluation that reads x from the scenario the sweep built (the model is not run)."""
    x = np.array([scenario.behavior.speedup, scenario.management.budget.hurdle_roi, scenario.detection.threshold_sd])
    return {"y": float(ishigami(x))}, None


def ishigami_spec(folder, design):
    params = {path: {"low": -math.pi, "high": math.pi} for path in X_PATHS}
    return load_spec(write_spec(folder, parameters=params, design=design, replicates=1))


def test_sobol_indices_of_ishigami_match_the_analytic_values(tmp_path):
    loaded = ishigami_spec(tmp_path, {"kind": "sobol", "samples": 4096})
    design = sample(loaded.spec)
    found = indices(loaded.spec, design, ishigami(design.to_numpy()))
    assert found.index.tolist() == list(X_PATHS)
    np.testing.assert_allclose(found["S1"], S1_ISHIGAMI, atol=0.02)
    np.testing.assert_allclose(found["ST"], ST_ISHIGAMI, atol=0.02)
    assert (found["S1_conf"] > 0).all()


def test_sobol_sweep_end_to_end_recovers_ishigami(tmp_path):
    """spec -> samplers -> tasks -> storage -> tidy table -> indices: nothing lost on the way.

    The sweep's indices equal those computed straight from the design, and the analytic values
    lie within three of SALib's 95% bootstrap half-widths (N = 256 is noisy; the test above
    checks accuracy at N = 4096).
    """
    loaded = ishigami_spec(tmp_path, {"kind": "sobol", "samples": 256})
    outcome = run_sweep(loaded, executor="sequential", out=tmp_path / "out", progress=False,
                        evaluate=ishigami_of_scenario)
    assert outcome.ran_now == 256 * 5
    design = pd.read_csv(tmp_path / "out" / "design.csv", index_col="point")
    found = sweep_indices(loaded.spec, design, outcome.table, ["y"]).set_index("parameter").loc[list(X_PATHS)]
    direct = indices(loaded.spec, sample(loaded.spec), ishigami(sample(loaded.spec).to_numpy()))
    np.testing.assert_allclose(found["S1"], direct["S1"], rtol=1e-9)
    np.testing.assert_allclose(found["ST"], direct["ST"], rtol=1e-9)
    assert (np.abs(found["S1"] - S1_ISHIGAMI) <= 3 * found["S1_conf"]).all()
    assert (np.abs(found["ST"] - ST_ISHIGAMI) <= 3 * found["ST_conf"]).all()


def test_morris_ranks_ishigami_parameters(tmp_path):
    """Morris mu* of Ishigami: x1 and x2 matter far more than x3 alone; x3 interacts (sigma)."""
    loaded = ishigami_spec(tmp_path, {"kind": "morris", "trajectories": 100, "levels": 4})
    design = sample(loaded.spec)
    found = indices(loaded.spec, design, ishigami(design.to_numpy()))
    mu_star = found["mu_star"]
    assert mu_star[X_PATHS[2]] < mu_star[X_PATHS[0]] and mu_star[X_PATHS[2]] < mu_star[X_PATHS[1]]
    assert found.loc[X_PATHS[2], "sigma"] > 0


def test_report_charts_sensitivity_of_a_model_sweep(tmp_path):
    params = {"kpi.strength": {"low": 0.0, "high": 2.0}, "audit.rate": {"low": 0.0, "high": 0.3}}
    spec = write_spec(tmp_path, parameters=params, design={"kind": "morris", "trajectories": 4}, replicates=1)
    run_sweep(spec, executor="sequential", out=tmp_path / "out", progress=False)
    written = {p.name for p in write_report(tmp_path / "out")}
    assert {"index.html", "sensitivity.csv", "sensitivity_roi_inflation.png", "sensitivity_wasted_spend_share.svg",
            "scatter_roi_inflation.png"} <= written
    assert not any(name.startswith("heatmap_") for name in written)  # a sampled design has no grid
    table = pd.read_csv(tmp_path / "out" / "report" / "sensitivity.csv")
    assert set(table["parameter"]) == set(params)
    assert (table["mu_star"] >= 0).all()
