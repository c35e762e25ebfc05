"""Read a small YAML file safely: bounded size, depth and alias expansion, duplicate keys refused.

Every failure is a :class:`YamlFileError` with one clear line (never a traceback): a missing or
unreadable path, a folder or device, a file too large, text that is not UTF-8 (or UTF-16 with a
byte-order mark), a syntax error (line and column), a duplicate key, nesting too deep, aliases
that expand into too many values (an "alias bomb"), an explicit tag other than the plain ones
(`!!binary`, `!!timestamp`, `!!set`, `!foo` are refused) or a value its tag cannot hold
(`!!float abc`, a 13th month). Only PyYAML's safe constructors are used.
"""

from __future__ import annotations

import os
import reprlib
import stat
import unicodedata
from pathlib import Path
from typing import Any

import yaml
from yaml.composer import ComposerError
from yaml.constructor import ConstructorError

MAX_FILE_BYTES = 1_000_000
"""Largest file read (scenario, sweep, market and calibration files are a few kilobytes)."""
MAX_DEPTH = 40
"""Deepest nesting of mappings and lists (a scenario needs about six levels)."""
MAX_VALUES = 200_000
"""Most values a file may hold once its aliases are expanded."""
MAX_ECHO_CHARS = 80
"""Longest echo of an input value in an error message."""
CORE = "tag:yaml.org,2002:"
PLAIN_TAGS = frozenset(CORE + name for name in ("str", "int", "float", "bool", "null", "seq", "map"))
"""Explicit tags a file may use (`!!str 3`): the plain values a scenario is made of; any other is refused."""


class YamlFileError(ValueError):
    """A file that cannot be read as YAML, with a one-line reason."""


class RefusedYaml(ComposerError):
    """YAML that parses but that a file of this project may not hold (a tag, a value its tag cannot hold)."""


class SafeLoader(yaml.SafeLoader):
    """yaml.SafeLoader that refuses duplicate keys, nesting deeper than MAX_DEPTH, tags other than
    PLAIN_TAGS, and turns a value its tag cannot hold into a marked error (not a ValueError)."""

    def __init__(self, stream: Any) -> None:
        super().__init__(stream)
        self._depth = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        self._depth += 1
        try:
            event = self.peek_event()
            if self._depth > MAX_DEPTH:
                raise ComposerError(None, None, f"nesting deeper than {MAX_DEPTH} levels", event.start_mark)
            tag = getattr(event, "tag", None)  # an alias has none
            if tag not in (None, "!") and tag not in PLAIN_TAGS:
                raise RefusedYaml(None, None, f"the tag {short(tag_name(tag))} is not allowed (only plain values: "
                                  "write the value without a tag, or with !!str, !!int, !!float or !!bool)",
                                  event.start_mark)
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    def construct_object(self, node: Any, deep: bool = False) -> Any:
        try:
            return super().construct_object(node, deep=deep)
        except (ValueError, TypeError, KeyError, IndexError, AttributeError, ArithmeticError) as exc:
            # a value its tag cannot hold: `!!float abc`, `!!bool maybe`, `!!int 0b2`, `2001-13-45`
            value = short(node.value) if isinstance(node, yaml.ScalarNode) else "this value"
            raise RefusedYaml(None, None, f"{value} is not a valid {tag_name(node.tag)} value ({_cut(str(exc), 80)})",
                              node.start_mark) from None

    def construct_mapping(self, node: Any, deep: bool = False) -> dict[Any, Any]:
        if isinstance(node, yaml.MappingNode):
            seen: set[Any] = set()
            for key_node, _ in node.value:
                if key_node.tag == "tag:yaml.org,2002:merge":
                    continue
                key = self.construct_object(key_node, deep=True)
                try:
                    duplicate = key in seen
                except TypeError:  # an unhashable key: SafeConstructor reports it
                    continue
                if duplicate:
                    raise ConstructorError(None, None, f"duplicate key {short(key)} (each key may appear once)",
                                           key_node.start_mark)
                seen.add(key)
        return super().construct_mapping(node, deep=deep)


def tag_name(tag: str) -> str:
    """A YAML tag as written in a file: `!!float` for the core tags."""
    return "!!" + tag[len(CORE):] if tag.startswith(CORE) else tag


def printable(text: str, keep_newlines: bool = False) -> str:
    """`text` safe to print to a terminal: control and format characters (escape sequences, carriage
    returns, bidirectional overrides) written as escapes like `\\x1b`; tabs kept, newlines if asked."""
    return "".join(
        char if char == "\t" or (char == "\n" and keep_newlines) or not unicodedata.category(char).startswith("C")
        else char.encode("unicode_escape").decode("ascii")
        for char in text
    )


