"""`tokenmaxx calibrate`: the posterior of the free parameters given the evidence (model brief 11.2).

1. ABC-SMC (pyabc; :mod:`sim.calibrate.abc`) on the `fit` and `constraint` targets, simulations
   batched on the engine and spread over the sweep executors; resumable from ``abc.db``.
2. The posterior predictive: every posterior draw measured on every target (the `check` targets,
   the seed article's claims, included: the share of draws reproducing them) and the headline outputs.
3. Simulation-based calibration and leave-one-target-out prediction on a reference table of prior
   simulations (:mod:`sim.calibrate.checks`; resumable, in parts).
4. Global sensitivity: total Sobol indices (SALib) of the fitted targets over the prior box.

Results go to ``results/calibration/`` (or ``--out``)::

    posterior.csv                the posterior (draw, weight, one column per world parameter): ship it as
                                 scenarios/calibration/posterior.csv
    fit.json                     everything below as data (docs/calibration.md is generated from it)
    draws.csv                    every draw with its nuisance parameters, targets and outputs
    parameters.csv, targets.csv, checks.csv, robustness.csv, generations.csv,
    sbc.csv, sbc_ranks.csv, leave_one_out.csv, sensitivity.csv
    report.html, figures/*.png   the report
    abc.db, reference/           the ABC database and the reference table (a rerun resumes from them)
"""

from __future__ import annotations

import functools
import json
import math
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.calibrate.abc import AbcResult, run_abc
from sim.calibrate.analysis import Fit, analyse, rounded, summary
from sim.calibrate.checks import leave_one_out, reference_table, sbc
from sim.calibrate.evaluate import measure_on
from sim.calibrate.posterior import Posterior
from sim.calibrate.targets import CalibrationSpec, load_targets
from sim.output import atomic_write, folder_name

SENSITIVITY_OUTPUTS = ("self_reported_hours", "adoption_inflation", "salesforce_action_share", "detector_accuracy",
                       "metr_expert_belief")
"""Targets whose Sobol indices the report shows."""


@dataclass(frozen=True)
class Calibration:
    spec: CalibrationSpec
    abc: AbcResult
    fit: Fit
    posterior: Posterior  # the world parameters' draws, as shipped
    sensitivity: pd.DataFrame | None
    coverage: pd.DataFrame
    ranks: pd.DataFrame
    loo: pd.DataFrame
    result: dict[str, Any]
    out_dir: Path
    wall_time_s: float
    quick: bool


def _seed(spec: CalibrationSpec, purpose: int) -> int:
    return int(np.random.SeedSequence(spec.seed).spawn(8)[purpose].generate_state(1)[0])


