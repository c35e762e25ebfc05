"""Load scenarios from YAML, apply `key.path=value` overrides, and turn every mistake into a
:class:`ScenarioError` that names the file, the key path and what is allowed."""

from __future__ import annotations

import copy
import difflib
import re
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from sim.scenario import resources
from sim.scenario.safe_yaml import YamlFileError, parse, read_yaml_file, short, shown
from sim.scenario.schema import Scenario

MAX_ERROR_LINES = 20
"""Most error lines in one message (the rest are counted, not printed)."""


class ScenarioError(ValueError):
    """A scenario that cannot be used, with a message meant for the person who wrote it."""


def load_scenario(
    source: str | Path | dict[str, Any] | Scenario, overrides: list[str] | None = None
) -> Scenario:
    """Return a validated scenario from a YAML path, a dict or a Scenario, with overrides applied."""
    if isinstance(source, Scenario) and not overrides:
        return source
    origin = "<dict>"
    chain: list[tuple[str, dict[str, Any]]] = []
    if isinstance(source, Scenario):
        data = source.model_dump(exclude_unset=True)
    elif isinstance(source, dict):
        data = copy.deepcopy(source)
    else:
        origin = shown(source)
        data, chain = read_scenario_chain(Path(source))
        chain[0] = (origin, chain[0][1])
        data.setdefault("name", Path(source).stem)
    for item in overrides or []:
        path, value = parse_override(item)
        expand_distribution(data, path, Scenario(), origin=f"--set {short_text(item)}")
        set_path(data, path, value, origin=f"--set {short_text(item)}")
        chain.insert(0, (f"--set {short_text(item)}", _nested(path, value)))
    return validate(data, origin, chain)


def read_yaml(path: Path, what: str = "scenario file") -> dict[str, Any]:
    """Parse a YAML mapping safely (:mod:`sim.scenario.safe_yaml`): any encoding, OS error, depth or
    alias bomb is one clear line; syntax errors give line and column; duplicate keys are errors."""
    try:
        data = read_yaml_file(path, what)
    except YamlFileError as exc:
        raise ScenarioError(str(exc)) from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ScenarioError(f"{shown(path)}: a {what.split()[0]} file must be a mapping of keys to values, "
                            f"got {type(data).__name__}")
    bad = [key for key in data if not isinstance(key, str)]
    if bad:
        raise ScenarioError(f"{shown(path)}: keys must be words, got {short(bad[0])}")
    return data


EXTENDS_KEY = "extends"
"""A scenario file may name another file (path relative to itself) whose values it starts from."""


MAX_EXTENDS = 20
"""Longest chain of `extends:` files."""


def read_scenario_file(path: Path, what: str = "scenario file") -> dict[str, Any]:
    """Read a scenario file and resolve its `extends:` chain into one deep-merged mapping.

    The file's own values win over those of the file it extends; mappings merge key by key,
    lists, plain values and distributions (`{dist: ...}`) are replaced whole. `name` is not inherited (each file is its own
    scenario). A cycle of `extends:` is an error naming the whole chain.
    """
    return read_scenario_chain(path, what)[0]


