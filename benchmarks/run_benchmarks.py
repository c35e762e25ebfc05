"""Measure the performance targets side by side and print a table (and write JSON).

    python -m benchmarks.run_benchmarks [--quick] [--out results/benchmarks.json]

Targets (issue: performance at scale), on a 2-core machine:
- full model >= 20 M employee-weeks/s at 100,000 employees;
- 1,000,000 employees x 52 weeks <= 10 s and <= 4 GiB peak memory;
- >= 100x faster than the per-agent Mesa reference loop;
- within 3x of a bare NumPy kernel of the weekly update;
- cost linear in employees x weeks; recording the time series < 10% of the run;
- 2 workers >= 1.8x the throughput of 1; per-run overhead < 10% (default scenario);
- >= 50,000 default-scenario runs per minute per worker on the batched sweep path.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import platform
import pstats
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path

import numpy as np

from benchmarks.kernels import bare_kernel
from benchmarks.market import market_benchmark
from benchmarks.reference_loop import ReferenceModel
from sim.engine.model import OrganisationModel
from sim.output import atomic_write_text
from sim.runner import run
from sim.scenario.io import load_scenario

FULL_MODEL = [
    "detection.enabled=true",
    "audit.rate=0.1",
    "management.target_ratchet.enabled=true",
    "management.budget.enabled=true",
    "behavior.conformity=0.02",
]
DEFAULT = "scenarios/default.yaml"


def full_scenario(employees: int, weeks: int = 52, extra: list[str] | None = None):
    return load_scenario(DEFAULT, FULL_MODEL + [f"organization.employees={employees}", f"weeks={weeks}"] + (extra or []))


def best_of(repeats: int, fn) -> float:
    """Fastest of `repeats` timings of fn() (seconds): the least disturbed by other load."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def time_model_run(employees: int, weeks: int, repeats: int) -> tuple[float, float]:
    """(seconds to build, seconds to run) the full model, best of `repeats`."""
    scenario = full_scenario(employees, weeks)
    builds, runs = [], []
    for _ in range(repeats):
        start = time.perf_counter()
        model = OrganisationModel(scenario, agents=False)
        built = time.perf_counter()
        model.run()
        builds.append(built - start)
        runs.append(time.perf_counter() - built)
    return min(builds), min(runs)


def throughput(employees: int, repeats: int) -> dict:
    _, seconds = time_model_run(employees, 52, repeats)
    return {"employees": employees, "weeks": 52, "run_s": seconds, "employee_weeks_per_s": employees * 52 / seconds}


