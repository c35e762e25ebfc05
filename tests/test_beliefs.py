"""Management that believes its dashboard (model brief 11.5): an audit moves the belief by its
weight towards what it found; finance's scrutiny decides when an audit happens."""

from __future__ import annotations

import numpy as np
import pytest

import sim
from sim.engine.model import OrganisationModel
from sim.scenario.io import load_scenario

SMALL = ["organization.employees=60", "weeks=26", "kpi.strength=2", "management.roi_audit.every_weeks=13",
         "management.roi_audit.hurdle_roi=100"]


def _audits(model: OrganisationModel) -> list[tuple[int, str]]:
    return [(w, t) for w, t in model.management.events if t.startswith("ROI audit")]


def test_a_fully_believed_audit_values_the_dashboard_at_what_it_found():
    """belief_weight 1: after the audit, management's factor on its dashboard is true value over the
    dashboard's value for the audited weeks, and the next weeks' reported value is the face value times it."""
    model = OrganisationModel(load_scenario({}, SMALL + ["management.roi_audit.belief_weight=1"]))
    for _ in range(13):
        model.step()
    rows = model.records
    true, face = sum(r["true_value_usd"] for r in rows), sum(r["reported_value_usd"] for r in rows)
    assert model.management.belief == pytest.approx(true / face, rel=1e-12)
    plain = OrganisationModel(load_scenario({}, SMALL))  # same workforce, no belief: face value
    for _ in range(14):
        plain.step()
    model.step()
    assert model.records[-1]["reported_value_usd"] == pytest.approx(plain.records[-1]["reported_value_usd"] * model.management.belief)


def test_a_partly_believed_audit_moves_the_belief_by_its_weight():
    full = OrganisationModel(load_scenario({}, SMALL + ["management.roi_audit.belief_weight=1"]))
    half = OrganisationModel(load_scenario({}, SMALL + ["management.roi_audit.belief_weight=0.5"]))
    for _ in range(13):
        full.step()
        half.step()
    assert half.management.belief == pytest.approx(0.5 + 0.5 * full.management.belief, rel=1e-12)


@pytest.mark.parametrize(("scrutiny", "base_rate", "audits"), [(0.0, 0.0, 0), (0.0, 50.0, 2)])
def test_scrutiny_decides_whether_a_look_becomes_an_audit(scrutiny, base_rate, audits):
    """No hazard: no audit ever; a huge base hazard: every look is an audit."""
    model = OrganisationModel(load_scenario({}, SMALL + [f"management.roi_audit.scrutiny={scrutiny}",
                                                         f"management.roi_audit.base_rate={base_rate}"]))
    model.run()
    assert len(_audits(model)) == audits


def test_the_belief_bubble_bursts_at_weeks_that_differ_between_seeds():
    weeks = []
    for seed in (1, 3, 5):
        result = sim.run("scenarios/experiments/bubble_beliefs.yaml", seed=seed, overrides=["organization.employees=200"])
        audits = [w for w, t in result.model.management.events if t.startswith("ROI audit")]
        weeks.append(audits[0] if audits else np.inf)
    assert len(set(weeks)) > 1
