"""The batched engine gives exactly what running each organisation alone gives."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from sim.engine.batch import BatchedOrganisations, batch_key, run_batch, run_batches
from sim.engine.model import OrganisationModel
from sim.runner import clean_for_json, run, weekly_columns
from sim.scenario.io import load_scenario

BASE = ["organization.employees=60", "weeks=14"]
CASES = {
    "default": [],
    "full model": ["detection.enabled=true", "audit.rate=0.1", "management.target_ratchet.enabled=true",
                   "management.budget.enabled=true", "behavior.conformity=0.02"],
    "culture": ["behavior.learning_rate=0.1", "behavior.flag_memory=0.5", "behavior.norm_erosion=0.3",
                "detection.enabled=true", "audit.rate=0.3"],
    "seats and allowance": ["management.budget.enabled=true", "management.budget.seats_follow_budget=true",
                            "management.budget.initial_seat_share=0.6", "management.budget.allowance_usd_per_seat_month=20",
                            "management.budget.review_every_weeks=4"],
    "complete network, no noise": ["organization.network=complete", "behavior.noise=0"],
    "value pricing, ROI audit": ["management.roi_audit.every_weeks=5", "pricing.usd_per_action=0.01",
                                 "kpi.regime=action_linked"],
    "no script, no inertia": ["kpi.regime=queries", "usage.script.enabled=false", "behavior.inertia=1", "kpi.strength=3"],
    "hours cap binds": ["behavior.max_ai_hours_per_week=2", "kpi.strength=4"],
    "more than 128 employees": ["organization.employees=300", "audit.rate=0.05"],  # NumPy's pairwise sums split rows
    "a deep pairwise tree": ["organization.employees=2500", "weeks=4", "detection.enabled=true"],  # 32 blocks, 5 levels
}


def _same(scenario, summary, columns) -> None:
    alone = run(scenario)
    expected = weekly_columns(alone.model.records)
    assert json.dumps(clean_for_json(summary)) == json.dumps(clean_for_json(alone.summary))
    assert list(columns) == list(expected)
    for name, values in expected.items():
        assert values.dtype == columns[name].dtype, name
        np.testing.assert_array_equal(columns[name], values, err_msg=name)


@pytest.mark.parametrize("case", CASES)
def test_batch_equals_one_by_one(case):
    base = load_scenario({}, BASE + CASES[case])
    scenarios = [base.model_copy(update={"seed": seed}) for seed in (1, 2, 3)]
    assert batch_key(OrganisationModel(scenarios[0], agents=False)) is not None
    for scenario, (summary, columns) in zip(scenarios, run_batch(scenarios)):
        _same(scenario, summary, columns)


def test_batch_with_different_parameters_and_seeds():
    """Sweep points: each organisation its own strength, noise, audit rate, network and seed."""
    scenarios = [
        load_scenario({}, BASE + [f"kpi.strength={s}", f"behavior.noise={noise}", f"audit.rate={rate}",
                                  f"organization.cross_team_ties={ties}", f"seed={seed}"])
        for s, noise, rate, ties, seed in [(0.5, 0.1, 0.1, 2, 5), (1.5, 0.3, 0.4, 0, 6), (3.0, 0.05, 0.2, 5, 7)]
    ]
    models = [OrganisationModel(s, agents=False) for s in scenarios]
    assert len({batch_key(m) for m in models}) == 1
    batch = BatchedOrganisations(models).run()
    for k, scenario in enumerate(scenarios):
        from sim.runner import summarise

        columns = batch.timeseries_columns(k)
        _same(scenario, summarise(scenario, None, batch.models[k], columns), columns)


def test_unsupported_scenarios_run_one_by_one_in_order():
    scenarios = [
        load_scenario({}, BASE + ["behavior.rule=imitation", "seed=4"]),
        load_scenario({}, BASE + ["seed=5"]),
        load_scenario({}, BASE + ["kpi.scheme=quota", "seed=6"]),
        load_scenario({}, BASE + ["organization.employees=40", "seed=7"]),
    ]
    assert batch_key(OrganisationModel(scenarios[0], agents=False)) is None
    for scenario, (summary, columns) in zip(scenarios, run_batch(scenarios)):
        _same(scenario, summary, columns)


def test_a_batch_refuses_organisations_it_cannot_step_together():
    models = [OrganisationModel(load_scenario({}, BASE)), OrganisationModel(load_scenario({}, BASE + ["audit.rate=0.2"]))]
    with pytest.raises(ValueError):
        BatchedOrganisations(models)


def _one_by_one(scenarios):
    """What run_batch gives, from sim.runner.run on each scenario alone."""
    return [(r.summary, weekly_columns(r.model.records)) for r in (run(s) for s in scenarios)]


def test_run_batches_slices_by_employees_and_keeps_the_order():
    scenarios = [load_scenario({}, BASE + [f"organization.employees={n}", f"seed={i}"]) for i, n in enumerate([60, 60, 40, 60, 60])]
    sliced = run_batches(scenarios, max_employees=130)  # slices [60, 60], [40, 60], [60]
    for scenario, (summary, columns) in zip(scenarios, sliced, strict=True):
        _same(scenario, summary, columns)


def test_compare_gives_the_results_of_one_by_one(monkeypatch):
    from sim.compare import compare

    sources = ["scenarios/amazon.yaml", "scenarios/organic.yaml"]
    batched = compare(sources, 3, 5, BASE)
    monkeypatch.setattr("sim.compare.run_batches", _one_by_one)
    alone = compare(sources, 3, 5, BASE)
    pd.testing.assert_frame_equal(batched.summaries, alone.summaries, check_exact=True)
    pd.testing.assert_frame_equal(batched.timeseries, alone.timeseries, check_exact=True)


def test_a_calibration_point_gives_the_outputs_of_one_by_one(monkeypatch):
    from sim.calibrate.evaluate import evaluate_point
    from sim.calibrate.targets import load_targets
    from sim.scenario.schema import Scenario

    spec, root, _ = load_targets()
    spec = spec.model_copy(update={"measurement": spec.measurement.model_copy(update={"employees": 40, "weeks": 4, "seeds": [1, 2]})})
    kwargs = {"spec_json": spec.model_dump_json(), "root": str(root)}
    batched, _ = evaluate_point(Scenario(), 0, **kwargs)
    monkeypatch.setattr("sim.engine.batch.run_batch", _one_by_one)
    alone, _ = evaluate_point(Scenario(), 0, **kwargs)
    assert json.dumps(batched) == json.dumps(alone)
    assert sum(np.isfinite(v) for v in batched.values()) > len(batched) / 2


@pytest.mark.parametrize("n", [0, 1, 7, 8, 9, 127, 128, 129, 500, 1000, 1024, 4099, 100_003])
def test_compiled_row_sums_add_as_numpy_does(n):
    from sim.engine.batch_kernels import row_sums

    rng = np.random.default_rng(n)
    values = rng.standard_normal((3, n)) * rng.lognormal(0.0, 3.0, (3, n))
    np.testing.assert_array_equal(row_sums(values), values.sum(axis=1))
    negative_zeros = np.full((2, n), -0.0)
    assert (np.signbit(row_sums(negative_zeros)) == np.signbit(negative_zeros.sum(axis=1))).all()
