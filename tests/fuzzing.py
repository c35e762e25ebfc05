"""A fuzzer for the command line: mutated scenario, sweep and market files and `--set` values.

Each generated input is a folder of files and one `tokenmaxx` command, run in this process through
:func:`sim.cli.main` inside a sandbox folder. An outcome is one of:

- ``rejected``: exit code 2 with a clear message (one ``error:`` line naming the file, short);
- ``accepted``: exit code 0 (and, for accepted scenarios small enough, the run that follows);
- ``traceback``: any exception escaping the command (what the fuzzer hunts);
- ``unclear``: exit 2 with a message that does not name the file or is too long;
- ``outside_write``: a file created anywhere in the sandbox outside the chosen output folder
  (``out/``, or ``results/`` when a command runs without ``--out``).

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


@dataclass
class FuzzInput:
    """Files to write in the sandbox (name -> bytes) and the command (``{dir}`` is the sandbox)."""

    files: dict[str, bytes]
    command: list[str]
    kind: str
    mutations: list[str] = field(default_factory=list)


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
                       "interventions", "name", "replace_section"])
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
    """Write each NEST-<depth> marker as <depth> nested flow lists."""
    import re

    return re.sub(rf"{NEST_MARK}(\d+)", lambda m: "[" * int(m[1]) + "1" + "]" * int(m[1]), text)


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
    """One random input: a mutated library scenario (most), `--set` values, a sweep or a market file."""
    pick = rng.random()
    if pick < 0.12:
        path, value = rng.choice(SET_PATHS), rng.choice([*map(str, ODD_NUMBERS), "abc", "[1, 2]", "{a: 1}", "",
                                                          "1e-3", "tokens", "action_linked", "0.1", "-3", "1e400"])
        command = rng.choice(["check", "run", "show"])
        argv = [command, str(ROOT / "scenarios" / "default.yaml"), "--set", f"{path}={value}"]
        if command == "run":
            argv += ["--out", "{dir}/out"]
        return FuzzInput({}, argv, "set", [f"--set {path}={value}"])
    if pick < 0.22:
        return _file_input(rng, rng.choice(SWEEPS), "sweep")
    if pick < 0.27:
        return _file_input(rng, rng.choice(MARKETS), "market")
    return _file_input(rng, rng.choice(LIBRARY), "scenario")


def _file_input(rng: random.Random, source: Path, kind: str) -> FuzzInput:
    tree = yaml.safe_load(source.read_text()) or {}
    if isinstance(tree.get("extends"), str):
        tree["extends"] = str((source.parent / tree["extends"]).resolve())
    if isinstance(tree.get("base"), str):
        tree["base"] = str((source.parent / tree["base"]).resolve())
    if kind == "market" and isinstance(tree.get("organisation"), str):
        tree["organisation"] = str((source.parent / tree["organisation"]).resolve())
    if kind == "sweep":  # small enough to run when accepted
        market_base = "market" in str(tree.get("base", ""))
        small = {"firms": 3, "weeks": 8, "organisation_set.organization.employees": 20} if market_base else \
            {"organization.employees": 30, "weeks": 6}
        tree.setdefault("fixed", {})
        if isinstance(tree["fixed"], dict):
            tree["fixed"].update(small)
        tree["replicates"] = 1
    extra: dict[str, bytes] = {}
    done = [mutate_tree(tree, rng, extra) for _ in range(rng.choice([1, 1, 2, 3]))]
    text = _unnest(yaml.safe_dump(tree, sort_keys=False, allow_unicode=True)).encode("utf-8")
    if rng.random() < 0.25:
        text, what = mutate_bytes(text, rng)
        done.append(what)
    files = {"input.yaml": text, **extra}
    if kind == "scenario":
        command = rng.choice(["check", "check", "show", "run"])
        argv = [command, "{dir}/input.yaml"] + (["--out", "{dir}/out"] if command == "run" else [])
    elif kind == "sweep":
        argv = ["sweep", "{dir}/input.yaml", "--executor", "sequential", "--out", "{dir}/out", "--no-progress"]
    else:
        argv = ["market", "{dir}/input.yaml", "--out", "{dir}/out", "--set", "firms=3",
                "--set", "weeks=8", "--set", "organisation_set.organization.employees=20"]
    return FuzzInput(files, argv, kind, done)


# ---------------------------------------------------------------- running


@dataclass
class Outcome:
    status: str
    code: int | None
    message: str
    fuzz: FuzzInput


def _snapshot(folder: Path) -> set[Path]:
    return {p for p in folder.rglob("*")}


def _small_enough(fuzz: FuzzInput, sandbox: Path) -> bool:
    """Whether an accepted scenario is cheap to run here (the fuzzer runs it next)."""
    from sim.scenario.io import load_scenario

    try:
        scenario = load_scenario(sandbox / "input.yaml")
    except Exception:  # noqa: BLE001 - check accepted it; a failure here shows up in the run
        return True
    return scenario.organization.employees * scenario.weeks <= RUN_BUDGET_EMPLOYEE_WEEKS


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
    return code, err.getvalue(), None


def _clear(message: str, fuzz: FuzzInput) -> bool:
    """One error line first, naming the file (or the --set), and not too long."""
    first = message.strip().splitlines()[0] if message.strip() else ""
    if not first.startswith(("error:", "tokenmaxx")) or len(message) > MAX_MESSAGE_CHARS:
        return False
    return "input.yaml" in message or "--set" in message or "default.yaml" in message or "usage:" in message \
        or "other.yaml" in message or "latin1.yaml" in message


def run_input(fuzz: FuzzInput, sandbox: Path) -> Outcome:
    """Write the files, run the command, classify what happened."""
    sandbox.mkdir(parents=True, exist_ok=True)
    for name, data in fuzz.files.items():
        (sandbox / name).write_bytes(data)
    argv = [a.replace("{dir}", str(sandbox)) for a in fuzz.command]
    before = _snapshot(sandbox)
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
    if code == 0:
        return Outcome("accepted", 0, "", fuzz)
    if code == 2 and _clear(message, fuzz):
        return Outcome("rejected", 2, message, fuzz)
    return Outcome("unclear", code, message, fuzz)


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
        if outcome.status in ("traceback", "unclear", "outside_write") and shown[outcome.status] < args.show:
            shown[outcome.status] += 1
            print(f"--- {outcome.status} ({outcome.fuzz.kind}; {outcome.fuzz.mutations}; {outcome.fuzz.command})\n"
                  f"{outcome.message[-1500:]}", file=sys.stderr)

    import logging
    import warnings

    logging.disable(logging.CRITICAL)
    warnings.simplefilter("ignore")
    counts = campaign(args.inputs, args.seed, args.root.resolve(), report)
    print(json.dumps(dict(sorted(counts.items())), indent=1))
    return 0 if all(counts[k] == 0 for k in ("traceback", "unclear", "outside_write")) else 1


if __name__ == "__main__":
    sys.exit(main())
