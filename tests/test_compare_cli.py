"""`tokenmaxx compare`, `check`, `list`, `show`, and the report written by `run`."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.cli import main
from sim.calibrate.posterior import load_posterior
from sim.compare import compare, paired, spread
from sim.ensemble import make_worlds
from sim.scenario.sources import SOURCES

LIBRARY = Path(__file__).resolve().parents[1] / "scenarios"
SMALL = ["--set", "organization.employees=30", "--set", "weeks=10"]


def test_every_scenario_gets_the_same_worlds():
    posterior = load_posterior()
    result = compare([LIBRARY / "amazon.yaml", LIBRARY / "organic.yaml"], 3, 11, ["weeks=5", "organization.employees=20"],
                     posterior=posterior)
    by_scenario = result.summaries.groupby("scenario")["seed"].apply(list)
    worlds = make_worlds(3, 11, posterior)
    assert by_scenario["amazon"] == by_scenario["organic"] == [w.seed for w in worlds]
    assert result.worlds == worlds and result.posterior_source == posterior.source.name


def test_paired_differences_are_taken_world_by_world():
    result = compare([LIBRARY / "amazon.yaml", LIBRARY / "organic.yaml"], 4, 3, ["weeks=5", "organization.employees=20"])
    table = paired(result)
    row = table[table["metric"] == "true_value_usd"].iloc[0]
    s = result.summaries.set_index(["scenario", "replicate"])["true_value_usd"]
    diff = (s["organic"] - s["amazon"]).to_numpy()
    assert row["median"] == pytest.approx(np.median(diff))
    assert row["p_better"] == pytest.approx((diff > 0).mean())
    assert np.isnan(table[table["metric"] == "reported_value_usd"]["p_better"]).all()  # not a value to the firm


def test_same_scenario_twice_gives_identical_replicates():
    result = compare([LIBRARY / "amazon.yaml", LIBRARY / "amazon.yaml"], 2, 0, ["weeks=5", "organization.employees=20"])
    assert list(result.scenarios) == ["amazon", "amazon#2"]
    a, b = (result.summaries[result.summaries["scenario"] == s] for s in result.scenarios)
    pd.testing.assert_series_equal(a["performative_share"].reset_index(drop=True), b["performative_share"].reset_index(drop=True))


def test_spread_is_the_median_and_the_5th_and_95th_percentiles_over_worlds():
    assert spread(np.arange(101, dtype=float)) == pytest.approx((50.0, 5.0, 95.0))
    assert spread(np.array([2.0])) == (2.0, 2.0, 2.0)
    assert all(np.isnan(spread(np.array([np.nan]))))


def test_cli_compare_prints_side_by_side_and_writes_a_report(tmp_path, capsys):
    out = tmp_path / "cmp"
    code = main(["compare", str(LIBRARY / "amazon.yaml"), str(LIBRARY / "outcome.yaml"), "--replicates", "2", "--out", str(out), *SMALL])
    assert code == 0
    printed = capsys.readouterr().out
    header = next(line for line in printed.splitlines() if "amazon" in line)
    assert "outcome" in header  # side by side
    assert "performative share of AI hours" in printed and "[" in printed
    assert (out / "report.html").is_file() and (out / "summaries.csv").is_file()
    assert len(pd.read_csv(out / "summaries.csv")) == 4


def test_cli_compare_rejects_bad_replicates(capsys):
    assert main(["compare", str(LIBRARY / "amazon.yaml"), str(LIBRARY / "outcome.yaml"), "--replicates", "0"]) == 2
    assert "replicates" in capsys.readouterr().err


def test_cli_run_writes_the_report(tmp_path):
    assert main(["run", str(LIBRARY / "amazon.yaml"), "--out", str(tmp_path), *SMALL]) == 0
    assert (tmp_path / "report.html").is_file()
    assert len(list((tmp_path / "figures").glob("*.png"))) >= 6


def test_cli_check_validates_without_running(tmp_path, capsys):
    assert main(["check", str(LIBRARY / "jasper.yaml")]) == 0
    assert "ok" in capsys.readouterr().out
    assert not list(tmp_path.iterdir())


def test_cli_list_shows_every_library_file_on_one_line(capsys):
    assert main(["list", str(LIBRARY)]) == 0
    scenarios, _, markets = capsys.readouterr().out.strip().partition("\nmarkets (")
    lines = scenarios.strip().splitlines()
    files = sorted(p.name for p in LIBRARY.glob("*.yaml"))
    files += sorted(f"experiments/{p.name}" for p in (LIBRARY / "experiments").glob("*.yaml"))
    assert len(lines) == len(files)
    assert all(line.startswith(name) for line, name in zip(lines, files))
    markets, _, sweeps = markets.partition("\nsweeps (")
    market_lines = markets.strip().splitlines()[1:]
    sweep_lines = sweeps.strip().splitlines()[1:]
    assert [line.split()[0] for line in market_lines] == sorted(p.name for p in (LIBRARY / "market").glob("*.yaml"))
    assert [line.split()[0] for line in sweep_lines] == sorted(p.name for p in (LIBRARY / "sweeps").glob("*.yaml"))
    assert all("INVALID" not in line for line in lines + market_lines + sweep_lines)


def test_cli_show_prints_every_default_with_its_source(capsys):
    assert main(["show", str(LIBRARY / "amazon.yaml")]) == 0
    out = capsys.readouterr().out
    assert "target: 50000.0  # set" in out
    line = next(l for l in out.splitlines() if l.strip().startswith("loaded_wage_usd_per_hour:"))
    assert "# default; source: " + SOURCES["economics.loaded_wage_usd_per_hour"] in line
    for path in SOURCES:
        assert f"{path.split('.')[-1]}:" in out


def test_set_for_changes_one_scenario_and_says_what_differs(tmp_path, capsys):
    import json

    out = tmp_path / "cmp"
    code = main(["compare", str(LIBRARY / "default.yaml"), str(LIBRARY / "default.yaml"), "--replicates", "2",
                 "--set-for", "2", "audit.rate=0.3", "--out", str(out), *SMALL])
    assert code == 0
    printed = capsys.readouterr().out
    header = printed.splitlines()[2]
    assert "default [audit.rate=0.3]" in header  # two columns, two labels
    assert "what differs:\n  audit.rate: 0.0 (default), 0.3 (default [audit.rate=0.3])\n" in printed
    assert "value overstated by" in printed  # the dollar figure next to the ratio
    summaries = pd.read_parquet(out / "summaries.parquet")
    by = summaries.groupby("scenario")["flags"].mean()
    assert by["default"] == 0 and by["default [audit.rate=0.3]"] > 0  # only the second one is audited
    weekly = pd.read_parquet(out / "timeseries.parquet")
    assert len(weekly) == 2 * 2 * 10 and set(weekly["scenario"]) == set(summaries["scenario"])
    meta = json.loads((out / "metadata.json").read_text())
    assert meta["overrides"]["default [audit.rate=0.3]"][-1] == "audit.rate=0.3"
    assert meta["seeds"] == [w.seed for w in make_worlds(2, 0, load_posterior())] and meta["differences"] == [
        "audit.rate: 0.0 (default), 0.3 (default [audit.rate=0.3])"]
    assert {"command_line", "git_commit", "git_dirty"} <= set(meta) and meta["created_utc"].endswith("+00:00")
    html = (out / "report.html").read_text()
    assert "What differs between them" in html and "value overstated by" in html


def test_set_for_a_scenario_that_is_not_there_is_one_line_and_exit_2(capsys):
    assert main(["compare", str(LIBRARY / "amazon.yaml"), str(LIBRARY / "outcome.yaml"), "--set-for", "3",
                 "audit.rate=0.3"]) == 2
    assert capsys.readouterr().err.strip() == "error: --set-for 3 audit.rate=0.3: N is the scenario's position on " \
                                              "the command line, 1 to 2"


def test_identical_scenarios_say_nothing_differs(tmp_path, capsys):
    assert main(["compare", str(LIBRARY / "amazon.yaml"), str(LIBRARY / "amazon.yaml"), "--replicates", "1",
                 "--out", str(tmp_path / "cmp"), *SMALL]) == 0
    assert "what differs: nothing: the scenarios are the same policy" in capsys.readouterr().out


def test_a_child_without_a_description_is_described_by_what_it_sets(tmp_path):
    from sim.scenario.io import load_scenario

    child = tmp_path / "child.yaml"
    child.write_text(f"extends: {LIBRARY / 'mitigation_regime_switch.yaml'}\nmanagement: {{interventions: []}}\n")
    assert load_scenario(child).description == (
        "Like mitigation_regime_switch.yaml, with management.interventions set here.")


def test_compare_from_python_with_overrides_for_one_scenario():
    result = compare([LIBRARY / "amazon.yaml", LIBRARY / "amazon.yaml"], 2, 0, ["weeks=5", "organization.employees=20"],
                     overrides_for={1: ["kpi.strength=0"]})
    assert list(result.scenarios) == ["amazon", "amazon [kpi.strength=0]"]
    assert result.differences == ["kpi.strength: 1.0 (amazon), 0.0 (amazon [kpi.strength=0])"]


def test_what_differs_names_each_intervention_value():
    from sim.compare import differences
    from sim.scenario.io import load_scenario

    lines = differences({"a": load_scenario(LIBRARY / "amazon.yaml"),
                         "b": load_scenario(LIBRARY / "mitigation_regime_switch.yaml")})
    assert lines == ["management.interventions.0.week: (not set) (a), 27 (b)",
                     "management.interventions.0.set.kpi.regime: (not set) (a), action_linked (b)",
                     "management.interventions.0.set.kpi.target: (not set) (a), 30 (b)"]


def test_organisations_of_different_sizes_are_compared_per_employee_week():
    result = compare([LIBRARY / "amazon.yaml", LIBRARY / "amazon.yaml"], 3, 2, ["weeks=4"],
                     overrides_for={0: ["organization.employees=20"], 1: ["organization.employees=40"]})
    table = paired(result).set_index("metric")
    assert table.loc["true_value_usd", "label"] == "true value per employee-week"
    s = result.summaries.set_index(["scenario", "replicate"])
    a, b = list(result.scenarios)
    diff = (s.loc[b, "true_value_usd"] / (40 * 4) - s.loc[a, "true_value_usd"] / (20 * 4)).to_numpy()
    assert table.loc["true_value_usd", "median"] == pytest.approx(np.median(diff))
    assert table.loc["roi_true", "label"] == "ROI in truth"  # a ratio needs no scaling
