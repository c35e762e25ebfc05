"""The project's own per-user-week table, CSV or Parquet (schema in docs/usage-formats.md):
columns `user, week, input_tokens, output_tokens, requests` required; `actions` and
`repeated_prompt_share` optional (empty where unknown)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from sim.audit.formats.common import UsageError, finish, where
from sim.audit.usage import OBSERVABLE_COLUMNS

NAME = "table"
REQUIRED = ("user", "week", "input_tokens", "output_tokens", "requests")


def write(observed: pd.DataFrame, folder: Path) -> list[Path]:
    """usage.csv and usage.parquet."""
    folder.mkdir(parents=True, exist_ok=True)
    csv, parquet = folder / "usage.csv", folder / "usage.parquet"
    observed.to_csv(csv, index=False)
    observed.to_parquet(parquet, index=False)
    return [csv, parquet]


def read(path: Path) -> pd.DataFrame:
    """A CSV or Parquet table as the observables table; errors name the row (record 1 = the first
    data row) and the column."""
    try:
        if path.suffix.lower() == ".parquet":
            table = pd.read_parquet(path)
        else:
            table = pd.read_csv(path, dtype={"user": str})
    except (OSError, ValueError, pd.errors.ParserError) as exc:
        raise UsageError(f"{path}: cannot read as a {'Parquet' if path.suffix == '.parquet' else 'CSV'} table "
                         f"({str(exc).splitlines()[0][:100]})") from None
    missing = [c for c in REQUIRED if c not in table.columns]
    if missing:
        raise UsageError(f"{path}: missing column{'s' if len(missing) > 1 else ''} {', '.join(missing)}; "
                         f"the table needs {', '.join(REQUIRED)} (and may have actions, repeated_prompt_share)")
    unknown = [c for c in table.columns if c not in OBSERVABLE_COLUMNS]
    if unknown:
        raise UsageError(f"{path}: unknown column {unknown[0]!r}; allowed: {', '.join(OBSERVABLE_COLUMNS)}")
    if table.empty:
        raise UsageError(f"{path}: no rows")
    for column in table.columns:
        if column == "user":
            bad = table["user"].isna() | (table["user"].astype(str).str.strip() == "")
            _check(path, bad, column, table[column], "a user identifier")
            continue
        values = pd.to_numeric(table[column], errors="coerce")
        optional = column in ("actions", "repeated_prompt_share")
        bad = (values.isna() & (table[column].notna() | (not optional))) | (values < 0)
        if column == "repeated_prompt_share":
            bad |= values > 1
            _check(path, bad, column, table[column], "a share from 0 to 1 (or empty)")
        elif column == "week":
            bad |= (values < 1) | (values != np.floor(values))
            _check(path, bad, column, table[column], "a week number 1, 2, ...")
        else:
            bad |= (values != np.floor(values))
            _check(path, bad, column, table[column], "a whole count of 0 or more" + (" (or empty)" if optional else ""))
        table[column] = values
    duplicated = table.duplicated(["user", "week"])
    if duplicated.any():
        row = int(np.flatnonzero(duplicated.to_numpy())[0]) + 1
        raise UsageError(f"{where(path, row, 'week')}: user {table['user'].iloc[row - 1]!r} has week "
                         f"{int(table['week'].iloc[row - 1])} twice")
    return finish(table)


def _check(path: Path, bad: pd.Series, column: str, values: pd.Series, expected: str) -> None:
    if bad.any():
        row = int(np.flatnonzero(bad.to_numpy())[0])
        raise UsageError(f"{where(path, row + 1, column)}: expected {expected}, found {str(values.iloc[row])[:40]!r}")


def sniff(path: Path) -> bool:
    return path.suffix.lower() in (".csv", ".parquet")
