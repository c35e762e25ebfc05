"""Commands for the scenario library and policy comparison: check, list, show, compare.

Registered in :mod:`sim.cli` through :func:`add_parsers` and :data:`COMMANDS`.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

from sim.scenario.io import ScenarioError, file_kind, load_scenario, read_scenario_file
from sim.scenario.safe_yaml import printable
from sim.scenario.sources import SOURCES

DEFAULT_LIBRARY = Path("scenarios")
DEFAULT_REPLICATES = 5
DEFAULT_ROOT_SEED = 0
MAX_REPLICATES = 10_000


def add_parsers(commands: Any) -> None:
    """Add the library commands to the `tokenmaxx` sub-command parser."""
    check = commands.add_parser("check", help="validate a scenario, sweep or market file without running it")
    check.add_argument("scenario", help="scenario, sweep or market YAML file (the kind is read from its keys)")
    _add_overrides(check)

    lst = commands.add_parser("list", help="list the scenario library, one line each")
    lst.add_argument("folder", nargs="?", type=Path, default=DEFAULT_LIBRARY, help="folder of scenario files (default scenarios/)")

    show = commands.add_parser("show", help="print the resolved scenario, every default, with sources")
    show.add_argument("scenario", help="scenario YAML file")
    _add_overrides(show)

    compare = commands.add_parser("compare", help="run scenarios in the same plausible worlds and compare them world by world")
    compare.add_argument("scenarios", nargs="+", help="two or more scenario YAML files")
    compare.add_argument("--worlds", "--replicates", dest="replicates", type=int, default=DEFAULT_REPLICATES,
                         help=f"plausible worlds (posterior draws x seeds) per scenario, the same for each (default {DEFAULT_REPLICATES})")
    compare.add_argument("--seed", type=int, default=DEFAULT_ROOT_SEED, help=f"root seed of the worlds (default {DEFAULT_ROOT_SEED})")
    compare.add_argument("--posterior", type=Path, default=None, metavar="FILE",
                         help="posterior draws to take the worlds from (default scenarios/calibration/posterior.csv)")
    compare.add_argument("--at-defaults", action="store_true",
                         help="worlds that differ only in their seed, every parameter at the defaults' values")
    _add_overrides(compare, "for every scenario")
    compare.add_argument(
        "--set-for", dest="overrides_for", nargs=2, action="append", default=[], metavar=("N", "KEY.PATH=VALUE"),
        help="override one value of the N-th scenario only (1 = the first file), after --set, e.g. "
             "--set-for 2 audit.rate=0.3; the label shows it (repeatable)",
    )
    compare.add_argument("--out", type=Path, default=None, help="output folder (default results/compare-<names>/)")


def _add_overrides(parser: argparse.ArgumentParser, scope: str = "") -> None:
    parser.add_argument(
        "--set", dest="overrides", action="append", default=[], metavar="KEY.PATH=VALUE",
        help=f"override one scenario value {scope}, e.g. --set kpi.strength=2 (repeatable)".replace("  ", " "),
    )


def cmd_check(args: argparse.Namespace) -> int:
    data = read_scenario_file(Path(args.scenario))
    if not data:
        raise ScenarioError(f"{args.scenario}: the file is empty: nothing to check (an empty scenario file is the "
                            "default scenario; a sweep, market or calibration file needs its keys)")
    kind = file_kind(data)
    if kind == "sweep":
        return _check_sweep(args)
    if kind == "market":
        return _check_market(args)
    if kind == "calibration":
        return _check_calibration(args)
    if kind == "levers":
        return _check_levers(args)
    scenario = load_scenario(args.scenario, args.overrides)
    warn_targets(scenario, args.scenario)
    kpi = scenario.kpi
    print(printable(
        f"ok: {args.scenario} is a valid scenario '{scenario.name}': {scenario.organization.employees:,} employees, "
        f"{scenario.weeks} weeks, KPI {kpi.regime}/{kpi.scheme}, {len(scenario.management.interventions)} interventions"
    ))
    return 0


def _check_calibration(args: argparse.Namespace) -> int:
    """A calibration file: its targets, their scenarios and the parameters' bounds (what `calibrate`
    checks before its first run)."""
    from sim.calibrate.targets import load_targets

    if args.overrides:
        raise ScenarioError(f"{args.scenario}: --set applies to scenario and market files")
    spec, _, _ = load_targets(args.scenario)
    print(printable(f"ok: {args.scenario} is a valid calibration file '{spec.name}': {len(spec.targets)} targets, "
                    f"{len(spec.parameters)} free parameters"))
    return 0


def _check_levers(args: argparse.Namespace) -> int:
    """A levers file (`tokenmaxx advise`): every lever checked against the default scenario."""
    from sim.advise.levers import load_levers
    from sim.dashboard.model import DEFAULT_SCENARIO

    if args.overrides:
        raise ScenarioError(f"{args.scenario}: --set applies to scenario and market files")
    loaded = load_levers(args.scenario, load_scenario(DEFAULT_SCENARIO))
    print(printable(f"ok: {args.scenario} is a valid levers file '{loaded.spec.name}': {len(loaded.names)} levers, "
                    f"objectives {', '.join(loaded.spec.objectives)}, rule {loaded.spec.recommend.rule} "
                    f"(checked against {DEFAULT_SCENARIO})"))
    return 0


def warn_targets(scenario: Any, where: str) -> None:
    """`warning: FILE: weeks A-B: kpi.target ...` on stderr for each KPI target no one can reach."""
    import sys

    from sim.engine.management import target_warnings

    for line in target_warnings(scenario):
        print(f"warning: {where}: {line}", file=sys.stderr)


def _check_sweep(args: argparse.Namespace) -> int:
    """A sweep file: the spec, its base and every point of its design validated (what `sweep` does
    before its first run)."""
    from sim.sweep.samplers import sample
    from sim.sweep.spec import load_spec
    from sim.sweep.tasks import build_tasks

    if args.overrides:
        raise ScenarioError(f"{args.scenario}: --set applies to scenario and market files; a sweep sets values "
                            "under fixed: in its file")
    loaded = load_spec(args.scenario)
    design = sample(loaded.spec)
    tasks = build_tasks(loaded, design)
    if loaded.kind != "market":
        _warn_sweep_targets(args.scenario, tasks)
    print(printable(f"ok: {args.scenario} is a valid sweep '{loaded.spec.name}' of {loaded.kind}s: {len(design):,} "
                    f"points x {loaded.spec.replicates:,} replicates = {len(tasks):,} runs ({loaded.spec.design.kind} "
                    f"design over {', '.join(loaded.spec.varied)})"))
    return 0


def _warn_sweep_targets(where: str, tasks: list[Any]) -> None:
    """One warning for the points of a sweep whose KPI target no one can reach (a regime varied
    under a target the base file fixes), with the first such point's reason."""
    import sys

    from sim.engine.management import target_warnings

    points = {task.point: task.scenario for task in tasks}
    unreachable = {point: lines for point, scenario in points.items() if (lines := target_warnings(scenario))}
    if unreachable:
        first = min(unreachable)
        print(f"warning: {where}: {len(unreachable):,} of {len(points):,} points have a KPI target no one can reach "
              f"(point {first}, {unreachable[first][0]})", file=sys.stderr)


