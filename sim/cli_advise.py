"""`tokenmaxx advise SCENARIO [LEVERS.yaml]`: which policy to adopt, robust to what the evidence cannot pin down."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from sim.scenario.io import ScenarioError

EXIT_INTERRUPTED = 130


def add_parser(commands: argparse._SubParsersAction) -> None:
    from sim.advise.defaults import DEFAULT_BUDGET_RUNS, DEFAULT_CHECK_WORLDS, DEFAULT_WORLDS

    advise = commands.add_parser(
        "advise", help="search the levers a manager controls over plausible worlds and recommend a policy")
    advise.add_argument("scenario", help="scenario YAML file: the organisation and its current policy")
    advise.add_argument("levers", nargs="?", default=None,
                        help="levers YAML file: each lever's range or choices, the objectives and the rule that "
                             "picks the recommendation (default scenarios/levers/default.yaml)")
    advise.add_argument("--budget", type=int, default=DEFAULT_BUDGET_RUNS, metavar="RUNS",
                        help=f"runs the search may spend, policies x worlds (default {DEFAULT_BUDGET_RUNS:,})")
    advise.add_argument("--worlds", type=int, default=DEFAULT_WORLDS, metavar="N",
                        help=f"plausible worlds every candidate runs in, the same for each (default {DEFAULT_WORLDS})")
    advise.add_argument("--check-worlds", type=int, default=DEFAULT_CHECK_WORLDS, metavar="N",
                        help="fresh worlds in which the recommendation is checked against the current policy and "
                             f"no KPI (default {DEFAULT_CHECK_WORLDS})")
    advise.add_argument("--executor", choices=("sequential", "processes", "dask"), default="processes",
                        help="where runs run (default: local processes)")
    advise.add_argument("--workers", type=int, default=None, help="worker processes (default: all cores)")
    advise.add_argument("--scheduler", default=None, metavar="ADDR", help="Dask scheduler, e.g. tcp://host:8786")
    advise.add_argument("--posterior", type=Path, default=None, metavar="FILE",
                        help="posterior draws to take the worlds from (default scenarios/calibration/posterior.csv)")
    advise.add_argument("--out", type=Path, default=None, help="results folder (default results/advise/<scenario name>/)")
    advise.add_argument("--fresh", action="store_true", help="discard an earlier search in the folder and start again")
    advise.add_argument("--no-progress", action="store_true", help="no progress bar")


def cmd_advise(args: argparse.Namespace) -> int:
    from sim.advise.report import format_advice, write_advice
    from sim.advise.run import advise
    from sim.advise.search import SearchMismatch
    from sim.cli import interrupted, sigterm_as_interrupt
    from sim.output import folder_name
    from sim.scenario.io import load_scenario
    from sim.scenario.safe_yaml import printable

    scenario = load_scenario(args.scenario)
    out = args.out or Path("results") / "advise" / folder_name(scenario.name, "scenario")
    try:
        with sigterm_as_interrupt():
            advice = advise(scenario, args.levers, budget_runs=args.budget, worlds=args.worlds,
                            check_worlds=args.check_worlds, executor=args.executor, workers=args.workers,
                            scheduler=args.scheduler, out=out, fresh=args.fresh, progress=not args.no_progress,
                            posterior_path=args.posterior)
    except KeyboardInterrupt:
        print(f"\n{interrupted(KeyboardInterrupt())}", file=sys.stderr)
        return EXIT_INTERRUPTED
    except SearchMismatch as exc:
        raise ScenarioError(str(exc)) from None
    write_advice(advice, out)
    print(printable(format_advice(advice), keep_newlines=True))
    print(f"\nwall time {advice.wall_time_s:.1f} s; results in {out}/; report: {out / 'report.html'}; "
          f"the recommendation as a scenario: {out / 'recommended.yaml'}")
    return 0


COMMANDS = {"advise": cmd_advise}
