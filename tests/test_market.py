"""The market model: its mechanisms' known answers, its invariants, the directions the issue asks
for (a race to the bottom under investors who read reported figures; what stops it), determinism,
the errors a market author sees, and the command."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.cli import main
from sim.market import MarketError, load_market, run_market
from sim.market import correction as corrections
from sim.market import imitation, investors, vendor
from sim.market.model import WEEKS_PER_MONTH, initial_policies
from sim.market.schema import Correction, Imitation, Investors
from sim.scenario.io import read_scenario_file

MARKETS = Path(__file__).resolve().parents[1] / "scenarios" / "market"
SMALL = ["firms=12", "weeks=30", "organisation_set={organization.employees: 60}"]


@pytest.fixture(scope="module")
def default():
    return run_market(MARKETS / "default.yaml")


CORRECTION = ["correction.scandal_gap_roi=0.75"]
"""A scandal at a 75-point gap between reported and true ROI (default.yaml: 100, an ASSUMPTION): at the
fitted defaults (the posterior's central draw) dashboards overstate less and the default market's gaps
seldom pass 100 points, so the tests of what a correction does use a threshold that triggers one."""


@pytest.fixture(scope="module")
def corrected():
    return run_market(MARKETS / "default.yaml", overrides=CORRECTION)


@pytest.fixture(scope="module")
def small():
    return run_market(MARKETS / "default.yaml", overrides=SMALL)


# --- known answers of the mechanisms --------------------------------------------------------
def test_investors_remember_with_the_given_half_life() -> None:
    settings = Investors(memory_weeks=4.0)
    credited = np.array([10.0])
    for _ in range(4):
        credited = investors.credit(credited, np.array([0.0]), np.array([0.0]), np.array([0.5]), settings)
    assert credited[0] == pytest.approx(5.0)  # half the old value after one half-life


def test_weight_on_reported_drops_after_the_correction_and_for_revealed_firms() -> None:
    settings = Investors(weight_reported=0.8, weight_reported_after_correction=0.2)
    revealed = np.array([False, True])
    assert investors.weight_on_reported(settings, False, revealed).tolist() == [0.8, 0.0]
    assert investors.weight_on_reported(settings, True, revealed).tolist() == [0.2, 0.0]
    signal = investors.credit(None, np.array([10.0]), np.array([2.0]), np.array([0.8]), settings)
    assert signal[0] == pytest.approx(0.8 * 10 + 0.2 * 2)


def test_proportional_imitation_copies_with_probability_gap_over_scale() -> None:
    n = 20_000
    policy = np.r_[np.zeros(n // 2, int), np.ones(n // 2, int)]
    credited = np.where(policy == 1, 3.0, 0.0)  # policy 1 is better by $3 per employee-week
    rules = Imitation(review_share=1.0, vendor_influence=0.0, scale_usd_per_employee_week=10.0)
    after = imitation.review(policy, credited, None, rules, np.random.default_rng(1))
    worse = policy == 0
    # a firm on policy 0 meets a policy-1 peer with probability ~1/2 and copies it with probability 0.3
    switched = (after[worse] == 1).mean()
    assert switched == pytest.approx(0.5 * 0.3, abs=4 * np.sqrt(0.15 * 0.85 / worse.sum()))
    assert (after[~worse] == 1).all()  # nobody copies a worse peer


def test_vendor_recommends_what_pays_it_most_and_prices_revenue_neutrally() -> None:
    policy = np.array([0, 0, 1, 2])
    paid = np.array([9.0, 11.0, 12.0, 3.0])
    assert vendor.recommended_policy(policy, paid, 4) == 1  # policy 3 has no firm: never recommended
    assert vendor.neutral_price_usd_per_action(1200.0, 400.0) == pytest.approx(3.0)
    with pytest.raises(ValueError):
        vendor.neutral_price_usd_per_action(10.0, 0.0)


def test_correction_triggers_on_scandals_or_its_week() -> None:
    rule = Correction(scandals_to_trigger=3)
    assert not corrections.triggered(50, 2, rule) and corrections.triggered(50, 3, rule)
    assert corrections.triggered(10, 0, Correction(week=10, scandals_to_trigger=None))
    assert not corrections.triggered(500, 99, Correction(scandals_to_trigger=None))
    revealed = np.array([True, True, False])
    scandal = corrections.scandals(revealed, np.array([2.5, 1.2, 9.0]), np.array([0.5, 0.4, 0.0]), rule)
    assert scandal.tolist() == [True, False, False]  # a gap of 2.0 > 1.0; 0.8 is not; unrevealed never


def test_initial_policies_follow_the_shares_exactly() -> None:
    found = initial_policies(np.array([0.3, 0.2, 0.5]), 50, np.random.default_rng(0))
    assert np.bincount(found).tolist() == [15, 10, 25]


# --- invariants -------------------------------------------------------------------------------
def test_industry_totals_add_up(small) -> None:
    industry, firms = small.industry, small.firms
    per_week = firms.groupby("week")[["ai_spend_usd", "wasted_spend_usd", "co2_kg", "employees"]].sum()
    np.testing.assert_allclose(industry.set_index("week")[per_week.columns], per_week, rtol=1e-12)
    vendor_lines = industry[[f"vendor_{k}_usd" for k in vendor.REVENUE_LINES]].sum(axis=1)
    np.testing.assert_allclose(vendor_lines, firms.groupby("week")[["licence_cost_usd", "usage_spend_usd"]].sum().sum(axis=1),
                               rtol=1e-12)
    counts = industry[[c for c in industry if c.startswith("firms_on_")]].sum(axis=1)
    assert (counts == 12).all()
    assert industry["gaming_share"].between(0, 1).all()


def test_measurement_cost_is_the_policy_price_per_employee_week(small) -> None:
    prices = {p.name: p.measurement_usd_per_employee_month for p in small.loaded.market.policies}
    expected = small.firms["policy"].astype(str).map(prices) / WEEKS_PER_MONTH * small.firms["employees"]
    np.testing.assert_allclose(small.firms["measurement_cost_usd"], expected)


def test_switching_policy_restores_the_keys_the_new_policy_leaves_alone() -> None:
    data = read_scenario_file(MARKETS / "default.yaml")
    data["policies"][0]["set"] = {"kpi.regime": "tokens", "audit.rate": 0.2}
    loaded = load_market(data, base_dir=MARKETS)
    changes = loaded.changes_for("no_kpi")
    assert changes["audit.rate"] == loaded.base.audit.rate and changes["kpi.regime"] == loaded.base.kpi.regime
    assert changes["kpi.strength"] == 0.0


def test_determinism_and_seeds(small) -> None:
    again = run_market(MARKETS / "default.yaml", overrides=SMALL)
    pd.testing.assert_frame_equal(small.industry, again.industry)
    other = run_market(MARKETS / "default.yaml", seed=7, overrides=SMALL)
    assert not small.firms["true_value_usd"].equals(other.firms["true_value_usd"])


# --- the directions the issue asks for --------------------------------------------------------
def test_investors_reading_reported_figures_drive_a_race_to_the_bottom(default) -> None:
    """One world (seed 42; the claims over seeds are in test_market_claims.py): inflating firms are
    credited above honest ones, the more so the more investors read reported figures."""
    s = default.summary
    assert s["inflating_policies"] == ["tokens", "queries"]
    assert s["inflating_share_peak"] >= s["inflating_share_start"] + 0.1
    honest = run_market(MARKETS / "honest_investors.yaml").summary
    lead = s["credited_inflating_before_usd"] - s["credited_honest_before_usd"]
    assert 0 < honest["credited_inflating_before_usd"] - honest["credited_honest_before_usd"] < lead


def test_honest_firms_are_valued_below_before_the_correction_and_above_after(corrected) -> None:
    s = corrected.summary
    assert s["correction_week"] is not None
    assert s["credited_honest_before_usd"] < s["credited_inflating_before_usd"]
    assert s["credited_honest_after_usd"] > s["credited_inflating_after_usd"]


def test_value_based_pricing_and_corrections_shrink_the_race(default) -> None:
    end = default.summary["inflating_share_end"]
    priced = run_market(MARKETS / "value_pricing.yaml").summary
    assert priced["price_usd_per_action"] > 0 and priced["inflating_share_end"] <= end
    never = run_market(MARKETS / "no_correction.yaml").summary
    # with one opportunity cost no dashboard overstates ROI by the 100-point scandal gap: the correction at a week
    early = run_market(MARKETS / "early_audits.yaml", overrides=["correction.week=26"]).summary
    assert never["correction_week"] is None and early["correction_week"] == 26
    assert early["inflating_share_end"] < never["inflating_share_end"]


@pytest.mark.slow
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_directions_hold_for_other_seeds(seed: int) -> None:
    # a correction by week 78 at the latest (scandals may bring it earlier): the test is of what it does
    s = run_market(MARKETS / "default.yaml", seed=seed, overrides=[*CORRECTION, "correction.week=78"]).summary
    never = run_market(MARKETS / "no_correction.yaml", seed=seed).summary
    assert never["inflating_share_peak"] > never["inflating_share_start"]  # the race, left alone
    assert s["policy_shares_end"]["tokens"] <= never["policy_shares_end"]["tokens"]  # the correction does not feed it
    assert s["credited_inflating_before_usd"] > s["credited_honest_before_usd"]
    assert s["correction_week"] is not None
    after = s["credited_by_policy_after_usd"]
    assert after["tokens"] < s["credited_honest_after_usd"]  # the most inflating policy falls below honest firms


# --- errors and the command -------------------------------------------------------------------
@pytest.mark.parametrize("overrides, needles", [
    (["investors.weight_reportd=0.5"], ["investors.weight_reportd", "Did you mean 'weight_reported'"]),
    (["investors.weight_reported=1.5"], ["investors.weight_reported", "less than or equal to 1"]),
    (["policies=[{name: a, set: {kpi.regime: nonsense}, share: 1}]"], ["policies.0.set (a)", "kpi.regime"]),
    (["policies=[{name: a, set: {pricing.usd_per_action: 1}, share: 1}]"], ["policies.0.set", "pricing is the vendor's"]),
    (["organisation=missing.yaml"], ["organisation", "missing.yaml"]),
    (["policies=[]"], ["policies"]),
])
def test_bad_markets_name_the_key_and_what_is_allowed(overrides, needles) -> None:
    with pytest.raises(MarketError) as error:
        load_market(MARKETS / "default.yaml", overrides)
    for needle in needles:
        assert needle in str(error.value)


def test_command_writes_results_and_report(tmp_path, capsys) -> None:
    out = tmp_path / "market"
    assert main(["market", str(MARKETS / "default.yaml"), "--out", str(out), *sum((["--set", o] for o in SMALL), [])]) == 0
    printed = capsys.readouterr().out
    assert f"report: {out / 'report.html'}" in printed and "firms on inflating policies" in printed
    for name in ("summary.json", "industry.parquet", "industry.csv", "firms.parquet", "events.json", "market.yaml",
                 "metadata.json", "report.html", "figures/policy_shares.png", "figures/vendor_revenue.png"):
        assert (out / name).is_file(), name
    assert pd.read_parquet(out / "firms.parquet")["firm"].nunique() == 12
    html = (out / "report.html").read_text(encoding="utf-8")
    assert html.count("<figure") == 6 and "What the numbers say" in html and "Claims over 8 seeds" in html


def test_command_errors_exit_2_without_a_traceback(tmp_path, capsys) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("firms: 10\npolicies: [{name: a, set: {kpi.strength: 1}, share: 1}]\nbogus: 1\n")
    assert main(["market", str(bad), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert "bogus" in err and "Traceback" not in err
    assert not (tmp_path / "out").exists()


def test_every_market_column_is_in_the_data_dictionary(small) -> None:
    from sim.dictionary import DICTIONARY

    for frame in (small.industry, small.firms):
        for column in frame.columns:
            name = "firms_on_<policy>" if column.startswith("firms_on_") else column
            assert name in DICTIONARY, column


# --- sweeps over market keys ---------------------------------------------------------------

def _market_sweep(**changes) -> dict:
    spec = {
        "name": "market_sweep", "base": "default.yaml", "replicates": 2, "seed": 3,
        "fixed": {"firms": 6, "weeks": 26, "organisation_set.organization.employees": 40},
        "parameters": {"investors.weight_reported": {"values": [0.2, 0.9]}}, "design": {"kind": "grid"},
    }
    return {**spec, **changes}


def test_a_market_sweep_runs_each_point_as_run_market_would(tmp_path) -> None:
    from sim.dictionary import MARKET_SUMMARY
    from sim.market.io import apply_market_changes
    from sim.market.run import summary_row
    from sim.sweep import load_spec, run_sweep

    loaded = load_spec(_market_sweep(), base_dir=MARKETS)
    assert loaded.kind == "market" and loaded.base.market.firms == 6
    outcome = run_sweep(loaded, executor="sequential", out=tmp_path / "sweep", progress=False)
    table = outcome.table
    assert len(table) == 4 and (table["status"] == "ok").all()
    assert set(MARKET_SUMMARY) <= set(table.columns)
    assert table["scandals"].dtype == "int64" and table["inflating_policies"].notna().all()
    assert (tmp_path / "sweep" / "base_market.yaml").is_file() and (tmp_path / "sweep" / "base_scenario.yaml").is_file()
    from sim.sweep.report import write_report

    page = write_report(tmp_path / "sweep")[0].read_text(encoding="utf-8")
    assert "runs of markets like default.yaml" in page and "firms on inflating KPIs at the end (%)" in page
    assert "The share of firms on inflating KPI policies at the end is lowest" in page
    row = table.iloc[3]  # weight 0.9, replicate 1
    market = apply_market_changes(loaded.base, {"investors.weight_reported": 0.9}, origin="test")
    expected = summary_row(run_market(market, seed=int(row["seed"])).summary)
    for name, value in expected.items():
        if value is None or (isinstance(value, float) and value != value):
            assert pd.isna(row[name]), name
        elif isinstance(value, str):
            assert row[name] == value, name
        else:
            assert row[name] == pytest.approx(value, rel=1e-12), name


def test_market_sweeps_reach_policies_by_name_and_refuse_unknown_keys() -> None:
    from sim.sweep import SweepError, load_spec

    loaded = load_spec(_market_sweep(parameters={"policies.tokens.share": {"values": [0.0, 0.6]},
                                                 "policies.0.set.kpi.strength": {"values": [0.5, 1.5]}}),
                       base_dir=MARKETS)
    point = loaded.apply({"policies.tokens.share": 0.6, "policies.0.set.kpi.strength": 1.5}, origin="test")
    assert point.market.policies[0].share == 0.6 and point.scenarios["tokens"].kpi.strength == 1.5
    with pytest.raises(SweepError, match="investors.*weight_reportd"):
        load_spec(_market_sweep(parameters={"investors.weight_reportd": {"values": [0.1, 0.2]}}), base_dir=MARKETS)
    with pytest.raises(SweepError, match="no such policy.*tokens, queries"):
        load_spec(_market_sweep(parameters={"policies.bogus.share": {"values": [0.1, 0.2]}}), base_dir=MARKETS)
    with pytest.raises(SweepError, match="weight_reported"):
        load_spec(_market_sweep(parameters={"investors.weight_reported": {"values": [0.2, 1.5]}}), base_dir=MARKETS)


def test_value_pricing_with_nothing_to_price_keeps_token_billing_and_says_so():
    """No downstream actions before the switch: no revenue-neutral price exists, so the vendor keeps
    billing per token (an event says why) instead of failing the run."""
    from sim.market.run import run_market

    no_actions = [f"organisation_set.usage.{kind}.action_rate=0" for kind in ("genuine", "performative", "script")]
    result = run_market("scenarios/market/default.yaml", seed=1, overrides=[
        "firms=3", "weeks=14", "organisation_set.organization.employees=20", "vendor.value_based_from_week=5",
        *no_actions])
    assert result.summary["price_usd_per_action"] is None
    assert any(week == 5 and "keeps billing per token" in text for week, text in result.events)


@pytest.mark.parametrize("change", ["vendor.value_based_from_week=157", "correction.week=1000000000000"])
def test_market_weeks_after_the_run_are_refused(change):
    """A switch or correction after the last week would never happen (and broke the charts' labels)."""
    from sim.market.io import MarketError, load_market

    with pytest.raises(MarketError, match=r"is after the run's last week \(156\); allowed: 1..156, or empty for never"):
        load_market("scenarios/market/default.yaml", [change])


def test_the_race_is_also_measured_on_true_value():
    """Brief 11.6: the report says whether firms moved to policies of lower true ROI, with figures
    that follow from the firms table (the policies held first and last, the moves and their direction)."""
    from sim.market.run import policy_gaps, run_market

    result = run_market("scenarios/market/default.yaml", overrides=["firms=12", "weeks=52", "organisation_set.organization.employees=60"])
    s = result.summary
    true_roi = policy_gaps(result.firms)["roi_true"]
    firms = result.firms
    last = firms[firms["week"] == firms["week"].max()]["policy"].astype(str)
    assert s["policy_true_roi_end"] == pytest.approx(float(last.map(lambda p: true_roi[p]).mean()))
    assert s["policy_moves"] >= 0 and (s["policy_moves"] == 0 or 0 <= s["moves_to_lower_true_roi_share"] <= 1)
