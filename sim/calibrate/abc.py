"""The posterior by ABC-SMC (pyabc, Klinger, Rickert and Hasenauer 2018), its simulations batched.

pyabc proposes parameter sets one at a time (a prior draw, or a perturbed particle of the previous
generation), simulates and accepts those whose distance is within the generation's tolerance. One
run of this model costs milliseconds on a batched engine but tens alone, so :class:`BatchSampler`
(a pyabc sampler) lets pyabc propose a batch (the model only records the proposals), measures the
whole batch at once on the sweep executors, rewinds pyabc's random state and lets pyabc propose the
same batch again, now answered from the measured results. pyabc's own proposal, weighting,
tolerance schedule and database are untouched.

Distance: the largest implausibility over the fitted targets, |simulated - value| over the
accepted half-range on that side (1 = at the edge of the evidence's range). Tolerance: each
generation the weighted median of the last one's distances, never below 1; the run stops at 1
(every fitted target within its range: ABC with a uniform kernel whose width is the evidence's
range), at `max_generations`, or when acceptance falls under `min_acceptance_rate`. The database
(``abc.db``, SQLite) makes it resumable: a rerun continues after the last complete generation.
"""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.calibrate.targets import CalibrationSpec

NAN_STATS_KEY = "__unmeasured__"


def safe_name(name: str) -> str:
    """A parameter name as pyabc stores it (letters, digits, underscores)."""
    return re.sub(r"\W", "_", name)


def distance_of(spec: CalibrationSpec) -> Callable[[dict[str, float], dict[str, float]], float]:
    """The ABC distance: the largest implausibility over the fitted targets (inf when unmeasured)."""
    fitted = [t for t in spec.targets if t.fitted]

    def distance(simulated: dict[str, float], observed: dict[str, float]) -> float:  # noqa: ARG001
        return max(t.implausibility(float(simulated.get(t.name, math.nan))) for t in fitted)

    return distance


@dataclass(frozen=True)
class AbcResult:
    """The last generation (the posterior) and the run's course."""

    posterior: pd.DataFrame  # columns: the parameters by name, weight (sums to 1), distance, and the fitted targets
    generations: pd.DataFrame  # t, epsilon, particles, samples (proposals simulated), acceptance_rate
    database: Path


def _import_pyabc():
    import pyabc

    for name in ("ABC", "ABC.Sampler", "ABC.History", "ABC.Epsilon", "ABC.Distance", "ABC.Acceptor", "ABC.Transition",
                 "ABC.Population", "ABC.Predictor", "ABC.Adaptation", "ABC.Data"):
        logging.getLogger(name).setLevel(logging.WARNING)
    return pyabc


