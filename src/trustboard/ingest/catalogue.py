"""Reading the catalogue folder (``read_catalogue``): metrics, org units and forums.

The folder holds ``org_units.yaml``, ``forums.yaml`` and the metrics in any of
``metrics.yaml``, ``metrics/*.yaml``, ``metrics.csv`` (with optional ``targets.csv`` and
``rebase.csv``) or ``metrics.xlsx`` (sheets ``metrics``, ``targets``, ``rebase``).  Every
problem is collected; the layouts are in ``docs/imports.md``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import yaml

from trustboard.domain import Forum, MetricDefinition, OrgUnit
from trustboard.errors import DataValidationError, ErrorCode, Problem
from trustboard.ingest.entries import (
    EntryPlace,
    YamlDocument,
    load_yaml,
    os_reason,
    validate_entry,
    yaml_error_text,
)
from trustboard.ingest.tables import Table, file_problems, normalise_header, read_tables
from trustboard.ingest.targets import overlap_problems, sheet_rows

__all__ = ["CatalogueRead", "read_catalogue"]

_CODES = {
    "required": ErrorCode.C_REQUIRED,
    "unknown": ErrorCode.C_UNKNOWN_FIELD,
    "field": ErrorCode.C_FIELD,
}

#: Sheet columns that carry one target on a metric row, and the target field each fills.
TARGET_COLUMNS: dict[str, str] = {
    "target": "value",
    "target_value": "value",
    "target_comparator": "comparator",
    "target_type": "type",
    "target_source": "source",
    "target_valid_from": "valid_from",
    "target_valid_to": "valid_to",
}


@dataclass
class CatalogueRead:
    """What :func:`read_catalogue` found: the valid entries and every problem."""

    metrics: list[MetricDefinition] = field(default_factory=list)
    org_units: list[OrgUnit] = field(default_factory=list)
    forums: list[Forum] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Whether no problem was found."""
        return not self.problems

    def metrics_by_id(self) -> dict[str, MetricDefinition]:
        """The metrics keyed by id (the ``catalogue`` argument of the other readers)."""
        return {m.id: m for m in self.metrics}


@dataclass
class _Entry:
    data: dict[str, Any]
    place: EntryPlace


def _load(path: Path, problems: list[Problem]) -> YamlDocument | None:
    try:
        return load_yaml(path)
    except (OSError, UnicodeDecodeError) as exc:
        problems.append(
            Problem(ErrorCode.C_FILE, f"the file cannot be read: {os_reason(exc)}", file=str(path))
        )
    except yaml.YAMLError as exc:
        problems.append(Problem(ErrorCode.C_FILE, yaml_error_text(exc), file=str(path)))
    return None


def _yaml_list(path: Path, key: str, problems: list[Problem]) -> list[_Entry]:
    doc = _load(path, problems)
    if doc is None:
        return []
    data, prefix = doc.data, cast(tuple[str, ...], ())
    if isinstance(data, dict) and key in data:
        data, prefix = data[key], (key,)
    elif data is None:
        data = []
    if not isinstance(data, list):
        problems.append(
            Problem(
                ErrorCode.C_STRUCTURE,
                f"the file must hold a list under '{key}:'",
                file=str(path),
                expected=f"'{key}:' followed by a list of entries",
            )
        )
        return []
    out: list[_Entry] = []
    for index, item in enumerate(data):
        place = EntryPlace(str(path), yaml=doc, path=(*prefix, index))
        if not isinstance(item, dict):
            problems.append(
                place.problem(
                    ErrorCode.C_STRUCTURE,
                    "each entry must be a set of named fields",
                    value=item if isinstance(item, (str, int, float)) else None,
                )
            )
            continue
        out.append(_Entry({str(k): v for k, v in item.items()}, place))
    return out


