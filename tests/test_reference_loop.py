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
