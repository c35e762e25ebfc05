"""Draw per-employee trait arrays from a number (same for all) or a distribution."""

from __future__ import annotations

import numpy as np

from sim.scenario.schema import BetaDist, LognormalDist, NormalDist, Trait, UniformDist, ValuesDist


def draw_trait(trait: Trait, n: int, rng: np.random.Generator) -> np.ndarray:
    """Return an array of n values of the trait (float64)."""
    if isinstance(trait, (int, float)):
        return np.full(n, float(trait))
    if isinstance(trait, ValuesDist):
        return np.resize(np.asarray(trait.values, dtype=float), n)
    if isinstance(trait, NormalDist):
        values = rng.normal(trait.mean, trait.sd, n)
    elif isinstance(trait, UniformDist):
        values = rng.uniform(trait.low, trait.high, n)
    elif isinstance(trait, LognormalDist):
        # parameterised by the distribution's own mean: mu = ln(mean) - sigma^2 / 2
        values = rng.lognormal(np.log(trait.mean) - trait.sigma**2 / 2, trait.sigma, n)
    elif isinstance(trait, BetaDist):
        values = rng.beta(trait.a, trait.b, n)
    else:  # pragma: no cover - the schema admits no other type
        raise TypeError(f"unknown trait {trait!r}")
    if trait.min is not None or trait.max is not None:
        values = np.clip(values, trait.min, trait.max)
    return values
