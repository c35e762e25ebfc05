"""What management believes AI is worth: reported value follows the dashboard (model brief 10.4).

- `kpi_benchmark`: the organisation once ran an honest pilot (the same workforce, no KPI pressure,
  nobody gaming) and measured the true value of AI per unit of its KPI; it then values the reported
  KPI at that rate. Under an outcome KPI the rate stays right; under a volume KPI every
  performative token is valued like a genuine one.
- `claimed_hours`: self-reported hours saved times the loaded wage (version 1's rule, and how
  vendor ROI calculators work).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.engine.kpi import measured_kpi
from sim.engine.observables import Rate
from sim.scenario.regimes import REGISTRY
from sim.scenario.schema import Scenario


@dataclass(frozen=True)
class Benchmark:
    """The honest pilot: its KPI and true value per employee-week, and value per KPI unit."""

    kpi_per_employee_week: float
    true_value_usd_per_employee_week: float

    @property
    def usd_per_kpi_unit(self) -> float:
        """True value per KPI unit; NaN when the pilot's KPI is zero (nothing to value it by)."""
        if self.kpi_per_employee_week > 0:
            return self.true_value_usd_per_employee_week / self.kpi_per_employee_week
        return float("nan")


def honest_pilot(
    policy: Scenario, kpi_rate: Rate, believed_value_per_genuine_hour: np.ndarray, speedup: np.ndarray
) -> Benchmark:
    """The pilot week: every employee at the honest best response without a KPI (g = m b / c,
    within the hours cap; p = 0), measured without noise."""
    behavior, econ = policy.behavior, policy.economics
    genuine = np.clip(believed_value_per_genuine_hour / behavior.effort_cost, 0.0, behavior.max_ai_hours_per_week)
    kpi = measured_kpi(policy.kpi, kpi_rate, genuine, np.zeros_like(genuine), 0.0)
    value = float(np.sum(speedup * genuine)) * econ.capture_share * econ.loaded_wage_usd_per_hour
    n = genuine.shape[0]
    return Benchmark(float(kpi.sum()) / n, value / n)


def valuation_method(policy: Scenario) -> str:
    """The scenario's valuation, or the regime's natural one: claimed hours for `time_saved`."""
    chosen = policy.management.valuation
    if chosen is not None:
        return chosen
    return REGISTRY[policy.kpi.regime].valuation


def reported_value_usd(
    method: str, reported_kpi: float, claimed_hours_saved: float, benchmark: Benchmark, wage_usd_per_hour: float
) -> float:
    """Value of AI as the dashboard shows it, for one week's organisation totals."""
    if method == "claimed_hours":
        return claimed_hours_saved * wage_usd_per_hour
    return reported_kpi * benchmark.usd_per_kpi_unit
