"""`tokenmaxx advise`: the levers file's errors, known answers (an enumerable lever space; the cheapest
deterrence under Becker), resuming, and the command's files."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from sim.advise.levers import load_levers
from sim.advise.objectives import AUDIT_HOURS_PER_AUDITED_EMPLOYEE_WEEK, objectives
from sim.advise.run import advise, root_seeds
from sim.advise.search import evaluate
from sim.calibrate.posterior import load_posterior
from sim.cli import main
from sim.ensemble import in_world, make_worlds, user_set
from sim.scenario import sources as src
from sim.scenario.io import load_scenario
from sim.sweep.executors import Sequential
from sim.validation.scenarios import BECKER_EFFORT_COST, BECKER_INTEGRITY, BECKER_TPR, becker_scenario

SMALL = {"name": "small", "weeks": 8, "seed": 7, "organization": {"employees": 20, "team_size": 5},
         "kpi": {"regime": "tokens", "scheme": "linear", "strength": 0.75}}


def write(path: Path, data: dict) -> Path:
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


# --- the levers file: errors name the file, the key path and what is allowed (exit code 2) -----------
BAD_LEVERS = [
    ({"levers": {"kpi.strenght": {"low": 0, "high": 1}}}, "kpi.strenght"),
    ({"levers": {"behavior.integrity_cost": {"low": 0, "high": 1}}}, "not a lever a manager controls"),
    ({"levers": {"kpi.regime": {"choices": ["tokens", "tokenz"]}}}, "Did you mean 'tokens'"),
    ({"levers": {"kpi.strength": {"low": 2, "high": 1}}}, "low < high"),
    ({"levers": {"kpi.strength": {"choices": [1, 1]}}}, "must not repeat"),
    ({"levers": {"kpi.regime": {"choices": ["tokens"]}, "kpi.target": {"low": 1, "high": 2}}}, "kpi.target_factor"),
    ({"levers": {"switch.regime": {"choices": ["error_reduction"]}}}, "switch.week"),
    ({"levers": {"switch.week": {"choices": [-1, 4]}}}, "whole weeks from 0"),
    ({"levers": {"audit.rate": {"low": 0, "high": 2}}}, "audit.rate"),
    ({"levers": {"kpi.strength": {"low": 0, "high": 1}}, "objectives": ["profit"]}, "objectives"),
    ({"levers": {"kpi.strength": {"low": 0, "high": 1}}, "recommend": {"rule": "best"}}, "recommend.rule"),
    ({"levers": {}}, "levers"),
    ({"levrs": {"kpi.strength": {"low": 0, "high": 1}}}, "levrs"),
]


@pytest.mark.parametrize("data,expected", BAD_LEVERS)
def test_bad_levers_file_is_one_clear_error_with_exit_code_2(tmp_path, capsys, data, expected):
    scenario = write(tmp_path / "small.yaml", SMALL)
    levers = write(tmp_path / "levers.yaml", data)
    code = main(["advise", str(scenario), str(levers), "--out", str(tmp_path / "out"), "--no-progress"])
    err = capsys.readouterr().err
    assert code == 2
    assert "Traceback" not in err and "levers.yaml" in err and expected in err
    assert not (tmp_path / "out" / "search.journal").exists()  # nothing ran


def test_levers_file_that_is_not_yaml_or_missing_is_an_error(tmp_path, capsys):
    scenario = write(tmp_path / "small.yaml", SMALL)
    (tmp_path / "broken.yaml").write_text("levers: [unclosed\n")
    for levers in (tmp_path / "broken.yaml", tmp_path / "missing.yaml"):
        assert main(["advise", str(scenario), str(levers), "--out", str(tmp_path / "out"), "--no-progress"]) == 2
        err = capsys.readouterr().err
        assert "Traceback" not in err and levers.name in err


def test_default_levers_file_is_valid_for_every_library_scenario():
    for path in sorted(Path("scenarios").glob("*.yaml")):
        loaded = load_levers(None, load_scenario(path))
        assert "kpi.regime" in loaded.names and loaded.spec.recommend.rule == "robust"


def test_a_trait_set_as_a_number_is_the_users_in_every_world():
    scenario = load_scenario(becker_scenario(0.0, 0.0))
    assert user_set(scenario, "behavior.speedup.mean") and user_set(scenario, "behavior.integrity_cost.mean")
    world = make_worlds(1, 3, load_posterior())[0]
    assert in_world(scenario, world).behavior.speedup == scenario.behavior.speedup


# --- known answer 1: a lever space small enough to enumerate ----------------------------------------
STRENGTHS = [0.25, 0.5, 0.75, 1.0, 1.25, 1.5, 2.0]
AUDIT_RATES = [0.0, 0.05, 0.1, 0.2]
ENUMERABLE = {
    "levers": {"kpi.regime": {"choices": ["tokens", "error_reduction"]},
               "kpi.strength": {"choices": STRENGTHS},
               "audit.rate": {"choices": AUDIT_RATES}},
    "objectives": ["mean_net_value", "overstatement"],
    "recommend": {"rule": "expected"},
}
WORLDS = 4


@pytest.mark.slow
def test_advise_finds_the_enumerated_optimum_of_a_small_lever_space(tmp_path):
    base = load_scenario(SMALL)
    levers = load_levers(ENUMERABLE, base)
    policies = [{"kpi.regime": r, "kpi.strength": s, "audit.rate": q}
                for r in ("tokens", "error_reduction") for s in STRENGTHS for q in AUDIT_RATES]
    worlds = make_worlds(WORLDS, root_seeds(base.seed)[0], load_posterior())  # the worlds advise searches in
    scores = np.array([objectives(v)["mean_net_value"] for v in evaluate(base, policies, worlds, Sequential())])
    assert np.ptp(scores) > 0  # the levers matter: there is an optimum to find
    # a budget for 24 of the 56 policies: the optimiser must find the best, not enumerate
    advice = advise(base, ENUMERABLE, budget_runs=24 * WORLDS, worlds=WORLDS, check_worlds=3,
                    executor="sequential", out=tmp_path / "out", progress=False)
    assert len(advice.table) <= 24
    found = float(advice.table.loc[advice.table["recommended"], "mean_net_value"].iloc[0])
    same = policies.index({k: advice.recommended[k] for k in levers.names})
    assert found == pytest.approx(scores[same], rel=1e-12)  # same worlds, same numbers
    assert found >= scores.max() - 0.05 * np.ptp(scores), (found, np.sort(scores)[-5:])


# --- known answer 2: the cheapest deterrence under Becker -------------------------------------------
F_MAX = 3.0
STRENGTH = 2.0


def becker_threshold_rate() -> float:
    """q* = (alpha k_p - iota) / (F_max tpr): the lowest audit rate at which no one games (with F = F_max)."""
    k_p = src.PERFORMATIVE_TOKENS_PER_HOUR / src.AMAZON_TOKENS_PER_ENGINEER_WEEK
    return (STRENGTH * k_p - BECKER_INTEGRITY) / (F_MAX * BECKER_TPR)


@pytest.mark.slow
def test_advise_finds_the_cheapest_audit_rate_that_removes_gaming_under_becker(tmp_path):
    q_star = becker_threshold_rate()
    assert 0.05 < q_star < 0.8  # an interior answer
    base = load_scenario({**becker_scenario(0.0, 0.0, strength=STRENGTH), "name": "becker"})
    levers = {"levers": {"audit.rate": {"low": 0.0, "high": 1.0}, "audit.penalty": {"low": 0.0, "high": F_MAX}},
              "objectives": ["measurement_cost", "gaming_hours"],
              "recommend": {"rule": "cheapest", "max_gaming_hours_per_employee_week": 0.0}}
    advice = advise(base, levers, budget_runs=160 * 2, worlds=2, check_worlds=2, executor="sequential",
                    out=tmp_path / "out", progress=False)
    q, f = advice.recommended["audit.rate"], advice.recommended["audit.penalty"]
    assert q * f * BECKER_TPR >= STRENGTH * src.PERFORMATIVE_TOKENS_PER_HOUR / src.AMAZON_TOKENS_PER_ENGINEER_WEEK \
        - BECKER_INTEGRITY - 1e-12  # deters: p* = 0
    assert q_star <= q <= 1.1 * q_star  # and within 10% of the cheapest rate that does
    row = advice.table[advice.table["recommended"]].iloc[0]
    employee_weeks = base.organization.employees * base.weeks
    expected_cost = q * employee_weeks * AUDIT_HOURS_PER_AUDITED_EMPLOYEE_WEEK * base.economics.loaded_wage_usd_per_hour
    assert row["gaming_hours"] == 0 and row["measurement_cost"] == pytest.approx(expected_cost)
    # the check in fresh worlds: no gaming under the recommendation, and gaming under no audits at all
    check = advice.check
    assert (check["recommended:gaming_hours"] == 0).all() and (check["current policy:gaming_hours"] > 0).all()
    assert BECKER_EFFORT_COST > 0


# --- the command: files, the recommendation runs, resuming ------------------------------------------
TINY = {"levers": {"kpi.regime": {"choices": ["tokens", "action_linked", "error_reduction"]},
                   "kpi.strength": {"low": 0.0, "high": 1.5, "step": 0.25},
                   "audit.rate": {"low": 0.0, "high": 0.2, "step": 0.05},
                   "switch.week": {"low": 0, "high": 8, "integer": True},
                   "switch.regime": {"choices": ["error_reduction"]}}}


def test_advise_command_writes_the_report_and_a_scenario_run_accepts(tmp_path, capsys):
    scenario = write(tmp_path / "small.yaml", SMALL)
    levers = write(tmp_path / "levers.yaml", TINY)
    out = tmp_path / "results" / "advice"
    args = ["advise", str(scenario), str(levers), "--budget", "48", "--worlds", "4", "--check-worlds", "5",
            "--executor", "sequential", "--out", str(out), "--no-progress"]
    assert main(args) == 0
    printed = capsys.readouterr().out
    assert "recommended:" in printed and "net value vs current policy" in printed and "[" in printed
    names = {p.name for p in out.iterdir()}
    assert {"report.html", "recommended.yaml", "candidates.csv", "pareto.csv", "importance.csv", "paired.csv",
            "check_worlds.csv", "summary.json", "search.journal", "figures"} <= names
    assert {p.name for p in (tmp_path / "results").iterdir()} == {"advice"}  # nothing beside the out folder
    summary = json.loads((out / "summary.json").read_text())
    candidates = pd.read_csv(out / "candidates.csv")
    assert summary["candidates"] == len(candidates) and candidates["recommended"].sum() == 1
    assert candidates["pareto"].any() and summary["paired"]["no KPI"]["net_value_usd"]["worlds"] == 5
    html = (out / "report.html").read_text()
    assert "Pareto front" in html and "Which levers matter" in html and "fresh worlds" in html
    recommended = load_scenario(out / "recommended.yaml")
    for key, value in summary["recommended"].items():
        if key == "kpi.strength":
            assert recommended.kpi.strength == pytest.approx(value)
    assert recommended.organization.employees == 20 and not user_set(recommended, "behavior.speedup")
    assert main(["run", str(out / "recommended.yaml"), "--one-world", "--out", str(tmp_path / "run")]) == 0
    capsys.readouterr()
    # the same command again resumes: no new policies, the same recommendation
    assert main(args) == 0
    again = json.loads((out / "summary.json").read_text())
    assert again["recommended"] == summary["recommended"] and again["candidates"] == summary["candidates"]
    # a larger budget extends the same study
    assert main([*args[:3], "--budget", "80", *args[5:]]) == 0
    assert json.loads((out / "summary.json").read_text())["candidates"] > summary["candidates"]
    capsys.readouterr()
    # other levers in the same folder: refused, not mixed
    other = write(tmp_path / "other.yaml", {"levers": {"kpi.strength": {"low": 0.0, "high": 1.0}}})
    assert main(["advise", str(scenario), str(other), "--out", str(out), "--no-progress", "--budget", "8",
                 "--worlds", "4"]) == 2
    assert "--fresh" in capsys.readouterr().err


def test_advise_refuses_a_folder_another_command_wrote(tmp_path, capsys):
    scenario = write(tmp_path / "small.yaml", SMALL)
    foreign = tmp_path / "mine"
    foreign.mkdir()
    (foreign / "notes.txt").write_text("keep me")
    assert main(["advise", str(scenario), "--out", str(foreign), "--no-progress"]) == 2
    assert "did not write" in capsys.readouterr().err
    assert (foreign / "notes.txt").read_text() == "keep me" and len(list(foreign.iterdir())) == 1


def test_budget_and_worlds_are_checked(tmp_path, capsys):
    scenario = write(tmp_path / "small.yaml", SMALL)
    for extra in (["--budget", "2", "--worlds", "4"], ["--worlds", "0"], ["--check-worlds", "0"]):
        assert main(["advise", str(scenario), "--out", str(tmp_path / "o"), "--no-progress", *extra]) == 2
        err = capsys.readouterr().err
        assert "Traceback" not in err and "--" in err


# --- pieces with exact answers ----------------------------------------------------------------------
def test_pareto_front_keeps_exactly_the_undominated_policies():
    from sim.advise.run import pareto_mask

    table = pd.DataFrame({"mean_net_value": [10.0, 8.0, 12.0, 7.0, 12.0],
                          "overstatement": [5.0, 1.0, 9.0, 2.0, 9.0]})  # max value, min overstatement
    assert pareto_mask(table, ["mean_net_value", "overstatement"]).tolist() == [True, True, True, False, True]


def test_regret_is_the_gap_to_the_best_policy_in_each_world():
    from sim.advise.objectives import regrets

    net = np.array([[10.0, 0.0, 5.0, 5.0, 5.0, 5.0, 5.0, 5.0, 5.0, 5.0],
                    [8.0, 2.0, 5.0, 5.0, 5.0, 5.0, 5.0, 5.0, 5.0, 5.0]])
    # policy 0 loses 2 in world 1; policy 1 loses 2 in world 0: the same worst-world regret
    np.testing.assert_allclose(regrets(net), np.quantile([[0, 2, *[0] * 8], [2, 0, *[0] * 8]], 0.9, axis=1))


def test_measurement_cost_counts_auditor_hours_checks_the_detector_and_outcome_measurement():
    from sim.advise.objectives import (CLAIM_CHECK_HOURS_PER_CHECKED_EMPLOYEE_WEEK, DETECTOR_USD_PER_EMPLOYEE_MONTH,
                                       REGIME_MEASUREMENT_USD_PER_EMPLOYEE_MONTH, WEEKS_PER_MONTH, measurement_cost_usd)

    base = load_scenario(SMALL)
    assert measurement_cost_usd(base) == 0  # tokens: counted free; no audits
    changed = load_scenario({**SMALL, "kpi": {"regime": "error_reduction", "strength": 1.0},
                             "audit": {"rate": 0.1, "claim_check_rate": 0.2}, "detection": {"enabled": True}})
    employee_weeks, wage = 20 * 8, base.economics.loaded_wage_usd_per_hour
    expected = (0.1 * employee_weeks * AUDIT_HOURS_PER_AUDITED_EMPLOYEE_WEEK * wage
                + 0.2 * employee_weeks * CLAIM_CHECK_HOURS_PER_CHECKED_EMPLOYEE_WEEK * wage
                + (DETECTOR_USD_PER_EMPLOYEE_MONTH + REGIME_MEASUREMENT_USD_PER_EMPLOYEE_MONTH["error_reduction"])
                * employee_weeks / WEEKS_PER_MONTH)
    assert measurement_cost_usd(changed) == pytest.approx(expected)
    # a switch to outcome measurement at week 5 pays for it in weeks 5 to 8 only
    switched = measurement_cost_usd(base, {"switch.week": 5, "switch.regime": "error_reduction"})
    assert switched == pytest.approx(REGIME_MEASUREMENT_USD_PER_EMPLOYEE_MONTH["error_reduction"] * 20 * 4 / WEEKS_PER_MONTH)


def test_pseudo_levers_become_scenario_values():
    from sim.advise.levers import candidate_scenario

    base = load_scenario(SMALL)
    changed = candidate_scenario(base, {"kpi.regime": "queries", "kpi.target_factor": 2.0, "switch.week": 3,
                                        "switch.regime": "action_linked"})
    from sim.scenario.schema import DEFAULT_TARGETS

    assert changed.kpi.target == pytest.approx(2 * DEFAULT_TARGETS["queries"])
    assert [(i.week, i.set) for i in changed.management.interventions] == [(3, {"kpi.regime": "action_linked"})]
    never = candidate_scenario(base, {"switch.week": 99, "switch.regime": "action_linked"})
    assert never.management.interventions == []  # a week after the run's last: no switch


def test_check_command_validates_a_levers_file(tmp_path, capsys):
    assert main(["check", "scenarios/levers/default.yaml"]) == 0
    assert "valid levers file" in capsys.readouterr().out
    bad = write(tmp_path / "bad.yaml", {"levers": {"kpi.regime": {"choices": ["tokenz"]}}})
    assert main(["check", str(bad)]) == 2
    assert "Did you mean 'tokens'" in capsys.readouterr().err


@pytest.mark.slow
def test_worker_processes_give_the_same_advice_as_one_process(tmp_path):
    levers = {"levers": {"kpi.strength": {"low": 0.0, "high": 1.5, "step": 0.25},
                         "audit.rate": {"choices": [0.0, 0.1]}}}
    results = [advise(load_scenario(SMALL), levers, budget_runs=8 * 3, worlds=3, check_worlds=3, executor=executor,
                      workers=workers, out=tmp_path / executor, progress=False)
               for executor, workers in (("sequential", None), ("processes", 2))]
    a, b = results
    assert a.recommended == b.recommended
    pd.testing.assert_frame_equal(a.table, b.table)
    pd.testing.assert_frame_equal(a.check, b.check)
