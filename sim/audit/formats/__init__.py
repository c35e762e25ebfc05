"""Usage exports in, the per-user-week observables table out (and the simulator's synthetic
exports in the same formats). One module per format, each with `write(observed, folder)`,
`read(path)` and `sniff(path)`; :data:`FORMATS` picks them by name."""

from __future__ import annotations

from pathlib import Path
from types import ModuleType

import pandas as pd

from sim.audit.formats import claude_code, copilot, otel, table
from sim.audit.formats.common import UsageError, pseudonym

FORMATS: dict[str, ModuleType] = {m.NAME: m for m in (table, otel, copilot, claude_code)}
"""Format name -> its module."""

TRUTH_FILE = "usage-truth.csv"
"""The truth beside a synthetic export (never read by `tokenmaxx audit`)."""

__all__ = ["FORMATS", "TRUTH_FILE", "UsageError", "read_usage", "pseudonym", "write_usage"]


def files_of(paths: list[Path]) -> list[Path]:
    """The files named, folders replaced by the export files in them (sorted; the truth file,
    hidden files, and a CSV beside a Parquet table of the same name left out)."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            inside = sorted(p for p in path.rglob("*") if p.is_file() and not p.name.startswith(".")
                            and p.name != TRUTH_FILE and p.suffix.lower() in (".csv", ".parquet", ".json", ".jsonl", ".ndjson"))
            found += [p for p in inside if not (p.suffix.lower() == ".csv" and p.with_suffix(".parquet") in inside)]
        elif path.exists():
            found.append(path)
        else:
            raise UsageError(f"{path}: no such file or folder")
    return found


def detect(path: Path) -> str:
    """The format of one file, from its name and first bytes."""
    for name in ("otel", "copilot", "claude-code", "table"):
        if FORMATS[name].sniff(path):
            return name
    raise UsageError(f"{path}: not a usage export this reader knows ({', '.join(FORMATS)}); "
                     "name the format with --format")


def read_usage(paths: list[Path], fmt: str | None = None) -> pd.DataFrame:
    """Every file (or folder of files) as one observables table. Daily formats are summed per
    week; a user-week appearing in two files is added up (pages of one report)."""
    files = files_of(paths)
    if not files:
        raise UsageError(f"{', '.join(map(str, paths))}: no usage files found")
    if fmt is not None and fmt not in FORMATS:
        raise UsageError(f"--format {fmt}: expected one of {', '.join(FORMATS)}")
    tables = []
    formats = set()
    for path in files:
        name = fmt or detect(path)
        formats.add(name)
        tables.append(FORMATS[name].read(path))
    if len(formats) > 1:
        raise UsageError(f"{', '.join(map(str, paths))}: mixes formats ({', '.join(sorted(formats))}); audit one at a time")
    if len(tables) == 1:
        return tables[0]
    if formats == {"table"}:
        both = pd.concat(tables, ignore_index=True)
        if both.duplicated(["user", "week"]).any():
            raise UsageError(f"{', '.join(map(str, paths))}: the same user and week in two files")
        return both.sort_values(["user", "week"], kind="stable").reset_index(drop=True)
    return _combine_days(files, formats.pop())


def _combine_days(files: list[Path], name: str) -> pd.DataFrame:
    """Daily files (one report per day): weeks counted from the earliest day of all of them."""
    module = FORMATS[name]
    return module.weeks(pd.concat([module.read_days(path) for path in files], ignore_index=True))


def write_usage(fmt: str, observed: pd.DataFrame, truth: pd.DataFrame, folder: Path, **options: float) -> list[Path]:
    """A synthetic export in `fmt` and its truth (TRUTH_FILE) in `folder`."""
    if fmt not in FORMATS:
        raise UsageError(f"--export-usage {fmt}: expected one of {', '.join(FORMATS)}")
    written = FORMATS[fmt].write(observed, folder, **options) if options else FORMATS[fmt].write(observed, folder)
    truth_path = folder / TRUTH_FILE
    truth.to_csv(truth_path, index=False)
    return [*written, truth_path]
