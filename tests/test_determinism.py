"""Same seed, same bytes; different seeds, different numbers."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

import sim
from sim.cli import main
from tests.conftest import scenario_dict

NOISY = scenario_dict(behavior__noise=0.5, audit__rate=0.2, detection__enabled=True, weeks=6)


@settings(max_examples=8, deadline=None)
@given(seed=st.integers(0, 2**32 - 1))
def test_same_seed_same_timeseries(seed):
    first = sim.run(NOISY, seed=seed).timeseries
    second = sim.run(NOISY, seed=seed).timeseries
    assert first.equals(second)


def test_different_seeds_differ():
    a = sim.run(NOISY, seed=1).timeseries
    b = sim.run(NOISY, seed=2).timeseries
    assert not a["performative_hours"].equals(b["performative_hours"])


def test_cli_outputs_are_byte_identical_for_the_same_seed(tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text("organization: {employees: 40}\nweeks: 5\nbehavior: {noise: 0.4}\n")
    for out in ("a", "b"):
        assert main(["run", str(path), "--seed", "7", "--out", str(tmp_path / out)]) == 0
    for name in ("summary.json", "timeseries.csv", "timeseries.parquet", "scenario.yaml"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name
