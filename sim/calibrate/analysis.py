"""From the measured design to the fit: which parameter sets the evidence accepts, the best of
them, how tightly each parameter is pinned down, global sensitivity (Sobol), and how robust the
headline claims are across the accepted sets. Pure functions of tables."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from sim.calibrate.targets import CalibrationSpec
from sim.dictionary import design_column

PINNED_SHARE = 0.5
"""A parameter counts as pinned down when its accepted 5-95% range is under half its prior range."""
SIGNIFICANT_DIGITS = 3
"""Fitted values are reported (and shipped as defaults) to this many significant digits."""
SEED_RATINGS = {"tokens": "High", "queries": "High", "time_saved": "High", "completions": "Medium",
                "error_reduction": "Low"}
RATING_LIMITS = (1.05, 1.25)


def rounded(value: float, digits: int = SIGNIFICANT_DIGITS) -> float:
    if value == 0 or not math.isfinite(value):
        return value
    return float(round(value, digits - 1 - int(math.floor(math.log10(abs(value))))))


def rating(inflation: float) -> str:
    low, high = RATING_LIMITS
    return "High" if inflation >= high else "Medium" if inflation >= low else "Low"


@dataclass(frozen=True)
class Fit:
    """The outcome of a calibration."""

    table: pd.DataFrame  # one row per parameter set: values, outputs, implausibility, accepted
    accepted: pd.DataFrame  # the accepted rows
    best: dict[str, float]  # fitted values (rounded), by key path
    best_index: int  # row of the best set in `table`
    parameters: pd.DataFrame  # per parameter: prior, accepted range, pinned, best
    targets: pd.DataFrame  # per target: value, range, achieved at the best set, within
    ranking: pd.DataFrame  # per regime: the seed's rating, share of accepted sets agreeing
    robustness: pd.DataFrame  # per output: quantiles across the accepted sets


def analyse(spec: CalibrationSpec, table: pd.DataFrame) -> Fit:
    """Accept, pick the best set, and summarise."""
    table = table[table["status"] == "ok"].copy().reset_index(drop=True)
    table = table.rename(columns={design_column(key): key for key in spec.parameters})
    for target in spec.targets:  # a target never measured (every set failed before it) is NaN, not absent
        if target.name not in table:
            table[target.name] = np.nan
    fit_targets = [t for t in spec.targets if t.role == "fit"]
    checks = [t for t in spec.targets if t.role == "check"]
    for target in spec.targets:
        table[f"implausibility__{target.name}"] = [target.implausibility(v) for v in table[target.name]]
    table["max_implausibility"] = table[[f"implausibility__{t.name}" for t in fit_targets]].max(axis=1)
    table["accepted"] = np.array([all(t.within(v) for t, v in zip(fit_targets, row)) for row in
                                  table[[t.name for t in fit_targets]].itertuples(index=False)])
    table["checks_passed"] = sum(np.array([t.within(v) for v in table[t.name]]) for t in checks) if checks else 0
    table["distance"] = sum(table[f"implausibility__{t.name}"] ** 2 for t in fit_targets)
    accepted = table[table["accepted"]]
    pool = accepted if len(accepted) else table
    ordered = pool.sort_values(["checks_passed", "distance", "run_index"], ascending=[False, True, True])
    best_index = int(ordered.index[0])
    best = {key: rounded(float(table.loc[best_index, key])) for key in spec.parameters}
    return Fit(table, accepted, best, best_index, _parameters(spec, accepted, best),
               _targets(spec, table.loc[best_index]), _ranking(spec, accepted), _robustness(spec, accepted))


def _parameters(spec: CalibrationSpec, accepted: pd.DataFrame, best: dict[str, float]) -> pd.DataFrame:
    rows = []
    for key, prior in spec.parameters.items():
        values = accepted[key].to_numpy(dtype=float)
        low, high = (np.quantile(values, [0.05, 0.95]) if values.size else (np.nan, np.nan))
        share = (high - low) / (prior.high - prior.low) if values.size else np.nan
        rows.append({"parameter": key, "prior_low": prior.low, "prior_high": prior.high, "accepted_low": low,
                     "accepted_high": high, "accepted_median": float(np.median(values)) if values.size else np.nan,
                     "range_share": share, "pinned": bool(share < PINNED_SHARE) if values.size else False,
                     "fitted": best[key], "source": prior.source})
    return pd.DataFrame(rows)


def _targets(spec: CalibrationSpec, best_row: pd.Series) -> pd.DataFrame:
    rows = []
    for t in spec.targets:
        achieved = float(best_row[t.name])
        rows.append({"target": t.name, "role": t.role, "value": t.value, "low": t.low, "high": t.high,
                     "achieved": achieved, "within": t.within(achieved), "source": t.source, "output": t.output,
                     "scenario": t.scenario or "(the parameters themselves)"})
    return pd.DataFrame(rows)


def _ranking(spec: CalibrationSpec, accepted: pd.DataFrame) -> pd.DataFrame:
    rows = []
    for regime, seed_rating in SEED_RATINGS.items():
        column = f"seed_table_{regime}"
        if column not in accepted:
            continue
        ratings = accepted[column].map(rating)
        rows.append({"regime": regime, "seed_rating": seed_rating,
                     "share_agreeing": float((ratings == seed_rating).mean()) if len(accepted) else np.nan,
                     "median_kpi_inflation": float(accepted[column].median()) if len(accepted) else np.nan})
    if rows and len(accepted):
        everything = np.logical_and.reduce([accepted[f"seed_table_{r['regime']}"].map(rating) == r["seed_rating"]
                                            for r in rows])
        rows.append({"regime": "all five", "seed_rating": "as the seed", "share_agreeing": float(everything.mean()),
                     "median_kpi_inflation": np.nan})
    return pd.DataFrame(rows)


def _robustness(spec: CalibrationSpec, accepted: pd.DataFrame) -> pd.DataFrame:
    rows = []
    for column in [c for c in accepted.columns if "__" in c and not c.startswith("implausibility__")]:
        values = accepted[column].to_numpy(dtype=float)
        values = values[np.isfinite(values)]
        if not values.size:
            continue
        label, output = column.split("__", 1)
        q05, q50, q95 = np.quantile(values, [0.05, 0.5, 0.95])
        rows.append({"measured_on": label, "output": output, "q05": q05, "median": q50, "q95": q95,
                     "accepted_sets": int(values.size)})
    return pd.DataFrame(rows)


def summary(spec: CalibrationSpec, fit: Fit, sensitivity: pd.DataFrame | None, meta: dict[str, Any]) -> dict[str, Any]:
    """The fit as plain data (fit.json)."""
    return {
        **meta,
        "parameter_sets": int(len(fit.table)),
        "accepted_sets": int(len(fit.accepted)),
        "best_run_index": int(fit.table.loc[fit.best_index, "run_index"]),
        "fitted": fit.best,
        "parameters": fit.parameters.to_dict(orient="records"),
        "targets": fit.targets.to_dict(orient="records"),
        "ranking": fit.ranking.to_dict(orient="records"),
        "robustness": fit.robustness.to_dict(orient="records"),
        "sensitivity": [] if sensitivity is None else sensitivity.to_dict(orient="records"),
    }
