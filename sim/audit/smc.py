"""ABC-SMC with pyabc (Schaelte et al. 2022, Bioinformatics 38:3, the library the issue asks for),
the model's simulations batched on the engine.

pyabc's samplers call the model once per particle; :class:`BatchSampler` keeps pyabc's algorithm
whole and only changes how particles are simulated: it lets pyabc propose a batch of particles (each
proposal stops at the model, which records its parameters), simulates the batch on one batched
engine, then rewinds NumPy's global generator (which pyabc draws from) and lets pyabc propose the
same particles again, now answered from the batch, so distances, acceptance and weights are pyabc's
own. The global generator is seeded from the audit's seed for the run and restored after it, so an
audit is reproducible and leaves no trace on the caller's NumPy state.
"""

from __future__ import annotations

import contextlib
import logging
import math
from collections.abc import Iterator
from typing import Any

import numpy as np
import pandas as pd

from sim.audit.infer import Posterior, Prior, ReferenceTable, simulate_organisations, simulated_scenarios
from sim.scenario.schema import Scenario

HIDDEN = "hidden:"
"""Prefix of the model output that is not a summary statistic (pyabc's distance uses only the keys
of the observed statistics)."""
DEFAULT_POPULATION = 200
DEFAULT_GENERATIONS = 5
BATCH = 256
"""Particles proposed, then simulated together, at a time."""


class _Deferred(Exception):
    """Raised by the model while a batch is being proposed: the parameters are recorded."""


class BatchModel:
    """pyabc's model: the organisation under the policy, answered from batched simulations."""

    def __init__(self, policy: Scenario, users: int, weeks: int, names: tuple[str, ...],
                 like: dict[str, np.ndarray], seed: int) -> None:
        self.policy, self.users, self.weeks, self.names, self.like = policy, users, weeks, names, like
        self.seeds = np.random.default_rng(np.random.SeedSequence([seed, 31]))
        self.recording = False
        self.pending: list[np.ndarray] = []
        self.answers: list[tuple[np.ndarray, dict[str, float]]] = []
        self.simulations = 0

    def __call__(self, parameters: Any) -> dict[str, float]:
        theta = np.array([float(parameters[name]) for name in self.names])
        if self.recording:
            self.pending.append(theta)
            raise _Deferred
        if self.answers and np.array_equal(self.answers[0][0], theta):
            return self.answers.pop(0)[1]
        self.answers.clear()  # replay went out of step (should not happen): simulate this one alone
        return self.simulate(theta[None, :])[0]

    def simulate(self, thetas: np.ndarray) -> list[dict[str, float]]:
        """Statistics and hidden quantities (prefixed HIDDEN) of each parameter set."""
        seeds = self.seeds.integers(0, 2**53, size=len(thetas))
        scenarios = simulated_scenarios(self.policy, self.users, self.weeks, thetas, self.names, seeds)
        stats, truths = simulate_organisations(self.policy, scenarios, like=self.like)
        self.simulations += len(thetas)
        return [{**s, **{HIDDEN + k: v for k, v in t.items()}, **{HIDDEN + "param:" + n: float(x) for n, x in zip(self.names, theta, strict=True)},
                 HIDDEN + "seed": float(seed)}
                for s, t, theta, seed in zip(stats, truths, thetas, seeds, strict=True)]

    def run_pending(self) -> None:
        thetas = np.array(self.pending)
        self.answers = list(zip(thetas, self.simulate(thetas), strict=True))
        self.pending = []


def batch_sampler(model: BatchModel, batch: int = BATCH):
    """A pyabc sampler that simulates `batch` proposals at a time through `model`."""
    from pyabc.sampler import Sampler

    class BatchSampler(Sampler):
        def sample_until_n_accepted(self, n, simulate_one, t, *, max_eval=np.inf, all_accepted=False, ana_vars=None):
            sample = self._create_empty_sample()
            evaluations = 0
            while sample.n_accepted < n and evaluations < max_eval:
                size = int(min(batch, max_eval - evaluations)) if np.isfinite(max_eval) else batch
                state = np.random.get_state()
                model.recording = True
                for _ in range(size):
                    with contextlib.suppress(_Deferred):
                        simulate_one()
                model.recording = False
                model.run_pending()
                np.random.set_state(state)
                for _ in range(size):
                    sample.append(simulate_one())
                    evaluations += 1
                    if sample.n_accepted >= n:
                        break
                model.answers.clear()
            self.nr_evaluations_ = evaluations
            if sample.n_accepted < n:
                sample.ok = False
            return sample

    return BatchSampler()


