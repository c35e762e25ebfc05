"""The levers file: what a manager controls, each lever's range or choices, what to optimise and
the rule that picks the recommendation.

Validated once, here, like a scenario: unknown keys are errors naming the file and the key path,
every lever is a policy key path checked against the scenario schema with each of its values
(the ends of a range, every choice) before a single run starts; mistakes raise
:class:`LeversError` (exit code 2 on the command line).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from sim.scenario.io import ScenarioError, apply_changes, describe_error, error_message, read_yaml, short_text
from sim.scenario.safe_yaml import short, shown
from sim.scenario.schema import DEFAULT_TARGETS, Scenario

DEFAULT_LEVERS = Path(__file__).resolve().parents[2] / "scenarios" / "levers" / "default.yaml"
"""The library's levers file: what `tokenmaxx advise SCENARIO` searches when given no levers file."""

LEVER_SECTIONS = ("kpi", "audit", "detection", "pricing")
"""Scenario sections a manager sets (the policy sections interventions may change too)."""

LEVER_PATHS = ("management.budget.initial_seat_share",)
"""Other scenario key paths a manager sets: how many employees get a seat."""

TARGET_FACTOR = "kpi.target_factor"
"""Pseudo-lever: the KPI target as a multiple of the regime's default target (so that one range
suits every regime; `kpi.target` itself is in the units of one regime)."""

SWITCH_WEEK = "switch.week"
"""Pseudo-lever: the week at whose start the KPI regime switches to `switch.regime` (0, or a week after
the run's last: never)."""

SWITCH_REGIME = "switch.regime"
"""Pseudo-lever: the regime a scheduled switch moves to."""

PSEUDO_LEVERS = (TARGET_FACTOR, SWITCH_WEEK, SWITCH_REGIME)

OBJECTIVES: dict[str, tuple[str, str, int]] = {
    "mean_net_value": ("expected net value", "usd", +1),
    "p10_net_value": ("net value in the worst 10% of worlds (10th percentile)", "usd", +1),
    "overstatement": ("dashboard overstatement (reported minus true value)", "usd", -1),
    "honest_flags": ("flags on honest employees", "count", -1),
    "measurement_cost": ("measurement cost", "usd", -1),
    "gaming_hours": ("hours spent gaming the metric", "hours", -1),
    "co2": ("CO2 emitted", "kg CO2", -1),
}
"""Objective name -> (label, unit, +1 to maximise or -1 to minimise); every value is the mean (or
the stated quantile) over the search's worlds of a total over the run."""

Objective = Literal[tuple(OBJECTIVES)]  # type: ignore[valid-type]

RULES = ("robust", "expected", "regret", "cheapest")
Rule = Literal["robust", "expected", "regret", "cheapest"]

MAX_LEVERS = 30
STEP_DECIMALS = 10
"""Values of a range with a step are rounded to this many decimals (optuna adds float noise)."""
MAX_CHOICES = 100


