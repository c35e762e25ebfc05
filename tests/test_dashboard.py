"""The dashboard's plain-Python parts: controls, the model wrapper, the CLI command, import hygiene."""

from __future__ import annotations

import inspect
import socket
import subprocess
import sys

import pytest

from sim.cli import main
from sim.dashboard import controls, server
from sim.dashboard.model import DEFAULT_SCENARIO, SERIES, DashboardModel
from sim.scenario.io import load_scenario


def test_every_control_is_a_model_parameter() -> None:
    parameters = inspect.signature(DashboardModel.__init__).parameters
    for name in controls.CONTROLS:
        assert name in parameters
    params = controls.model_params(load_scenario(DEFAULT_SCENARIO), DEFAULT_SCENARIO)
    assert set(params) == set(controls.CONTROLS) | {"scenario_path"}
    assert "scenario" not in parameters  # SolaraViz would pass its own Mesa scenario on Reset


def test_controls_start_at_the_scenario_values() -> None:
    values = controls.current_values(load_scenario(DEFAULT_SCENARIO))
    assert values["regime"] == "tokens"
    assert values["strength"] == 0.75
    assert values["employees"] == controls.LARGE_ORG_EMPLOYEES  # default.yaml has 500: too many to draw


def test_controls_become_a_valid_scenario() -> None:
    base = load_scenario(DEFAULT_SCENARIO)
    items = controls.overrides(base, regime="queries", audit_rate=0.2, detection=True, employees=60)
    scenario = load_scenario(base, items)
    assert scenario.kpi.regime == "queries"
    assert scenario.kpi.target is None  # the token target does not carry over to queries
    assert scenario.audit.rate == 0.2
    assert scenario.detection.enabled is True
    assert scenario.organization.employees == 60
    composite = load_scenario(base, controls.overrides(base, regime="composite"))
    assert composite.kpi.weights == {"tokens": 0.5, "error_reduction": 0.5}
    with pytest.raises(TypeError, match="wormholes"):
        controls.overrides(base, wormholes=3)


def test_dashboard_model_applies_controls_and_collects_series() -> None:
    model = DashboardModel(regime="error_reduction", strength=1.5, employees=40, licence_usd_per_user_month=30)
    assert model.latest() is None
    for _ in range(4):
        model.step()
    frame = model.datacollector.get_model_vars_dataframe()
    assert list(frame.columns) == list(SERIES)
    assert len(frame) == 4
    assert model.policy.kpi.regime == "error_reduction"
    assert model.config.organization.employees == 40
    assert (frame["AI spend (USD/week)"] >= 40 * 30 * 12 / 52).all()  # licences alone
    assert ((frame["Employees gaming (%)"] >= 0) & (frame["Employees gaming (%)"] <= 100)).all()
    assert len(model.layout()) == 40


def test_dashboard_model_stops_after_the_last_week() -> None:
    model = DashboardModel(employees=20)
    weeks = model.config.weeks
    for _ in range(weeks + 3):
        model.step()
    assert not model.running
    assert len(model.records) == weeks


def test_cli_dashboard_rejects_a_bad_scenario(tmp_path, capsys) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("kpi: {regime: vibes}\n")
    assert main(["dashboard", str(bad)]) == 2
    assert "kpi.regime" in capsys.readouterr().err


def test_cli_dashboard_rejects_a_busy_port(capsys) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((server.HOST, 0))
        sock.listen()
        port = sock.getsockname()[1]
        assert main(["dashboard", "--port", str(port)]) == 2
    assert "in use" in capsys.readouterr().err


def test_only_the_app_imports_the_web_stack() -> None:
    code = (
        "import sys, sim, sim.dashboard.model, sim.dashboard.server, sim.dashboard.controls, sim.dashboard.figures\n"
        "assert 'sim.dashboard.app' not in sys.modules\n"
        "assert 'solara' not in sys.modules, 'solara imported'\n"
        "assert 'mesa.visualization' not in sys.modules, 'mesa.visualization imported'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
    plain = subprocess.run(
        [sys.executable, "-c", "import sys, sim; print('sim.dashboard' in sys.modules)"],
        check=True, capture_output=True, text=True,
    )
    assert plain.stdout.strip() == "False"