def calibrate(
    targets: str | Path | None = None, out: str | Path | None = None, quick: bool = False, executor: str = "processes",
    workers: int | None = None, scheduler: str | None = None, fresh: bool = False, progress: bool = True,  # noqa: ARG001
) -> Calibration:
    """Run (or resume) the calibration and write its results."""
    from sim.sweep.executors import make_executor

    started = time.perf_counter()
    spec, root, digest = load_targets(targets)
    out_dir = Path(out) if out is not None else Path("results") / folder_name(spec.name + ("-quick" if quick else ""), "calibration")
    spec_json, settings, checks = spec.model_dump_json(), (spec.quick_abc if quick else spec.abc), (spec.quick_checks if quick else spec.checks)
    names = list(spec.parameters)
    with make_executor(executor, workers, scheduler) as engine:
        measured = functools.partial(measure_on, engine, spec_json, str(root), chunk=settings.batch_size, quick=quick)
        abc = run_abc(spec, lambda rows, tolerance: measured(rows, tolerance=tolerance), out_dir / "abc.db",
                      quick=quick, fresh=fresh)
        draws = abc.posterior[names].map(rounded)
        draws.insert(0, "draw", range(len(draws)))
        draws.insert(1, "weight", abc.posterior["weight"].to_numpy())
        predictive = pd.DataFrame(measured(draws[names].to_dict(orient="records"), checks=True, outputs=True))
        draws = pd.concat([draws, predictive], axis=1)
        if fresh and (out_dir / "reference").exists():
            for part in (out_dir / "reference").glob("part-*.csv"):
                part.unlink()
        table = reference_table(spec, checks.reference_samples, out_dir / "reference", measured, _seed(spec, 1))
        sensitivity = _sensitivity(spec, quick, measured)
    fitted = [t for t in spec.targets if t.fitted]
    coverage, ranks = sbc(table, names, fitted, checks.sbc_datasets, checks.accept, _seed(spec, 2))
    loo = leave_one_out(table, fitted, checks.accept)
    world = spec.world_parameters()
    posterior = Posterior(tuple(world), draws[world].to_numpy(dtype=float), draws["weight"].to_numpy(dtype=float),
                          out_dir / "posterior.csv")
    central = posterior.central()
    fit = analyse(spec, draws, central)
    meta = {
        "calibration_file": str(targets or "scenarios/calibration/targets.yaml"),
        "targets_digest": digest,
        "seed": spec.seed,
        "quick": quick,
        "method": "ABC-SMC (pyabc)",
        "pyabc_version": _pyabc_version(),
        "population_size": settings.population_size,
        "max_generations": settings.max_generations,
        "quantile": settings.quantile,
        "min_acceptance_rate": settings.min_acceptance_rate,
        "simulations": int(abc.generations["samples"].sum()),
        "final_epsilon": float(abc.generations["epsilon"].iloc[-1]),
        "abc_wall_time_s": round(float(abc.generations["wall_time_s"].sum()), 1),
        "reference_samples": checks.reference_samples,
        "sbc_datasets": int(coverage["datasets"].iloc[0]) if len(coverage) else 0,
        "accept": checks.accept,
        "sensitivity_samples": spec.quick_sensitivity_samples if quick else spec.sensitivity_samples,
        "generated": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
    }
    wall = time.perf_counter() - started
    meta["wall_time_s"] = round(wall, 1)
    result = summary(spec, fit, meta, sensitivity, coverage, loo, abc.generations)
    calibration = Calibration(spec, abc, fit, posterior, sensitivity, coverage, ranks, loo, result, out_dir, wall, quick)
    write(calibration, draws)
    return calibration


def _pyabc_version() -> str:
    import pyabc

    return str(pyabc.__version__)


def _sensitivity(spec: CalibrationSpec, quick: bool, measured) -> pd.DataFrame | None:
    """Total and first-order Sobol indices (SALib) of the fitted targets over the prior box."""
    from SALib.analyze import sobol as sobol_analyze
    from SALib.sample import sobol as sobol_sample

    names = list(spec.parameters)
    problem = {"num_vars": len(names), "names": names, "bounds": [[spec.parameters[n].low, spec.parameters[n].high] for n in names]}
    n = spec.quick_sensitivity_samples if quick else spec.sensitivity_samples
    design = sobol_sample.sample(problem, n, calc_second_order=False, seed=_seed(spec, 3))
    outputs = pd.DataFrame(measured([dict(zip(names, row)) for row in design]))
    frames = []
    for metric in SENSITIVITY_OUTPUTS:
        values = outputs[metric].to_numpy(dtype=float) if metric in outputs else np.array([])
        if not values.size or not np.isfinite(values).all() or np.ptp(values) == 0:
            continue
        indices = sobol_analyze.analyze(problem, values, calc_second_order=False, seed=_seed(spec, 4))
        frames.append(pd.DataFrame({"metric": metric, "parameter": names, "S1": indices["S1"], "S1_conf": indices["S1_conf"],
                                    "ST": indices["ST"], "ST_conf": indices["ST_conf"]}))
    return pd.concat(frames, ignore_index=True) if frames else None


def posterior_csv(draws: pd.DataFrame, world: list[str]) -> str:
    """The posterior file's text: draw, weight, one column per world parameter (sim.calibrate.posterior)."""
    frame = draws[["draw", "weight", *world]]
    return frame.to_csv(index=False, float_format="%.10g", lineterminator="\n")


