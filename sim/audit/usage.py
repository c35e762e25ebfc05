"""Per-employee-week usage from the engine: what an organisation's usage export would show, and
the truth behind it.

The engine books organisation totals; :class:`UsageEngine` also keeps, each week, every employee's
observables (tokens in and out, requests, downstream actions, repeated prompts) and their truth
(genuine and performative hours, a script, gaming), as whole arrays (no loop over employees). The
observables table is the project's per-user-week schema (:data:`OBSERVABLE_COLUMNS`, documented in
docs/usage-formats.md); every reader in :mod:`sim.audit.formats` maps an export onto it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.engine.engine import Engine
from sim.engine.strategies import Choice
from sim.scenario.schema import Scenario

OBSERVABLE_COLUMNS: dict[str, str] = {
    "user": "the employee (a pseudonym: hashed with a salt in every output)",
    "week": "working week, 1 = the export's first week",
    "input_tokens": "prompt (input) tokens that week",
    "output_tokens": "completion (output) tokens that week",
    "requests": "model requests (prompts sent) that week",
    "actions": "requests followed by a downstream action (an accepted suggestion, a commit, a pull request)",
    "repeated_prompt_share": "share of the week's prompts that repeat an earlier prompt (empty where the export has no prompts)",
}
"""The per-user-week observables table every reader produces, with what each column counts."""

COUNT_COLUMNS = ("input_tokens", "output_tokens", "requests", "actions")
"""Whole-number columns of the observables table."""

TRUTH_COLUMNS: dict[str, str] = {
    "user": "the employee (same pseudonym as in the usage table)",
    "week": "working week",
    "genuine_hours": "hours of genuine (value-creating) AI use",
    "performative_hours": "hours of manual performative AI use",
    "script": "1 if a prompt-looping script ran that week",
    "script_upkeep_hours": "hours spent keeping the script running",
    "tokens": "tokens in all (input + output)",
    "performative_tokens": "tokens from performative use and scripts",
    "gaming": "1 if any activity that week inflated the KPI without value (performative use, a script, a misreport)",
}
"""The truth written beside a synthetic export."""


@dataclass(frozen=True)
class UsageWeeks:
    """Every employee's weeks, as arrays of shape (weeks, rows of the engine)."""

    observed: dict[str, np.ndarray]
    truth: dict[str, np.ndarray]


class UsageEngine(Engine):
    """An :class:`Engine` that also keeps each employee's weekly observables and truth."""

    def __init__(self, scenarios: Sequence[Scenario], rngs: Sequence[np.random.Generator]) -> None:
        super().__init__(scenarios, rngs)
        self.usage_weeks: list[tuple[dict[str, np.ndarray], dict[str, np.ndarray]]] = []

    def _observe(self, week: int, choice: Choice) -> dict[str, np.ndarray]:
        totals = super()._observe(week, choice)
        self.usage_weeks.append(employee_week(self, choice))
        return totals

    def usage(self, k: int) -> UsageWeeks:
        """Organisation k's employee-weeks."""
        s = self.slices[k]
        observed = {name: np.stack([w[0][name][s] for w in self.usage_weeks]) for name in self.usage_weeks[0][0]}
        truth = {name: np.stack([w[1][name][s] for w in self.usage_weeks]) for name in self.usage_weeks[0][1]}
        return UsageWeeks(observed, truth)


def _per_row(engine: Engine, values: Sequence[float]) -> np.ndarray:
    return np.broadcast_to(np.asarray(engine.rows_of(list(values)), dtype=float), (engine.rows,))


