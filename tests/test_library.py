"""Every scenario in scenarios/ runs and shows the direction of effect its comments document."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import sim
from sim.scenario.io import read_yaml
from sim.scenario.sources import SALESFORCE_ACTION_SHARE

LIBRARY = Path(__file__).resolve().parents[1] / "scenarios"
SEEDS = (1, 2, 3)
FILES = sorted(LIBRARY.glob("*.yaml")) + sorted((LIBRARY / "experiments").glob("*.yaml"))


def summary(name: str, seed: int, *overrides: str) -> dict:
    return sim.run(LIBRARY / f"{name}.yaml", seed=seed, overrides=list(overrides)).summary


def performative_share(ts, weeks) -> float:
    part = ts[ts["week"].isin(weeks)]
    return float(part["performative_hours"].sum() / (part["genuine_hours"].sum() + part["performative_hours"].sum()))


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_every_scenario_runs_and_is_documented(path):
    result = sim.run(path, seed=1)
    assert len(result.timeseries) == result.scenario.weeks
    assert 0.0 <= result.summary["performative_share"] <= 1.0
    assert result.scenario.description.strip(), f"{path.name} has no description for `tokenmaxx list`"
    assert path.read_text().lstrip().startswith("#"), f"{path.name} should open with a comment explaining it"


@pytest.mark.parametrize(
    "name", ["organic", "outcome", "mitigation_audits", "mitigation_detection", "mitigation_action_linked",
             "mitigation_regime_switch"],
)
@pytest.mark.parametrize("seed", SEEDS)
def test_variant_has_less_performative_use_than_the_scenario_it_extends(name, seed):
    parent = Path(read_yaml(LIBRARY / f"{name}.yaml")["extends"]).stem
    assert parent == "amazon"
    assert summary(name, seed)["performative_share"] < summary(parent, seed)["performative_share"]


@pytest.mark.parametrize("seed", SEEDS)
def test_outcome_kpi_raises_true_roi_over_the_token_quota(seed):
    assert summary("outcome", seed)["roi_true"] > summary("amazon", seed)["roi_true"]


@pytest.mark.parametrize("name", ["mitigation_audits", "mitigation_detection"])
def test_enforcement_flags_some_honest_employees(name):
    assert all(summary(name, seed)["honest_employees_ever_flagged"] > 0 for seed in SEEDS)
    assert all(summary("amazon", seed)["honest_employees_ever_flagged"] == 0 for seed in SEEDS)


@pytest.mark.parametrize("seed", SEEDS)
def test_value_pricing_changes_what_is_paid_for_not_behaviour(seed):
    priced, base = summary("mitigation_value_pricing", seed), summary("amazon", seed)
    assert priced["performative_share"] == pytest.approx(base["performative_share"], rel=1e-12)
    assert priced["wasted_spend_share"] < base["wasted_spend_share"] / 2


def test_salesforce_reproduces_thirty_percent_of_interactions_with_an_action():
    shares = [s["actions"] / s["queries"] for s in (summary("salesforce", seed) for seed in SEEDS)]
    assert np.mean(shares) == pytest.approx(SALESFORCE_ACTION_SHARE, abs=0.03)  # as the calibration measures it
    assert all(abs(share - SALESFORCE_ACTION_SHARE) < 0.05 for share in shares)


@pytest.mark.parametrize("name", ["jasper", "mitigation_regime_switch"])
@pytest.mark.parametrize("seed", SEEDS)
def test_mid_run_regime_switch_cuts_performative_use(name, seed):
    result = sim.run(LIBRARY / f"{name}.yaml", seed=seed)
    (switch,) = result.scenario.management.interventions
    weeks = result.timeseries["week"]
    before = performative_share(result.timeseries, weeks[weeks < switch.week])
    after = performative_share(result.timeseries, weeks[weeks >= switch.week])
    assert after < before / 2
    assert result.summary["final_kpi_regime"] != result.scenario.kpi.regime


@pytest.mark.parametrize("seed", SEEDS)
def test_microsoft_active_user_kpi_raises_active_users_and_licences_dominate_spend(seed):
    with_kpi = sim.run(LIBRARY / "microsoft.yaml", seed=seed)
    without = sim.run(LIBRARY / "microsoft.yaml", seed=seed, overrides=["kpi.strength=0"])

    def active_share(result) -> float:
        ts = result.timeseries
        return float((ts["active_users"] / ts["employees"]).mean())

    assert active_share(with_kpi) > active_share(without)
    s = with_kpi.summary
    assert s["licence_cost_usd"] > 0.5 * s["ai_spend_usd"]


def test_microsoft_licences_are_the_seed_tables_monthly_cost():
    scenario = sim.load_scenario(LIBRARY / "microsoft.yaml")
    from sim.scenario.sources import COPILOT_M365_USD_PER_USER_MONTH

    assert scenario.pricing.licence_usd_per_user_month == COPILOT_M365_USD_PER_USER_MONTH
    result = sim.run(scenario)
    months = scenario.weeks * 12 / 52
    expected = scenario.organization.employees * COPILOT_M365_USD_PER_USER_MONTH * months
    assert result.summary["licence_cost_usd"] == pytest.approx(expected)


def test_amazon_is_the_seed_case():
    scenario = sim.load_scenario(LIBRARY / "amazon.yaml")
    from sim.scenario import sources

    assert scenario.kpi.regime == "tokens" and scenario.kpi.scheme == "quota"
    assert scenario.kpi.target == sources.AMAZON_TOKENS_PER_ENGINEER_WEEK
    assert scenario.organization.employees == 100
    assert scenario.pricing.input_usd_per_mtok == sources.CLAUDE_35_SONNET_INPUT_USD_PER_MTOK
    assert np.isfinite(sim.run(scenario).summary["roi_true"])


@pytest.mark.parametrize("seed", SEEDS)
def test_claim_checks_cut_over_claims_but_not_the_honest_perception_gap(seed):
    plain, checked = summary("time_saved", seed), summary("mitigation_claim_checks", seed)
    assert plain["misreported_hours"] > 0 and checked["misreported_hours"] < 0.5 * plain["misreported_hours"]
    honest = checked["claimed_hours_saved"] - checked["misreported_hours"]
    assert honest > checked["true_hours_saved"]  # checks catch lies, not optimism
    assert checked["roi_reported"] < plain["roi_reported"]


def test_the_ratchet_fires_in_the_scenario_that_claims_it():
    ts = sim.run(LIBRARY / "amazon_ratchet.yaml").timeseries
    assert ts["kpi_target"].iloc[-1] > ts["kpi_target"].iloc[0] == 50_000
    assert ts["kpi_target"].nunique() >= 2
