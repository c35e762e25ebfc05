"""Market benchmark: 50 firms x 500 employees x 156 weeks (issue 17's target: under a minute on
2 cores), run in a fresh process so the figure includes start-up as a user sees it."""

from __future__ import annotations

import json
import subprocess
import sys

MARKET_FILE = "scenarios/market/default.yaml"
TARGET_S = 60.0

_SCRIPT = (
    "import json, time\n"
    "t0 = time.perf_counter()\n"
    "from sim.market import run_market\n"
    "t1 = time.perf_counter()\n"
    "result = run_market({path!r}, overrides={overrides!r})\n"
    "t2 = time.perf_counter()\n"
    "s = result.summary\n"
    "print(json.dumps({{'import_s': t1 - t0, 'run_s': t2 - t1, 'firms': s['firms'], 'weeks': s['weeks'],\n"
    "                  'employees_per_firm': s['employees_per_firm_mean']}}))\n"
)


def market_benchmark(firms: int = 50, employees: int = 500, weeks: int = 156) -> dict:
    """Wall time of one market run (and its import) in a fresh interpreter."""
    overrides = [f"firms={firms}", f"weeks={weeks}", f"organisation_set={{organization.employees: {employees}}}"]
    out = subprocess.run([sys.executable, "-c", _SCRIPT.format(path=MARKET_FILE, overrides=overrides)],
                         capture_output=True, text=True, check=True)
    found = json.loads(out.stdout.strip().splitlines()[-1])
    employee_weeks = firms * employees * weeks
    return {**found, "employee_weeks": employee_weeks,
            "employee_weeks_per_s": employee_weeks / found["run_s"], "target_s": TARGET_S}