def run_abc(
    spec: CalibrationSpec, simulate: Callable[[list[dict[str, float]], float], list[dict[str, float]]],
    database: Path, *, quick: bool = False, fresh: bool = False,
) -> AbcResult:
    """ABC-SMC of `spec`'s fitted targets. `simulate(rows, tolerance)` measures parameter sets
    ({name: value}) and returns their fitted targets (rows beyond `tolerance` on the measures that
    need no run may come back unmeasured). Resumes from `database` unless `fresh`."""
    pyabc = _import_pyabc()
    settings = spec.quick_abc if quick else spec.abc
    names = list(spec.parameters)
    safe = {safe_name(n): n for n in names}
    prior = BoxPrior({safe_name(n): (p.low, p.high) for n, p in spec.parameters.items()})
    observed = {t.name: t.value for t in spec.targets if t.fitted}
    epsilon = FloorEpsilon(floor=1.0, alpha=spec.abc.quantile if not quick else settings.quantile)
    model = BatchedModel(names, [t.name for t in spec.targets if t.fitted])
    sampler = BatchSampler(model, simulate, settings.batch_size, epsilon, spec.seed)
    abc = pyabc.ABCSMC(model, prior, pyabc.FunctionDistance(distance_of(spec)), population_size=settings.population_size,
                       sampler=sampler, eps=epsilon, transitions=FastNormalTransition())
    database = Path(database)
    if fresh and database.exists():
        database.unlink()
    url = f"sqlite:///{database}"
    state = np.random.get_state()
    try:
        history = _resume(pyabc, abc, url, observed) if database.exists() else None
        if history is None:
            if database.exists():
                database.unlink()
            database.parent.mkdir(parents=True, exist_ok=True)
            history = abc.new(url, observed)
        done = history.max_t + 1
        if done < settings.max_generations and not _finished(history, settings.min_acceptance_rate):
            history = abc.run(minimum_epsilon=1.0, max_nr_populations=settings.max_generations - done,
                              min_acceptance_rate=settings.min_acceptance_rate)
    finally:
        np.random.set_state(state)
    frame, weights = history.get_distribution(m=0, t=history.max_t)
    population = history.get_population(t=history.max_t)
    particles = population.particles
    posterior = frame.rename(columns=safe)[names].reset_index(drop=True)
    posterior["weight"] = np.asarray(weights, dtype=float) / float(np.sum(weights))
    posterior["distance"] = [p.distance for p in particles]
    for target in observed:
        posterior[target] = [float(p.sum_stat.get(target, math.nan)) for p in particles]
    pops = history.get_all_populations()
    pops = pops[pops["t"] >= 0].reset_index(drop=True)
    generations = pd.DataFrame({"t": pops["t"].astype(int), "epsilon": pops["epsilon"].astype(float),
                                "particles": pops["particles"].astype(int), "samples": pops["samples"].astype(int),
                                "wall_time_s": pops["wall_time"].astype(float)})
    generations["acceptance_rate"] = generations["particles"] / generations["samples"]
    return AbcResult(posterior, generations, database)


def _resume(pyabc, abc, url: str, observed: dict[str, float]):
    """The stored run when it is this calibration's (same observed targets) with a generation done."""
    try:
        history = pyabc.History(url)
        if history.n_populations < 1 or history.max_t < 0:
            return None
        stored = history.observed_sum_stat()
        if set(stored) != set(observed) or any(float(stored[k]) != float(v) for k, v in observed.items()):
            return None
        return abc.load(url, history.id)
    except Exception:  # noqa: BLE001 - an unreadable or foreign database is started afresh
        return None


def _finished(history, min_acceptance_rate: float) -> bool:
    if history.max_t < 0:
        return False
    pops = history.get_all_populations()
    last = pops[pops["t"] == history.max_t].iloc[0]
    return float(last["epsilon"]) <= 1.0 or float(last["particles"]) / float(last["samples"]) < min_acceptance_rate


def BoxPrior(bounds: dict[str, tuple[float, float]]):  # noqa: N802 - a class made on first use
    """pyabc's product of uniform priors, its density computed without scipy (the same values: it is
    evaluated for every proposal, and scipy's per-call cost made it most of the sampler's time)."""
    pyabc = _import_pyabc()

    class _Box(pyabc.Distribution):
        def pdf(self, x) -> float:
            density = 1.0
            for key, value in x.items():
                low, high = bounds[key]
                density *= 1.0 / (high - low) if low <= value <= high else 0.0
            return density

    return _Box(**{key: pyabc.RV("uniform", low, high - low) for key, (low, high) in bounds.items()})


def FastNormalTransition():  # noqa: N802
    """pyabc's multivariate normal perturbation kernel (Silverman bandwidth), one proposal drawn with
    NumPy directly: a particle by weight, plus a normal step of the kernel's covariance."""
    pyabc = _import_pyabc()

    class _Fast(pyabc.MultivariateNormalTransition):
        def fit(self, X, w) -> None:
            super().fit(X, w)
            values, vectors = np.linalg.eigh(self.cov)
            self._root = vectors * np.sqrt(np.clip(values, 0.0, None))
            self._columns = list(X.columns)
            self._cumulative = np.cumsum(self.w)
            self._cumulative[-1] = 1.0

        def rvs_single(self):
            index = int(np.searchsorted(self._cumulative, np.random.random_sample(), side="right"))
            step = self._root @ np.random.standard_normal(len(self._columns))
            return pyabc.Parameter(dict(zip(self._columns, self._X_arr[index] + step)))

    return _Fast()


