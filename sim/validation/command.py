"""``tokenmaxx validate``: run every check, write the report, print the table, return the exit code."""

from __future__ import annotations

import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from sim.validation.checks import CheckGroup, run_checks
from sim.validation.report import verdict, write_report

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_CANNOT_WRITE = 2


def format_table(groups: list[CheckGroup]) -> str:
    """Plain-text table of every check for the terminal."""
    lines = [f"{'check':<34} {'expected':>12} {'simulated':>12} {'tolerance':>10}  result"]
    for group in groups:
        for c in group.checks:
            lines.append(
                f"{c.name:<34} {c.expected:>12.6g} {c.simulated:>12.6g} {c.tolerance:>10.3g}  {verdict(c)}"
                + ("" if c.comparison in ("equal", "info") else f" ({c.comparison})")
            )
    return "\n".join(lines)


def validate(out_dir: Path) -> int:
    """Run the checks, write the report to out_dir, and return 0 if all pass, 1 otherwise."""
    from sim.output import git_commit

    started = time.perf_counter()
    groups = run_checks()
    checks_s = time.perf_counter() - started
    meta = {
        "generated": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "git_commit": git_commit(),
        "checks_wall_time_s": round(checks_s, 2),
    }
    try:
        write_report(groups, out_dir, meta)
    except OSError as exc:
        print(f"error: cannot write the validation report to {out_dir}: {exc.strerror or exc}", file=sys.stderr)
        return EXIT_CANNOT_WRITE
    failed = sum(c.passed is False for g in groups for c in g.checks)
    print(format_table(groups))
    print(f"\n{'all checks pass' if not failed else f'{failed} check(s) FAIL'}; "
          f"wall time {time.perf_counter() - started:.1f} s; report in {out_dir}/report.html")
    return EXIT_OK if failed == 0 else EXIT_FAILED
