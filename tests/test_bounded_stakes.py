"""Bounded stakes (model brief 11.4): a linear reward capped on attainment. Known answers at our own
parameter values, the exact optimum against a brute-force search, scripts and manual gaming as
substitutes, and the reward never above its cap."""

from __future__ import annotations

import numpy as np
import pytest

import sim
from sim.engine.model import OrganisationModel
from sim.engine.strategies import Choice, best_choice, choice_value
from sim.scenario.io import load_scenario

HOMOGENEOUS = {
    "organization": {"employees": 20}, "weeks": 1,
    "behavior": {"noise": 0, "inertia": 1, "substitutability": 0, "conformity": 0, "speedup": 0.2,
                 "perceived_speedup_prior": 0.2, "perception_anchoring": 0, "intrinsic_motivation": 1.0,
                 "integrity_cost": 0.5, "initial_performative_share": 0, "effort_cost": 0.14},
    "usage": {"script": {"enabled": False}},
    "kpi": {"regime": "tokens", "strength": 6, "reward_cap": 1.5},
}


def test_capped_reward_has_the_closed_form_kink_solution():
    """delta = kappa = 0: uncapped, g = (m s + r b_g)/c and p = (r b_p - iota)/c would put the KPI far
    above the cap C = 1.5 T; at the optimum the KPI sits exactly on the cap, with the marginal reward
    lam solving b_g (m s + lam b_g)/c + b_p (lam b_p - iota)/c = C."""
    model = OrganisationModel(load_scenario(HOMOGENEOUS))
    model.run()
    c, b_g, b_p, ms, iota, cap = 0.14, 6000.0, 40000.0, 0.2, 0.5, 1.5 * 50_000
    lam = (c * cap - b_g * ms + b_p * iota) / (b_g**2 + b_p**2)
    assert lam < 6 / 50_000  # the cap binds
    np.testing.assert_allclose(model.state.genuine_hours, (ms + lam * b_g) / c, rtol=1e-9)
    np.testing.assert_allclose(model.state.performative_hours, (lam * b_p - iota) / c, rtol=1e-9)
    np.testing.assert_allclose(model.state.kpi, cap, rtol=1e-9)
    assert np.all(model.state.reward <= 6 * 1.5 + 1e-12)


def test_under_the_cap_the_reward_is_the_uncapped_one():
    low = {**HOMOGENEOUS, "kpi": {**HOMOGENEOUS["kpi"], "strength": 0.3}}
    capped, uncapped = (OrganisationModel(load_scenario(low, [f"kpi.reward_cap={c}"])) for c in ("1.5", "null"))
    capped.run()
    uncapped.run()
    assert np.all(uncapped.state.kpi < 1.5 * 50_000)
    np.testing.assert_array_equal(capped.state.performative_hours, uncapped.state.performative_hours)


@pytest.mark.parametrize("regime", ["time_saved", "tokens"])
def test_the_capped_choice_beats_every_point_of_a_grid(regime):
    """The exact solver against brute force: no (g, p, misreport) on a fine grid does better."""
    data = {**HOMOGENEOUS, "behavior": {**HOMOGENEOUS["behavior"], "integrity_cost": {"dist": "uniform", "low": 0.1, "high": 1.5},
                                         "substitutability": 0.3},
            "kpi": {"regime": regime, "strength": 2, "reward_cap": 1.2}}
    model = OrganisationModel(load_scenario(data))
    problem = model.week_problem(frictions=False)
    choice = best_choice(problem)
    best = choice_value(problem, choice)
    n = choice.genuine.shape[0]
    g_grid = np.linspace(0, 12, 61)
    p_grid = np.linspace(0, 12, 61)
    m_grid = np.linspace(0, 3, 31) if problem.misreports else np.zeros(1)
    for i in range(0, n, 4):
        sub = problem
        for g in g_grid:
            gg, pp, mm = np.meshgrid([g], p_grid, m_grid, indexing="ij")
            size = gg.size
            trial = Choice(np.full(size, 0.0), np.full(size, 0.0),
                           {c.name: mm.ravel() for c in sub.misreports}, None)
            trial.genuine[:], trial.performative[:] = gg.ravel(), pp.ravel()
            one = _one_employee(sub, i, size)
            assert np.max(choice_value(one, trial)) <= best[i] + 1e-9


def _one_employee(problem, i, size):
    """The problem of employee i, repeated `size` times."""
    from dataclasses import replace

    rows = np.full(size, i)

    def pick(x):
        return x[rows] if np.ndim(x) else x

    return replace(problem, hours=problem.hours.subset(rows), misreports=tuple(c.subset(rows) for c in problem.misreports),
                   integrity=pick(problem.integrity), claim_check_penalty=pick(problem.claim_check_penalty),
                   per_kpi_unit=pick(problem.per_kpi_unit), cap_kpi=pick(problem.cap_kpi),
                   kpi_per_hour=tuple(pick(b) for b in problem.kpi_per_hour))


def _mean_over_seeds(params: dict) -> dict[str, float]:
    runs = [sim.run("scenarios/default.yaml", seed=seed, params={"organization.employees": 200, **params}).summary
            for seed in (1, 2, 3)]
    return {k: float(np.mean([r[k] for r in runs])) for k in ("performative_hours", "performative_tokens", "script_share_mean")}


def test_cheaper_scripts_lower_manual_gaming_under_a_cap():
    """Model brief 10.3: cheaper scripts raise wasted tokens and lower performative hours. Under a
    capped reward a script that reaches the cap takes away the reward of manual hours (substitutes);
    uncapped, the marginal reward of a manual hour does not depend on the script, and they do not."""
    common = {"kpi.strength": 3.0, "usage.script.equivalent_hours": 1.0}
    dear = _mean_over_seeds({**common, "kpi.reward_cap": 1.5, "usage.script.upkeep_hours_per_week": 1.0})
    cheap = _mean_over_seeds({**common, "kpi.reward_cap": 1.5, "usage.script.upkeep_hours_per_week": 0.1})
    assert cheap["performative_hours"] < 0.8 * dear["performative_hours"]
    assert cheap["performative_tokens"] > dear["performative_tokens"]
    assert cheap["script_share_mean"] > dear["script_share_mean"]
    uncapped_dear = _mean_over_seeds({**common, "usage.script.upkeep_hours_per_week": 1.0})
    uncapped_cheap = _mean_over_seeds({**common, "usage.script.upkeep_hours_per_week": 0.1})
    assert uncapped_cheap["performative_hours"] >= uncapped_dear["performative_hours"]


def test_realised_reward_never_exceeds_the_cap():
    model = OrganisationModel(load_scenario("scenarios/default.yaml", ["kpi.strength=6", "kpi.reward_cap=1.5", "weeks=8"]))
    for _ in range(8):
        model.step()
        assert model.state.reward.max() <= 6 * 1.5 + 1e-12
