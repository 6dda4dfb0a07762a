"""Reading commentary and actions (``read_commentary``) from YAML and Markdown.

Commentary is the exception narrative of one metric, period and (optionally) org unit, by the
sections of :data:`~trustboard.domain.COMMENTARY_SECTIONS` (domain.md §4.3).  It may be
written as

* YAML: one entry, or a list of entries (``commentary:``), each with ``metric``, ``period``,
  ``org_unit``, ``assurance_level``, ``author``, ``sections`` (section key or heading -> text),
  ``private`` (the sections withheld from public packs) and ``actions``; a file may also hold
  a top-level ``actions:`` list;
* Markdown with YAML front matter (the same fields), whose ``## Heading`` sections become the
  narrative sections.

Actions are records with ``id``, ``description``, ``owner``, ``due``, ``status`` and the
optional fields of :class:`~trustboard.domain.Action`; an action inside a commentary entry
belongs to its metric.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from trustboard.domain import COMMENTARY_SECTIONS, Action, Commentary, MetricDefinition
from trustboard.errors import ErrorCode, Problem
from trustboard.ingest.cells import fit_period, parse_period_text
from trustboard.ingest.entries import (
    EntryPlace,
    YamlDocument,
    load_yaml,
    os_reason,
    validate_entry,
    yaml_error_text,
)

__all__ = [
    "COMMENTARY_SUFFIXES",
    "CommentaryRead",
    "EntrySource",
    "read_commentary",
    "section_key",
]

COMMENTARY_SUFFIXES = frozenset({".yaml", ".yml", ".md", ".markdown"})

_CODES = {
    "required": ErrorCode.N_REQUIRED,
    "unknown": ErrorCode.N_FIELD,
    "field": ErrorCode.N_FIELD,
}
_ACTION_FIELD_CODES = {
    "due": ErrorCode.N_DATE,
    "original_due": ErrorCode.N_DATE,
    "opened": ErrorCode.N_DATE,
    "completed": ErrorCode.N_DATE,
    "status": ErrorCode.N_STATUS,
}
_ENTRY_FIELDS = (
    "metric",
    "period",
    "org_unit",
    "assurance_level",
    "author",
    "deep_dive_requested_by",
    "sections",
    "private",
    "actions",
)


@dataclass(frozen=True, slots=True)
class EntrySource:
    """Where one commentary entry was read: its file and the line of its ``metric`` field
    (Markdown front matter and YAML alike), for problems found once the store is read."""

    file: str
    line: int | None


@dataclass
class CommentaryRead:
    """What :func:`read_commentary` found: commentary, actions and every problem.

    ``sources`` holds, for each item of ``commentary`` in the same order, where it was read.
    """

    commentary: list[Commentary] = field(default_factory=list)
    actions: list[Action] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    sources: list[EntrySource] = field(default_factory=list)


def _norm(text: str) -> str:
    text = text.lower().replace("&", " and ").replace("_", " ")
    return " ".join(re.sub(r"[^a-z0-9 ]", " ", text).split())


def _section_aliases() -> dict[str, str]:
    aliases: dict[str, str] = {}
    for key, title in COMMENTARY_SECTIONS.items():
        aliases[_norm(title)] = key
        aliases[_norm(key)] = key
        aliases.setdefault(_norm(title.split(" and ")[0]), key)
    return aliases


_SECTION_ALIASES = _section_aliases()


def section_key(heading: str) -> str | None:
    """The section key of a heading (``What the chart shows`` -> ``chart_shows``), or None.

    Matching ignores case and punctuation; a section's key, its full heading, and the first
    part of a two-part heading (``Background``, ``Root causes``, ``Risks``) are all accepted.
    """
    return _SECTION_ALIASES.get(_norm(heading))


_SECTION_LIST = ", ".join(f"'{t}'" for t in COMMENTARY_SECTIONS.values())
_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")


class _Reader:
    def __init__(
        self, catalogue: Mapping[str, MetricDefinition], org_units: Collection[str]
    ) -> None:
        self.catalogue = catalogue
        self.org_units = set(org_units)
        self.result = CommentaryRead()
        self.seen: dict[tuple[str, str, str | None], str] = {}
        self.action_ids: dict[str, str] = {}

    @property
    def problems(self) -> list[Problem]:
        """The problems found so far (the result's list)."""
        return self.result.problems

    def entry(
        self,
        data: dict[str, Any],
        place: EntryPlace,
        body: tuple[dict[str, str], list[Problem]] | None = None,
    ) -> None:
        """Check and keep one commentary entry (with its actions)."""
        data = dict(data)
        if "metric_id" in data and "metric" not in data:
            data["metric"] = data.pop("metric_id")
        for key in list(data):
            if key not in _ENTRY_FIELDS:
                self.problems.append(
                    place.problem(
                        ErrorCode.N_FIELD,
                        f"'{key}' is not a commentary field",
                        (key,),
                        expected="one of: " + ", ".join(_ENTRY_FIELDS),
                    )
                )
                data.pop(key)
        metric_id = str(data.get("metric") or "").strip()
        ok = True
        if not metric_id:
            self.problems.append(
                place.problem(
                    ErrorCode.N_REQUIRED,
                    "the commentary does not say which metric it is about",
                    ("metric",),
                    expected="metric: <metric id>",
                )
            )
            ok = False
        elif metric_id not in self.catalogue:
            self.problems.append(
                place.problem(
                    ErrorCode.N_UNKNOWN_METRIC,
                    f"metric '{metric_id}' is not in the catalogue",
                    ("metric",),
                    value=metric_id,
                )
            )
            ok = False
        period_label = self._period(data.get("period"), metric_id if ok else None, place)
        ok = ok and period_label is not None
        org = data.get("org_unit")
        org = str(org).strip() if org is not None else None
        if org and org not in self.org_units:
            self.problems.append(
                place.problem(
                    ErrorCode.N_UNKNOWN_ORG,
                    f"org unit '{org}' is not in the catalogue",
                    ("org_unit",),
                    value=org,
                )
            )
            ok = False
        sections = self._sections(data.get("sections"), place)
        if body is not None:
            body_sections, body_problems = body
            self.problems.extend(body_problems)
            for key, text in body_sections.items():
                sections[key] = f"{sections[key]}\n\n{text}" if key in sections else text
        fields: dict[str, object] = {
            "metric_id": metric_id,
            "period": period_label or "",
            "org_unit": org or None,
            "sections": sections,
        }
        for name in ("assurance_level", "author", "deep_dive_requested_by"):
            if data.get(name) is not None:
                fields[name] = data[name]
        private = self._private(data.get("private"), place)
        if private:
            fields["private_sections"] = private
        commentary = (
            validate_entry(Commentary, fields, place, _CODES, self.problems) if ok else None
        )
        if commentary is not None:
            seen_key = (commentary.metric_id, commentary.period, commentary.org_unit)
            if seen_key in self.seen:
                self.problems.append(
                    place.problem(
                        ErrorCode.N_DUPLICATE,
                        f"commentary for metric '{seen_key[0]}', period {seen_key[1]}"
                        f"{', org unit ' + repr(seen_key[2]) if seen_key[2] else ''}"
                        " is given twice "
                        f"(first in {self.seen[seen_key]})",
                        ("metric",),
                        value=seen_key[0],
                    )
                )
            else:
                self.seen[seen_key] = place.file
                self.result.commentary.append(commentary)
                line = place.yaml.line((*place.path, "metric")) if place.yaml else place.row
                self.result.sources.append(EntrySource(place.file, line))
        actions = data.get("actions")
        if actions is not None:
            self.actions(actions, place, ("actions",), metric_id or None)

    def _period(self, raw: Any, metric_id: str | None, place: EntryPlace) -> str | None:
        if raw is None or str(raw).strip() == "":
            self.problems.append(
                place.problem(
                    ErrorCode.N_REQUIRED,
                    "the commentary has no period",
                    ("period",),
                    expected="period: 2025-03",
                )
            )
            return None
        parsed = parse_period_text(raw)
        if parsed is None:
            self.problems.append(
                place.problem(
                    ErrorCode.N_PERIOD,
                    f"'{raw}' is not a reporting period",
                    ("period",),
                    value=str(raw),
                    expected="2025-03, 2025-W09, 2024-25 Q4 or 2024-25",
                )
            )
            return None
        if metric_id is None:
            return None
        fitted = fit_period(parsed, self.catalogue[metric_id].frequency)
        if isinstance(fitted, str):
            self.problems.append(
                place.problem(
                    ErrorCode.N_PERIOD,
                    fitted,
                    ("period",),
                    value=str(raw),
                    expected=f"a {self.catalogue[metric_id].frequency} period",
                )
            )
            return None
        return fitted.label()

    def _private(self, raw: Any, place: EntryPlace) -> tuple[str, ...]:
        """The sections an entry marks private (``private: [root causes, risks]``)."""
        if raw is None:
            return ()
        names = [raw] if isinstance(raw, str) else raw
        if not isinstance(names, list):
            self.problems.append(
                place.problem(ErrorCode.N_FIELD, "'private' must list section names", ("private",))
            )
            return ()
        keys: list[str] = []
        for name in names:
            key = section_key(str(name))
            if key is None:
                self.problems.append(
                    place.problem(
                        ErrorCode.N_UNKNOWN_SECTION,
                        f"'{name}' is not a narrative section",
                        ("private", str(name)),
                        value=str(name),
                        expected=f"one of {_SECTION_LIST}",
                    )
                )
                continue
            if key not in keys:
                keys.append(key)
        return tuple(sorted(keys))

    def _sections(self, raw: Any, place: EntryPlace) -> dict[str, str]:
        if raw is None:
            return {}
        if not isinstance(raw, dict):
            self.problems.append(
                place.problem(
                    ErrorCode.N_FIELD, "'sections' must map section names to text", ("sections",)
                )
            )
            return {}
        out: dict[str, str] = {}
        for name, text in raw.items():
            key = section_key(str(name))
            if key is None:
                self.problems.append(
                    place.problem(
                        ErrorCode.N_UNKNOWN_SECTION,
                        f"'{name}' is not a narrative section",
                        ("sections", str(name)),
                        value=str(name),
                        expected=f"one of {_SECTION_LIST}",
                    )
                )
                continue
            if text is not None and str(text).strip():
                out[key] = str(text).strip()
        return out

    def actions(
        self, raw: Any, place: EntryPlace, loc: tuple[str | int, ...], metric_id: str | None
    ) -> None:
        """Check and keep a list of actions."""
        if not isinstance(raw, list):
            self.problems.append(place.problem(ErrorCode.N_FIELD, "'actions' must be a list", loc))
            return
        for index, item in enumerate(raw):
            child = EntryPlace(
                place.file, place.sheet, place.row, place.yaml, (*place.path, *loc, index)
            )
            if not isinstance(item, dict):
                self.problems.append(
                    child.problem(ErrorCode.N_FIELD, "each action must be a set of named fields")
                )
                continue
            data = {str(k): v for k, v in item.items()}
            if metric_id and "metric_id" not in data:
                data["metric_id"] = metric_id
            named = data.get("metric_id")
            if named is not None and str(named) not in self.catalogue:
                self.problems.append(
                    child.problem(
                        ErrorCode.N_UNKNOWN_METRIC,
                        f"action names metric '{named}', which is not in the catalogue",
                        ("metric_id",),
                        value=str(named),
                    )
                )
                continue
            if isinstance(data.get("status"), str):
                data["status"] = data["status"].strip().lower().replace(" ", "_").replace("-", "_")
            action = validate_entry(Action, data, child, _CODES, self.problems, _ACTION_FIELD_CODES)
            if action is None:
                continue
            if action.id in self.action_ids:
                self.problems.append(
                    child.problem(
                        ErrorCode.N_DUPLICATE,
                        f"action id '{action.id}' is used twice (first in "
                        f"{self.action_ids[action.id]})",
                        ("id",),
                        value=action.id,
                    )
                )
                continue
            self.action_ids[action.id] = place.file
            self.result.actions.append(action)


def _markdown_body(body: str, first_line: int, file: str) -> tuple[dict[str, str], list[Problem]]:
    sections: dict[str, list[str]] = {}
    problems: list[Problem] = []
    current: str | None = None
    skipping = False
    stray: int | None = None
    for offset, line in enumerate(body.splitlines()):
        number = first_line + offset
        heading = _HEADING.match(line)
        if heading and len(heading.group(1)) == 2:
            key = section_key(heading.group(2))
            if key is None:
                problems.append(
                    Problem(
                        ErrorCode.N_UNKNOWN_SECTION,
                        f"heading '{heading.group(2)}' is not a narrative "
                        f"section (line {number}); its text is not read",
                        file=file,
                        row=number,
                        column=line.strip(),
                        value=heading.group(2),
                        expected=f"one of {_SECTION_LIST}",
                    )
                )
                current, skipping = None, True
            else:
                current, skipping = key, False
                sections.setdefault(key, [])
            continue
        if heading and len(heading.group(1)) == 1 and current is None:
            continue  # a title line above the sections
        if current is not None:
            sections[current].append(line)
        elif not skipping and line.strip() and stray is None:
            stray = number
    if stray is not None:
        problems.append(
            Problem(
                ErrorCode.N_TEXT_OUTSIDE_SECTION,
                f"text before the first section heading (line {stray}) belongs to no section",
                file=file,
                row=stray,
                expected="a heading such as '## What the chart shows' above it",
            )
        )
    texts = {k: "\n".join(v).strip() for k, v in sections.items()}
    return {k: v for k, v in texts.items() if v}, problems


def _read_markdown(path: Path, reader: _Reader) -> None:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        reader.problems.append(
            Problem(ErrorCode.N_FILE, f"the file cannot be read: {os_reason(exc)}", file=str(path))
        )
        return
    lines = text.splitlines()
    if not lines or lines[0].strip() != "---":
        reader.problems.append(
            Problem(
                ErrorCode.N_FILE,
                "the file does not start with front matter ('---' on the first line)",
                file=str(path),
                row=1,
                expected="---, then metric:, period: ..., then ---",
            )
        )
        return
    try:
        end = next(i for i in range(1, len(lines)) if lines[i].strip() in ("---", "..."))
    except StopIteration:
        reader.problems.append(
            Problem(ErrorCode.N_FILE, "the front matter is not closed with '---'", file=str(path))
        )
        return
    front = "\n" * 1 + "\n".join(lines[1:end])  # keep YAML line numbers equal to file lines
    try:
        doc = load_yaml(path, front)
    except yaml.YAMLError as exc:
        reader.problems.append(Problem(ErrorCode.N_FILE, yaml_error_text(exc), file=str(path)))
        return
    if not isinstance(doc.data, dict):
        reader.problems.append(
            Problem(
                ErrorCode.N_FILE, "the front matter must be a set of named fields", file=str(path)
            )
        )
        return
    body = "\n".join(lines[end + 1 :])
    place = EntryPlace(str(path), yaml=doc)
    reader.entry(
        {str(k): v for k, v in doc.data.items()}, place, _markdown_body(body, end + 2, str(path))
    )


def _read_yaml(path: Path, reader: _Reader) -> None:
    try:
        doc: YamlDocument = load_yaml(path)
    except (OSError, UnicodeDecodeError) as exc:
        reader.problems.append(
            Problem(ErrorCode.N_FILE, f"the file cannot be read: {os_reason(exc)}", file=str(path))
        )
        return
    except yaml.YAMLError as exc:
        reader.problems.append(Problem(ErrorCode.N_FILE, yaml_error_text(exc), file=str(path)))
        return
    data = doc.data
    if data is None:
        return
    prefix: tuple[str, ...]
    if isinstance(data, dict) and (
        "commentary" in data
        or ("actions" in data and "metric" not in data and "metric_id" not in data)
    ):
        entries, prefix = data.get("commentary") or [], ("commentary",)
        if "actions" in data:
            reader.actions(data["actions"], EntryPlace(str(path), yaml=doc), ("actions",), None)
    elif isinstance(data, dict):
        entries, prefix = [data], ()
    else:
        entries, prefix = data, ()
    if not isinstance(entries, list):
        reader.problems.append(
            Problem(
                ErrorCode.N_FILE,
                "the file must hold a commentary entry or a list of them",
                file=str(path),
            )
        )
        return
    for index, item in enumerate(entries):
        path_key = (*prefix, index) if (prefix or isinstance(data, list)) else ()
        place = EntryPlace(str(path), yaml=doc, path=path_key)
        if not isinstance(item, dict):
            reader.problems.append(
                place.problem(
                    ErrorCode.N_FILE, "each commentary entry must be a set of named fields"
                )
            )
            continue
        reader.entry({str(k): v for k, v in item.items()}, place)


def _expand(paths: Iterable[str | Path]) -> list[Path]:
    out: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            out.extend(
                sorted(p for p in path.rglob("*") if p.suffix.lower() in COMMENTARY_SUFFIXES)
            )
        else:
            out.append(path)
    return out


def read_commentary(
    paths: str | Path | Iterable[str | Path],
    *,
    catalogue: Mapping[str, MetricDefinition],
    org_units: Collection[str],
) -> CommentaryRead:
    """Read commentary and actions from YAML and Markdown files (folders are searched).

    Unknown metrics, org units, periods that do not fit the metric, unknown section
    headings, bad dates and statuses, and repeated entries are all reported as problems.
    """
    reader = _Reader(catalogue, org_units)
    for path in _expand([paths] if isinstance(paths, (str, Path)) else paths):
        suffix = path.suffix.lower()
        if not path.is_file():
            reader.problems.append(
                Problem(ErrorCode.N_FILE, "the file does not exist", file=str(path))
            )
        elif suffix in (".md", ".markdown"):
            _read_markdown(path, reader)
        elif suffix in (".yaml", ".yml"):
            _read_yaml(path, reader)
        else:
            reader.problems.append(
                Problem(
                    ErrorCode.N_FILE,
                    f"'{path.suffix}' files are not read; use .yaml or .md",
                    file=str(path),
                )
            )
    return reader.result
