"""Will the run fit? A memory estimate from head-count, colleague ties and weeks, checked against
the memory this machine has available, so that a run too large is an error before it starts
(in `check`, `run`, sweeps, `compare`, `calibrate`, `market` and the dashboard alike)."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

BYTES_PER_EMPLOYEE = 1_000
"""Workforce arrays, weekly draws and the Mesa agents if created (~350 measured at 100,000
employees without agents, ~750 with; rounded up)."""
BYTES_PER_TIE = 80
"""Per cross-team tie of each employee: the sparse colleague matrix and its construction (~40 measured)."""
BYTES_PER_WEEK = 20_000
"""The weekly records of organisation totals."""
BASE_BYTES = 300 * 2**20
"""The interpreter and libraries."""
_CACHE: dict[str, tuple[float, int | None]] = {}


class ResourceError(ValueError):
    """A scenario whose run would not fit in this machine's memory."""


def estimate_bytes(employees: int, cross_team_ties: float, weeks: int) -> int:
    """Peak memory of one run, bytes (a generous estimate)."""
    return int(BASE_BYTES + employees * (BYTES_PER_EMPLOYEE + BYTES_PER_TIE * cross_team_ties) + weeks * BYTES_PER_WEEK)


def available_bytes() -> int | None:
    """Memory this process may still use, bytes: MemAvailable, capped by a cgroup limit; None if unknown.
    Cached for a second (sweeps check every point)."""
    now = time.monotonic()
    cached = _CACHE.get("available")
    if cached and now - cached[0] < 1.0:
        return cached[1]
    found = _available()
    _CACHE["available"] = (now, found)
    return found


def _available() -> int | None:
    candidates: list[int] = []
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                candidates.append(int(line.split()[1]) * 1024)
    except (OSError, ValueError, IndexError):
        pass
    try:
        limit = Path("/sys/fs/cgroup/memory.max").read_text().strip()
        if limit.isdigit():
            used = int(Path("/sys/fs/cgroup/memory.current").read_text().strip() or 0)
            candidates.append(max(int(limit) - used, 0))
    except (OSError, ValueError):
        pass
    if not candidates:
        try:
            import psutil  # type: ignore[import-not-found]

            candidates.append(int(psutil.virtual_memory().available))
        except Exception:  # noqa: BLE001 - psutil is optional
            try:
                candidates.append(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES"))
            except (ValueError, OSError, AttributeError):
                return None
    return min(candidates)


def check_memory(scenario: Any, origin: str) -> None:
    """Raise ResourceError (a ScenarioError) naming the estimate and what is available when the run
    would need more memory than this machine has."""
    org = scenario.organization
    need = estimate_bytes(org.employees, org.cross_team_ties, scenario.weeks)
    have = available_bytes()
    if have is None or need <= have:
        return
    from sim.scenario.io import ScenarioError

    raise ScenarioError(
        f"{origin}: organization: this run needs about {gib(need)} of memory ({org.employees:,} employees x "
        f"({BYTES_PER_EMPLOYEE:,} bytes + {BYTES_PER_TIE} bytes per cross-team tie x {org.cross_team_ties:g} ties), "
        f"{scenario.weeks} weeks), but this machine has {gib(have)} available; use fewer employees or "
        "cross-team ties (organization.employees, organization.cross_team_ties)"
    )


def gib(n: int) -> str:
    return f"{n / 2**30:,.1f} GiB"
