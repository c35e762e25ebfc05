"""Bad input, round 2 (issue 26): explicit YAML tags in every kind of file, file references to files
of another kind, names with terminal escapes, and the smaller cases; each one clear line, exit 2,
never a traceback, and nothing of a foreign file echoed."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from tests import fuzzing

ROOT = Path(__file__).resolve().parents[1]
DEFAULT = ROOT / "scenarios" / "default.yaml"
MARKET = ROOT / "scenarios" / "market" / "default.yaml"
SECRET = fuzzing.SECRET


def tokenmaxx(*args: str) -> tuple[int | None, str, str]:
    """Exit code, stderr and stdout of the command line (in this process; a traceback fails the test)."""
    code, stderr, trace = fuzzing._call([str(a) for a in args])
    assert trace is None, trace
    return code, stderr, "".join(fuzzing._STDOUT)


def one_error(code: int | None, stderr: str, *needles: str) -> str:
    """The single error line, checked: exit 2, names every needle."""
    assert code == 2, stderr
    lines = stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), stderr
    for needle in needles:
        assert needle in lines[0], (needle, lines[0])
    return lines[0]


FILES = {
    "scenario": (f"name: {{value}}\nextends: {DEFAULT}\n", ["check"]),
    "market": (f"name: {{value}}\nextends: {MARKET}\n", ["check"]),
    "sweep": (f"name: {{value}}\nbase: {DEFAULT}\nparameters: {{kpi.strength: {{values: [0, 1]}}}}\n"
              "design: {kind: grid}\n", ["check"]),
    "targets": ("name: {value}\n" + (ROOT / "scenarios" / "calibration" / "targets.yaml").read_text()
                .replace("name: calibration\n", "").replace("../", str(ROOT / "scenarios") + "/"), ["check"]),
}
TAGS = ["!!float abc", "!!int 0b2", "!!timestamp 2001-13-45", "2001-13-45", '!!binary "###"', "!!bool maybe",
        "!!set {a}", "!!python/object:os.system echo", "!foo x"]


@pytest.mark.parametrize("tag", TAGS)
@pytest.mark.parametrize("kind", list(FILES))
def test_a_tagged_value_is_one_line_in_every_kind_of_file(tmp_path: Path, kind: str, tag: str) -> None:
    text, command = FILES[kind]
    path = tmp_path / "tagged.yaml"
    path.write_text(text.replace("{value}", tag, 1))
    line = one_error(*tokenmaxx(*command, path)[:2], "tagged.yaml", "line 1, column 7")
    assert ("is not allowed" in line) == (tag.startswith("!") and tag.split()[0] not in ("!!float", "!!int", "!!bool"))


def test_binary_is_refused_not_read_as_an_empty_name(tmp_path: Path) -> None:
    path = tmp_path / "binary.yaml"
    path.write_text('name: !!binary "###"\nweeks: 4\n')
    one_error(*tokenmaxx("run", path, "--out", tmp_path / "out")[:2], "binary.yaml", "the tag '!!binary' is not allowed")
    assert not (tmp_path / "out").exists()


def test_plain_tags_still_read() -> None:
    code, _, out = tokenmaxx("check", DEFAULT, "--set", "weeks=!!int 7", "--set", "kpi.strength=!!float 1")
    assert code == 0 and "7 weeks" in out


def test_a_tagged_set_value_and_a_long_one_are_one_short_line() -> None:
    code, stderr, _ = tokenmaxx("check", DEFAULT, "--set", "kpi.strength=!!float abc")
    assert code == 2 and "kpi.strength: Input should be a valid number" in stderr and "'!!float abc'" in stderr
    code, stderr, _ = tokenmaxx("check", DEFAULT, "--set", "weeks=" + "x" * 5_000)
    assert code == 2 and len(stderr) < 600, len(stderr)


@pytest.mark.parametrize("reference", ["/etc/passwd", "secret.txt", "secret.yaml", "linked.yaml", "list.yaml"])
@pytest.mark.parametrize("kind", ["extends", "organisation", "base", "scenario"])
def test_a_reference_to_a_file_of_another_kind_is_refused_without_echo(tmp_path: Path, kind: str, reference: str) -> None:
    (tmp_path / "secret.txt").write_text(f"password: {SECRET}\nroot: {SECRET}:0:0\n")
    (tmp_path / "secret.yaml").write_text(f"password: {SECRET}\n")
    (tmp_path / "list.yaml").write_text(f"- {SECRET}\n")
    (tmp_path / "linked.yaml").symlink_to(tmp_path / "secret.txt")
    path = tmp_path / "input.yaml"
    if kind == "extends":
        path.write_text(f"extends: {reference}\nweeks: 4\n")
    elif kind == "organisation":
        path.write_text(f"extends: {MARKET}\norganisation: {reference}\n")
    elif kind == "base":
        path.write_text(f"base: {reference}\nparameters: {{weeks: {{values: [3, 4]}}}}\ndesign: {{kind: grid}}\n")
    else:
        targets = yaml.safe_load((ROOT / "scenarios" / "calibration" / "targets.yaml").read_text())
        for target in targets["targets"]:
            if target.get("scenario"):
                target["scenario"] = reference
        path.write_text(yaml.safe_dump(targets))
    code, stderr, stdout = tokenmaxx("check", path)
    line = one_error(code, stderr, "input.yaml", f"{kind}:")
    assert SECRET not in stderr + stdout
    expected = "is not a YAML file" if reference in ("/etc/passwd", "secret.txt", "linked.yaml") else "scenario"
    assert expected in line


def test_a_scenario_of_its_kind_is_still_a_good_reference(tmp_path: Path) -> None:
    (tmp_path / "parent.yml").write_text("kpi: {strength: 0.5}\n")
    (tmp_path / "child.yaml").write_text("extends: parent.yml\nweeks: 4\n")
    code, _, out = tokenmaxx("show", tmp_path / "child.yaml")
    assert code == 0 and "strength: 0.5  # set" in out


def test_names_reach_the_terminal_without_escape_sequences(tmp_path: Path) -> None:
    path = tmp_path / "escape.yaml"
    path.write_text('name: "\\e[2J\\e]0;owned\\a\\rred\\u202e"\nweeks: 3\norganization: {employees: 20}\n')
    for command in (["check", path], ["show", path], ["run", path, "--out", tmp_path / "out"]):
        code, stderr, out = tokenmaxx(*command)
        assert code == 0, stderr
        assert "\x1b" not in out and "\r" not in out and "\u202e" not in out and "\a" not in out
        assert "\\x1b[2J" in out


def test_check_names_the_kind_of_an_empty_or_truncated_file(tmp_path: Path) -> None:
    (tmp_path / "empty.yaml").write_text("")
    one_error(*tokenmaxx("check", tmp_path / "empty.yaml")[:2], "empty.yaml", "the file is empty")
    (tmp_path / "cut.yaml").write_text(f"name: cut\nbase: {DEFAULT}\nparameters:\n")
    code, stderr, _ = tokenmaxx("check", tmp_path / "cut.yaml")
    assert code == 2 and "invalid sweep" in stderr and "valid scenario" not in stderr
    (tmp_path / "market.yaml").write_text("name: m\nfirms: 3\n")
    code, stderr, _ = tokenmaxx("check", tmp_path / "market.yaml")
    assert code == 2 and "invalid market" in stderr


def test_check_reads_a_calibration_file() -> None:
    code, _, out = tokenmaxx("check", ROOT / "scenarios" / "calibration" / "targets.yaml")
    assert code == 0 and "is a valid calibration file 'calibration'" in out


def test_a_bad_scheduler_address_is_one_line(tmp_path: Path) -> None:
    spec = tmp_path / "s.yaml"
    spec.write_text(yaml.safe_dump(dict(fuzzing.SMALL_SWEEP, replicates=1)))
    one_error(*tokenmaxx("sweep", spec, "--executor", "dask", "--scheduler", "garbage://x", "--out",
                         tmp_path / "out")[:2], "--scheduler 'garbage://x'", "tcp://host:8786")
    assert not (tmp_path / "out").exists()


def test_a_bad_fixed_key_of_a_market_sweep_names_the_sweep_file(tmp_path: Path) -> None:
    spec = tmp_path / "market-sweep.yaml"
    spec.write_text(f"base: {MARKET}\nfixed: {{organisation_set.kpi.strength: abc}}\n"
                    "parameters: {firms: {values: [3, 4]}}\ndesign: {kind: grid}\n")
    code, stderr, _ = tokenmaxx("check", spec)
    assert code == 2 and stderr.startswith(f"error: {spec}: fixed: organisation_set: invalid scenario"), stderr
    assert "kpi.strength" in stderr and f"{MARKET}:" not in stderr