def million(agents: bool) -> dict:
    """1,000,000 x 52 in a fresh process (peak memory is the process's own); `agents` reads
    `model.agents` first, so all million Employee agents are created."""
    code = (
        "import resource, time, json, sys\n"
        "from benchmarks.run_benchmarks import full_scenario\n"
        "from sim.engine.model import OrganisationModel\n"
        "s = full_scenario(1_000_000)\n"
        "t = time.perf_counter()\n"
        "m = OrganisationModel(s)\n"
        f"if {agents}: len(m.agents)\n"
        "m.run()\n"
        "wall = time.perf_counter() - t\n"
        "peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20\n"
        "print(json.dumps({'wall_s': wall, 'peak_gib': peak}))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return {"agents": agents, **json.loads(out.stdout.strip().splitlines()[-1])}


def reference_ratio(employees: int, weeks: int) -> dict:
    scenario = load_scenario(DEFAULT, [f"organization.employees={employees}", f"weeks={weeks}", "behavior.noise=0"])
    def fast() -> float:
        model = OrganisationModel(scenario, agents=False)
        start = time.perf_counter()
        model.run()
        return time.perf_counter() - start

    fast_s = min(fast() for _ in range(3))  # the weeks only, like the reference below

    # time only the reference's weeks, not its construction
    ref = ReferenceModel(OrganisationModel(scenario, agents=False))
    start = time.perf_counter()
    for _ in range(weeks):
        ref.step()
    ref_s = time.perf_counter() - start
    return {"employees": employees, "weeks": weeks, "model_s": fast_s, "reference_s": ref_s, "speedup": ref_s / fast_s}


def kernel_ratio(employees: int) -> dict:
    scenario = full_scenario(employees)
    model_s = best_of(3, lambda: OrganisationModel(scenario, agents=False).run())
    kernel_s = best_of(3, lambda: bare_kernel(OrganisationModel(scenario, agents=False), 52))
    build_s = best_of(3, lambda: OrganisationModel(scenario, agents=False))
    return {
        "employees": employees,
        "model_s": model_s - build_s,
        "bare_kernel_s": kernel_s - build_s,
        "ratio": (model_s - build_s) / max(kernel_s - build_s, 1e-9),
    }


def scaling(sizes: list[int], weeks_list: list[int]) -> list[dict]:
    rows = []
    for employees in sizes:
        for weeks in weeks_list:
            _, seconds = time_model_run(employees, weeks, 2)
            rows.append({"employees": employees, "weeks": weeks, "run_s": seconds,
                         "ns_per_employee_week": seconds / (employees * weeks) * 1e9})
    return rows


@dataclass
class Stopwatch:
    """Seconds spent in the functions :func:`time_spent_in` wraps (summed over calls)."""

    seconds: float = 0.0


@contextmanager
def time_spent_in(owner: object, *names: str) -> Iterator[Stopwatch]:
    """Within the block, `owner.name` (a module's function or a class's method) for each name adds the
    seconds each call takes to the yielded stopwatch; the originals are put back after."""
    watch = Stopwatch()
    originals = {name: getattr(owner, name) for name in names}

    def timed(function):
        def call(*args, **kwargs):
            start = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                watch.seconds += time.perf_counter() - start
        return call

    for name, function in originals.items():
        setattr(owner, name, timed(function))
    try:
        yield watch
    finally:
        for name, function in originals.items():
            setattr(owner, name, function)


def recording_share(employees: int) -> dict:
    """Share of run time spent booking the week's totals (`week_totals`, the time-series row)."""
    import sim.engine.engine as engine

    model = OrganisationModel(full_scenario(employees), agents=False)
    with time_spent_in(engine, "week_totals") as watch:
        start = time.perf_counter()
        model.run()
        total = time.perf_counter() - start
    return {"employees": employees, "record_s": watch.seconds, "run_s": total, "share": watch.seconds / total}


def _one_run(seed: int) -> tuple[float, float]:
    """In a worker: one default run as `tokenmaxx run` does it (`sim.runner.run`): (seconds in all,
    seconds building and running the model)."""
    with time_spent_in(OrganisationModel, "__init__", "run") as watch:
        start = time.perf_counter()
        run(DEFAULT, seed=seed)
        return time.perf_counter() - start, watch.seconds


def sweep_throughput(runs: int) -> dict:
    """Runs per minute of the default scenario with 1 and 2 worker processes, one run at a time. The
    per-run overhead is the share of the workers' wall time outside building and running the model
    (timed in the workers): reading the scenario, the summary, the time series table, the pool."""
    result = {}
    for workers in (1, 2):
        with ProcessPoolExecutor(max_workers=workers) as pool:
            list(pool.map(_one_run, range(workers)))  # warm the workers (imports)
            start = time.perf_counter()
            inside = list(pool.map(_one_run, range(100, 100 + runs)))
            wall = time.perf_counter() - start
        model_s = sum(m for _, m in inside)
        result[f"workers_{workers}"] = {"runs_per_min": runs / wall * 60, "wall_s": wall, "model_s": model_s,
                                        "per_run_overhead_share": max(1.0 - model_s / (workers * wall), 0.0)}
    result["speedup_2_vs_1"] = result["workers_2"]["runs_per_min"] / result["workers_1"]["runs_per_min"]
    result["model_s_per_run"] = result["workers_1"]["model_s"] / runs
    result["per_run_overhead_share"] = result["workers_1"]["per_run_overhead_share"]
    result["mean_run_in_worker_s"] = float(np.mean([total for total, _ in inside]))
    result["runs_per_min_per_worker"] = result["workers_1"]["runs_per_min"]
    return result


def _chunk_timing_run_batch(tasks: list) -> tuple[list[dict], float]:
    """In a worker: `run_chunk` (the sweep's batched task) and the seconds it spent in `run_batch`."""
    import sim.runner as batch
    from sim.sweep.batched import run_chunk

    with time_spent_in(batch, "run_batch") as watch:  # run_chunk imports it when called
        return run_chunk(tasks), watch.seconds


def sweep_batched(runs: int) -> dict:
    """Default-scenario runs per minute per worker on the sweep's batched path (`run_chunk` on
    worker processes, as `map_records` sends them: chunks of up to 64 runs stepped together by
    `run_batch`, each run's record built and sent back; storage not included), with 1 and 2
    workers. The per-run overhead is the share of the workers' wall time not spent in `run_batch`
    itself (timed in the workers)."""
    from sim.sweep.batched import CHUNK_RUNS, chunk_runs, chunks
    from sim.sweep.executors import Processes
    from sim.sweep.tasks import RunTask

    scenario = load_scenario(DEFAULT)
    tasks = [RunTask(i, 0, i, 100 + i, {}, scenario) for i in range(runs)]
    result: dict = {"runs": runs, "chunk_runs": CHUNK_RUNS}
    for workers in (1, 2):
        work = chunks(tasks, chunk_runs(runs, workers))
        with Processes(workers) as engine:
            list(engine.map_unordered(_chunk_timing_run_batch, chunks(tasks[:2 * workers], 1)))  # warm the workers
            start = time.perf_counter()
            done = list(engine.map_unordered(_chunk_timing_run_batch, work))
            wall = time.perf_counter() - start
        records = [r for chunk, _ in done for r in chunk]
        assert len(records) == runs and all(r["status"] == "ok" for r in records)
        in_batch = sum(spent for _, spent in done)
        result[f"workers_{workers}"] = {"runs_per_min": runs / wall * 60, "runs_per_min_per_worker": runs / wall * 60 / workers,
                                        "wall_s": wall, "run_batch_s": in_batch,
                                        "per_run_overhead_share": max(1.0 - in_batch / (workers * wall), 0.0)}
    result["runs_per_min_per_worker"] = result["workers_1"]["runs_per_min"]
    result["run_batch_s_per_run"] = result["workers_1"]["run_batch_s"] / runs
    result["per_run_overhead_share"] = result["workers_1"]["per_run_overhead_share"]
    result["speedup_2_vs_1"] = result["workers_2"]["runs_per_min"] / result["workers_1"]["runs_per_min"]
    return result


def profile(employees: int) -> str:
    model = OrganisationModel(full_scenario(employees), agents=False)
    profiler = cProfile.Profile()
    profiler.runcall(model.run)
    text = io.StringIO()
    pstats.Stats(profiler, stream=text).sort_stats("tottime").print_stats(15)
    return text.getvalue()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller sizes, fewer repeats (a smoke run)")
    parser.add_argument("--out", type=Path, default=Path("results/benchmarks.json"))
    args = parser.parse_args(argv)
    quick = args.quick
    report = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"platform": platform.platform(), "processor": platform.processor(), "cpus": os.cpu_count(),
                    "python": platform.python_version()},
        "versions": {name: version(name) for name in ("tokenmaxxing", "mesa", "numpy", "scipy")},
    }
    report["throughput_100k"] = throughput(20_000 if quick else 100_000, 2 if quick else 3)
    report["million"] = [] if quick else [million(agents=False), million(agents=True)]
    report["reference"] = reference_ratio(2_000 if quick else 10_000, 5 if quick else 10)
    report["kernel"] = kernel_ratio(20_000 if quick else 100_000)
    report["scaling"] = scaling([10_000, 100_000] if quick else [10_000, 100_000, 1_000_000], [13, 52])
    report["recording"] = recording_share(20_000 if quick else 100_000)
    report["sweep"] = sweep_throughput(8 if quick else 40)
    report["sweep_batched"] = sweep_batched(128 if quick else 1280)
    report["market"] = market_benchmark(firms=10 if quick else 50)
    report["profile_100k"] = profile(20_000 if quick else 100_000)
    atomic_write_text(args.out, json.dumps(report, indent=2) + "\n")
    print(format_table(report))
    print(f"\nJSON: {args.out}")
    return 0


