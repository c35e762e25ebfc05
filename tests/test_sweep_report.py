"""The sweep report: one HTML page whose figures follow the design, bands that are confidence
intervals over replicates (a known answer), findings that state the table's own numbers."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from sim.sweep import run_sweep
from sim.sweep.charts import replicate_bands
from sim.sweep.report import write_report
from tests.sweep_helpers import write_spec


def test_replicate_bands_are_intervals_over_replicate_means_not_over_other_parameters() -> None:
    # two replicates; x has one level; the other parameter z has two levels far apart
    table = pd.DataFrame({"x": [1.0] * 4, "z": [0, 10, 0, 10], "replicate": [0, 0, 1, 1],
                          "m": [1.0, 101.0, 3.0, 103.0]})
    band = replicate_bands(table, "x", None, "m").iloc[0]
    replicate_means = np.array([51.0, 53.0])  # each replicate averaged over z
    half = stats.t.ppf(0.975, 1) * replicate_means.std(ddof=1) / np.sqrt(2)
    assert band["mean"] == pytest.approx(52.0) and band["n"] == 2
    assert band["high"] - band["mean"] == pytest.approx(half)  # about 12.7, not the ~100 spread over z


def test_one_replicate_has_no_band() -> None:
    table = pd.DataFrame({"x": [1.0, 2.0], "replicate": [0, 0], "m": [1.0, 2.0]})
    band = replicate_bands(table, "x", None, "m")
    assert (band["low"] == band["mean"]).all() and (band["high"] == band["mean"]).all()


@pytest.fixture(scope="module")
def grid_report(tmp_path_factory):
    folder = tmp_path_factory.mktemp("grid")
    spec = write_spec(folder, replicates=3)
    outcome = run_sweep(spec, executor="sequential", out=folder / "out", progress=False)
    written = write_report(folder / "out")
    return outcome.table, written, (folder / "out" / "report" / "index.html").read_text(encoding="utf-8")


def test_grid_report_is_one_page_with_every_figure_embedded_and_saved_twice(grid_report) -> None:
    _, written, html = grid_report
    assert written[0].name == "index.html"
    pngs = [p for p in written if p.suffix == ".png"]
    assert pngs and all(p.with_suffix(".svg").is_file() for p in pngs)
    assert html.count("data:image/png;base64,") == len(pngs)
    assert html.count("<figcaption>") == len(pngs)
    assert any(p.name.startswith("heatmap_") for p in pngs) and any(p.name.startswith("lines_") for p in pngs)
    assert "95% confidence interval over the 3 replicates" in html
    svg = next(p for p in written if p.suffix == ".svg").read_text(encoding="utf-8")
    assert svg.lstrip().startswith("<?xml") and "<svg" in svg


def test_findings_state_the_tables_own_numbers(grid_report) -> None:
    table, _, html = grid_report
    means = table.groupby(["kpi__regime", "kpi__strength"])["gaming_share_mean"].mean()
    assert f"highest, {means.max():.1%}" in html
    regime, strength = means.idxmax()
    assert f"kpi.regime = {regime}, kpi.strength = {strength}" in html
    assert re.search(r"AI spend is about \$[\d.]+ per employee-week", html)


def test_sampled_designs_get_dots_and_partial_dependence_not_heatmaps(tmp_path) -> None:
    params = {"kpi.strength": {"low": 0.0, "high": 2.0}, "audit.rate": {"low": 0.0, "high": 0.3}}
    spec = write_spec(tmp_path, parameters=params, design={"kind": "latin_hypercube", "samples": 16}, replicates=1)
    run_sweep(spec, executor="sequential", out=tmp_path / "out", progress=False)
    names = {p.name for p in write_report(tmp_path / "out")}
    assert "scatter_gaming_share_mean.png" in names and not any(n.startswith(("heatmap_", "lines_")) for n in names)
    html = (tmp_path / "out" / "report" / "index.html").read_text(encoding="utf-8")
    assert "rank correlation" in html and "A sampled design has no grid to heat-map" in html


def test_list_designs_get_one_bar_per_point(tmp_path) -> None:
    points = [{"kpi.regime": "tokens", "audit.rate": 0.0}, {"kpi.regime": "error_reduction", "audit.rate": 0.1}]
    spec = write_spec(tmp_path, parameters={}, design={"kind": "list", "points": points})
    run_sweep(spec, executor="sequential", out=tmp_path / "out", progress=False)
    names = {p.name for p in write_report(tmp_path / "out")}
    assert "points_roi_inflation.png" in names and not any(n.startswith("heatmap_") for n in names)
