"""Command line: `tokenmaxx run SCENARIO [--seed N] [--set key.path=value ...] [--out DIR]`;
`tokenmaxx dashboard [SCENARIO] [--port N]` serves the interactive dashboard.

Also `check`, `list`, `show` and `compare` (see :mod:`sim.cli_library`), and `audit` (see :mod:`sim.cli_audit`).

User errors (a bad scenario, a missing file) print one clear message and exit with code 2.
"""

from __future__ import annotations

import argparse
import contextlib
import signal
import sys
import time
from collections.abc import Iterator
from pathlib import Path

from sim import cli_advise, cli_audit, cli_library, cli_market
from sim.scenario.io import ScenarioError
from sim.scenario.safe_yaml import printable

EXIT_USAGE = 2
EXIT_FAILURE = 1
EXIT_INTERRUPTED = 130  # as a shell reports Ctrl-C (128 + SIGINT); SIGTERM stops a sweep the same way
INTERRUPTED = "interrupted: finished runs are on disk; run the same command again to resume"


def interrupted(exc: BaseException) -> str:
    """What an interrupted sweep or calibration left: how many runs are on disk, or that none is."""
    done, total = getattr(exc, "runs_on_disk", (None, None))
    if done is None:
        return INTERRUPTED
    if done == 0:
        return f"interrupted before any run finished: none of {total:,} runs is on disk; the same command starts again"
    return f"interrupted: {done:,} of {total:,} runs are on disk; run the same command again to resume"
DASHBOARD_PORT = 8765


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return f"{version('tokenmaxxing')} (mesa {version('mesa')})"
    except PackageNotFoundError:  # pragma: no cover - running from a source tree without installing
        return "unknown (not installed)"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="tokenmaxx", description=__doc__.splitlines()[0])
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("run", help="run a scenario over plausible worlds (and one world in detail) and write its results")
    run.add_argument("scenario", help="scenario YAML file")
    run.add_argument("--seed", type=int, default=None,
                     help="run one world only, with this seed, at the defaults' values (labelled as one world)")
    run.add_argument("--one-world", action="store_true",
                     help="run one world only, with the scenario's seed, at the defaults' values")
    run.add_argument("--worlds", type=int, default=None, metavar="N",
                     help="plausible worlds (posterior draws x seeds) in the ensemble (default 100)")
    run.add_argument("--against", type=Path, default=None, metavar="BASELINE.yaml",
                     help="the counterfactual each world is paired with (default: the same organisation with no KPI reward)")
    run.add_argument("--posterior", type=Path, default=None, metavar="FILE",
                     help="posterior draws to take the worlds from (default scenarios/calibration/posterior.csv)")
    run.add_argument(
        "--set", dest="overrides", action="append", default=[], metavar="KEY.PATH=VALUE",
        help="override one scenario value, e.g. --set kpi.strength=2 (repeatable)",
    )
    run.add_argument("--out", type=Path, default=None, help="output folder (default results/<scenario name>/)")
    cli_audit.add_export_option(run)
    validate = commands.add_parser(
        "validate", help="run the theory and calibration checks and write a report; exit 1 if any fails"
    )
    validate.add_argument("--out", type=Path, default=Path("results/validation"), help="report folder")
    cli_library.add_parsers(commands)
    cli_market.add_parser(commands)
    cli_audit.add_parser(commands)
    cli_advise.add_parser(commands)
    add_sweep_commands(commands)
    add_calibrate_parser(commands)
    add_dashboard_parser(commands)
    return parser


def add_sweep_commands(commands: argparse._SubParsersAction) -> None:
    """`tokenmaxx sweep SPEC ...` and `tokenmaxx report SWEEP_DIR`."""
    sweep = commands.add_parser("sweep", help="run (or resume) a parameter sweep")
    sweep.add_argument("spec", help="sweep YAML file (see scenarios/sweeps/)")
    sweep.add_argument(
        "--executor", choices=("sequential", "processes", "dask"), default="processes",
        help="where runs run (default: local processes)",
    )
    sweep.add_argument("--workers", type=int, default=None, help="worker processes (default: all cores)")
    sweep.add_argument("--scheduler", default=None, metavar="ADDR", help="Dask scheduler, e.g. tcp://host:8786")
    sweep.add_argument("--out", type=Path, default=None, help="results folder (default results/<sweep name>/)")
    sweep.add_argument("--fresh", action="store_true", help="discard earlier results in the folder and start again")
    sweep.add_argument("--retry-failed", action="store_true", help="run again the runs that failed before")
    sweep.add_argument("--no-progress", action="store_true", help="no progress bar")
    report = commands.add_parser("report", help="chart a sweep's results (tables as CSV too)")
    report.add_argument("sweep_dir", type=Path, help="a sweep's results folder, e.g. results/metric_choice")
    report.add_argument("--out", type=Path, default=None, help="report folder (default SWEEP_DIR/report/)")


