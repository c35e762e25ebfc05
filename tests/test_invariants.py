"""Invariants of every run: shares in [0, 1], hours and money add up, head-count conserved."""

from __future__ import annotations

import numpy as np
import pytest

import sim
from sim.runner import FLOW_COLUMNS
from tests.conftest import scenario_dict

SETUPS = {
    "tokens-linear": scenario_dict(behavior__noise=0.3),
    "queries-quota": scenario_dict(kpi__regime="queries", kpi__scheme="quota"),
    "completions-rank": scenario_dict(kpi__regime="completions", kpi__scheme="rank"),
    "active-user-imitation": scenario_dict(kpi__regime="active_user", behavior__rule="imitation"),
    "time-saved-threshold": scenario_dict(kpi__regime="time_saved", behavior__rule="threshold"),
    "action-linked-audited": scenario_dict(kpi__regime="action_linked", audit__rate=0.3),
    "outcome-detected": scenario_dict(kpi__regime="error_reduction", detection__enabled=True),
    "composite-value-priced": scenario_dict(
        kpi__regime="composite", kpi__weights={"tokens": 0.5, "error_reduction": 0.5}, pricing__usd_per_action=0.01
    ),
    "managed": scenario_dict(
        management__target_ratchet={"enabled": True, "attainment_share": 0.1},
        management__budget={"enabled": True, "review_every_weeks": 3},
        pricing__licence_usd_per_user_month=30.0,
        management__interventions=[{"week": 5, "set": {"kpi.regime": "error_reduction", "audit.rate": 0.2}}],
    ),
}


@pytest.fixture(scope="module", params=list(SETUPS))
def result(request):
    return sim.run(SETUPS[request.param])


def test_one_row_per_week_and_head_count_conserved(result):
    ts = result.timeseries
    assert list(ts["week"]) == list(range(1, result.scenario.weeks + 1))
    assert (ts["employees"] == result.scenario.organization.employees).all()
    assert len(result.model.agents) == result.scenario.organization.employees


def test_shares_within_unit_interval(result):
    for column in ("gaming_share", "performative_share", "target_reached_share"):
        assert result.timeseries[column].between(0, 1).all(), column
    for key in ("performative_share", "gaming_share_mean", "gaming_share_final"):
        assert 0 <= result.summary[key] <= 1, key


def test_hours_and_counts_non_negative_and_capped(result):
    state = result.model.state
    cap = result.scenario.behavior.max_ai_hours_per_week
    assert (state.genuine_hours >= 0).all() and (state.performative_hours >= 0).all()
    assert (state.genuine_hours + state.performative_hours <= cap + 1e-9).all()
    ts = result.timeseries
    assert (ts["flagged_honest_employees"] <= ts["flagged_employees"]).all()
    assert (ts["flagged_employees"] <= ts["employees"]).all()


def test_money_tokens_and_carbon_add_up(result):
    ts = result.timeseries
    np.testing.assert_allclose(
        ts["ai_spend_usd"], ts["usage_spend_usd"] + ts["licence_cost_usd"] + ts["enablement_cost_usd"], rtol=1e-12
    )
    np.testing.assert_allclose(ts["tokens"], ts["genuine_tokens"] + ts["performative_tokens"], rtol=1e-12)
    np.testing.assert_allclose(ts["tokens"], ts["input_tokens"] + ts["output_tokens"], rtol=1e-12)
    assert (ts["wasted_spend_usd"] <= ts["usage_spend_usd"] + 1e-9).all()
    assert (ts["wasted_co2_kg"] <= ts["co2_kg"] + 1e-12).all()
    econ = result.scenario.economics
    wage, capture = econ.loaded_wage_usd_per_hour, econ.capture_share
    wasted_share = capture if econ.wasted_hour_share is None else econ.wasted_hour_share  # one opportunity cost (11.3)
    np.testing.assert_allclose(ts["captured_value_usd"], ts["true_hours_saved"] * capture * wage)
    np.testing.assert_allclose(ts["wasted_hours_cost_usd"],
                               (ts["performative_hours"] + ts["script_upkeep_hours"]) * wasted_share * wage)
    np.testing.assert_allclose(ts["true_value_usd"], ts["captured_value_usd"] - ts["wasted_hours_cost_usd"])
    noiseless = result.scenario.kpi.regime not in ("error_reduction", "composite")
    if noiseless and not result.scenario.management.interventions:  # an outcome KPI is measured with noise
        assert (ts["genuine_kpi"] <= ts["reported_kpi"] * (1 + 1e-12)).all()


