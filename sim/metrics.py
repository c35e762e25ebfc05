"""The summary metrics people read, each with its label, unit and display format.

One place for how a number is shown: the CLI, the run and comparison reports and the dashboard
format metrics through :func:`display`, so ROI is a percentage and money carries its dollar sign
everywhere. Data files keep the raw values (ROI as a ratio: 1.0 = 100%).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

UNIT_FORMATS: dict[str, str] = {
    "share": "{:.1%}",
    "roi": "{:,.0%}",
    "times": "×{:,.2f}",
    "usd": "${:,.0f}",
    "hours per employee-week": "{:,.2f} h",
    "hours": "{:,.0f} h",
    "usd per employee-week": "${:,.2f}",
    "kg CO2": "{:,.1f} kg",
    "tokens": "{:,.0f}",
    "count": "{:,.0f}",
    "mean count": "{:,.1f}",
}
"""How each unit is displayed."""


@dataclass(frozen=True)
class Metric:
    """A summary key as people read it."""

    key: str
    label: str
    unit: str
    meaning: str

    def display(self, value: Any) -> str:
        return display(value, self.unit)


def display(value: Any, unit: str) -> str:
    """A value in its unit's format; 'n/a' for a missing or non-finite value."""
    if value is None or (isinstance(value, float) and value != value) or value in (float("inf"), float("-inf")):
        return "n/a"
    return UNIT_FORMATS[unit].format(value)


METRICS: dict[str, Metric] = {
    m.key: m
    for m in (
        Metric("roi_reported", "ROI as reported", "roi", "(reported value - AI spend) / AI spend over the run"),
        Metric("roi_true", "ROI in truth", "roi", "(true value - AI spend) / AI spend over the run"),
        Metric("value_overstatement", "value overstated", "times", "reported value / true value (n/a if true value <= 0)"),
        Metric("value_overstatement_usd", "value overstated by", "usd", "reported value - true value"),
        Metric("kpi_inflation", "KPI inflation", "times", "reported KPI / the KPI genuine use alone would give"),
        Metric("performative_share", "performative share of AI hours", "share", "performative / all AI hours"),
        Metric("gaming_share_mean", "employee-weeks gaming", "share", "share of employee-weeks with any gaming: performative use, a script or a misreport"),
        Metric("gaming_share_final", "employees gaming (last week)", "share", "share of employees gaming in the last week"),
        Metric("script_share_mean", "employee-weeks running a script", "share",
               "share of employee-weeks with a script looping prompts"),
        Metric("scripted_tokens", "tokens burnt by scripts", "tokens", "tokens consumed by scripts"),
        Metric("misreported_hours", "hours saved over-claimed", "hours", "deliberate over-claims on top of honest claims"),
        Metric("misreported_completions", "tasks falsely marked done", "count", "completions claimed for undone work"),
        Metric("manipulated_hours", "outcome improvement manufactured", "hours",
               "measured improvement from easy tasks or a moved baseline, not real"),
        Metric("claimed_hours_saved_per_employee_week", "hours saved, as claimed", "hours per employee-week",
               "self-reported hours saved per employee-week"),
        Metric("true_hours_saved_per_employee_week", "hours saved, in truth", "hours per employee-week",
               "hours AI truly saved per employee-week"),
        Metric("ai_hours_per_employee_week", "AI hours", "hours per employee-week", "genuine + performative AI hours"),
        Metric("incentive_usd_per_employee_week", "KPI incentive at target", "usd per employee-week",
               "what reaching the target is worth to an employee: strength x loaded wage"),
        Metric("ai_spend_usd", "AI spend", "usd", "seats (licences, enablement) and usage (tokens or actions)"),
        Metric("wasted_spend_usd", "AI spend on performative use", "usd", "usage spend on performative activity"),
        Metric("wasted_spend_share", "share of AI spend wasted", "share", "wasted spend / AI spend"),
        Metric("wasted_hours_cost_usd", "working hours spent performing", "usd", "performative and script-upkeep hours x loaded wage x capture share"),
        Metric("true_value_usd", "true value", "usd", "saved hours x wage x capture share - performative hours x wage"),
        Metric("reported_value_usd", "reported value", "usd", "management's value of AI from its dashboard"),
        Metric("co2_kg", "CO2", "kg CO2", "emissions from serving the tokens"),
        Metric("wasted_co2_kg", "CO2 from performative use", "kg CO2", "emissions of performative tokens"),
        Metric("honest_flag_share", "flags that hit honest employees", "share",
               "flags raised on employee-weeks without gaming / all flags"),
        Metric("honest_employees_ever_flagged", "honest employees flagged", "count",
               "employees flagged at least once in a week when they were not gaming"),
        Metric("data_exposure_incidents", "data-exposure incidents", "count", "confidential data sent to the model"),
    )
}
"""Summary keys shown to people, with label, unit and meaning."""