def read_scenario_chain(path: Path, what: str = "scenario file", paths: list[Path] | None = None,
                        ) -> tuple[dict[str, Any], list[tuple[str, dict[str, Any]]]]:
    """The merged mapping of a file and its `extends:` chain, and each file's own mapping (the file
    first, then what it extends), so that an error can name the file that set the value. `paths`, if
    given, receives each file's path in the same order (to resolve a path relative to its file)."""
    chain: list[tuple[str, dict[str, Any]]] = []
    seen: list[str] = []
    current, referrer = path, ""
    while True:
        key = _identity(current)
        if key in seen:
            cycle = " -> ".join(shown(p) for p in (*seen, key))
            raise ScenarioError(f"{shown(path)}: 'extends' forms a cycle: {cycle}")
        if len(seen) >= MAX_EXTENDS:
            raise ScenarioError(f"{shown(path)}: 'extends' chain longer than {MAX_EXTENDS} files")
        seen.append(key)
        if referrer:  # a file named by `extends:`: of the same kind, or not read further
            data = read_kind(current, referrer, EXTENDS_KEY, what)
        else:
            data = read_yaml(current, what)
        parent = data.pop(EXTENDS_KEY, None)
        chain.append((shown(current), data))
        if paths is not None:
            paths.append(current)
        if parent is None:
            break
        referrer = shown(current)
        current = referenced_file(referrer, EXTENDS_KEY, parent, current.parent, what, what)
    merged: dict[str, Any] = {}
    for i, (_, data) in enumerate(reversed(chain)):
        if i:
            merged.pop("name", None)
        merged = deep_merge(merged, data)
    if len(chain) > 1 and "description" not in chain[0][1] and "description" in merged:
        merged["description"] = inherited_description(paths_to_parent=chain[1][0], own=chain[0][1])
    return merged, chain


REFERENCE_SUFFIXES = (".yaml", ".yml")
"""A file named by another (`extends`, a market's `organisation`, a sweep's `base`, a target's
`scenario`) must be a YAML file of the expected kind: nothing else is read, nothing of it echoed."""


def referenced_file(origin: str, key: str, value: Any, base_dir: Path, what: str, referrer: str = "file") -> Path:
    """The path `key: value` of the file `origin` (a `referrer`, e.g. 'sweep file') names, relative to
    `base_dir`: an existing file whose name, and whose target if it is a link, ends in .yaml or
    .yml. Otherwise a ScenarioError that names the key and the path, never anything in the file."""
    if not isinstance(value, str) or not value.strip():
        raise ScenarioError(f"{origin}: {key}: expected the path of a {what}, got {short(value)}")
    path = base_dir / value
    try:
        is_file = path.is_file()
        target = path.resolve() if is_file else path
    except (OSError, ValueError, RuntimeError) as exc:
        raise ScenarioError(f"{origin}: {key}: cannot read '{short_text(value)}' "
                            f"({getattr(exc, 'strerror', None) or exc})") from None
    if not is_file:
        raise ScenarioError(f"{origin}: {key}: no {what} '{short_text(value)}' (looked for {shown(path)}; the "
                            f"path is relative to the {referrer})")
    if path.suffix.lower() not in REFERENCE_SUFFIXES or target.suffix.lower() not in REFERENCE_SUFFIXES:
        raise ScenarioError(f"{origin}: {key}: '{short_text(value)}' is not a YAML file; a {what} ends in "
                            ".yaml or .yml (and so does the file a link points to)")
    return path


def kind_keys(what: str) -> set[str]:
    """The top-level keys a file of this kind may have ('scenario file', 'market file', or both)."""
    from sim.market.schema import Market

    keys = {EXTENDS_KEY}
    if "scenario" in what:
        keys |= set(Scenario.model_fields)
    if "market" in what:
        keys |= set(Market.model_fields)
    return keys - {"name", "description"}


def read_kind(path: Path, origin: str, key: str, what: str) -> dict[str, Any]:
    """The mapping of a file `origin` names by `key`, which must have at least one top-level key of
    its kind (an empty file sets nothing and passes). Any failure is an error of `origin` and `key`
    that echoes nothing of the file (it may be anything a path can name)."""
    try:
        data = read_yaml(path, what)
    except ScenarioError as exc:
        raise ScenarioError(f"{origin}: {key}: {exc}") from None
    if data and not set(data) & kind_keys(what):
        raise ScenarioError(f"{origin}: {key}: {shown(path)} is not a {what} (none of its top-level keys is one "
                            f"a {what} has); nothing of it is used")
    return data


