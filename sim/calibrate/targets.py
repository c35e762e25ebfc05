"""The calibration file: which parameters are free (and their prior ranges), which evidence they
are fitted to (each target: value, accepted range, source, the scenario and output it is measured
on), which claims are only checked, which targets are identities (constraints), and how each
parameter set is measured and the posterior computed (ABC-SMC, model brief 11.2).

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
    path: str | None = None
    """Scenario key path the value is set at (empty: the parameter's name is its key path)."""
    applies_to: list[str] | None = None
    """Targets whose runs it is set on (empty: every target). A parameter of some targets only is a
    nuisance parameter (e.g. the KPI strength of the seed's firms): fitted and reported, but not a
    parameter of the library's worlds, so it is not in the shipped posterior."""

    def key_path(self, name: str) -> str:
        return self.path or name

    @property
    def world(self) -> bool:
        """A parameter of every world (a library default), not a nuisance parameter of some targets."""
        return self.applies_to is None

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
    role: Literal["fit", "constraint", "check"] = "fit"
    """`fit`: evidence the posterior is conditioned on (its ABC distance); `constraint`: the same, for
    a target that is an identity between parameters (no run: `equation` says which); `check`: a claim
    without an empirical source, never fitted, reported as the share of posterior draws that
    reproduce it."""
    equation: str = ""
    """For a constraint: the identity it imposes (what it pins is a combination, not each parameter)."""

    @property
    def fitted(self) -> bool:
        """Part of the ABC distance (fit targets and constraints)."""
        return self.role != "check"

    @model_validator(mode="after")
    def _range(self) -> Target:
        if self.low is None and self.high is None:
            raise ValueError("give low, high or both: the accepted range around the value")
        if self.low is not None and self.high is not None and not self.low <= self.value <= self.high:
            raise ValueError("value must lie in [low, high]")
        if self.role == "constraint" and not self.equation:
            raise ValueError("a constraint needs its equation: the identity it imposes")
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
    replicates: int = Field(1, ge=1, le=100)
    """Runs (seeds) averaged per target and parameter set; each set's seeds are its own (derived from
    the root seed and its values), so the simulator's noise is part of the fit."""


class Abc(_Strict):
    """ABC-SMC settings (pyabc)."""

    population_size: int = Field(1000, ge=10, le=100_000)
    """Accepted particles per generation; the last generation is the posterior."""
    max_generations: int = Field(20, ge=1, le=100)
    """Stop after this many generations even if the tolerance has not reached 1."""
    quantile: float = Field(0.5, gt=0, lt=1)
    """Each generation's tolerance: this quantile of the previous generation's distances (never below 1)."""
    min_acceptance_rate: float = Field(0.005, gt=0, lt=1)
    """Stop when a generation accepts fewer proposals than this."""
    batch_size: int = Field(256, ge=1, le=100_000)
    """Most parameter sets simulated together on one engine batch."""


class Checks(_Strict):
    """Simulation-based calibration and leave-one-target-out prediction on a reference table of
    prior simulations (rejection ABC on it, the same simulator, distance and summaries)."""

    reference_samples: int = Field(4000, ge=10, le=MAX_SAMPLES)
    """Prior draws simulated once for the reference table."""
    sbc_datasets: int = Field(200, ge=2, le=MAX_SAMPLES)
    """Pseudo-observed datasets (rows of the table) whose known parameters the intervals should cover."""
    accept: int = Field(100, ge=2, le=MAX_SAMPLES)
    """Nearest table rows accepted per rejection-ABC fit."""


class CalibrationSpec(_Strict):
    """A calibration YAML file."""

    name: str = "calibration"
    description: str = ""
    seed: int = Field(0, ge=0)
    """Root seed of both designs and their analysis."""
    abc: Abc = Abc()
    quick_abc: Abc = Abc(population_size=40, max_generations=2, batch_size=64)
    """ABC-SMC of the `--quick` smoke test."""
    checks: Checks = Checks()
    quick_checks: Checks = Checks(reference_samples=120, sbc_datasets=20, accept=10)
    """SBC and leave-one-out of the `--quick` smoke test."""
    sensitivity_samples: int = Field(32, ge=2, le=MAX_SAMPLES)
    """SALib Sobol base sample N of the sensitivity design (N * (D + 2) sets, fit targets measured)."""
    quick_sensitivity_samples: int = Field(4, ge=2, le=MAX_SAMPLES)
    """Sobol N for `--quick`."""
    measurement: Measurement = Measurement()
    quick_measurement: Measurement = Measurement(employees=60, weeks=6)
    parameters: dict[str, FreeParameter] = Field(min_length=1)
    """Free parameters by name: a scenario key path (a distribution's mean as e.g.
    behavior.integrity_cost.mean), or a name with `path` and `applies_to` (a nuisance parameter)."""
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
        for name, parameter in self.parameters.items():
            unknown = sorted(set(parameter.applies_to or []) - set(names))
            if unknown:
                raise ValueError(f"parameters.{name}.applies_to: no target named {', '.join(unknown)} "
                                 f"(targets: {', '.join(names)})")
        return self

    def world_parameters(self) -> list[str]:
        """Names (= key paths) of the parameters of every world: the shipped posterior's columns."""
        return [name for name, p in self.parameters.items() if p.world]

    def values_for(self, target: Target, values: dict[str, float]) -> dict[str, float]:
        """{key path: value} of the parameters set on `target`'s runs."""
        return {p.key_path(name): values[name] for name, p in self.parameters.items()
                if p.applies_to is None or target.name in p.applies_to}


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
                if bound.applies_to is not None and target.name not in bound.applies_to:
                    continue
                for value in (bound.low, bound.high):
                    apply_changes(base, {**target.overrides, bound.key_path(key): value},
                                  origin=f"{where}: parameters.{key}={value}")
        except ScenarioError as exc:
            raise CalibrationError(str(exc)) from None
    digest = hashlib.sha256(json.dumps(spec.model_dump(mode="json"), sort_keys=True).encode()).hexdigest()[:16]
    return spec, root, digest
