"""A validation check and a group of checks with the data for its chart."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

Comparison = Literal["equal", "at_least", "at_most", "info"]


@dataclass(frozen=True)
class Check:
    """One row of the validation table."""

    name: str
    claim: str
    expected: float
    simulated: float
    tolerance: float
    comparison: Comparison = "equal"
    unit: str = ""

    @property
    def passed(self) -> bool | None:
        """True/False for a check; None for an informational row (shown, not judged)."""
        if self.comparison == "info":
            return None
        if not np.isfinite(self.simulated):
            return False
        if self.comparison == "at_least":
            return bool(self.simulated >= self.expected - self.tolerance)
        if self.comparison == "at_most":
            return bool(self.simulated <= self.expected + self.tolerance)
        return bool(abs(self.simulated - self.expected) <= self.tolerance)


@dataclass(frozen=True)
class CheckGroup:
    """A theory or calibration fact: its checks and the data for its chart."""

    key: str
    title: str
    source: str
    checks: list[Check]
    chart_data: dict[str, Any] = field(default_factory=dict)

    @property
    def passed(self) -> bool:
        return all(check.passed is not False for check in self.checks)