def test_summary_totals_are_sums_of_the_weeks(result):
    for column in FLOW_COLUMNS:
        assert result.summary[column] == pytest.approx(result.timeseries[column].sum(), rel=1e-12), column


def test_week_totals_equal_sums_over_agents(result):
    agents = result.model.agents
    last = result.timeseries.iloc[-1]
    assert sum(agents.get("genuine_hours")) == pytest.approx(last["genuine_hours"], rel=1e-9)
    assert sum(agents.get("performative_hours")) == pytest.approx(last["performative_hours"], rel=1e-9)
    assert sum(agents.get("tokens")) == pytest.approx(last["tokens"], rel=1e-9)
    assert sum(a.is_gaming for a in agents) == last["gaming_employees"]


def test_token_cost_shows_its_arithmetic():
    """100 employees x fixed usage: cost = tokens x price, input and output priced apart."""
    data = scenario_dict(
        organization__employees=100,
        weeks=1,
        kpi__strength=0.0,
        behavior__speedup=0.0,
        behavior__perception_anchoring=0.0,
        behavior__intrinsic_motivation=0.0,
        behavior__initial_performative_share=0.0,
        behavior__noise=0.0,
        behavior__effort_cost=0.05,
    )
    ts = sim.run(data).timeseries
    assert ts["tokens"].iloc[0] == 0.0  # no reason to use AI at all: nothing bought
    data["behavior"]["intrinsic_motivation"] = 1.0
    data["behavior"]["speedup"] = 0.25  # g = m*s/c = 0.25/0.05 = 5 hours
    data["behavior"]["inertia"] = 1.0
    row = sim.run(data).timeseries.iloc[0]
    tokens = 100 * 5.0 * 6_000  # employees x hours x default genuine tokens per hour
    assert row["tokens"] == pytest.approx(tokens)
    assert row["token_cost_usd"] == pytest.approx(tokens * (0.7 * 3 + 0.3 * 15) / 1e6)


def test_agents_are_created_on_first_access_and_only_once():
    model = sim.run(scenario_dict(weeks=2)).model
    assert not model._agents_created
    first = model.agents
    assert len(first) == 50 and model._agents_created
    assert len(model.agents) == 50  # not created twice
    assert sorted(a.index for a in model.agents) == list(range(50))


def test_flags_are_whole_numbers_and_the_weeks_flag_counts_follow_from_them():
    """week_row adds only the flagged employees' flags (exact because flags are counts): check
    every week's counts against the whole workforce's arrays."""
    from sim.engine.model import OrganisationModel

    model = OrganisationModel(scenario_dict(audit__rate=0.4, detection__enabled=True, behavior__learning_rate=0.2,
                                            organization__employees=300, weeks=8), agents=False)
    for _ in range(8):
        believed = model.state.belief  # the week's row is booked before beliefs learn from it
        model.step()
        state, row = model.state, model.records[-1]
        flags = state.flags
        assert np.array_equal(flags, np.round(flags)) and (flags >= 0).all()
        flagged, gaming = flags > 0, state.gaming
        assert row["flags_on_honest"] == float(flags[~gaming].sum())
        assert row["flagged_employees"] == np.count_nonzero(flagged)
        assert row["flagged_honest_employees"] == np.count_nonzero(flagged & ~gaming)
        assert row["flagged_scripters"] == np.count_nonzero(flagged & state.script)
        assert row["flagged_manual_gamers"] == np.count_nonzero(flagged & (state.performative_hours > 0) & ~state.script)
        assert row["mean_perception_gap"] == float(np.mean(believed - model.traits.speedup))
        assert state.belief is not believed
    assert sum(r["flags_on_honest"] for r in model.records) > 0 and model.records[0]["mean_perception_gap"] != row["mean_perception_gap"]