COMPARISON_METRICS: tuple[str, ...] = (
    "roi_reported", "roi_true", "value_overstatement", "value_overstatement_usd", "kpi_inflation", "performative_share", "gaming_share_mean",
    "script_share_mean", "misreported_hours",
    "wasted_hours_cost_usd", "wasted_spend_usd", "wasted_spend_share", "ai_spend_usd", "true_value_usd",
    "claimed_hours_saved_per_employee_week", "true_hours_saved_per_employee_week", "co2_kg",
    "honest_flag_share", "honest_employees_ever_flagged", "data_exposure_incidents",
)
"""Metrics a comparison shows side by side, in order."""


@dataclass(frozen=True)
class KpiPeriod:
    """A stretch of a run under one KPI regime: its KPI counts are in one unit and add up."""

    first_week: int
    last_week: int
    regime: str
    reported_kpi: float  # KPI units of this regime, summed over the period's weeks
    genuine_kpi: float  # what genuine use alone would have counted
    reported_value_usd: float  # what management credited AI with over the period

    @property
    def weeks(self) -> int:
        return self.last_week - self.first_week + 1

    @property
    def kpi_inflation(self) -> float:
        """Reported over genuine KPI (NaN when genuine use counts nothing)."""
        return self.reported_kpi / self.genuine_kpi if self.genuine_kpi > 0 else float("nan")

    def describe(self) -> str:
        """'tokens, weeks 1-25: ×1.86'."""
        return f"{self.regime}, weeks {self.first_week}-{self.last_week}: {display(self.kpi_inflation, 'times')}"


def kpi_periods(columns: Any) -> list[KpiPeriod]:
    """The run's stretches under one KPI regime, from its weekly columns (a DataFrame or a mapping
    of arrays with `week`, `kpi_regime_code`, `reported_kpi`, `genuine_kpi`, `reported_value_usd`)."""
    import numpy as np

    from sim.scenario.schema import REGIMES

    codes = np.asarray(columns["kpi_regime_code"])
    if codes.size == 0:
        return []
    weeks = np.asarray(columns["week"])
    starts = np.flatnonzero(np.r_[True, codes[1:] != codes[:-1]])
    ends = np.r_[starts[1:], codes.size]
    sums = {name: np.asarray(columns[name], dtype=float) for name in ("reported_kpi", "genuine_kpi", "reported_value_usd")}
    return [KpiPeriod(int(weeks[a]), int(weeks[b - 1]), REGIMES[int(codes[a])],
                      *(float(np.nansum(sums[name][a:b])) for name in ("reported_kpi", "genuine_kpi", "reported_value_usd")))
            for a, b in zip(starts, ends)]


def mean_kpi_inflation(periods: list[KpiPeriod]) -> float:
    """KPI inflation of a run: reported over genuine KPI under one regime; across regimes (whose
    units do not add up) the mean of each period's ratio weighted by its weeks."""
    if len(periods) == 1:
        return periods[0].kpi_inflation
    measured = [(p.kpi_inflation, p.weeks) for p in periods if p.kpi_inflation == p.kpi_inflation]
    weeks = sum(w for _, w in measured)
    return sum(r * w for r, w in measured) / weeks if weeks else float("nan")
