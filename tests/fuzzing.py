"""A fuzzer for the command line: mutated scenario, sweep (of organisations and of markets), market
and calibration files, YAML tags, `--set` values, crafted sweep results folders for `report`, and
output folders that are not the command's own (a user's files, a sweep's folder, a linked `.lock`).

Each generated input is a folder of files and one `tokenmaxx` command, run in this process through
:func:`sim.cli.main` inside a sandbox folder. An outcome is one of:

- ``rejected``: exit code 2 with a clear message (one ``error:`` line naming the file, short);
- ``accepted``: exit code 0 (and, for accepted scenarios small enough, the run that follows);
- ``traceback``: any exception escaping the command (what the fuzzer hunts);
- ``unclear``: exit 2 with a message that does not name the file or is too long;
- ``outside_write``: a file created anywhere in the sandbox outside the chosen output folder
  (``out/``, or ``results/`` when a command runs without ``--out``);
- ``data_loss``: a file that was in the sandbox before the command (the input, a user's notes, a
  sweep's results, the target of a linked `.lock`) changed or gone afterwards;
- ``leak``: a secret of a file the input names (``SECRET``) echoed in the output;
- ``dishonest``: `report` of an incomplete sweep accepted without saying how many runs are missing.

The test suite uses it with Hypothesis-free fixed seeds (tests/test_fuzz.py); the full campaign is

    python -m tests.fuzzing --inputs 10000 --seed 3       # prints the counts as JSON
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import math
import os
import random
import sys
import traceback
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]
LIBRARY = sorted((ROOT / "scenarios").glob("*.yaml")) + sorted((ROOT / "scenarios" / "experiments").glob("*.yaml"))
SWEEPS = sorted((ROOT / "scenarios" / "sweeps").glob("*.yaml"))
MARKETS = [p for p in sorted((ROOT / "scenarios" / "market").glob("*.yaml")) if p.name != "firm.yaml"]
TARGETS = ROOT / "scenarios" / "calibration" / "targets.yaml"
SECRET = "hunter2-not-for-echo"
"""Content of the files a mutated reference points at: it must never appear in a message."""
CRAFTED = "crafted-sweep"
"""The results folder `report` inputs read (a small finished sweep, then changed)."""

MAX_MESSAGE_CHARS = 4_000
"""Longest error message that still counts as clear (a few lines per invalid key)."""
RUN_BUDGET_EMPLOYEE_WEEKS = 2_000_000
"""Accepted scenarios up to this size are run too (larger ones are counted as `too_large`)."""

ODD_NUMBERS: list[Any] = [
    math.nan, math.inf, -math.inf, 1e308, -1e308, 1e-300, -1e-300, 0, -1, 10**30, -(10**30), 2**63, 0.5, 1e12,
    1e13, 3, 1_000_000_000,
]
ODD_VALUES: list[Any] = [
    "", "abc", True, False, None, [], {}, [1, 2], {"a": 1}, "x" * 10_000, "€ $\\frac{a}$", "../../outside",
    "1e400", ".nan", "0x10", "yes",
]
ODD_NAMES = [
    "../../outside", "/tmp/fuzz-absolute-name", "cost $\\frac{a}$", "a/b/c", "", "..", ".", "con", "n" * 300,
    "name\nnewline", "<script>alert(1)</script>", "\x00nul",
]
TYPO_KEYS = ["kpi", "strenght", "employes", "audit_rate", "weeks ", "Kpi", "extends", "seed", "name", "unknown"]
TAGGED = [
    "!!float abc", "!!int 0b2", "!!int 0x", "!!timestamp 2001-13-45", "2001-13-45", "2001-02-30 25:61:00",
    '!!binary "###"', "!!binary aGVsbG8=", "!!set {a, b}", "!!omap [a: 1]", "!!pairs [a: 1]", "!!python/object:os.system x",
    "!!python/name:os.system ''", "!foo bar", "!!str 3", "!!float 3", "!!int 7", "!!bool yes", "!!bool maybe",
    "!!null ''", "!<tag:yaml.org,2002:float> x", "!!merge x", "!!map [1]", "!!seq {a: 1}", "!!float .nan",
    "!!int 99999999999999999999999", "!!float 1e999", "!!timestamp 2001-12-14", "! x",
]
"""Values with explicit YAML tags (and implicit timestamps): refused or read, never a traceback."""
TAG_MARK = "TAG-"
REFERENCE_KEYS = {"scenario": "extends", "market": "organisation", "sweep": "base", "market_sweep": "base",
                  "targets": "scenario"}


@dataclass
class FuzzInput:
    """Files to write in the sandbox (name -> bytes) and the command (``{dir}`` is the sandbox);
    `setup(sandbox)` makes what files cannot (links, a results folder); an accepted `report` must
    contain `expect` (how many runs an incomplete sweep misses)."""

    files: dict[str, bytes]
    command: list[str]
    kind: str
    mutations: list[str] = field(default_factory=list)
    setup: Callable[[Path], None] | None = None
    expect: str | None = None


# ---------------------------------------------------------------- structured mutations


def _paths(tree: Any, prefix: tuple = ()) -> list[tuple]:
    """Every key path of a parsed YAML tree (mapping keys and list indices)."""
    found = []
    if isinstance(tree, dict):
        for key, value in tree.items():
            found.append((*prefix, key))
            found.extend(_paths(value, (*prefix, key)))
    elif isinstance(tree, list):
        for i, value in enumerate(tree):
            found.append((*prefix, i))
            found.extend(_paths(value, (*prefix, i)))
    return found


def _parent(tree: Any, path: tuple) -> Any:
    for step in path[:-1]:
        tree = tree[step]
    return tree


def _odd_value(rng: random.Random) -> Any:
    """A fresh odd value (a copy: later mutations must not change the shared lists)."""
    import copy

    return copy.deepcopy(_odd_choice(rng))


def _odd_choice(rng: random.Random) -> Any:
    pick = rng.random()
    if pick < 0.45:
        return rng.choice(ODD_NUMBERS)
    if pick < 0.6:
        return rng.uniform(-10, 10) if rng.random() < 0.5 else rng.randint(-5, 100)
    return rng.choice(ODD_VALUES)


def mutate_tree(tree: dict, rng: random.Random, extra_files: dict[str, bytes]) -> str:
    """Change a parsed file in place in one random way; return what was done."""
    paths = _paths(tree)
    kind = rng.choice(["delete", "rename", "replace", "replace", "replace", "add", "nest", "extends",
                       "interventions", "name", "replace_section", "tag", "tag"])
    if kind == "tag":
        target = rng.choice([p for p in paths if isinstance(p[-1], str)] or [("name",)])
        index = rng.randrange(len(TAGGED))
        _parent(tree, target)[target[-1]] = f"{TAG_MARK}{index}"
        return f"tag {target}: {TAGGED[index]}"
    if kind == "delete" and paths:
        path = rng.choice(paths)
        parent = _parent(tree, path)
        del parent[path[-1]]
        return f"delete {path}"
    if kind == "rename" and paths:
        path = rng.choice([p for p in paths if isinstance(p[-1], str)] or [("name",)])
        parent = _parent(tree, path)
        if isinstance(parent, dict) and path[-1] in parent:
            new = rng.choice([path[-1][:-1] or "x", path[-1] + "s", rng.choice(TYPO_KEYS)])
            parent[new] = parent.pop(path[-1])
            return f"rename {path} -> {new}"
    if kind in ("replace", "rename", "delete") and paths:
        path = rng.choice(paths)
        _parent(tree, path)[path[-1]] = _odd_value(rng)
        return f"replace {path}"
    if kind == "add":
        target = tree
        for step in rng.choice(paths or [()])[:1]:
            target = tree.get(step, tree) if isinstance(tree, dict) else tree
        if isinstance(target, dict):
            target[rng.choice(TYPO_KEYS)] = _odd_value(rng)
        return "add key"
    if kind == "nest":
        depth = rng.choice([2, 30, 45, 200, 600, 3000])
        tree[rng.choice(["kpi", "behavior", "organization", "weeks", "name"])] = f"{NEST_MARK}{depth}"
        return f"nest {depth}"
    if kind == "extends":
        choice = rng.choice(["missing", "self", "cycle", "long", "folder", "zero", "null", "latin1", "library",
                             "empty", "number"])
        tree["extends"] = {
            "missing": "does-not-exist.yaml", "self": "input.yaml", "cycle": "other.yaml", "long": "e" * 5_000,
            "folder": ".", "zero": "/dev/zero", "null": "/dev/null", "latin1": "latin1.yaml",
            "library": str(rng.choice(LIBRARY)), "empty": "", "number": 3,
        }[choice]
        if choice == "cycle":
            extra_files["other.yaml"] = b"extends: input.yaml\nname: other\n"
        if choice == "latin1":
            extra_files["latin1.yaml"] = "name: caf\u00e9\n".encode("latin-1")
        return f"extends {choice}"
    if kind == "interventions":
        count = rng.choice([1, 2, 5, 1_001, 1_500])
        week = rng.choice([0, -1, 1, 10, 52, 53, 10**9, 2.5, "ten", None])
        change = rng.choice([{"kpi.regime": "action_linked"}, {"audit.rate": rng.choice(ODD_NUMBERS)},
                             {"organization.employees": 10}, {"kpi.regime": "nonsense"}, {}, {"kpi.strength": "x"}])
        management = tree.setdefault("management", {})
        if isinstance(management, dict):
            management["interventions"] = [{"week": week, "set": dict(change)} for _ in range(count)]
        return f"interventions {count} at {week!r}: {change}"
    if kind == "name":
        tree["name"] = rng.choice(ODD_NAMES)
        return f"name {tree['name']!r}"
    section = rng.choice(["kpi", "behavior", "organization", "audit", "pricing", "management", "detection"])
    tree[section] = _odd_value(rng)
    return f"section {section}"


NEST_MARK = "NEST-"
"""Stands for a nested list in the tree until it is written (PyYAML cannot write 3,000 levels)."""


def _unnest(text: str) -> str:
    """Write each NEST-<depth> marker as <depth> nested flow lists, each TAG-<i> as TAGGED[i]."""
    import re

    text = re.sub(rf"{NEST_MARK}(\d+)", lambda m: "[" * int(m[1]) + "1" + "]" * int(m[1]), text)
    return re.sub(rf"'?{TAG_MARK}(\d+)'?", lambda m: TAGGED[int(m[1])], text)


def mutate_reference(tree: dict, key: str, rng: random.Random, extra_files: dict[str, bytes]) -> str:
    """Point the file's reference (`extends`, `organisation`, `base`, a target's `scenario`) at a file
    that is not one of its kind: a system file, a secret, a YAML mapping of other keys, a link."""
    choice = rng.choice(["passwd", "secret_txt", "secret_yaml", "secret_list", "link", "folder", "number", "market"])
    value: Any = {"passwd": "/etc/passwd", "secret_txt": "secret.txt", "secret_yaml": "secret.yaml",
                  "secret_list": "secret-list.yaml", "link": "linked.yaml", "folder": ".", "number": 7,
                  "market": str(ROOT / "scenarios" / "market" / "default.yaml")}[choice]
    extra_files["secret.txt"] = f"password: {SECRET}\nroot: {SECRET}:0:0\n".encode()
    extra_files["secret.yaml"] = f"password: {SECRET}\nkpi_password: {SECRET}\n".encode()
    extra_files["secret-list.yaml"] = f"- {SECRET}\n- {{password: {SECRET}}}\n".encode()
    if key == "scenario" and isinstance(tree.get("targets"), list) and tree["targets"]:
        target = rng.choice([t for t in tree["targets"] if isinstance(t, dict)] or [{}])
        target["scenario"] = value
    else:
        tree[key] = value
    return f"reference {key} -> {choice}"


# ---------------------------------------------------------------- byte mutations


def mutate_bytes(text: bytes, rng: random.Random) -> tuple[bytes, str]:
    """A raw change to a file's bytes: encodings, truncation, duplicates, alias bombs, garbage."""
    kind = rng.choice(["latin1", "utf16", "utf16_bom", "bom", "truncate", "garbage", "nul", "duplicate",
                       "bomb", "tab", "syntax", "empty", "huge"])
    if kind == "latin1":
        return text + "\nname: caf\u00e9 \u00e0 la cr\u00e8me\n".encode("latin-1"), kind
    if kind == "utf16":
        return text.decode("utf-8", "replace").encode("utf-16-le"), kind
    if kind == "utf16_bom":
        return text.decode("utf-8", "replace").encode("utf-16"), kind
    if kind == "bom":
        return b"\xef\xbb\xbf" + text, kind
    if kind == "truncate":
        return text[: rng.randrange(len(text) + 1)], kind
    if kind == "garbage":
        at = rng.randrange(len(text) + 1)
        return text[:at] + bytes(rng.randrange(256) for _ in range(rng.randint(1, 40))) + text[at:], kind
    if kind == "nul":
        return text.replace(b":", b":\x00", 1), kind
    if kind == "duplicate":
        return text + b"\nweeks: 10\nweeks: 20\n", kind
    if kind == "bomb":
        levels = rng.choice([3, 6, 9, 12])
        lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
        lines += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]" for i in range(1, levels)]
        return text + ("\n" + "\n".join(lines) + f"\nweeks: *a{levels - 1}\n").encode(), f"bomb {levels}"
    if kind == "tab":
        return text.replace(b"  ", b"\t", 1), kind
    if kind == "syntax":
        return text + rng.choice([b"\nkpi: [unclosed\n", b"\n: : :\n", b"\n- a\nb: c\n", b"\n{{{{\n"]), kind
    if kind == "empty":
        return b"", kind
    return text + b"\n# " + b"x" * 1_100_000 + b"\n", kind


