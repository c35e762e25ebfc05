"""Load scenarios from YAML, apply `key.path=value` overrides, and turn every mistake into a
:class:`ScenarioError` that names the file, the key path and what is allowed."""

from __future__ import annotations

import copy
import difflib
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from sim.scenario.schema import Scenario


class ScenarioError(ValueError):
    """A scenario that cannot be used, with a message meant for the person who wrote it."""


def load_scenario(
    source: str | Path | dict[str, Any] | Scenario, overrides: list[str] | None = None
) -> Scenario:
    """Return a validated scenario from a YAML path, a dict or a Scenario, with overrides applied."""
    if isinstance(source, Scenario) and not overrides:
        return source
    origin = "<dict>"
    if isinstance(source, Scenario):
        data = source.model_dump(exclude_unset=True)
    elif isinstance(source, dict):
        data = copy.deepcopy(source)
    else:
        origin = str(source)
        data = read_scenario_file(Path(source))
        data.setdefault("name", Path(source).stem)
    for item in overrides or []:
        path, value = parse_override(item)
        expand_distribution(data, path, Scenario(), origin=f"--set {item}")
        set_path(data, path, value, origin=f"--set {item}")
    return validate(data, origin)


def read_yaml(path: Path) -> dict[str, Any]:
    """Parse a YAML mapping, reporting syntax errors with line and column."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ScenarioError(f"{path}: no such scenario file") from None
    except OSError as exc:
        raise ScenarioError(f"{path}: cannot read ({exc.strerror})") from None
    try:
        data = yaml.safe_load(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "unknown position"
        raise ScenarioError(f"{path}: YAML syntax error at {where}: {exc.problem}") from None
    except yaml.YAMLError as exc:
        raise ScenarioError(f"{path}: YAML error: {exc}") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ScenarioError(f"{path}: a scenario must be a mapping of keys to values, got {type(data).__name__}")
    return data


EXTENDS_KEY = "extends"
"""A scenario file may name another file (path relative to itself) whose values it starts from."""


def read_scenario_file(path: Path, _chain: tuple[Path, ...] = ()) -> dict[str, Any]:
    """Read a scenario file and resolve its `extends:` chain into one deep-merged mapping.

    The file's own values win over those of the file it extends; mappings merge key by key,
    lists, plain values and distributions (`{dist: ...}`) are replaced whole. `name` is not inherited (each file is its own
    scenario). A cycle of `extends:` is an error naming the whole chain.
    """
    resolved = path.resolve()
    if resolved in _chain:
        cycle = " -> ".join(str(p) for p in (*_chain, resolved))
        raise ScenarioError(f"{path}: 'extends' forms a cycle: {cycle}")
    data = read_yaml(path)
    parent = data.pop(EXTENDS_KEY, None)
    if parent is None:
        return data
    if not isinstance(parent, str) or not parent.strip():
        raise ScenarioError(f"{path}: extends: expected the path of another scenario file, got {parent!r}")
    parent_path = path.parent / parent
    if not parent_path.is_file():
        raise ScenarioError(f"{path}: extends: no such scenario file '{parent}' (looked for {parent_path})")
    base = read_scenario_file(parent_path, (*_chain, resolved))
    base.pop("name", None)
    return deep_merge(base, data)


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
        raise ScenarioError(f"--set {item}: expected key.path=value, e.g. --set kpi.strength=2")
    try:
        value = yaml.safe_load(raw) if raw.strip() else None
    except yaml.YAMLError:
        value = raw
    return key.strip().split("."), value


def set_path(data: dict[str, Any], path: list[str], value: Any, origin: str) -> None:
    """Set data[path[0]][path[1]]... = value, creating mappings on the way."""
    node = data
    for i, part in enumerate(path[:-1]):
        child = node.setdefault(part, {})
        if not isinstance(child, dict):
            raise ScenarioError(f"{origin}: '{'.'.join(path[: i + 1])}' is a value, not a section")
        node = child
    node[path[-1]] = value


def validate(data: dict[str, Any], origin: str) -> Scenario:
    """Validate a scenario dict, then check that every intervention yields a valid scenario."""
    scenario = _validate_model(Scenario, data, origin)
    for i, intervention in enumerate(scenario.management.interventions):
        apply_changes(scenario, intervention.set, origin=f"{origin}: management.interventions.{i}.set")
    return scenario


def apply_changes(scenario: Scenario, changes: dict[str, Any], origin: str) -> Scenario:
    """Return the scenario with key-path changes applied and validated. A key path may be written
    with `__` for `.` (`kpi__strength`), the spelling of the sweep table's design columns and of
    tools that need identifiers (EMA Workbench parameters, keyword arguments)."""
    data = scenario.model_dump(exclude_unset=True)
    for path, value in changes.items():
        parts = path.replace("__", ".").split(".")
        expand_distribution(data, parts, scenario, origin)
        set_path(data, parts, value, origin)
    return _validate_model(Scenario, data, origin)


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


def _validate_model(model: type[BaseModel], data: dict[str, Any], origin: str) -> Any:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        lines = [describe_error(err, model) for err in exc.errors() if not _is_number_branch_of_dict(err)]
        raise ScenarioError(f"{origin}: invalid scenario\n" + "\n".join(f"  - {line}" for line in lines)) from None


def describe_error(err: dict[str, Any], root: type[BaseModel]) -> str:
    """One line per pydantic error: key path, what is wrong, what is allowed."""
    loc = [str(part) for part in err["loc"] if not _is_union_tag(part)]
    path = ".".join(loc) or "(top level)"
    if err["type"] == "extra_forbidden":
        allowed = _allowed_keys(root, loc[:-1])
        hint = difflib.get_close_matches(loc[-1], allowed, n=1)
        suggestion = f" Did you mean '{hint[0]}'?" if hint else ""
        return f"{path}: unknown key.{suggestion} Allowed here: {', '.join(allowed)}"
    message = err["msg"]
    if "input" in err and err["type"] not in ("missing",) and not isinstance(err["input"], dict):
        message += f" (got {err['input']!r})"
    return f"{path}: {message}"


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
    for part in loc:
        field = getattr(model, "model_fields", {}).get(part)
        if field is None:
            return []
        model = _model_of(field.annotation)
        if model is None:
            return []
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
