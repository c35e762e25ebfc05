"""`tokenmaxx validate`: passes on the model as it is, writes every check and chart, fails loudly."""

from __future__ import annotations

import json

import numpy as np
import pytest

import sim.engine.strategies
from sim.cli import main
from sim.validation import checks
from sim.validation.charts import CHARTS
from sim.validation.checks import GROUPS, Check


def test_validate_passes_and_reports_every_check_with_a_chart(tmp_path, capsys):
    assert main(["validate", "--out", str(tmp_path)]) == 0
    payload = json.loads((tmp_path / "checks.json").read_text())
    assert payload["passed"] is True
    names = [row["name"] for row in payload["checks"]]
    assert len(names) == len(set(names)) >= 15
    html = (tmp_path / "report.html").read_text()
    for name in names:
        assert name in html
    assert html.count("data:image/png;base64,") == len(GROUPS)
    assert set(CHARTS) == set(GROUPS)
    for key in GROUPS:
        assert (tmp_path / f"{key}.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    csv_lines = (tmp_path / "checks.csv").read_text().strip().splitlines()
    assert len(csv_lines) == len(names) + 1
    assert "all checks pass" in capsys.readouterr().out


def test_validate_exits_1_when_the_model_is_broken(tmp_path, monkeypatch):
    """A best response that overshoots performative hours by 1% must be caught."""
    exact = sim.engine.strategies.best_response

    def overshooting(problem, may_perform=None):
        g, p = exact(problem, may_perform)
        return g, p * 1.01

    monkeypatch.setattr(sim.engine.strategies, "best_response", overshooting)
    assert main(["validate", "--out", str(tmp_path)]) == 1
    rows = {row["name"]: row for row in json.loads((tmp_path / "checks.json").read_text())["checks"]}
    assert rows["hm_best_response_error"]["result"] == "FAIL"
    assert rows["becker_formula_error"]["result"] == "FAIL"
    assert "FAIL" in (tmp_path / "report.html").read_text()


def test_validate_exits_1_with_zero_tolerance_on_a_noisy_value(tmp_path, monkeypatch):
    monkeypatch.setattr(checks, "REPLICATOR_TOLERANCE", 0.0)
    assert main(["validate", "--out", str(tmp_path)]) == 1
    rows = {row["name"]: row for row in json.loads((tmp_path / "checks.json").read_text())["checks"]}
    assert rows["replicator_max_gap"]["result"] == "FAIL"
    assert rows["hm_best_response_error"]["result"] == "pass"


@pytest.mark.parametrize(
    "comparison,simulated,passed",
    [("equal", 1.05, True), ("equal", 1.2, False), ("at_least", 0.95, True), ("at_least", 0.8, False),
     ("at_most", 1.05, True), ("at_most", 1.2, False), ("equal", np.nan, False), ("info", 99.0, None)],
)
def test_check_comparisons(comparison, simulated, passed):
    assert Check("x", "claim", 1.0, simulated, 0.1, comparison).passed is passed


def test_seed_carbon_claim_is_computed_from_parameters_not_copied():
    energy = checks.energy_and_carbon()
    claim = next(c for c in energy.checks if c.name == "seed_carbon_claim")
    assert claim.passed is None
    assert claim.simulated != pytest.approx(checks.SEED_CARBON_T_PER_YEAR, rel=0.05)
    # 10M tokens/day at 1.4 J/token, PUE 1.1, 0.48 kg/kWh: about 0.75 t per year
    assert claim.simulated == pytest.approx(1e7 * 365 * 1.4 * 1.1 / 3.6e6 * 0.48 / 1000, rel=1e-9)


def test_validate_reports_an_unwritable_folder_in_one_line(tmp_path, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    assert main(["validate", "--out", str(blocker / "report")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: cannot write the validation report") and "Traceback" not in err