# ---------------------------------------------------------------- inputs


SET_PATHS = ["kpi.strength", "kpi.target", "kpi.regime", "organization.employees", "weeks", "behavior.noise",
             "audit.rate", "audit.penalty", "organization.cross_team_ties", "management.interventions.0.week",
             "pricing.pue", "behavior.integrity_cost.mean", "nonsense.key", "kpi", "", "seed", "name",
             "detection.threshold_sd", "management.budget.hurdle_roi", "kpi.weights.tokens"]


def generate(rng: random.Random) -> FuzzInput:
    """One random input: a mutated library scenario (most), `--set` values, a sweep of organisations
    or of markets, a market or calibration file, a crafted results folder for `report`, or an output
    folder that is not the command's own."""
    pick = rng.random()
    if pick < 0.10:
        path, value = rng.choice(SET_PATHS), rng.choice([*map(str, ODD_NUMBERS), "abc", "[1, 2]", "{a: 1}", "",
                                                          "1e-3", "tokens", "action_linked", "0.1", "-3", "1e400",
                                                          *rng.sample(TAGGED, 3), "y" * 5_000, "\x1b[31mred"])
        command = rng.choice(["check", "run", "show"])
        argv = [command, str(ROOT / "scenarios" / "default.yaml"), "--set", f"{path}={value}"]
        if command == "run":
            argv += ["--out", "{dir}/out"]
        return FuzzInput({}, argv, "set", [f"--set {path}={value[:80]}"])
    if pick < 0.17:
        return _file_input(rng, rng.choice([p for p in SWEEPS if "market" not in p.name] or SWEEPS), "sweep")
    if pick < 0.22:
        return _file_input(rng, rng.choice([p for p in SWEEPS if "market" in p.name] or SWEEPS), "market_sweep")
    if pick < 0.28:
        return _file_input(rng, rng.choice(MARKETS), "market")
    if pick < 0.33:
        return _file_input(rng, TARGETS, "targets")
    if pick < 0.38:
        return crafted_report(rng)
    if pick < 0.42:
        return foreign_folder(rng)
    return _file_input(rng, rng.choice(LIBRARY), "scenario")


