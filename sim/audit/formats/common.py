"""What every usage reader and writer shares: the error a user sees, field access that names the
record and field, days to weeks, and identifiers hashed with a salt."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.audit.usage import COUNT_COLUMNS, OBSERVABLE_COLUMNS
from sim.scenario.io import ScenarioError

FIRST_MONDAY = dt.date(2026, 1, 5)
"""Where a synthetic export's week 1 starts (a Monday)."""
WORKDAYS_PER_WEEK = 5
"""A week's counts spread over Monday to Friday in the daily formats."""
MAX_RECORD_BYTES = 10_000_000
"""Longest line or file read as one JSON document (a larger one is an error, not a hang)."""


class UsageError(ScenarioError):
    """A usage export that cannot be read: names the file, the record and the field (exit code 2)."""


def where(path: Path, record: int | None = None, field: str | None = None) -> str:
    """`FILE, record N, field F` for an error message."""
    text = str(path)
    if record is not None:
        text += f", record {record}"
    if field is not None:
        text += f", field {field}"
    return text


def get(record: Any, dotted: str, path: Path, number: int, kind: type | tuple[type, ...] = (int, float),
        default: Any = ...) -> Any:
    """The value at `dotted` (a.b.c) of a JSON record, checked to be of `kind`; missing: `default`
    if one is given, else a UsageError naming the file, record and field."""
    value = record
    for part in dotted.split("."):
        if not isinstance(value, dict) or part not in value:
            if default is not ...:
                return default
            raise UsageError(f"{where(path, number, dotted)}: missing")
        value = value[part]
    if kind in ((int, float), int) and isinstance(value, str):  # OTLP JSON writes 64-bit integers as strings
        try:
            value = int(value)
        except ValueError:
            pass
    if isinstance(value, bool) or not isinstance(value, kind):
        names = kind.__name__ if isinstance(kind, type) else " or ".join(k.__name__ for k in kind)
        raise UsageError(f"{where(path, number, dotted)}: expected {_kind_word(names)}, found {json.dumps(value)[:40]}")
    if isinstance(value, (int, float)) and not (np.isfinite(value) and value >= 0):
        raise UsageError(f"{where(path, number, dotted)}: expected a count of 0 or more, found {value}")
    return value


def _kind_word(names: str) -> str:
    return {"int or float": "a number", "int": "a whole number", "str": "a text", "dict": "an object",
            "list": "a list"}.get(names, names)


def json_lines(path: Path) -> Iterator[tuple[int, Any]]:
    """(record number from 1, parsed object) of each non-blank line of a JSON-lines file."""
    try:
        with path.open("rb") as handle:
            for number, line in enumerate(handle, start=1):
                if not line.strip():
                    continue
                if len(line) > MAX_RECORD_BYTES:
                    raise UsageError(f"{where(path, number)}: longer than {MAX_RECORD_BYTES:,} bytes")
                try:
                    yield number, json.loads(line)
                except ValueError as exc:
                    raise UsageError(f"{where(path, number)}: not valid JSON ({exc.args[0][:60]})") from None
    except OSError as exc:
        raise UsageError(f"{path}: cannot read ({exc.strerror or exc})") from None


def json_document(path: Path) -> Any:
    """A whole file as one JSON document."""
    try:
        if path.stat().st_size > MAX_RECORD_BYTES * 10:
            raise UsageError(f"{path}: larger than {MAX_RECORD_BYTES * 10:,} bytes; split it into pages")
        return json.loads(path.read_bytes())
    except ValueError as exc:
        raise UsageError(f"{path}: not valid JSON ({str(exc)[:80]})") from None
    except OSError as exc:
        raise UsageError(f"{path}: cannot read ({exc.strerror or exc})") from None


