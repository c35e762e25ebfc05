"""The sweep specification: what to vary, how to sample it, how often to repeat it.

A sweep YAML is validated once, here, with pydantic models that forbid unknown keys; every
varied key path is checked against the scenario schema (or, when the base is a market file, the
market schema) before a single run starts. Mistakes raise :class:`SweepError` naming the file, the
key path and what is allowed.
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from sim.market.io import LoadedMarket, apply_market_changes, load_market
from sim.scenario.io import (
    ScenarioError,
    apply_changes,
    describe_error,
    error_message,
    file_kind_hint,
    load_scenario,
    read_scenario_file,
    read_referenced,
    read_yaml,
    short_text,
)
from sim.scenario.safe_yaml import short
from sim.scenario.schema import Scenario

RESERVED_KEYS = ("seed", "name")
"""Scenario keys a sweep sets itself: each run's seed, and the sweep's name."""


class SweepError(ScenarioError):
    """A sweep that cannot be run, with a message meant for the person who wrote it."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True, allow_inf_nan=False)


MAX_SWEEP_RUNS = 1_000_000
"""Most runs (points x replicates) in one sweep: about three hours of default runs on two cores,
and a design table that fits in memory; larger studies are split into several sweeps."""


class Parameter(_Strict):
    """One varied scenario value: a list of `values` (grid) or a range `low`..`high` (sampled)."""

    values: list[Any] | None = Field(None, min_length=1)
    """The levels a grid takes (numbers or words, e.g. KPI regimes)."""
    low: float | None = None
    """Lower bound for latin_hypercube, sobol and morris."""
    high: float | None = None
    """Upper bound for latin_hypercube, sobol and morris."""
    integer: bool = False
    """Round sampled values to whole numbers (e.g. organization.employees)."""

    @model_validator(mode="after")
    def _one_kind(self) -> Parameter:
        has_range = self.low is not None or self.high is not None
        if self.values is not None and has_range:
            raise ValueError("give either values (grid) or low and high (sampled), not both")
        if self.values is None and not has_range:
            raise ValueError("give values: [...] for a grid, or low and high for a sampled design")
        if has_range and (self.low is None or self.high is None or not self.low < self.high):
            raise ValueError("a sampled range needs both low and high, with low < high")
        return self


class GridDesign(_Strict):
    kind: Literal["grid"]
    """Every combination of every parameter's values."""


class ListDesign(_Strict):
    kind: Literal["list"]
    """Points written out one by one (e.g. named policy packages)."""
    points: list[dict[str, Any]] = Field(min_length=1)
    """Explicit points, each a mapping of key path to value; the keys are the parameters."""


class LatinHypercubeDesign(_Strict):
    kind: Literal["latin_hypercube"]
    """Space-filling random points in the box low..high of every parameter (SALib's latin sampler)."""
    samples: int = Field(ge=2, le=MAX_SWEEP_RUNS)
    """Number of points."""


class SobolDesign(_Strict):
    kind: Literal["sobol"]
    """Saltelli's sample for Sobol variance-based indices (SALib); `tokenmaxx report` estimates them."""
    samples: int = Field(ge=2, le=MAX_SWEEP_RUNS)
    """SALib's base sample size N (a power of two); the sweep has N * (D + 2) points, or
    N * (2D + 2) with second_order."""
    second_order: bool = False
    """Also estimate second-order indices."""

    @model_validator(mode="after")
    def _power_of_two(self) -> SobolDesign:
        if self.samples & (self.samples - 1):
            raise ValueError(f"sobol samples must be a power of two (e.g. {2 ** round(math.log2(self.samples))})")
        return self


class MorrisDesign(_Strict):
    kind: Literal["morris"]
    """Morris elementary-effects screening (SALib): cheap ranking of many parameters."""
    trajectories: int = Field(ge=2, le=MAX_SWEEP_RUNS)
    """Number of one-at-a-time trajectories; the sweep has trajectories * (D + 1) points."""
    levels: int = Field(4, ge=2)
    """Grid levels per parameter (SALib's num_levels; even numbers are recommended)."""


