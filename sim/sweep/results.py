"""Reading a sweep's results folder back: its spec, design and tidy run table."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import yaml

from sim.sweep.spec import SweepError, SweepSpec
from sim.sweep.storage import SweepStore


def with_derived(table: pd.DataFrame) -> pd.DataFrame:
    """Add the report's derived metrics: ROI inflation = reported ROI - true ROI."""
    if {"roi_reported", "roi_true"} <= set(table):
        table = table.assign(roi_inflation=table["roi_reported"] - table["roi_true"])
    return table


def read_sweep(sweep_dir: str | Path) -> tuple[SweepSpec, pd.DataFrame, pd.DataFrame]:
    """The spec, design and tidy run table of a results folder."""
    sweep_dir = Path(sweep_dir)
    spec_path = sweep_dir / "spec.yaml"
    if not spec_path.is_file():
        raise SweepError(f"{sweep_dir}: not a sweep results folder (no spec.yaml); run `tokenmaxx sweep` first")
    spec = SweepSpec.model_validate(yaml.safe_load(spec_path.read_text(encoding="utf-8")))
    design = pd.read_csv(sweep_dir / "design.csv", index_col="point")
    table = SweepStore(sweep_dir).load_table()
    return spec, design, with_derived(table)
