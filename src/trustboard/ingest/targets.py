"""Reading targets (``read_targets``) and the overlap check shared with the catalogue.

A targets file has one row (or YAML entry) per target: ``metric_id, value, comparator, type,
source, valid_from, valid_to``.  Two targets of one metric and one type may not be in force on
the same day: the assurance icon compares with *the* target of the day, and a trajectory is
one stepped line (domain.md §2, §4.3).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, cast

import yaml

from trustboard.domain import MetricDefinition, Target
from trustboard.errors import DataValidationError, ErrorCode, Problem
from trustboard.ingest.entries import (
    EntryPlace,
    load_yaml,
    os_reason,
    validate_entry,
    yaml_error_text,
)
from trustboard.ingest.tables import file_problems, normalise_header, read_tables

__all__ = ["TARGET_FIELDS", "TargetsRead", "overlapping_targets", "read_targets", "sheet_rows"]

#: Fields of a target row, as column headers.
TARGET_FIELDS: tuple[str, ...] = ("value", "comparator", "type", "source", "valid_from", "valid_to")

_TARGET_CODES = {
    "required": ErrorCode.T_FIELD,
    "unknown": ErrorCode.T_FIELD,
    "field": ErrorCode.T_FIELD,
}


@dataclass
class TargetsRead:
    """What :func:`read_targets` found: targets by metric id, and every problem."""

    targets: dict[str, list[Target]] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)


def _ranges_meet(a: Target, b: Target) -> bool:
    a_from, a_to = a.valid_from or date.min, a.valid_to or date.max
    b_from, b_to = b.valid_from or date.min, b.valid_to or date.max
    return a_from <= b_to and b_from <= a_to


def _describe(t: Target) -> str:
    start = t.valid_from.isoformat() if t.valid_from else "the start"
    end = t.valid_to.isoformat() if t.valid_to else "open-ended"
    return f"{t.comparator.value} {t.value:g} ({start} to {end})"


def overlapping_targets(targets: Sequence[Target]) -> list[tuple[int, int]]:
    """Pairs ``(i, j)``, ``i < j``, of targets of the same type in force on a common day."""
    pairs: list[tuple[int, int]] = []
    for j, later in enumerate(targets):
        for i in range(j):
            earlier = targets[i]
            if earlier.type is later.type and _ranges_meet(earlier, later):
                pairs.append((i, j))
    return pairs


def overlap_problems(
    metric_id: str,
    targets: Sequence[Target],
    places: Sequence[EntryPlace],
    locs: Sequence[tuple[str | int, ...]],
) -> list[Problem]:
    """One TB-T-OVERLAP problem for each overlapping pair, placed at the later target."""
    out: list[Problem] = []
    for i, j in overlapping_targets(targets):
        a, b = targets[i], targets[j]
        out.append(
            places[j].problem(
                ErrorCode.T_OVERLAP,
                f"metric '{metric_id}' has two {b.type.value} targets in force at once: "
                f"{_describe(a)} and {_describe(b)}",
                locs[j],
                value=b.value,
                expected=f"valid_from after {a.valid_to.isoformat()}"
                if a.valid_to
                else "an end date (valid_to) on the earlier target",
            )
        )
    return out


def sheet_rows(table: Any) -> Iterable[tuple[int, dict[str, str]]]:
    """(row number, {normalised header: cell text}) for each non-blank row of a table.

    Blank cells are left out, so that a model's defaults apply; Excel dates written as
    ``2024-04-01 00:00:00`` are cut to the date.
    """
    headers = [normalise_header(h) for h in table.columns]
    for offset, values in enumerate(table.frame.iter_rows()):
        cells: dict[str, str] = {}
        for header, value in zip(headers, values, strict=False):
            if value is None or not header:
                continue
            text = str(value).strip()
            if text.endswith(" 00:00:00") and len(text) == 19:
                text = text[:10]
            if text:
                cells.setdefault(header, text)
        if cells:
            yield table.first_row + offset, cells


def _yaml_entries(path: Path, problems: list[Problem]) -> list[tuple[dict[str, Any], EntryPlace]]:
    try:
        doc = load_yaml(path)
    except (OSError, UnicodeDecodeError) as exc:
        problems.append(
            Problem(ErrorCode.T_FILE, f"the file cannot be read: {os_reason(exc)}", file=str(path))
        )
        return []
    except yaml.YAMLError as exc:
        problems.append(Problem(ErrorCode.T_FILE, yaml_error_text(exc), file=str(path)))
        return []
    data, key = doc.data, cast(tuple[str, ...], ())
    if isinstance(data, dict) and "targets" in data:
        data, key = data["targets"], ("targets",)
    if not isinstance(data, list):
        problems.append(
            Problem(
                ErrorCode.T_FILE,
                "the file must hold a list of targets (under 'targets:')",
                file=str(path),
            )
        )
        return []
    out = []
    for index, entry in enumerate(data):
        place = EntryPlace(str(path), yaml=doc, path=(*key, index))
        if not isinstance(entry, dict):
            problems.append(
                place.problem(ErrorCode.T_FIELD, "each target must be a set of named fields")
            )
            continue
        out.append(({str(k): v for k, v in entry.items()}, place))
    return out


def _table_entries(path: Path, problems: list[Problem]) -> list[tuple[dict[str, Any], EntryPlace]]:
    try:
        tables = read_tables(path)
    except DataValidationError as exc:
        problems.extend(file_problems(exc, ErrorCode.T_FILE, path))
        return []
    out = []
    for table in tables:
        headers = {normalise_header(h): h for h in table.columns}
        missing = [c for c in ("metric_id", "value") if c not in headers]
        if missing:
            for name in missing:
                problems.append(
                    Problem(
                        ErrorCode.T_MISSING_COLUMN,
                        f"the header has no '{name}' column",
                        file=str(path),
                        sheet=table.sheet,
                        row=table.first_row - 1,
                        column=name,
                    )
                )
            continue
        for row, cells in sheet_rows(table):
            out.append((cells, EntryPlace(str(path), sheet=table.sheet, row=row, columns=headers)))
    return out


def read_targets(
    paths: str | Path | Iterable[str | Path],
    *,
    catalogue: Mapping[str, MetricDefinition],
) -> TargetsRead:
    """Read targets from CSV, Excel or YAML files, checked against the catalogue.

    Each target names its ``metric_id``; the other fields are those of
    :class:`~trustboard.domain.Target`.  Problems: unreadable files (TB-T-FILE), missing
    columns (TB-T-MISSING-COLUMN), unknown metrics (TB-T-UNKNOWN-METRIC), bad fields
    (TB-T-FIELD) and overlapping targets of one type (TB-T-OVERLAP).
    """
    path_list = [paths] if isinstance(paths, (str, Path)) else list(paths)
    result = TargetsRead()
    places: dict[str, list[EntryPlace]] = {}
    for raw in path_list:
        path = Path(raw)
        if path.suffix.lower() in (".yaml", ".yml"):
            entries = _yaml_entries(path, result.problems)
        else:
            entries = _table_entries(path, result.problems)
        for cells, place in entries:
            metric_id = str(cells.pop("metric_id", "") or "").strip()
            if not metric_id:
                result.problems.append(
                    place.problem(ErrorCode.T_FIELD, "the metric id is blank", ("metric_id",))
                )
                continue
            if metric_id not in catalogue:
                result.problems.append(
                    place.problem(
                        ErrorCode.T_UNKNOWN_METRIC,
                        f"metric '{metric_id}' is not in the catalogue",
                        ("metric_id",),
                        value=metric_id,
                    )
                )
                continue
            target = validate_entry(Target, cells, place, _TARGET_CODES, result.problems)
            if target is not None:
                result.targets.setdefault(metric_id, []).append(target)
                places.setdefault(metric_id, []).append(place)
    for metric_id, targets in result.targets.items():
        result.problems.extend(
            overlap_problems(metric_id, targets, places[metric_id], [("value",)] * len(targets))
        )
    return result
