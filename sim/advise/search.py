"""The search: optuna's NSGA-II sampler over the levers, one generation at a time (ask and tell), every
candidate of a generation run in every world at once on the executor (common random numbers).

The study lives in a journal file in the results folder (optuna's JournalStorage: an append-only log
of every trial, replayed on loading; an SQLite database through its RDB storage is the same study, at
one disk sync per write: ten times slower here), each trial with its per-world values, so a search that is stopped resumes where it was; a policy already evaluated is not
run again (in the same worlds it gives the same numbers).
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.advise.levers import OBJECTIVES, LoadedLevers, candidate_scenario, canonical
from sim.advise.objectives import SUMMARY_KEYS, measurement_cost_usd, objectives, world_values
from sim.ensemble import World, in_world
from sim.runner import run_batches
from sim.scenario.schema import Scenario

STUDY_FILE = "search.journal"
"""The optuna study (its journal; a lock file beside it while it is written)."""
STUDY_NAME = "advise"
MAX_POPULATION = 16
"""Most candidates per NSGA-II generation (optuna's default is 50; a smaller one gives more generations
for a budget of a hundred or so candidates)."""
MIN_POPULATION = 4
GENERATIONS = 4
"""The population is a quarter of the candidates the budget allows (within MIN_POPULATION to
MAX_POPULATION), so that even a small budget gets a few generations of selection, not one random draw."""


def population_size(candidates: int) -> int:
    """Candidates per generation for a search of `candidates` policies."""
    return max(MIN_POPULATION, min(MAX_POPULATION, candidates // GENERATIONS))
MAX_TRIALS_PER_CANDIDATE = 4
"""In a small lever space the sampler proposes policies already evaluated (free: same worlds, same
numbers); the search stops after this many proposals per candidate the budget allows."""
DIGEST_ATTR = "digest"


class SearchMismatch(ValueError):
    """The results folder holds a search of another scenario, lever space or set of worlds."""


@dataclass(frozen=True)
class Candidate:
    """One evaluated policy: its lever values, its per-world values and its objectives."""

    number: int
    values: dict[str, Any]
    worlds: dict[str, np.ndarray]  # metric -> values over the search's worlds
    objectives: dict[str, float]


def _run_chunk(scenarios: list[Scenario]) -> list[dict[str, float]]:
    """Run scenarios (one engine per size) and keep the summary values the objectives need."""
    return [{key: summary[key] for key in SUMMARY_KEYS} for summary, _ in run_batches(scenarios)]


def run_scenarios(scenarios: list[Scenario], executor: Any, on_done: Callable[[int], None] | None = None
                  ) -> list[dict[str, float]]:
    """Every scenario's summary values, in order, run in chunks on the executor (one chunk per worker
    slot: each chunk is stepped on one engine)."""
    if not scenarios:
        return []
    slots = max(1, getattr(executor, "workers", 1)) * 2
    size = max(1, math.ceil(len(scenarios) / slots))
    chunks = [(start, scenarios[start:start + size]) for start in range(0, len(scenarios), size)]
    out: list[Any] = [None] * len(scenarios)
    for start, results in executor.map_unordered(_indexed_chunk, chunks):
        out[start:start + len(results)] = results
        if on_done:
            on_done(len(results))
    return out


def _indexed_chunk(item: tuple[int, list[Scenario]]) -> tuple[int, list[dict[str, float]]]:
    start, scenarios = item
    return start, _run_chunk(scenarios)


def evaluate(base: Scenario, policies: list[dict[str, Any]], worlds: list[World], executor: Any,
             on_done: Callable[[int], None] | None = None) -> list[dict[str, np.ndarray]]:
    """Each policy's per-world values (see :func:`sim.advise.objectives.world_values`)."""
    scenarios = [candidate_scenario(base, values) for values in policies]
    runs = [in_world(s, w) for s in scenarios for w in worlds]
    summaries = run_scenarios(runs, executor, on_done)
    n = len(worlds)
    return [world_values(summaries[i * n:(i + 1) * n], measurement_cost_usd(s, v))
            for i, (s, v) in enumerate(zip(scenarios, policies, strict=True))]


def distributions(levers: LoadedLevers) -> dict[str, Any]:
    """optuna distributions of the levers."""
    import optuna

    out: dict[str, Any] = {}
    for path, lever in levers.spec.levers.items():
        if lever.choices is not None:
            out[path] = optuna.distributions.CategoricalDistribution(lever.choices)
        elif lever.integer:
            out[path] = optuna.distributions.IntDistribution(int(round(lever.low)), int(round(lever.high)),
                                                             step=int(lever.step or 1))
        else:
            out[path] = optuna.distributions.FloatDistribution(lever.low, lever.high, step=lever.step)
    return out