Design = Annotated[
    GridDesign | ListDesign | LatinHypercubeDesign | SobolDesign | MorrisDesign, Field(discriminator="kind")
]
SAMPLED_KINDS = ("latin_hypercube", "sobol", "morris")


class SweepSpec(_Strict):
    """A sweep YAML file."""

    name: str = "sweep"
    """Short name; results go to results/<name>/."""
    description: str = ""
    base: str
    """Base scenario YAML, relative to the sweep file; or a market file (one with `policies:`, see
    scenarios/market/), whose key paths (e.g. investors.weight_reported, firms) are then varied."""
    fixed: dict[str, Any] = Field(default_factory=dict)
    """Key paths set the same for every run, e.g. {organization.employees: 200}."""
    parameters: dict[str, Parameter] = Field(default_factory=dict)
    """Varied key paths (e.g. kpi.strength, or investors.weight_reported for a market) and their values
    or ranges."""
    design: Design
    """How points are chosen: grid, list, latin_hypercube, sobol or morris."""
    replicates: int = Field(1, ge=1, le=MAX_SWEEP_RUNS)
    """Runs per point, each with its own seed."""
    worlds: bool = False
    """Replicates are plausible worlds (model brief 11.1): replicate r is world r, a draw of the
    calibration's posterior (scenarios/calibration/posterior.csv) for the key paths the base
    scenario, `fixed` and `parameters` leave to the defaults, with its own seed; every point sees
    the same worlds, so differences between points are paired. Organisation sweeps only."""
    seed: int = Field(0, ge=0)
    """Root seed: every run's seed derives from it (numpy SeedSequence), keyed by run index."""
    keep_timeseries: bool = False
    """Also keep every run's weekly time series (timeseries.parquet)."""

    @model_validator(mode="after")
    def _parameters_fit_design(self) -> SweepSpec:
        kind = self.design.kind
        if kind == "list":
            if self.parameters:
                raise ValueError("a list design takes its parameters from design.points; leave parameters empty")
            keys = set(self.design.points[0])
            for i, point in enumerate(self.design.points):
                if set(point) != keys:
                    raise ValueError(f"design.points.{i} has keys {sorted(point)}, point 0 has {sorted(keys)}")
            return self
        if not self.parameters:
            raise ValueError(f"a {kind} design needs at least one entry under parameters")
        for path, param in self.parameters.items():
            if kind == "grid" and param.values is None:
                raise ValueError(f"parameters.{path}: a grid needs values: [...]")
            if kind in SAMPLED_KINDS and param.values is not None:
                raise ValueError(f"parameters.{path}: a {kind} design needs low and high, not values")
        return self

    @model_validator(mode="after")
    def _bounded_size(self) -> SweepSpec:
        runs = self.design_points() * self.replicates
        if runs > MAX_SWEEP_RUNS:
            raise ValueError(
                f"this sweep has {runs:,} runs ({self.design_points():,} points x {self.replicates:,} replicates); "
                f"at most {MAX_SWEEP_RUNS:,} in one sweep: split it, or use a sampled design (latin_hypercube, sobol)"
            )
        return self

    def design_points(self) -> int:
        """How many points the design has (before replicates), computed from its size alone."""
        design, dims = self.design, len(self.parameters)
        if design.kind == "list":
            return len(design.points)
        if design.kind == "grid":
            return math.prod(len(p.values or ()) for p in self.parameters.values())
        if design.kind == "latin_hypercube":
            return design.samples
        if design.kind == "sobol":
            return design.samples * ((2 * dims + 2) if design.second_order else (dims + 2))
        return design.trajectories * (dims + 1)

    @property
    def varied(self) -> list[str]:
        """The varied key paths, in a fixed order."""
        if self.design.kind == "list":
            return list(self.design.points[0])
        return list(self.parameters)


