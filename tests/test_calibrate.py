"""`tokenmaxx calibrate`: a posterior from pyabc's ABC-SMC, reproducible and resumable; SBC and
leave-one-out that find what they should on problems with a known answer; the smoke test says it
is one; the shipped posterior is valid and the library's defaults are its central draw."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest

from sim.calibrate.checks import leave_one_out, sbc
from sim.calibrate.evaluate import get_path
from sim.calibrate.posterior import load_posterior
from sim.calibrate.run import calibrate, describe
from sim.calibrate.targets import DEFAULT_TARGETS, CalibrationError, Target, load_targets
from sim.cli import main
from sim.scenario.schema import Scenario

SHIPPED_FIT = DEFAULT_TARGETS.parent / "fit.json"


@pytest.fixture(scope="module")
def quick(tmp_path_factory):
    return calibrate(quick=True, out=tmp_path_factory.mktemp("cal"), executor="sequential", progress=False)


def test_quick_calibration_writes_the_posterior_tables_and_report(quick):
    out = quick.out_dir
    for name in ("posterior.csv", "fit.json", "parameters.csv", "targets.csv", "checks.csv", "sbc.csv",
                 "leave_one_out.csv", "generations.csv", "draws.csv", "report.html", "abc.db"):
        assert (out / name).is_file(), name
    spec, _, _ = load_targets()
    posterior = load_posterior(out / "posterior.csv")
    assert posterior.parameters == tuple(spec.world_parameters())
    assert len(posterior) == spec.quick_abc.population_size
    for key in posterior.parameters:
        prior = spec.parameters[key]
        assert prior.low <= posterior.quantiles(key, (0.0,))[0] and posterior.quantiles(key, (1.0,))[0] <= prior.high
    fit = json.loads((out / "fit.json").read_text())
    assert fit["quick"] and fit["method"] == "ABC-SMC (pyabc)"
    assert {c["regime"] for c in fit["checks"]} >= {"tokens", "all five"}
    assert all(0.0 <= c["share_reproducing"] <= 1.0 for c in fit["checks"])
    html = (out / "report.html").read_text()
    assert "SMOKE TEST" in html and html.count("data:image/png;base64,") >= 4
    assert (out / "figures" / "sbc.svg").read_text().lstrip().startswith("<?xml")


def test_the_smoke_test_says_so_and_concludes_nothing(quick):
    text = describe(quick)
    assert text.startswith("SMOKE TEST") and "no conclusion" in text
    assert "nan" not in text.lower() and "pinned" not in text and "agrees" not in text


def test_same_seed_same_posterior(quick, tmp_path):
    again = calibrate(quick=True, out=tmp_path, executor="sequential", progress=False)
    assert (tmp_path / "posterior.csv").read_text() == (quick.out_dir / "posterior.csv").read_text()
    pd.testing.assert_frame_equal(again.fit.targets, quick.fit.targets)


def test_calibration_resumes_from_its_database(quick):
    before = quick.abc.generations
    resumed = calibrate(quick=True, out=quick.out_dir, executor="sequential", progress=False)
    pd.testing.assert_frame_equal(resumed.abc.generations, before)  # no generation simulated twice
    assert (quick.out_dir / "posterior.csv").read_text() == resumed.out_dir.joinpath("posterior.csv").read_text()


def _toy_table(n: int, seed: int, noise: float = 0.05) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    theta = rng.uniform(0, 1, n)
    return pd.DataFrame({"theta": theta, "a": theta + rng.normal(0, noise, n), "b": theta + rng.normal(0, noise, n)})


TOY_TARGETS = [Target(name="a", value=0.5, low=0.45, high=0.55, source="toy", output="a"),
               Target(name="b", value=0.5, low=0.45, high=0.55, source="toy", output="b")]


def test_sbc_covers_known_parameters_at_the_nominal_rate():
    """theta ~ U(0, 1), two noisy measurements of it: rejection ABC on the table is calibrated."""
    coverage, ranks = sbc(_toy_table(6000, 1), ["theta"], TOY_TARGETS, datasets=400, k=200, seed=2)
    assert coverage["within_band"].all(), coverage
    assert set(coverage["level"]) == {0.5, 0.9}
    assert ranks["rank"].between(0, 200).all()


def test_leave_one_out_covers_consistent_evidence_and_flags_a_contradiction():
    table = _toy_table(4000, 5)
    consistent = leave_one_out(table, TOY_TARGETS, k=100)
    assert consistent["covers"].all()
    contradicting = [TOY_TARGETS[0], Target(name="b", value=0.9, low=0.85, high=0.95, source="toy", output="b")]
    flagged = leave_one_out(table, contradicting, k=100)
    assert not flagged["covers"].any()


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
    bad.write_text("parameters: {s: {low: 0.1, high: 0.2, path: kpi.strength, applies_to: [nothing]}}\n"
                   "targets: [{name: a, value: 0.2, low: 0.1, source: s, output: mean_speedup}]\n")
    with pytest.raises(CalibrationError, match=r"parameters.s.applies_to: no target named nothing"):
        load_targets(bad)
    bad.write_text("parameters: {behavior.effort_cost: {low: 0.1, high: 0.2}}\n"
                   "targets: [{name: a, value: 0.2, low: 0.1, source: s, output: mean_speedup},\n"
                   "          {name: b, value: 0.2, low: 0.1, source: s, output: mean_speedup, role: constraint}]\n")
    with pytest.raises(CalibrationError, match="equation"):
        load_targets(bad)


def test_the_fit_uses_evidence_only():
    """No check decides anything: the seed's table is `check`; no target without an empirical source."""
    spec, _, _ = load_targets()
    roles = {t.name: t.role for t in spec.targets}
    assert all(role == "check" for name, role in roles.items() if name.startswith("seed_table_"))
    assert "organic_roi" not in roles
    detector = next(t for t in spec.targets if t.name == "detector_accuracy")
    assert detector.output == "detector_accuracy_deployed" and detector.role == "constraint"
    strengths = [p for p in spec.parameters.values() if p.path == "kpi.strength"]
    assert strengths and all(p.applies_to for p in strengths)


