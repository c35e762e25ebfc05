"""Parameter sweeps: reproducible, resumable, on one core, local processes or a Dask cluster.

Pieces with one job each: :mod:`~sim.sweep.spec` (what to vary), :mod:`~sim.sweep.samplers`
(which points, which seeds), :mod:`~sim.sweep.executors` (where runs run),
:mod:`~sim.sweep.storage` (where results go), :mod:`~sim.sweep.sensitivity` (Sobol/Morris
indices) and :mod:`~sim.sweep.charts` (figures from tables).
"""

from sim.sweep.api import SweepOutcome, run_sweep
from sim.sweep.sensitivity import problem_spec
from sim.sweep.spec import SweepError, load_spec
from sim.sweep.tasks import simulate

__all__ = ["SweepError", "SweepOutcome", "load_spec", "problem_spec", "run_sweep", "simulate"]