def add_calibrate_parser(commands: argparse._SubParsersAction) -> None:
    calibrate = commands.add_parser(
        "calibrate", help="the posterior of the free parameters given the evidence (ABC-SMC; model brief 11.2) and its report"
    )
    calibrate.add_argument("targets", nargs="?", default=None,
                           help="calibration file (default scenarios/calibration/targets.yaml)")
    calibrate.add_argument("--out", type=Path, default=None, help="results folder (default results/<name>/)")
    calibrate.add_argument("--quick", action="store_true", help="a smoke test: tiny runs and a tiny ABC, no conclusions")
    calibrate.add_argument("--executor", choices=("sequential", "processes", "dask"), default="processes",
                           help="where the runs run (default: local processes)")
    calibrate.add_argument("--workers", type=int, default=None, help="worker processes (default: all cores)")
    calibrate.add_argument("--scheduler", default=None, metavar="ADDR", help="Dask scheduler, e.g. tcp://host:8786")
    calibrate.add_argument("--fresh", action="store_true", help="discard earlier runs in the folder")
    calibrate.add_argument("--no-progress", action="store_true", help="no progress bar")


def add_dashboard_parser(commands: argparse._SubParsersAction) -> None:
    dashboard = commands.add_parser("dashboard", help="serve the interactive dashboard on 127.0.0.1")
    dashboard.add_argument(
        "scenario", nargs="?", default=None, help="scenario YAML file the controls start from (default: scenarios/default.yaml)"
    )
    dashboard.add_argument("--port", type=int, default=DASHBOARD_PORT, help=f"port (default {DASHBOARD_PORT})")


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return COMMANDS[args.command](args)
    except ScenarioError as exc:
        print(f"error: {printable(str(exc), keep_newlines=True)}", file=sys.stderr)
        return EXIT_USAGE
    except BrokenPipeError:  # output piped into `head` and closed early: not an error (before OSError: a kind of it)
        sys.stderr.close()
        return 0
    except OSError as exc:  # a full disk, a read-only or vanished folder: one line, not a traceback
        print(f"error: {describe_os_error(exc)}; results written so far are kept", file=sys.stderr)
        return EXIT_USAGE


def cmd_run(args: argparse.Namespace) -> int:
    from sim.output import check_out_dir, folder_name, publish_folder, write_run, write_worlds
    from sim.runner import check_seed, run, with_seed
    from sim.scenario.io import load_scenario

    scenario = load_scenario(args.scenario, args.overrides)
    cli_library.warn_targets(scenario, args.scenario)
    if args.seed is not None:
        check_seed(args.seed)
    one_world = args.seed is not None or args.one_world
    if one_world and (args.worlds is not None or args.against is not None):
        raise ScenarioError("--worlds and --against are for the ensemble; --seed and --one-world run one world")
    if args.worlds is not None and not 1 <= args.worlds <= MAX_WORLDS:
        raise ScenarioError(f"--worlds {args.worlds}: expected a whole number from 1 to {MAX_WORLDS}")
    out_dir = args.out or Path("results") / folder_name(scenario.name, "scenario")
    check_out_dir(out_dir, "run")  # before the run, not after it
    usage = None
    if args.export_usage:  # checked before the run: an export that cannot be written stops nothing half-way
        usage = cli_audit.prepare_usage(scenario if args.seed is None else with_seed(scenario, args.seed), args.export_usage)
    started = time.perf_counter()
    ensemble = None if one_world else run_worlds(scenario, args)
    result = run(scenario) if args.seed is None else run(scenario, seed=args.seed)
    wall = time.perf_counter() - started

    def write(folder: Path) -> None:
        from sim.report import write_run_report  # matplotlib: loaded once the model has run

        write_run(result, folder, wall)
        if ensemble is not None:
            write_worlds(ensemble, result, folder)
        write_run_report(result, folder, ensemble)
        if usage is not None:
            cli_audit.export_usage(result.scenario, usage, args.export_usage, folder)

    publish_folder(out_dir, write, "run")
    if ensemble is not None:
        from sim.report.ensemble import format_ensemble

        print(printable(format_ensemble(ensemble), keep_newlines=True))
        print(f"\none world in detail (report.html, timeseries.csv): seed {result.scenario.seed} at the defaults' values; "
              f"every world's numbers: {out_dir / 'worlds.csv'}")
    else:
        print(printable(format_summary(result.summary, result.scenario, result.timeseries), keep_newlines=True))
    print(f"\nwall time {wall:.2f} s; results in {out_dir}/; report: {out_dir / 'report.html'}")
    return 0


MAX_WORLDS = 100_000


