"""Reading a sweep's results folder back: its spec, design and tidy run table.

The folder may have been changed since the sweep wrote it (a part copied or removed, a file
replaced): every file is checked, and anything that is not what a sweep writes is one clear
:class:`SweepError` naming the file, never a traceback.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from pydantic import ValidationError

from sim.scenario.io import describe_error
from sim.scenario.safe_yaml import YamlFileError, read_yaml_file
from sim.sweep.spec import SweepError, SweepSpec
from sim.sweep.storage import SweepStore, first_line


def with_derived(table: pd.DataFrame) -> pd.DataFrame:
    """Add the report's derived metrics: ROI inflation = reported ROI - true ROI."""
    if {"roi_reported", "roi_true"} <= set(table):
        table = table.assign(roi_inflation=table["roi_reported"] - table["roi_true"])
    return table


def read_sweep(sweep_dir: str | Path) -> tuple[SweepSpec, pd.DataFrame, pd.DataFrame]:
    """The spec, design and tidy run table of a results folder (every file checked)."""
    sweep_dir = Path(sweep_dir)
    spec = read_spec(sweep_dir)
    design = read_design(sweep_dir / "design.csv", spec)
    table = SweepStore(sweep_dir).load_table(runs_total=runs_total(spec, design))
    return spec, design, with_derived(table)


def runs_total(spec: SweepSpec, design: pd.DataFrame) -> int:
    """How many runs the sweep has: each point of the design, each replicate."""
    return len(design) * spec.replicates


def read_spec(sweep_dir: Path) -> SweepSpec:
    """The folder's spec.yaml, read as safely as any input file and validated as a sweep spec."""
    spec_path = sweep_dir / "spec.yaml"
    if spec_path.is_symlink():
        raise SweepError(f"{spec_path}: is a link, not the spec a sweep wrote; run the sweep again with --fresh")
    if not spec_path.is_file():
        raise SweepError(f"{sweep_dir}: not a sweep results folder (no spec.yaml); run `tokenmaxx sweep` first")
    try:
        data = read_yaml_file(spec_path, "sweep spec")
    except YamlFileError as exc:
        raise SweepError(str(exc)) from None
    if not isinstance(data, dict):
        raise SweepError(f"{spec_path}: not a sweep spec (a mapping of keys to values); run the sweep again with --fresh")
    try:
        return SweepSpec.model_validate(data)
    except ValidationError as exc:
        first = describe_error(exc.errors()[0], SweepSpec)
        raise SweepError(f"{spec_path}: not a sweep spec this version can read ({first})") from None
    except RecursionError:
        raise SweepError(f"{spec_path}: not a sweep spec (nested too deeply)") from None


def read_design(path: Path, spec: SweepSpec) -> pd.DataFrame:
    """design.csv: one row per point 0..N-1 (N as the spec says), a column per varied key path."""
    def refuse(reason: str) -> SweepError:
        return SweepError(f"{path}: {reason}; it is not the design this sweep wrote (run the sweep again with --fresh)")

    if path.is_symlink() or not path.is_file():
        raise refuse("missing, a link or not a regular file")
    try:
        design = pd.read_csv(path, index_col="point")
    except (ValueError, TypeError, IndexError, KeyError, OverflowError, OSError) as exc:  # pandas on garbage
        raise refuse(f"cannot be read as a table ({first_line(exc)})") from None
    missing = [p for p in spec.varied if p not in design.columns]
    if missing:
        raise refuse(f"no column {missing[0]!r}")
    expected = spec.design_points()
    if len(design) != expected or not pd.api.types.is_integer_dtype(design.index) or \
            sorted(design.index.tolist()) != list(range(expected)):
        raise refuse(f"{len(design):,} rows, but the spec's design has points 0 to {expected - 1}")
    return design