def _file_input(rng: random.Random, source: Path, kind: str) -> FuzzInput:
    tree = yaml.safe_load(source.read_text()) or {}
    for key in ("extends", "base", *(["organisation"] if kind == "market" else [])):
        if isinstance(tree.get(key), str):
            tree[key] = str((source.parent / tree[key]).resolve())
    for target in tree.get("targets", []) if kind == "targets" else []:
        if isinstance(target.get("scenario"), str):
            target["scenario"] = str((source.parent / target["scenario"]).resolve())
    if kind in ("sweep", "market_sweep"):  # small enough to run when accepted
        small = {"firms": 3, "weeks": 8, "organisation_set.organization.employees": 20} if kind == "market_sweep" else \
            {"organization.employees": 30, "weeks": 6}
        tree.setdefault("fixed", {})
        if isinstance(tree["fixed"], dict):
            tree["fixed"].update(small)
        tree["replicates"] = 1
    extra: dict[str, bytes] = {}
    done = [mutate_tree(tree, rng, extra) for _ in range(rng.choice([1, 1, 2, 3]))]
    if rng.random() < 0.15:
        done.append(mutate_reference(tree, REFERENCE_KEYS[kind], rng, extra))
    text = _unnest(yaml.safe_dump(tree, sort_keys=False, allow_unicode=True)).encode("utf-8")
    if rng.random() < 0.25:
        text, what = mutate_bytes(text, rng)
        done.append(what)
    files = {"input.yaml": text, **extra}
    if kind == "scenario":
        command = rng.choice(["check", "check", "show", "run"])
        argv = [command, "{dir}/input.yaml"] + (["--out", "{dir}/out"] if command == "run" else [])
    elif kind in ("sweep", "market_sweep"):
        argv = ["sweep", "{dir}/input.yaml", "--executor", "sequential", "--out", "{dir}/out", "--no-progress"]
    elif kind == "targets":
        argv = ["check", "{dir}/input.yaml"]
    else:
        argv = ["market", "{dir}/input.yaml", "--out", "{dir}/out", "--set", "firms=3",
                "--set", "weeks=8", "--set", "organisation_set.organization.employees=20"]
    return FuzzInput(files, argv, kind, done, setup=_link_secret)


