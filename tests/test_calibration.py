"""The one-at-a-time calibration table: covers every parameter and rates swings consistently."""

from __future__ import annotations

from sim.validation import calibration as cal

BASE = {"performative_share": 0.2, "roi_reported": 1.0, "roi_true": 0.5, "co2_kg": 500.0}


def test_rating_thresholds():
    same = dict(BASE)
    assert cal.rating(BASE, same, same) == "none"
    assert cal.rating(BASE, BASE, {**BASE, "performative_share": 0.35}) == "strong"
    assert cal.rating(BASE, BASE, {**BASE, "performative_share": 0.25}) == "moderate"
    assert cal.rating(BASE, BASE, {**BASE, "roi_true": 0.52}) == "weak"  # 2 points
    assert cal.rating(BASE, BASE, {**BASE, "roi_true": 0.7}) == "moderate"  # 20 points
    assert cal.rating(BASE, BASE, {**BASE, "roi_true": -0.1}) == "strong"  # 60 points
    assert cal.rating(BASE, BASE, {**BASE, "co2_kg": 800.0}) == "strong"


def test_sensitivity_moves_each_parameter_to_both_ends(monkeypatch):
    seen = []

    def fake(changes):
        seen.append(changes)
        return dict(BASE)

    monkeypatch.setattr(cal, "mean_summary", fake)
    baseline, rows = cal.sensitivity()
    assert len(rows) == len(cal.PARAMETERS) and len(seen) == 1 + 2 * len(cal.PARAMETERS)
    text = cal.render(baseline, rows)
    assert "one-at-a-time" in text and "Sobol" in text
    for parameter in cal.PARAMETERS:
        assert parameter.low <= parameter.default <= parameter.high
        assert f"| `{parameter.path}` |" in text


def test_trait_overrides_are_valid_scenarios():
    from sim.scenario.io import load_scenario

    for parameter in cal.PARAMETERS:
        data = load_scenario(cal.BASE_SCENARIO).model_dump(exclude_unset=True)
        cal.set_path(data, cal._key_path(parameter).split("."), parameter.make(parameter.high), origin="test")
        load_scenario(data)
