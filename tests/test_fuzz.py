"""Hardening (issues 16 and 26): generated bad input never ends in a traceback, every value `check`
accepts runs, no name writes outside the chosen folder, no command changes a file it did not write,
no foreign file's content is echoed and an unfinished sweep's report says so.

The generator is tests/fuzzing.py (the full campaign: `python -m tests.fuzzing --inputs 10000`).
"""

from __future__ import annotations

import math
import random
import re
import types
import typing
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel

from sim.dictionary import SUMMARY
from sim.runner import run
from sim.scenario.io import ScenarioError, apply_changes, load_scenario
from sim.scenario.schema import MAX_MAGNITUDE, Scenario
from tests import fuzzing

SMALL = {"organization.employees": 30, "weeks": 6}


@settings(max_examples=100, derandomize=True, deadline=None, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(seed=st.integers(0, 2**32 - 1))
def test_generated_inputs_exit_0_or_2_with_a_clear_message(seed, tmp_path_factory):
    """Mutated scenario, sweep and market files and `--set` values: exit 0 or 2, one clear message,
    nothing written outside the chosen output folder (Hypothesis, a fixed seed, 100 examples; the
    full campaign of 10,000 is `python -m tests.fuzzing --inputs 10000`)."""
    fuzz = fuzzing.generate(random.Random(seed))
    outcome = fuzzing.run_input(fuzz, tmp_path_factory.mktemp("fuzz"))
    assert outcome.status in ("accepted", "rejected", "too_large"), (
        f"{outcome.status} for {fuzz.kind} {fuzz.mutations} {fuzz.command}:\n{outcome.message[-3000:]}"
    )


def test_the_generator_makes_every_kind_of_input():
    """The sample above draws from every kind: scenario, market, calibration and sweep files (of
    organisations and of markets), `--set`, crafted results folders, foreign output folders; and
    from the YAML tags and foreign references."""
    rng = random.Random(1)
    inputs = [fuzzing.generate(rng) for _ in range(400)]
    kinds = {fuzz.kind for fuzz in inputs}
    assert kinds == {"scenario", "set", "sweep", "market_sweep", "market", "targets", "report", "foreign"}, kinds
    mutations = " ".join(str(m) for fuzz in inputs for m in fuzz.mutations)
    assert "tag " in mutations and "reference " in mutations and "link_part" in mutations


def _numeric_paths(model: type[BaseModel], prefix: str = "") -> list[tuple[str, list]]:
    """Every plain number of the scenario schema: (key path, its bounds from the schema)."""
    found = []
    for name, info in model.model_fields.items():
        annotation = info.annotation
        args = typing.get_args(annotation) if isinstance(annotation, types.UnionType) or \
            typing.get_origin(annotation) is typing.Union else (annotation,)
        path = f"{prefix}{name}"
        nested = [a for a in args if isinstance(a, type) and issubclass(a, BaseModel)]
        if len(nested) == 1 and not any(a in (int, float) for a in args):
            found += _numeric_paths(nested[0], f"{path}.")
            continue
        if any(a in (int, float) for a in args):
            bounds = []
            for meta in info.metadata:
                for attr in ("ge", "gt", "le", "lt"):
                    if getattr(meta, attr, None) is not None:
                        bounds.append(getattr(meta, attr))
            found.append((path, bounds))
    return found


def _extremes(bounds: list) -> list[float]:
    """The values at and next to a field's bounds, and the largest magnitudes a file may hold."""
    values = [0, 1, -1, 1e-9, MAX_MAGNITUDE, -MAX_MAGNITUDE, 1e6]
    for bound in bounds:
        values += [bound, bound * (1 + 1e-9) + 1e-12, bound * (1 - 1e-9) - 1e-12]
    return sorted(set(values))


MAY_BE_NAN = {name for name, column in SUMMARY.items() if "NaN" in column.meaning}
"""Summary ratios the data dictionary says are NaN when undefined (no flags, no true value)."""

NUMERIC_PATHS = [p for p in _numeric_paths(Scenario) if p[0] not in ("seed",)]


def test_the_walk_finds_the_schemas_numbers():
    paths = dict(NUMERIC_PATHS)
    assert {"kpi.strength", "kpi.target", "audit.rate", "energy.pue", "weeks", "organization.employees"} <= set(paths)
    assert paths["audit.rate"] == [0, 1]


def test_every_value_check_accepts_runs():
    """For each number of the schema, the extremes `check` accepts run to a summary of finite numbers
    (a small organisation; the memory check refuses what would not fit)."""
    base = load_scenario(Path("scenarios/default.yaml"), [f"{k}={v}" for k, v in SMALL.items()])
    accepted = crashed = 0
    failures = []
    for path, bounds in NUMERIC_PATHS:
        for value in _extremes(bounds):
            if path in SMALL and value > 1e5:
                continue  # head-count and weeks are covered by the memory estimate's own tests
            try:
                scenario = apply_changes(base, {path: value}, origin="extremes")
            except ScenarioError:
                continue
            accepted += 1
            try:
                summary = run(scenario, seed=1).summary
            except Exception as exc:  # noqa: BLE001 - counted and reported below
                crashed += 1
                failures.append(f"{path}={value}: {type(exc).__name__}: {exc}"[:300])
                continue
            bad = [k for k, v in summary.items()
                   if isinstance(v, float) and not math.isfinite(v) and k not in MAY_BE_NAN]
            if bad:
                failures.append(f"{path}={value}: non-finite {bad}")
    assert accepted > 300, accepted
    assert not failures, f"{len(failures)} of {accepted} accepted values failed:\n" + "\n".join(failures[:20])


@pytest.mark.slow
def test_the_report_of_every_largest_accepted_value_renders(tmp_path):
    """Numbers with no upper bound of their own, each at the largest value `check` accepts (up to
    1e12): the run's report (charts and findings) is written, with no 'nan' or 'inf' in its text.
    A report takes about a second, so a fixed sample of 20 such key paths (seed 7), and kpi.target."""
    from sim.report import write_run_report

    base = load_scenario(Path("scenarios/default.yaml"), [f"{k}={v}" for k, v in SMALL.items()])
    unbounded = [(p, b) for p, b in NUMERIC_PATHS if p not in SMALL and _accepts(base, p, 1e6)]
    sample = random.Random(7).sample(unbounded, 20) + [p for p in NUMERIC_PATHS if p[0] == "kpi.target"]
    written = 0
    for path, bounds in sample:
        candidates = [v for v in _extremes(bounds) if not (path in SMALL and v > 1e5)]
        for value in (max(candidates),):
            try:
                scenario = apply_changes(base, {path: value}, origin="extremes")
            except ScenarioError:
                continue
            out = tmp_path / f"{path}-{value}"
            out.mkdir()
            write_run_report(run(scenario, seed=1), out)
            text = re.sub(r"data:[^\"')]+", "", (out / "report.html").read_text())
            assert not re.search(r"\b(nan|inf)\b|\$nan", text, flags=re.IGNORECASE), (path, value)
            written += 1
    assert written >= 15, written


def _accepts(base: Scenario, path: str, value: float) -> bool:
    try:
        apply_changes(base, {path: value}, origin="extremes")
    except ScenarioError:
        return False
    return True


MARKET_SMALL = ["firms=4", "weeks=14", "organisation_set.organization.employees=20"]


@pytest.mark.slow
def test_every_market_value_check_accepts_runs():
    """The same for the market file's own numbers (investors, imitation, vendor, correction, policies'
    shares): every accepted extreme runs a small market to a summary."""
    from sim.market.io import load_market
    from sim.market.run import run_market, summary_row
    from sim.market.schema import Market

    paths = [(p, b) for p, b in _numeric_paths(Market) if p not in ("seed", "weeks", "firms")]
    paths += [(f"policies.0.{p}", b) for p, b in _numeric_paths(Market.model_fields["policies"].annotation.__args__[0])]
    assert {"investors.weight_reported", "correction.scandals_to_trigger", "policies.0.share"} <= {p for p, _ in paths}
    accepted, failures = 0, []
    for path, bounds in paths:
        for value in _extremes(bounds):
            try:
                loaded = load_market(Path("scenarios/market/default.yaml"), [*MARKET_SMALL, f"{path}={value!r}"])
            except ScenarioError:
                continue
            accepted += 1
            try:
                row = summary_row(run_market(loaded, seed=1).summary)
            except Exception as exc:  # noqa: BLE001 - counted and reported below
                failures.append(f"{path}={value}: {type(exc).__name__}: {exc}"[:300])
                continue
            assert 0 <= row["inflating_share_end"] <= 1, (path, value)
    assert accepted > 50, accepted
    assert not failures, f"{len(failures)} of {accepted} accepted values failed:\n" + "\n".join(failures[:20])


@pytest.mark.parametrize("name", ["../../outside", "/tmp/tokenmaxx-absolute", "a/../../b", "..", "$\\frac{a}$"])
def test_a_name_is_a_label_never_a_path(name, tmp_path, monkeypatch):
    """`run` and `compare` without --out write under results/ of the working folder, whatever the name."""
    from sim.cli import main

    monkeypatch.chdir(tmp_path)
    scenario = tmp_path / "named.yaml"
    library = Path(__file__).resolve().parents[1] / "scenarios" / "default.yaml"
    scenario.write_text(f"extends: {library}\nname: {name!r}\norganization: {{employees: 30}}\nweeks: 4\n")
    before = {p for p in tmp_path.parent.rglob("*")}
    assert main(["run", str(scenario)]) == 0
    assert main(["compare", str(scenario), str(scenario), "--replicates", "2"]) == 0
    created = {p for p in tmp_path.parent.rglob("*")} - before
    outside = [p for p in created if tmp_path / "results" not in (p, *p.parents)]
    assert created and not outside, outside
    assert not Path("/tmp/tokenmaxx-absolute").exists()


def test_a_run_with_no_ai_spend_reports_undefined_ratios_as_n_a(tmp_path):
    """No seats bought: ROI and value per KPI unit are undefined; the report says n/a, never 'nan'."""
    from sim.cli import main

    out = tmp_path / "no-spend"
    assert main(["run", "scenarios/default.yaml", "--out", str(out), "--set", "management.budget.enabled=true",
                 "--set", "management.budget.initial_seat_share=1e-12", "--set", "organization.employees=50"]) == 0
    page = (out / "report.html").read_text()
    assert "= n/a" in page and "in truth AI use created no value" in page and "$-0" not in page
    assert "No AI was bought or used in this run (AI spend $0: no seats, no usage)" in page
    text = re.sub(r"data:[^\"')]+", "", page)  # embedded figures are base64
    assert not re.search(r"\bnan\b", text, flags=re.IGNORECASE), re.search(r".{80}\bnan\b.{40}", text, re.I)