def _link_secret(sandbox: Path) -> None:
    """`linked.yaml`: a YAML-named link to a file that is not YAML (a reference must not follow it)."""
    if (sandbox / "secret.txt").exists():
        (sandbox / "linked.yaml").symlink_to(sandbox / "secret.txt")


# ---------------------------------------------------------------- crafted folders

SMALL_SWEEP = {
    "name": "crafted", "base": str(ROOT / "scenarios" / "default.yaml"),
    "fixed": {"organization.employees": 20, "weeks": 4},
    "parameters": {"kpi.strength": {"values": [0.0, 1.0]}, "audit.rate": {"values": [0.0, 0.2]}},
    "design": {"kind": "grid"}, "replicates": 3, "seed": 5,
}
"""A finished sweep of 12 runs (2 x 2 points x 3 replicates), the template of every crafted folder."""
_TEMPLATE: dict[str, Path] = {}


def template_sweep() -> Path:
    """A finished small sweep's folder, made once per process (a few seconds)."""
    if "sweep" not in _TEMPLATE:
        import tempfile

        from sim.sweep import run_sweep

        import atexit
        import shutil

        home = Path(tempfile.mkdtemp(prefix="tokenmaxx-fuzz-template-"))
        atexit.register(shutil.rmtree, home, ignore_errors=True)
        folder = home / CRAFTED
        with contextlib.redirect_stderr(io.StringIO()):
            run_sweep(dict(SMALL_SWEEP), executor="sequential", out=folder, progress=False)
        (folder / ".lock").unlink(missing_ok=True)
        _TEMPLATE["sweep"] = folder
    return _TEMPLATE["sweep"]


