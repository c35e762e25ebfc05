"""Audits and the anomaly detector: who gets flagged, and what employees expect it to cost.

Both flag hours: an audit (of a share `rate` of employee-weeks) or the detector (every week)
flags each performative hour with probability tpr and each genuine hour with probability fpr.
Flag counts are Poisson with that mean, so the expected penalty is linear in (g, p), exactly
q*F*(tpr*p + fpr*g) for audits as in the model brief.

The detector's tpr and fpr are not inputs: they follow from how different performative use
looks on what the detector can observe (log tokens per query, action rate, repeated prompts),
measured in spreads of genuine use, and from its operating point `threshold_sd`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import ndtr

from sim.scenario.schema import Audit, Detection, Usage


@dataclass(frozen=True)
class HourlyFlagRates:
    """Probability of a flag per performative hour and per genuine hour."""

    tpr: float
    fpr: float


def detector_separation(usage: Usage, detection: Detection) -> float:
    """d': distance between performative and genuine use in units of genuine spread."""
    gen, perf = usage.genuine, usage.performative
    log_tpq_gap = np.log(perf.tokens_per_hour / perf.queries_per_hour + 1) - np.log(
        gen.tokens_per_hour / gen.queries_per_hour + 1
    )
    gaps = np.array(
        [
            log_tpq_gap / detection.spread_log_tokens_per_query,
            (perf.action_rate - gen.action_rate) / detection.spread_action_rate,
            (perf.repeat_share - gen.repeat_share) / detection.spread_repeat_share,
        ]
    )
    return float(np.sqrt(np.sum(gaps**2)))


def detector_rates(usage: Usage, detection: Detection) -> HourlyFlagRates:
    """Per-hour flag rates at the detector's operating point (equal-variance Gaussian scores)."""
    if not detection.enabled:
        return HourlyFlagRates(0.0, 0.0)
    separation = detector_separation(usage, detection)
    return HourlyFlagRates(
        tpr=float(ndtr(separation - detection.threshold_sd)), fpr=float(ndtr(-detection.threshold_sd))
    )


@dataclass(frozen=True)
class ExpectedPenalty:
    """Expected utility penalty per performative hour and per genuine hour."""

    per_performative_hour: float
    per_genuine_hour: float


def expected_penalty(audit: Audit, detection: Detection, detector: HourlyFlagRates) -> ExpectedPenalty:
    return ExpectedPenalty(
        per_performative_hour=audit.rate * audit.penalty * audit.tpr + detection.penalty * detector.tpr,
        per_genuine_hour=audit.rate * audit.penalty * audit.fpr + detection.penalty * detector.fpr,
    )


@dataclass(frozen=True)
class Flags:
    audit_flags: np.ndarray  # flagged hours per employee from audits
    detector_flags: np.ndarray  # flagged hours per employee from the detector
    penalty: np.ndarray  # utility penalty per employee

    @property
    def flagged(self) -> np.ndarray:
        return (self.audit_flags + self.detector_flags) > 0


def draw_flags(
    genuine: np.ndarray,
    performative: np.ndarray,
    audit: Audit,
    detection: Detection,
    detector: HourlyFlagRates,
    rng: np.random.Generator,
) -> Flags:
    """Audit a random share of employees and screen everyone with the detector."""
    n = genuine.shape[0]
    audit_flags = np.zeros(n)
    if audit.rate > 0:
        audited = np.flatnonzero(rng.random(n) < audit.rate)
        mean = audit.tpr * performative[audited] + audit.fpr * genuine[audited]
        audit_flags[audited] = rng.poisson(mean)
    detector_flags = np.zeros(n)
    if detector.tpr > 0 or detector.fpr > 0:
        detector_flags = poisson_by_inversion(detector.tpr * performative + detector.fpr * genuine, rng.random(n))
    penalty = audit.penalty * audit_flags + detection.penalty * detector_flags
    return Flags(audit_flags, detector_flags, penalty)


def poisson_by_inversion(mean: np.ndarray, uniform: np.ndarray) -> np.ndarray:
    """Exact Poisson draws from one uniform each, by inverting the CDF.

    Most employee-weeks draw 0, which costs one comparison; only the rest walk up the CDF.
    (Cheaper than `Generator.poisson` when most means are small.)
    """
    counts = np.zeros(mean.shape[0])
    pmf = np.exp(-mean)
    rows = np.flatnonzero(uniform > pmf)
    cdf, pmf, lam, u, k = pmf[rows], pmf[rows], mean[rows], uniform[rows], 0
    while rows.size:
        k += 1
        pmf = pmf * lam / k
        cdf = cdf + pmf
        counts[rows] = k
        more = (u > cdf) & (pmf > 0)  # pmf 0 only where the CDF has reached 1 in floating point
        rows, cdf, pmf, lam, u = rows[more], cdf[more], pmf[more], lam[more], u[more]
    return counts