def test_the_shipped_posterior_is_valid():
    spec, _, _ = load_targets()
    posterior = load_posterior()
    fit = json.loads(SHIPPED_FIT.read_text())
    assert len(posterior) >= 1000 and not fit["quick"]
    assert posterior.parameters == tuple(spec.world_parameters())
    assert np.all(posterior.weights >= 0) and posterior.weights.sum() == pytest.approx(1.0)
    assert fit["effective_sample_size"] >= 300
    assert fit["final_epsilon"] <= 1.0  # every fitted target within its range in every draw
    for key in posterior.parameters:
        prior = spec.parameters[key]
        assert np.all((posterior.values[:, posterior.parameters.index(key)] >= prior.low)
                      & (posterior.values[:, posterior.parameters.index(key)] <= prior.high)), key
    assert all(0.0 <= c["share_reproducing"] <= 1.0 for c in fit["checks"])
    assert {r["level"] for r in fit["sbc"]} == {0.5, 0.9} and fit["leave_one_out"]


def test_library_defaults_are_the_posteriors_central_draw():
    """The FITTED defaults in sim/scenario/sources.py are the shipped posterior's central draw."""
    posterior = load_posterior()
    central = posterior.draw(posterior.central())
    defaults = Scenario()
    for key, value in central.items():
        assert float(get_path(defaults, key)) == value, key
    fit = json.loads(SHIPPED_FIT.read_text())
    assert fit["central"] == central


def test_committed_calibration_doc_matches_the_shipped_fit():
    from sim.calibrate.docs import FIT, OUTPUT, render

    assert OUTPUT.read_text() == render(json.loads(FIT.read_text())), (
        "docs/calibration.md is out of date: run `python -m sim.calibrate.docs` and commit it")