CRAFTS = ["drop_table", "zero_part", "garbage_part", "link_part", "wrong_schema", "duplicate_part", "out_of_range",
          "missing_parts", "spec_tree", "spec_bytes", "design_garbage", "design_rows", "table_garbage", "report_link",
          "runs_link", "metadata_garbage", "null_index", "text_index"]


def crafted_report(rng: random.Random) -> FuzzInput:
    """`report` of a finished sweep's folder changed in one or two ways an earlier version, a user or
    an attacker could have left it."""
    crafts = rng.sample(CRAFTS, rng.choice([1, 1, 2]))
    seed = rng.randrange(2**32)
    expect = "runs finished" if crafts == ["missing_parts"] else None
    return FuzzInput({}, ["report", f"{{dir}}/results/{CRAFTED}"], "report", crafts,
                     setup=lambda sandbox: _craft(sandbox, crafts, random.Random(seed)), expect=expect)


def _craft(sandbox: Path, crafts: list[str], rng: random.Random) -> None:
    import shutil

    import pandas as pd

    folder = sandbox / "results" / CRAFTED
    shutil.copytree(template_sweep(), folder)
    runs = folder / "runs"
    for craft in crafts:
        parts = sorted(runs.glob("run-*.parquet"))  # as the crafts before left them
        if craft != "missing_parts":
            (folder / "runs.parquet").unlink(missing_ok=True)  # else the table is read, not the parts
        new = runs / f"run-{rng.randrange(20):06d}-{rng.randrange(16**8):08x}.parquet"
        if craft == "zero_part":
            new.write_bytes(b"")
        elif craft == "garbage_part":
            new.write_bytes(b"PAR1" + bytes(rng.randrange(256) for _ in range(rng.randint(0, 300))) + b"PAR1")
        elif craft == "link_part":
            new.symlink_to("/etc/passwd")
        elif craft == "wrong_schema":
            pd.DataFrame({"x": [1, 2], "status": ["ok", "ok"]}).to_parquet(new)
        elif craft == "null_index":
            pd.DataFrame({"run_index": [None, 1.0], "status": ["ok", "ok"]}).to_parquet(new)
        elif craft == "text_index":
            pd.DataFrame({"run_index": ["a", "b"], "status": ["ok", "ok"]}).to_parquet(new)
        elif craft == "duplicate_part" and parts:
            shutil.copy(rng.choice(parts), new)
        elif craft == "out_of_range" and parts:
            frame = pd.read_parquet(rng.choice(parts)).assign(run_index=rng.choice([12, 999, -1]))
            frame.to_parquet(new)
        elif craft == "missing_parts" and parts:
            (folder / "runs.parquet").unlink(missing_ok=True)
            for part in rng.sample(parts, rng.randint(1, len(parts) - 1) if len(parts) > 1 else 1):
                part.unlink()
        elif craft == "spec_tree":
            tree = yaml.safe_load((folder / "spec.yaml").read_text())
            mutate_tree(tree, rng, {})
            (folder / "spec.yaml").write_text(_unnest(yaml.safe_dump(tree, sort_keys=False)))
        elif craft == "spec_bytes":
            (folder / "spec.yaml").write_bytes(mutate_bytes((folder / "spec.yaml").read_bytes(), rng)[0])
        elif craft == "design_garbage":
            (folder / "design.csv").write_bytes(mutate_bytes((folder / "design.csv").read_bytes(), rng)[0])
        elif craft == "design_rows":
            lines = (folder / "design.csv").read_text().splitlines()
            (folder / "design.csv").write_text("\n".join(lines[: rng.randrange(1, len(lines) + 1)] + lines[1:2]) + "\n")
        elif craft == "table_garbage":
            (folder / "runs.parquet").write_bytes(bytes(rng.randrange(256) for _ in range(200)))
        elif craft == "report_link":  # the report's folder linked out of the results folder
            (sandbox / "elsewhere").mkdir(exist_ok=True)
            (folder / "report").symlink_to(sandbox / "elsewhere")
        elif craft == "runs_link":
            shutil.move(runs, sandbox / "moved-runs")
            runs.symlink_to(sandbox / "moved-runs")
        elif craft == "metadata_garbage":
            (folder / "metadata.json").write_bytes(b"{not json")


