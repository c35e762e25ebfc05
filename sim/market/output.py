"""Write a market's results folder: tables, the resolved market, provenance and the report."""

from __future__ import annotations

import json
import platform
from pathlib import Path

import yaml

from sim.dictionary import write_parquet
from sim.market.claims import ClaimsResult
from sim.market.report import write_market_report
from sim.market.run import MarketResult
from sim.output import atomic_write, git_commit
from sim.runner import clean_for_json


def write_market(result: MarketResult, out_dir: Path, wall_time_s: float,
                 claims: ClaimsResult | None = None) -> list[Path]:
    """summary.json, industry.parquet/.csv (one row per week), firms.parquet (one row per firm and
    week), events.json, market.yaml (as validated), metadata.json, report.html and figures/; with
    `claims`, claims.csv (one row per claim) and claims_seeds.csv (one row per seed)."""
    from importlib.metadata import version

    out_dir.mkdir(parents=True, exist_ok=True)
    firms = result.firms.assign(policy=result.firms["policy"].astype(str))
    metadata = {
        "package": "tokenmaxxing", "version": version("tokenmaxxing"), "mesa_version": version("mesa"),
        "numpy_version": version("numpy"), "python": platform.python_version(), "seed": result.loaded.market.seed,
        "market_file": result.loaded.origin, "wall_time_s": round(wall_time_s, 3), "git_commit": git_commit(),
    }
    files = {
        "summary.json": lambda p: p.write_text(json.dumps(clean_for_json(result.summary), indent=2) + "\n"),
        "industry.parquet": lambda p: write_parquet(result.industry, p),
        "industry.csv": lambda p: result.industry.to_csv(p, index=False),
        "firms.parquet": lambda p: write_parquet(firms, p),
        "events.json": lambda p: p.write_text(json.dumps([{"week": w, "event": e} for w, e in result.events], indent=2) + "\n"),
        "market.yaml": lambda p: p.write_text(yaml.safe_dump(result.loaded.market.model_dump(mode="json"), sort_keys=False)),
        "metadata.json": lambda p: p.write_text(json.dumps(metadata, indent=2) + "\n"),
    }
    if claims is not None:
        files["claims.csv"] = lambda p: claims.table.to_csv(p, index=False)
        files["claims_seeds.csv"] = lambda p: claims.seeds.to_csv(p, index=False)
    for name, write in files.items():
        atomic_write(out_dir / name, write)
    return [*(out_dir / n for n in files), *write_market_report(result, out_dir, claims)]