class LeversError(ScenarioError):
    """A levers file that cannot be used, with a message for the person who wrote it."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True, allow_inf_nan=False)


class Lever(_Strict):
    """One lever: `choices` (a list of values) or a range `low`..`high`."""

    choices: list[Any] | None = Field(None, min_length=1, max_length=MAX_CHOICES)
    """The values the lever may take (words, numbers, true/false, or null for the default)."""
    low: float | None = None
    """Smallest value of a range."""
    high: float | None = None
    """Largest value of a range."""
    integer: bool = False
    """The range holds whole numbers only (e.g. a week)."""
    step: float | None = Field(None, gt=0)
    """Values of the range are low + k x step (a coarser search; none: any value)."""

    @model_validator(mode="after")
    def _one_kind(self) -> Lever:
        has_range = self.low is not None or self.high is not None
        if self.choices is not None and has_range:
            raise ValueError("give either choices: [...] or low and high, not both")
        if self.choices is None and not has_range:
            raise ValueError("give choices: [...], or low and high for a range")
        if has_range and (self.low is None or self.high is None or not self.low < self.high):
            raise ValueError("a range needs both low and high, with low < high")
        if self.choices is not None:
            bad = [c for c in self.choices if not (c is None or isinstance(c, (str, bool, int, float)))]
            if bad:
                raise ValueError(f"choices are words, numbers, true/false or null, got {short(bad[0])}")
            if len({json.dumps(c) for c in self.choices}) < len(self.choices):
                raise ValueError("choices must not repeat")
        return self

    def probes(self) -> list[Any]:
        """Values that show whether the lever is valid: every choice, or both ends of the range."""
        if self.choices is not None:
            return list(self.choices)
        assert self.low is not None and self.high is not None
        return [int(round(self.low)), int(round(self.high))] if self.integer else [self.low, self.high]


class Recommend(_Strict):
    """The rule that picks one policy among those evaluated, and the limits it must respect."""

    rule: Rule = "robust"
    """`robust`: the highest net value in the worst 10% of worlds; `expected`: the highest mean net
    value; `regret`: the smallest 90th percentile of regret (the best evaluated policy's net value in
    each world minus this one's); `cheapest`: the lowest measurement cost."""
    max_overstatement_share: float | None = Field(None, ge=0)
    """Only policies whose dashboard overstates true value by at most this share of the current
    policy's mean reported value (0.1: 10%); none: no limit."""
    max_honest_flags_per_employee_year: float | None = Field(None, ge=0)
    """Only policies that flag honest employees at most this often (flags per employee per 52 weeks)."""
    max_gaming_hours_per_employee_week: float | None = Field(None, ge=0)
    """Only policies under which employees spend at most this many hours a week gaming (0: none)."""


class LeversSpec(_Strict):
    """A levers file."""

    name: str = "levers"
    """Short name."""
    description: str = ""
    """What this lever space represents."""
    levers: dict[str, Lever] = Field(min_length=1, max_length=MAX_LEVERS)
    """Key path -> range or choices: policy key paths (kpi.*, audit.*, detection.*, pricing.*,
    management.budget.initial_seat_share) and the pseudo-levers kpi.target_factor, switch.week
    and switch.regime."""
    objectives: list[Objective] = Field(
        default_factory=lambda: ["mean_net_value", "p10_net_value", "overstatement", "honest_flags"],
        min_length=1, max_length=len(OBJECTIVES))
    """What the search trades off (NSGA-II keeps the Pareto front of these)."""
    recommend: Recommend = Recommend()
    """How one policy is picked from those evaluated."""

    @model_validator(mode="after")
    def _consistent(self) -> LeversSpec:
        if len(set(self.objectives)) < len(self.objectives):
            raise ValueError("objectives must not repeat")
        if "kpi.target" in self.levers and ("kpi.regime" in self.levers or SWITCH_REGIME in self.levers):
            raise ValueError("kpi.target is in one regime's units; with kpi.regime as a lever use "
                             "kpi.target_factor (a multiple of each regime's default target)")
        if TARGET_FACTOR in self.levers and "kpi.target" in self.levers:
            raise ValueError("give kpi.target or kpi.target_factor, not both")
        if SWITCH_REGIME in self.levers and SWITCH_WEEK not in self.levers:
            raise ValueError("switch.regime needs switch.week (the week the switch happens; 0: never)")
        return self


@dataclass(frozen=True)
class LoadedLevers:
    """A validated levers file and where it came from."""

    spec: LeversSpec
    origin: str

    @property
    def names(self) -> list[str]:
        return list(self.spec.levers)

    @property
    def digest(self) -> str:
        """Hash of everything in the file that decides the search."""
        text = json.dumps(self.spec.model_dump(mode="json"), sort_keys=True, default=str)
        return hashlib.sha256(text.encode()).hexdigest()[:16]


def policy_changes(values: dict[str, Any], base: Scenario) -> dict[str, Any]:
    """Scenario key-path changes of one candidate's lever values (pseudo-levers translated): a target
    factor times the regime's default target, a switch as an intervention."""
    changes = {k: v for k, v in values.items() if k not in PSEUDO_LEVERS}
    regime = changes.get("kpi.regime", base.kpi.regime)
    if TARGET_FACTOR in values:
        changes["kpi.target"] = float(values[TARGET_FACTOR]) * DEFAULT_TARGETS[regime]
    week = int(values.get(SWITCH_WEEK, 0) or 0)
    if 0 < week <= base.weeks:  # 0, or a week after the run's last: no switch within the run
        to = values.get(SWITCH_REGIME, "error_reduction")
        kept = [i.model_dump() for i in base.management.interventions]
        changes["management.interventions"] = [*kept, {"week": week, "set": {"kpi.regime": to}}]
    return changes


def canonical(values: dict[str, Any], base: Scenario, levers: LoadedLevers) -> dict[str, Any]:
    """One candidate's lever values with those that cannot matter set to one value, so that policies
    that are the same in effect are evaluated once and shown once: a switch that never happens (week 0,
    after the run, or to the regime already in force), the detector's threshold with the detector off,
    a reward cap on a scheme other than linear."""
    out = dict(values)
    for path, lever in levers.spec.levers.items():  # a step range's values without float noise (2.8, not 2.8000000000000003)
        if lever.step is not None and not lever.integer and isinstance(out.get(path), float):
            out[path] = round(out[path], STEP_DECIMALS)
    regime = out.get("kpi.regime", base.kpi.regime)
    if SWITCH_WEEK in out:
        week = int(out[SWITCH_WEEK] or 0)
        if week <= 0 or week > base.weeks or out.get(SWITCH_REGIME, "error_reduction") == regime:
            out[SWITCH_WEEK] = 0
            if SWITCH_REGIME in out and levers.spec.levers[SWITCH_REGIME].choices:
                out[SWITCH_REGIME] = levers.spec.levers[SWITCH_REGIME].choices[0]
    if "detection.threshold_sd" in out and not out.get("detection.enabled", base.detection.enabled):
        out["detection.threshold_sd"] = base.detection.threshold_sd
    if "kpi.reward_cap" in out and out.get("kpi.scheme", base.kpi.scheme) != "linear":
        out["kpi.reward_cap"] = base.kpi.reward_cap
    return out


def candidate_scenario(base: Scenario, values: dict[str, Any], origin: str = "levers") -> Scenario:
    """The base scenario with one candidate's lever values applied (validated)."""
    return apply_changes(base, policy_changes(values, base), origin=origin)


def load_levers(source: str | Path | dict[str, Any] | None, base: Scenario) -> LoadedLevers:
    """Read and validate a levers file (None: the library's default) against the base scenario;
    raise LeversError naming the file, the key path and what is allowed."""
    if isinstance(source, dict):
        origin, data = "<dict>", dict(source)
    else:
        path = Path(source) if source is not None else DEFAULT_LEVERS
        origin = shown(path)
        try:
            data = read_yaml(path, "levers file")
        except ScenarioError as exc:
            raise LeversError(str(exc)) from None
        data.setdefault("name", path.stem)
    try:
        spec = LeversSpec.model_validate(data)
    except ValidationError as exc:
        lines = [describe_error(err, LeversSpec) for err in exc.errors()]
        raise LeversError(error_message(f"{origin}: invalid levers file", lines)) from None
    loaded = LoadedLevers(spec, origin)
    check_levers(loaded, base)
    return loaded


def check_levers(loaded: LoadedLevers, base: Scenario) -> None:
    """Every lever a policy key path the schema has, each of its values valid for the base scenario."""
    origin = loaded.origin
    for path, lever in loaded.spec.levers.items():
        where = f"{origin}: levers.{short_text(path, 60)}"
        section = path.split(".")[0]
        if path not in PSEUDO_LEVERS and path not in LEVER_PATHS and section not in LEVER_SECTIONS:
            raise LeversError(
                f"{where}: not a lever a manager controls; allowed: key paths under "
                f"{', '.join(s + '.' for s in LEVER_SECTIONS)} and {', '.join((*LEVER_PATHS, *PSEUDO_LEVERS))}")
        if path == SWITCH_WEEK:
            for value in lever.probes():
                if not isinstance(value, (int, float)) or isinstance(value, bool) or value < 0 or value != int(value):
                    raise LeversError(f"{where}: whole weeks from 0 (never; so is a week after the run's last), "
                                      f"got {short(value)}")
            continue
        if path == TARGET_FACTOR:
            for value in lever.probes():
                if not isinstance(value, (int, float)) or isinstance(value, bool) or value <= 0:
                    raise LeversError(f"{where}: a positive multiple of the regime's default target, got {short(value)}")
            continue
        key = "kpi.regime" if path == SWITCH_REGIME else path
        for value in lever.probes():
            try:
                apply_changes(base, {key: value}, origin=f"{where}={short(value)}")
            except ScenarioError as exc:
                raise LeversError(str(exc)) from None
