"""What a user sees for bad input: the file, the key path, what is allowed; exit 2; no traceback."""

from __future__ import annotations

import subprocess
import sys

import pytest

from sim.cli import main
from sim.scenario.io import ScenarioError, load_scenario


def write(tmp_path, text: str):
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    return path


def error_of(source, overrides=None) -> str:
    with pytest.raises(ScenarioError) as info:
        load_scenario(source, overrides)
    return str(info.value)


def test_unknown_key_names_file_path_and_suggests(tmp_path):
    message = error_of(write(tmp_path, "kpi:\n  regim: tokens\n"))
    assert "bad.yaml" in message
    assert "kpi.regim" in message
    assert "Did you mean 'regime'" in message
    assert "scheme" in message  # lists what is allowed


def test_wrong_value_lists_allowed_choices(tmp_path):
    message = error_of(write(tmp_path, "kpi:\n  regime: vibes\n"))
    assert "kpi.regime" in message and "'tokens'" in message and "'error_reduction'" in message


def test_wrong_type_names_key(tmp_path):
    message = error_of(write(tmp_path, "organization:\n  employees: many\n"))
    assert "organization.employees" in message and "'many'" in message


def test_out_of_range_value(tmp_path):
    message = error_of(write(tmp_path, "audit:\n  rate: 1.5\n"))
    assert "audit.rate" in message and "less than or equal to 1" in message


def test_bad_distribution_names_trait(tmp_path):
    message = error_of(write(tmp_path, "behavior:\n  speedup: {dist: normal, mean: 0.2, sd: -1}\n"))
    assert "behavior.speedup" in message and "sd" in message


def test_yaml_syntax_error_gives_line_and_column(tmp_path):
    message = error_of(write(tmp_path, "kpi:\n  regime: tokens\n  scheme: [linear\n"))
    assert "bad.yaml" in message and "line 4" in message and "column" in message


def test_missing_file():
    assert "no such scenario file" in error_of("does/not/exist.yaml")


def test_override_is_validated_like_the_file():
    message = error_of({}, ["kpi.strenght=2"])
    assert "kpi.strenght" in message and "Did you mean 'strength'" in message
    assert "kpi.strength" in error_of({}, ["kpi.strength=-1"])
    assert "expected key.path=value" in error_of({}, ["kpi.strength"])


def test_override_applies():
    assert load_scenario({}, ["kpi.strength=2", "kpi.regime=queries"]).kpi.strength == 2.0


def test_intervention_values_are_validated_at_load():
    data = {"management": {"interventions": [{"week": 3, "set": {"kpi.regime": "nonsense"}}]}}
    message = error_of(data)
    assert "management.interventions.0.set" in message and "kpi.regime" in message


def test_intervention_may_only_change_policy():
    message = error_of({"management": {"interventions": [{"week": 3, "set": {"organization.employees": 5}}]}})
    assert "not a policy parameter" in message


def test_composite_needs_weights():
    assert "kpi.weights" in error_of({"kpi": {"regime": "composite"}})


def test_cli_exit_code_2_and_no_traceback(tmp_path):
    path = write(tmp_path, "kpi:\n  regim: tokens\n")
    proc = subprocess.run(
        [sys.executable, "-m", "sim", "run", str(path), "--out", str(tmp_path / "o")],
        capture_output=True, text=True, check=False,
    )
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert "kpi.regim" in proc.stderr
    assert not (tmp_path / "o").exists()  # nothing half-written


def test_cli_bad_set_exit_2(tmp_path, capsys):
    path = write(tmp_path, "weeks: 2\n")
    assert main(["run", str(path), "--set", "weeks=zero", "--out", str(tmp_path / "o")]) == 2
    assert "weeks" in capsys.readouterr().err


@pytest.mark.parametrize("command, path, hint", [
    ("run", "scenarios/sweeps/metric_choice.yaml", "looks like a sweep file: use tokenmaxx sweep FILE"),
    ("sweep", "scenarios/default.yaml", "looks like a scenario file: use tokenmaxx run FILE"),
    ("run", "scenarios/market/default.yaml", "looks like a market file: use tokenmaxx market FILE"),
    ("market", "scenarios/default.yaml", "looks like a scenario file: use tokenmaxx run FILE"),
])
def test_a_file_of_another_kind_names_the_command_that_reads_it(command, path, hint, capsys, tmp_path):
    from sim.cli import main

    assert main([command, path, "--out", str(tmp_path / "out")]) == 2
    assert hint in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_set_into_a_list_the_scenario_does_not_have_says_so():
    with pytest.raises(ScenarioError, match="'management.interventions' is empty here, so it has no item 0"):
        load_scenario("scenarios/default.yaml", ["management.interventions.0.week=3"])


@pytest.mark.parametrize("path, expected", [
    ("scenarios/sweeps/metric_choice.yaml", "valid sweep 'metric_choice' of organisations: 126 points x 5 replicates = 630 runs"),
    ("scenarios/sweeps/market_pressure.yaml", "valid sweep 'market_pressure' of markets: 9 points x 4 replicates = 36 runs"),
    ("scenarios/market/default.yaml", "valid market 'default': 50 firms of 500 employees, 156 weeks, 6 KPI policies"),
])
def test_check_reads_sweep_and_market_files_too(path, expected, capsys):
    assert main(["check", path]) == 0
    assert expected in capsys.readouterr().out


def test_check_of_a_sweep_refuses_set(capsys):
    assert main(["check", "scenarios/sweeps/metric_choice.yaml", "--set", "kpi.strength=1"]) == 2
    assert "a sweep sets values under fixed:" in capsys.readouterr().err


def test_a_misspelt_choice_gets_did_you_mean(tmp_path):
    message = error_of(write(tmp_path, "kpi:\n  regime: token\n"))
    assert "kpi.regime" in message and "(got 'token'). Did you mean 'tokens'?" in message
    assert "Did you mean" not in error_of(write(tmp_path, "kpi:\n  regime: vibes\n"))  # nothing close: no guess


def test_a_percentage_where_a_share_is_expected_gets_the_convention(tmp_path):
    message = error_of(write(tmp_path, "audit:\n  rate: 10\n"))
    assert message.endswith("audit.rate: Input should be less than or equal to 1 (got 10). This is a share: "
                            "0.1 = 10%; did you mean 0.1?")
    message = error_of("scenarios/default.yaml", ["audit.rate=10%"])
    assert "A share is written as a number: 0.1 = 10%; did you mean 0.1?" in message
    assert "(set in --set audit.rate=10%)" in message


def test_a_top_level_interventions_points_to_management(tmp_path):
    message = error_of(write(tmp_path, "interventions:\n  - {week: 3, set: {audit.rate: 0.1}}\n"))
    assert "interventions: unknown key. Did you mean 'management.interventions'? ('interventions' is a key of " \
           "'management:')" in message


def test_the_cli_shows_the_share_hint_on_one_line_and_exit_2():
    proc = subprocess.run([sys.executable, "-m", "sim", "check", "scenarios/default.yaml", "--set", "audit.rate=10%"],
                          capture_output=True, text=True, check=False)
    assert proc.returncode == 2 and "did you mean 0.1?" in proc.stderr and "Traceback" not in proc.stderr
