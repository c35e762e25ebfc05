"""`tokenmaxx audit USAGE... --policy SCENARIO`: read an organisation's usage export, infer its
hidden TokenMaxxing with the model, and write the results (every personal identifier hashed).

Results go to ``results/audit-<policy name>/`` (or ``--out``)::

    audit.json       estimates with 90% intervals, the statistics used, the prior, run facts
    estimates.csv    the same estimates as a table
    users.csv        per user (pseudonym): weeks, tokens, requests, detector score, flagged or not
    statistics.csv   each summary statistic: observed, and the accepted simulations' median and 90% range
    posterior.csv    the accepted simulations: kernel weight, parameters, hidden quantities
    report.html      the report
    metadata.json    versions, seed, wall time, provenance
"""

from __future__ import annotations

import json
import secrets
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.audit.formats import pseudonym, read_usage
from sim.audit.infer import (
    ESTIMANDS, Posterior, Prior, ReferenceTable, abc_posterior, detector_scores, kpi_effect, load_prior, reference_table,
    statistics, weighted_quantiles, wide,
)
from sim.scenario.schema import Scenario

DEFAULT_SIMULATIONS = 1000
"""Simulated organisations in the reference table (about 20 s for 100 users x 12 weeks on one core)."""
DEFAULT_ACCEPT_SHARE = 0.1
"""Share of the nearest simulations accepted (the recovery study's 90% intervals cover at about 0.9 with it)."""
MIN_USERS = 5
"""Fewest users an export must have: distributions over users need users."""

LABELS = {
    "performative_token_share": "performative share of tokens",
    "performative_hour_share": "performative share of AI hours (manual and script upkeep)",
    "gaming_user_share": "share of users gaming in a week",
    "kpi_inflation": "dashboard's KPI over its genuine part (overstatement)",
    "value_overstatement": "reported value over true value",
    "detector_precision": "detector precision at the threshold (share of flagged users who game)",
    "detector_recall": "detector recall at the threshold (share of gaming users flagged)",
    "true_value_change_usd_per_year": "the KPI's effect on true value, USD a year, against no KPI",
    "reported_value_change_usd_per_year": "the KPI's effect on reported value, USD a year, against no KPI",
}


@dataclass(frozen=True)
class AuditResult:
    """What an audit found."""

    policy: Scenario
    observed: pd.DataFrame  # the observables table, users pseudonymised
    observed_stats: dict[str, float]
    table: ReferenceTable
    posterior: Posterior
    users: pd.DataFrame
    estimates: pd.DataFrame
    threshold: float
    seed: int
    wall_time_s: float
    sources: list[str]
    method: str = "rejection"


METHODS = ("rejection", "smc")
"""`rejection`: rejection ABC on a batched reference table (the recovery study's method);
`smc`: pyabc's ABC-SMC with batched simulations (:mod:`sim.audit.smc`)."""


def audit(paths: list[Path], policy: Scenario, *, fmt: str | None = None, simulations: int = DEFAULT_SIMULATIONS,
          seed: int = 0, salt: str | None = None, keep_identifiers: bool = False,
          accept_share: float = DEFAULT_ACCEPT_SHARE, prior: Prior | None = None, method: str = "rejection",
          smc_options: dict[str, int] | None = None) -> AuditResult:
    """Read, infer, score. Identifiers are replaced by salted hashes unless `keep_identifiers`
    (a fresh random salt unless one is given: pseudonyms then differ between audits)."""
    from sim.audit.formats import UsageError

    started = time.perf_counter()
    observed = read_usage(paths, fmt)
    if not keep_identifiers:
        observed = observed.assign(user=pseudonym(observed["user"], salt if salt is not None else secrets.token_hex(16)))
    users, weeks = observed["user"].nunique(), int(observed["week"].max())
    if users < MIN_USERS:
        raise UsageError(f"{', '.join(map(str, paths))}: {users} user{'s' if users != 1 else ''}; the audit needs at "
                         f"least {MIN_USERS} (it fits distributions over users)")
    target, regime = policy.kpi.resolved_target, policy.kpi.regime
    arrays = wide(observed)
    observed_stats = statistics(arrays, target, regime)
    if method == "smc":
        from sim.audit.smc import abc_smc

        table, posterior = abc_smc(observed_stats, policy, users, weeks, prior or load_prior(), arrays, seed,
                                   **(smc_options or {}))
    else:
        table = reference_table(policy, users, weeks, simulations, seed, prior or load_prior(), like=arrays)
        posterior = abc_posterior(observed_stats, table, accept_share)
    threshold = policy.detection.threshold_sd
    per_user = observed.assign(tokens=observed["input_tokens"] + observed["output_tokens"]).groupby("user").agg(
        weeks=("week", "nunique"), tokens=("tokens", "sum"), requests=("requests", "sum"))
    per_user["detector_score"] = detector_scores(arrays, policy)  # users sorted, as groupby sorts them
    per_user["flagged"] = per_user["detector_score"] >= threshold
    rows = []
    for name in ESTIMANDS:
        median, low, high = posterior.interval(name)
        rows.append({"estimand": name, "meaning": LABELS[name], "median": median, "low_5pct": low, "high_95pct": high})
    effect = kpi_effect(table, posterior)
    for name in effect.columns:
        q = weighted_quantiles(effect[name].to_numpy(dtype=float), posterior.weights, [0.5, 0.05, 0.95])
        rows.append({"estimand": name, "meaning": LABELS[name], "median": q[0], "low_5pct": q[1], "high_95pct": q[2]})
    return AuditResult(policy, observed, observed_stats, table, posterior, per_user.reset_index(), pd.DataFrame(rows),
                       threshold, seed, time.perf_counter() - started, [str(p) for p in paths], method)


