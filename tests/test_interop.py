"""The model as Mesa users and researchers expect it: keyword construction, batch_run replicates,
Mesa's scenario object, SolaraViz's reset, the data dictionary and typed, self-describing outputs."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import mesa
import numpy as np
import pyarrow.parquet as pq
import pytest
from mesa.visualization.solara_viz import _build_model_init_kwargs

import sim
from sim.dictionary import DICTIONARY, INTEGER_SUMMARY, SUMMARY, WEEKLY, design_column
from sim.engine.model import AGENT_REPORTERS, REPORTERS, OrganisationModel, OrganisationScenario
from sim.output import write_run
from sim.scenario.io import ScenarioError

LIBRARY = Path(__file__).resolve().parents[1] / "scenarios"
SMALL = {"organization.employees": 40, "weeks": 6}


def test_keyword_parameters_are_key_paths_with_dots_or_double_underscores() -> None:
    a = OrganisationModel(LIBRARY / "default.yaml", **{"kpi.strength": 1.25, "behavior.integrity_cost.mean": 0.6})
    b = OrganisationModel(LIBRARY / "default.yaml", kpi__strength=1.25, behavior__integrity_cost__mean=0.6)
    assert a.config == b.config
    assert a.config.kpi.strength == 1.25 and a.config.behavior.integrity_cost.mean == 0.6
    assert a.config.behavior.integrity_cost.dist == sim.load_scenario(LIBRARY / "default.yaml").behavior.integrity_cost.dist


def test_a_bad_keyword_parameter_names_itself() -> None:
    with pytest.raises(ScenarioError, match="kpi.strenght"):
        OrganisationModel(**{"kpi.strenght": 1.0})


def test_rng_left_out_uses_the_scenario_seed_and_none_draws_a_fresh_recorded_one() -> None:
    default = OrganisationModel(LIBRARY / "default.yaml", **SMALL)
    assert default.config.seed == sim.load_scenario(LIBRARY / "default.yaml").seed
    fresh = [OrganisationModel(LIBRARY / "default.yaml", rng=None, **SMALL) for _ in range(3)]
    seeds = [m.config.seed for m in fresh]
    assert len(set(seeds)) == 3 and all(isinstance(s, int) and s >= 0 for s in seeds)
    again = OrganisationModel(LIBRARY / "default.yaml", rng=np.int64(seeds[0]), **SMALL)
    fresh[0].run_for(6)
    again.run_for(6)
    assert fresh[0].records == again.records  # the recorded seed reproduces the run


def test_model_scenario_is_mesas_scenario_object_holding_the_configuration() -> None:
    model = OrganisationModel(LIBRARY / "microsoft.yaml", rng=7)
    assert isinstance(model.scenario, OrganisationScenario)
    assert model.scenario.config == model.config and model.scenario.rng == 7 and model.config.seed == 7


@pytest.mark.parametrize("iterations", ["rng_none", "iterations"])
def test_batch_run_replicates_differ(iterations: str) -> None:
    kwargs = {"rng": [None] * 3} if iterations == "rng_none" else {"iterations": 3}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # Mesa 3.5 deprecates iterations= for rng=
        rows = mesa.batch_run(
            OrganisationModel, parameters={"scenario": str(LIBRARY / "default.yaml"), "kpi.strength": 1.0, **SMALL},
            max_steps=10, data_collection_period=-1, number_processes=1, display_progress=False, **kwargs,
        )
    assert len(rows) == 3
    assert len({r["seed"] for r in rows}) == 3
    assert len({r["reported_kpi"] for r in rows}) == 3  # three different replicates, not one thrice
    assert all(r["Step"] == 6 for r in rows)  # the model stops at its last week


def test_datacollector_reports_the_weekly_series() -> None:
    model = OrganisationModel(LIBRARY / "default.yaml", **SMALL)
    model.run_for(6)
    frame = model.datacollector.get_model_vars_dataframe()
    assert list(frame.columns) == ["seed", *REPORTERS]
    assert all(name in WEEKLY for name in REPORTERS)
    assert len(frame) == 7  # week 0 (the start, Mesa's convention) and the six weeks
    np.testing.assert_allclose(frame["roi_true"].iloc[1:], [r["roi_true"] for r in model.records])
    start = frame.iloc[0]
    assert np.isnan(start["roi_true"]) and np.isnan(start["gaming_share"])  # no week has run yet
    assert start["kpi_target"] == 50_000 and start["budget_index"] == 1.0 and start["seed"] == model.config.seed


def test_run_for_and_run_until_stop_at_the_scenarios_last_week() -> None:
    model = OrganisationModel(LIBRARY / "default.yaml", **{**SMALL, "weeks": 3})
    model.run_for(5)
    assert model.steps == 3 and len(model.records) == 3 and not model.running
    model.run_for(2)  # nothing left to run
    assert model.steps == 3
    other = OrganisationModel(LIBRARY / "default.yaml", **{**SMALL, "weeks": 3})
    other.run_until(2)
    assert other.steps == 2
    other.run_until(10)
    assert other.steps == 3 and other.records == model.records


def test_agent_reporters_record_every_employee_every_week_from_week_0() -> None:
    model = OrganisationModel(LIBRARY / "default.yaml", agent_reporters=True, **{**SMALL, "weeks": 3})
    model.run()
    agents = model.datacollector.get_agent_vars_dataframe()
    assert list(agents.columns) == list(AGENT_REPORTERS)
    assert len(agents) == 40 * 4  # 40 employees x (week 0 + 3 weeks)
    last = agents.xs(3.0, level="Step").sort_index()
    np.testing.assert_allclose(last["performative_hours"], model.state.performative_hours)
    assert last["is_gaming"].sum() == model.state.gaming.sum()
    assert model.records[-1]["gaming_share"] == pytest.approx(last["is_gaming"].mean())
    own = OrganisationModel(LIBRARY / "default.yaml", agent_reporters={"hours": "genuine_hours"}, **SMALL)
    own.step()
    assert list(own.datacollector.get_agent_vars_dataframe().columns) == ["hours"]


def test_solara_reset_rebuilds_the_model_from_its_parameters() -> None:
    model = OrganisationModel(LIBRARY / "microsoft.yaml", **SMALL)
    kwargs = _build_model_init_kwargs(model, {"kpi.strength": 1.5}, add_scenario_when_empty=True,
                                      require_model_accepts_scenario=True)
    rebuilt = type(model)(**kwargs)
    assert rebuilt.config.kpi.strength == 1.5 and rebuilt.config.name == sim.load_scenario({}).name  # defaults
    kwargs = _build_model_init_kwargs(model, {"config": model.config, "kpi.strength": 1.5},
                                      add_scenario_when_empty=True, require_model_accepts_scenario=True)
    kept = type(model)(**kwargs)
    assert kept.config.name == model.config.name and kept.config.kpi.strength == 1.5
    kept.step()
    assert kept.records


def test_run_params_equal_command_line_overrides() -> None:
    by_params = sim.run(LIBRARY / "default.yaml", params={"kpi.strength": 1.0, **SMALL}).summary
    by_strings = sim.run(LIBRARY / "default.yaml", overrides=["kpi.strength=1.0", "organization.employees=40",
                                                                "weeks=6"]).summary
    assert by_params.keys() == by_strings.keys()
    assert all(a == b or (a != a and b != b) for a, b in zip(by_params.values(), by_strings.values()))  # NaN == NaN


def test_every_output_column_is_in_the_data_dictionary_with_its_type() -> None:
    result = sim.run(LIBRARY / "default.yaml", params=SMALL)
    assert set(result.summary) == set(SUMMARY)
    assert set(result.timeseries.columns) == set(WEEKLY)
    for name, column in WEEKLY.items():
        assert str(result.timeseries[name].dtype) == column.dtype, name
    for name in INTEGER_SUMMARY:
        assert isinstance(result.summary[name], int), name
    numeric = [c for c in DICTIONARY.values() if c.dtype in ("float64", "int64") and c.kind != "sweep"]
    assert all(c.meaning for c in DICTIONARY.values())
    assert sum(1 for c in numeric if c.unit) >= 0.8 * len(numeric)  # most numbers carry a unit
    assert design_column("behavior.integrity_cost.mean") == "behavior__integrity_cost__mean"


def test_summary_and_weekly_names_mean_the_same_thing() -> None:
    result = sim.run(LIBRARY / "default.yaml", params={"kpi.strength": 1.0, "audit.rate": 0.2, **SMALL})
    flows = [n for n, c in DICTIONARY.items() if c.kind == "both" and c.dtype == "float64"
             and n in ("tokens", "genuine_hours", "performative_hours", "ai_spend_usd", "wasted_spend_usd", "co2_kg",
                       "flags", "true_hours_saved", "claimed_hours_saved")]
    for name in flows:
        assert result.summary[name] == pytest.approx(result.timeseries[name].sum()), name
    flagged = result.timeseries["flagged_honest_employees"]  # flags on honest people, per week
    assert result.summary["honest_employees_ever_flagged"] <= flagged.sum()


def test_run_files_carry_units_in_their_parquet_metadata(tmp_path) -> None:
    result = sim.run(LIBRARY / "default.yaml", params=SMALL)
    write_run(result, tmp_path, 0.0)
    described = json.loads(pq.read_schema(tmp_path / "timeseries.parquet").metadata[b"tokenmaxxing"])
    assert described["columns"]["ai_spend_usd"]["unit"] == DICTIONARY["ai_spend_usd"].unit
    assert set(described["columns"]) == set(WEEKLY)


def test_results_show_as_html_in_a_notebook() -> None:
    from sim.compare import compare

    result = sim.run(LIBRARY / "default.yaml", params=SMALL)
    page = result._repr_html_()
    assert "<table>" in page and "ROI" in page and len(page) < 20_000
    assert "RunResult('default'" in repr(result) and len(repr(result)) < 400
    comparison = compare([LIBRARY / "default.yaml", LIBRARY / "microsoft.yaml"], replicates=2,
                         overrides=["organization.employees=40", "weeks=4"])
    assert "<th>microsoft</th>" in comparison._repr_html_() and "90% interval over worlds" in comparison._repr_html_()