def format_table(r: dict) -> str:
    t, k, ref, rec, sw, sb = r["throughput_100k"], r["kernel"], r["reference"], r["recording"], r["sweep"], r["sweep_batched"]
    lines = [
        f"tokenmaxxing benchmarks  {r['date']}  {r['machine']['platform']}  cpus={r['machine']['cpus']}",
        "  " + "  ".join(f"{n} {v}" for n, v in r["versions"].items()),
        "",
        f"{'measure':<58}{'value':>16}  target",
        f"{'full model, employee-weeks/s at ' + format(t['employees'], ',') + ' employees':<58}{t['employee_weeks_per_s']:>16,.0f}  >= 20,000,000",
    ]
    for m in r["million"]:
        label = f"1,000,000 x 52 weeks ({'agents created' if m['agents'] else 'agents not read, so never created'})"
        lines.append(f"{label:<58}{m['wall_s']:>14.2f} s  <= 10 s")
        lines.append(f"{'  peak memory':<58}{m['peak_gib']:>12.2f} GiB  <= 4 GiB")
    lines += [
        f"{'speed-up over per-agent Mesa loop (' + format(ref['employees'], ',') + ' employees)':<58}{ref['speedup']:>15,.0f}x  >= 100x",
        f"{'full model / bare NumPy kernel':<58}{k['ratio']:>15.2f}x  <= 3x",
        f"{'recording the time series, share of run':<58}{rec['share']:>15.1%}  < 10%",
        f"{'sweep runs/min, 1 worker':<58}{sw['workers_1']['runs_per_min']:>16,.0f}",
        f"{'sweep runs/min, 2 workers':<58}{sw['workers_2']['runs_per_min']:>16,.0f}",
        f"{'  2 workers / 1 worker':<58}{sw['speedup_2_vs_1']:>15.2f}x  >= 1.8x",
        f"{'  per-run overhead (default scenario)':<58}{sw['per_run_overhead_share']:>15.1%}  < 10%",
        f"{'batched sweep runs/min per worker, 1 worker':<58}{sb['workers_1']['runs_per_min_per_worker']:>16,.0f}  >= 50,000",
        f"{'batched sweep runs/min per worker, 2 workers':<58}{sb['workers_2']['runs_per_min_per_worker']:>16,.0f}  >= 50,000",
        f"{'  per-run overhead over run_batch (default scenario)':<58}{sb['per_run_overhead_share']:>15.1%}  < 10%",
        f"{'market: ' + format(r['market']['firms']) + ' firms x ' + format(r['market']['employees_per_firm'], ',.0f') + ' x ' + format(r['market']['weeks']) + ' weeks':<58}{r['market']['run_s']:>14.1f} s  < 60 s",
        "",
        "scaling (cost per employee-week should be flat):",
    ]
    for row in r["scaling"]:
        lines.append(f"  {row['employees']:>10,} x {row['weeks']:>3} weeks  {row['run_s']:>8.3f} s  {row['ns_per_employee_week']:>8.1f} ns/employee-week")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
