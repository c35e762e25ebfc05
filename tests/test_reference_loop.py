"""The fast array model and the per-agent Mesa reference loop give the same numbers."""

from __future__ import annotations

import numpy as np

from benchmarks.kernels import bare_kernel
from benchmarks.reference_loop import ReferenceModel
from sim.engine.model import OrganisationModel
from sim.scenario.io import load_scenario
from tests.conftest import scenario_dict

CASE = scenario_dict(
    organization__employees=120,
    weeks=12,
    behavior__noise=0.0,
    behavior__conformity=0.05,
    audit__rate=0.2,
    detection__enabled=True,
    kpi__strength=1.5,
    usage__script__enabled=False,  # the reference loop covers manual performative use only
)


def test_reference_loop_matches_vectorised_model():
    fast = OrganisationModel(load_scenario(CASE))
    reference = ReferenceModel(fast)
    fast.run()
    for _ in range(12):
        reference.step()
    expected = np.array([[r["genuine_hours"], r["performative_hours"]] for r in fast.records])
    assert expected[:, 1].sum() > 0  # the case exercises performative use
    np.testing.assert_allclose(np.array(reference.totals), expected, rtol=1e-9)
    np.testing.assert_allclose([a.performative_hours for a in reference.people], fast.state.performative_hours, rtol=1e-9, atol=1e-12)


def test_bare_kernel_matches_vectorised_model():
    fast = OrganisationModel(load_scenario(CASE))
    p = bare_kernel(fast, 12)
    fast.run()
    np.testing.assert_allclose(p, fast.state.performative_hours, rtol=1e-9, atol=1e-12)


def test_reference_loop_solves_the_capped_problem_as_the_engine_does():
    """With an hours cap that binds, the per-agent loop's exact capped best response is the engine's."""
    capped = load_scenario(CASE, ["behavior.max_ai_hours_per_week=1.5", "kpi.strength=4"])
    fast = OrganisationModel(capped)
    reference = ReferenceModel(fast)
    fast.run()
    for _ in range(12):
        reference.step()
    hours = fast.state.genuine_hours + fast.state.performative_hours
    assert np.isclose(hours, 1.5).sum() > 10  # the cap binds for many employees
    np.testing.assert_allclose([a.performative_hours for a in reference.people], fast.state.performative_hours, rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose([a.genuine_hours for a in reference.people], fast.state.genuine_hours, rtol=1e-9, atol=1e-9)


def test_bare_kernel_refuses_a_binding_cap():
    import pytest

    fast = OrganisationModel(load_scenario(CASE, ["behavior.max_ai_hours_per_week=1.5", "kpi.strength=4"]))
    with pytest.raises(ValueError, match="cap binds"):
        bare_kernel(fast, 12)