FOREIGN = ["notes", "thesis", "sweep_folder", "lock_link", "lock_dangling", "runs_link", "file_out", "empty_marker"]


def foreign_folder(rng: random.Random) -> FuzzInput:
    """A command whose --out is a folder it did not write: a user's notes, a `metadata.json` of `{}`
    beside a thesis, a finished sweep; or a sweep folder whose `.lock` or `runs/` links elsewhere."""
    case = rng.choice(FOREIGN)
    small = ["--set", "organization.employees=20", "--set", "weeks=4"]
    if case in ("lock_link", "lock_dangling", "runs_link"):
        spec = dict(SMALL_SWEEP, replicates=1)
        files = {"input.yaml": yaml.safe_dump(spec).encode()}
        command = ["sweep", "{dir}/input.yaml", "--executor", "sequential", "--out", "{dir}/out", "--no-progress",
                   *rng.choice([[], ["--workers", "-1"], ["--fresh"], ["--workers", "0", "--fresh"]])]
    else:
        files = {}
        command = rng.choice([
            ["run", str(ROOT / "scenarios" / "default.yaml"), *small, "--out", "{dir}/out"],
            ["market", str(ROOT / "scenarios" / "market" / "default.yaml"), "--set", "firms=3", "--set", "weeks=8",
             "--set", "organisation_set.organization.employees=20", "--out", "{dir}/out"],
            ["compare", str(ROOT / "scenarios" / "default.yaml"), str(ROOT / "scenarios" / "default.yaml"), *small,
             "--replicates", "2", "--out", "{dir}/out"],
        ])
    return FuzzInput(files, command, "foreign", [case], setup=lambda sandbox: _foreign(sandbox, case))


