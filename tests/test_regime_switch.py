"""A KPI regime switch takes the new regime's default target unless it names one (issue 27: a
50,000-token target kept as 50,000 actions a week ended all reward and flipped the conclusion);
`check` and `run` warn about a target no employee can reach."""

from __future__ import annotations

import subprocess
import sys

import pytest

from sim.engine.management import regime_periods, target_warnings
from sim.engine.model import OrganisationModel
from sim.scenario.io import load_scenario
from tests.conftest import scenario_dict

README_SWITCH = """\
name: my-org
weeks: 30
seed: 42
organization: {employees: 200, team_size: 10, cross_team_ties: 2}
kpi: {regime: tokens, scheme: quota, strength: 1.0, target: 50000}
management:
  interventions:
    - {week: 16, set: {kpi.regime: action_linked}}
"""


def _run(data: dict) -> OrganisationModel:
    model = OrganisationModel(load_scenario(data))
    model.run()
    return model


def switch(changes: dict, **paths) -> dict:
    settings = {"organization__employees": 150, "weeks": 20, "kpi__strength": 1.5, "kpi__scheme": "quota",
                "kpi__target": 50_000.0, "management__interventions": [{"week": 11, "set": changes}]}
    return scenario_dict(**{**settings, **paths})


def test_a_scheduled_switch_without_a_target_takes_the_new_regimes_default() -> None:
    implicit = _run(switch({"kpi.regime": "action_linked"}))
    explicit = _run(switch({"kpi.regime": "action_linked", "kpi.target": 30.0}))
    assert implicit.management.target == 30.0
    assert implicit.records == explicit.records  # exactly the run with the default target written out
    reached = [row["target_reached_share"] for row in implicit.records]
    assert max(reached[10:]) > 0.2  # employees reach the action target after the switch
    assert implicit.policy_changes[0].describe() == "kpi.regime tokens -> action_linked, kpi.target 50000 -> default"


def test_an_explicit_target_in_the_same_change_wins() -> None:
    model = _run(switch({"kpi.regime": "action_linked", "kpi.target": 12.0}))
    assert model.management.target == 12.0
    assert [row["kpi_target"] for row in model.records][-1] == 12.0


def test_a_live_change_of_regime_resets_the_target_too() -> None:
    model = OrganisationModel(load_scenario(switch({"audit.rate": 0.1})))
    for _ in range(3):
        model.step()
    model.change_policy({"kpi__regime": "queries"})  # the keyword spelling as well
    assert model.policy.kpi.target is None and model.management.target == 50.0
    model.change_policy({"audit.rate": 0.2})  # another key leaves the target alone
    assert model.management.target == 50.0


def test_regime_periods_follow_the_interventions() -> None:
    scenario = load_scenario(switch({"kpi.regime": "action_linked"}))
    assert [(a, b, p.kpi.regime, p.kpi.resolved_target) for a, b, p in regime_periods(scenario)] == [
        (1, 10, "tokens", 50_000.0), (11, 20, "action_linked", 30.0)]
    assert target_warnings(scenario) == []


def test_an_unreachable_target_is_a_warning_naming_the_weeks() -> None:
    scenario = load_scenario(switch({"kpi.regime": "action_linked", "kpi.target": 5_000.0}))
    [line] = target_warnings(scenario)
    assert line.startswith("weeks 11-20: kpi.target 5,000 actions per employee-week")
    assert "default target is 30" in line


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "sim", *args], capture_output=True, text=True, check=False)


def test_check_warns_when_set_moves_the_regime_under_a_kept_target(tmp_path) -> None:
    path = tmp_path / "switch.yaml"
    path.write_text(README_SWITCH)
    quiet = _cli("check", str(path))
    assert quiet.returncode == 0 and quiet.stderr == ""
    loud = _cli("check", str(path), "--set", "kpi.regime=action_linked")
    assert loud.returncode == 0 and loud.stdout.startswith("ok:")
    assert loud.stderr.startswith(f"warning: {path}: weeks 1-30: kpi.target 50,000 actions per employee-week")
    assert "so the KPI steers no one" in loud.stderr and "Traceback" not in loud.stderr


