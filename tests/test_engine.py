"""One engine: an organisation gives exactly the same results alone as stepped with others, whatever
else is in the engine (other parameters, mechanisms, rules, schemes, regimes, sizes and seeds)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from sim.runner import clean_for_json, run, run_batch, run_batches
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
    "quota": ["kpi.scheme=quota", "kpi.strength=1.5"],
    "rank": ["kpi.scheme=rank", "kpi.strength=1.5"],
    "active users": ["kpi.regime=active_user"],
    "time saved, claim checks": ["kpi.regime=time_saved", "audit.claim_check_rate=0.2"],
    "completions under a quota": ["kpi.regime=completions", "kpi.scheme=quota"],
    "outcome with measurement noise": ["kpi.regime=error_reduction", "kpi.strength=2"],
    "composite": ["kpi.regime=composite", "kpi.weights.tokens=0.5", "kpi.weights.time_saved=0.5"],
    "imitation": ["behavior.rule=imitation", "behavior.initial_performative_share=0.3"],
    "threshold": ["behavior.rule=threshold", "behavior.initial_performative_share=0.2"],
    "interventions": [],  # from SOURCES: a regime switch at week 5
    "experience": ["behavior.experience=0.3"],
    "reward cap with scripts": ["kpi.reward_cap=1.5", "kpi.strength=3", "usage.script.equivalent_hours=1"],
    "reward cap, time saved": ["kpi.regime=time_saved", "kpi.reward_cap=1.2", "kpi.strength=2"],
    "ROI audit switches the regime": ["management.roi_audit.every_weeks=4", "management.roi_audit.hurdle_roi=5",
                                      "management.roi_audit.switch_regime=error_reduction"],
}


def _same(scenario, summary, columns) -> None:
    alone = run(scenario)
    expected = alone.timeseries
    assert json.dumps(clean_for_json(summary)) == json.dumps(clean_for_json(alone.summary))
    assert list(columns) == list(expected.columns)
    for name in expected.columns:
        values = expected[name].to_numpy()
        assert values.dtype == columns[name].dtype, name
        np.testing.assert_array_equal(columns[name], values, err_msg=name)


SOURCES = {"interventions": {"management": {"interventions": [
    {"week": 5, "set": {"kpi.regime": "action_linked", "kpi.target": 30}}, {"week": 9, "set": {"audit.rate": 0.2}}]}}}


def _case(name: str, seed: int, extra: list[str] = ()):
    return load_scenario(SOURCES.get(name, {}), BASE + CASES[name] + [f"seed={seed}", *extra])


@pytest.mark.parametrize("case", CASES)
def test_batch_equals_one_by_one(case):
    scenarios = [_case(case, seed) for seed in (1, 2, 3)]
    for scenario, (summary, columns) in zip(scenarios, run_batch(scenarios), strict=True):
        _same(scenario, summary, columns)


def test_one_engine_of_every_kind_of_organisation_equals_each_alone():
    """Every case in one engine (mixed rules, schemes, regimes, misreports, scripts, interventions,
    sizes): each organisation's results are those it gives alone."""
    names = [n for n in CASES if n not in ("a deep pairwise tree", "more than 128 employees")]
    scenarios = [_case(name, 10 + i) for i, name in enumerate(names)]
    results = run_batch(scenarios)
    for scenario, (summary, columns) in zip(scenarios, results, strict=True):
        _same(scenario, summary, columns)


def test_organisations_of_different_sizes_share_an_engine():
    from sim.engine.engine import Engine

    scenarios = [_case("default", 1, ["organization.employees=40"]), _case("quota", 2), _case("imitation", 3, ["organization.employees=25"])]
    engine = Engine(scenarios, [np.random.default_rng(s.seed) for s in scenarios])
    engine.run()
    assert not engine.equal_sizes
    for k, scenario in enumerate(scenarios):
        alone = run(scenario)
        for name in ("true_value_usd", "reported_kpi", "gaming_share", "flags_on_honest"):
            np.testing.assert_array_equal(engine.columns(k)[name], alone.timeseries[name].to_numpy(), err_msg=name)


