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
    """Best balanced accuracy of the anomaly detector over all thresholds, Phi(d'/2) (reported, not a
    target: the seed's detector is the deployed one, at its operating point)."""
    return float(ndtr(detector_separation(scenario.usage, scenario.detection) / 2))


def detector_accuracy_deployed(scenario: Scenario) -> float:
    """Balanced accuracy of the anomaly detector at the operating point the scenarios deploy
    (`detection.threshold_sd` z): (tpr + 1 - fpr) / 2 = (Phi(d' - z) + Phi(z)) / 2."""
    z = scenario.detection.threshold_sd
    return float((ndtr(detector_separation(scenario.usage, scenario.detection) - z) + ndtr(z)) / 2)


def mean_speedup(scenario: Scenario) -> float:
    """Mean true hours saved per genuine AI hour across employees."""
    mean = _mean(scenario.behavior.speedup)
    if mean is not None:
        return mean
    return float(Traits.draw(scenario.behavior, BELIEF_SAMPLE, np.random.default_rng(0)).speedup.mean())


MEASURES: dict[str, Callable[[Scenario], float]] = {
    "metr_expert_belief": metr_expert_belief,
    "detector_balanced_accuracy": detector_balanced_accuracy,
    "detector_accuracy_deployed": detector_accuracy_deployed,
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