def run_worlds(scenario, args: argparse.Namespace):
    """The scenario and its counterfactual over plausible worlds (brief 11.1)."""
    from sim.calibrate.posterior import PosteriorError, load_posterior
    from sim.ensemble import DEFAULT_WORLDS, NO_KPI, make_worlds, run_ensemble
    from sim.scenario.io import load_scenario

    try:
        posterior = load_posterior(args.posterior)
    except PosteriorError as exc:
        raise ScenarioError(str(exc)) from None
    baseline = label = None
    if args.against is not None:
        baseline = load_scenario(args.against, args.overrides)
        label = f"{baseline.name} ({args.against.name})"
    worlds = make_worlds(args.worlds or DEFAULT_WORLDS, scenario.seed, posterior)
    return run_ensemble(scenario, worlds, baseline, label or NO_KPI, posterior.source.name)


def format_summary(summary: dict, scenario, timeseries=None) -> str:
    """The run's headline numbers as aligned text, units included."""
    from sim.report.headlines import run_headlines

    rows = run_headlines(summary, scenario, timeseries)
    width = max(len(label) for label, _ in rows)
    regime = summary["kpi_regime"] if summary["final_kpi_regime"] == summary["kpi_regime"] else (
        f"{summary['kpi_regime']}, then {summary['final_kpi_regime']}")
    lines = [f"scenario: {summary['name']} ({regime} KPI, {summary['kpi_scheme']} reward; "
             f"{summary['employees']:,} employees, {summary['weeks']} weeks)",
             f"one world: seed {summary['seed']} at the defaults' parameter values; other worlds give other numbers "
             "(`tokenmaxx run` without --seed or --one-world gives the median and 90% interval over plausible worlds)"]
    lines += [f"  {label:<{width}}  {text}" for label, text in rows]
    return "\n".join(lines)


def cmd_validate(args: argparse.Namespace) -> int:
    from sim.validation.command import validate

    return validate(args.out)


@contextlib.contextmanager
def sigterm_as_interrupt() -> Iterator[None]:
    """SIGTERM (`kill PID`, a job scheduler's stop) stops like Ctrl-C: the same clean stop."""
    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def cmd_sweep(args: argparse.Namespace) -> int:
    from sim.sweep import run_sweep

    try:
        with sigterm_as_interrupt():
            outcome = run_sweep(
                args.spec, executor=args.executor, workers=args.workers, scheduler=args.scheduler, out=args.out,
                fresh=args.fresh, retry_failed=args.retry_failed, progress=not args.no_progress,
            )
    except KeyboardInterrupt as exc:
        print(f"\n{interrupted(exc)}", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        raise
    except OSError as exc:  # a full disk, a read-only folder: the runs finished so far are on disk
        print(f"error: {describe_os_error(exc)}; finished runs are kept: make room or fix the folder, "
              "then run the same command again to resume", file=sys.stderr)
        return EXIT_USAGE
    print(printable(outcome.describe(), keep_newlines=True))
    return 0


def describe_os_error(exc: OSError) -> str:
    """`PATH: cannot write or read (REASON)` for an error from the file system."""
    where = f"{exc.filename}: " if exc.filename else ""
    return f"{where}cannot write or read ({exc.strerror or exc})"


def cmd_report(args: argparse.Namespace) -> int:
    from sim.sweep.report import write_report

    written = write_report(args.sweep_dir, args.out)
    figures = sum(1 for p in written if p.suffix == ".png")
    print(f"report: {written[0]}  ({figures} figures as PNG and SVG, tables as CSV, in {written[0].parent}/)")
    return 0


def cmd_calibrate(args: argparse.Namespace) -> int:
    from sim.calibrate.run import calibrate, describe

    try:
        with sigterm_as_interrupt():
            result = calibrate(args.targets, out=args.out, quick=args.quick, executor=args.executor,
                               workers=args.workers, scheduler=args.scheduler, fresh=args.fresh,
                               progress=not args.no_progress)
    except KeyboardInterrupt as exc:
        print(f"\n{interrupted(exc)}", file=sys.stderr)
        return EXIT_INTERRUPTED
    print(describe(result))
    return 0


def cmd_dashboard(args: argparse.Namespace) -> int:
    from sim.dashboard import server
    from sim.dashboard.model import DEFAULT_SCENARIO
    from sim.scenario.io import load_scenario

    scenario = Path(args.scenario or DEFAULT_SCENARIO)
    load_scenario(scenario)  # a bad scenario is a clear error here, not a broken page later
    if not 0 < args.port < 65536:
        print(f"error: --port {args.port}: expected a port number between 1 and 65535", file=sys.stderr)
        return EXIT_USAGE
    if not server.port_is_free(args.port):
        print(f"error: port {args.port} on {server.HOST} is in use; choose another with --port", file=sys.stderr)
        return EXIT_USAGE
    try:
        return server.serve(scenario, args.port)
    except server.DashboardError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_FAILURE


COMMANDS = {"run": cmd_run, "validate": cmd_validate, "sweep": cmd_sweep, "report": cmd_report,
            "calibrate": cmd_calibrate, "dashboard": cmd_dashboard}
COMMANDS.update(cli_library.COMMANDS)
COMMANDS.update(cli_market.COMMANDS)
COMMANDS.update(cli_audit.COMMANDS)
COMMANDS.update(cli_advise.COMMANDS)

if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