def employee_week(engine: Engine, choice: Choice) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """This week's observables and truth of every row (whole counts rounded half to even)."""
    g, p = choice.genuine, choice.performative
    scripts = choice.scripts().astype(float)
    usages = [m.policy.usage for m in engine.management]
    rates = engine.rates
    script_in = _per_row(engine, [u.script.tokens_per_week * (1 - u.script.output_token_share) for u in usages])
    script_out = _per_row(engine, [u.script.tokens_per_week * u.script.output_token_share for u in usages])
    script_queries = _per_row(engine, [u.script.queries_per_week for u in usages])
    script_actions = _per_row(engine, [u.script.queries_per_week * u.script.action_rate for u in usages])
    gen_q = rates["queries"].per_genuine_hour * g
    perf_q = rates["queries"].per_performative_hour * p
    scr_q = script_queries * scripts
    repeated = (_per_row(engine, [u.genuine.repeat_share for u in usages]) * gen_q
                + _per_row(engine, [u.performative.repeat_share for u in usages]) * perf_q
                + _per_row(engine, [u.script.repeat_share for u in usages]) * scr_q)
    requests = np.rint(gen_q + perf_q + scr_q)
    used = requests > 0  # an export records tokens only with a request that carried them
    observed = {
        "input_tokens": np.where(used, np.rint(rates["input_tokens"].of(g, p) + script_in * scripts), 0.0),
        "output_tokens": np.where(used, np.rint(rates["output_tokens"].of(g, p) + script_out * scripts), 0.0),
        "requests": requests,
        "actions": np.minimum(np.rint(rates["actions"].of(g, p) + script_actions * scripts), requests),
        "repeated_prompts": np.minimum(np.rint(repeated), requests),
    }
    tokens_g = rates["tokens"].per_genuine_hour * g
    tokens_p = rates["tokens"].per_performative_hour * p + (script_in + script_out) * scripts
    upkeep = _per_row(engine, [u.script.upkeep_hours_per_week for u in usages])
    truth = {
        "genuine_hours": np.asarray(g, dtype=float).copy(),
        "performative_hours": np.asarray(p, dtype=float).copy(),
        "script": scripts,
        "script_upkeep_hours": upkeep * scripts,
        "tokens": tokens_g + tokens_p,
        "performative_tokens": tokens_p,
        "gaming": choice.gaming().astype(float),
    }
    return observed, truth


def tables(weeks: UsageWeeks, users: Sequence[str] | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The observables table and the truth table (one row per user-week, users in order, weeks
    1..W) of one organisation's employee-weeks; `users` names the employees (default u0001...)."""
    n_weeks, n = weeks.observed["requests"].shape
    names = np.asarray(users if users is not None else [f"u{i + 1:04d}" for i in range(n)], dtype=object)
    user = np.tile(names, n_weeks)
    week = np.repeat(np.arange(1, n_weeks + 1), n)
    obs = weeks.observed
    requests = obs["requests"].ravel()
    with np.errstate(invalid="ignore", divide="ignore"):
        repeated = np.where(requests > 0, obs["repeated_prompts"].ravel() / requests, np.nan)
    observed = pd.DataFrame({"user": user, "week": week,
                             **{c: obs[c].ravel().astype(np.int64) for c in COUNT_COLUMNS},
                             "repeated_prompt_share": repeated})
    truth = pd.DataFrame({"user": user, "week": week, **{c: v.ravel() for c, v in weeks.truth.items()}})
    order = np.lexsort((week, user))  # by user, then week
    return observed.iloc[order].reset_index(drop=True), truth.iloc[order].reset_index(drop=True)


def simulate_usage(scenarios: Sequence[Scenario]) -> list[tuple[pd.DataFrame, pd.DataFrame]]:
    """Run scenarios (seeds set; the same size and length are stepped together on one engine, as
    :func:`sim.runner.run_batch` does) and return each one's (observables, truth) tables."""
    out: list[tuple[pd.DataFrame, pd.DataFrame] | None] = [None] * len(scenarios)
    for members, engine in run_usage_engines(scenarios):
        for k, i in enumerate(members):
            out[i] = tables(engine.usage(k))
    return out  # type: ignore[return-value]


def run_usage_engines(scenarios: Sequence[Scenario]) -> list[tuple[list[int], UsageEngine]]:
    """The scenarios run to their last week on :class:`UsageEngine` s, grouped by (employees, weeks)
    as :func:`sim.runner.run_batch` groups them: (indices of the group's scenarios, its engine)."""
    groups: dict[tuple[int, int], list[int]] = {}
    for i, scenario in enumerate(scenarios):
        groups.setdefault((scenario.organization.employees, scenario.weeks), []).append(i)
    engines = []
    for members in groups.values():
        configs = [scenarios[i] for i in members]
        engine = UsageEngine(configs, [np.random.default_rng(c.seed) for c in configs])
        engine.run()
        engines.append((members, engine))
    return engines


def truth_summary(truth: pd.DataFrame) -> dict[str, float]:
    """An organisation's known truth: performative share of tokens and of AI hours (manual
    performative hours and script upkeep over all AI hours), and the mean weekly share of users gaming."""
    gaming_hours = truth["performative_hours"].sum() + truth["script_upkeep_hours"].sum()
    hours = truth["genuine_hours"].sum() + gaming_hours
    tokens = truth["tokens"].sum()
    return {
        "performative_token_share": float(truth["performative_tokens"].sum() / tokens) if tokens > 0 else 0.0,
        "performative_hour_share": float(gaming_hours / hours) if hours > 0 else 0.0,
        "gaming_user_share": float(truth.groupby("week")["gaming"].mean().mean()),
    }
