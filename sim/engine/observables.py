"""What an hour of AI use produces that someone can count, for each kind of use.

Every KPI regime and every economic total is built from these per-hour rates, so how gameable a
regime is follows from the usage profiles and traits, never from a label.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.scenario.schema import Usage

@dataclass(frozen=True)
class Rate:
    """Amount of a quantity per genuine hour and per performative hour (scalars or arrays)."""

    per_genuine_hour: np.ndarray | float
    per_performative_hour: np.ndarray | float

    def of(self, genuine_hours: np.ndarray, performative_hours: np.ndarray) -> np.ndarray:
        return self.per_genuine_hour * genuine_hours + self.per_performative_hour * performative_hours

    def scaled(self, factor: float) -> Rate:
        return Rate(self.per_genuine_hour * factor, self.per_performative_hour * factor)

    def __add__(self, other: Rate) -> Rate:
        return Rate(
            self.per_genuine_hour + other.per_genuine_hour,
            self.per_performative_hour + other.per_performative_hour,
        )


def hourly_rates(usage: Usage, speedup: np.ndarray, perceived_speedup: np.ndarray) -> dict[str, Rate]:
    """Per-hour rates of every observable quantity.

    `claimed_hours_saved` is the honest self-report: the perceived speed-up s + b on genuine hours
    (never negative), nothing on performative hours (the employee knows they saved nothing).
    `true_hours_saved` is s on genuine hours and nothing on performative ones.
    """
    gen, perf = usage.genuine, usage.performative
    return {
        "tokens": Rate(gen.tokens_per_hour, perf.tokens_per_hour),
        "input_tokens": Rate(
            gen.tokens_per_hour * (1 - gen.output_token_share),
            perf.tokens_per_hour * (1 - perf.output_token_share),
        ),
        "output_tokens": Rate(
            gen.tokens_per_hour * gen.output_token_share, perf.tokens_per_hour * perf.output_token_share
        ),
        "queries": Rate(gen.queries_per_hour, perf.queries_per_hour),
        "actions": Rate(gen.queries_per_hour * gen.action_rate, perf.queries_per_hour * perf.action_rate),
        "completions": Rate(gen.queries_per_hour * gen.done_rate, perf.queries_per_hour * perf.done_rate),
        "claimed_hours_saved": Rate(np.maximum(perceived_speedup, 0.0), 0.0),
        "true_hours_saved": Rate(speedup, 0.0),
    }


def script_observables(usage: Usage) -> dict[str, float]:
    """What one week of running the script produces, per employee who runs it (same names as
    :func:`hourly_rates`): many tokens and queries, almost no actions, no hours saved."""
    script = usage.script
    queries = script.queries_per_week
    return {
        "tokens": script.tokens_per_week,
        "input_tokens": script.tokens_per_week * (1 - script.output_token_share),
        "output_tokens": script.tokens_per_week * script.output_token_share,
        "queries": queries,
        "actions": queries * script.action_rate,
        "completions": queries * script.done_rate,
        "claimed_hours_saved": 0.0,
        "true_hours_saved": 0.0,
    }
