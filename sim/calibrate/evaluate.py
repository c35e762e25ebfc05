"""Measure many parameter sets at once: every target's simulated value (and the robustness outputs),
the runs of all sets stepped together on batched engines (:func:`sim.runner.run_batches`).

A parameter set is a ``{name: value}`` row of the calibration's free parameters; each row carries
its own seed (:func:`row_seed`, from the root seed and its values), so the simulator's noise is part
of the fit and the same row always gives the same outputs. Runs in sweep workers (processes or
Dask), so everything it needs travels as plain arguments.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from sim.calibrate.measures import MEASURES, from_summary
from sim.calibrate.targets import CalibrationSpec, Target
from sim.scenario.io import apply_changes, load_scenario
from sim.scenario.schema import Scenario

RunKey = tuple[str, str, tuple[str, ...]]


def get_path(scenario: Scenario, path: str) -> Any:
    """The value at a key path (behavior.integrity_cost.mean)."""
    node: Any = scenario
    for part in path.split("."):
        node = getattr(node, part)
    return node


@lru_cache(maxsize=64)
def _base(path: str) -> Scenario:
    return load_scenario(Path(path))


@lru_cache(maxsize=8)
def _spec(spec_json: str) -> CalibrationSpec:
    return CalibrationSpec.model_validate_json(spec_json)


def row_seed(root_seed: int, values: Sequence[float]) -> int:
    """The seed of a parameter set's runs: from the root seed and the set's values (bit for bit)."""
    entropy = np.frombuffer(np.asarray(values, dtype=np.float64).tobytes(), dtype=np.uint32).tolist()
    return int(np.random.SeedSequence([root_seed, *entropy]).generate_state(1, np.uint64)[0] >> np.uint64(1))


def run_key(spec: CalibrationSpec, target: Target) -> RunKey | None:
    """Targets measured on the same scenario, with the same overrides and the same parameters set,
    share one set of runs."""
    if target.scenario is None:
        return None
    applied = tuple(n for n, p in spec.parameters.items() if p.applies_to is None or target.name in p.applies_to)
    return target.scenario, json.dumps(target.overrides, sort_keys=True, default=str), applied


def run_labels(spec: CalibrationSpec) -> dict[RunKey, str]:
    """The name of the first target measured on each distinct run (labels of robustness outputs)."""
    seen: dict[RunKey, str] = {}
    for target in spec.targets:
        key = run_key(spec, target)
        if key is not None and key not in seen:
            seen[key] = target.name
    return seen


def output_columns(spec: CalibrationSpec, outputs: bool = True) -> list[str]:
    """Every column :func:`measure` returns: one per target, one per (run, robustness output)."""
    extra = [f"{label}__{o}" for label in run_labels(spec).values() for o in spec.outputs] if outputs else []
    return [t.name for t in spec.targets] + extra


def measure(
    spec_json: str, root: str, rows: Sequence[dict[str, float]], *, quick: bool = False, checks: bool = False,
    outputs: bool = False, tolerance: float = math.inf,
) -> list[dict[str, float]]:
    """Each row's simulated targets: the fitted ones (fit and constraint), with `checks` the checks
    too, with `outputs` the robustness outputs of every run. Measures of the parameters come first;
    a row whose largest implausibility on them exceeds `tolerance` is not run (its run targets are
    NaN: ABC rejects it whatever they would be)."""
    from sim.runner import run_batches, with_seed

    spec = _spec(spec_json)
    measurement = spec.quick_measurement if quick else spec.measurement
    size: dict[str, Any] = {"weeks": measurement.weeks}
    if measurement.employees is not None:
        size["organization.employees"] = measurement.employees
    wanted = [t for t in spec.targets if t.fitted or checks]
    labels = run_labels(spec)
    results: list[dict[str, float]] = []
    scenarios: list[Scenario] = []
    slots: list[tuple[int, RunKey]] = []
    names = list(spec.parameters)
    for i, row in enumerate(rows):
        out = {t.name: math.nan for t in spec.targets}
        if outputs:
            out.update({f"{label}__{o}": math.nan for label in labels.values() for o in spec.outputs})
        worst = 0.0
        for target in wanted:
            if target.scenario is None:
                point = apply_changes(Scenario(), spec.values_for(target, row), origin="calibration")
                out[target.name] = MEASURES[target.output](point)
                if target.fitted:
                    worst = max(worst, target.implausibility(out[target.name]))
        results.append(out)
        if worst > tolerance:
            continue
        seed = row_seed(spec.seed, [row[n] for n in names])
        keys: dict[RunKey, Target] = {}
        for target in wanted:
            key = run_key(spec, target)
            if key is not None and key not in keys:
                keys[key] = target
        for key, target in keys.items():
            base = _base(str(Path(root) / target.scenario))
            point = apply_changes(base, {**target.overrides, **size, **spec.values_for(target, row)},
                                  origin=f"calibration: {target.name}")
            for r in range(measurement.replicates):
                scenarios.append(with_seed(point, (seed + r) % (2**63 - 1)))
                slots.append((i, key))
    order = sorted(range(len(scenarios)), key=lambda j: (scenarios[j].organization.employees, scenarios[j].weeks))
    summaries: dict[tuple[int, RunKey], list[dict[str, Any]]] = {}
    ran = run_batches([scenarios[j] for j in order]) if scenarios else []
    for j, (summary, _) in zip(order, ran):
        summaries.setdefault(slots[j], []).append(summary)
    for (i, key), runs in summaries.items():
        for target in wanted:
            if run_key(spec, target) == key:
                results[i][target.name] = float(np.mean([from_summary(s, target.output) for s in runs]))
        if outputs:
            for output in spec.outputs:
                results[i][f"{labels[key]}__{output}"] = float(np.mean([from_summary(s, output) for s in runs]))
    return results


def measure_on(
    engine: Any, spec_json: str, root: str, rows: Sequence[dict[str, float]], chunk: int = 256, **kwargs: Any
) -> list[dict[str, float]]:
    """:func:`measure` of many rows on a sweep executor (:func:`sim.sweep.executors.make_executor`),
    in chunks of at most `chunk` rows (each chunk one batched call), results in row order."""
    import functools

    workers = max(getattr(engine, "workers", 1), 1)
    size = max(1, min(chunk, math.ceil(len(rows) / workers)))
    pieces = [(start, list(rows[start:start + size])) for start in range(0, len(rows), size)]
    results: list[dict[str, float] | None] = [None] * len(rows)
    for start, measured in engine.map_unordered(functools.partial(_measure_piece, spec_json=spec_json, root=root,
                                                                  kwargs=kwargs), pieces):
        results[start:start + len(measured)] = measured
    return results  # type: ignore[return-value]


def _measure_piece(piece: tuple[int, list[dict[str, float]]], spec_json: str, root: str,
                   kwargs: dict[str, Any]) -> tuple[int, list[dict[str, float]]]:
    start, rows = piece
    return start, measure(spec_json, root, rows, **kwargs)
