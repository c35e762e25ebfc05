"""A descriptive norm (model brief 11.6): doing as colleagues do pays nu per performative hour times
the share seen gaming. Persistence after a KPI is withdrawn then has a reason, with a known answer."""

from __future__ import annotations

import numpy as np
import pytest

from sim.engine.model import OrganisationModel
from sim.scenario.io import load_scenario

EVERYONE_GAMES = {
    "organization": {"employees": 12, "network": "complete"}, "weeks": 8,
    "behavior": {"noise": 0, "inertia": 1, "substitutability": 0, "conformity": 0, "integrity_cost": 0.5,
                 "effort_cost": 0.2, "speedup": 0.2, "perception_anchoring": 0, "initial_performative_share": 1.0},
    "usage": {"script": {"enabled": False}},
    "kpi": {"regime": "tokens", "strength": 0.0},  # no KPI at all
}


@pytest.mark.parametrize("nu", [0.8, 0.3])
def test_with_no_kpi_gaming_persists_exactly_when_the_norm_outweighs_the_stigma(nu):
    """Everyone games and sees everyone gaming (share 1): p* = (nu - iota) / c while nu > iota, and
    nobody games once the norm is weaker than the stigma."""
    model = OrganisationModel(load_scenario(EVERYONE_GAMES, [f"behavior.descriptive_norm={nu}"]))
    model.run()
    expected = max((nu - 0.5) / 0.2, 0.0)
    np.testing.assert_allclose(model.state.performative_hours, expected, rtol=1e-12, atol=1e-12)
    assert model.records[-1]["gaming_share"] == (1.0 if nu > 0.5 else 0.0)


def test_without_the_norm_nothing_makes_gaming_pay_once_the_kpi_is_gone():
    model = OrganisationModel(load_scenario(EVERYONE_GAMES))
    model.run()
    assert model.records[-1]["gaming_share"] == 0.0


def test_a_norm_keeps_gaming_after_the_kpi_is_withdrawn_and_says_why():
    """The library's withdrawal experiment with a descriptive norm: gaming outlives the KPI by many
    weeks (without it, in a week or two: validate's persistence group)."""
    with_norm = load_scenario("scenarios/experiments/norms_withdrawal_fixed_stigma.yaml",
                              ["organization.employees=200", "behavior.descriptive_norm=2.5"])
    without = load_scenario("scenarios/experiments/norms_withdrawal_fixed_stigma.yaml", ["organization.employees=200"])
    shares = {}
    for label, scenario in (("norm", with_norm), ("none", without)):
        model = OrganisationModel(scenario)
        model.run()
        shares[label] = [r["gaming_share"] for r in model.records]
    after = slice(30, None)  # the KPI is withdrawn at week 27
    assert min(shares["norm"][after]) > 0.5
    assert max(shares["none"][after]) < 0.05
