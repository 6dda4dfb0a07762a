"""Entries of configuration files (YAML mappings, spreadsheet rows) and where each came from.

Catalogue, targets and commentary files all come down to a list of *entries*: a dict of
fields plus an :class:`EntryPlace` that can name the place of any field, as a YAML path
(``metrics[12].targets[0].value``, with its line) or as a sheet, row and column.  Pydantic
errors are turned into plain sentences here, one :class:`Problem` per error.
"""

from __future__ import annotations

import difflib
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from trustboard.domain.bounded_yaml import parse_bounded_yaml, yaml_limit_error
from trustboard.domain.limits import current_limits
from trustboard.errors import Problem

__all__ = [
    "EntryPlace",
    "YamlDocument",
    "format_yaml_path",
    "load_yaml",
    "os_reason",
    "parse_bounded_yaml",
    "validate_entry",
    "yaml_error_text",
]

PathKey = tuple[str | int, ...]


def format_yaml_path(path: PathKey) -> str:
    """``('metrics', 12, 'targets', 0, 'value')`` as ``metrics[12].targets[0].value``."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


@dataclass
class YamlDocument:
    """A parsed YAML file with the line of every mapping key and list item."""

    path: Path
    data: Any
    lines: dict[PathKey, int] = field(default_factory=dict)

    def line(self, path: PathKey) -> int | None:
        """The line of ``path``, or of its nearest ancestor that has one."""
        while path:
            if path in self.lines:
                return self.lines[path]
            path = path[:-1]
        return self.lines.get((), None)


def _walk(node: yaml.Node, path: PathKey, lines: dict[PathKey, int]) -> None:
    lines.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            child = (*path, key.value if isinstance(key, yaml.ScalarNode) else str(key.value))
            lines.setdefault(child, key.start_mark.line + 1)
            _walk(value, child, lines)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _walk(item, (*path, index), lines)


def load_yaml(path: Path, text: str | None = None) -> YamlDocument:
    """Parse a YAML file within the reader limits, recording lines.  Raises
    ``yaml.YAMLError``, ``OSError`` or (``TB-FILE-LIMIT``) ``DataValidationError``."""
    limits = current_limits()
    if text is None and path.stat().st_size > limits.max_yaml_bytes:
        raise yaml_limit_error(
            str(path),
            f"the YAML file is {path.stat().st_size:,} bytes",
            "max_yaml_bytes",
            limits.max_yaml_bytes,
        )
    source = path.read_text(encoding="utf-8-sig") if text is None else text
    data, node = parse_bounded_yaml(source, str(path))
    lines: dict[PathKey, int] = {}
    if node is not None:
        try:
            _walk(node, (), lines)
        except RecursionError:
            lines = {}
    return YamlDocument(path, data, lines)


def os_reason(exc: OSError | UnicodeDecodeError) -> str:
    """Why a file could not be opened, in plain words."""
    if isinstance(exc, FileNotFoundError):
        return "the file does not exist"
    if isinstance(exc, UnicodeDecodeError):
        return "the file is not UTF-8 text"
    return exc.strerror or str(exc)


def yaml_error_text(exc: yaml.YAMLError) -> str:
    """A YAML syntax error as one sentence with its line."""
    mark = getattr(exc, "problem_mark", None)
    problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    if mark is not None:
        return f"YAML syntax error at line {mark.line + 1}, column {mark.column + 1}: {problem}"
    return f"YAML syntax error: {problem}"


@dataclass
class EntryPlace:
    """Where one entry came from: a YAML path in a document, or a sheet row.

    ``columns`` maps a field name to the header a person sees, for sheet rows whose headers
    differ from field names (``target_comparator`` for ``targets[0].comparator``).
    """

    file: str
    sheet: str | None = None
    row: int | None = None
    yaml: YamlDocument | None = None
    path: PathKey = ()
    columns: Mapping[str, str] = field(default_factory=dict)
    #: places of parts of the entry that came from elsewhere (a target from a targets sheet)
    children: dict[PathKey, EntryPlace] = field(default_factory=dict)

    def resolve(self, loc: PathKey) -> tuple[EntryPlace, PathKey]:
        """The place that holds field ``loc``, and the field's path within it."""
        for prefix, child in self.children.items():
            if loc[: len(prefix)] == prefix:
                return child.resolve(loc[len(prefix) :])
        return self, loc

    def where(self, loc: PathKey = ()) -> dict[str, Any]:
        """Problem location fields (file, sheet, row, column) for a field at ``loc``."""
        place, loc = self.resolve(loc)
        if place is not self:
            return place.where(loc)
        if self.yaml is not None:
            return {"file": self.file, "column": format_yaml_path((*self.path, *loc)) or None}
        column: str | None = None
        if loc:
            dotted = ".".join(str(p) for p in loc)
            column = self.columns.get(dotted) or self.columns.get(str(loc[0])) or str(loc[-1])
        return {"file": self.file, "sheet": self.sheet, "row": self.row, "column": column}

    def line_note(self, loc: PathKey = ()) -> str:
        """`` (line N)`` for YAML entries, else empty."""
        place, loc = self.resolve(loc)
        if place is not self:
            return place.line_note(loc)
        if self.yaml is None:
            return ""
        line = self.yaml.line((*self.path, *loc))
        return f" (line {line})" if line else ""

    def problem(
        self,
        code: str,
        message: str,
        loc: PathKey = (),
        *,
        value: Any = None,
        expected: str | None = None,
    ) -> Problem:
        """A problem at field ``loc`` of this entry."""
        return Problem(
            code, message + self.line_note(loc), value=value, expected=expected, **self.where(loc)
        )