class FloorEpsilon:
    """pyabc's quantile tolerance schedule, never below `floor` (the edge of the evidence's ranges)."""

    def __new__(cls, floor: float, alpha: float):
        pyabc = _import_pyabc()

        class _Floor(pyabc.QuantileEpsilon):
            def __call__(self, t: int) -> float:
                return max(float(super().__call__(t)), floor)

        return _Floor(alpha=alpha)


def BatchedModel(names: Sequence[str], fitted: Sequence[str]):  # noqa: N802 - a class made on first use
    """A pyabc model answered from a batch measured beforehand (see :class:`BatchSampler`)."""
    pyabc = _import_pyabc()

    class _Batched(pyabc.Model):
        def __init__(self) -> None:
            super().__init__(name="tokenmaxx")
            self.recording: list[dict[str, float]] | None = None
            self.answers: dict[tuple[float, ...], dict[str, float]] = {}
            self.single: Callable[[list[dict[str, float]]], list[dict[str, float]]] | None = None

        def sample(self, pars) -> dict[str, float]:
            row = {n: float(pars[safe_name(n)]) for n in names}
            key = tuple(row.values())
            if self.recording is not None:
                self.recording.append(row)
                return {name: math.nan for name in fitted}
            if key in self.answers:
                return self.answers.pop(key)
            return self.single([row])[0]  # a proposal the batch did not foresee: measured alone

    return _Batched()


def BatchSampler(model, simulate, batch_size: int, epsilon, seed: int):  # noqa: N802
    """A pyabc sampler measuring its proposals in batches (module docstring). pyabc draws from NumPy's
    global generator; it is seeded from the root seed at each generation, so a calibration resumed
    after generation t continues as an uninterrupted one would."""
    pyabc = _import_pyabc()

    class _Sampler(pyabc.sampler.Sampler):
        def __init__(self) -> None:
            super().__init__()
            self.rate = 0.2
            model.single = lambda rows: simulate(rows, math.inf)

        def sample_until_n_accepted(self, n, simulate_one, t, *, max_eval=np.inf, all_accepted=False, ana_vars=None):
            np.random.seed(int(np.random.SeedSequence([seed, t + 2]).generate_state(1)[0]))
            tolerance = math.inf if all_accepted else _tolerance(epsilon, t)
            sample = self._create_empty_sample()
            evaluations = 0
            while sample.n_accepted < n and evaluations < max_eval:
                want = n - sample.n_accepted
                size = want if all_accepted else int(min(batch_size, max(want, math.ceil(1.2 * want / self.rate))))
                state = np.random.get_state()
                model.recording = []
                for _ in range(size):
                    simulate_one()
                proposals, model.recording = model.recording, None
                measured = simulate(proposals, tolerance)
                model.answers = {tuple(row.values()): m for row, m in zip(proposals, measured)}
                np.random.set_state(state)
                before, tried = sample.n_accepted, 0
                for _ in range(size):
                    sample.append(simulate_one())
                    evaluations += 1
                    tried += 1
                    if sample.n_accepted >= n:
                        break
                self.rate = max((sample.n_accepted - before) / tried, 1e-3)
                model.answers = {}
            self.nr_evaluations_ = evaluations
            if sample.n_accepted < n:
                sample.ok = False
            return sample

    return _Sampler()


def _tolerance(epsilon, t: int) -> float:
    try:
        return float(epsilon(t))
    except (KeyError, TypeError):
        return math.inf
