"""A market that corrects (model brief 11.6): investors' trust learned from audits, firms valuing
peers as their own investors would, scandals raising every firm's audit hazard, and the claims over
seeds (known answers, invariants, determinism, the errors a user sees)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.cli import main
from sim.market import MarketError, load_market, run_market
from sim.market import imitation, investors
from sim.market.claims import claims_from, run_claims
from sim.market.schema import Imitation, Investors

MARKETS = Path(__file__).resolve().parents[1] / "scenarios" / "market"
TINY = ["firms=6", "weeks=52", "organisation_set.organization.employees=40"]


# --- known answers -----------------------------------------------------------------------------
def test_trust_is_a_beta_mean_moved_by_what_audits_find() -> None:
    trust = investors.Trust.prior(Investors(weight_reported=0.8, prior_audits=4.0))
    assert trust.weight == pytest.approx(0.8)
    # one firm whose dashboard was half true, one that reported nothing (nothing overstated), one
    # whose truth beat its dashboard (capped at 1)
    trust.learn(np.array([100.0, 0.0, 50.0]), np.array([50.0, 10.0, 80.0]))
    assert trust.weight == pytest.approx((3.2 + 0.5 + 1.0 + 1.0) / 7.0)
    assert investors.Trust.prior(Investors()) is None  # fixed weights by default


def test_learned_trust_replaces_the_fixed_weights_for_unaudited_firms() -> None:
    settings = Investors(weight_reported=0.8, weight_reported_after_correction=0.2, prior_audits=4.0)
    revealed = np.array([True, False])
    assert investors.weight_on_reported(settings, True, revealed, trust=0.6).tolist() == [0.0, 0.6]
    assert investors.weight_on_reported(settings, True, revealed).tolist() == [0.0, 0.2]


def _valued(weight: float, exposed: bool = False) -> imitation.Valued:
    # firm 0 looks at firm 1: firm 1 reports $30 more per employee-week but is $20 worse in truth
    return imitation.Valued(reported=np.array([0.0, 30.0]), true=np.array([20.0, 0.0]),
                            weight_reported=np.array([weight, weight]), exposed=np.array([exposed, exposed]))


@pytest.mark.parametrize("weight, copies", [(1.0, True), (0.0, False)])
def test_a_firm_values_its_peer_as_its_own_investors_would(weight: float, copies: bool) -> None:
    settings = Imitation(review_share=1.0, vendor_influence=0.0, scale_usd_per_employee_week=10.0,
                         valuation="own_investors")
    after = imitation.review(np.array([0, 1]), np.zeros(2), None, settings, np.random.default_rng(1), _valued(weight))
    assert bool(after[0] == 1) is copies  # read on its dashboard it copies; credited on its truth it stays
    assert bool(after[1] == 0) is not copies  # firm 1, the mirror image: better in truth, worse on its dashboard
    credited = Imitation(review_share=1.0, vendor_influence=0.0, scale_usd_per_employee_week=10.0)
    same = imitation.review(np.array([0, 1]), np.array([0.0, 30.0]), None, credited, np.random.default_rng(1),
                            _valued(0.0))
    assert same[0] == 1  # `credited` ignores what its own investors would see


def test_an_exposed_firm_reviews_even_when_no_one_else_does() -> None:
    settings = Imitation(review_share=0.0, vendor_influence=0.0, scale_usd_per_employee_week=10.0,
                         valuation="own_investors")
    valued = imitation.Valued(reported=np.array([0.0, 0.0]), true=np.array([0.0, 50.0]),
                              weight_reported=np.zeros(2), exposed=np.array([True, False]))
    after = imitation.review(np.array([0, 1]), np.zeros(2), None, settings, np.random.default_rng(2), valued)
    assert after.tolist() == [1, 1]


def test_each_scandal_raises_every_firms_audit_hazard() -> None:
    """Brief 11.5, a scandal elsewhere: before the correction each scandal adds scandal_scrutiny to
    every firm's base rate (the firms start at the organisation's 0.05)."""
    result = run_market(MARKETS / "default.yaml", seed=3, overrides=[*TINY, "weeks=156", "correction.scandal_scrutiny=0.1",
                                                                     "correction.scandals_to_trigger=null",
                                                                     "correction.audit_share_per_review=0.5"])
    scandals = result.summary["scandals"]
    assert scandals > 0
    for firm in result.model.firms:
        rate = result.model.engine.policy(firm.index).management.roi_audit.base_rate
        assert rate == pytest.approx(0.05 + 0.1 * scandals)


# --- errors ------------------------------------------------------------------------------------
def test_scandal_scrutiny_needs_firms_whose_finance_has_a_hazard() -> None:
    with pytest.raises(MarketError) as error:
        load_market(MARKETS / "default.yaml", ["organisation=../default.yaml", "correction.scandal_scrutiny=0.1"])
    message = str(error.value)
    assert "correction.scandal_scrutiny" in message and "management.roi_audit.scrutiny" in message
    assert "allowed: 0" in message


@pytest.mark.parametrize("change, needle", [("imitation.valuation=truth", "imitation.valuation"),
                                            ("investors.prior_audits=0", "investors.prior_audits"),
                                            ("correction.scandal_scrutiny=-1", "correction.scandal_scrutiny")])
def test_bad_new_market_keys_name_the_key(change: str, needle: str) -> None:
    with pytest.raises(MarketError, match=needle):
        load_market(MARKETS / "default.yaml", [change])


def test_one_seed_is_refused_with_exit_2(tmp_path, capsys) -> None:
    assert main(["market", str(MARKETS / "default.yaml"), "--out", str(tmp_path / "out"), "--seeds", "1"]) == 2
    assert "allowed: 0 (one world only) or 2 and more" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


# --- claims over seeds: invariants and determinism --------------------------------------------
@pytest.fixture(scope="module")
def claims():
    return run_claims(MARKETS / "default.yaml", seeds=(1, 2, 3), overrides=TINY)


def test_claims_are_measured_in_every_seed_within_their_bounds(claims) -> None:
    table = claims.table
    assert len(claims.seeds) == 3 and (table["seeds_judged"] <= 3).all()
    assert (table["seeds_held"] <= table["seeds_judged"]).all()
    assert table["holds_share"].dropna().between(0, 1).all()
    for claim in claims.claims:
        assert claim.values.shape == claim.holds.shape == (3,)
    paths = claims.trajectories
    assert paths[["inflating_share", "downhill_share"]].stack().between(0, 1).all()
    assert set(paths["corrected"]) == {True, False} and paths.groupby(["seed", "corrected"]).size().nunique() == 1


def test_claims_are_determined_by_the_seeds(claims) -> None:
    again = run_claims(MARKETS / "default.yaml", seeds=(1, 2, 3), overrides=TINY)
    pd.testing.assert_frame_equal(claims.seeds, again.seeds)


def test_without_a_correction_the_paired_differences_are_exactly_zero() -> None:
    """A market whose correction never comes is its own counterfactual: the correction changes
    nothing, and every claim about it is said not to hold."""
    result = run_claims(MARKETS / "default.yaml", seeds=(1, 2), overrides=[*TINY, "correction.scandals_to_trigger=null"])
    by_key = {c.key: c for c in result.claims}
    assert not by_key["correction"].holds.any()
    for key in ("choices", "choices_in_truth", "true_roi", "true_net_gain"):
        assert np.all(by_key[key].values == 0.0) and not by_key[key].holds.any(), key
    assert np.all(by_key["spend"].values == 1.0)


def test_a_claim_table_from_known_seed_rows() -> None:
    rows = pd.DataFrame({
        "seed": [1, 2], "race_rise": [0.2, 0.0], "policy_true_roi_change": [-0.1, 0.1],
        "downhill_share_end": [0.3, 0.0], "moves_to_lower_true_roi_share": [0.6, 0.2],
        "correction_week": [40.0, np.nan], "inflating_share_at_correction": [0.5, np.nan],
        "inflating_share_end": [0.3, 0.5], "inflating_share_end_without": [0.5, 0.5],
        "held_true_roi_end_vs_without": [0.2, 0.0], "spend_end_vs_without": [0.8, 1.0], "spend_growth": [3.0, 3.0],
        "spend_end_vs_peak": [0.9, 1.0], "seat_bound_share": [0.1, 0.3], "roi_true": [0.5, 0.4],
        "roi_true_without": [0.4, 0.4], "true_net_gain_vs_without_usd": [1.5, 0.0], "credit_crossover_week": [30.0, np.nan],
        "crossover_before_correction": [True, False],
    })
    held = {c.key: c.holds.tolist() for c in claims_from(rows)}
    assert held == {"race": [True, False], "race_in_truth": [True, False], "downhill": [True, False],
                    "correction": [True, False], "choices": [True, False], "choices_in_truth": [True, False],
                    "spend": [True, False], "spend_falls": [True, False], "true_roi": [True, False],
                    "true_net_gain": [True, False], "stops_before": [True, False],
                    "seat_bound": [True, False]}


def test_the_report_states_claims_over_seeds_and_labels_one_world(tmp_path) -> None:
    out = tmp_path / "market"
    assert main(["market", str(MARKETS / "default.yaml"), "--out", str(out), "--seeds", "2",
                 *sum((["--set", o] for o in TINY), [])]) == 0
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "Claims over 2 seeds" in html and "One world (seed 42)" in html and "ASSUMPTION" in html
    assert "of 2 seeds:" in html
    table = pd.read_csv(out / "claims.csv")
    assert set(table["claim"]) >= {"race", "race_in_truth", "correction", "choices", "spend", "stops_before"}
    assert len(pd.read_csv(out / "claims_seeds.csv")) == 2


# --- every new market key changes a run (the allow-list rule of tests/test_allow_list.py) -------
AUDITED = [*TINY, "weeks=156", "correction.audit_share_per_review=0.3", "imitation.review_share=1",
           "imitation.scale_usd_per_employee_week=1"]


@pytest.mark.parametrize("key, value, other, context", [
    ("investors.prior_audits", "4", "null", []),
    ("imitation.valuation", "own_investors", "credited", []),
    ("correction.publish_audits", "true", "false", ["correction.week=14", "correction.audit_share_per_review=0.05"]),
    ("correction.scandal_scrutiny", "0.1", "0", ["correction.scandals_to_trigger=null"]),
])
def test_every_new_market_key_changes_a_run(key: str, value: str, other: str, context: list[str]) -> None:
    one = run_market(MARKETS / "default.yaml", seed=3, overrides=[*AUDITED, *context, f"{key}={value}"])
    two = run_market(MARKETS / "default.yaml", seed=3, overrides=[*AUDITED, *context, f"{key}={other}"])
    columns = ["policy", "credited_gain_usd_per_employee_week", "ai_spend_usd", "true_value_usd"]
    assert not one.firms[columns].equals(two.firms[columns]), key