def _label(loc: PathKey) -> str:
    return format_yaml_path(loc) or "the entry"


def _plain(error: Mapping[str, Any], known_fields: Collection[str]) -> tuple[str, str, str | None]:
    """(kind, sentence, expected) for one pydantic error; kind is 'required', 'unknown' or
    'field'."""
    loc = tuple(error.get("loc", ()))
    kind = error.get("type", "")
    ctx = error.get("ctx") or {}
    name = _label(loc)
    value = error.get("input")
    if kind == "missing":
        return "required", f"'{name}' is required", None
    if kind == "extra_forbidden":
        close = difflib.get_close_matches(str(loc[-1]), list(known_fields), n=1) if loc else []
        hint = f" (did you mean '{close[0]}'?)" if close else ""
        return "unknown", f"'{name}' is not a known field{hint}", None
    if kind in ("enum", "literal_error"):
        allowed = str(ctx.get("expected", "")).replace("'", "")
        return "field", f"'{value}' is not allowed for '{name}'", f"one of: {allowed}"
    if kind == "string_pattern_mismatch":
        return (
            "field",
            f"'{name}' may hold only letters, digits, '_', '.' and '-' "
            "(starting with a letter or digit)",
            "an id such as MH-EFF-01",
        )
    if kind == "string_too_short":
        return "field", f"'{name}' must not be blank", None
    if kind == "string_too_long":
        return "field", f"'{name}' is too long", f"at most {ctx.get('max_length')} characters"
    if kind in (
        "float_parsing",
        "float_type",
        "int_parsing",
        "int_type",
        "int_from_float",
        "finite_number",
    ):
        whole = kind.startswith("int")
        return (
            "field",
            f"'{name}' must be a {'whole ' if whole else ''}number",
            "a whole number" if whole else "a number",
        )
    if kind.startswith("date") or kind.startswith("datetime"):
        return "field", f"'{name}' must be a date", "a date written as 2025-04-01"
    if kind.startswith("bool"):
        return "field", f"'{name}' must be yes or no", "yes/no or true/false"
    if kind in ("greater_than_equal", "greater_than", "less_than_equal", "less_than"):
        words = {
            "greater_than_equal": "at least",
            "greater_than": "more than",
            "less_than_equal": "at most",
            "less_than": "less than",
        }[kind]
        limit = next(iter(ctx.values()), "")
        return "field", f"'{name}' must be {words} {limit}", None
    if kind in ("tuple_type", "list_type", "set_type"):
        return "field", f"'{name}' must be a list", "a list, or comma-separated text"
    if kind in ("dict_type", "model_type", "model_attributes_type"):
        return "field", f"'{name}' must be a set of named fields", None
    if kind == "string_type":
        return "field", f"'{name}' must be text", None
    if kind == "value_error":
        reason = str(error.get("msg", "")).removeprefix("Value error, ")
        return "field", f"{reason}" if not loc else f"'{name}': {reason}", None
    return "field", f"'{name}': {error.get('msg', 'not valid')}", None


def validate_entry(
    model: type[BaseModel],
    entry: Mapping[str, Any],
    place: EntryPlace,
    codes: Mapping[str, str],
    problems: list[Problem],
    field_codes: Mapping[str, str] | None = None,
) -> Any:
    """Build ``model`` from ``entry``; on failure add one plain-English problem per error.

    ``codes`` maps 'required', 'unknown' and 'field' to the problem code of the caller's area;
    ``field_codes`` overrides the 'field' code for named fields (a bad ``due`` date, say).
    Returns the model, or None when it could not be built.
    """
    try:
        return model.model_validate(dict(entry))
    except ValidationError as exc:
        known = list(model.model_fields)
        for error in exc.errors(include_url=False):
            loc = tuple(error.get("loc", ()))
            kind, sentence, expected = _plain(error, known)
            value = None if kind == "required" else error.get("input")
            if isinstance(value, (Mapping, list, tuple)):
                value = None
            code = codes[kind]
            if kind == "field" and field_codes and loc and str(loc[0]) in field_codes:
                code = field_codes[str(loc[0])]
            problems.append(place.problem(code, sentence, loc, value=value, expected=expected))
        return None
