"""Write the validation report: HTML with embedded figures, the PNGs, and the table as JSON and CSV."""

from __future__ import annotations

import base64
import csv
import html
import io
import json
from pathlib import Path
from typing import Any


from sim.output import atomic_write, atomic_write_text
from sim.report.style import save_figure
from sim.validation.charts import CHARTS
from sim.validation.checks import Check, CheckGroup

COLUMNS = ("group", "name", "claim", "comparison", "expected", "simulated", "tolerance", "unit", "result")


def verdict(check: Check) -> str:
    return {True: "pass", False: "FAIL", None: "info"}[check.passed]


def table_rows(groups: list[CheckGroup]) -> list[dict[str, Any]]:
    """One flat row per check."""
    return [
        {"group": g.key, "name": c.name, "claim": c.claim, "comparison": c.comparison, "expected": c.expected,
         "simulated": c.simulated, "tolerance": c.tolerance, "unit": c.unit, "result": verdict(c)}
        for g in groups
        for c in g.checks
    ]


def render_png(group: CheckGroup) -> bytes:
    """The group's chart as PNG bytes."""
    figure = CHARTS[group.key](group.chart_data)
    buffer = io.BytesIO()
    save_figure(figure, buffer, format="png", dpi=110, bbox_inches="tight")
    return buffer.getvalue()


def write_report(groups: list[CheckGroup], out_dir: Path, meta: dict[str, Any]) -> list[Path]:
    """Write report.html, checks.json, checks.csv and one PNG per group; return the paths."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    images: dict[str, bytes] = {}
    for group in groups:
        images[group.key] = render_png(group)
        path = out_dir / f"{group.key}.png"
        atomic_write(path, lambda tmp, data=images[group.key]: tmp.write_bytes(data))
        written.append(path)
    rows = table_rows(groups)
    payload = {**meta, "passed": all(g.passed for g in groups), "checks": [_jsonable(r) for r in rows]}
    atomic_write_text(out_dir / "checks.json", json.dumps(payload, indent=2) + "\n")
    atomic_write(out_dir / "checks.csv", lambda tmp: _write_csv(tmp, rows))
    atomic_write_text(out_dir / "report.html", render_html(groups, images, meta))
    return written + [out_dir / "checks.json", out_dir / "checks.csv", out_dir / "report.html"]


def _jsonable(row: dict[str, Any]) -> dict[str, Any]:
    return {k: (None if isinstance(v, float) and v != v else v) for k, v in row.items()}


def _write_csv(path: Path, rows: list[dict[str, Any]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS)
        writer.writeheader()
        writer.writerows(rows)


def _number(value: float) -> str:
    if value != value:
        return "n/a"
    return f"{value:.6g}"


def render_html(groups: list[CheckGroup], images: dict[str, bytes], meta: dict[str, Any]) -> str:
    """A self-contained page: summary, then one section per group with its table and chart."""
    failed = [c.name for g in groups for c in g.checks if c.passed is False]
    status = "all checks pass" if not failed else f"{len(failed)} check(s) FAIL: {', '.join(failed)}"
    parts = [
        "<!doctype html><html><head><meta charset='utf-8'><title>tokenmaxx validation</title>",
        "<style>body{font-family:sans-serif;max-width:60em;margin:auto;padding:1em}"
        "table{border-collapse:collapse;width:100%;font-size:90%}td,th{border:1px solid #ccc;padding:3px 6px}"
        ".pass{color:#080}.FAIL{color:#c00;font-weight:bold}.info{color:#555}img{max-width:100%}</style>",
        "</head><body><h1>tokenmaxx validation report</h1>",
        f"<p><b>{html.escape(status)}</b></p>",
        "<p>" + "; ".join(f"{html.escape(str(k))}: {html.escape(str(v))}" for k, v in meta.items()) + "</p>",
        "<p>Comparison: <i>equal</i> passes when |simulated - expected| &le; tolerance; <i>at_least</i> when "
        "simulated &ge; expected - tolerance; <i>at_most</i> when simulated &le; expected + tolerance; "
        "<i>info</i> rows show working and are not judged.</p>",
    ]
    for group in groups:
        parts.append(f"<h2>{html.escape(group.title)}</h2><p><small>Source: {html.escape(group.source)}</small></p>")
        parts.append("<table><tr><th>check</th><th>claim</th><th>comparison</th><th>expected</th>"
                     "<th>simulated</th><th>tolerance</th><th>unit</th><th>result</th></tr>")
        for c in group.checks:
            result = verdict(c)
            parts.append(
                f"<tr><td>{c.name}</td><td>{html.escape(c.claim)}</td><td>{c.comparison}</td>"
                f"<td>{_number(c.expected)}</td><td>{_number(c.simulated)}</td><td>{_number(c.tolerance)}</td>"
                f"<td>{html.escape(c.unit)}</td><td class='{result}'>{result}</td></tr>"
            )
        encoded = base64.b64encode(images[group.key]).decode("ascii")
        parts.append(f"</table><p><img alt='{group.key} chart' src='data:image/png;base64,{encoded}'></p>")
    parts.append("</body></html>\n")
    return "\n".join(parts)