def write(calibration: Calibration, draws: pd.DataFrame) -> list[Path]:
    """posterior.csv, fit.json, the CSV tables and the report, each written atomically."""
    from sim.calibrate.report import write_report

    out, fit, spec = calibration.out_dir, calibration.fit, calibration.spec
    tables = {"parameters.csv": fit.parameters, "targets.csv": fit.targets, "checks.csv": fit.checks,
              "robustness.csv": fit.robustness, "generations.csv": calibration.abc.generations, "sbc.csv": calibration.coverage,
              "sbc_ranks.csv": calibration.ranks, "leave_one_out.csv": calibration.loo, "draws.csv": draws}
    if calibration.sensitivity is not None:
        tables["sensitivity.csv"] = calibration.sensitivity
    written = []
    atomic_write(out / "posterior.csv", lambda p: p.write_text(posterior_csv(draws, spec.world_parameters())))
    atomic_write(out / "fit.json", lambda p: p.write_text(json.dumps(_finite(calibration.result), indent=2, default=_json) + "\n"))
    written += [out / "posterior.csv", out / "fit.json"]
    for name, frame in tables.items():
        atomic_write(out / name, lambda p, f=frame: f.to_csv(p, index=False))
        written.append(out / name)
    written += write_report(calibration)
    return written


def _finite(value):
    """NaN and infinities (not JSON) as null, all the way down."""
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_finite(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _json(value):
    if hasattr(value, "item"):
        value = value.item()
        return None if isinstance(value, float) and not math.isfinite(value) else value
    return str(value)


SMOKE = ("SMOKE TEST (--quick): tiny runs and a tiny ABC check that the machinery works end to end; "
         "the numbers below are not a calibration and support no conclusion.")


def describe(calibration: Calibration) -> str:
    """The terminal summary; for --quick, a smoke-test report that draws no conclusion."""
    fit, r = calibration.fit, calibration.result
    gens = calibration.abc.generations
    lines = []
    if calibration.quick:
        lines.append(SMOKE)
    lines.append(f"posterior: {r['posterior_draws']:,} draws by ABC-SMC (pyabc {r['pyabc_version']}), {len(gens)} generations, "
                 f"{r['simulations']:,} simulated parameter sets, final tolerance {r['final_epsilon']:.3g} "
                 f"(1 = every fitted target within its range)")
    if calibration.quick:
        lines.append(f"checked: {len(calibration.coverage) // 2 or 0} parameters through SBC on {r['sbc_datasets']} "
                     f"pseudo-observed datasets, {len(calibration.loo)} leave-one-out fits; report in "
                     f"{calibration.out_dir / 'report.html'}")
        lines.append(f"wall time {calibration.wall_time_s:.1f} s")
        return "\n".join(lines)
    width = max(len(k) for k in fit.central)
    lines.append("parameters: prior 90% -> posterior 90% (central draw = the library default)")
    for row in fit.parameters.itertuples():
        tag = "pinned" if row.pinned else "NOT pinned"
        nuisance = "" if row.world else "  [nuisance: the seed firms']"
        lines.append(f"  {row.parameter:<{width}}  {row.prior_q05:.3g}..{row.prior_q95:.3g} -> {row.posterior_q05:.3g}.."
                     f"{row.posterior_q95:.3g}  central {row.central:g}  ({tag}){nuisance}")
    lines.append("targets: posterior predictive 90% (share of draws within the evidence's range)")
    for row in fit.targets.itertuples():
        if not math.isfinite(row.predicted_median):
            continue
        lines.append(f"  {row.target:<28} {row.predicted_q05:.3g}..{row.predicted_q95:.3g}  value {row.value:g}  "
                     f"{row.share_within:.0%} within  ({row.role})")
    if len(fit.checks):
        lines.append("the seed article's metric table (out of sample): share of posterior draws reproducing each rating")
        for row in fit.checks.itertuples():
            lines.append(f"  {row.regime:<16} {row.seed_rating:<12} {row.share_reproducing:.0%}")
    cover = calibration.coverage
    if len(cover):
        for level in sorted(cover["level"].unique()):
            rows = cover[cover["level"] == level]
            lines.append(f"SBC: {level:.0%} intervals cover the known parameter in {rows['coverage'].min():.0%} to "
                         f"{rows['coverage'].max():.0%} of {int(rows['datasets'].iloc[0])} synthetic datasets "
                         f"({int(rows['within_band'].sum())} of {len(rows)} parameters within the binomial 95% band)")
    if len(calibration.loo):
        covered = int(calibration.loo["covers"].sum())
        lines.append(f"leave-one-target-out: {covered} of {len(calibration.loo)} targets inside the 90% interval "
                     "predicted from the others")
    lines.append(f"wall time {calibration.wall_time_s:.1f} s; report in {calibration.out_dir / 'report.html'}")
    return "\n".join(lines)