def _check_market(args: argparse.Namespace) -> int:
    from sim.market.io import load_market

    loaded = load_market(args.scenario, args.overrides)
    market = loaded.market
    print(printable(f"ok: {args.scenario} is a valid market '{market.name}': {market.firms:,} firms of "
                    f"{loaded.base.organization.employees:,} employees, {market.weeks} weeks, "
                    f"{len(market.policies)} KPI policies ({', '.join(p.name for p in market.policies)})"))
    return 0


LISTED_SUBFOLDERS = ("experiments",)
"""Subfolders of scenario files that `list` shows too (sweep and market files are other formats)."""


def cmd_list(args: argparse.Namespace) -> int:
    folder: Path = args.folder
    files = sorted(folder.glob("*.yaml")) + sorted(folder.glob("*.yml"))
    for sub in LISTED_SUBFOLDERS:
        files += sorted((folder / sub).glob("*.yaml"))
    if not files:
        raise ScenarioError(f"{folder}: no scenario files (*.yaml) here")
    names = [str(path.relative_to(folder)) for path in files]
    width = max(len(name) for name in names)
    for name, path in zip(names, files):
        try:
            description = " ".join(load_scenario(path).description.split()) or "(no description)"
        except ScenarioError as exc:
            description = "INVALID: " + str(exc).splitlines()[0]
        print(f"{name:<{width}}  {description}")
    _list_folder(folder / MARKET_FOLDER, "markets (tokenmaxx market {folder}/FILE)", _market_description)
    _list_folder(folder / SWEEP_FOLDER, "sweeps (tokenmaxx sweep {folder}/FILE)", _sweep_description)
    return 0


