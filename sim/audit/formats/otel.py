"""OpenTelemetry GenAI client spans in OTLP/JSON, one `ExportTraceServiceRequest`
(`{"resourceSpans": [...]}`) per line, as the OpenTelemetry Collector's file exporter writes them.

Follows the OpenTelemetry semantic conventions for generative client AI spans (Development status;
docs/gen-ai/gen-ai-spans.md, read at semantic-conventions v1.37 and main, 2026-12), the `user.id`
attribute of the general registry (docs/registry/attributes/user.md) and the OTLP/JSON encoding
of the OTLP specification (64-bit integers may be strings). Mapping to the observables table:

- one inference span (`gen_ai.operation.name` chat, text_completion or generate_content) = one
  request; other spans (tools, agents, embeddings) are skipped;
- user: the span's `user.id` (else `enduser.id`, else the resource's `user.id`);
- week: from `startTimeUnixNano` (UTC);
- input / output tokens: `gen_ai.usage.input_tokens` / `gen_ai.usage.output_tokens`;
- repeated prompts: where every span of a user's week has the opt-in `gen_ai.input.messages`, the
  prompts identical to an earlier one that week; otherwise empty;
- actions: the conventions have no downstream action (empty).
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import numpy as np
import pandas as pd

from sim.audit.formats.common import FIRST_MONDAY, UsageError, finish, json_lines, weeks_of, where

NAME = "otel"
FILE = "otel-genai-spans.jsonl"
INFERENCE = frozenset({"chat", "text_completion", "generate_content"})
MAX_SPANS = 300_000
"""Most spans a synthetic export writes (one per request): about 200 MB of OTLP/JSON."""
MODEL = "claude-sonnet-4-20250514"
SCOPE = "tokenmaxx.synthetic"


def write(observed: pd.DataFrame, folder: Path) -> list[Path]:
    """One OTLP/JSON line per user-week, one span per request (tokens spread evenly over them);
    repeated prompts repeat the week's first prompt in `gen_ai.input.messages`."""
    check(observed)
    requests = observed["requests"].to_numpy(dtype=np.int64)
    folder.mkdir(parents=True, exist_ok=True)
    share = observed["repeated_prompt_share"].fillna(0.0).to_numpy()
    repeated = np.minimum(np.rint(share * requests).astype(np.int64), np.maximum(requests - 1, 0))
    path = folder / FILE
    start = dt.datetime.combine(FIRST_MONDAY, dt.time(9), tzinfo=dt.UTC)
    with path.open("w", encoding="utf-8") as out:
        for row, (user, week, n, rep, tin, tout) in enumerate(zip(
                observed["user"].astype(str), observed["week"].to_numpy(), requests, repeated,
                observed["input_tokens"].to_numpy(dtype=np.int64), observed["output_tokens"].to_numpy(dtype=np.int64))):
            if n == 0:
                continue
            ins = np.diff(np.floor(np.linspace(0, tin, n + 1)).astype(np.int64))
            outs = np.diff(np.floor(np.linspace(0, tout, n + 1)).astype(np.int64))
            spans = []
            for j in range(n):
                prompt = f"{user}/w{week}/p0" if j >= n - rep else f"{user}/w{week}/p{j}"
                t0 = start + dt.timedelta(days=7 * (int(week) - 1) + j % 5, seconds=60 * (j // 5))
                nanos = int(t0.timestamp()) * 10**9
                spans.append({
                    "traceId": f"{row:016x}{j:016x}", "spanId": f"{j + 1:016x}", "name": f"chat {MODEL}", "kind": 3,
                    "startTimeUnixNano": str(nanos), "endTimeUnixNano": str(nanos + 2 * 10**9),
                    "attributes": [
                        _attr("gen_ai.operation.name", "chat"), _attr("gen_ai.provider.name", "anthropic"),
                        _attr("gen_ai.request.model", MODEL), _attr("gen_ai.usage.input_tokens", int(ins[j])),
                        _attr("gen_ai.usage.output_tokens", int(outs[j])), _attr("user.id", user),
                        _attr("gen_ai.input.messages", json.dumps(
                            [{"role": "user", "parts": [{"type": "text", "content": prompt}]}])),
                    ],
                })
            request = {"resourceSpans": [{"resource": {"attributes": [_attr("service.name", "tokenmaxx-synthetic")]},
                                          "scopeSpans": [{"scope": {"name": SCOPE}, "spans": spans}]}]}
            out.write(json.dumps(request, separators=(",", ":")) + "\n")
    return [path]


def check(observed: pd.DataFrame) -> None:
    """Refuse an export of more than MAX_SPANS spans (one per request)."""
    total = int(observed["requests"].sum())
    if total > MAX_SPANS:
        raise UsageError(f"--export-usage otel: {total:,} requests would be as many spans, more than {MAX_SPANS:,}; "
                         "export a smaller organisation (e.g. --set organization.employees=100 --set weeks=12)")


def _attr(key: str, value: str | int) -> dict:
    return {"key": key, "value": {"intValue": str(value)} if isinstance(value, int) else {"stringValue": value}}


def _attributes(items: object, path: Path, number: int, where_: str) -> dict[str, object]:
    """An OTLP attribute list as a dict of plain values."""
    if items is None:
        return {}
    if not isinstance(items, list):
        raise UsageError(f"{where(path, number, where_)}: expected a list of {{key, value}}")
    out: dict[str, object] = {}
    for item in items:
        if not isinstance(item, dict) or not isinstance(item.get("key"), str) or not isinstance(item.get("value"), dict):
            raise UsageError(f"{where(path, number, where_)}: expected {{\"key\": ..., \"value\": {{...}}}}")
        value = item["value"]
        out[item["key"]] = next(iter(value.values())) if value else None
    return out


def read(path: Path) -> pd.DataFrame:
    """One file as the observables table."""
    return weeks(read_days(path))


def read_days(path: Path) -> pd.DataFrame:
    """Every inference span of an OTLP/JSON lines file: user, day, tokens, prompt. Errors name the
    line (record) and the span's attribute."""
    users, times, tokens_in, tokens_out, prompts = [], [], [], [], []
    for number, request in json_lines(path):
        if not isinstance(request, dict) or not isinstance(request.get("resourceSpans"), list):
            raise UsageError(f"{where(path, number, 'resourceSpans')}: missing (each line is an OTLP/JSON "
                             "ExportTraceServiceRequest)")
        for r in request["resourceSpans"]:
            resource = _attributes((r.get("resource") or {}).get("attributes"), path, number, "resource.attributes")
            for scope in r.get("scopeSpans") or []:
                for span in scope.get("spans") or []:
                    attrs = _attributes(span.get("attributes"), path, number, "attributes")
                    if attrs.get("gen_ai.operation.name") not in INFERENCE:
                        continue
                    user = attrs.get("user.id", attrs.get("enduser.id", resource.get("user.id")))
                    if not isinstance(user, str) or not user:
                        raise UsageError(f"{where(path, number, 'user.id')}: missing on a GenAI span "
                                         f"({span.get('name', 'unnamed')!s:.40}); the audit needs each span's user")
                    users.append(user)
                    times.append(_nanos(span.get("startTimeUnixNano"), path, number))
                    tokens_in.append(_int(attrs, "gen_ai.usage.input_tokens", path, number))
                    tokens_out.append(_int(attrs, "gen_ai.usage.output_tokens", path, number))
                    prompts.append(attrs.get("gen_ai.input.messages"))
    if not users:
        raise UsageError(f"{path}: no GenAI inference spans (gen_ai.operation.name chat, text_completion or generate_content)")
    return pd.DataFrame({"user": users, "day": pd.to_datetime(np.array(times, dtype=np.int64), unit="ns").normalize(),
                         "input_tokens": tokens_in, "output_tokens": tokens_out,
                         "prompt": pd.Series(prompts, dtype=object)})


def weeks(spans: pd.DataFrame) -> pd.DataFrame:
    """Spans (of one or more files) summed per user and week, week 1 = the earliest span's."""
    spans = spans.copy()
    spans["week"] = weeks_of(spans["day"])
    grouped = spans.groupby(["user", "week"], sort=True)
    table = grouped[["input_tokens", "output_tokens"]].sum()
    table["requests"] = grouped.size()
    known = grouped["prompt"].apply(lambda s: s.notna().all())
    unique = grouped["prompt"].nunique()
    table["repeated_prompts"] = np.where(known, table["requests"] - unique, np.nan)
    table["actions"] = np.nan
    return finish(table.reset_index())


def _int(attrs: dict, key: str, path: Path, number: int) -> int:
    value = attrs.get(key)
    try:
        count = int(value) if isinstance(value, (str, int)) and not isinstance(value, bool) else None
    except ValueError:
        count = None
    if count is None or count < 0:
        raise UsageError(f"{where(path, number, key)}: expected a token count of 0 or more, found "
                         f"{'nothing (missing)' if value is None else json.dumps(value)[:40]}")
    return count


def _nanos(value: object, path: Path, number: int) -> int:
    try:
        nanos = int(value) if isinstance(value, (str, int)) and not isinstance(value, bool) else None
    except ValueError:
        nanos = None
    if nanos is None or nanos <= 0:
        raise UsageError(f"{where(path, number, 'startTimeUnixNano')}: expected nanoseconds since 1970, "
                         f"found {json.dumps(value)[:40]}")
    return nanos


def sniff(path: Path) -> bool:
    try:
        with path.open("rb") as handle:
            return b'"resourceSpans"' in handle.read(100_000)
    except OSError:
        return False
