"""`tokenmaxx calibrate`: fits reproducibly, reports what it could and could not meet, errors clearly,
resumes, and the library's defaults are the shipped fit."""

from __future__ import annotations

import json
import math

import pandas as pd
import pytest

from sim.calibrate.analysis import rounded
from sim.calibrate.evaluate import get_path
from sim.calibrate.run import calibrate
from sim.calibrate.targets import DEFAULT_TARGETS, CalibrationError, Target, load_targets
from sim.cli import main
from sim.scenario.schema import Scenario

SHIPPED_FIT = DEFAULT_TARGETS.parent / "fit.json"


@pytest.fixture(scope="module")
def quick(tmp_path_factory):
    return calibrate(quick=True, out=tmp_path_factory.mktemp("cal"), executor="sequential", progress=False)


def test_quick_calibration_writes_the_fit_tables_and_report(quick):
    out = quick.out_dir
    for name in ("fit.json", "parameters.csv", "targets.csv", "ranking.csv", "accepted.csv", "report.html"):
        assert (out / name).is_file(), name
    fit = json.loads((out / "fit.json").read_text())
    spec, _, _ = load_targets()
    assert fit["sensitivity_parameter_sets"] == spec.quick_sensitivity_samples * (len(spec.parameters) + 2)
    assert fit["prescreened_sets"] == spec.quick_prescreen_samples
    assert fit["parameter_sets"] == min(fit["prescreen_survivors"], spec.quick_fit_samples)
    assert set(fit["fitted"]) == set(spec.parameters)
    for key, value in fit["fitted"].items():
        prior = spec.parameters[key]
        assert prior.low <= value <= prior.high
    html = (out / "report.html").read_text()
    assert "What the fit says" in html and html.count("data:image/png;base64,") >= 2
    assert (out / "figures" / "parameters.svg").read_text().lstrip().startswith("<?xml")


def test_same_seed_same_fit(quick, tmp_path):
    again = calibrate(quick=True, out=tmp_path, executor="sequential", progress=False)
    assert again.fit.best == quick.fit.best
    pd.testing.assert_frame_equal(again.fit.targets, quick.fit.targets)


def test_calibration_resumes_from_its_sweep(quick):
    resumed = calibrate(quick=True, out=quick.out_dir, executor="sequential", progress=False)
    assert resumed.fit.best == quick.fit.best
    meta = json.loads((quick.out_dir / "sweep-fit" / "metadata.json").read_text())
    assert meta["sessions"][-1]["ran"] == 0  # nothing measured twice


def test_implausibility_is_distance_over_the_half_range():
    target = Target(name="t", value=1.0, low=0.5, high=3.0, source="s", output="x")
    assert target.implausibility(1.0) == 0.0
    assert target.implausibility(0.75) == pytest.approx(0.5)
    assert target.implausibility(2.0) == pytest.approx(0.5)
    assert target.within(3.0) and not target.within(3.01) and not target.within(math.nan)
    one_sided = Target(name="t", value=1.5, low=1.25, source="s", output="x")
    assert one_sided.within(10.0) and not one_sided.within(1.2)


def test_a_bad_calibration_file_is_one_clear_error(tmp_path, capsys):
    bad = tmp_path / "bad.yaml"
    bad.write_text("parameters: {behavior.effort_cost: {low: 1, high: 0}}\ntargets: []\n")
    assert main(["calibrate", str(bad), "--quick", "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert "bad.yaml" in err and "low < high" in err and "Traceback" not in err
    with pytest.raises(CalibrationError, match="no scenario file"):
        bad.write_text("parameters: {behavior.effort_cost: {low: 0.1, high: 0.2}}\n"
                       "targets: [{name: a, value: 1, low: 0, source: s, scenario: nowhere.yaml, output: roi_true}]\n")
        load_targets(bad)


def test_library_defaults_are_the_shipped_fit():
    """The defaults in sim/scenario/sources.py are the fitted values of scenarios/calibration/fit.json."""
    fit = json.loads(SHIPPED_FIT.read_text())
    defaults = Scenario()
    for key, value in fit["fitted"].items():
        assert rounded(float(get_path(defaults, key))) == pytest.approx(value), key
    assert fit["accepted_sets"] > 0 and not fit["quick"]
    assert all(row["within"] for row in fit["targets"] if row["role"] == "fit")


@pytest.mark.slow
def test_full_calibration_reproduces_the_shipped_fit(tmp_path):
    """Same file, same seed: the same fitted values as shipped (about 3 minutes on 2 cores)."""
    shipped = json.loads(SHIPPED_FIT.read_text())
    result = calibrate(out=tmp_path, progress=False)
    assert result.fit.best == shipped["fitted"]
    assert len(result.fit.accepted) == shipped["accepted_sets"]


def test_committed_calibration_doc_matches_the_shipped_fit():
    from sim.calibrate.docs import FIT, OUTPUT, render

    assert OUTPUT.read_text() == render(json.loads(FIT.read_text())), (
        "docs/calibration.md is out of date: run `python -m sim.calibrate.docs` and commit it")