MARKET_FOLDER = "market"
"""Subfolder of market files (`tokenmaxx market FILE`), listed after the scenarios."""
SWEEP_FOLDER = "sweeps"
"""Subfolder of sweep files (`tokenmaxx sweep FILE`), listed last."""


def _list_folder(folder: Path, heading: str, describe) -> None:
    """One line per YAML file of a library subfolder: its name and description (or why it is invalid)."""
    files = sorted(folder.glob("*.yaml"))
    if not files:
        return
    print(f"\n{heading.format(folder=folder)}:")
    width = max(len(p.name) for p in files)
    for path in files:
        try:
            description = " ".join(describe(path).split()) or "(no description)"
        except ScenarioError as exc:
            description = "INVALID: " + str(exc).splitlines()[0]
        print(f"  {path.name:<{width}}  {description}")


def _market_description(path: Path) -> str:
    from sim.market.io import load_market

    if "policies" not in read_scenario_file(path):
        return "(the organisation the market files' firms start from)"
    return load_market(path).market.description


def _sweep_description(path: Path) -> str:
    from sim.sweep.spec import load_spec

    return load_spec(path).spec.description


def cmd_show(args: argparse.Namespace) -> int:
    scenario = load_scenario(args.scenario, args.overrides)
    warn_targets(scenario, args.scenario)
    given = _leaf_paths(read_scenario_file(Path(args.scenario))) | {o.partition("=")[0].strip() for o in args.overrides}
    print(printable(
        f"# {args.scenario}, resolved: every key and its value; 'set' = given in the file (or a file it "
        "extends, or --set), 'default' = the documented default; and the source of world-derived values"
    ))
    for line in annotated_lines(scenario.model_dump(mode="json"), given):
        print(printable(line))
    return 0


def annotated_lines(data: dict[str, Any], given: set[str], prefix: str = "", indent: int = 0) -> list[str]:
    """YAML-like lines, each leaf marked 'set' or 'default', with its source where one exists."""
    lines = []
    pad = "  " * indent
    for key, value in data.items():
        path = f"{prefix}{key}"
        origin = "set" if any(g == path or g.startswith(path + ".") for g in given) else "default"
        source = SOURCES.get(path)
        note = f"  # {origin}" + (f"; source: {source}" if source else "")
        if isinstance(value, dict) and value and "dist" not in value:
            lines.append(f"{pad}{key}:")
            lines.extend(annotated_lines(value, given, path + ".", indent + 1))
        else:
            lines.append(f"{pad}{key}: {_inline(value)}{note}")
    return lines


def _inline(value: Any) -> str:
    import json

    if isinstance(value, str):
        return " ".join(value.split())
    return json.dumps(value) if isinstance(value, (dict, list)) or value is None else str(value)


def _leaf_paths(data: dict[str, Any], prefix: str = "") -> set[str]:
    paths = set()
    for key, value in data.items():
        if isinstance(value, dict) and value:
            paths |= _leaf_paths(value, f"{prefix}{key}.")
        paths.add(f"{prefix}{key}")
    return paths


