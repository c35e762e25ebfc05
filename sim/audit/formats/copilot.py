"""GitHub Copilot usage metrics, per-user reports (`users-1-day` / `users-28-day`) as NDJSON: one
record per user and day.

Follows GitHub Docs, "Copilot usage metrics API and export fields" and "Example schema"
(docs.github.com/en/copilot/reference/copilot-usage-metrics/, public preview, read 2026-12).
Mapping to the observables table:

- user: `user_login` (else `user_id`);
- requests: `user_initiated_interaction_count` (at the top of the record, else summed over
  `totals_by_feature`) plus `totals_by_cli.prompt_count`;
- actions: `code_acceptance_activity_count` (suggestions and code blocks accepted);
- input / output tokens: `totals_by_cli.token_usage.prompt_tokens_sum` / `output_tokens_sum`: the
  per-user report carries token counts only for Copilot CLI, so tokens of IDE use are not in it;
  `totals_by_cli` is omitted on days without CLI use (0 tokens);
- repeated prompts: not in the report (empty).

The synthetic export puts a week's prompts and tokens in `totals_by_cli` (prompts = requests) and
its accepted suggestions in `code_acceptance_activity_count`, spread over Monday to Friday.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from sim.audit.formats.common import UsageError, day_of, get, json_lines, spread_over_days, weekly, where

NAME = "copilot"
FILE = "copilot-users-1-day.ndjson"
ENTERPRISE_ID = "1"


def write(observed: pd.DataFrame, folder: Path) -> list[Path]:
    """One NDJSON file of per-user daily records (days with activity only)."""
    folder.mkdir(parents=True, exist_ok=True)
    days = 5
    parts = {c: spread_over_days(observed[c].to_numpy(), days).ravel()
             for c in ("requests", "actions", "input_tokens", "output_tokens")}
    user = np.repeat(observed["user"].to_numpy(dtype=str), days)
    day = day_of(np.repeat(observed["week"].to_numpy(), days), np.tile(np.arange(days), len(observed)))
    ids = {u: i + 1 for i, u in enumerate(sorted(set(user)))}
    active = (parts["requests"] + parts["actions"] + parts["input_tokens"] + parts["output_tokens"]) > 0
    path = folder / FILE
    with path.open("w", encoding="utf-8") as out:
        for i in np.flatnonzero(active):
            requests, tokens_in, tokens_out = int(parts["requests"][i]), int(parts["input_tokens"][i]), int(parts["output_tokens"][i])
            record = {
                "day": str(day[i]), "enterprise_id": ENTERPRISE_ID, "user_id": ids[user[i]], "user_login": str(user[i]),
                "user_initiated_interaction_count": 0, "code_generation_activity_count": requests,
                "code_acceptance_activity_count": int(parts["actions"][i]),
                "used_agent": False, "used_chat": False, "used_cli": requests > 0,
            }
            if requests or tokens_in or tokens_out:
                record["totals_by_cli"] = {
                    "session_count": 1, "request_count": requests, "prompt_count": requests,
                    "token_usage": {"output_tokens_sum": tokens_out, "prompt_tokens_sum": tokens_in,
                                    "avg_tokens_per_request": round((tokens_in + tokens_out) / requests, 1) if requests else 0.0},
                }
            out.write(json.dumps(record, separators=(",", ":")) + "\n")
    return [path]


def read(path: Path) -> pd.DataFrame:
    """One file as the observables table."""
    return weeks(read_days(path))


def weeks(days: pd.DataFrame) -> pd.DataFrame:
    """Daily rows (of one or more files) as the observables table, week 1 = the earliest day's."""
    return weekly(days)


def read_days(path: Path) -> pd.DataFrame:
    """The NDJSON records of one report file as the observables table."""
    rows = []
    for number, record in json_lines(path):
        if not isinstance(record, dict):
            raise UsageError(f"{where(path, number)}: expected a JSON object (one user's day)")
        login = record.get("user_login")
        if login is None and "user_id" in record:
            login = str(get(record, "user_id", path, number, (int, str)))
        if not isinstance(login, str) or not login:
            raise UsageError(f"{where(path, number, 'user_login')}: missing (a per-user report has user_login or user_id; "
                             "an aggregated enterprise or organization report has no users)")
        day = record.get("day")
        if day is None:
            raise UsageError(f"{where(path, number, 'day')}: missing")
        if "user_initiated_interaction_count" in record:
            prompts = get(record, "user_initiated_interaction_count", path, number, int)
        else:
            features = get(record, "totals_by_feature", path, number, list, default=[])
            prompts = sum(get(f, "user_initiated_interaction_count", path, number, int, default=0) for f in features)
        cli = get(record, "totals_by_cli", path, number, dict, default={})
        rows.append({
            "user": login, "day": _day(day, path, number),
            "requests": prompts + get(cli, "prompt_count", path, number, int, default=0),
            "actions": get(record, "code_acceptance_activity_count", path, number, int),
            "input_tokens": get(cli, "token_usage.prompt_tokens_sum", path, number, int, default=0),
            "output_tokens": get(cli, "token_usage.output_tokens_sum", path, number, int, default=0),
        })
    if not rows:
        raise UsageError(f"{path}: no records")
    return pd.DataFrame(rows)


def _day(text: object, path: Path, number: int) -> str:
    from sim.audit.formats.common import parse_day

    return parse_day(text, path, number, "day").isoformat()


def sniff(path: Path) -> bool:
    return path.suffix.lower() in (".ndjson", ".jsonl") and _first_has(path, ("user_login", "code_acceptance_activity_count"))


def _first_has(path: Path, keys: tuple[str, ...]) -> bool:
    try:
        with path.open("rb") as handle:
            line = handle.readline(100_000)
        return any(f'"{k}"'.encode() in line for k in keys)
    except OSError:
        return False
