"""Claude Code Analytics Admin API: `GET /v1/organizations/usage_report/claude_code`, one record per
user (actor) and day, returned in pages `{"data": [...], "has_more": ..., "next_page": ...}`.

Follows the Claude Docs API reference "Get Claude Code Usage Report" and the guide "Claude Code
Analytics API" (platform.claude.com/docs, anthropic-version 2023-06-01, read 2026-12). A file may be
one response page (as the API returns it), a JSON list of records, or JSON lines of either.
Mapping to the observables table:

- user: `actor.email_address` (a `user_actor`) or `actor.api_key_name` (an `api_actor`);
- requests: tool proposals decided on, summed over `tool_actions.*` (`accepted` + `rejected`);
  the API has no count of model requests;
- actions: `tool_actions.*.accepted` + `core_metrics.commits_by_claude_code` +
  `core_metrics.pull_requests_by_claude_code`;
- input tokens: `model_breakdown[].tokens.input + cache_read + cache_creation`; output tokens:
  `model_breakdown[].tokens.output`;
- repeated prompts: not in the API (empty).

The synthetic export writes one page per day (Monday to Friday), a week's requests as edit-tool
decisions (its actions accepted, the rest rejected), no commits or pull requests, and each model's
estimated cost in cents at the scenario's token prices.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from sim.audit.formats.common import (
    UsageError, day_of, get, json_document, json_lines, parse_day, spread_over_days, weekly, where,
)

NAME = "claude-code"
FOLDER = "claude-code"
MODEL = "claude-sonnet-4-20250514"
TOOLS = ("edit_tool", "multi_edit_tool", "notebook_edit_tool", "write_tool")
"""The tools of `tool_actions` in the API reference's example."""
ORGANIZATION_ID = "00000000-0000-4000-8000-000000000000"


def write(observed: pd.DataFrame, folder: Path, input_usd_per_mtok: float = 3.0,
          output_usd_per_mtok: float = 15.0) -> list[Path]:
    """One JSON page per working day under claude-code/."""
    out_dir = folder / FOLDER
    out_dir.mkdir(parents=True, exist_ok=True)
    days = 5
    parts = {c: spread_over_days(observed[c].to_numpy(), days).ravel()
             for c in ("requests", "actions", "input_tokens", "output_tokens")}
    user = np.repeat(observed["user"].to_numpy(dtype=str), days)
    day = day_of(np.repeat(observed["week"].to_numpy(), days), np.tile(np.arange(days), len(observed)))
    cents = np.rint((parts["input_tokens"] * input_usd_per_mtok + parts["output_tokens"] * output_usd_per_mtok) / 1e4)
    active = (parts["requests"] + parts["input_tokens"] + parts["output_tokens"]) > 0
    pages: dict[str, list[dict]] = {}
    for i in np.flatnonzero(active):
        accepted = int(parts["actions"][i])
        email = str(user[i]) if "@" in str(user[i]) else f"{user[i]}@example.com"
        pages.setdefault(str(day[i]), []).append({
            "actor": {"email_address": email, "type": "user_actor"},
            "core_metrics": {"commits_by_claude_code": 0, "lines_of_code": {"added": 0, "removed": 0},
                             "num_sessions": 1, "pull_requests_by_claude_code": 0},
            "customer_type": "api",
            "date": f"{day[i]}T00:00:00Z",
            "model_breakdown": [{"estimated_cost": {"amount": int(cents[i]), "currency": "USD"}, "model": MODEL,
                                 "tokens": {"cache_creation": 0, "cache_read": 0, "input": int(parts["input_tokens"][i]),
                                            "output": int(parts["output_tokens"][i])}}],
            "organization_id": ORGANIZATION_ID,
            "terminal_type": "vscode",
            "tool_actions": {"edit_tool": {"accepted": accepted, "rejected": int(parts["requests"][i]) - accepted}},
        })
    written = []
    for date, records in sorted(pages.items()):
        path = out_dir / f"{date}.json"
        path.write_text(json.dumps({"data": records, "has_more": False, "next_page": None}, indent=1) + "\n")
        written.append(path)
    return written


def records(path: Path) -> list[tuple[int, dict]]:
    """(record number from 1, record) of a page, a list of records, or JSON lines of either."""
    if path.suffix.lower() in (".jsonl", ".ndjson"):
        items = []
        for line, value in json_lines(path):
            items += [(line, r) for r in (value["data"] if isinstance(value, dict) and "data" in value else [value])]
    else:
        document = json_document(path)
        if isinstance(document, dict):
            if "data" not in document:
                raise UsageError(f"{where(path, None, 'data')}: missing (a Claude Code usage report page has "
                                 "data, has_more and next_page)")
            document = document["data"]
        if not isinstance(document, list):
            raise UsageError(f"{where(path, None, 'data')}: expected a list of records")
        items = list(enumerate(document, start=1))
    return [(n, r) for n, r in items]


def read(path: Path) -> pd.DataFrame:
    """One file as the observables table."""
    return weeks(read_days(path))


def weeks(days: pd.DataFrame) -> pd.DataFrame:
    """Daily rows (of one or more files) as the observables table, week 1 = the earliest day's."""
    return weekly(days)


def read_days(path: Path) -> pd.DataFrame:
    """One file's records as the observables table."""
    rows = []
    for number, record in records(path):
        if not isinstance(record, dict):
            raise UsageError(f"{where(path, number)}: expected a JSON object (one user's day)")
        actor = get(record, "actor", path, number, dict)
        kind = actor.get("type")
        field = {"user_actor": "email_address", "api_actor": "api_key_name"}.get(kind)
        if field is None:
            raise UsageError(f"{where(path, number, 'actor.type')}: expected user_actor or api_actor, "
                             f"found {json.dumps(kind)[:40]}")
        user = get(record, f"actor.{field}", path, number, str)
        tools = get(record, "tool_actions", path, number, dict)
        accepted = rejected = 0
        for name in tools:
            accepted += get(record, f"tool_actions.{name}.accepted", path, number, int)
            rejected += get(record, f"tool_actions.{name}.rejected", path, number, int)
        tokens_in = tokens_out = 0
        for i, model in enumerate(get(record, "model_breakdown", path, number, list)):
            prefix = f"model_breakdown[{i}]"
            if not isinstance(model, dict):
                raise UsageError(f"{where(path, number, prefix)}: expected an object")
            for part in ("input", "cache_read", "cache_creation"):
                tokens_in += _count(model, f"tokens.{part}", path, number, prefix)
            tokens_out += _count(model, "tokens.output", path, number, prefix)
        rows.append({
            "user": user, "day": parse_day(get(record, "date", path, number, str), path, number, "date").isoformat(),
            "requests": accepted + rejected,
            "actions": accepted + get(record, "core_metrics.commits_by_claude_code", path, number, int)
            + get(record, "core_metrics.pull_requests_by_claude_code", path, number, int),
            "input_tokens": tokens_in, "output_tokens": tokens_out,
        })
    if not rows:
        raise UsageError(f"{path}: no records")
    return pd.DataFrame(rows)


def _count(model: dict, dotted: str, path: Path, number: int, prefix: str) -> int:
    try:
        return get(model, dotted, path, number, int)
    except UsageError as exc:
        raise UsageError(str(exc).replace(f"field {dotted}", f"field {prefix}.{dotted}")) from None


def sniff(path: Path) -> bool:
    try:
        with path.open("rb") as handle:
            head = handle.read(100_000)
        return b'"core_metrics"' in head or b'"tool_actions"' in head
    except OSError:
        return False
