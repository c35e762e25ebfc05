"""Does the inference work? Simulation-based calibration and leave-one-target-out prediction
(model brief 11.2), both on a reference table of prior simulations.

The reference table is `reference_samples` parameter sets drawn from the prior, each simulated once
(the calibration's own simulator, seeds and summaries). On it, rejection ABC (Pritchard et al. 1999;
the `accept` nearest rows by the calibration's distance) is cheap enough to repeat many times:

- SBC (Talts et al. 2018): rows of the table act as pseudo-observed data with known parameters;
  each is fitted from the rest, and the share of fits whose central 50% and 90% intervals cover
  the known value should be 50% and 90% (within binomial error) for every parameter.
- Leave-one-target-out: for each fitted target, fit the observed evidence without it and predict
  it: the predictive 90% interval, and whether it covers the published value.

They check the rejection approximation on the same simulator, distance and summaries, not the
ABC-SMC run itself (whose tolerance is tighter); pure functions of tables, except :func:`reference_table`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.stats import binom

from sim.calibrate.targets import CalibrationSpec, Target
from sim.output import atomic_write

LEVELS = (0.5, 0.9)
"""Nominal coverage of the central intervals checked."""
PART_ROWS = 500
"""Rows per stored part of the reference table (a rerun skips the parts already on disk)."""


def prior_draws(spec: CalibrationSpec, n: int, seed: int) -> pd.DataFrame:
    """`n` parameter sets from the uniform prior, one column per parameter (by name)."""
    rng = np.random.default_rng(seed)
    return pd.DataFrame({name: rng.uniform(p.low, p.high, n) for name, p in spec.parameters.items()})


def reference_table(
    spec: CalibrationSpec, n: int, folder: Path, simulate: Callable[[list[dict[str, float]]], list[dict[str, float]]],
    seed: int,
) -> pd.DataFrame:
    """Prior draws and their simulated fitted targets, stored in parts under `folder` (resumable)."""
    draws = prior_draws(spec, n, seed)
    targets = [t.name for t in spec.targets if t.fitted]
    parts = []
    for index, start in enumerate(range(0, n, PART_ROWS)):
        path = folder / f"part-{index:04d}.csv"
        rows = draws.iloc[start:start + PART_ROWS]
        if path.is_file():
            stored = pd.read_csv(path)
            if len(stored) == len(rows) and np.allclose(stored[list(spec.parameters)].to_numpy(), rows.to_numpy()):
                parts.append(stored)
                continue
        measured = simulate(rows.to_dict(orient="records"))
        part = pd.concat([rows.reset_index(drop=True), pd.DataFrame(measured)[targets]], axis=1)
        atomic_write(path, lambda p, frame=part: frame.to_csv(p, index=False, float_format="%.17g"))
        parts.append(part)
    return pd.concat(parts, ignore_index=True)


def scales(targets: Sequence[Target]) -> np.ndarray:
    """Each target's distance unit: its accepted half-range (the mean of both sides when two-sided)."""
    out = []
    for t in targets:
        sides = [abs(edge - t.value) for edge in (t.low, t.high) if edge is not None and edge != t.value]
        out.append(float(np.mean(sides)) if sides else 1.0)
    return np.array(out)


def nearest(stats: np.ndarray, observed: np.ndarray, unit: np.ndarray, k: int, exclude: int | None = None
            ) -> tuple[np.ndarray, float]:
    """Indices of the `k` rows of `stats` closest to `observed` (largest scaled difference over the
    columns; unmeasured = infinitely far), and the distance of the k-th (the tolerance reached)."""
    distance = np.nanmax(np.abs(stats - observed) / unit, axis=1) if stats.shape[1] else np.zeros(len(stats))
    distance = np.where(np.isfinite(distance) & ~np.isnan(stats).any(axis=1), distance, np.inf)
    if exclude is not None:
        distance[exclude] = np.inf
    order = np.argsort(distance, kind="stable")[:k]
    return order, float(distance[order[-1]])


def central_interval(values: np.ndarray, level: float) -> tuple[float, float]:
    return float(np.quantile(values, (1 - level) / 2)), float(np.quantile(values, (1 + level) / 2))


def sbc(table: pd.DataFrame, parameters: Sequence[str], targets: Sequence[Target], datasets: int, k: int,
        seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Coverage of known parameters: (per parameter and level: coverage, datasets, binomial 95% band;
    per dataset and parameter: the rank of the known value among its fit's draws, 0..k)."""
    names = [t.name for t in targets]
    stats = table[names].to_numpy(dtype=float)
    values = table[list(parameters)].to_numpy(dtype=float)
    unit = scales(targets)
    usable = np.flatnonzero(~np.isnan(stats).any(axis=1))
    rng = np.random.default_rng(seed)
    chosen = rng.choice(usable, size=min(datasets, len(usable)), replace=False)
    hits = {(p, level): 0 for p in parameters for level in LEVELS}
    ranks = []
    for j in chosen:
        rows, _ = nearest(stats, stats[j], unit, k, exclude=int(j))
        for c, p in enumerate(parameters):
            accepted = values[rows, c]
            for level in LEVELS:
                low, high = central_interval(accepted, level)
                hits[(p, level)] += bool(low <= values[j, c] <= high)
            ranks.append({"dataset": int(j), "parameter": p, "rank": int((accepted < values[j, c]).sum())})
    n = len(chosen)
    coverage = pd.DataFrame([
        {"parameter": p, "level": level, "coverage": hits[(p, level)] / n if n else math.nan, "datasets": n,
         "band_low": binom.ppf(0.025, n, level) / n if n else math.nan,
         "band_high": binom.ppf(0.975, n, level) / n if n else math.nan}
        for p in parameters for level in LEVELS])
    coverage["within_band"] = (coverage["coverage"] >= coverage["band_low"]) & (coverage["coverage"] <= coverage["band_high"])
    return coverage, pd.DataFrame(ranks)


def leave_one_out(table: pd.DataFrame, targets: Sequence[Target], k: int) -> pd.DataFrame:
    """Per fitted target: fit the published values of the others (the nearest `k` rows), predict it."""
    rows = []
    for left in targets:
        others = [t for t in targets if t is not left]
        stats = table[[t.name for t in others]].to_numpy(dtype=float)
        observed = np.array([t.value for t in others])
        accepted, tolerance = nearest(stats, observed, scales(others), k)
        predicted = table[left.name].to_numpy(dtype=float)[accepted]
        predicted = predicted[np.isfinite(predicted)]
        if predicted.size:
            low, high = central_interval(predicted, 0.9)
            median = float(np.median(predicted))
            within = float(np.mean([left.within(v) for v in predicted]))
        else:
            low = high = median = within = math.nan
        rows.append({"target": left.name, "role": left.role, "value": left.value, "low": left.low, "high": left.high,
                     "predicted_q05": low, "predicted_median": median, "predicted_q95": high,
                     "covers": bool(low <= left.value <= high) if predicted.size else False,
                     "share_within_range": within, "tolerance": tolerance, "accepted": int(len(accepted))})
    return pd.DataFrame(rows)
