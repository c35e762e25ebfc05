"""The calibration's posterior: the plausible worlds' parameters (model brief 11.1, 11.2).

The shipped posterior is ``scenarios/calibration/posterior.csv``: a column ``draw`` (0, 1, ...),
a column ``weight`` (non-negative; normalised here) and one column per fitted parameter, named by
its scenario key path (``behavior.speedup.mean``). `tokenmaxx calibrate` writes it; ensembles
(``tokenmaxx run``, ``compare``, sweeps over worlds) draw parameter sets from it.
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

POSTERIOR = Path(__file__).resolve().parents[2] / "scenarios" / "calibration" / "posterior.csv"


class PosteriorError(ValueError):
    """A posterior file that cannot be read: the message names the file, row and column."""


@dataclass(frozen=True)
class Posterior:
    """Draws of the fitted parameters, each with a weight (normalised to sum to 1)."""

    parameters: tuple[str, ...]
    values: np.ndarray
    weights: np.ndarray
    source: Path

    def __len__(self) -> int:
        return len(self.weights)

    def draw(self, index: int) -> dict[str, float]:
        """One draw as ``{key path: value}``."""
        return {key: float(v) for key, v in zip(self.parameters, self.values[index])}

    def sample(self, n: int, seed: int) -> list[int]:
        """Indices of `n` draws taken independently in proportion to their weights; the same seed
        gives the same draws, and a larger `n` extends the list without changing its start."""
        if n <= 0:
            return []
        cumulative = np.cumsum(self.weights)
        cumulative[-1] = 1.0
        points = np.random.default_rng(seed).random(n)
        return [int(i) for i in np.searchsorted(cumulative, points, side="right").clip(max=len(self) - 1)]

    def central(self) -> int:
        """Index of the central draw: the one nearest the weighted median of every parameter,
        each parameter scaled by its weighted interquartile range."""
        medians, scales = [], []
        for column in self.values.T:
            q25, q50, q75 = weighted_quantiles(column, self.weights, (0.25, 0.5, 0.75))
            medians.append(q50)
            scales.append(q75 - q25 if q75 > q25 else 1.0)
        distance = (((self.values - np.array(medians)) / np.array(scales)) ** 2).sum(axis=1)
        return int(np.argmin(distance))

    def quantiles(self, key: str, qs: tuple[float, ...] = (0.05, 0.5, 0.95)) -> tuple[float, ...]:
        """Weighted quantiles of one parameter."""
        return weighted_quantiles(self.values[:, self.parameters.index(key)], self.weights, qs)


def weighted_quantiles(values: np.ndarray, weights: np.ndarray, qs: tuple[float, ...]) -> tuple[float, ...]:
    """Quantiles of a weighted sample (the inverse of its step distribution function)."""
    order = np.argsort(values, kind="stable")
    cumulative = np.cumsum(weights[order]) / weights.sum()
    return tuple(float(values[order][min(np.searchsorted(cumulative, q), len(values) - 1)]) for q in qs)


def load_posterior(path: Path | None = None) -> Posterior:
    """Read a posterior file (the shipped one by default); one clear error when it is malformed."""
    path = Path(path) if path is not None else POSTERIOR
    try:
        with path.open(newline="") as handle:
            rows = list(csv.reader(handle))
    except OSError as exc:
        raise PosteriorError(f"{path}: cannot read the posterior ({exc.strerror or exc})") from None
    if not rows or rows[0][:2] != ["draw", "weight"] or len(rows[0]) < 3:
        raise PosteriorError(f"{path}: the header must be 'draw,weight,' then one column per parameter key path")
    header, body = rows[0], rows[1:]
    if not body:
        raise PosteriorError(f"{path}: no draws")
    numbers = np.empty((len(body), len(header) - 1))
    for r, row in enumerate(body, start=2):
        if len(row) != len(header):
            raise PosteriorError(f"{path}, row {r}: {len(row)} fields, expected {len(header)}")
        for c, cell in enumerate(row[1:]):
            try:
                value = float(cell)
            except ValueError:
                value = math.nan
            if not math.isfinite(value):
                raise PosteriorError(f"{path}, row {r}, column {header[c + 1]!r}: {cell!r} is not a finite number")
            numbers[r - 2, c] = value
    weights = numbers[:, 0]
    if (weights < 0).any() or weights.sum() <= 0:
        raise PosteriorError(f"{path}: weights must be non-negative with a positive sum")
    return Posterior(tuple(header[2:]), numbers[:, 1:], weights / weights.sum(), path)