LIBRARY = sorted(__import__("glob").glob("scenarios/*.yaml") + __import__("glob").glob("scenarios/experiments/*.yaml"))


def test_every_library_scenario_gives_alone_what_it_gives_in_a_batch():
    """The scenario library, at 50 employees, all in batches: identical to each alone."""
    scenarios = [load_scenario(path, ["organization.employees=50", f"seed={i}"]) for i, path in enumerate(LIBRARY)]
    for scenario, (summary, columns) in zip(scenarios, run_batch(scenarios), strict=True):
        _same(scenario, summary, columns)


def test_random_scenarios_in_one_engine_equal_each_alone():
    """Randomised scenarios: each a random draw of mechanisms and values, all stepped together."""
    rng = np.random.default_rng(2026)
    options = [overrides for name, overrides in CASES.items() if name not in ("a deep pairwise tree", "more than 128 employees")]
    scenarios = []
    for i in range(12):
        picks = rng.choice(len(options), size=3, replace=False)
        chosen = [o for j in picks for o in options[j]]
        keys = {o.split("=")[0] for o in chosen}
        chosen = [o for o in chosen if not (o.startswith("kpi.regime=") and sum(k == "kpi.regime" for k in keys) > 1)]
        values = [f"kpi.strength={rng.uniform(0.2, 3):.3f}", f"behavior.noise={rng.uniform(0, 0.4):.3f}",
                  f"audit.rate={rng.uniform(0, 0.3):.3f}", f"seed={i}"]
        try:
            scenarios.append(load_scenario(SOURCES["interventions"] if i % 3 == 0 else {}, BASE + chosen + values))
        except Exception:  # noqa: BLE001 - a combination the schema refuses is not a scenario
            continue
    assert len(scenarios) >= 8
    for scenario, (summary, columns) in zip(scenarios, run_batch(scenarios), strict=True):
        _same(scenario, summary, columns)


def _one_by_one(scenarios):
    """What run_batch gives, from sim.runner.run on each scenario alone."""
    return [(r.summary, {c: r.timeseries[c].to_numpy() for c in r.timeseries.columns}) for r in (run(s) for s in scenarios)]


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


def test_calibration_measures_give_the_outputs_of_one_by_one(monkeypatch):
    """Parameter sets measured together on batched engines give what each gives alone."""
    from sim.calibrate.evaluate import measure
    from sim.calibrate.targets import load_targets

    spec, root, _ = load_targets()
    spec = spec.model_copy(update={"measurement": spec.measurement.model_copy(update={"employees": 40, "weeks": 4, "replicates": 2})})
    rows = [{name: p.low + share * (p.high - p.low) for name, p in spec.parameters.items()} for share in (0.3, 0.6)]
    kwargs = {"spec_json": spec.model_dump_json(), "root": str(root), "checks": True, "outputs": True}
    batched = measure(rows=rows, **kwargs)
    monkeypatch.setattr("sim.runner.run_batch", _one_by_one)
    alone = [measure(rows=[row], **kwargs)[0] for row in rows]
    assert json.dumps(batched) == json.dumps(alone)
    assert sum(np.isfinite(v) for v in batched[0].values()) > len(batched[0]) / 2


def test_market_firms_are_organisations_of_one_engine_with_their_results_alone():
    """A market whose firms never change policy (no reviews, correction or vendor switch): each
    firm's weekly totals are those of its scenario run alone with its seed."""
    from sim.market.io import load_market
    from sim.market.model import MarketModel

    loaded = load_market("scenarios/market/default.yaml", ["firms=6", "weeks=20", "organisation_set.organization.employees=40",
                                                          "imitation.review_every_weeks=100", "correction.scandals_to_trigger=null"])
    market = MarketModel(loaded, seed=5)
    while market.running:
        market.step()
    assert market.engine.k == 6 and not any("changed policy" in text for _, text in market.events)
    for k in range(6):
        alone = run(market.engine.configs[k])
        for name in ("true_value_usd", "reported_value_usd", "gaming_share", "ai_spend_usd"):
            np.testing.assert_array_equal(market.engine.columns(k)[name], alone.timeseries[name].to_numpy(), err_msg=name)
