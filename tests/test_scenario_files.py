"""Scenario files: `extends:` chains, and the errors a YAML author sees (point 6 of issue 3)."""

from __future__ import annotations

from pathlib import Path

import pytest

from sim.cli import main
from sim.scenario.io import ScenarioError, load_scenario


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_extends_deep_merges_and_the_file_wins(tmp_path):
    write(tmp_path, "base.yaml", "name: base\nweeks: 7\nkpi: {regime: queries, strength: 2}\naudit: {rate: 0.1}\n")
    child = write(tmp_path, "child.yaml", "extends: base.yaml\nkpi: {strength: 3}\n")
    scenario = load_scenario(child)
    assert scenario.weeks == 7
    assert scenario.kpi.regime == "queries"  # kept from the parent's kpi section
    assert scenario.kpi.strength == 3  # the child's own value wins
    assert scenario.audit.rate == 0.1
    assert scenario.name == "child"  # the name is not inherited


def test_extends_chains_and_paths_are_relative_to_the_file(tmp_path):
    write(tmp_path, "a.yaml", "weeks: 5\nseed: 9\n")
    write(tmp_path, "sub/b.yaml", "extends: ../a.yaml\nweeks: 6\n")
    c = write(tmp_path, "sub/deeper/c.yaml", "extends: ../b.yaml\norganization: {employees: 12}\n")
    scenario = load_scenario(c)
    assert (scenario.weeks, scenario.seed, scenario.organization.employees) == (6, 9, 12)


def test_extends_replaces_lists_and_distributions_whole(tmp_path):
    write(tmp_path, "a.yaml", "behavior: {speedup: {dist: normal, mean: 0.2, sd: 0.1}}\n"
          "management: {interventions: [{week: 2, set: {audit.rate: 0.1}}, {week: 3, set: {audit.rate: 0.2}}]}\n")
    b = write(tmp_path, "b.yaml", "extends: a.yaml\nbehavior: {speedup: {dist: uniform, low: 0, high: 1}}\n"
              "management: {interventions: [{week: 4, set: {audit.rate: 0.3}}]}\n")
    scenario = load_scenario(b)
    assert scenario.behavior.speedup.dist == "uniform"
    assert [i.week for i in scenario.management.interventions] == [4]


def test_overrides_apply_after_extends(tmp_path):
    write(tmp_path, "a.yaml", "weeks: 5\n")
    b = write(tmp_path, "b.yaml", "extends: a.yaml\n")
    assert load_scenario(b, ["weeks=8"]).weeks == 8


def test_extends_cycle_is_a_clear_error(tmp_path):
    write(tmp_path, "a.yaml", "extends: b.yaml\n")
    write(tmp_path, "b.yaml", "extends: c.yaml\n")
    write(tmp_path, "c.yaml", "extends: a.yaml\n")
    with pytest.raises(ScenarioError, match="cycle") as err:
        load_scenario(tmp_path / "a.yaml")
    message = str(err.value)
    assert all(name in message for name in ("a.yaml", "b.yaml", "c.yaml"))


def test_extends_missing_file_names_it(tmp_path):
    b = write(tmp_path, "b.yaml", "extends: nowhere.yaml\n")
    with pytest.raises(ScenarioError, match="nowhere.yaml"):
        load_scenario(b)


def test_extends_must_be_a_path(tmp_path):
    b = write(tmp_path, "b.yaml", "extends: [a.yaml]\n")
    with pytest.raises(ScenarioError, match="extends"):
        load_scenario(b)


def test_yaml_syntax_error_points_at_the_bad_line(tmp_path):
    bad = write(tmp_path, "bad.yaml", "weeks: 5\nseed: 1\nkpi: regime: tokens\n")  # second ':' on line 3
    with pytest.raises(ScenarioError, match=r"line 3, column 12"):
        load_scenario(bad)


def test_unknown_key_in_an_extended_file_is_reported(tmp_path):
    write(tmp_path, "a.yaml", "audit: {rte: 0.1}\n")
    b = write(tmp_path, "b.yaml", "extends: a.yaml\n")
    with pytest.raises(ScenarioError, match="Did you mean 'rate'"):
        load_scenario(b)


@pytest.mark.parametrize("command", ["run", "check", "show"])
def test_cli_errors_exit_2_with_a_message_not_a_traceback(tmp_path, capsys, command):
    bad = write(tmp_path, "bad.yaml", "organization:\n  employes: 10\n")
    assert main([command, str(bad)]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert "organization.employes" in err and "Did you mean 'employees'" in err


def test_cli_yaml_syntax_error_exit_2(tmp_path, capsys):
    bad = write(tmp_path, "bad.yaml", "weeks: [5\n")
    assert main(["check", str(bad)]) == 2
    assert "line " in capsys.readouterr().err