def _foreign(sandbox: Path, case: str) -> None:
    import shutil

    out = sandbox / "out"
    if case == "file_out":
        out.write_text("a file, not a folder\n")
        return
    if case == "sweep_folder":
        shutil.copytree(template_sweep(), out)
        (out / "NOTES.txt").write_text("my notes\n")
        return
    out.mkdir()
    (sandbox / "precious.txt").write_text("precious\n")
    if case == "notes":
        (out / "NOTES.txt").write_text("my notes\n")
        (out / "metadata.json").write_text("{}\n")
    elif case == "thesis":
        (out / "metadata.json").write_text("{}\n")
        (out / "thesis.tex").write_text("\\documentclass{article}\n")
    elif case == "empty_marker":
        (out / "summaries.csv").write_text("a\n1\n")
        (out / "data.csv").write_text("mine\n")
    elif case == "lock_link":
        (out / ".lock").symlink_to(sandbox / "precious.txt")
    elif case == "lock_dangling":
        (out / ".lock").symlink_to(sandbox / "created-elsewhere")
    elif case == "runs_link":
        (sandbox / "elsewhere").mkdir()
        (out / "runs").symlink_to(sandbox / "elsewhere")


# ---------------------------------------------------------------- running


@dataclass
class Outcome:
    status: str
    code: int | None
    message: str
    fuzz: FuzzInput


def _snapshot(folder: Path) -> set[Path]:
    return {p for p in folder.rglob("*")}


def _contents(folder: Path) -> dict[Path, bytes | str]:
    """Every file under `folder` (links not followed): its bytes, or a link's target."""
    found: dict[Path, bytes | str] = {}
    for path in folder.rglob("*"):
        if path.is_symlink():
            found[path] = f"-> {os.readlink(path)}"
        elif path.is_file():
            found[path] = path.read_bytes()
    return found


def _small_enough(fuzz: FuzzInput, sandbox: Path) -> bool:
    """Whether an accepted scenario is cheap to run here (the fuzzer runs it next)."""
    from sim.scenario.io import load_scenario

    try:
        scenario = load_scenario(sandbox / "input.yaml")
    except Exception:  # noqa: BLE001 - check accepted it; a failure here shows up in the run
        return True
    return scenario.organization.employees * scenario.weeks <= RUN_BUDGET_EMPLOYEE_WEEKS


_STDOUT: list[str] = []
"""What the last command printed (checked for leaked secrets)."""


def _call(argv: list[str]) -> tuple[int | None, str, str | None]:
    """(exit code, stderr, traceback or None) of `tokenmaxx argv` in this process."""
    from sim.cli import main

    out, err = io.StringIO(), io.StringIO()
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(argv)
    except SystemExit as exc:  # argparse's own errors
        code = exc.code if isinstance(exc.code, int) else 2
    except BaseException:  # noqa: BLE001 - what the fuzzer looks for
        return None, err.getvalue(), traceback.format_exc()
    finally:
        _STDOUT[:] = [out.getvalue()]
    return code, err.getvalue(), None


def _clear(message: str, fuzz: FuzzInput) -> bool:
    """One error line first, naming the file (or the --set), and not too long."""
    first = message.strip().splitlines()[0] if message.strip() else ""
    if not first.startswith(("error:", "tokenmaxx")) or len(message) > MAX_MESSAGE_CHARS:
        return False
    named = ("input.yaml", "--set", "default.yaml", "usage:", "other.yaml", "latin1.yaml", CRAFTED, "/out", "--workers")
    return any(name in message for name in named)


