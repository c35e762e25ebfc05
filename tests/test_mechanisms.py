"""KPI regimes, schemes, enforcement and management: each mechanism does what the brief says,
and how gameable a regime is emerges from the usage profiles."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.special import ndtr

import sim
from sim.engine.enforcement import detector_rates, detector_separation
from sim.engine.kpi import team_cutoff
from sim.scenario.schema import Detection, Usage
from tests.conftest import homogeneous, scenario_dict

GAMEABLE = ["tokens", "queries", "completions", "time_saved", "action_linked"]


def regime_summary(regime: str, **paths) -> dict:
    data = scenario_dict(**{"kpi__regime": regime, "kpi__strength": 1.0, "weeks": 6, "organization__employees": 200, **paths})
    return sim.run(data, seed=5).summary


def performative_share(regime: str, **paths) -> float:
    return regime_summary(regime, **paths)["performative_share"]


def test_outcome_regime_is_hardly_gamed_and_volume_regimes_are():
    outcome = regime_summary("error_reduction", behavior__initial_performative_share=0.0)
    assert outcome["performative_share"] == 0.0 and outcome["scripted_tokens"] == 0.0
    assert outcome["kpi_inflation"] < 1.01  # a little manipulation of the measured outcome, no more
    for regime in ("tokens", "queries"):
        volume = regime_summary(regime, kpi__strength=1.5)
        assert volume["performative_share"] > 0.01 and volume["gaming_share_mean"] > 0.05, regime
        assert volume["kpi_inflation"] > 1.03, regime


def test_action_linking_makes_gaming_harder_than_counting_queries():
    assert performative_share("action_linked") < 0.5 * performative_share("queries")


def test_gameability_follows_usage_not_labels():
    """If performative use burned no more tokens per hour than genuine use, the token KPI would
    be no easier to game than the outcome: the label 'tokens' carries no gaming of its own."""
    same = {"usage__performative__tokens_per_hour": 0.0}
    assert performative_share("tokens", **same, behavior__initial_performative_share=0.0) == 0.0


def test_time_saved_is_gamed_by_over_claiming_not_by_performative_hours():
    """Honest claims are the perceived speed-up on genuine hours; a performative hour saves nothing
    and nobody claims it did, so the self-reported KPI is gamed by deliberate over-claims."""
    summary = regime_summary("time_saved", behavior__initial_performative_share=0.0)
    assert summary["performative_share"] == 0.0 and summary["scripted_tokens"] == 0.0
    assert summary["misreported_hours"] > 0 and summary["kpi_inflation"] > 1.1
    anchored = regime_summary("time_saved", behavior__perception_anchoring=0.85, behavior__speedup=0.0,
                              behavior__perceived_speedup_prior=0.3)
    assert anchored["claimed_hours_saved"] > 0 and anchored["true_hours_saved"] == 0.0


def test_active_user_needs_only_a_little_use():
    data = homogeneous(
        kpi__regime="active_user", kpi__strength=1.0, behavior__intrinsic_motivation=0.0, kpi__active_threshold_queries=6.0
    )
    model = sim.run(data).model
    # no reason of their own to use AI: everyone does just enough to be counted active
    queries = model.rates["queries"].of(model.state.genuine_hours, model.state.performative_hours)
    np.testing.assert_allclose(queries, 6.0, rtol=1e-6)
    np.testing.assert_allclose(model.state.kpi, 1.0)
    assert (model.state.genuine_hours + model.state.performative_hours <= 0.5 + 1e-9).all()


def test_quota_employees_stop_at_the_target():
    data = homogeneous(kpi__scheme="quota", kpi__strength=2.0, behavior__integrity_cost=0.0)
    model = sim.run(data).model
    tokens = model.rates["tokens"].of(model.state.genuine_hours, model.state.performative_hours)
    np.testing.assert_allclose(tokens, 50_000, rtol=1e-6)


def test_rank_scheme_escalates_an_arms_race():
    data = homogeneous(kpi__scheme="rank", kpi__strength=3.0, weeks=15, organization__employees=100)
    ts = sim.run(data).timeseries
    per_employee_tokens = ts["tokens"] / ts["employees"]
    assert per_employee_tokens.iloc[-1] > 1.5 * per_employee_tokens.iloc[0]


def test_team_cutoff_picks_the_top_share_per_team():
    value = np.array([5.0, 1.0, 3.0, 9.0, 2.0, 8.0, 7.0])
    team = np.array([0, 0, 0, 0, 1, 1, 1])
    # team 0 top 50%: two best of (5, 1, 3, 9) -> cut-off 5; team 1: ceil(1.5)=2 best of (2, 8, 7) -> 7
    np.testing.assert_array_equal(team_cutoff(value, team, 0.5), [5, 5, 5, 5, 7, 7, 7])


def test_the_deployed_detector_gives_the_seed_accuracy_by_default():
    """~85% balanced accuracy at the operating point the scenarios deploy (brief 11.2), not at the best one."""
    rates = detector_rates(Usage(), Detection(enabled=True))
    assert (rates.tpr + 1 - rates.fpr) / 2 == pytest.approx(0.85, abs=0.01)
    assert ndtr(detector_separation(Usage(), Detection(enabled=True)) / 2) > 0.9  # the best threshold does better


def test_detector_is_blind_when_performative_use_looks_genuine():
    usage = Usage()
    mimic = Usage(genuine=usage.genuine, performative=usage.genuine)
    rates = detector_rates(mimic, Detection(enabled=True))
    assert rates.tpr == pytest.approx(rates.fpr)


def test_detector_threshold_trades_false_positives_for_detection():
    usage = Usage()
    loose = detector_rates(usage, Detection(enabled=True, threshold_sd=1.0))
    strict = detector_rates(usage, Detection(enabled=True, threshold_sd=3.0))
    assert loose.tpr > strict.tpr and loose.fpr > strict.fpr


def test_audit_false_positives_chill_genuine_use():
    def genuine(fpr: float) -> float:
        data = homogeneous(audit__rate=0.5, audit__penalty=1.0, audit__fpr=fpr, audit__tpr=0.8)
        return sim.run(data).summary["genuine_hours"]

    assert genuine(0.1) < genuine(0.0)


def test_audits_flag_honest_employees_only_through_false_positives():
    base = dict(kpi__strength=0.0, audit__rate=1.0, audit__penalty=0.2, behavior__initial_performative_share=0.0)
    assert sim.run(homogeneous(audit__fpr=0.0, **base)).summary["honest_employees_ever_flagged"] == 0
    assert sim.run(homogeneous(audit__fpr=0.2, **base)).summary["honest_employees_ever_flagged"] > 0


def test_target_ratchet_raises_target_when_most_reach_it():
    data = homogeneous(
        kpi__scheme="quota",
        kpi__strength=5.0,
        behavior__integrity_cost=0.0,
        management__target_ratchet={"enabled": True, "attainment_share": 0.8, "step": 0.1},
        weeks=5,
    )
    targets = sim.run(data).timeseries["kpi_target"].to_numpy()
    np.testing.assert_allclose(targets, 50_000 * 1.1 ** np.arange(5))


def test_intervention_switches_regime_mid_run():
    data = homogeneous(
        kpi__strength=1.0,
        weeks=8,
        management__interventions=[{"week": 5, "set": {"kpi.regime": "error_reduction"}}],
    )
    result = sim.run(data)
    ts = result.timeseries
    assert (ts.loc[ts["week"] < 5, "performative_hours"] > 0).all()
    assert (ts.loc[ts["week"] >= 5, "performative_hours"] == 0).all()
    assert result.summary["final_kpi_regime"] == "error_reduction"


def test_budget_grows_on_inflated_reported_roi_and_strength_follows():
    data = homogeneous(
        kpi__strength=0.5,
        weeks=9,
        management__budget={"enabled": True, "review_every_weeks": 3, "growth_per_unit_roi": 0.01, "max_change": 0.5},
    )
    ts = sim.run(data).timeseries
    assert ts["roi_reported"].iloc[0] > 0
    assert ts["budget_index"].iloc[-1] > 1.0
    np.testing.assert_allclose(ts["kpi_strength"], 0.5 * ts["budget_index"])


def test_value_based_pricing_charges_actions_not_tokens():
    data = homogeneous(kpi__strength=1.0, pricing__usd_per_action=0.02)
    summary = sim.run(data).summary
    assert summary["usage_spend_usd"] == pytest.approx(summary["actions"] * 0.02)
    assert summary["wasted_spend_usd"] < summary["wasted_token_cost_usd"]


def test_conformity_spreads_performative_use_from_peers():
    def scrupulous_hours(kappa: float) -> float:
        # every other employee finds gaming too costly on their own (integrity cost 0.9 > reward 0.8)
        data = homogeneous(
            kpi__strength=1.0, behavior__conformity=kappa, behavior__effort_cost=0.05,
            behavior__integrity_cost={"dist": "values", "values": [0.0, 0.9]},
        )
        return sim.run(data).model.state.performative_hours[1::2].mean()

    assert scrupulous_hours(0.0) == 0.0
    assert scrupulous_hours(0.05) > 0.1


def test_data_exposure_grows_with_performative_queries():
    quiet = sim.run(scenario_dict(kpi__strength=0.0, behavior__initial_performative_share=0.0)).summary
    loud = sim.run(scenario_dict(kpi__strength=2.0, security__exposures_per_million_performative_queries=1e4)).summary
    assert quiet["data_exposure_incidents"] == 0 and loud["data_exposure_incidents"] > 0


def test_poisson_by_inversion_matches_poisson_distribution():
    from scipy.stats import poisson

    from sim.engine.enforcement import poisson_by_inversion

    rng = np.random.default_rng(0)
    mean = np.full(200_000, 1.7)
    counts = poisson_by_inversion(mean, rng.random(mean.size))
    observed = np.bincount(counts.astype(int), minlength=8)[:8] / mean.size
    np.testing.assert_allclose(observed, poisson.pmf(np.arange(8), 1.7), atol=0.004)
    assert counts.mean() == pytest.approx(1.7, rel=0.01)
    assert (poisson_by_inversion(np.zeros(10), rng.random(10)) == 0).all()


def test_active_user_quota_above_one_is_never_paid_nor_pursued():
    data = homogeneous(kpi__regime="active_user", kpi__scheme="quota", kpi__target=2.0, kpi__strength=1.0,
                       behavior__intrinsic_motivation=0.0)
    model = sim.run(data).model
    assert (model.state.reward == 0).all()
    assert (model.state.genuine_hours + model.state.performative_hours == 0).all()