def parse_day(text: Any, path: Path, number: int, field: str) -> dt.date:
    """A date `YYYY-MM-DD` (or an RFC 3339 time stamp, whose UTC date is taken)."""
    if not isinstance(text, str):
        raise UsageError(f"{where(path, number, field)}: expected a date YYYY-MM-DD, found {json.dumps(text)[:40]}")
    try:
        if len(text) == 10:
            return dt.date.fromisoformat(text)
        return dt.datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(dt.UTC).date()
    except ValueError:
        raise UsageError(f"{where(path, number, field)}: expected a date YYYY-MM-DD, found {text[:40]!r}") from None


def weeks_of(days: pd.Series) -> pd.Series:
    """Week numbers (1 = the week, Monday to Sunday, of the earliest day) of dates."""
    days = pd.to_datetime(days)
    monday = days.min() - pd.Timedelta(days=int(days.min().weekday()))
    return ((days - monday).dt.days // 7 + 1).astype(np.int64)


def weekly(daily: pd.DataFrame) -> pd.DataFrame:
    """Daily rows (user, day, counts, repeated prompts) summed to the observables table."""
    daily = daily.assign(week=weeks_of(daily["day"]))
    present = [c for c in (*COUNT_COLUMNS, "repeated_prompts") if c in daily]
    out = daily.groupby(["user", "week"], sort=True)[present].sum(min_count=1).reset_index()
    return finish(out)


def finish(table: pd.DataFrame) -> pd.DataFrame:
    """The observables table's columns in order: counts as whole numbers where present (missing
    ones, a format that does not carry them, as empty), repetition as a share."""
    out = pd.DataFrame({"user": table["user"].astype(str).to_numpy(), "week": table["week"].astype(np.int64).to_numpy()})
    for column in COUNT_COLUMNS:
        values = table[column] if column in table else pd.Series(np.nan, index=table.index)
        out[column] = values.to_numpy() if values.isna().any() else values.astype(np.int64).to_numpy()
    if "repeated_prompt_share" in table:
        out["repeated_prompt_share"] = table["repeated_prompt_share"].to_numpy(dtype=float)
    elif "repeated_prompts" in table:
        requests = out["requests"].to_numpy(dtype=float)
        with np.errstate(invalid="ignore", divide="ignore"):
            out["repeated_prompt_share"] = np.where(requests > 0, table["repeated_prompts"].to_numpy(dtype=float) / requests, np.nan)
    else:
        out["repeated_prompt_share"] = np.nan
    return out[list(OBSERVABLE_COLUMNS)].sort_values(["user", "week"], kind="stable").reset_index(drop=True)


def spread_over_days(counts: np.ndarray, days: int = WORKDAYS_PER_WEEK) -> np.ndarray:
    """Whole weekly counts (n,) spread over `days` days, (n, days): equal shares, the remainder one
    each on the first days (so the days add up to the week exactly)."""
    counts = np.asarray(counts, dtype=np.int64)
    base, rest = np.divmod(counts, days)
    return base[:, None] + (np.arange(days)[None, :] < rest[:, None])


def day_of(week: np.ndarray, weekday: np.ndarray, start: dt.date = FIRST_MONDAY) -> np.ndarray:
    """Dates (numpy datetime64[D]) of week numbers (from 1) and weekdays (0 = Monday)."""
    return np.datetime64(start) + ((np.asarray(week) - 1) * 7 + np.asarray(weekday)).astype("timedelta64[D]")


def pseudonym(users: pd.Series | np.ndarray, salt: str) -> np.ndarray:
    """Each identifier as `user-` and 12 hex digits of SHA-256(salt + identifier): the same user
    gets the same pseudonym within one salt, and nobody can look a name up without the salt."""
    unique, inverse = np.unique(np.asarray(users, dtype=str), return_inverse=True)
    separator = "\x00"  # so that salt "ab" + user "c" differs from salt "a" + user "bc"
    hashed = np.array(["user-" + hashlib.sha256((salt + separator + u).encode()).hexdigest()[:12] for u in unique],
                      dtype=object)
    return hashed[inverse]