def short(value: Any) -> str:
    """A repr of `value` cut to MAX_ECHO_CHARS (cheap even for huge or shared structures)."""
    cut = reprlib.Repr(maxlevel=3, maxdict=4, maxlist=6, maxtuple=6, maxset=6, maxstring=MAX_ECHO_CHARS,
                       maxother=MAX_ECHO_CHARS, maxlong=40)
    text = cut.repr(value)
    return text if len(text) <= MAX_ECHO_CHARS else text[: MAX_ECHO_CHARS - 3] + "..."


def read_text(path: Path, what: str = "file") -> str:
    """The text of a regular file of at most MAX_FILE_BYTES, UTF-8 (or UTF-16 with a BOM)."""
    try:
        info = os.stat(path)
    except FileNotFoundError:
        raise YamlFileError(f"{shown(path)}: no such {what}") from None
    except (OSError, ValueError) as exc:
        raise YamlFileError(f"{shown(path)}: cannot read ({_reason(exc)})") from None
    if stat.S_ISDIR(info.st_mode):
        raise YamlFileError(f"{shown(path)}: is a folder, not a {what}")
    if not stat.S_ISREG(info.st_mode):
        raise YamlFileError(f"{shown(path)}: not a regular file (a device, pipe or socket), not a {what}")
    if info.st_size > MAX_FILE_BYTES:
        raise YamlFileError(f"{shown(path)}: {info.st_size:,} bytes, more than the {MAX_FILE_BYTES:,} a {what} may have")
    try:
        with open(path, "rb") as handle:
            raw = handle.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise YamlFileError(f"{shown(path)}: cannot read ({_reason(exc)})") from None
    if len(raw) > MAX_FILE_BYTES:
        raise YamlFileError(f"{shown(path)}: more than the {MAX_FILE_BYTES:,} bytes a {what} may have")
    encoding = "utf-16" if raw[:2] in (b"\xff\xfe", b"\xfe\xff") else "utf-8-sig"
    try:
        return raw.decode(encoding)
    except UnicodeDecodeError as exc:
        raise YamlFileError(
            f"{shown(path)}: not UTF-8 text (byte {raw[exc.start]:#04x} at offset {exc.start}); save the {what} as UTF-8"
        ) from None


def parse(text: str, origin: str) -> Any:
    """Parse YAML text with :class:`SafeLoader`; the result holds at most MAX_VALUES values."""
    try:
        data = yaml.load(text, Loader=SafeLoader)  # noqa: S506 - SafeLoader subclass: safe constructors only
    except RefusedYaml as exc:
        mark = exc.problem_mark
        raise YamlFileError(f"{origin}: line {mark.line + 1}, column {mark.column + 1}: {exc.problem}") from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "unknown position"
        problem = exc.problem or exc.context or "invalid YAML"
        raise YamlFileError(f"{origin}: YAML syntax error at {where}: {_cut(problem)}") from None
    except yaml.YAMLError as exc:
        raise YamlFileError(f"{origin}: YAML error: {_cut(str(exc).splitlines()[0] if str(exc) else 'invalid')}") from None
    except RecursionError:
        raise YamlFileError(f"{origin}: nesting too deep (at most {MAX_DEPTH} levels)") from None
    count_values(data, origin)
    return data


def count_values(data: Any, origin: str) -> int:
    """Number of values in `data` with shared (aliased) parts counted each time they appear; an
    error once MAX_VALUES is passed, so an alias bomb is caught after a bounded walk."""
    total = 0
    stack: list[tuple[Any, int]] = [(data, 0)]
    while stack:
        node, depth = stack.pop()
        total += 1
        if total > MAX_VALUES:
            raise YamlFileError(
                f"{origin}: more than {MAX_VALUES:,} values once aliases (*name) are expanded; "
                "write the values out or use fewer aliases"
            )
        if depth > MAX_DEPTH:
            raise YamlFileError(f"{origin}: nesting deeper than {MAX_DEPTH} levels (through aliases)")
        if isinstance(node, dict):
            stack.extend((v, depth + 1) for v in node.values())
            total += len(node)
        elif isinstance(node, (list, tuple)):
            stack.extend((v, depth + 1) for v in node)
    return total


def read_yaml_file(path: Path, what: str = "file") -> Any:
    """Read and parse one YAML file safely (see the module docstring)."""
    return parse(read_text(path, what), shown(path))


def shown(path: Path | str) -> str:
    """A path as it appears in messages, cut in the middle when very long."""
    text = str(path)
    return text if len(text) <= 200 else f"{text[:120]}...{text[-60:]}"


def _reason(exc: BaseException) -> str:
    return getattr(exc, "strerror", None) or str(exc) or type(exc).__name__


def _cut(text: str, limit: int = 200) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."