def _sheet_metrics(
    metrics: Table, targets: Table | None, rebase: Table | None, problems: list[Problem]
) -> list[_Entry]:
    headers = {normalise_header(h): h for h in metrics.columns}
    if "id" not in headers:
        problems.append(
            Problem(
                ErrorCode.C_REQUIRED,
                "the metrics sheet has no 'id' column",
                file=metrics.label,
                sheet=metrics.sheet,
                row=metrics.first_row - 1,
                column="id",
            )
        )
        return []
    columns = {
        **headers,
        **{f"targets.0.{f}": headers[c] for c, f in TARGET_COLUMNS.items() if c in headers},
    }
    entries: list[_Entry] = []
    by_id: dict[str, _Entry] = {}
    for row, cells in sheet_rows(metrics):
        target = {TARGET_COLUMNS[c]: cells.pop(c) for c in list(cells) if c in TARGET_COLUMNS}
        entry = _Entry(cells, EntryPlace(metrics.label, metrics.sheet, row, columns=columns))
        if target:
            entry.data["targets"] = [target]
        entries.append(entry)
        by_id.setdefault(str(cells.get("id", "")), entry)
    for table, kind in ((targets, "targets"), (rebase, "rebase")):
        if table is None:
            continue
        sub_headers = {normalise_header(h): h for h in table.columns}
        if "metric_id" not in sub_headers:
            problems.append(
                Problem(
                    ErrorCode.C_REQUIRED,
                    f"the {kind} sheet has no 'metric_id' column",
                    file=table.label,
                    sheet=table.sheet,
                    row=table.first_row - 1,
                    column="metric_id",
                )
            )
            continue
        for row, cells in sheet_rows(table):
            metric_id = cells.pop("metric_id", "")
            owner = by_id.get(metric_id)
            place = EntryPlace(table.label, table.sheet, row, columns=sub_headers)
            if owner is None:
                problems.append(
                    place.problem(
                        ErrorCode.C_UNKNOWN_METRIC,
                        f"the {kind} row names metric '{metric_id}', which is not in the "
                        "metrics sheet",
                        ("metric_id",),
                        value=metric_id,
                    )
                )
                continue
            items = owner.data.setdefault(kind, [])
            items.append(cells)
            # problems in a row of the targets or rebase sheet are reported at that row
            owner.place.children[(kind, len(items) - 1)] = place
    return entries


def _find_sheet(tables: Sequence[Table], name: str) -> Table | None:
    for t in tables:
        if t.sheet is not None and normalise_header(t.sheet) == name:
            return t
    return None


def _metric_entries(folder: Path, problems: list[Problem]) -> list[_Entry]:
    entries: list[_Entry] = []
    found = False
    for path in [
        folder / "metrics.yaml",
        folder / "metrics.yml",
        *sorted((folder / "metrics").glob("*.y*ml") if (folder / "metrics").is_dir() else []),
    ]:
        if path.is_file():
            found = True
            entries.extend(_yaml_list(path, "metrics", problems))
    for name in ("metrics.csv", "metrics.xlsx"):
        path = folder / name
        if not path.is_file():
            continue
        found = True
        try:
            tables = read_tables(path)
        except DataValidationError as exc:
            problems.extend(file_problems(exc, ErrorCode.C_FILE, path))
            continue
        if name.endswith(".csv"):
            extra = {}
            for kind in ("targets", "rebase"):
                side = folder / f"{kind}.csv"
                if side.is_file():
                    try:
                        extra[kind] = read_tables(side)[0]
                    except DataValidationError as exc:
                        problems.extend(file_problems(exc, ErrorCode.C_FILE, side))
            entries.extend(
                _sheet_metrics(tables[0], extra.get("targets"), extra.get("rebase"), problems)
            )
        else:
            main = _find_sheet(tables, "metrics") or tables[0]
            entries.extend(
                _sheet_metrics(
                    main, _find_sheet(tables, "targets"), _find_sheet(tables, "rebase"), problems
                )
            )
    if not found:
        problems.append(
            Problem(
                ErrorCode.C_FILE,
                "no metrics file: expected metrics.yaml, metrics/*.yaml, "
                "metrics.csv or metrics.xlsx",
                file=str(folder),
            )
        )
    return entries


def _build_metrics(
    entries: list[_Entry], problems: list[Problem]
) -> list[tuple[MetricDefinition, _Entry]]:
    built: list[tuple[MetricDefinition, _Entry]] = []
    for entry in entries:
        metric = validate_entry(MetricDefinition, entry.data, entry.place, _CODES, problems)
        if metric is not None:
            built.append((metric, entry))
    return built


def _check_org_units(
    units: list[tuple[OrgUnit, EntryPlace]], problems: list[Problem]
) -> dict[str, OrgUnit]:
    codes: dict[str, OrgUnit] = {}
    for unit, place in units:
        if unit.code in codes:
            problems.append(
                place.problem(
                    ErrorCode.C_DUPLICATE_ORG,
                    f"org unit '{unit.code}' is defined twice",
                    ("code",),
                    value=unit.code,
                )
            )
            continue
        codes[unit.code] = unit
    places = {u.code: p for u, p in units}
    for code, unit in codes.items():
        if unit.parent is not None and unit.parent not in codes:
            problems.append(
                places[code].problem(
                    ErrorCode.C_UNKNOWN_PARENT,
                    f"org unit '{code}' names parent '{unit.parent}', which does not exist",
                    ("parent",),
                    value=unit.parent,
                    expected="the code of another org unit",
                )
            )
    reported: set[str] = set()
    for code in codes:
        seen: list[str] = []
        current: str | None = code
        while current is not None and current in codes and current not in seen:
            seen.append(current)
            current = codes[current].parent
        if current is not None and current in seen:
            loop = seen[seen.index(current) :]
            if not reported.intersection(loop):
                reported.update(loop)
                chain = " → ".join([*loop, current])
                problems.append(
                    places[current].problem(
                        ErrorCode.C_CYCLE,
                        f"org units form a loop through their parents: {chain}",
                        ("parent",),
                        value=codes[current].parent,
                        expected="a tree with the trust at the top",
                    )
                )
    return codes