def test_kpi_inflation_is_per_regime_period_never_tokens_plus_actions() -> None:
    import sim
    from sim.metrics import kpi_periods
    from sim.report.findings import cost_working
    from sim.report.headlines import run_headlines

    result = sim.run(switch({"kpi.regime": "action_linked"}))
    ts = result.timeseries
    before, after = ts[ts["week"] <= 10], ts[ts["week"] >= 11]
    ratio_before = before["reported_kpi"].sum() / before["genuine_kpi"].sum()
    ratio_after = after["reported_kpi"].sum() / after["genuine_kpi"].sum()
    assert ratio_before > 1.2 and abs(ratio_after - 1) < 0.05  # gamed tokens, then (almost) honest actions
    assert result.summary["kpi_inflation"] == pytest.approx((10 * ratio_before + 10 * ratio_after) / 20)
    pooled = ts["reported_kpi"].sum() / ts["genuine_kpi"].sum()
    assert abs(result.summary["kpi_inflation"] - pooled) > 0.05  # not the sum of tokens and actions
    periods = kpi_periods(ts)
    assert [(p.regime, p.first_week, p.last_week) for p in periods] == [("tokens", 1, 10), ("action_linked", 11, 20)]
    assert sum(p.reported_value_usd for p in periods) == pytest.approx(result.summary["reported_value_usd"])
    detail = dict(run_headlines(result.summary, result.scenario, ts))["KPI inflation"]
    assert f"tokens, weeks 1-10: ×{ratio_before:.2f}" in detail and "action_linked, weeks 11-20: ×1.0" in detail
    working = "\n".join(cost_working(result.summary, result.scenario, ts))
    assert "weeks 1-10, " in working and " actions x $" in working
    assert "over the 10 weeks under the token KPI" in working


def test_one_regime_keeps_the_plain_ratio() -> None:
    import sim

    result = sim.run(scenario_dict(organization__employees=100, weeks=8, kpi__strength=1.5))
    ts = result.timeseries
    assert result.summary["kpi_inflation"] == pytest.approx(ts["reported_kpi"].sum() / ts["genuine_kpi"].sum())


def test_the_readme_scenario_switches_to_a_reachable_target_and_says_so() -> None:
    """The README's example scenario, as written: after the week-26 switch employees reach the
    action target, and the run is what the same file with the default target written out gives."""
    import re
    from pathlib import Path

    import sim

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    block = next(b for b in re.findall(r"```yaml\n(.*?)```", readme, re.S) if "interventions" in b)
    import yaml

    data = yaml.safe_load(block)
    assert data["kpi"]["target"] == 50_000 and data["management"]["interventions"][0]["set"] == {
        "kpi.regime": "action_linked"}  # the pattern that kept 50,000 as actions
    as_written = sim.run(data)
    explicit = yaml.safe_load(block.replace("{kpi.regime: action_linked}", "{kpi.regime: action_linked, kpi.target: 30}"))
    assert as_written.timeseries.equals(sim.run(explicit).timeseries)
    after = as_written.timeseries[as_written.timeseries["week"] >= 26]
    assert (after["kpi_target"] == 30).all() and after["target_reached_share"].mean() > 0.3
    assert target_warnings(load_scenario(data)) == []


def test_the_report_says_the_target_became_the_new_regimes_default() -> None:
    import sim
    from sim.report.findings import intervention_findings

    result = sim.run(switch({"kpi.regime": "action_linked"}))
    [line] = intervention_findings(result.scenario, result.timeseries)
    assert line.startswith("From week 11 the policy changed (kpi.regime = action_linked; the target became that "
                           "regime's default, 30 actions a week)")
    explicit = sim.run(switch({"kpi.regime": "action_linked", "kpi.target": 12.0}))
    assert "default" not in intervention_findings(explicit.scenario, explicit.timeseries)[0]


def test_check_of_a_sweep_warns_about_points_no_one_can_reach(tmp_path) -> None:
    from pathlib import Path

    library = Path(__file__).resolve().parents[1] / "scenarios"
    spec = tmp_path / "regimes.yaml"
    spec.write_text(f"name: regimes\nbase: {library / 'amazon.yaml'}\n"
                    "parameters:\n  kpi.regime: {values: [tokens, action_linked, queries]}\ndesign: {kind: grid}\n")
    proc = _cli("check", str(spec))
    assert proc.returncode == 0 and proc.stdout.startswith("ok:")
    assert proc.stderr.startswith(f"warning: {spec}: 2 of 3 points have a KPI target no one can reach (point 1, "
                                  "weeks 1-52: kpi.target 50,000 actions per employee-week")


def test_run_warns_too_and_still_runs(tmp_path) -> None:
    path = tmp_path / "switch.yaml"
    path.write_text(README_SWITCH)
    proc = _cli("run", str(path), "--set", "kpi.regime=queries", "--set", "weeks=20", "--set", "organization.employees=30",
                "--out", str(tmp_path / "out"))
    assert proc.returncode == 0 and (tmp_path / "out" / "report.html").is_file()
    assert proc.stderr.startswith(f"warning: {path}: weeks 1-15: kpi.target 50,000 queries per employee-week")
