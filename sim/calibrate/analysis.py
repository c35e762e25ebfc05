"""From the posterior to what it says: each parameter's prior and posterior 90% interval (pinned or
not), each target's posterior predictive interval, the share of draws reproducing each check (the
seed article's claims: out-of-sample, never fitted), and the headline outputs across the draws.
Pure functions of tables; quantiles are weighted by the posterior weights."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from sim.calibrate.posterior import weighted_quantiles
from sim.calibrate.targets import CalibrationSpec

PINNED_SHARE = 0.5
"""A parameter counts as pinned when its posterior 90% interval is under half as wide as its prior's."""
PRIOR_MASS = 0.9
"""The prior's 90% interval of a uniform prior is 90% of its range."""
SIGNIFICANT_DIGITS = 3
"""Posterior draws (and so the defaults, the central draw) are shipped to this many significant digits."""
SEED_RATINGS = {"tokens": "High", "queries": "High", "time_saved": "High", "completions": "Medium",
                "error_reduction": "Low"}
"""The seed article's metric table (a claim, not a measurement): checked, never fitted."""
RATING_LIMITS = (1.05, 1.25)
"""KPI inflation (x) at which a rating becomes Medium, High."""


def rounded(value: float, digits: int = SIGNIFICANT_DIGITS) -> float:
    """`value` to `digits` significant digits."""
    if value == 0 or not math.isfinite(value):
        return value
    return float(round(value, digits - 1 - int(math.floor(math.log10(abs(value))))))


def rating(inflation: float) -> str:
    low, high = RATING_LIMITS
    return "High" if inflation >= high else "Medium" if inflation >= low else "Low"


@dataclass(frozen=True)
class Fit:
    """What the posterior says."""

    draws: pd.DataFrame  # one row per posterior draw: parameters, weight, every target and output measured
    central_index: int  # row of the central draw (the library defaults)
    central: dict[str, float]  # its parameter values, by name
    parameters: pd.DataFrame  # per parameter: prior, posterior 5/50/95%, width share, pinned, central value
    targets: pd.DataFrame  # per target: value, range, posterior predictive 5/50/95%, share within, at the central draw
    checks: pd.DataFrame  # per regime of the seed's table: its rating, share of draws reproducing it
    robustness: pd.DataFrame  # per (run, output): weighted 5/50/95% across the draws


def analyse(spec: CalibrationSpec, draws: pd.DataFrame, central_index: int) -> Fit:
    """Summaries of the posterior draws (`draws`: parameters by name, `weight`, measured columns)."""
    weights = draws["weight"].to_numpy(dtype=float)
    central = {name: float(draws.loc[central_index, name]) for name in spec.parameters}
    return Fit(draws, central_index, central, _parameters(spec, draws, weights, central),
               _targets(spec, draws, weights, central_index), _checks(draws, weights), _robustness(draws, weights))


def _quantiles(values: np.ndarray, weights: np.ndarray, qs: tuple[float, ...] = (0.05, 0.5, 0.95)) -> tuple[float, ...]:
    keep = np.isfinite(values)
    if not keep.any():
        return tuple(math.nan for _ in qs)
    return weighted_quantiles(values[keep], weights[keep], qs)


def _parameters(spec: CalibrationSpec, draws: pd.DataFrame, weights: np.ndarray, central: dict[str, float]) -> pd.DataFrame:
    rows = []
    for name, prior in spec.parameters.items():
        q05, q50, q95 = _quantiles(draws[name].to_numpy(dtype=float), weights)
        share = (q95 - q05) / (PRIOR_MASS * (prior.high - prior.low))
        rows.append({"parameter": name, "world": prior.world, "prior_low": prior.low, "prior_high": prior.high,
                     "prior_q05": prior.low + 0.05 * (prior.high - prior.low),
                     "prior_q95": prior.high - 0.05 * (prior.high - prior.low),
                     "posterior_q05": q05, "posterior_median": q50, "posterior_q95": q95, "width_share": share,
                     "pinned": bool(share < PINNED_SHARE), "central": central[name], "source": prior.source})
    return pd.DataFrame(rows)


