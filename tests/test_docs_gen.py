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


ROOT = docs_gen.DOCS_DIR.parent


def test_readme_names_every_command_every_make_target_and_only_docs_that_exist():
    import re

    from sim.cli import build_parser

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for name, _, _ in docs_gen._subcommands(build_parser()):
        assert f"tokenmaxx {name}" in readme, f"README does not mention `tokenmaxx {name}`"
    targets = set(re.findall(r"^([a-z][\w-]*):", (ROOT / "Makefile").read_text(encoding="utf-8"), re.M))
    for target in re.findall(r"`make ([a-z][\w-]*)`", readme):
        assert target in targets, f"README names `make {target}`, which the Makefile lacks"
    for doc in set(re.findall(r"docs/([\w.-]+\.md)", readme)):
        assert (ROOT / "docs" / doc).is_file(), f"README names docs/{doc}, which does not exist"


def test_every_doc_links_only_to_files_that_exist():
    import re

    for page in (ROOT / "docs").glob("*.md"):
        text = page.read_text(encoding="utf-8")
        for target in re.findall(r"\]\(([\w./-]+\.md)\)", text):
            assert (page.parent / target).is_file(), f"{page.name} links to {target}, which does not exist"
        for path in re.findall(r"`((?:scenarios|sim|notebooks|tests)/[\w./-]+\.(?:yaml|py|ipynb|json))`", text):
            assert (ROOT / path).exists(), f"{page.name} names {path}, which does not exist"