def read_referenced(origin: str, key: str, value: Any, base_dir: Path, what: str = "scenario file",
                    referrer: str = "file") -> Path:
    """:func:`referenced_file`, then the file checked by :func:`read_kind`; returns its path."""
    path = referenced_file(origin, key, value, base_dir, what, referrer)
    read_kind(path, origin, key, what)
    return path


def inherited_description(paths_to_parent: str, own: dict[str, Any]) -> str:
    """'Like amazon.yaml, with kpi.regime and audit.rate set here': a file that extends another
    without its own description is described by what it changes, never by the other's words
    (which describe the other file's policy)."""
    changed = sorted(_leaf_keys(own) - {"name"})
    what = (", ".join(changed[:-1]) + " and " + changed[-1]) if len(changed) > 1 else "".join(changed) or "nothing"
    return f"Like {Path(paths_to_parent).name}, with {what} set here."


def _leaf_keys(data: dict[str, Any], prefix: str = "") -> set[str]:
    """Key paths of a mapping's values (a distribution or a list is one value)."""
    keys: set[str] = set()
    for key, value in data.items():
        if isinstance(value, dict) and value and "dist" not in value:
            keys |= _leaf_keys(value, f"{prefix}{key}.")
        else:
            keys.add(f"{prefix}{key}")
    return keys


def _identity(path: Path) -> str:
    """A file's identity for cycle detection (its resolved path, or the path as given)."""
    try:
        return str(path.resolve())
    except (OSError, RuntimeError, ValueError):
        return str(path)


def short_text(text: str, limit: int = 80) -> str:
    """A user's text cut to `limit` characters for an error message."""
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _nested(path: list[str], value: Any) -> dict[str, Any]:
    node: Any = value
    for part in reversed(path):
        node = {part: node}
    return node