def _targets(spec: CalibrationSpec, draws: pd.DataFrame, weights: np.ndarray, central_index: int) -> pd.DataFrame:
    rows = []
    for t in spec.targets:
        values = draws[t.name].to_numpy(dtype=float) if t.name in draws else np.full(len(draws), np.nan)
        q05, q50, q95 = _quantiles(values, weights)
        within = np.array([t.within(v) for v in values])
        at_central = float(values[central_index])
        rows.append({"target": t.name, "role": t.role, "value": t.value, "low": t.low, "high": t.high,
                     "predicted_q05": q05, "predicted_median": q50, "predicted_q95": q95,
                     "share_within": _share(weights, within) if np.isfinite(values).any() else math.nan,
                     "at_central": at_central, "within_at_central": t.within(at_central),
                     "equation": t.equation, "source": t.source, "output": t.output,
                     "scenario": t.scenario or "(the parameters themselves)"})
    return pd.DataFrame(rows)


def _share(weights: np.ndarray, mask: np.ndarray) -> float:
    """The weighted share of draws where `mask` holds, in [0, 1] (no rounding error past 1)."""
    return float(min(1.0, max(0.0, weights[mask].sum() / weights.sum())))


def _checks(draws: pd.DataFrame, weights: np.ndarray) -> pd.DataFrame:
    rows, agree = [], []
    for regime, seed_rating in SEED_RATINGS.items():
        column = f"seed_table_{regime}"
        if column not in draws or not np.isfinite(draws[column].to_numpy(dtype=float)).any():
            continue
        same = (draws[column].map(rating) == seed_rating).to_numpy()
        agree.append(same)
        q05, q50, q95 = _quantiles(draws[column].to_numpy(dtype=float), weights)
        rows.append({"regime": regime, "seed_rating": seed_rating, "share_reproducing": _share(weights, same),
                     "inflation_q05": q05, "inflation_median": q50, "inflation_q95": q95})
    if len(agree) == len(SEED_RATINGS):
        everything = np.logical_and.reduce(agree)
        rows.append({"regime": "all five", "seed_rating": "as the seed", "share_reproducing": _share(weights, everything),
                     "inflation_q05": math.nan, "inflation_median": math.nan, "inflation_q95": math.nan})
    return pd.DataFrame(rows)


def _robustness(draws: pd.DataFrame, weights: np.ndarray) -> pd.DataFrame:
    rows = []
    for column in [c for c in draws.columns if "__" in c]:
        values = draws[column].to_numpy(dtype=float)
        if not np.isfinite(values).any():
            continue
        label, output = column.split("__", 1)
        q05, q50, q95 = _quantiles(values, weights)
        rows.append({"measured_on": label, "output": output, "q05": q05, "median": q50, "q95": q95})
    return pd.DataFrame(rows)


def summary(spec: CalibrationSpec, fit: Fit, meta: dict[str, Any], sensitivity: pd.DataFrame | None,
            coverage: pd.DataFrame | None, loo: pd.DataFrame | None, generations: pd.DataFrame) -> dict[str, Any]:
    """The calibration as plain data (fit.json)."""
    return {
        **meta,
        "posterior_draws": int(len(fit.draws)),
        "effective_sample_size": float(1.0 / np.sum(fit.draws["weight"].to_numpy(dtype=float) ** 2)),
        "central": {k: v for k, v in fit.central.items() if spec.parameters[k].world},
        "nuisance_central": {k: v for k, v in fit.central.items() if not spec.parameters[k].world},
        "generations": generations.to_dict(orient="records"),
        "parameters": fit.parameters.to_dict(orient="records"),
        "targets": fit.targets.to_dict(orient="records"),
        "checks": fit.checks.to_dict(orient="records"),
        "robustness": fit.robustness.to_dict(orient="records"),
        "sbc": [] if coverage is None else coverage.to_dict(orient="records"),
        "leave_one_out": [] if loo is None else loo.to_dict(orient="records"),
        "sensitivity": [] if sensitivity is None else sensitivity.to_dict(orient="records"),
    }
