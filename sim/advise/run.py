"""`tokenmaxx advise`: search the levers over plausible worlds, pick a policy by a stated rule, and
check it against the current policy and against no KPI in fresh worlds.

The search's worlds pick the policy; the check runs in other worlds (another seed), so the advantage
it reports is not flattered by having chosen the best of many candidates on the same worlds.
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.advise.defaults import DEFAULT_BUDGET_RUNS, DEFAULT_CHECK_WORLDS, DEFAULT_WORLDS
from sim.advise.levers import (
    OBJECTIVES, SWITCH_REGIME, SWITCH_WEEK, TARGET_FACTOR, LoadedLevers, candidate_scenario,
    canonical, load_levers, policy_changes,
)
from sim.advise.objectives import admissible, regrets
from sim.advise.search import Candidate, candidates_table, evaluate, open_study, search
from sim.ensemble import World, describe, make_worlds, no_kpi
from sim.scenario.io import ScenarioError, apply_changes, load_scenario
from sim.scenario.schema import DEFAULT_TARGETS, Scenario

MAX_BUDGET_RUNS = 1_000_000
CURRENT = "current policy"
NO_KPI = "no KPI"

CHECK_METRICS: tuple[tuple[str, str, str, int], ...] = (
    ("net_value_usd", "net value (true value - AI spend - measurement)", "usd", 1),
    ("true_value_usd", "true value", "usd", 1),
    ("ai_spend_usd", "AI spend", "usd", -1),
    ("measurement_cost_usd", "measurement cost", "usd", -1),
    ("overstatement_usd", "dashboard overstatement", "usd", -1),
    ("gaming_hours", "hours spent gaming", "hours", -1),
    ("flags_on_honest", "flags on honest employees", "count", -1),
    ("co2_kg", "CO2", "kg CO2", -1),
)
"""(per-world value, label, unit, +1 more is better / -1 less is better) of the paired check."""


@dataclass(frozen=True)
class Advice:
    """What `advise` found."""

    base: Scenario
    levers: LoadedLevers
    table: pd.DataFrame  # one row per evaluated policy: levers, objectives, regret, pareto, admissible
    recommended: dict[str, Any]  # lever values
    recommended_scenario: Scenario
    current: dict[str, Any]
    check: pd.DataFrame  # one row per check world: each policy's values
    paired: pd.DataFrame  # rows (against, metric): median, q05, q95, p_better
    importance: pd.DataFrame  # lever, objective, score
    search_worlds: int
    check_worlds: int
    runs: int
    wall_time_s: float
    posterior_source: str


def current_values(base: Scenario, levers: LoadedLevers) -> dict[str, Any]:
    """The base scenario's own value of every lever (the current policy)."""
    out: dict[str, Any] = {}
    for path, lever in levers.spec.levers.items():
        if path == TARGET_FACTOR:
            out[path] = base.kpi.resolved_target / DEFAULT_TARGETS[base.kpi.regime]
        elif path == SWITCH_WEEK:
            out[path] = 0
        elif path == SWITCH_REGIME:
            out[path] = lever.choices[0] if lever.choices else "error_reduction"
        else:
            node: Any = base
            for part in path.split("."):
                node = getattr(node, part)
            out[path] = node
    return out


def root_seeds(seed: int) -> tuple[int, int, int]:
    """Seeds of the search's worlds, the check's worlds and the sampler, spawned from the scenario's seed."""
    children = np.random.SeedSequence(seed).spawn(3)
    return tuple(int(c.generate_state(1)[0]) for c in children)  # type: ignore[return-value]


def pareto_mask(table: pd.DataFrame, names: list[str]) -> np.ndarray:
    """Rows no other row beats on every objective (ties kept)."""
    signed = np.column_stack([table[n].to_numpy(dtype=float) * OBJECTIVES[n][2] for n in names])  # larger is better
    better_eq = (signed[:, None, :] >= signed[None, :, :]).all(axis=2)
    strictly = (signed[:, None, :] > signed[None, :, :]).any(axis=2)
    dominated = (better_eq & strictly).any(axis=0)
    return ~dominated


