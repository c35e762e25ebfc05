"""The calibration file: which parameters are free (and their prior ranges), which evidence they
are fitted to (each target: value, accepted range, source, the scenario and output it is measured
on), and how each parameter set is measured.

Validated once, here; mistakes raise :class:`CalibrationError` naming the file, the key path and
what is allowed (exit code 2 from the CLI).
"""

from __future__ import annotations

import hashlib
import json
import math
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from sim.scenario.io import ScenarioError, apply_changes, describe_error, load_scenario, read_referenced, read_yaml
from sim.calibrate.measures import MEASURES

MAX_SAMPLES = 2**20
"""The largest sample count of a calibration design (a design of 2**20 sets is hours of runs)."""

DEFAULT_TARGETS = Path(__file__).resolve().parents[2] / "scenarios" / "calibration" / "targets.yaml"


class CalibrationError(ScenarioError):
    """A calibration file that cannot be used, with a message meant for the person who wrote it."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True, allow_inf_nan=False)


class FreeParameter(_Strict):
    low: float
    """Lower end of the prior range (uniform)."""
    high: float
    """Upper end of the prior range."""
    source: str = ""
    """Why this range."""

    @model_validator(mode="after")
    def _ordered(self) -> FreeParameter:
        if not self.low < self.high:
            raise ValueError("a prior range needs low < high")
        return self


class Target(_Strict):
    name: str
    """Short name (a column of the results)."""
    value: float
    """The published figure (the centre the fit aims at)."""
    low: float | None = None
    """Smallest accepted simulated value (empty: no lower limit)."""
    high: float | None = None
    """Largest accepted simulated value (empty: no upper limit)."""
    source: str
    """Where the figure comes from."""
    scenario: str | None = None
    """Scenario file it is measured on, relative to the calibration file (empty for measures of the
    parameters themselves, such as a belief or the detector's accuracy)."""
    overrides: dict[str, Any] = Field(default_factory=dict)
    """Key paths set on that scenario for this target (e.g. a KPI regime)."""
    output: str
    """What is measured: a run-summary key, or a named measure."""
    role: Literal["fit", "check"] = "fit"
    """`fit`: a parameter set is accepted only if every fit target is within range; `check`: reported
    (and used to break ties between accepted sets), not required."""

    @model_validator(mode="after")
    def _range(self) -> Target:
        if self.low is None and self.high is None:
            raise ValueError("give low, high or both: the accepted range around the value")
        if self.low is not None and self.high is not None and not self.low <= self.value <= self.high:
            raise ValueError("value must lie in [low, high]")
        return self

    def within(self, simulated: float) -> bool:
        if not math.isfinite(simulated):
            return False
        return (self.low is None or simulated >= self.low) and (self.high is None or simulated <= self.high)

    def implausibility(self, simulated: float) -> float:
        """Distance from the value in units of the accepted half-range on that side (1 = at the edge)."""
        if not math.isfinite(simulated):
            return math.inf
        edge = self.high if simulated >= self.value else self.low
        if edge is None or edge == self.value:
            return 0.0 if self.within(simulated) else math.inf
        return abs(simulated - self.value) / abs(edge - self.value)


class Measurement(_Strict):
    employees: int | None = Field(None, ge=10, le=1_000_000)
    """Head-count of every measured run; empty = each scenario's own (what a user running it sees)."""
    weeks: int = Field(13, ge=2, le=520)
    """Length of every measured run (outcomes settle within weeks; shorter runs are cheaper)."""
    seeds: list[int] = Field(default_factory=lambda: [1], min_length=1, max_length=100)
    """Seeds of the measured runs, the same for every parameter set (common random numbers)."""


class CalibrationSpec(_Strict):
    """A calibration YAML file."""

    name: str = "calibration"
    description: str = ""
    seed: int = Field(0, ge=0)
    """Root seed of both designs and their analysis."""
    prescreen_samples: int = Field(65536, ge=2, le=MAX_SAMPLES)
    """Latin hypercube of the prior box screened on the fit targets that need no run (the parameters'
    own measures, computed for all sets at once)."""
    fit_samples: int = Field(4096, ge=2, le=MAX_SAMPLES)
    """At most this many pre-screen survivors are measured on the run targets, each until a fit
    target fails."""
    sensitivity_samples: int = Field(32, ge=2, le=MAX_SAMPLES)
    """SALib Sobol base sample N of the sensitivity design (N * (D + 2) sets, every target measured)."""
    quick_prescreen_samples: int = Field(2048, ge=2, le=MAX_SAMPLES)
    """Pre-screen for `--quick`."""
    quick_fit_samples: int = Field(64, ge=2, le=MAX_SAMPLES)
    """Parameter sets of the fit for `--quick`."""
    quick_sensitivity_samples: int = Field(4, ge=2, le=MAX_SAMPLES)
    """Sobol N for `--quick`."""
    measurement: Measurement = Measurement()
    quick_measurement: Measurement = Measurement(employees=60, weeks=8)
    parameters: dict[str, FreeParameter] = Field(min_length=1)
    """Free parameters (scenario key paths; a distribution's mean as e.g. behavior.integrity_cost.mean)."""
    targets: list[Target] = Field(min_length=1)
    outputs: list[str] = Field(default_factory=list)
    """Further run-summary keys to report across the accepted sets (robustness), measured on every
    scenario the targets use."""

    @model_validator(mode="after")
    def _consistent(self) -> CalibrationSpec:
        for n in (self.sensitivity_samples, self.quick_sensitivity_samples):
            if n & (n - 1):
                raise ValueError(f"sensitivity samples must be powers of two (got {n})")
        names = [t.name for t in self.targets]
        if len(set(names)) != len(names):
            raise ValueError("target names must be unique")
        if not any(t.role == "fit" for t in self.targets):
            raise ValueError("at least one target needs role: fit")
        return self


def load_targets(path: str | Path | None = None) -> tuple[CalibrationSpec, Path, str]:
    """Read and check a calibration file; return (spec, its folder, a digest of its content)."""
    path = Path(path) if path is not None else DEFAULT_TARGETS
    try:
        data = read_yaml(path)
    except ScenarioError as exc:
        raise CalibrationError(str(exc).replace("scenario file", "calibration file")) from None
    try:
        spec = CalibrationSpec.model_validate(data)
    except ValidationError as exc:
        lines = [describe_error(err, CalibrationSpec) for err in exc.errors()]
        raise CalibrationError(f"{path}: invalid calibration file\n" + "\n".join(f"  - {line}" for line in lines)) from None
    root = path.parent
    for i, target in enumerate(spec.targets):
        where = f"{path}: targets.{i} ({target.name})"
        if target.scenario is None:
            if target.output not in MEASURES:
                raise CalibrationError(f"{where}: output '{target.output}' needs a scenario, or is one of the "
                                       f"measures {', '.join(MEASURES)}")
            continue
        try:
            base = load_scenario(read_referenced(where, "scenario", target.scenario, root, referrer="calibration file"))
            for key, bound in spec.parameters.items():
                for value in (bound.low, bound.high):
                    apply_changes(base, {**target.overrides, key: value}, origin=f"{where}: parameters.{key}={value}")
        except ScenarioError as exc:
            raise CalibrationError(str(exc)) from None
    digest = hashlib.sha256(json.dumps(spec.model_dump(mode="json"), sort_keys=True).encode()).hexdigest()[:16]
    return spec, root, digest
