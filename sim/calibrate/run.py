"""`tokenmaxx calibrate`: rejection ABC on the prior box, and global sensitivity.

Two designs, each a sweep (on the sweep executors, resumable): a SALib Sobol design on which every
target is measured gives the Sobol indices; a large Latin hypercube, each set measured until a fit
target falls out of its range (cheap measures of the parameters first, then runs), gives the
accepted sets: the posterior sample. The accepted set closest to the targets gives the defaults.

Results go to ``results/calibration/`` (or ``--out``)::

    fit.json                     fitted values, accepted ranges, targets achieved, ranking, Sobol indices
    parameters.csv, targets.csv, ranking.csv, robustness.csv, sensitivity.csv
    accepted.csv                 every accepted parameter set with its outputs
    report.html, figures/*.png   the report
    sweep-sensitivity/, sweep-fit/   the underlying sweeps (runs, design, metadata): resumable
"""

from __future__ import annotations

import functools
import json
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd

from sim.calibrate.analysis import Fit, analyse, summary
from sim.output import folder_name
from sim.calibrate.evaluate import evaluate_point, output_columns
from sim.calibrate.targets import CalibrationSpec, load_targets
from sim.output import atomic_write
from sim.sweep import run_sweep
from sim.sweep.samplers import sample
from sim.sweep.sensitivity import sweep_indices
from sim.sweep.spec import load_spec

SENSITIVITY_OUTPUTS = (
    "self_reported_hours", "adoption_inflation", "adoption_inflation__roi_true", "adoption_inflation__performative_share",
    "salesforce_action_share", "seed_table_time_saved", "seed_table_queries",
)
"""Outputs whose Sobol indices the report shows (when measured)."""


@dataclass(frozen=True)
class Calibration:
    spec: CalibrationSpec
    fit: Fit
    sensitivity: pd.DataFrame | None
    result: dict
    out_dir: Path
    wall_time_s: float


def sweep_spec(spec: CalibrationSpec, digest: str, quick: bool, purpose: str, points: list[dict] | None = None) -> dict:
    """The sweep of one design: `sensitivity` (SALib Sobol over the prior box, every target
    measured) or `fit` (the pre-screen's survivors, each measured until a fit target fails)."""
    base = next(t.scenario for t in spec.targets if t.scenario is not None)
    parameters = {key: {"low": p.low, "high": p.high} for key, p in spec.parameters.items()}
    if purpose == "sensitivity":
        design = {"kind": "sobol", "samples": spec.quick_sensitivity_samples if quick else spec.sensitivity_samples}
    else:
        design, parameters = {"kind": "list", "points": points}, {}
    return {
        "name": f"{spec.name}{'-quick' if quick else ''}-{purpose}",
        "description": f"calibration {purpose} design; targets digest {digest}; quick={quick}",
        "base": base,
        "parameters": parameters,
        "design": design,
        "replicates": 1,
        "seed": spec.seed,
    }


def prescreen(spec: CalibrationSpec, quick: bool) -> tuple[list[dict], int, int]:
    """A Latin hypercube of the prior box, kept where every fit target that needs no run is in range;
    returns (at most `fit_samples` survivors in sample order, sets screened, survivors)."""
    from SALib.sample import latin

    from sim.calibrate.measures import MEASURES_MANY
    from sim.scenario.schema import Scenario

    keys = list(spec.parameters)
    n = spec.quick_prescreen_samples if quick else spec.prescreen_samples
    problem = {"num_vars": len(keys), "names": keys, "bounds": [[spec.parameters[k].low, spec.parameters[k].high] for k in keys]}
    seed = int(np.random.SeedSequence(spec.seed).spawn(4)[3].generate_state(1)[0])
    sample_values = latin.sample(problem, n, seed=seed)
    values = {key: sample_values[:, i] for i, key in enumerate(keys)}
    keep = np.ones(n, dtype=bool)
    for target in spec.targets:
        if target.role == "fit" and target.scenario is None and target.output in MEASURES_MANY:
            measured = MEASURES_MANY[target.output](values, Scenario(), n)
            if measured is not None:
                low = -np.inf if target.low is None else target.low
                high = np.inf if target.high is None else target.high
                keep &= (measured >= low) & (measured <= high)
    rows = np.flatnonzero(keep)
    limit = spec.quick_fit_samples if quick else spec.fit_samples
    points = [{key: float(sample_values[i, j]) for j, key in enumerate(keys)} for i in rows[:limit]]
    return points, n, int(rows.size)


