"""Samplers: which points a sweep visits, and the seed of every run.

Every design has the same shape: ``sample(spec, rng_seed) -> DataFrame`` with one row per
point and one column per varied key path. Sobol, Morris and Latin hypercube designs come from
SALib; the sampler's own seed and each run's seed derive from the sweep's root seed through
:class:`numpy.random.SeedSequence`, so they depend on nothing but the spec.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable

import numpy as np
import pandas as pd

from sim.sweep.spec import SweepSpec

SAMPLER_STREAM, RUN_STREAM = 0, 1
"""Children of the root SeedSequence: one seeds the sampler, the other every run."""


def salib_problem(spec: SweepSpec) -> dict:
    """SALib's problem dict for a sampled design."""
    names = spec.varied
    return {
        "num_vars": len(names),
        "names": names,
        "bounds": [[spec.parameters[n].low, spec.parameters[n].high] for n in names],
    }


def _grid(spec: SweepSpec, seed: int) -> np.ndarray | list:
    return list(itertools.product(*(spec.parameters[n].values for n in spec.varied)))


def _list(spec: SweepSpec, seed: int) -> list:
    return [tuple(point[n] for n in spec.varied) for point in spec.design.points]


def _latin_hypercube(spec: SweepSpec, seed: int) -> np.ndarray:
    from SALib.sample import latin

    return latin.sample(salib_problem(spec), spec.design.samples, seed=seed)


def _sobol(spec: SweepSpec, seed: int) -> np.ndarray:
    from SALib.sample import sobol

    design = spec.design
    return sobol.sample(
        salib_problem(spec), design.samples, calc_second_order=design.second_order, scramble=True, seed=seed
    )


def _morris(spec: SweepSpec, seed: int) -> np.ndarray:
    from SALib.sample import morris

    design = spec.design
    return morris.sample(salib_problem(spec), design.trajectories, num_levels=design.levels, seed=seed)


SAMPLERS: dict[str, Callable[[SweepSpec, int], np.ndarray | list]] = {
    "grid": _grid,
    "list": _list,
    "latin_hypercube": _latin_hypercube,
    "sobol": _sobol,
    "morris": _morris,
}


def sample(spec: SweepSpec) -> pd.DataFrame:
    """The design: one row per point (index `point`), one column per varied key path."""
    seed = int(np.random.SeedSequence(spec.seed).spawn(2)[SAMPLER_STREAM].generate_state(1)[0])
    rows = SAMPLERS[spec.design.kind](spec, seed)
    table = pd.DataFrame.from_records(list(map(tuple, rows)), columns=spec.varied)
    table.index.name = "point"
    return table


def run_seeds(root_seed: int, n_runs: int) -> list[int]:
    """Seed of run 0..n_runs-1: child i of the root's run stream, whatever runs where."""
    runs = np.random.SeedSequence(root_seed).spawn(2)[RUN_STREAM]
    return [int(child.generate_state(1, dtype=np.uint64)[0] >> 1) for child in runs.spawn(n_runs)]


def point_values(spec: SweepSpec, row: pd.Series) -> dict:
    """The scenario values of one design row (sampled integers rounded, NumPy scalars unwrapped)."""
    values = {}
    for path in spec.varied:
        value = row[path]
        if isinstance(value, np.generic):
            value = value.item()
        if spec.design.kind != "list" and spec.parameters.get(path) and spec.parameters[path].integer:
            value = int(round(value))
        values[path] = value
    return values