def choose(table: pd.DataFrame, levers: LoadedLevers, scale: dict[str, float]) -> int:
    """Index (row of `table`) of the recommendation by the levers file's rule; the current policy if
    no candidate meets the limits."""
    rule = levers.spec.recommend
    ok = admissible(table, rule, scale)
    if not ok.any():
        raise ScenarioError("no evaluated policy meets the recommendation's limits (recommend: in the levers file); "
                            "relax them or widen the levers")
    key = {"robust": table["p10_net_value"], "expected": table["mean_net_value"], "regret": -table["regret"],
           "cheapest": -table["measurement_cost"]}[rule.rule].to_numpy(dtype=float)
    order = np.lexsort((-table["trial"].to_numpy(), table["mean_net_value"].to_numpy(), np.where(ok, key, -np.inf)))
    return int(order[-1])


def run_check(base: Scenario, policies: dict[str, dict[str, Any] | Scenario], worlds: list[World], executor: Any,
              progress: bool = False) -> dict[str, dict[str, np.ndarray]]:
    """Each named policy's per-world values in the check's worlds (a Scenario is run as it is)."""
    from sim.advise.objectives import measurement_cost_usd, world_values
    from sim.advise.search import run_scenarios
    from sim.ensemble import in_world

    scenarios = {label: (p if isinstance(p, Scenario) else candidate_scenario(base, p)) for label, p in policies.items()}
    from tqdm.auto import tqdm

    runs = [in_world(s, w) for s in scenarios.values() for w in worlds]
    with tqdm(total=len(runs), unit="run", desc="check", disable=not progress, leave=False) as bar:
        summaries = run_scenarios(runs, executor, bar.update)
    n = len(worlds)
    return {label: world_values(summaries[i * n:(i + 1) * n],
                                measurement_cost_usd(s, policies[label] if isinstance(policies[label], dict) else None))
            for i, (label, s) in enumerate(scenarios.items())}


def paired_table(values: dict[str, dict[str, np.ndarray]]) -> pd.DataFrame:
    """The recommendation minus each other policy, world by world."""
    rows = []
    for against in [label for label in values if label != "recommended"]:
        for key, label, unit, better in CHECK_METRICS:
            diff = values["recommended"][key] - values[against][key]
            finite = diff[np.isfinite(diff)]
            rows.append({"against": against, "metric": key, "label": label, "unit": unit, **describe(diff),
                         "p_better": float((better * finite > 0).mean()) if finite.size else float("nan"),
                         "p_same": float((finite == 0).mean()) if finite.size else float("nan")})
    return pd.DataFrame(rows)