def deep_merge(base: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    """A new mapping: `base` with `changes` merged in, nested mappings merged key by key."""
    merged = copy.deepcopy(base)
    for key, value in changes.items():
        if isinstance(value, dict) and "dist" not in value and isinstance(merged.get(key), dict):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def parse_override(item: str) -> tuple[list[str], Any]:
    """Split 'kpi.strength=2' into (['kpi', 'strength'], 2); the value is parsed as YAML."""
    key, sep, raw = item.partition("=")
    if not sep or not key.strip():
        raise ScenarioError(f"--set {short_text(item)}: expected key.path=value, e.g. --set kpi.strength=2")
    parts = key.strip().split(".")
    if any(not part.strip() for part in parts):
        raise ScenarioError(f"--set {short_text(item)}: empty part in the key path '{short_text(key)}'")
    try:
        value = parse(raw, f"--set {short_text(item)}") if raw.strip() else None
    except YamlFileError as exc:
        if "alias" in str(exc) or "nesting" in str(exc):
            raise ScenarioError(str(exc)) from None
        value = raw
    return parts, value


def set_path(data: dict[str, Any], path: list[str], value: Any, origin: str) -> None:
    """Set data[path[0]][path[1]]... = value, creating mappings on the way."""
    node: Any = data
    for i, part in enumerate(path[:-1]):
        if isinstance(node, list):
            node = node[_list_index(node, part, path[: i + 1], origin)]
            continue
        if part not in node and path[i + 1].isdigit():  # `interventions.0.week` with no list to index
            raise ScenarioError(f"{origin}: '{'.'.join(path[: i + 1])}' is empty here, so it has no item "
                                f"{path[i + 1]}; write the whole list in the file")
        child = node.setdefault(part, {})
        if not isinstance(child, (dict, list)):
            raise ScenarioError(f"{origin}: '{'.'.join(path[: i + 1])}' is a value, not a section")
        node = child
    if isinstance(node, list):
        node[_list_index(node, path[-1], path, origin)] = value
    else:
        node[path[-1]] = value


def _list_index(items: list[Any], part: str, path: list[str], origin: str) -> int:
    """`management.interventions.0.week`: a list item by its position (0 is the first)."""
    if not part.isdigit() or int(part) >= len(items):
        where = ".".join(path[:-1])
        raise ScenarioError(f"{origin}: '{where}' is a list of {len(items)}; address an item by its position "
                            f"0..{len(items) - 1}, got '{short_text(part)}'")
    return int(part)


def validate(data: dict[str, Any], origin: str, chain: list[tuple[str, dict[str, Any]]] | None = None) -> Scenario:
    """Validate a scenario dict, then check that every intervention yields a valid scenario within
    the run and that the run fits in memory. `chain` (each file's own mapping, see
    :func:`read_scenario_chain`) lets an error name the file of an `extends:` chain that set the value."""
    scenario = _validate_model(Scenario, data, origin, chain)
    check_interventions(scenario, origin)
    resources.check_memory(scenario, origin)
    return scenario


def check_interventions(scenario: Scenario, origin: str) -> None:
    """Every intervention within the run's weeks, and each a valid change of the scenario (checked
    against the scenario without its interventions: linear in their number)."""
    management = scenario.management
    if not management.interventions:
        return
    bare = scenario.model_copy(update={"management": management.model_copy(update={"interventions": []})})
    for i, intervention in enumerate(management.interventions):
        where = f"{origin}: management.interventions.{i}"
        if intervention.week > scenario.weeks:
            raise ScenarioError(f"{where}.week: week {intervention.week} is after the run's last week "
                                f"({scenario.weeks}); allowed: 1..{scenario.weeks}")
        apply_changes(bare, intervention.set, origin=f"{where}.set", check=False)


def apply_changes(scenario: Scenario, changes: dict[str, Any], origin: str, check: bool = True) -> Scenario:
    """Return the scenario with key-path changes applied and validated. A key path may be written
    with `__` for `.` (`kpi__strength`), the spelling of the sweep table's design columns and of
    tools that need identifiers (EMA Workbench parameters, keyword arguments). With `check`, the
    interventions and the memory estimate are checked too (:func:`validate`)."""
    data = scenario.model_dump(exclude_unset=True)
    for path, value in changes.items():
        if not isinstance(path, str) or not path:
            raise ScenarioError(f"{origin}: key paths are words like kpi.strength, got {short(path)}")
        parts = path.replace("__", ".").split(".")
        expand_distribution(data, parts, scenario, origin)
        set_path(data, parts, value, origin)
    changed = _validate_model(Scenario, data, origin)
    sections = {str(path).replace("__", ".").split(".")[0] for path in changes}
    if check and sections & {"management", "weeks"}:
        check_interventions(changed, origin)
    if check and sections & {"organization", "weeks"}:
        resources.check_memory(changed, origin)
    return changed


def expand_distribution(data: dict[str, Any], path: list[str], reference: Scenario, origin: str) -> None:
    """Make `behavior.integrity_cost.mean` addressable: a key path into a trait that the data does
    not give as a mapping starts from the reference's distribution (the file's or the default)."""
    if len(path) < 3:
        return
    node: Any = data
    for part in path[:2]:
        if node is None:
            break
        if not isinstance(node, dict):
            return
        node = node.get(part)
    if isinstance(node, dict):
        return
    current: Any = reference
    for part in path[:2]:
        current = getattr(current, part, None)
    if isinstance(current, BaseModel) and hasattr(current, "dist"):
        if node is not None:
            raise ScenarioError(
                f"{origin}: '{'.'.join(path[:2])}' is a number here (the same for everyone); give it as a "
                f"distribution, e.g. {{dist: normal, mean: ..., sd: ...}}, before setting '{path[2]}'"
            )
        set_path(data, path[:2], current.model_dump(), origin)
    elif isinstance(current, (int, float)) and not isinstance(current, bool) and node is None:
        raise ScenarioError(
            f"{origin}: '{'.'.join(path[:2])}' is a number (the same for everyone), not a distribution with "
            f"'{path[2]}'"
        )


def _validate_model(model: type[BaseModel], data: dict[str, Any], origin: str,
                    chain: list[tuple[str, dict[str, Any]]] | None = None, what: str = "scenario") -> Any:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        errors = [err for err in exc.errors() if not _is_number_branch_of_dict(err)]
        lines = [describe_error(err, model) + _set_in(err["loc"], chain, origin) for err in errors]
        raise ScenarioError(error_message(f"{origin}: invalid {what}{file_kind_hint(data, what)}", lines)) from None
    except RecursionError:
        raise ScenarioError(f"{origin}: invalid {what}: nested too deeply") from None


FILE_KINDS = {
    "calibration": (lambda keys: "targets" in keys, "tokenmaxx calibrate"),
    "sweep": (lambda keys: bool({"base", "design", "parameters", "replicates", "fixed"} & keys), "tokenmaxx sweep"),
    "market": (lambda keys: bool({"policies", "firms", "organisation_set", "investors", "imitation", "vendor",
                                  "correction"} & keys), "tokenmaxx market"),
    "levers": (lambda keys: "levers" in keys, "tokenmaxx advise SCENARIO"),
    "scenario": (lambda keys: bool({"organization", "kpi", "behavior", "management"} & keys), "tokenmaxx run"),
}
"""Each kind of file, a test of its top-level keys that gives it away, and the command that reads it."""


def file_kind(data: Any) -> str | None:
    """Which kind of file a parsed mapping looks like ('sweep', 'market', 'scenario'), or None."""
    if isinstance(data, dict):
        for kind, (looks_like, _) in FILE_KINDS.items():
            if looks_like(set(data)):
                return kind
    return None


def file_kind_hint(data: Any, expected: str) -> str:
    """'(this looks like a sweep file: use tokenmaxx sweep FILE)' when a file of another kind was given."""
    kind = file_kind(data)
    if kind is None or kind == expected:
        return ""
    return f" (this looks like a {kind} file: use {FILE_KINDS[kind][1]} FILE)"


def error_message(title: str, lines: list[str]) -> str:
    """A title and at most MAX_ERROR_LINES bulleted lines (the rest counted)."""
    shown_lines = [f"  - {short_text(line, 400)}" for line in lines[:MAX_ERROR_LINES]]
    if len(lines) > MAX_ERROR_LINES:
        shown_lines.append(f"  ... and {len(lines) - MAX_ERROR_LINES} more")
    return "\n".join([title, *shown_lines])


def _set_in(loc: tuple[Any, ...], chain: list[tuple[str, dict[str, Any]]] | None, origin: str) -> str:
    """' (set in parent.yaml)' when the file (or --set) that gave the value is not `origin` itself."""
    parts = [part for part in loc if not _is_union_tag(part)]
    for name, data in chain or []:
        if _has_path(data, parts):
            return "" if name == origin else f" (set in {name})"
    return ""


def _has_path(data: Any, parts: list[Any]) -> bool:
    if not parts:
        return False
    node = data
    for part in parts:
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            node = node[part]
        else:
            return False
    return True


def describe_error(err: dict[str, Any], root: type[BaseModel]) -> str:
    """One line per pydantic error: key path, what is wrong, what is allowed."""
    loc = [short_text(str(part), 60) for part in err["loc"] if not _is_union_tag(part)]
    path = ".".join(loc) or "(top level)"
    if err["type"] == "extra_forbidden":
        allowed = _allowed_keys(root, loc[:-1])
        hint = difflib.get_close_matches(loc[-1], allowed, n=1)
        elsewhere = _paths_of_key(root, loc[-1]) if not hint else []
        suggestion = (f" Did you mean '{hint[0]}'?" if hint else
                      f" Did you mean {' or '.join(repr(e) for e in elsewhere)}? ('{loc[-1]}' is a key of "
                      f"{' or '.join(repr(e.rsplit('.', 1)[0] + ':') for e in elsewhere)})" if elsewhere else "")
        return f"{path}: unknown key.{suggestion} Allowed here: {', '.join(allowed)}"
    message = err["msg"]
    if err["type"] == "finite_number":
        message = "must be a finite number (not NaN or infinity)"
    if "input" in err and err["type"] not in ("missing",) and not isinstance(err["input"], dict):
        message += f" (got {short(err['input'])})"
    return f"{path}: {message}{_value_hint(err)}"


PERCENT = re.compile(r"^\s*([-+]?(?:\d+\.?\d*|\.\d+))\s*%\s*$")
"""A percentage written as text ('10%'), where a share (0.1) is expected."""


def _value_hint(err: dict[str, Any]) -> str:
    """'. Did you mean 'tokens'?' for a misspelt choice; the share convention (0.1 = 10%) for a
    percentage given where a share of at most 1 is expected."""
    value = err.get("input")
    if err["type"] == "literal_error" and isinstance(value, str):
        choices = re.findall(r"'([^']*)'", str(err.get("ctx", {}).get("expected", "")))
        hint = difflib.get_close_matches(value.strip().lower(), choices, n=1, cutoff=0.6)
        return f". Did you mean '{hint[0]}'?" if hint else ""
    if isinstance(value, str) and (match := PERCENT.match(value)):
        return f". A share is written as a number: 0.1 = 10%; did you mean {float(match.group(1)) / 100:g}?"
    if (err["type"] == "less_than_equal" and err.get("ctx", {}).get("le") == 1 and isinstance(value, (int, float))
            and not isinstance(value, bool) and 1 < value <= 100):
        return f". This is a share: 0.1 = 10%; did you mean {value / 100:g}?"
    return ""


def _paths_of_key(root: type[BaseModel], key: str, prefix: str = "", depth: int = 3) -> list[str]:
    """Key paths, within `depth` levels of nested sections, where `key` is a field
    (`interventions` -> ['management.interventions'])."""
    found = []
    for name, field in getattr(root, "model_fields", {}).items():
        if name == key and prefix:
            found.append(prefix + name)
        model = _model_of(field.annotation)
        if model is not None and depth > 1 and getattr(field.annotation, "__origin__", None) is not dict:
            found += _paths_of_key(model, key, f"{prefix}{name}.", depth - 1)
    return found


UNION_TAGS = {"float", "int", "str", "bool", "normal", "uniform", "lognormal", "beta", "values"}


def _is_union_tag(part: Any) -> bool:
    """Pydantic inserts union member names (e.g. 'float', 'normal') into error locations."""
    return isinstance(part, str) and (part in UNION_TAGS or part.startswith(("function-", "tagged-")))


def _is_number_branch_of_dict(err: dict[str, Any]) -> bool:
    """A trait given as a mapping was meant as a distribution: the 'not a number' error is noise."""
    return bool(err["loc"]) and err["loc"][-1] == "float" and isinstance(err.get("input"), dict)


def _allowed_keys(root: type[BaseModel], loc: list[str]) -> list[str]:
    """Field names of the model at a location, walking nested models by field annotation."""
    model: Any = root
    parts = iter(loc)
    for part in parts:
        field = getattr(model, "model_fields", {}).get(part)
        if field is None:
            return []
        model = _model_of(field.annotation)
        if model is None:
            return []
        if getattr(field.annotation, "__origin__", None) is dict:  # a mapping of models: the next part is its key
            next(parts, None)
    return list(getattr(model, "model_fields", {}))


def _model_of(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()):
        found = _model_of(arg)
        if found is not None:
            return found
    return None


def dump_yaml(scenario: Scenario) -> str:
    """The fully resolved scenario as YAML, every default included."""
    return yaml.safe_dump(scenario.model_dump(mode="json"), sort_keys=False)
