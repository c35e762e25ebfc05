"""Shared helpers: build small scenarios from dotted key paths (see sim.validation.scenarios)."""

from __future__ import annotations

import pytest

from sim.validation.scenarios import homogeneous, scenario_dict

__all__ = ["homogeneous", "scenario_dict"]


@pytest.fixture
def make_scenario():
    return scenario_dict
