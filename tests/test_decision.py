"""The vectorised best response is the true maximiser: checked against a brute-force grid."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.engine.decision import Problem, Step, best_response, best_response_by_candidates

GRID_STEP = 0.02


def brute_force(problem: Problem, i: int) -> float:
    """Best objective value of employee i over a fine grid of the feasible polygon."""
    cap = problem.hours_cap
    axis = np.arange(0.0, cap + GRID_STEP / 2, GRID_STEP)
    g, p = np.meshgrid(axis, axis)
    g, p = g.ravel(), p.ravel()
    ok = g + p <= cap + 1e-12
    one = Problem(
        problem.a_genuine[i : i + 1].repeat(ok.sum()),
        problem.a_performative[i : i + 1].repeat(ok.sum()),
        problem.effort_cost,
        problem.substitutability,
        problem.conformity,
        cap,
        None
        if problem.step is None
        else Step(
            problem.step.height,
            np.asarray(problem.step.per_genuine_hour)[i],
            np.asarray(problem.step.per_performative_hour)[i],
            np.asarray(problem.step.threshold)[i],
        ),
    )
    return float(one.value(g[ok], p[ok]).max())


@settings(max_examples=40, deadline=None)
@given(
    a_g=st.floats(-1, 2),
    a_p=st.floats(-1, 2),
    c=st.floats(0.2, 2),
    delta=st.floats(0, 0.95),
    kappa=st.floats(0, 0.5),
    with_step=st.booleans(),
    height=st.floats(0, 3),
    b_g=st.floats(0.05, 2),
    b_p=st.floats(0.05, 2),
    threshold=st.floats(0.1, 6),
)
def test_best_response_beats_every_grid_point(a_g, a_p, c, delta, kappa, with_step, height, b_g, b_p, threshold):
    step = Step(height, np.array([b_g]), np.array([b_p]), np.array([threshold])) if with_step else None
    problem = Problem(np.array([a_g]), np.array([a_p]), c, delta, kappa, 4.0, step)
    g, p = best_response(problem)
    assert g[0] >= 0 and p[0] >= 0 and g[0] + p[0] <= 4.0 + 1e-9
    found = problem.value(g, p)[0]
    assert found >= brute_force(problem, 0) - 1e-9


def test_interior_solution_solves_first_order_conditions():
    problem = Problem(np.array([1.0]), np.array([0.8]), 0.5, 0.3, 0.1, 100.0)
    g, p = best_response(problem)
    c, d, k = 0.5, 0.3, 0.1
    np.testing.assert_allclose(1.0 - c * g - d * c * p, 0.0, atol=1e-12)
    np.testing.assert_allclose(0.8 - (c + 2 * k) * p - d * c * g, 0.0, atol=1e-12)


def test_may_perform_false_forces_zero_performative_hours():
    problem = Problem(np.array([0.5, 0.5]), np.array([2.0, 2.0]), 1.0, 0.0, 0.0, 40.0)
    g, p = best_response(problem, may_perform=np.array([True, False]))
    assert p[0] == pytest.approx(2.0) and p[1] == 0.0
    assert g[1] == pytest.approx(0.5)


def test_quota_met_exactly_when_worth_it_and_ignored_when_not():
    # no intrinsic pull to perform; the quota of 3 performative hours pays 1.0 or 0.1
    a = np.zeros(2)
    step = Step(np.array([1.0, 0.1]), 0.0, 1.0, 3.0)
    g, p = best_response(Problem(a, a - 0.05, 0.1, 0.0, 0.0, 40.0, step))
    # cost of reaching the quota: 0.05*3 + 0.1/2*9 = 0.6 < 1.0 but > 0.1
    assert p[0] == pytest.approx(3.0) and p[1] == 0.0


def test_hours_cap_binds():
    g, p = best_response(Problem(np.array([10.0]), np.array([10.0]), 0.01, 0.0, 0.0, 40.0))
    assert g[0] + p[0] == pytest.approx(40.0)
    assert g[0] == pytest.approx(20.0)


@settings(max_examples=60, deadline=None)
@given(
    seed=st.integers(0, 2**31),
    c=st.floats(0.05, 2),
    delta=st.floats(0, 0.95),
    kappa=st.floats(0, 0.5),
    cap=st.floats(0.5, 50),
)
def test_closed_form_fast_path_equals_candidate_method(seed, c, delta, kappa, cap):
    rng = np.random.default_rng(seed)
    a_g, a_p = rng.normal(0, 2, 500), rng.normal(0, 2, 500)
    problem = Problem(a_g, a_p, c, delta, kappa, cap)
    may = rng.random(500) < 0.7
    for mask in (None, may):
        fast = best_response(problem, mask)
        reference = best_response_by_candidates(problem, mask)
        np.testing.assert_allclose(problem.value(*fast), problem.value(*reference), rtol=1e-9, atol=1e-9)
        np.testing.assert_allclose(fast, reference, atol=1e-7)