def read_catalogue(path: str | Path) -> CatalogueRead:
    """Read and check the catalogue folder at ``path``.

    Returns the metrics, org units and forums that are valid on their own, and every
    problem found in them or between them: duplicate ids, unknown directorates, parents,
    committees and metrics, org-unit loops, and overlapping targets.
    """
    folder = Path(path)
    result = CatalogueRead()
    problems = result.problems
    if not folder.is_dir():
        problems.append(
            Problem(ErrorCode.C_FILE, "the catalogue folder does not exist", file=str(folder))
        )
        return result
    units: list[tuple[OrgUnit, EntryPlace]] = []
    forums: list[tuple[Forum, EntryPlace]] = []
    for name, key, model, sink in (
        ("org_units.yaml", "org_units", OrgUnit, units),
        ("forums.yaml", "forums", Forum, forums),
    ):
        file = folder / name
        if not file.is_file():
            problems.append(
                Problem(
                    ErrorCode.C_FILE, f"{name} is missing from the catalogue folder", file=str(file)
                )
            )
            continue
        for entry in _yaml_list(file, key, problems):
            built = validate_entry(model, entry.data, entry.place, _CODES, problems)
            if built is not None:
                sink.append((built, entry.place))
    org_codes = _check_org_units(units, problems)
    result.org_units = list(org_codes.values())

    forum_ids: dict[str, Forum] = {}
    for forum, place in forums:
        if forum.id in forum_ids:
            problems.append(
                place.problem(
                    ErrorCode.C_DUPLICATE_FORUM,
                    f"forum '{forum.id}' is defined twice",
                    ("id",),
                    value=forum.id,
                )
            )
            continue
        forum_ids[forum.id] = forum
    result.forums = list(forum_ids.values())
    committees = set(forum_ids) | {c for f in forum_ids.values() for c in f.committees}

    entries = _metric_entries(folder, problems)
    # ids of every metric entry, valid or not: a reference to a metric whose entry has its own
    # problem is not reported again as unknown
    declared = {str(e.data.get("id", "")).strip() for e in entries}
    metrics: dict[str, tuple[MetricDefinition, _Entry]] = {}
    for metric, entry in _build_metrics(entries, problems):
        if metric.id in metrics:
            first = metrics[metric.id][1].place
            first_line = first.yaml.line((*first.path, "id")) if first.yaml is not None else None
            where = (
                f"line {first_line} of {first.file}"
                if first_line is not None
                else f"{first.file} row {first.row}"
            )
            problems.append(
                entry.place.problem(
                    ErrorCode.C_DUPLICATE_METRIC,
                    f"metric '{metric.id}' is defined twice (first in {where})",
                    ("id",),
                    value=metric.id,
                )
            )
            continue
        metrics[metric.id] = (metric, entry)
    result.metrics = [m for m, _ in metrics.values()]

    for metric, entry in metrics.values():
        place = entry.place
        if org_codes and metric.directorate not in org_codes:
            problems.append(
                place.problem(
                    ErrorCode.C_UNKNOWN_DIRECTORATE,
                    f"metric '{metric.id}' names directorate '{metric.directorate}', "
                    "which is not an org unit",
                    ("directorate",),
                    value=metric.directorate,
                    expected="an org unit code (TRUST for trust-wide metrics)",
                )
            )
        for index, committee in enumerate(metric.lead_committees):
            if forum_ids and committee not in committees:
                problems.append(
                    place.problem(
                        ErrorCode.C_UNKNOWN_COMMITTEE,
                        f"metric '{metric.id}' names lead committee '{committee}', "
                        "which is neither a forum nor a committee of one",
                        ("lead_committees", index),
                        value=committee,
                        expected="one of: " + ", ".join(sorted(committees)),
                    )
                )
        for index, other in enumerate(metric.triangulate_with):
            if other not in declared:
                problems.append(
                    place.problem(
                        ErrorCode.C_UNKNOWN_METRIC,
                        f"metric '{metric.id}' is to be read with '{other}', which is not "
                        "in the catalogue",
                        ("triangulate_with", index),
                        value=other,
                    )
                )
        problems.extend(
            overlap_problems(
                metric.id,
                metric.targets,
                [place] * len(metric.targets),
                [("targets", i, "valid_from") for i in range(len(metric.targets))],
            )
        )

    for forum, place in forums:
        if forum_ids.get(forum.id) is not forum:
            continue
        for field_name in ("include_metrics", "exclude_metrics"):
            for index, metric_id in enumerate(getattr(forum, field_name)):
                if metric_id not in declared:
                    problems.append(
                        place.problem(
                            ErrorCode.C_UNKNOWN_METRIC,
                            f"forum '{forum.id}' names metric '{metric_id}', which is not "
                            "in the catalogue",
                            (field_name, index),
                            value=metric_id,
                        )
                    )
    return result
