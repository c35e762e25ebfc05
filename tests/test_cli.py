"""`tokenmaxx run` writes the promised files with the promised content."""

from __future__ import annotations

import json

import pandas as pd
import yaml

from sim.cli import main

REQUIRED_SUMMARY_KEYS = {
    "employees", "weeks", "seed", "kpi_regime", "performative_share", "reported_kpi", "genuine_hours",
    "performative_hours", "true_hours_saved", "claimed_hours_saved", "tokens", "token_cost_usd",
    "wasted_token_cost_usd", "ai_spend_usd", "roi_reported", "roi_true", "energy_kwh", "co2_kg",
    "wasted_co2_kg", "honest_employees_ever_flagged", "data_exposure_incidents",
}


def test_run_writes_all_outputs(tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["run", "scenarios/default.yaml", "--seed", "3", "--set", "weeks=8", "--out", str(out)]) == 0
    summary = json.loads((out / "summary.json").read_text())
    assert REQUIRED_SUMMARY_KEYS <= set(summary)
    assert summary["seed"] == 3 and summary["weeks"] == 8
    ts = pd.read_parquet(out / "timeseries.parquet")
    assert list(ts["week"]) == list(range(1, 9))
    assert pd.read_csv(out / "timeseries.csv").shape == ts.shape
    resolved = yaml.safe_load((out / "scenario.yaml").read_text())
    assert resolved["seed"] == 3 and resolved["weeks"] == 8
    assert resolved["pricing"]["input_usd_per_mtok"] == 3.0  # defaults are written out
    meta = json.loads((out / "metadata.json").read_text())
    assert meta["seed"] == 3 and meta["version"] and meta["wall_time_s"] >= 0
    assert not list(out.glob(".*.tmp"))  # no temporary files left behind
    printed = capsys.readouterr().out
    assert "ROI as reported" in printed and "performative share" in printed


def test_default_output_folder_is_results_scenario_name(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "tiny.yaml").write_text("organization: {employees: 20}\nweeks: 2\n")
    assert main(["run", "tiny.yaml"]) == 0
    assert (tmp_path / "results" / "tiny" / "summary.json").exists()


def test_python_dash_m_sim_is_the_same_command():
    import subprocess
    import sys

    proc = subprocess.run([sys.executable, "-m", "sim", "--help"], capture_output=True, text=True, check=False)
    assert proc.returncode == 0 and "tokenmaxx" in proc.stdout and "run" in proc.stdout


def test_result_files_are_readable_by_others(tmp_path):
    import os
    import stat

    out = tmp_path / "o"
    old = os.umask(0o022)
    try:
        assert main(["run", "scenarios/default.yaml", "--set", "weeks=2", "--out", str(out)]) == 0
    finally:
        os.umask(old)
    assert stat.S_IMODE((out / "summary.json").stat().st_mode) == 0o644


def test_metadata_records_when_what_command_and_whether_the_tree_was_clean(tmp_path):
    import subprocess
    import sys
    from datetime import datetime, timezone

    out = tmp_path / "out"
    before = datetime.now(timezone.utc).replace(microsecond=0)
    proc = subprocess.run([sys.executable, "-m", "sim", "run", "scenarios/default.yaml", "--set", "weeks=2",
                           "--out", str(out)], capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr
    meta = json.loads((out / "metadata.json").read_text())
    assert meta["command_line"] == f"python -m sim run scenarios/default.yaml --set weeks=2 --out {out}"
    assert before <= datetime.fromisoformat(meta["created_utc"]) <= datetime.now(timezone.utc)
    status = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], capture_output=True, text=True,
                            check=False)
    if status.returncode == 0:  # a git checkout: the flag says whether tracked files had changes
        assert meta["git_dirty"] is bool(status.stdout.strip()) and len(meta["git_commit"]) == 40
    else:
        assert meta["git_dirty"] is None


def test_help_and_check_load_no_heavy_library():
    """`--help` and `check` answer in well under a second: Mesa, pandas, matplotlib, Numba and Dask
    are loaded only by the commands that run models."""
    import subprocess
    import sys

    heavy = ("mesa", "pandas", "matplotlib", "numba", "dask", "scipy")
    probe = ("import sys, contextlib, io\nfrom sim.cli import main\n"
             "with contextlib.redirect_stdout(io.StringIO()):\n    main(['check', 'scenarios/default.yaml'])\n"
             f"print(sorted(m for m in {heavy!r} if m in sys.modules))")
    proc = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "[]"
    import sim

    assert sim.run.__module__ == "sim.runner" and "OrganisationModel" in dir(sim)  # still there, on first use
