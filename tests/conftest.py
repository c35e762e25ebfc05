"""Shared helpers: build small scenarios from dotted key paths."""

from __future__ import annotations

from typing import Any

import pytest

from sim.scenario_io import set_path


def scenario_dict(**paths: Any) -> dict[str, Any]:
    """A scenario dict from keyword paths, '__' standing for '.': behavior__noise=0."""
    data: dict[str, Any] = {"organization": {"employees": 50}, "weeks": 10}
    for key, value in paths.items():
        set_path(data, key.split("__"), value, origin="test")
    return data


def homogeneous(**paths: Any) -> dict[str, Any]:
    """Identical employees, no noise, jump straight to the best response, no conformity."""
    base = {
        "behavior__speedup": 0.2,
        "behavior__self_report_bias": 0.0,
        "behavior__intrinsic_motivation": 1.0,
        "behavior__integrity_cost": 0.1,
        "behavior__conformity": 0.0,
        "behavior__noise": 0.0,
        "behavior__inertia": 1.0,
    }
    base.update(paths)
    return scenario_dict(**base)


@pytest.fixture
def make_scenario():
    return scenario_dict