@contextlib.contextmanager
def numpy_global_seeded(seed: int) -> Iterator[None]:
    """NumPy's global generator (which pyabc and SciPy's distributions draw from) seeded for the
    block, then put back as it was; pyabc's progress logging kept to warnings."""
    state = np.random.get_state()
    loggers = [logging.getLogger(name) for name in ("ABC", "pyabc")]
    levels = [lg.level for lg in loggers]
    np.random.set_state(np.random.RandomState(np.random.MT19937(np.random.SeedSequence([seed, 37]))).get_state())
    for lg in loggers:
        lg.setLevel(logging.WARNING)
    try:
        yield
    finally:
        np.random.set_state(state)
        for lg, level in zip(loggers, levels, strict=True):
            lg.setLevel(level)


def abc_smc(observed_stats: dict[str, float], policy: Scenario, users: int, weeks: int, prior: Prior,
            like: dict[str, np.ndarray], seed: int, population: int = DEFAULT_POPULATION,
            generations: int = DEFAULT_GENERATIONS) -> tuple[ReferenceTable, Posterior]:
    """pyabc's ABC-SMC (adaptive p-norm distance scaled by the median absolute deviation, quantile
    epsilon) on the statistics the export has; the last generation's weighted particles as a
    reference table and a posterior over it."""
    import time

    import pyabc

    if prior.draws is not None:
        from sim.scenario.io import ScenarioError

        raise ScenarioError("audit --method smc: needs the calibration's prior box; with posterior draws "
                            "(scenarios/calibration/posterior.csv) use --method rejection")
    started = time.perf_counter()
    used = {k: v for k, v in observed_stats.items() if np.isfinite(v)}
    model = BatchModel(policy, users, weeks, prior.names, like, seed)
    parameters = pyabc.Distribution(**{name: pyabc.RV("uniform", lo, hi - lo)
                                       for name, lo, hi in zip(prior.names, prior.low, prior.high, strict=True)})
    with numpy_global_seeded(seed):
        abc = pyabc.ABCSMC(model, parameters, pyabc.AdaptivePNormDistance(p=2, scale_function=pyabc.distance.mad),
                           population_size=population, sampler=batch_sampler(model))
        abc.new("sqlite://", used)
        history = abc.run(max_nr_populations=generations)
        weights, particles = history.get_weighted_sum_stats(t=history.max_t)
    weights = np.asarray(weights, dtype=float)
    frame = pd.DataFrame(particles)
    stats = frame[[c for c in frame.columns if not c.startswith(HIDDEN)]].reindex(columns=list(observed_stats))
    hidden = frame[[c for c in frame.columns if c.startswith(HIDDEN)]].rename(columns=lambda c: c[len(HIDDEN):])
    params = hidden[[f"param:{n}" for n in prior.names]].rename(columns=lambda c: c[len("param:"):])
    seeds = hidden["seed"].to_numpy().astype(np.int64)
    truth = hidden.drop(columns=[*(f"param:{n}" for n in prior.names), "seed"])
    scenarios = simulated_scenarios(policy, users, weeks, params.to_numpy(), prior.names, seeds)
    table = ReferenceTable(params, stats, truth, prior, seeds, scenarios, time.perf_counter() - started,
                           extra={"simulations": model.simulations, "generations": int(history.max_t) + 1,
                                  "epsilon": float(history.get_all_populations()["epsilon"].iloc[-1])})
    values = pd.concat([truth.reset_index(drop=True), params.reset_index(drop=True)], axis=1)
    return table, Posterior(np.arange(len(weights)), weights / weights.sum(), values, tuple(used))


def effective_sample_size(weights: np.ndarray) -> float:
    """Kish's effective sample size of normalised weights."""
    return 1.0 / float(np.sum(np.square(weights))) if len(weights) else math.nan
