"""Measure one parameter set: run every scenario the targets use, with the parameter values set,
and return each target's simulated value and the robustness outputs.

Runs in sweep workers (processes or Dask), so everything it needs travels as plain arguments.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from sim.calibrate.measures import MEASURES, from_summary
from sim.calibrate.targets import CalibrationSpec, Target
from sim.scenario.io import apply_changes, load_scenario
from sim.scenario.schema import Scenario


def get_path(scenario: Scenario, path: str) -> Any:
    """The value at a key path (behavior.integrity_cost.mean)."""
    node: Any = scenario
    for part in path.split("."):
        node = getattr(node, part)
    return node


@lru_cache(maxsize=64)
def _base(path: str) -> Scenario:
    return load_scenario(Path(path))


def run_key(target: Target) -> tuple[str, str, str] | None:
    """Targets measured on the same scenario with the same overrides share one set of runs (checks
    on the first seed only: they inform, they do not decide)."""
    if target.scenario is None:
        return None
    return target.scenario, json.dumps(target.overrides, sort_keys=True, default=str), target.role


def run_labels(spec: CalibrationSpec) -> list[str]:
    """The name of the first target measured on each distinct run (labels of robustness outputs)."""
    seen: dict[tuple[str, str, str], str] = {}
    for target in spec.targets:
        key = run_key(target)
        if key is not None and key not in seen:
            seen[key] = target.name
    return list(seen.values())


def output_columns(spec: CalibrationSpec) -> list[str]:
    """Every column evaluate_point returns: one per target, one per (run, robustness output)."""
    return [t.name for t in spec.targets] + [f"{label}__{o}" for label in run_labels(spec) for o in spec.outputs]


def evaluate_point(
    scenario: Scenario, seed: int, *, spec_json: str, root: str, quick: bool = False, early_exit: bool = False
) -> tuple[dict[str, Any], None]:
    """(point scenario, run seed) -> (outputs, no time series). The point's parameter values are read
    from `scenario` (the sweep's base with the values set); `seed` is unused: every parameter set is
    measured on the same seeds (common random numbers), fit targets on all of them, checks on the
    first. With `early_exit`, measuring stops at the first fit target out of range (the set cannot be
    accepted); the rest are NaN. Targets are measured in the file's order, parameter measures first."""
    from sim.runner import run_batch, with_seed

    spec = CalibrationSpec.model_validate_json(spec_json)
    values = {key: get_path(scenario, key) for key in spec.parameters}
    measurement = spec.quick_measurement if quick else spec.measurement
    size: dict[str, Any] = {"weeks": measurement.weeks}
    if measurement.employees is not None:
        size["organization.employees"] = measurement.employees
    summaries: dict[tuple[str, str, str], list[dict[str, Any]]] = {}
    labels: dict[tuple[str, str, str], str] = {}
    ordered = sorted(spec.targets, key=lambda t: (t.scenario is not None, t.role != "fit"))
    outputs = {t.name: float("nan") for t in spec.targets}
    for label in run_labels(spec):  # every column present, measured or not: one schema
        outputs.update({f"{label}__{output}": float("nan") for output in spec.outputs})
    for target in ordered:
        key = run_key(target)
        if key is None:
            outputs[target.name] = MEASURES[target.output](apply_changes(Scenario(), values, origin="calibration"))
            if early_exit and target.role == "fit" and not target.within(outputs[target.name]):
                break
            continue
        if key not in summaries:
            base = _base(str(Path(root) / target.scenario))
            point = apply_changes(base, {**target.overrides, **size, **values}, origin=f"calibration: {target.name}")
            seeds = measurement.seeds if target.role == "fit" else measurement.seeds[:1]
            summaries[key] = [summary for summary, _ in run_batch([with_seed(point, s) for s in seeds])]
            labels[key] = target.name
        outputs[target.name] = float(np.mean([from_summary(s, target.output) for s in summaries[key]]))
        if early_exit and target.role == "fit" and not target.within(outputs[target.name]):
            break
    for key, runs in summaries.items():
        for output in spec.outputs:
            outputs[f"{labels[key]}__{output}"] = float(np.mean([from_summary(s, output) for s in runs]))
    return outputs, None