@dataclass(frozen=True)
class LoadedSpec:
    """A validated sweep: its spec, the resolved base (a scenario, or a market) and where it came from."""

    spec: SweepSpec
    base: Scenario | LoadedMarket
    origin: str

    @property
    def kind(self) -> str:
        """What each run simulates: "organisation" (a scenario) or "market"."""
        return "market" if isinstance(self.base, LoadedMarket) else "organisation"

    @property
    def digest(self) -> str:
        """Hash of everything that decides the runs' numbers: the spec and the resolved base."""
        if isinstance(self.base, LoadedMarket):
            base = {"market": self.base.market.model_dump(mode="json"),
                    "organisation": self.base.base.model_dump(mode="json")}
        else:
            base = self.base.model_dump(mode="json")
        payload = {"spec": self.spec.model_dump(mode="json"), "base": base}
        text = json.dumps(payload, sort_keys=True, default=str)
        return hashlib.sha256(text.encode()).hexdigest()[:16]

    def apply(self, changes: dict[str, Any], origin: str) -> Scenario | LoadedMarket:
        """The base with key-path changes applied and validated (SweepError on a mistake)."""
        try:
            if isinstance(self.base, LoadedMarket):
                return apply_market_changes(self.base, changes, origin=origin)
            return apply_changes(self.base, changes, origin=origin)
        except ScenarioError as exc:
            raise SweepError(str(exc)) from None


def load_spec(source: str | Path | dict[str, Any], base_dir: Path | None = None) -> LoadedSpec:
    """Read, validate and check a sweep spec (YAML path or dict); raise SweepError on mistakes."""
    if isinstance(source, dict):
        origin, data, root = "<dict>", dict(source), base_dir or Path.cwd()
    else:
        path = Path(source)
        origin, root = str(path), base_dir or path.parent
        try:
            data = read_yaml(path)
        except ScenarioError as exc:
            raise SweepError(str(exc).replace("scenario file", "sweep file")) from None
        data.setdefault("name", path.stem)
    try:
        spec = SweepSpec.model_validate(data)
    except ValidationError as exc:
        lines = [describe_error(err, SweepSpec) for err in exc.errors()]
        raise SweepError(error_message(f"{origin}: invalid sweep{file_kind_hint(data, "sweep")}", lines)) from None
    try:
        base_path = read_referenced(origin, "base", spec.base, root, "scenario or market file", "sweep file")
        unfixed = load_market(base_path) if is_market_file(base_path) else load_scenario(base_path)
    except ScenarioError as exc:
        raise SweepError(str(exc)) from None
    base = LoadedSpec(spec, unfixed, origin).apply({**spec.fixed, "name": spec.name}, origin=f"{origin}: fixed")
    loaded = LoadedSpec(spec, base, origin)
    if spec.worlds and loaded.kind == "market":
        raise SweepError(f"{origin}: worlds: true draws an organisation's parameters from the posterior; a market "
                         "sweep varies its firms' seeds with replicates (set worlds: false)")
    check_key_paths(loaded)
    return loaded


def is_market_file(path: Path) -> bool:
    """A market file is one with `policies:` at its top level (after `extends`)."""
    return "policies" in read_scenario_file(path)


def check_key_paths(loaded: LoadedSpec) -> None:
    """Fail at once on a key path the schema lacks, one the sweep sets, or a value out of range."""
    spec, origin = loaded.spec, loaded.origin
    for path in [*spec.fixed, *spec.varied]:
        if path in RESERVED_KEYS:
            raise SweepError(f"{origin}: '{path}' is set by the sweep itself (use replicates and the sweep's seed)")
    if spec.design.kind == "list":
        for i, point in enumerate(spec.design.points):
            loaded.apply(point, f"{origin}: design.points.{i}")
        return
    for path, param in spec.parameters.items():
        probes = param.values if param.values is not None else [param.low, param.high]
        for value in probes:
            loaded.apply({path: int(round(value)) if param.integer else value}, f"{origin}: parameters.{short_text(path)}={short(value)}")