def cmd_compare(args: argparse.Namespace) -> int:
    from sim.compare import compare, format_paired, format_table
    from sim.output import check_out_dir, folder_name, publish_folder
    from sim.report import write_comparison_report

    if len(args.scenarios) < 2:
        raise ScenarioError("compare needs at least two scenario files")
    if args.replicates < 1:
        raise ScenarioError(f"--worlds (--replicates) {args.replicates}: must be at least 1")
    if args.replicates > MAX_REPLICATES:
        raise ScenarioError(f"--worlds (--replicates) {args.replicates}: at most {MAX_REPLICATES:,}")
    if not 0 <= args.seed <= 2**63 - 1:
        raise ScenarioError(f"--seed {args.seed}: expected a whole number from 0 to {2**63 - 1}")
    own = _overrides_for(args.overrides_for, len(args.scenarios))
    loaded = [load_scenario(path, [*args.overrides, *own.get(i, [])])  # every file checked first
              for i, path in enumerate(args.scenarios)]
    for path, scenario in zip(args.scenarios, loaded):
        warn_targets(scenario, path)
    names = [scenario.name for scenario in loaded]
    out_dir = args.out or Path("results") / folder_name("compare-" + "-".join(folder_name(n, "scenario") for n in names))
    check_out_dir(out_dir, "compare")
    started = time.perf_counter()
    posterior = None
    if not args.at_defaults:
        from sim.calibrate.posterior import PosteriorError, load_posterior

        try:
            posterior = load_posterior(args.posterior)
        except PosteriorError as exc:
            raise ScenarioError(str(exc)) from None
    comparison = compare(args.scenarios, args.replicates, args.seed, args.overrides, own, posterior)
    wall = time.perf_counter() - started

    def write(folder: Path) -> None:
        write_comparison(comparison, folder, [str(p) for p in args.scenarios], wall)
        write_comparison_report(comparison, folder)

    publish_folder(out_dir, write, "compare")
    where = f"posterior draws from {comparison.posterior_source}" if posterior else "the defaults' values"
    print(f"{args.replicates} plausible worlds per scenario ({where} x seeds), the same for each; "
          "median [90% interval over worlds]\n")
    print(format_table(comparison))
    print("\n" + format_paired(comparison))
    print("\nwhat differs:" + ("\n  ".join(["", *comparison.differences]) if comparison.differences else
                               " nothing: the scenarios are the same policy (with the same seeds, the same numbers)"))
    print(f"\nwall time {wall:.2f} s; report in {out_dir}/report.html")
    return 0


def _overrides_for(pairs: list[list[str]], count: int) -> dict[int, list[str]]:
    """`--set-for N KEY.PATH=VALUE` pairs as {scenario position (0 = first): [overrides]}."""
    own: dict[int, list[str]] = {}
    for number, item in pairs:
        if not number.isdigit() or not 1 <= int(number) <= count:
            raise ScenarioError(f"--set-for {number} {item}: N is the scenario's position on the command line, "
                                f"1 to {count}")
        own.setdefault(int(number) - 1, []).append(item)
    return own


def write_comparison(comparison: Any, folder: Path, sources: list[str], wall_time_s: float) -> None:
    """summaries.csv/.parquet (one row per scenario and replicate), timeseries.parquet (one row
    per scenario, replicate and week) and metadata.json (versions, seeds, overrides, provenance)."""
    import json

    from sim.dictionary import write_parquet
    from sim.output import atomic_write, atomic_write_text, provenance, versions

    atomic_write(folder / "summaries.csv", lambda p: comparison.summaries.to_csv(p, index=False))
    atomic_write(folder / "summaries.parquet", lambda p: write_parquet(comparison.summaries, p))
    atomic_write(folder / "timeseries.parquet", lambda p: write_parquet(comparison.timeseries, p))
    meta = {**versions(), "scenarios": dict(zip(comparison.scenarios, sources)), "overrides": comparison.overrides,
            "replicates": len(comparison.seeds), "root_seed": comparison.root_seed, "seeds": comparison.seeds,
            "posterior": comparison.posterior_source or None,
            "draws": [w.draw for w in comparison.worlds],
            "differences": comparison.differences, "wall_time_s": round(wall_time_s, 4), **provenance()}
    atomic_write_text(folder / "metadata.json", json.dumps(meta, indent=2) + "\n")


COMMANDS = {"check": cmd_check, "list": cmd_list, "show": cmd_show, "compare": cmd_compare}
