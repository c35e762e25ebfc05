"""`tokenmaxx market MARKET.yaml`: run an industry of organisations and write its report."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

PROGRESS_FROM_EMPLOYEES = 100_000
"""A market of at least this many employees in all (firms x head-count) shows a progress bar (it runs minutes)."""


def add_parser(commands: argparse._SubParsersAction) -> None:
    market = commands.add_parser("market", help="run an industry of organisations (investors, imitation, vendor, "
                                                 "correction) and write its report")
    market.add_argument("market", help="market YAML file, e.g. scenarios/market/default.yaml")
    market.add_argument("--seed", type=int, default=None, help="replace the market's seed")
    market.add_argument(
        "--set", dest="overrides", action="append", default=[], metavar="KEY.PATH=VALUE",
        help="override one market value, e.g. --set investors.weight_reported=0.5 (repeatable)",
    )
    market.add_argument("--out", type=Path, default=None, help="output folder (default results/market/<name>/)")
    market.add_argument("--seeds", type=int, default=None, metavar="N",
                        help="seeds the report's claims are measured over, from the market's seed on, each run with "
                             "and without the correction (default 8; 0: one world only)")


def cmd_market(args: argparse.Namespace) -> int:
    from sim.market.claims import DEFAULT_SEEDS, run_claims
    from sim.market.io import load_market
    from sim.market.output import write_market
    from sim.market.report import headline_rows
    from sim.market.run import run_market
    from sim.output import check_out_dir, folder_name, publish_folder
    from sim.runner import check_seed
    from sim.scenario.safe_yaml import printable
    from tqdm import tqdm

    n_seeds = DEFAULT_SEEDS if args.seeds is None else args.seeds
    if n_seeds < 0 or n_seeds == 1:
        print(f"tokenmaxx market: --seeds {n_seeds}: allowed: 0 (one world only) or 2 and more", file=sys.stderr)
        return 2
    loaded = load_market(args.market, args.overrides)
    if args.seed is not None:
        check_seed(args.seed)
    out_dir = args.out or Path("results") / "market" / folder_name(loaded.market.name, "market")
    check_out_dir(out_dir, "market")
    started = time.perf_counter()
    market = loaded.market
    quick = market.firms * loaded.base.organization.employees < PROGRESS_FROM_EMPLOYEES
    with tqdm(total=market.weeks, desc=f"market {printable(market.name)[:40]}", unit="week", file=sys.stderr,
              disable=quick, dynamic_ncols=True) as bar:
        result = run_market(loaded, seed=args.seed, on_week=bar.update)
    first = loaded.market.seed if args.seed is None else args.seed
    claims = run_claims(loaded, range(first, first + n_seeds)) if n_seeds else None
    wall = time.perf_counter() - started
    publish_folder(out_dir, lambda folder: write_market(result, folder, wall, claims), "market")
    s = result.summary
    print(f"market: {printable(s['name'])} ({s['firms']} firms of {s['employees_per_firm_mean']:,.0f} employees, {s['weeks']} weeks, "
          f"seed {s['seed']})")
    rows = headline_rows(s)
    width = max(len(label) for label, _ in rows)
    for label, value in rows:
        print(printable(f"  {label:<{width}}  {value}"))
    if claims is not None:
        from sim.market.report import claim_rows

        print(f"\nclaims over {n_seeds} seeds (median, range; seeds in which each holds):")
        for statement, value, held in claim_rows(claims):
            print(printable(f"  {held:<28} {statement}: {value}"))
    print(f"\nwall time {wall:.1f} s; results in {out_dir}/; report: {out_dir / 'report.html'}")
    return 0


COMMANDS = {"market": cmd_market}