def flagging_share(result: AuditResult) -> float:
    """Weighted share of the accepted simulated organisations in which the detector flags anyone
    (where it flags nobody, its precision is undefined)."""
    flagged = np.isfinite(result.posterior.values["detector_precision"].to_numpy(dtype=float))
    return float(np.sum(result.posterior.weights[flagged]) / np.sum(result.posterior.weights))


def statistics_table(result: AuditResult) -> pd.DataFrame:
    """Each statistic used: observed value, accepted simulations' weighted median and 90% range."""
    rows = []
    sims = result.table.statistics.iloc[result.posterior.rows]
    for name in result.posterior.statistics_used:
        q = weighted_quantiles(sims[name].to_numpy(dtype=float), result.posterior.weights, [0.5, 0.05, 0.95])
        rows.append({"statistic": name, "observed": result.observed_stats[name], "simulated_median": q[0],
                     "simulated_low_5pct": q[1], "simulated_high_95pct": q[2]})
    return pd.DataFrame(rows)


def summary_json(result: AuditResult) -> dict[str, Any]:
    """audit.json."""
    def clean(x: float) -> float | None:
        return None if not np.isfinite(x) else float(x)

    flagged = int(result.users["flagged"].sum())
    return {
        "policy": result.policy.name,
        "kpi_regime": result.policy.kpi.regime,
        "usage_files": result.sources,
        "users": int(result.observed["user"].nunique()),
        "weeks": int(result.observed["week"].max()),
        "estimates": {r["estimand"]: {"median": clean(r["median"]), "low_5pct": clean(r["low_5pct"]),
                                      "high_95pct": clean(r["high_95pct"]), "meaning": r["meaning"]}
                      for r in result.estimates.to_dict("records")},
        "detector": {"threshold_sd": result.threshold, "flagged_users": flagged,
                     "simulated_organisations_with_a_flag_share": flagging_share(result),
                     "note": "a score is a reason to look, never proof: see the estimated precision"},
        "statistics_used": list(result.posterior.statistics_used),
        "prior": result.table.prior.source,
        "simulations": int(result.table.extra.get("simulations", len(result.table.statistics))),
        "accepted": int(len(result.posterior.rows)),
        "seed": result.seed,
        "method": {"rejection": "rejection ABC on a batched reference table (sim.audit.infer)",
                   "smc": "pyabc ABC-SMC, simulations batched (sim.audit.smc)"}[result.method],
        **({"smc": result.table.extra} if result.method == "smc" else {}),
        "identifiers": "hashed with a salt (user-<12 hex digits>)",
        "wall_time_s": round(result.wall_time_s, 2),
    }


def write_audit(result: AuditResult, folder: Path) -> None:
    """Every output file into `folder` (each atomically)."""
    from sim.audit.report import write_report
    from sim.output import atomic_write, atomic_write_text, provenance, versions

    folder.mkdir(parents=True, exist_ok=True)
    atomic_write_text(folder / "audit.json", json.dumps(summary_json(result), indent=2) + "\n")
    tables = {
        "estimates.csv": result.estimates,
        "users.csv": result.users,
        "statistics.csv": statistics_table(result),
        "posterior.csv": result.posterior.values.assign(weight=result.posterior.weights),
    }
    for name, frame in tables.items():
        atomic_write(folder / name, lambda p, f=frame: f.to_csv(p, index=False))
    meta = {**versions(), "seed": result.seed, "wall_time_s": round(result.wall_time_s, 4), **provenance()}
    atomic_write_text(folder / "metadata.json", json.dumps(meta, indent=2) + "\n")
    write_report(result, folder)


def describe(result: AuditResult, out_dir: Path) -> str:
    """The audit's headline as text."""
    lines = [f"audit of {', '.join(result.sources)} under policy {result.policy.name} "
             f"({result.policy.kpi.regime} KPI): {result.observed['user'].nunique()} users, "
             f"{int(result.observed['week'].max())} weeks; "
             f"{int(result.table.extra.get('simulations', len(result.table.statistics))):,} simulated organisations, "
             f"{len(result.posterior.rows)} accepted ({result.method})"]
    for row in result.estimates.to_dict("records"):
        if np.isfinite(row["median"]):
            pct = row["estimand"] in ("performative_token_share", "performative_hour_share", "gaming_user_share",
                                      "detector_precision", "detector_recall")
            usd = row["estimand"].endswith("_usd_per_year")
            fmt = (lambda x: f"{x:.0%}") if pct else (lambda x: f"{x:+,.0f}") if usd else (lambda x: f"{x:.2f}")
            lines.append(f"  {row['meaning']}: {fmt(row['median'])} (90%: {fmt(row['low_5pct'])} to {fmt(row['high_95pct'])})")
    lines.append(f"  users flagged by the detector (score >= {result.threshold:g}): {int(result.users['flagged'].sum())} "
                 "(a reason to look, not proof; see the precision above)")
    lines.append(f"\nwall time {result.wall_time_s:.1f} s; results in {out_dir}/; report: {out_dir / 'report.html'}")
    return "\n".join(lines)
