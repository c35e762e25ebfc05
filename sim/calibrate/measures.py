"""What a calibration target measures: a key of the run summary, a quantity derived from it, or a
property of the parameters themselves (a belief, the detector's accuracy) that needs no run."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from scipy.special import ndtr

from sim.engine.enforcement import detector_separation
from sim.engine.state import Traits
from sim.scenario import sources as src
from sim.scenario.schema import NormalDist, Scenario

BELIEF_SAMPLE = 20_000
"""Employees drawn (seed 0) to measure what the default beliefs give an expert."""


def _mean(trait) -> float | None:
    """The mean of a trait given as a number or an unclipped normal distribution (else None)."""
    if isinstance(trait, (int, float)):
        return float(trait)
    if isinstance(trait, NormalDist) and trait.min is None and trait.max is None:
        return trait.mean
    return None


def metr_expert_belief(scenario: Scenario) -> float:
    """Hours saved per AI hour that an employee whose true speed-up is METR's measured -0.16 believes:
    (1 - w) s + w prior, in closed form when w and the prior allow it, else by drawing employees."""
    behavior = scenario.behavior
    weight, prior = _mean(behavior.perception_anchoring), _mean(behavior.perceived_speedup_prior)
    if isinstance(behavior.perception_anchoring, (int, float)) and prior is not None:
        w = min(max(weight, 0.0), 1.0)
        return (1 - w) * src.METR_MEASURED_SPEEDUP + w * prior
    experts = behavior.model_copy(update={"speedup": src.METR_MEASURED_SPEEDUP})
    return float(Traits.draw(experts, BELIEF_SAMPLE, np.random.default_rng(0)).perceived_speedup.mean())


def detector_balanced_accuracy(scenario: Scenario) -> float:
    """Best balanced accuracy of the anomaly detector, Phi(d'/2)."""
    return float(ndtr(detector_separation(scenario.usage, scenario.detection) / 2))


def mean_speedup(scenario: Scenario) -> float:
    """Mean true hours saved per genuine AI hour across employees."""
    mean = _mean(scenario.behavior.speedup)
    if mean is not None:
        return mean
    return float(Traits.draw(scenario.behavior, BELIEF_SAMPLE, np.random.default_rng(0)).speedup.mean())


MEASURES: dict[str, Callable[[Scenario], float]] = {
    "metr_expert_belief": metr_expert_belief,
    "detector_balanced_accuracy": detector_balanced_accuracy,
    "mean_speedup": mean_speedup,
}
"""Measures of the parameters themselves, by name."""

DERIVED: dict[str, Callable[[dict[str, Any]], float]] = {
    "action_share": lambda s: s["actions"] / s["queries"] if s["queries"] else float("nan"),
}
"""Quantities derived from a run summary, by name (any other output is a summary key)."""


def from_summary(summary: dict[str, Any], output: str) -> float:
    """One output of a run summary (NaN when missing or not a number)."""
    if output in DERIVED:
        return float(DERIVED[output](summary))
    value = summary.get(output)
    return float(value) if isinstance(value, (int, float)) and value is not None else float("nan")


def _column(values: dict[str, np.ndarray], key: str, default: float | None, n: int) -> np.ndarray | None:
    if key in values:
        return np.asarray(values[key], dtype=float)
    return None if default is None else np.full(n, float(default))


def metr_expert_belief_many(values: dict[str, np.ndarray], base: Scenario, n: int) -> np.ndarray | None:
    """`metr_expert_belief` for many parameter sets at once (None when the traits are not simple)."""
    behavior = base.behavior
    if not isinstance(behavior.perception_anchoring, (int, float)) and "behavior.perception_anchoring" not in values:
        return None
    w = _column(values, "behavior.perception_anchoring", _mean(behavior.perception_anchoring), n)
    prior = _column(values, "behavior.perceived_speedup_prior.mean", _mean(behavior.perceived_speedup_prior), n)
    if w is None or prior is None:
        return None
    w = np.clip(w, 0.0, 1.0)
    return (1 - w) * src.METR_MEASURED_SPEEDUP + w * prior


def mean_speedup_many(values: dict[str, np.ndarray], base: Scenario, n: int) -> np.ndarray | None:
    return _column(values, "behavior.speedup.mean", _mean(base.behavior.speedup), n)


def detector_balanced_accuracy_many(values: dict[str, np.ndarray], base: Scenario, n: int) -> np.ndarray | None:
    """Phi(d'/2) for many sets: the detector's spreads (and usage profiles) may be free parameters."""
    usage, detection = base.usage, base.detection

    def get(key: str, default: float) -> np.ndarray:
        return _column(values, key, default, n)

    def log_tpq(kind) -> np.ndarray:
        name = "genuine" if kind is usage.genuine else "performative"
        tokens = get(f"usage.{name}.tokens_per_hour", kind.tokens_per_hour)
        queries = get(f"usage.{name}.queries_per_hour", kind.queries_per_hour)
        return np.log(tokens / queries + 1)

    gen, perf = usage.genuine, usage.performative
    gaps = [
        (log_tpq(perf) - log_tpq(gen)) / get("detection.spread_log_tokens_per_query", detection.spread_log_tokens_per_query),
        (get("usage.performative.action_rate", perf.action_rate) - get("usage.genuine.action_rate", gen.action_rate))
        / get("detection.spread_action_rate", detection.spread_action_rate),
        (get("usage.performative.repeat_share", perf.repeat_share) - get("usage.genuine.repeat_share", gen.repeat_share))
        / get("detection.spread_repeat_share", detection.spread_repeat_share),
    ]
    return ndtr(np.sqrt(sum(g**2 for g in gaps)) / 2)


MEASURES_MANY: dict[str, Callable[[dict[str, np.ndarray], Scenario, int], np.ndarray | None]] = {
    "metr_expert_belief": metr_expert_belief_many,
    "mean_speedup": mean_speedup_many,
    "detector_balanced_accuracy": detector_balanced_accuracy_many,
}
"""The same measures for many parameter sets at once, for the pre-screen (None: not vectorisable)."""
