"""The seed a run records is the one it used, whatever `rng` or `seed` was given (an int, a NumPy
Generator or SeedSequence, None), and re-runs it; None means fresh entropy everywhere, leaving the
seed out means the scenario's own."""

from __future__ import annotations

import mesa
import numpy as np
import pandas as pd
import pytest

import sim
from sim.engine.model import OrganisationModel
from sim.scenario.io import ScenarioError

SMALL = {"organization": {"employees": 60}, "weeks": 4, "kpi": {"strength": 1.5}, "seed": 42}


def _records(rng) -> tuple[int, list[dict]]:
    model = OrganisationModel(SMALL, rng=rng, agents=False)
    model.run()
    return model.config.seed, model.records


def test_a_generator_or_seed_sequence_records_a_seed_that_reruns_the_model() -> None:
    for given in (np.random.default_rng(5), np.random.SeedSequence(5)):
        seed, records = _records(given)
        assert seed != 42  # not the scenario's seed
        assert _records(seed) == (seed, records)
    assert _records(np.random.SeedSequence(5))[0] == _records(np.random.SeedSequence(5))[0]  # reproducible


def test_batch_run_with_spawned_seed_sequences_records_three_seeds_that_rerun_each() -> None:
    rows = pd.DataFrame(mesa.batch_run(
        OrganisationModel, parameters={"organization.employees": 60, "weeks": 4, "kpi.strength": 1.5},
        rng=np.random.SeedSequence(1).spawn(3), number_processes=1, data_collection_period=-1,
        display_progress=False))
    assert rows["seed"].nunique() == 3 and 42 not in set(rows["seed"])
    for seed, spend in zip(rows["seed"], rows["wasted_spend_usd"]):
        assert _records(int(seed))[1][-1]["wasted_spend_usd"] == spend


def test_sim_run_takes_what_the_model_takes_and_none_means_fresh_entropy() -> None:
    assert sim.run(SMALL).summary["seed"] == 42  # left out: the scenario's seed
    assert sim.run(SMALL, seed=7).summary["seed"] == 7
    from_sequence = sim.run(SMALL, seed=np.random.SeedSequence(5))
    assert from_sequence.summary["seed"] == _records(np.random.SeedSequence(5))[0]
    again = sim.run(SMALL, seed=from_sequence.summary["seed"])
    assert again.timeseries.equals(from_sequence.timeseries)
    fresh = {sim.run(SMALL, seed=None).summary["seed"] for _ in range(3)}
    model_fresh = {OrganisationModel(SMALL, rng=None, agents=False).config.seed for _ in range(3)}
    assert len(fresh) == 3 and len(model_fresh) == 3 and 42 not in fresh | model_fresh


def test_an_rng_of_another_kind_is_a_clear_error() -> None:
    with pytest.raises(ScenarioError, match="expected a whole-number seed, a numpy.random.SeedSequence"):
        sim.run(SMALL, seed="seven")
    with pytest.raises(ScenarioError, match="seed -1: expected a whole number from 0"):
        sim.run(SMALL, seed=-1)
