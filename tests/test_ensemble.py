"""Answers over plausible worlds (brief 11.1): worlds, the paired counterfactual, the posterior
file, one opportunity cost (11.3), and what `tokenmaxx run` and `compare` print and write."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.calibrate.posterior import POSTERIOR, PosteriorError, load_posterior, weighted_quantiles
from sim.cli import main
from sim.ensemble import describe, in_world, make_worlds, no_kpi, run_ensemble, user_set
from sim.runner import run
from sim.scenario.io import load_scenario

LIBRARY = Path(__file__).resolve().parents[1] / "scenarios"
SMALL = ["organization.employees=60", "weeks=12"]


def write_posterior(path: Path, rows: list[list[float]], keys: list[str]) -> Path:
    lines = ["draw,weight," + ",".join(keys)] + [",".join(map(str, [i, 1.0, *row])) for i, row in enumerate(rows)]
    path.write_text("\n".join(lines) + "\n")
    return path


def test_the_shipped_posterior_reads_and_its_draws_are_valid_defaults_paths():
    posterior = load_posterior()
    assert len(posterior) >= 1 and posterior.weights.sum() == pytest.approx(1.0)
    scenario = load_scenario(LIBRARY / "default.yaml")
    world = make_worlds(1, 0, posterior)[0]
    placed = in_world(scenario, world)  # every column is a key path the schema accepts
    assert placed.seed == world.seed


def test_worlds_are_reproducible_distinct_and_extend_without_reshuffling(tmp_path):
    posterior = write_posterior(tmp_path / "p.csv", [[0.1 * i, 1.0] for i in range(1, 21)],
                                ["behavior.effort_cost", "economics.capture_share"])
    post = load_posterior(posterior)
    a, b, more = make_worlds(8, 7, post), make_worlds(8, 7, post), make_worlds(12, 7, post)
    assert a == b and more[:8] == a
    assert len({w.seed for w in more}) == 12
    assert make_worlds(8, 8, post) != a
    assert all(0 <= w.seed < 2**63 for w in more)


def test_weighted_draws_follow_the_weights(tmp_path):
    post = load_posterior(write_posterior(tmp_path / "p.csv", [[0.1], [0.2], [0.3]], ["behavior.effort_cost"]))
    post = type(post)(post.parameters, post.values, np.array([0.2, 0.0, 0.8]), post.source)
    draws = np.array(post.sample(4000, 1))
    assert (draws != 1).all()  # a draw of weight 0 is never taken
    assert (draws == 2).mean() == pytest.approx(0.8, abs=0.03)
    assert weighted_quantiles(np.array([1.0, 2.0, 3.0]), np.array([0.2, 0.0, 0.8]), (0.1, 0.5)) == (1.0, 3.0)


def test_values_the_scenario_sets_stay_the_users_in_every_world(tmp_path):
    post = load_posterior(write_posterior(tmp_path / "p.csv", [[0.5, 0.9, 0.2]],
                                          ["kpi.strength", "economics.capture_share", "behavior.effort_cost"]))
    scenario = load_scenario(LIBRARY / "default.yaml", ["behavior.effort_cost=0.11"])
    assert user_set(scenario, "kpi.strength") and user_set(scenario, "behavior.effort_cost")
    assert not user_set(scenario, "economics.capture_share")
    placed = in_world(scenario, make_worlds(1, 3, post)[0])
    assert placed.kpi.strength == 0.75 and placed.behavior.effort_cost == 0.11  # the file's and the override's
    assert placed.economics.capture_share == 0.9  # left to the defaults: drawn


def test_the_no_kpi_counterfactual_drops_the_reward_and_the_kpi_interventions():
    scenario = load_scenario(LIBRARY / "mitigation_regime_switch.yaml")
    assert any(k.startswith("kpi.") for i in scenario.management.interventions for k in i.set)
    base = no_kpi(scenario)
    assert base.kpi.strength == 0.0
    assert not any(k.startswith("kpi.") for i in base.management.interventions for k in i.set)
    assert base.organization == scenario.organization and base.pricing == scenario.pricing


def test_a_scenario_against_itself_has_no_effect_in_any_world(tmp_path):
    """Known answer: organic use (no KPI) paired with its no-KPI counterfactual differs in nothing."""
    post = load_posterior(write_posterior(tmp_path / "p.csv", [[0.1, 0.3], [0.2, 0.6]],
                                          ["behavior.effort_cost", "economics.capture_share"]))
    scenario = load_scenario(LIBRARY / "organic.yaml", SMALL)
    ensemble = run_ensemble(scenario, make_worlds(6, 1, post))
    for column in ensemble.table.filter(like="effect_").columns:
        assert (ensemble.table[column] == 0).all(), column
    assert len(ensemble.table) == 6 and set(ensemble.table["draw"]) <= {0, 1}


def test_each_world_is_the_single_run_of_its_parameters_and_seed(tmp_path):
    post = load_posterior(write_posterior(tmp_path / "p.csv", [[0.12, 0.3], [0.2, 0.6]],
                                          ["behavior.effort_cost", "economics.capture_share"]))
    scenario = load_scenario(LIBRARY / "default.yaml", SMALL)
    worlds = make_worlds(3, 5, post)
    ensemble = run_ensemble(scenario, worlds)
    for world, row in zip(worlds, ensemble.table.to_dict("records")):
        alone = run(scenario, seed=world.seed, params=world.params).summary
        assert row["roi_true"] == alone["roi_true"] and row["tokens"] == alone["tokens"]
        base = run(no_kpi(scenario), seed=world.seed, params=world.params).summary
        assert row["effect_true_value_usd"] == pytest.approx(alone["true_value_usd"] - base["true_value_usd"])
        assert row["baseline_ai_spend_usd"] == base["ai_spend_usd"]


def test_describe_gives_the_median_the_90_percent_interval_and_the_share_below_zero():
    stats = describe(np.arange(-10, 91, dtype=float))  # -10 .. 90
    assert stats["median"] == 40 and stats["q05"] == pytest.approx(-5) and stats["q95"] == pytest.approx(85)
    assert stats["p_negative"] == pytest.approx(10 / 101) and stats["worlds"] == 101
    assert describe(np.array([np.nan]))["worlds"] == 0


@pytest.mark.slow
def test_the_interval_covers_single_world_runs_at_other_seeds():
    """The 90% interval over worlds holds what one-world runs at seeds the ensemble did not use give."""
    scenario = load_scenario(LIBRARY / "default.yaml", ["organization.employees=200"])
    ensemble = run_ensemble(scenario, make_worlds(80, 11, load_posterior()))
    stats = describe(ensemble.table["roi_true"])
    singles = [run(scenario, seed=s).summary["roi_true"] for s in range(1000, 1012)]
    inside = sum(stats["q05"] <= x <= stats["q95"] for x in singles)
    assert inside >= 10, (stats, singles)


def test_one_opportunity_cost_values_wasted_and_saved_hours_alike():
    """Brief 11.3: a wasted hour costs wage x capture share, the rate a saved hour is worth; set
    apart, it is the named share."""
    one = run(LIBRARY / "default.yaml", overrides=SMALL).summary
    wage, capture = 48.0, load_scenario(LIBRARY / "default.yaml").economics.capture_share
    hours = one["performative_hours"] + one["script_upkeep_hours"]
    assert hours > 0
    assert one["wasted_hours_cost_usd"] == pytest.approx(hours * wage * capture)
    assert one["captured_value_usd"] == pytest.approx(one["true_hours_saved"] * wage * capture)
    full = run(LIBRARY / "default.yaml", overrides=[*SMALL, "economics.wasted_hour_share=1.0"]).summary
    assert full["wasted_hours_cost_usd"] == pytest.approx(hours * wage)
    assert full["true_value_usd"] < one["true_value_usd"]


def test_capture_share_moves_wasted_and_saved_hours_together():
    """Issue 25: with the capture share varied, the value of wasted and of saved hours move together."""
    low, high = (run(LIBRARY / "default.yaml", overrides=[*SMALL, f"economics.capture_share={c}"]).summary
                 for c in (0.3, 0.6))
    assert high["wasted_hours_cost_usd"] / low["wasted_hours_cost_usd"] == pytest.approx(2.0)
    assert high["captured_value_usd"] / low["captured_value_usd"] == pytest.approx(2.0)


def test_run_prints_medians_intervals_and_the_paired_effect(tmp_path, capsys):
    out = tmp_path / "r"
    assert main(["run", str(LIBRARY / "default.yaml"), "--worlds", "12", "--out", str(out), *sum(
        (["--set", s] for s in SMALL), [])]) == 0
    text = capsys.readouterr().out
    assert "over 12 plausible worlds" in text and "median [90% interval]" in text
    assert "negative in" in text and "against the same worlds with no KPI" in text
    worlds = pd.read_csv(out / "worlds.csv")
    assert len(worlds) == 12 and worlds["world"].tolist() == list(range(12))
    summary = json.loads((out / "summary.json").read_text())
    assert summary["worlds"] == 12 and summary["roi_true"]["worlds"] == 12
    assert summary["roi_true"]["median"] == pytest.approx(worlds["roi_true"].median())
    assert summary["roi_true"]["q05"] <= summary["roi_true"]["median"] <= summary["roi_true"]["q95"]
    assert summary["one_world"]["seed"] == 42 and summary["effect_true_value_usd"]["worlds"] == 12
    report = (out / "report.html").read_text()
    assert "The answer over 12 plausible worlds" in report and "one world (seed 42" in report
    assert (out / "figures" / "worlds_bands.png").stat().st_size > 0


def test_run_with_a_seed_is_one_world_and_says_so(tmp_path, capsys):
    assert main(["run", str(LIBRARY / "default.yaml"), "--seed", "3", "--out", str(tmp_path / "r"),
                 "--set", "weeks=4", "--set", "organization.employees=30"]) == 0
    text = capsys.readouterr().out
    assert "one world: seed 3" in text and not (tmp_path / "r" / "worlds.csv").exists()


@pytest.mark.parametrize("args, message", [
    (["--worlds", "0"], "--worlds 0: expected a whole number from 1"),
    (["--seed", "3", "--worlds", "5"], "--worlds and --against are for the ensemble"),
])
def test_bad_ensemble_options_are_one_clear_error(tmp_path, capsys, args, message):
    assert main(["run", str(LIBRARY / "default.yaml"), *args, "--out", str(tmp_path / "r")]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err
    assert not (tmp_path / "r").exists()


@pytest.mark.parametrize("text, message", [
    ("", "the header must be"),
    ("draw,weight,behavior.effort_cost\n", "no draws"),
    ("draw,weight,behavior.effort_cost\n0,1,abc\n", "row 2, column 'behavior.effort_cost'"),
    ("draw,weight,behavior.effort_cost\n0,1\n", "row 2: 2 fields, expected 3"),
    ("draw,weight,behavior.effort_cost\n0,-1,0.1\n", "weights must be non-negative"),
])
def test_a_malformed_posterior_is_one_clear_error(tmp_path, capsys, text, message):
    bad = tmp_path / "posterior.csv"
    bad.write_text(text)
    with pytest.raises(PosteriorError, match=message):
        load_posterior(bad)
    assert main(["run", str(LIBRARY / "default.yaml"), "--posterior", str(bad), "--out", str(tmp_path / "r")]) == 2
    err = capsys.readouterr().err
    assert str(bad) in err and "Traceback" not in err


def test_compare_pairs_scenarios_by_world(tmp_path, capsys):
    out = tmp_path / "c"
    assert main(["compare", str(LIBRARY / "default.yaml"), str(LIBRARY / "default.yaml"), "--worlds", "6",
                 "--set", "weeks=6", "--set", "organization.employees=40", "--set-for", "2", "kpi.strength=0",
                 "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert "6 plausible worlds per scenario" in text and "world by world" in text
    meta = json.loads((out / "metadata.json").read_text())
    assert meta["posterior"] == POSTERIOR.name and len(meta["draws"]) == 6
    summaries = pd.read_csv(out / "summaries.csv")
    a, b = (summaries[summaries["scenario"] == label].set_index("replicate") for label in summaries["scenario"].unique())
    assert (a["seed"] == b["seed"]).all()  # the same worlds on both sides


def test_a_sweep_over_worlds_gives_every_point_the_same_worlds(tmp_path):
    from sim.sweep import run_sweep
    from sim.sweep.spec import load_spec

    spec = {"name": "w", "base": str(LIBRARY / "default.yaml"), "fixed": {"organization.employees": 30, "weeks": 4},
            "parameters": {"kpi.strength": {"values": [0.0, 0.75]}}, "design": {"kind": "grid"},
            "replicates": 3, "worlds": True, "seed": 9}
    runs = run_sweep(load_spec(spec), executor="sequential", out=tmp_path / "s", progress=False).table
    a, b = (runs[runs["point"] == p].set_index("replicate") for p in (0, 1))
    worlds = make_worlds(3, 9, load_posterior())
    assert a["seed"].tolist() == b["seed"].tolist() == [w.seed for w in worlds]
    scenario = load_scenario(LIBRARY / "default.yaml", ["organization.employees=30", "weeks=4", "kpi.strength=0.75"])
    alone = run(in_world(scenario, worlds[1])).summary
    assert b.loc[1, "roi_true"] == pytest.approx(alone["roi_true"])


def test_sweep_bands_over_worlds_are_the_median_and_90_percent_interval():
    from sim.sweep.charts import replicate_bands

    table = pd.DataFrame({"x": [1.0] * 101, "replicate": range(101), "m": np.arange(101, dtype=float)})
    over_worlds = replicate_bands(table, "x", None, "m", worlds=True).iloc[0]
    assert (over_worlds["mean"], over_worlds["low"], over_worlds["high"]) == pytest.approx((50.0, 5.0, 95.0))
    of_the_mean = replicate_bands(table, "x", None, "m").iloc[0]
    assert of_the_mean["high"] - of_the_mean["low"] < 15  # the mean's interval is narrower than the spread
