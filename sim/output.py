"""Write a run's results to a folder, every file atomically (temporary file, then rename)."""

from __future__ import annotations

import json
import os
import platform
import subprocess
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sim.dictionary import write_parquet
from sim.runner import RunResult, clean_for_json
from sim.scenario.io import dump_yaml


def atomic_write(path: Path, write: Callable[[Path], None]) -> None:
    """Call write(tmp) on a temporary file beside `path`, then rename it into place."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        write(tmp)
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; results are ordinary files
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def atomic_write_text(path: Path, text: str) -> None:
    atomic_write(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))


def write_run(result: RunResult, out_dir: Path, wall_time_s: float) -> list[Path]:
    """Write summary.json, timeseries.parquet/.csv, scenario.yaml and metadata.json."""
    out_dir.mkdir(parents=True, exist_ok=True)
    files = {
        "summary.json": lambda p: p.write_text(json.dumps(clean_for_json(result.summary), indent=2) + "\n"),
        "timeseries.parquet": lambda p: write_parquet(result.timeseries, p),
        "timeseries.csv": lambda p: result.timeseries.to_csv(p, index=False),
        "scenario.yaml": lambda p: p.write_text(dump_yaml(result.scenario)),
        "metadata.json": lambda p: p.write_text(json.dumps(metadata(result, wall_time_s), indent=2) + "\n"),
    }
    for name, write in files.items():
        atomic_write(out_dir / name, write)
    return [out_dir / name for name in files]


def metadata(result: RunResult, wall_time_s: float) -> dict[str, Any]:
    from importlib.metadata import version

    return {
        "package": "tokenmaxxing",
        "version": version("tokenmaxxing"),
        "mesa_version": version("mesa"),
        "numpy_version": version("numpy"),
        "python": platform.python_version(),
        "seed": result.scenario.seed,
        "wall_time_s": round(wall_time_s, 4),
        "git_commit": git_commit(),
    }


def git_commit() -> str | None:
    """The commit of the source tree this package runs from, when it is a git checkout."""
    here = Path(__file__).resolve().parent
    try:
        out = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=here, capture_output=True, text=True, timeout=5, check=False
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None if out.returncode == 0 else None
