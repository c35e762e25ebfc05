"""Inference of an organisation's hidden TokenMaxxing from its per-user-week usage, with the model
as a likelihood-free simulator.

The unknowns are the behavioural parameters of the calibration (their prior box in
scenarios/calibration/targets.yaml, or the draws of scenarios/calibration/posterior.csv when it
exists). The policy scenario fixes what the organisation told us (KPI, incentive, audits, prices);
the simulated organisations have the observed head-count and weeks. Each draw is simulated once
(all draws stepped together on batched engines), the same summary statistics are computed on its
synthetic usage as on the observed, and rejection ABC (an Epanechnikov kernel on the nearest
`accept_share` of draws, distances in median absolute deviations of the simulated statistics)
gives the posterior of every hidden quantity: the performative share of tokens and hours, the share
of gaming users, the dashboard's overstatement, and the detector's precision.

Why not an inference library: pyabc 0.13 installs on this Python, but its samplers call the
simulator once per particle, so it cannot use the batched engine, and it draws from NumPy's global
generator; one reference table also serves every synthetic organisation of the recovery study.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.audit.usage import run_usage_engines
from sim.runner import integer_counts, summarise
from sim.scenario.io import ScenarioError, apply_changes
from sim.scenario.schema import Scenario

CALIBRATION_DIR = Path(__file__).resolve().parents[2] / "scenarios" / "calibration"
TARGETS_FILE = CALIBRATION_DIR / "targets.yaml"
POSTERIOR_FILE = CALIBRATION_DIR / "posterior.csv"
ESTIMANDS = ("performative_token_share", "performative_hour_share", "gaming_user_share", "kpi_inflation",
             "value_overstatement", "detector_precision", "detector_recall")
"""Hidden quantities the audit estimates (each simulated organisation's value is known)."""
INTERVAL = (0.05, 0.95)
"""Quantiles of the 90% interval."""
SHARES = frozenset({"performative_token_share", "performative_hour_share", "gaming_user_share",
                    "detector_precision", "detector_recall"})
"""Estimands kept within [0, 1] after the regression adjustment."""


@dataclass(frozen=True)
class Prior:
    """Parameter key paths and how to draw them: a uniform box, or weighted posterior draws."""

    names: tuple[str, ...]
    low: np.ndarray | None = None
    high: np.ndarray | None = None
    draws: np.ndarray | None = None  # (n, d) posterior draws
    weights: np.ndarray | None = None
    source: str = ""

    def sample(self, n: int, rng: np.random.Generator) -> np.ndarray:
        """n parameter sets, (n, d)."""
        if self.draws is not None:
            picks = rng.choice(len(self.draws), size=n, replace=True, p=self.weights)
            return self.draws[picks]
        return self.low + (self.high - self.low) * rng.random((n, len(self.names)))


def load_prior(targets: Path = TARGETS_FILE, posterior: Path = POSTERIOR_FILE) -> Prior:
    """The calibration's posterior draws when `posterior` exists (columns draw, weight, then one per
    key path), else the prior box of `targets`."""
    if posterior.is_file():
        from sim.calibrate.posterior import PosteriorError, load_posterior

        try:
            draws = load_posterior(posterior)
        except PosteriorError as exc:
            raise ScenarioError(str(exc)) from None
        return Prior(draws.parameters, draws=draws.values, weights=draws.weights,
                     source=f"{posterior} ({len(draws):,} posterior draws)")
    from sim.calibrate.targets import CalibrationSpec
    from sim.scenario.io import read_yaml

    spec = CalibrationSpec.model_validate(read_yaml(targets))
    names = tuple(name for name, parameter in spec.parameters.items() if parameter.world)  # not the seed firms' own
    return Prior(names, low=np.array([spec.parameters[n].low for n in names]),
                 high=np.array([spec.parameters[n].high for n in names]), source=f"{targets} (prior box)")


# --- summary statistics ----------------------------------------------------------------------------

def wide(observed: pd.DataFrame) -> dict[str, np.ndarray]:
    """The observables table as (weeks, users) arrays (users sorted; a user-week absent from the
    table is a week without use); a column the export lacks is all NaN; `repeated_prompts` = share
    x requests."""
    users = np.unique(observed["user"].to_numpy(dtype=str))
    weeks = int(observed["week"].max())
    col = np.searchsorted(users, observed["user"].to_numpy(dtype=str))
    row = observed["week"].to_numpy(dtype=np.int64) - 1
    out = {}
    for name in ("input_tokens", "output_tokens", "requests", "actions"):
        values = observed[name].to_numpy(dtype=float)
        grid = np.zeros((weeks, len(users)))
        grid[row, col] = values
        out[name] = grid if np.isfinite(values).all() else np.full((weeks, len(users)), np.nan)
    share = observed["repeated_prompt_share"].to_numpy(dtype=float)
    used = observed["requests"].to_numpy(dtype=float) > 0
    if np.isfinite(share[used]).all() and used.any():  # repetition known for every week with use
        grid = np.zeros((weeks, len(users)))
        grid[row, col] = np.nan_to_num(share) * observed["requests"].to_numpy(dtype=float)
        out["repeated_prompts"] = grid
    else:
        out["repeated_prompts"] = np.full((weeks, len(users)), np.nan)
    return out


def kpi_measure(arrays: dict[str, np.ndarray], regime: str) -> np.ndarray:
    """What the dashboard counts per user-week, from the export: requests under `queries`, actions
    under `action_linked` (when the export has them), tokens otherwise."""
    if regime == "queries":
        return arrays["requests"]
    if regime == "action_linked" and np.isfinite(arrays["actions"]).all():
        return arrays["actions"]
    return arrays["input_tokens"] + arrays["output_tokens"]


def statistics(arrays: dict[str, np.ndarray], target: float, regime: str) -> dict[str, float]:
    """Summary statistics of one organisation's (weeks, users) observables (NaN where the export
    lacks the column) over its users with any request: tokens per request and per action, action
    rate, prompt repetition, usage against the KPI target, spread between users, weeks without use,
    and weekly dynamics."""
    active = arrays["requests"].sum(axis=0) > 0  # a user without any request appears in no daily or span export
    arrays = {name: values[:, active] for name, values in arrays.items()}
    tokens = arrays["input_tokens"] + arrays["output_tokens"]
    requests = arrays["requests"]
    weeks, users = tokens.shape
    user_tokens, user_requests = tokens.sum(axis=0), requests.sum(axis=0)
    per_request = np.log1p(user_tokens / np.maximum(user_requests, 1))
    stats = {"log_tokens_per_request_median": float(np.median(per_request)),
             "log_tokens_per_request_p90": float(np.percentile(per_request, 90))}
    if np.isfinite(arrays["actions"]).all():
        user_actions = arrays["actions"].sum(axis=0)
        stats["action_rate"] = float(user_actions.sum() / max(user_requests.sum(), 1))
        stats["action_rate_p10"] = float(np.percentile(user_actions / np.maximum(user_requests, 1), 10))
        stats["log_tokens_per_action_median"] = float(np.median(np.log1p(user_tokens / (user_actions + 1))))
    else:
        stats.update(action_rate=np.nan, action_rate_p10=np.nan, log_tokens_per_action_median=np.nan)
    if np.isfinite(arrays["repeated_prompts"]).all():
        user_repeated = arrays["repeated_prompts"].sum(axis=0)
        stats["repeat_share"] = float(user_repeated.sum() / max(user_requests.sum(), 1))
        stats["repeat_share_p90"] = float(np.percentile(user_repeated / np.maximum(user_requests, 1), 90))
    else:
        stats.update(repeat_share=np.nan, repeat_share_p90=np.nan)
    ratio = kpi_measure(arrays, regime) / target
    stats["share_at_target"] = float(np.mean(ratio >= 1.0 - 1e-9))
    stats["kpi_over_target_median"] = float(np.median(ratio))
    stats["kpi_over_target_p90"] = float(np.percentile(ratio, 90))
    user_ratio = ratio.mean(axis=0)
    stats["log_kpi_spread"] = float(np.std(np.log1p(user_ratio)))
    stats["idle_week_share"] = float(np.mean(requests <= 0))
    by_week = tokens.sum(axis=1)
    half = max(weeks // 2, 1)
    stats["log_growth_first_to_last_half"] = float(np.log1p(by_week[-half:].mean()) - np.log1p(by_week[:half].mean()))
    logs = np.log1p(tokens)
    if weeks > 1:
        a, b = logs[:-1].ravel(), logs[1:].ravel()
        stats["week_to_week_correlation"] = float(np.corrcoef(a, b)[0, 1]) if a.std() > 0 and b.std() > 0 else 1.0
    else:
        stats["week_to_week_correlation"] = np.nan
    return stats


# --- detector scores --------------------------------------------------------------------------------

def detector_scores(arrays: dict[str, np.ndarray], policy: Scenario) -> np.ndarray:
    """Each user's distance from genuine use on what the model's detector sees (log tokens per
    request, action rate, repeated-prompt share, each in spreads of genuine use; only those the
    export has), over the whole export, as :func:`sim.engine.enforcement.separation` measures it."""
    gen, detection = policy.usage.genuine, policy.detection
    tokens = (arrays["input_tokens"] + arrays["output_tokens"]).sum(axis=0)
    requests = np.maximum(arrays["requests"].sum(axis=0), 1)
    gaps = [(np.log(tokens / requests + 1) - np.log(gen.tokens_per_hour / gen.queries_per_hour + 1))
            / detection.spread_log_tokens_per_query]
    if np.isfinite(arrays["actions"]).all():
        gaps.append((arrays["actions"].sum(axis=0) / requests - gen.action_rate) / detection.spread_action_rate)
    if np.isfinite(arrays["repeated_prompts"]).all():
        gaps.append((arrays["repeated_prompts"].sum(axis=0) / requests - gen.repeat_share) / detection.spread_repeat_share)
    return np.sqrt(np.sum(np.square(gaps), axis=0))


def detector_quality(scores: np.ndarray, gaming_weeks_share: np.ndarray, threshold: float) -> tuple[float, float]:
    """(precision, recall) of flagging users whose score reaches `threshold`, a user counting as
    gaming when they gamed in at least half their weeks (NaN precision when nobody is flagged)."""
    gaming = gaming_weeks_share >= 0.5
    flagged = scores >= threshold
    precision = float(np.sum(flagged & gaming) / np.sum(flagged)) if flagged.any() else np.nan
    recall = float(np.sum(flagged & gaming) / np.sum(gaming)) if gaming.any() else np.nan
    return precision, recall


def hidden_shares(truth: dict[str, np.ndarray]) -> dict[str, float]:
    """:func:`sim.audit.usage.truth_summary` of (weeks, users) truth arrays."""
    gaming_hours = truth["performative_hours"].sum() + truth["script_upkeep_hours"].sum()
    hours = truth["genuine_hours"].sum() + gaming_hours
    tokens = truth["tokens"].sum()
    return {"performative_token_share": float(truth["performative_tokens"].sum() / tokens) if tokens > 0 else 0.0,
            "performative_hour_share": float(gaming_hours / hours) if hours > 0 else 0.0,
            "gaming_user_share": float(truth["gaming"].mean(axis=1).mean())}


def mask_like(arrays: dict[str, np.ndarray], observed: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Simulated arrays with the columns the observed export lacks blanked (NaN) the same way."""
    return {name: (np.full_like(values, np.nan) if not np.isfinite(observed[name]).all() else values)
            for name, values in arrays.items()}


# --- the reference table ----------------------------------------------------------------------------

@dataclass
class ReferenceTable:
    """Simulated organisations: their parameters, statistics and hidden truth (one row each)."""

    parameters: pd.DataFrame
    statistics: pd.DataFrame
    truth: pd.DataFrame
    prior: Prior
    seeds: np.ndarray  # each simulated organisation's seed
    scenarios: list[Scenario]  # each simulated organisation as it ran
    wall_time_s: float = 0.0
    extra: dict[str, Any] = field(default_factory=dict)


def simulated_scenarios(policy: Scenario, users: int, weeks: int, thetas: np.ndarray, names: tuple[str, ...],
                        seeds: np.ndarray) -> list[Scenario]:
    """The policy with the observed size and each parameter set and seed."""
    base = apply_changes(policy, {"organization.employees": users, "weeks": weeks}, origin="audit")
    return [apply_changes(base, {**dict(zip(names, map(float, theta), strict=True)), "seed": int(seed)},
                          origin="audit prior draw", check=False) for theta, seed in zip(thetas, seeds, strict=True)]


def simulate_organisations(policy: Scenario, scenarios: list[Scenario], threshold: float | None = None,
                           like: dict[str, np.ndarray] | None = None
                           ) -> tuple[list[dict[str, float]], list[dict[str, float]]]:
    """Each scenario's summary statistics and hidden truth, the scenarios stepped together on
    batched engines; `like` (an observed export's arrays) blanks the columns that export lacks."""
    threshold = policy.detection.threshold_sd if threshold is None else threshold
    target, regime = policy.kpi.resolved_target, policy.kpi.regime
    stats: list[dict[str, float]] = [{}] * len(scenarios)
    truths: list[dict[str, float]] = [{}] * len(scenarios)
    for members, engine in run_usage_engines(scenarios):
        for k, i in enumerate(members):
            weeks_k = engine.usage(k)
            arrays = weeks_k.observed if like is None else mask_like(weeks_k.observed, like)
            stats[i] = statistics(arrays, target, regime)
            summary = summarise(scenarios[i], None, engine.facts(k), integer_counts(engine.columns(k)))
            precision, recall = detector_quality(detector_scores(arrays, policy), weeks_k.truth["gaming"].mean(axis=0),
                                                 threshold)
            truths[i] = {**hidden_shares(weeks_k.truth), "kpi_inflation": summary["kpi_inflation"],
                         "value_overstatement": summary["value_overstatement"],
                         "detector_precision": precision, "detector_recall": recall}
    return stats, truths


def reference_table(policy: Scenario, users: int, weeks: int, simulations: int, seed: int,
                    prior: Prior | None = None, threshold: float | None = None,
                    like: dict[str, np.ndarray] | None = None) -> ReferenceTable:
    """`simulations` organisations drawn from the prior and simulated on batched engines; `like`
    (an observed export's arrays) blanks the columns that export lacks, in every simulation."""
    import time

    started = time.perf_counter()
    prior = prior or load_prior()
    rng = np.random.default_rng(np.random.SeedSequence([seed, 29]))
    thetas = prior.sample(simulations, rng)
    seeds = rng.integers(0, 2**63 - 1, size=simulations)
    scenarios = simulated_scenarios(policy, users, weeks, thetas, prior.names, seeds)
    stats, truths = simulate_organisations(policy, scenarios, threshold, like)
    return ReferenceTable(pd.DataFrame(thetas, columns=list(prior.names)), pd.DataFrame(stats), pd.DataFrame(truths),
                          prior, seeds, scenarios, time.perf_counter() - started)


WEEKS_PER_YEAR = 52


def kpi_effect(table: ReferenceTable, posterior: Posterior) -> pd.DataFrame:
    """The KPI's effect in the accepted worlds (model brief 11.1): each accepted organisation run
    again with the same parameters and seed but no KPI pressure (`kpi.strength` 0), on
    :func:`sim.runner.run_batch`; per accepted row, the change of true value and of reported value in
    USD a year (the policy's minus no KPI's; seats and licences are the same on both sides)."""
    from sim.runner import run_batch

    chosen = [table.scenarios[i] for i in posterior.rows]
    without = [apply_changes(s, {"kpi.strength": 0.0}, origin="audit: no KPI", check=False) for s in chosen]
    results = run_batch(chosen + without)
    n = len(chosen)
    rows = []
    for (with_kpi, _), (no_kpi, _), scenario in zip(results[:n], results[n:], chosen, strict=True):
        per_year = WEEKS_PER_YEAR / scenario.weeks
        rows.append({"true_value_change_usd_per_year": (with_kpi["true_value_usd"] - no_kpi["true_value_usd"]) * per_year,
                     "reported_value_change_usd_per_year":
                         (with_kpi["reported_value_usd"] - no_kpi["reported_value_usd"]) * per_year})
    return pd.DataFrame(rows)


# --- rejection ABC with regression adjustment -------------------------------------------------------

@dataclass(frozen=True)
class Posterior:
    """Accepted simulations, their kernel weights and the adjusted values of every estimand."""

    rows: np.ndarray  # indices into the reference table
    weights: np.ndarray
    values: pd.DataFrame  # adjusted estimands of the accepted rows (plus parameters, unadjusted)
    statistics_used: tuple[str, ...]

    def interval(self, name: str) -> tuple[float, float, float]:
        """(median, 5%, 95%) of an estimand, weighted (NaN where no accepted draw has a value)."""
        values = self.values[name].to_numpy(dtype=float)
        keep = np.isfinite(values)
        if not keep.any():
            return (np.nan, np.nan, np.nan)
        q = weighted_quantiles(values[keep], self.weights[keep], [0.5, *INTERVAL])
        return (float(q[0]), float(q[1]), float(q[2]))


def weighted_quantiles(values: np.ndarray, weights: np.ndarray, quantiles: list[float]) -> np.ndarray:
    """Quantiles of a weighted sample (linear interpolation of the weighted CDF at mid-points)."""
    order = np.argsort(values)
    v, w = values[order], weights[order]
    cdf = (np.cumsum(w) - 0.5 * w) / w.sum()
    return np.interp(quantiles, cdf, v)


def abc_posterior(observed_stats: dict[str, float], table: ReferenceTable, accept_share: float = 0.1,
                  exclude: int | None = None, adjust: bool = False) -> Posterior:
    """Rejection ABC on the reference table (with `adjust`, the local-linear regression adjustment
    of Beaumont, Zhang and Balding 2002, Genetics 162:2025: off by default, since on the recovery
    study it narrowed the 90% intervals to 73-80% coverage against 89-90% without). Only the
    statistics the observed export has (finite) are used; `exclude` leaves one simulated row out
    (the recovery study's held-out organisation)."""
    sims = table.statistics
    used = tuple(name for name, value in observed_stats.items()
                 if np.isfinite(value) and name in sims and np.isfinite(sims[name]).all() and sims[name].std() > 0)
    if not used:
        raise ScenarioError("audit: none of the summary statistics can be computed from this export")
    s = sims[list(used)].to_numpy(dtype=float)
    x = np.array([observed_stats[n] for n in used])
    scale = np.median(np.abs(s - np.median(s, axis=0)), axis=0) * 1.4826
    scale = np.where(scale > 0, scale, s.std(axis=0))
    distance = np.sqrt(np.sum(((s - x) / scale) ** 2, axis=1))
    if exclude is not None:
        distance[exclude] = np.inf
    n_accept = max(int(round(accept_share * len(distance))), len(used) + 2)
    rows = np.argsort(distance, kind="stable")[:n_accept]
    bandwidth = distance[rows[-1]] if distance[rows[-1]] > 0 else 1.0
    weights = 1.0 - (distance[rows] / bandwidth) ** 2
    weights = np.where(weights > 0, weights, 1e-3)  # the farthest accepted draw keeps a sliver of weight
    design = np.column_stack([np.ones(len(rows)), (s[rows] - x) / scale])
    values = {}
    for name in table.truth.columns:
        y = table.truth[name].to_numpy(dtype=float)[rows]
        keep = np.isfinite(y)
        adjusted = y.copy()
        if adjust and keep.sum() > design.shape[1] + 2:
            root_w = np.sqrt(weights[keep])
            beta, *_ = np.linalg.lstsq(design[keep] * root_w[:, None], y[keep] * root_w, rcond=None)
            adjusted[keep] = y[keep] - design[keep, 1:] @ beta[1:]
        if name in SHARES:
            adjusted = np.clip(adjusted, 0.0, 1.0)
        elif name in ("kpi_inflation", "value_overstatement"):
            adjusted = np.where(np.isfinite(adjusted), np.maximum(adjusted, 0.0), adjusted)
        values[name] = adjusted
    for name in table.parameters.columns:
        values[name] = table.parameters[name].to_numpy()[rows]
    return Posterior(rows, weights, pd.DataFrame(values), used)
