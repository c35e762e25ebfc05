"""Policy changed while the organisation runs (the dashboard's live controls): the same as an
intervention scheduled for the next week, recorded, merged per week, validated; and the decision
terms the dashboard explains one employee with, which add up to what the decision used."""

from __future__ import annotations

import numpy as np
import pytest

from sim.engine.model import OrganisationModel
from sim.scenario.io import ScenarioError, load_scenario
from tests.conftest import scenario_dict

SWITCH = {"kpi.regime": "action_linked", "kpi.target": None}


def small(**changes) -> dict:
    settings = {"organization__employees": 120, "weeks": 12, "kpi__strength": 1.5, "behavior__conformity": 0.05}
    return scenario_dict(**{**settings, **changes})


def test_a_live_change_is_the_intervention_scheduled_for_the_next_week() -> None:
    live = OrganisationModel(load_scenario(small()))
    for _ in range(5):
        live.step()
    change = live.change_policy(SWITCH)
    assert change.week == 6 and change.origin == "live"
    assert change.describe() == "kpi.regime tokens -> action_linked"
    assert live.policy.kpi.regime == "action_linked"
    assert live.management.target == 30.0  # the new regime's default target, not 50,000 tokens
    for _ in range(7):
        live.step()
    scheduled = OrganisationModel(load_scenario(small(management__interventions=[{"week": 6, "set": SWITCH}])))
    scheduled.run()
    assert live.records == scheduled.records
    assert [(c.week, c.origin) for c in scheduled.policy_changes] == [(6, "scenario")]
    assert [(c.week, c.origin) for c in live.policy_changes] == [(6, "live")]
    gaming = [row["gaming_share"] for row in live.records]
    assert max(gaming[:5]) > 0.2 and gaming[-1] < 0.5 * max(gaming[:5])  # the switch is visible


def test_changes_for_the_same_week_merge_and_a_round_trip_leaves_no_record() -> None:
    model = OrganisationModel(load_scenario(small()))
    model.step()
    model.change_policy({"audit.rate": 0.1})
    model.change_policy({"audit.rate": 0.2})
    assert len(model.policy_changes) == 1
    assert model.policy_changes[0].describe() == "audit.rate 0 -> 0.2"
    model.change_policy({"audit.rate": 0.0})
    assert model.policy_changes == []
    assert model.policy.audit.rate == 0.0
    model.change_policy({"detection.enabled": True})
    model.step()
    model.change_policy({"detection.enabled": False})
    assert [(c.week, c.describe()) for c in model.policy_changes] == [
        (2, "detection.enabled off -> on"), (3, "detection.enabled on -> off")]


def test_an_invalid_live_change_is_a_clear_error_and_changes_nothing() -> None:
    model = OrganisationModel(load_scenario(small()))
    with pytest.raises(ScenarioError, match="audit.rate"):
        model.change_policy({"audit.rate": 1.5})
    assert model.policy.audit.rate == 0.0 and model.policy_changes == []


def test_roi_audit_regime_switch_is_recorded_for_the_week_after() -> None:
    data = small(weeks=10, management__roi_audit={"every_weeks": 4, "hurdle_roi": 10.0, "switch_regime": "action_linked"})
    model = OrganisationModel(load_scenario(data))
    model.run()
    assert [(c.week, c.origin, c.describe()) for c in model.policy_changes][:1] == [
        (5, "ROI audit", "kpi.regime tokens -> action_linked")]


@pytest.mark.parametrize("scheme", ["linear", "quota"])
def test_decision_terms_add_up_to_the_problem_and_change_nothing(scheme: str) -> None:
    data = small(kpi__scheme=scheme, audit__rate=0.2, detection__enabled=True)
    kept = OrganisationModel(load_scenario(data))
    kept.keep_decision_terms = True
    plain = OrganisationModel(load_scenario(data))
    for _ in range(4):
        kept.step()
        plain.step()
    assert kept.records == plain.records and plain.decision_terms is None
    t = kept.decision_terms
    hours = t.problem.hours
    np.testing.assert_allclose(
        t.believed_value - t.penalty_genuine + t.reward_genuine + t.shock_genuine + t.habit_genuine, hours.a_genuine)
    np.testing.assert_allclose(
        -t.integrity - t.penalty_performative + t.reward_performative + t.peer_pull + t.shock_performative
        + t.habit_performative, hours.a_performative)
    assert np.all(t.penalty_performative > 0) and np.all(t.peer_pull >= 0) and np.any(t.peer_pull > 0)
    assert np.any(np.asarray(t.shock_genuine) != 0) and np.any(np.asarray(t.habit_performative) != 0)
    if scheme == "linear":
        assert t.reward_performative > t.reward_genuine > 0 and hours.step is None
    else:
        assert t.reward_performative == 0 and hours.step is not None
