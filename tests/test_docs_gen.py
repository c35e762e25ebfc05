"""The generated references match the code: re-running the generator is the fix for any drift."""

from __future__ import annotations

import argparse

import pytest

from sim import docs_gen
from sim.scenario.schema import Scenario
from sim.scenario.sources import SOURCES


@pytest.mark.parametrize("name", sorted(docs_gen.GENERATED))
def test_committed_reference_matches_the_code(name):
    committed = docs_gen.DOCS_DIR / name
    generated = docs_gen.GENERATED[name]()
    assert committed.exists(), f"docs/{name} is missing: run `{docs_gen.REGENERATE}` and commit the result"
    assert committed.read_text(encoding="utf-8") == generated, (
        f"docs/{name} is out of date with the code: run `{docs_gen.REGENERATE}` and commit the result"
    )


def _leaf_paths(model, prefix=""):
    for name, field in model.model_fields.items():
        sub = docs_gen._nested_model(field.annotation)
        if sub is not None:
            yield from _leaf_paths(sub, f"{prefix}{name}.")
        else:
            yield f"{prefix}{name}"


def test_scenario_reference_lists_every_key_and_every_source():
    text = docs_gen.scenario_reference()
    for path in _leaf_paths(Scenario):
        assert f"| `{path}` |" in text, path
    for source in SOURCES.values():
        assert " ".join(source.split()).replace("|", "\\|") in text


def test_cli_reference_picks_up_a_new_command_from_the_parser():
    parser = argparse.ArgumentParser(prog="tokenmaxx", description="demo")
    commands = parser.add_subparsers(dest="command")
    sweep = commands.add_parser("sweep", help="run a parameter sweep")
    sweep.add_argument("spec", help="sweep YAML")
    sweep.add_argument("--workers", type=int, default=2, help="processes")
    text = docs_gen.cli_reference(parser)
    assert "## `tokenmaxx sweep`" in text
    assert "| `spec` | sweep YAML |  |" in text
    assert "| `--workers WORKERS` | processes | `2` |" in text


def test_main_writes_both_files(tmp_path):
    assert docs_gen.main([str(tmp_path)]) == 0
    assert {p.name for p in tmp_path.iterdir()} == set(docs_gen.GENERATED)


ODD_SECTIONS = (
    "Purpose and patterns", "Entities, state variables and scales", "Process overview and scheduling",
    "Design concepts", "Theoretical and empirical background", "Individual decision making", "Learning",
    "Individual sensing", "Individual prediction", "Interaction", "Collectives", "Heterogeneity",
    "Stochasticity", "Observation", "Emergence", "Initialisation", "Input data", "Submodels",
)


def test_odd_covers_every_section_and_cites_existing_modules():
    import re

    text = (docs_gen.DOCS_DIR / "ODD.md").read_text(encoding="utf-8")
    headings = [line for line in text.splitlines() if line.startswith("#")]
    for section in ODD_SECTIONS:
        assert any(section in heading for heading in headings), section
    root = docs_gen.DOCS_DIR.parent
    for module in set(re.findall(r"`(sim/[\w/]+\.py)`", text)):
        assert (root / module).exists(), module
