"""`tokenmaxx report SWEEP_DIR`: charts and CSV tables from a sweep's results folder."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import yaml

from sim.dictionary import design_column
from sim.output import atomic_write
from sim.sweep.spec import SweepError, SweepSpec
from sim.sweep.storage import SweepStore

HEATMAP_METRICS = ("roi_inflation", "wasted_spend_share")
LINE_METRICS = ("roi_inflation", "wasted_spend_share", "roi_true", "performative_share")
SENSITIVITY_METRICS = ("roi_inflation", "wasted_spend_share", "roi_true", "performative_share")


def with_derived(table: pd.DataFrame) -> pd.DataFrame:
    """Add the report's derived metrics: ROI inflation = reported ROI - true ROI."""
    if {"roi_reported", "roi_true"} <= set(table):
        table = table.assign(roi_inflation=table["roi_reported"] - table["roi_true"])
    return table


def read_sweep(sweep_dir: Path) -> tuple[SweepSpec, pd.DataFrame, pd.DataFrame]:
    """The spec, design and tidy run table of a results folder."""
    spec_path = sweep_dir / "spec.yaml"
    if not spec_path.is_file():
        raise SweepError(f"{sweep_dir}: not a sweep results folder (no spec.yaml); run `tokenmaxx sweep` first")
    spec = SweepSpec.model_validate(yaml.safe_load(spec_path.read_text(encoding="utf-8")))
    design = pd.read_csv(sweep_dir / "design.csv", index_col="point")
    table = SweepStore(sweep_dir).load_table()
    return spec, design, with_derived(table)


def write_report(sweep_dir: Path, out: Path | None = None) -> list[Path]:
    """Write heatmaps, line charts, sensitivity bars and their tables; return the files written."""
    from sim.sweep import charts
    from sim.sweep.sensitivity import SENSITIVITY_KINDS, sweep_indices

    sweep_dir = Path(sweep_dir)
    spec, design, table = read_sweep(sweep_dir)
    out = out or sweep_dir / "report"
    ok = table[table["status"] == "ok"]
    if ok.empty:
        raise SweepError(f"{sweep_dir}: no successful runs to report on")
    written: list[Path] = []

    def save(name: str, write: Callable[[Path], None]) -> None:
        atomic_write(out / name, write)
        written.append(out / name)

    def save_figure(name: str, fig) -> None:
        save(name, lambda p: fig.savefig(p, dpi=120, format="png"))
        charts.plt.close(fig)

    ok = ok.rename(columns={design_column(p): p for p in spec.varied})  # charts label by key path
    params = [p for p in spec.varied if ok[p].nunique() > 1]
    metrics = [m for m in LINE_METRICS if m in ok]
    if params:
        per_point = pd.concat(
            [charts.aggregate(ok, params, m).assign(metric=m) for m in metrics], ignore_index=True
        )
        per_point = per_point.rename(columns={p: design_column(p) for p in params})  # same names as runs.csv
        save("points.csv", lambda p: per_point.to_csv(p, index=False))
    for x, y in itertools.combinations(params, 2):
        for metric in (m for m in HEATMAP_METRICS if m in ok):
            cells = charts.in_percent(charts.aggregate(ok, [x, y], metric), metric)
            title = charts.label(metric) + (" (mean over other parameters)" if len(params) > 2 else "")
            save_figure(f"heatmap_{metric}__{_slug(y)}__{_slug(x)}.png", charts.heatmap(cells, x, y, title=title))
    words = [p for p in params if not pd.api.types.is_numeric_dtype(ok[p])]
    hue = words[0] if words else None
    for x in (p for p in params if p != hue and pd.api.types.is_numeric_dtype(ok[p])):
        for metric in metrics:
            cells = charts.in_percent(charts.aggregate(ok, [x] + ([hue] if hue else []), metric), metric)
            name = f"lines_{metric}__{_slug(x)}" + (f"__by_{_slug(hue)}" if hue else "") + ".png"
            save_figure(name, charts.lines(cells, x, hue, title=charts.label(metric)))
    if spec.design.kind in SENSITIVITY_KINDS:
        found = sweep_indices(spec, design, table, [m for m in SENSITIVITY_METRICS if m in table])
        save("sensitivity.csv", lambda p: found.to_csv(p, index=False))
        for metric, group in found.groupby("metric", sort=False):
            title = f"{spec.design.kind} indices of {charts.label(metric)}"
            save_figure(f"sensitivity_{metric}.png", charts.index_bars(group, title))
    save("runs.csv", lambda p: table.to_csv(p, index=False))
    return written


def _slug(path: str) -> str:
    return path.replace(".", "_")
