"""`tokenmaxx audit USAGE... --policy SCENARIO [--out DIR]`, and the synthetic usage exports of
`tokenmaxx run --export-usage FORMAT` (see :mod:`sim.audit`)."""

from __future__ import annotations

import argparse
from pathlib import Path

USAGE_FORMATS = ("table", "otel", "copilot", "claude-code")
"""Names of the usage formats (:data:`sim.audit.formats.FORMATS`; listed here so the parser needs
no import of pandas)."""
USAGE_FOLDER = "usage"
"""Where `run --export-usage` writes inside the run's folder: usage/<format>/."""


def add_export_option(run: argparse.ArgumentParser) -> None:
    run.add_argument(
        "--export-usage", dest="export_usage", action="append", default=[], choices=USAGE_FORMATS, metavar="FORMAT",
        help="also write the run's per-employee-week usage as an export in FORMAT (table, otel, copilot, "
             "claude-code), with the known truth beside it in usage-truth.csv, under usage/FORMAT/ (repeatable)",
    )


def add_parser(commands: argparse._SubParsersAction) -> None:
    audit = commands.add_parser(
        "audit", help="estimate performative AI use in an organisation's own usage export (identifiers hashed)")
    audit.add_argument("usage", nargs="+", type=Path, metavar="USAGE",
                       help="usage export files or folders (table CSV/Parquet, OTel spans, Copilot NDJSON, Claude Code pages)")
    audit.add_argument("--policy", required=True, help="scenario YAML of the KPI, incentive and enforcement in force")
    audit.add_argument("--out", type=Path, default=None, help="results folder (default results/audit-<policy name>/)")
    audit.add_argument("--format", dest="fmt", choices=USAGE_FORMATS, default=None,
                       help="the export's format (default: recognised from each file)")
    audit.add_argument("--method", choices=("rejection", "smc"), default="rejection",
                       help="rejection: rejection ABC on a batched reference table (default; its coverage is checked "
                            "by `tokenmaxx validate`); smc: pyabc's ABC-SMC, simulations batched (slower)")
    audit.add_argument("--simulations", type=int, default=1000,
                       help="simulated organisations to compare with, for --method rejection (default 1000)")
    audit.add_argument("--seed", type=int, default=0, help="seed of the simulations (default 0)")
    audit.add_argument("--salt", default=None,
                       help="salt of the hashed user pseudonyms (default: a fresh random salt, so pseudonyms "
                            "differ between audits)")
    audit.add_argument("--keep-identifiers", action="store_true",
                       help="keep user identifiers as they are in the export (default: hashed)")


def cmd_audit(args: argparse.Namespace) -> int:
    from sim.audit.formats import UsageError
    from sim.audit.run import audit, describe, write_audit
    from sim.output import check_out_dir, folder_name, publish_folder
    from sim.runner import check_seed
    from sim.scenario.io import load_scenario

    policy = load_scenario(args.policy)
    check_seed(args.seed)
    if not 20 <= args.simulations <= 100_000:
        raise UsageError(f"--simulations {args.simulations}: expected 20 to 100000")
    out_dir = args.out or Path("results") / folder_name(f"audit-{policy.name}", "audit")
    check_out_dir(out_dir, "audit")
    result = audit(list(args.usage), policy, fmt=args.fmt, simulations=args.simulations, seed=args.seed,
                   salt=args.salt, keep_identifiers=args.keep_identifiers, method=args.method)
    publish_folder(out_dir, lambda folder: write_audit(result, folder), "audit")
    print(describe(result, out_dir))
    return 0


def prepare_usage(scenario, formats: list[str]):
    """The run's per-employee-week usage (observables, truth), simulated on a
    :class:`sim.audit.usage.UsageEngine` (the same seed gives the same weeks as the run), checked to
    be exportable in every format before anything runs or is written."""
    from sim.audit.formats import FORMATS
    from sim.audit.usage import simulate_usage

    observed, truth = simulate_usage([scenario])[0]
    for fmt in formats:
        check = getattr(FORMATS[fmt], "check", None)
        if check is not None:
            check(observed)
    return observed, truth


def export_usage(scenario, usage, formats: list[str], folder: Path) -> list[Path]:
    """The usage in each format under folder/usage/<format>/, its truth beside each."""
    from sim.audit.formats import write_usage

    observed, truth = usage
    written: list[Path] = []
    for fmt in dict.fromkeys(formats):
        options = {}
        if fmt == "claude-code":
            options = {"input_usd_per_mtok": scenario.pricing.input_usd_per_mtok,
                       "output_usd_per_mtok": scenario.pricing.output_usd_per_mtok}
        written += write_usage(fmt, observed, truth, folder / USAGE_FOLDER / fmt, **options)
    return written


COMMANDS = {"audit": cmd_audit}
