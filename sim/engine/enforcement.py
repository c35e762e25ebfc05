"""Audits and the anomaly detector: who gets flagged, and what employees expect it to cost.

Both flag hours: an audit (of a share `rate` of employee-weeks) or the detector (every week)
flags each performative hour with probability tpr and each genuine hour with probability fpr.
Flag counts are Poisson with that mean, so the expected penalty is linear in (g, p), exactly
q*F*(tpr*p + fpr*g) for audits as in the model brief.

The detector's tpr and fpr are not inputs: they follow from how different performative use
looks on what the detector can observe (log tokens per query, action rate, repeated prompts),
measured in spreads of genuine use, and from its operating point `threshold_sd`. A script has its
own signature (long repeated prompts, almost no actions), so its tpr follows the same way; a
script-week is inspected like `usage.script.equivalent_hours` performative hours.

Claim checks (`audit.claim_check_rate`) compare self-reported claims with measured output and catch
a misreport with probability `claim_check_tpr`, at `audit.penalty` per unit caught (brief 10.3).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
from scipy.special import ndtr

from sim.scenario.schema import Audit, Detection, Usage


@dataclass(frozen=True)
class HourlyFlagRates:
    """Probability of a detector flag per performative, genuine and scripted (equivalent) hour."""

    tpr: float
    fpr: float
    script_tpr: float = 0.0


@dataclass(frozen=True)
class Signature:
    """What the detector sees of a kind of use."""

    tokens_per_query: float
    action_rate: float
    repeat_share: float


def signatures(usage: Usage) -> dict[str, Signature]:
    """The detector's view of genuine, manual performative and scripted use."""
    gen, perf, script = usage.genuine, usage.performative, usage.script
    return {
        "genuine": Signature(gen.tokens_per_hour / gen.queries_per_hour, gen.action_rate, gen.repeat_share),
        "performative": Signature(perf.tokens_per_hour / perf.queries_per_hour, perf.action_rate, perf.repeat_share),
        "script": Signature(script.tokens_per_week / script.queries_per_week, script.action_rate, script.repeat_share),
    }


def separation(kind: Signature, genuine: Signature, detection: Detection) -> float:
    """d' of one kind of use from genuine use, in units of genuine spread on each feature."""
    gaps = np.array(
        [
            (np.log(kind.tokens_per_query + 1) - np.log(genuine.tokens_per_query + 1)) / detection.spread_log_tokens_per_query,
            (kind.action_rate - genuine.action_rate) / detection.spread_action_rate,
            (kind.repeat_share - genuine.repeat_share) / detection.spread_repeat_share,
        ]
    )
    return float(np.sqrt(np.sum(gaps**2)))


def detector_separation(usage: Usage, detection: Detection, kind: str = "performative") -> float:
    """d': distance between performative (or scripted) and genuine use in units of genuine spread."""
    seen = signatures(usage)
    return separation(seen[kind], seen["genuine"], detection)


def detector_rates(usage: Usage, detection: Detection) -> HourlyFlagRates:
    """Per-hour flag rates at the detector's operating point (equal-variance Gaussian scores)."""
    if not detection.enabled:
        return HourlyFlagRates(0.0, 0.0, 0.0)
    z = detection.threshold_sd
    return HourlyFlagRates(
        tpr=float(ndtr(detector_separation(usage, detection) - z)),
        fpr=float(ndtr(-z)),
        script_tpr=float(ndtr(detector_separation(usage, detection, "script") - z)),
    )


@dataclass(frozen=True)
class ExpectedPenalty:
    """Expected penalty (hours of pay) per performative, genuine and scripted hour, and per unit
    of misreport."""

    per_performative_hour: float
    per_genuine_hour: float
    per_script_hour: float = 0.0
    per_misreport_unit: float = 0.0


def expected_penalty(audit: Audit, detection: Detection, detector: HourlyFlagRates) -> ExpectedPenalty:
    audited = audit.rate * audit.penalty
    return ExpectedPenalty(
        per_performative_hour=audited * audit.tpr + detection.penalty * detector.tpr,
        per_genuine_hour=audited * audit.fpr + detection.penalty * detector.fpr,
        per_script_hour=audited * audit.tpr + detection.penalty * detector.script_tpr,
        per_misreport_unit=audit.claim_check_rate * audit.claim_check_tpr * audit.penalty,
    )


@dataclass(frozen=True)
class Flags:
    audit_flags: np.ndarray  # flagged hours per employee from audits
    detector_flags: np.ndarray  # flagged hours per employee from the detector
    claims_caught: np.ndarray  # misreport units caught by claim checks per employee
    penalty: np.ndarray  # penalty per employee, hours of pay

    @cached_property
    def total(self) -> np.ndarray:
        """Flagged hours per employee, audits and detector together (whole numbers)."""
        return self.audit_flags + self.detector_flags

    @cached_property
    def flagged(self) -> np.ndarray:
        return self.total > 0


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