def calibrate(
    targets: str | Path | None = None, out: str | Path | None = None, quick: bool = False, executor: str = "processes",
    workers: int | None = None, scheduler: str | None = None, fresh: bool = False, progress: bool = True,
) -> Calibration:
    """Run (or resume) the calibration and write its results."""
    started = time.perf_counter()
    spec, root, digest = load_targets(targets)
    out_dir = Path(out) if out is not None else Path("results") / folder_name(spec.name + ("-quick" if quick else ""), "calibration")
    def measured(purpose: str, points: list[dict] | None = None):
        loaded = load_spec(sweep_spec(spec, digest, quick, purpose, points), base_dir=root)
        evaluate = functools.partial(evaluate_point, spec_json=spec.model_dump_json(), root=str(root), quick=quick,
                                     early_exit=purpose == "fit")
        evaluate.columns = {name: "float64" for name in output_columns(spec)}
        outcome = run_sweep(loaded, executor=executor, workers=workers, scheduler=scheduler,
                            out=out_dir / f"sweep-{purpose}", fresh=fresh, progress=progress, evaluate=evaluate)
        return loaded, outcome.table

    screening, screening_table = measured("sensitivity")
    design = sample(screening.spec)
    outputs = [m for m in SENSITIVITY_OUTPUTS if m in screening_table]
    ok = (screening_table["status"] == "ok").sum()
    sensitivity = sweep_indices(screening.spec, design, screening_table, outputs) if ok == len(design) else None
    points, screened, survivors = prescreen(spec, quick)
    _, table = measured("fit", points)
    fit = analyse(spec, table)
    meta = {
        "calibration_file": str(targets or "scenarios/calibration/targets.yaml"),
        "targets_digest": digest,
        "seed": spec.seed,
        "prescreened_sets": screened,
        "prescreen_survivors": survivors,
        "sensitivity_samples": screening.spec.design.samples,
        "sensitivity_parameter_sets": int(len(design)),
        "quick": quick,
        "generated": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
    }
    result = summary(spec, fit, sensitivity, meta)
    wall = time.perf_counter() - started
    calibration = Calibration(spec, fit, sensitivity, result, out_dir, wall)
    write(calibration)
    return calibration


def write(calibration: Calibration) -> list[Path]:
    """fit.json, the CSV tables, accepted.csv and the report."""
    from sim.calibrate.report import write_report

    out, fit = calibration.out_dir, calibration.fit
    files = {
        "fit.json": lambda p: p.write_text(json.dumps(_finite(calibration.result), indent=2, default=_json) + "\n"),
        "parameters.csv": lambda p: fit.parameters.to_csv(p, index=False),
        "targets.csv": lambda p: fit.targets.to_csv(p, index=False),
        "ranking.csv": lambda p: fit.ranking.to_csv(p, index=False),
        "robustness.csv": lambda p: fit.robustness.to_csv(p, index=False),
        "accepted.csv": lambda p: fit.accepted.to_csv(p, index=False),
    }
    if calibration.sensitivity is not None:
        files["sensitivity.csv"] = lambda p: calibration.sensitivity.to_csv(p, index=False)
    written = []
    for name, write_file in files.items():
        atomic_write(out / name, write_file)
        written.append(out / name)
    written += write_report(calibration)
    return written


def _finite(value):
    """NaN and infinities (not JSON) as null, all the way down."""
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_finite(v) for v in value]
    if isinstance(value, float) and (value != value or value in (float("inf"), float("-inf"))):
        return None
    return value


def _json(value):
    if isinstance(value, float) and value != value:
        return None
    if hasattr(value, "item"):
        return value.item()
    return str(value)


def describe(calibration: Calibration) -> str:
    """The terminal summary."""
    fit = calibration.fit
    lines = [f"calibration: {len(fit.accepted):,} of {len(fit.table):,} parameter sets accepted "
             f"(every fit target within its range)"]
    width = max(len(k) for k in fit.best)
    lines.append("fitted values (the accepted set closest to the targets):")
    for row in fit.parameters.itertuples():
        pinned = "pinned" if row.pinned else "NOT pinned down"
        lines.append(f"  {row.parameter:<{width}}  {row.fitted:<10g} accepted {row.accepted_low:.3g}..{row.accepted_high:.3g} "
                     f"(prior {row.prior_low:g}..{row.prior_high:g}; {pinned})")
    lines.append("targets at the fitted values:")
    for row in fit.targets.itertuples():
        bounds = f"[{'' if row.low != row.low or row.low is None else f'{row.low:g}'}, " \
                 f"{'' if row.high != row.high or row.high is None else f'{row.high:g}'}]"
        lines.append(f"  {row.target:<28} {row.achieved:8.3f}  {bounds:<14} {'ok' if row.within else 'OUT'} ({row.role})")
    if len(fit.ranking):
        lines.append("the seed's metric table across accepted sets:")
        for row in fit.ranking.itertuples():
            lines.append(f"  {row.regime:<16} {row.seed_rating:<12} agrees in {row.share_agreeing:.0%}")
    lines.append(f"wall time {calibration.wall_time_s:.1f} s; report in {calibration.out_dir / 'report.html'}")
    return "\n".join(lines)