def run_input(fuzz: FuzzInput, sandbox: Path) -> Outcome:
    """Write the files, run the command, classify what happened."""
    sandbox.mkdir(parents=True, exist_ok=True)
    for name, data in fuzz.files.items():
        (sandbox / name).write_bytes(data)
    if fuzz.setup is not None:
        fuzz.setup(sandbox)
    argv = [a.replace("{dir}", str(sandbox)) for a in fuzz.command]
    before = _snapshot(sandbox)
    kept = _contents(sandbox)
    previous = Path.cwd()
    os.chdir(sandbox)  # relative names (results/...) resolve inside the sandbox
    try:
        if argv[0] == "run" and fuzz.kind == "scenario":
            code, message, trace = _call(["check", *argv[1:2]])
            if code == 0 and not _small_enough(fuzz, sandbox):
                return Outcome("too_large", 0, "", fuzz)
            if code == 0:
                code, message, trace = _call(argv)
        else:
            code, message, trace = _call(argv)
    finally:
        os.chdir(previous)
    chosen = (sandbox / "out", sandbox / "results")  # --out, or the default results/<name>/
    outside = {p for p in _snapshot(sandbox) - before if not any(c in (p, *p.parents) for c in chosen)}
    if trace is not None:
        return Outcome("traceback", None, trace, fuzz)
    if outside:
        return Outcome("outside_write", code, ", ".join(str(p.relative_to(sandbox)) for p in sorted(outside)), fuzz)
    now = _contents(sandbox)
    lost = sorted(str(p.relative_to(sandbox)) for p, content in kept.items() if now.get(p) != content)
    if lost:
        return Outcome("data_loss", code, f"changed or removed: {', '.join(lost[:5])}\n{message}", fuzz)
    if SECRET in message or SECRET in "".join(_STDOUT):
        return Outcome("leak", code, message + "".join(_STDOUT)[-500:], fuzz)
    if code == 0 and fuzz.expect is not None:
        page = sandbox / "results" / CRAFTED / "report" / "index.html"
        if not page.is_file() or fuzz.expect not in page.read_text(encoding="utf-8"):
            return Outcome("dishonest", 0, f"the report does not say '{fuzz.expect}'", fuzz)
    if code == 0:
        return Outcome("accepted", 0, "", fuzz)
    if code == 2 and _clear(message, fuzz):
        return Outcome("rejected", 2, message, fuzz)
    return Outcome("unclear", code, message, fuzz)


FAILURES = ("traceback", "unclear", "outside_write", "data_loss", "leak", "dishonest")
"""Outcomes that are bugs."""


def campaign(inputs: int, seed: int, root: Path, on_outcome: Callable[[Outcome], None] | None = None) -> Counter:
    """Generate and run `inputs` inputs; return the count of each outcome."""
    import shutil

    rng = random.Random(seed)
    counts: Counter = Counter()
    for i in range(inputs):
        fuzz = generate(rng)
        sandbox = root / f"input-{i}"
        outcome = run_input(fuzz, sandbox)
        counts[outcome.status] += 1
        counts[f"{fuzz.kind}:{outcome.status}"] += 1
        if on_outcome is not None:
            on_outcome(outcome)
        if outcome.status in ("accepted", "rejected", "too_large"):
            shutil.rmtree(sandbox, ignore_errors=True)
    return counts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--inputs", type=int, default=1_000)
    parser.add_argument("--seed", type=int, default=3)
    parser.add_argument("--root", type=Path, default=Path("results") / "fuzz")
    parser.add_argument("--show", type=int, default=5, help="print this many failures of each kind")
    args = parser.parse_args(argv)
    shown: Counter = Counter()

    def report(outcome: Outcome) -> None:
        if outcome.status in FAILURES and shown[outcome.status] < args.show:
            shown[outcome.status] += 1
            print(f"--- {outcome.status} ({outcome.fuzz.kind}; {outcome.fuzz.mutations}; {outcome.fuzz.command})\n"
                  f"{outcome.message[-1500:]}", file=sys.stderr)

    import logging
    import warnings

    logging.disable(logging.CRITICAL)
    warnings.simplefilter("ignore")
    counts = campaign(args.inputs, args.seed, args.root.resolve(), report)
    print(json.dumps(dict(sorted(counts.items())), indent=1))
    return 0 if all(counts[k] == 0 for k in FAILURES) else 1


if __name__ == "__main__":
    sys.exit(main())