def candidate_count(levers: LoadedLevers, budget_runs: int, n_worlds: int) -> int:
    """Distinct policies the budget pays for (at most as many as the lever space holds)."""
    target = max(1, budget_runs // n_worlds)
    size = space_size(levers)
    return target if size is None else min(target, size)


def space_size(levers: LoadedLevers) -> int | None:
    """How many distinct policies the lever space holds (None: a continuous range)."""
    size = 1
    for lever in levers.spec.levers.values():
        if lever.choices is not None:
            size *= len(lever.choices)
        elif lever.integer or lever.step is not None:
            step = lever.step or 1
            size *= int(math.floor((lever.high - lever.low) / step + 1e-9)) + 1
        else:
            return None
    return size


def allowed(levers: LoadedLevers, path: str, value: Any) -> bool:
    """Whether `value` is one the lever can take (a choice; in the range, on its step)."""
    lever = levers.spec.levers[path]
    if lever.choices is not None:
        return any(key_of(value) == key_of(c) for c in lever.choices)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not lever.low <= value <= lever.high:
        return False
    step = lever.step or (1 if lever.integer else None)
    return step is None or abs((value - lever.low) / step - round((value - lever.low) / step)) < 1e-9


def key_of(values: dict[str, Any]) -> str:
    return json.dumps(values, sort_keys=True, default=str)


def open_study(path: Path, levers: LoadedLevers, digest: str, seed: int, fresh: bool, population: int) -> Any:
    """The study in `path` (created, or loaded to resume); SearchMismatch if it belongs to another search."""
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    if fresh:
        path.unlink(missing_ok=True)
    directions = ["maximize" if OBJECTIVES[name][2] > 0 else "minimize" for name in levers.spec.objectives]
    sampler = optuna.samplers.NSGAIISampler(population_size=population, seed=seed)
    from optuna.storages.journal import JournalFileBackend, JournalFileOpenLock

    lock = JournalFileOpenLock(str(path.resolve()) + ".lock")
    storage = optuna.storages.JournalStorage(JournalFileBackend(str(path.resolve()), lock_obj=lock))
    study = optuna.create_study(study_name=STUDY_NAME, storage=storage, directions=directions, sampler=sampler,
                                load_if_exists=True)
    recorded = study.user_attrs.get(DIGEST_ATTR)
    if recorded is None:
        study.set_user_attr(DIGEST_ATTR, digest)
    elif recorded != digest:
        raise SearchMismatch(f"{path.parent}: holds a search of another scenario, levers file, worlds or seed; "
                             "use --fresh to discard it, or choose another --out")
    for trial in study.get_trials(deepcopy=False, states=(optuna.trial.TrialState.RUNNING,)):
        study.tell(trial.number, state=optuna.trial.TrialState.FAIL)  # interrupted mid-generation: asked again
    return study


def candidates_of(study: Any, base: Scenario, levers: LoadedLevers) -> list[Candidate]:
    """Every evaluated policy in the study, in the order evaluated (values made canonical)."""
    import optuna

    out = []
    for trial in study.get_trials(deepcopy=False, states=(optuna.trial.TrialState.COMPLETE,)):
        worlds = {k: np.asarray(v, dtype=float) for k, v in trial.user_attrs["worlds"].items()}
        out.append(Candidate(trial.number, canonical(dict(trial.params), base, levers), worlds,
                             dict(trial.user_attrs["objectives"])))
    return out


def search(base: Scenario, levers: LoadedLevers, worlds: list[World], budget_runs: int, study: Any,
           executor: Any, seeds_policies: list[dict[str, Any]], progress: bool = True) -> list[Candidate]:
    """Ask NSGA-II for a generation at a time, evaluate it in every world in one batch, tell the
    objectives; until the budget of runs (candidates x worlds) is spent or the lever space is
    exhausted. `seeds_policies` (the current policy, no KPI) are evaluated first when the levers allow them."""
    from tqdm.auto import tqdm

    names = levers.spec.objectives
    dists = distributions(levers)
    n_worlds = len(worlds)
    target = candidate_count(levers, budget_runs, n_worlds)
    population = population_size(target)
    done = {key_of(c.values): c for c in candidates_of(study, base, levers)}
    if not done:
        for values in seeds_policies:
            if set(values) == set(dists) and all(allowed(levers, k, v) for k, v in values.items()):
                study.enqueue_trial(values, skip_if_exists=True)
    bar = tqdm(total=target * n_worlds, initial=min(len(done), target) * n_worlds, unit="run", disable=not progress,
               desc="advise", leave=False)
    asked = len(study.trials)
    max_trials = MAX_TRIALS_PER_CANDIDATE * target + len(seeds_policies)
    try:
        while len(done) < target and asked < max_trials:
            batch = min(population, target - len(done))
            trials = [study.ask(dists) for _ in range(batch)]
            asked += batch
            fresh: dict[str, dict[str, Any]] = {}
            for trial in trials:
                values = canonical(dict(trial.params), base, levers)
                key = key_of(values)
                if key not in done:
                    fresh.setdefault(key, values)
            results = evaluate(base, list(fresh.values()), worlds, executor, bar.update)
            for key, values in zip(fresh, results, strict=True):
                done[key] = Candidate(-1, fresh[key], values, objectives(values))
            for trial in trials:
                found = done[key_of(canonical(dict(trial.params), base, levers))]
                trial.set_user_attr("worlds", {k: v.tolist() for k, v in found.worlds.items()})
                trial.set_user_attr("objectives", found.objectives)
                study.tell(trial, [found.objectives[name] for name in names])
    finally:
        bar.close()
    return candidates_of(study, base, levers)


def candidates_table(candidates: list[Candidate], lever_names: list[str]) -> pd.DataFrame:
    """One row per distinct evaluated policy: lever values and objectives (duplicates dropped)."""
    rows, seen = [], set()
    for c in candidates:
        key = key_of(c.values)
        if key in seen:
            continue
        seen.add(key)
        rows.append({"trial": c.number, **{name: c.values.get(name) for name in lever_names}, **c.objectives})
    return pd.DataFrame(rows)