def advise(scenario: str | Path | Scenario, levers_source: str | Path | dict[str, Any] | None = None, *,
           budget_runs: int = DEFAULT_BUDGET_RUNS, worlds: int = DEFAULT_WORLDS,
           check_worlds: int = DEFAULT_CHECK_WORLDS, executor: str = "processes", workers: int | None = None,
           scheduler: str | None = None, out: Path, fresh: bool = False, progress: bool = True,
           posterior_path: Path | None = None) -> Advice:
    """Search the lever space for `scenario`, recommend a policy and check it (see the module docstring).
    The study (search.journal) is kept in `out` while it runs, so a stopped search resumes."""
    from sim.advise.importance import lever_importance
    from sim.calibrate.posterior import PosteriorError, load_posterior
    from sim.sweep.executors import make_executor

    started = time.perf_counter()
    base = load_scenario(scenario)
    levers = load_levers(levers_source, base)
    if not 1 <= worlds <= 10_000:
        raise ScenarioError(f"--worlds {worlds}: expected a whole number from 1 to 10000")
    if not 1 <= check_worlds <= 100_000:
        raise ScenarioError(f"--check-worlds {check_worlds}: expected a whole number from 1 to 100000")
    if not worlds <= budget_runs <= MAX_BUDGET_RUNS:
        raise ScenarioError(f"--budget {budget_runs}: expected runs from {worlds} (one policy in every world) "
                            f"to {MAX_BUDGET_RUNS:,}")
    try:
        posterior = load_posterior(posterior_path)
    except PosteriorError as exc:
        raise ScenarioError(str(exc)) from None
    search_seed, check_seed, sampler_seed = root_seeds(base.seed)
    search_worlds = make_worlds(worlds, search_seed, posterior)
    fresh_worlds = make_worlds(check_worlds, check_seed, posterior)
    digest = hashlib.sha256(json.dumps({"base": base.model_dump(mode="json"), "levers": levers.digest,
                                        "worlds": worlds, "posterior": posterior.source.name},
                                       sort_keys=True, default=str).encode()).hexdigest()[:16]
    current = canonical(current_values(base, levers), base, levers)
    start_with = [current]
    if "kpi.strength" in levers.spec.levers:
        start_with.append({**current, "kpi.strength": 0.0})
    from sim.advise.output import prepare_folder
    from sim.advise.search import STUDY_FILE, candidate_count, population_size

    prepare_folder(out)
    population = population_size(candidate_count(levers, budget_runs, worlds))
    study = open_study(out / STUDY_FILE, levers, digest, sampler_seed, fresh, population)
    with make_executor(executor, workers, scheduler) as pool:
        candidates = search(base, levers, search_worlds, budget_runs, study, pool, start_with, progress)
        table = candidates_table(candidates, levers.names)
        table = annotate(table, candidates, levers)
        current_row = _row_of(table, current, levers)
        table["is_current"] = np.arange(len(table)) == (-1 if current_row is None else current_row)
        current_eval = (None if current_row is not None else
                        evaluate(base, [current], search_worlds, pool)[0])
        reported = (float(np.mean(current_eval["reported_value_usd"])) if current_eval is not None else
                    float(np.mean(_worlds_of(candidates, current)["reported_value_usd"])))
        scale = {"reported_usd": reported, "employees": base.organization.employees, "weeks": base.weeks}
        table["admissible"] = admissible(table, levers.spec.recommend, scale)
        best = choose(table, levers, scale)
        recommended = {name: _plain(table.iloc[best][name]) for name in levers.names}
        check = run_check(base, {"recommended": recommended, CURRENT: base, NO_KPI: no_kpi(base)}, fresh_worlds, pool,
                          progress)
    table["recommended"] = np.arange(len(table)) == best
    importance = lever_importance(table, levers)
    check_frame = pd.DataFrame({f"{label}:{key}": v for label, values in check.items() for key, v in values.items()})
    check_frame.insert(0, "world", [w.index for w in fresh_worlds])
    runs = len(candidates_table(candidates, levers.names)) * worlds + 3 * check_worlds
    return Advice(base, levers, table, recommended, recommended_scenario(base, recommended, levers), current,
                  check_frame, paired_table(check), importance, worlds, check_worlds, runs,
                  time.perf_counter() - started, posterior.source.name)


def annotate(table: pd.DataFrame, candidates: list[Candidate], levers: LoadedLevers) -> pd.DataFrame:
    """Add the regret quantile and the Pareto front to the candidates table."""
    by_trial = {c.number: c for c in candidates}
    net = np.stack([by_trial[t].worlds["net_value_usd"] for t in table["trial"]])
    table = table.copy()
    table["regret"] = regrets(net)
    table["pareto"] = pareto_mask(table, list(levers.spec.objectives))
    return table


def _row_of(table: pd.DataFrame, values: dict[str, Any], levers: LoadedLevers) -> int | None:
    from sim.advise.search import key_of

    target = key_of({k: _plain(v) for k, v in values.items()})
    for i, row in enumerate(table[levers.names].to_dict("records")):
        if key_of({k: _plain(v) for k, v in row.items()}) == target:
            return i
    return None


def _worlds_of(candidates: list[Candidate], values: dict[str, Any]) -> dict[str, np.ndarray]:
    from sim.advise.search import key_of

    target = key_of({k: _plain(v) for k, v in values.items()})
    return next(c.worlds for c in candidates if key_of({k: _plain(v) for k, v in c.values.items()}) == target)


def _plain(value: Any) -> Any:
    """A pandas/numpy scalar as a plain Python value (None for a missing one)."""
    if value is None or (isinstance(value, float) and value != value):
        return None
    if isinstance(value, np.generic):
        return value.item()
    return value


def recommended_scenario(base: Scenario, values: dict[str, Any], levers: LoadedLevers) -> Scenario:
    """The base scenario with the recommended levers: what `tokenmaxx run` is given."""
    changed = apply_changes(base, {**policy_changes(values, base), "name": f"{base.name}_advised",
                                   "description": advised_description(base, values)}, origin="the recommendation")
    return changed


def advised_description(base: Scenario, values: dict[str, Any]) -> str:
    settings = ", ".join(f"{k} = {_shown(v)}" for k, v in values.items())
    return f"{base.name} with the policy tokenmaxx advise recommended: {settings}."


def _shown(value: Any) -> str:
    if value is None:
        return "none"
    if isinstance(value, float):
        return f"{value:.3g}"
    return str(value)


__all__ = ["advise", "Advice"]
