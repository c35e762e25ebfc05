"""Helpers for the sweep tests: tiny sweep specs written beside a tiny base scenario."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

TINY_BASE = {"organization": {"employees": 30}, "weeks": 5, "behavior": {"noise": 0.2}}


def write_spec(folder: Path, **spec: Any) -> Path:
    """Write base.yaml and sweep.yaml into `folder`; keys of `spec` override a small grid."""
    (folder / "base.yaml").write_text(yaml.safe_dump(TINY_BASE))
    data: dict[str, Any] = {
        "name": "tiny",
        "base": "base.yaml",
        "parameters": {"kpi.regime": {"values": ["tokens", "error_reduction"]}, "kpi.strength": {"values": [0.5, 2.0]}},
        "design": {"kind": "grid"},
        "replicates": 2,
        "seed": 11,
    }
    data.update(spec)
    path = folder / "sweep.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def forget_runs(root: Path, indices: set[int]) -> None:
    """Take runs out of a sweep's parts on disk, as if they had never finished (parts hold many runs)."""
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    from sim.sweep.storage import SweepStore

    lost = pa.array(sorted(indices), type=pa.int64())
    for part in SweepStore(root).parts():
        table = pq.read_table(part)
        kept = table.filter(pc.invert(pc.is_in(table["run_index"], value_set=lost)))
        if kept.num_rows:
            pq.write_table(kept, part)
        else:
            part.unlink()
