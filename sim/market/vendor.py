"""The AI vendor: what it earns from each firm (seats, and usage split into productive and
performative), the policy it recommends (the one its clients on it pay it most for), and its move
to value-based pricing (billing per downstream action, revenue-neutral at the switch unless a
price is given)."""

from __future__ import annotations

import numpy as np

REVENUE_LINES = ("seats", "productive_usage", "performative_usage", "unused_allowance")
"""Vendor revenue, $: licences; usage on genuine work; usage on performative use (manual and
scripted); prepaid token allowance paid but not used."""


def revenue(rows: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Per firm, this week's vendor revenue by line ($)."""
    performative = rows["wasted_spend_usd"]
    unused = rows["unused_allowance_usd"]
    return {
        "seats": rows["licence_cost_usd"],
        "productive_usage": rows["usage_spend_usd"] - performative - unused,
        "performative_usage": performative,
        "unused_allowance": unused,
    }


def recommended_policy(policy: np.ndarray, revenue_per_employee_week: np.ndarray, n_policies: int) -> int | None:
    """The policy whose firms paid the vendor most per employee-week over the last period (None if
    no firm is on any policy, which cannot happen with firms > 0)."""
    totals = np.bincount(policy, weights=revenue_per_employee_week, minlength=n_policies)
    counts = np.bincount(policy, minlength=n_policies)
    means = np.where(counts > 0, totals / np.maximum(counts, 1), -np.inf)
    return int(np.argmax(means)) if np.isfinite(means).any() else None


def neutral_price_usd_per_action(usage_revenue_usd: float, actions: float) -> float:
    """The price per action that would have earned the same usage revenue over the same period."""
    if actions <= 0:
        raise ValueError("no downstream actions in the period before the switch: no revenue-neutral price")
    return usage_revenue_usd / actions
