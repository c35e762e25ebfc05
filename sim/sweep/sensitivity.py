"""Sensitivity indices (Sobol, Morris) of a sweep's metric, computed by SALib.

Pure functions from tables to tables: the sweep's spec, its design (the sampled values, in
SALib's row order) and its tidy run table in; one row per parameter out.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from sim.sweep.results import read_sweep
from sim.sweep.samplers import salib_problem
from sim.sweep.spec import SweepError, SweepSpec

SENSITIVITY_KINDS = ("sobol", "morris")
ANALYSIS_STREAM = 2
"""SeedSequence child of the root seed for SALib's bootstrap confidence intervals."""


def point_means(table: pd.DataFrame, metric: str, n_points: int) -> np.ndarray:
    """The metric averaged over replicates, one value per design point, in point order."""
    ok = table[table["status"] == "ok"]
    means = ok.groupby("point")[metric].mean().reindex(range(n_points))
    missing = means.index[means.isna()].tolist()
    if missing:
        raise SweepError(
            f"sensitivity of '{metric}' needs a value at every design point; "
            f"{len(missing)} of {n_points} have none (first: point {missing[0]}); finish or fix the sweep first"
        )
    return means.to_numpy(dtype=float)


def indices(spec: SweepSpec, design: pd.DataFrame, y: np.ndarray) -> pd.DataFrame:
    """Sobol (S1, ST with confidence) or Morris (mu*, sigma) indices of outputs `y` per point."""
    kind = spec.design.kind
    if kind not in SENSITIVITY_KINDS:
        raise SweepError(f"sensitivity indices need a sobol or morris design, not {kind}")
    problem = salib_problem(spec)
    seed = int(np.random.SeedSequence(spec.seed).spawn(ANALYSIS_STREAM + 1)[ANALYSIS_STREAM].generate_state(1)[0])
    if kind == "sobol":
        from SALib.analyze import sobol

        result = sobol.analyze(problem, y, calc_second_order=spec.design.second_order, seed=seed)
        columns = ("S1", "S1_conf", "ST", "ST_conf")
    else:
        from SALib.analyze import morris

        x = design[spec.varied].to_numpy(dtype=float)
        result = morris.analyze(problem, x, y, num_levels=spec.design.levels, seed=seed)
        columns = ("mu", "mu_star", "mu_star_conf", "sigma")
    table = pd.DataFrame({c: np.asarray(result[c], dtype=float) for c in columns}, index=problem["names"])
    table.index.name = "parameter"
    return table


def sweep_indices(spec: SweepSpec, design: pd.DataFrame, table: pd.DataFrame, metrics: list[str]) -> pd.DataFrame:
    """Indices of several metrics, stacked: columns metric, parameter and the index values."""
    frames = [
        indices(spec, design, point_means(table, m, len(design))).reset_index().assign(metric=m) for m in metrics
    ]
    stacked = pd.concat(frames, ignore_index=True)
    return stacked[["metric", "parameter", *[c for c in stacked.columns if c not in ("metric", "parameter")]]]


def problem_spec(sweep_dir: str | Path, metrics: str | list[str] = "roi_inflation"):
    """SALib's `ProblemSpec` of a sampled sweep's results folder, with its samples (the design, in
    SALib's row order) and results (each metric averaged over replicates per point) set, so SALib's
    own methods apply: ``problem_spec("results/NAME").analyze_sobol()`` (sobol designs) or
    ``.analyze_morris()`` (morris), ``.heatmap()``, ``.to_df()``.

    Output names are the data dictionary's metric names (several: one results column each).
    """
    from SALib import ProblemSpec

    spec, design, table = read_sweep(sweep_dir)
    if spec.design.kind == "grid" or spec.design.kind == "list":
        raise SweepError(f"{sweep_dir}: a {spec.design.kind} design has no SALib problem; use a sobol, morris or "
                         "latin_hypercube design")
    names = [metrics] if isinstance(metrics, str) else list(metrics)
    unknown = [m for m in names if m not in table]
    if unknown:
        raise SweepError(f"{sweep_dir}: no metric {unknown[0]!r}; metrics: {', '.join(c for c in table if table[c].dtype.kind == 'f')}")
    problem = ProblemSpec({**salib_problem(spec), "outputs": names})
    problem.set_samples(design[spec.varied].to_numpy(dtype=float))
    results = np.column_stack([point_means(table, m, len(design)) for m in names])
    problem.set_results(results[:, 0] if len(names) == 1 else results)
    return problem

