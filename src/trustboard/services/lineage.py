"""Where a figure came from: the lineage of one value (metric, org unit, period).

Everything shown is read from what the store and the publication folder already record:

- every revision of the value (``metric_value``: figures, provisional flag, the source file's
  name and SHA-256 and the sheet and row the reader took it from, when each revision was
  loaded and replaced);
- the import that loaded each revision (``import_batch``: who ran it, when it started and
  finished, its files with their SHA-256 and row counts).  A revision belongs to the import
  whose start is the moment the revision was written (both are stamped with the same moment
  in one transaction);
- the catalogue definition versions of the metric, and the one in force for the period;
- the SPC options the metric's definition asks for, and every rebase in force (the
  catalogue's, and those accepted with ``trustboard spc rebase``, with who accepted them);
- the published packs (manifests under ``published/``) of the forums the viewer may read that
  show the metric for the period, with the figure each showed and the revision current when
  it was published (a publication reads the values as they stood at that moment).

A value that was not loaded at its unit but worked out from the units below (the roll-up of
numerators and denominators) has no revisions of its own; its lineage lists the loaded values
it is summed from.  In a public forum every figure is shown as the public pack shows it: small
numbers suppressed by :mod:`trustboard.disclosure`, and no numerator or denominator behind a
ratio.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import polars as pl

from trustboard.disclosure import SUPPRESSION_MARK, suppress_value
from trustboard.domain import MetricDefinition, OrgUnit, Period
from trustboard.errors import NotFoundError, PermissionDeniedError, TrustboardError
from trustboard.render.pack import PackModel
from trustboard.render.pack.formatting import format_value
from trustboard.services.browse import metric_section
from trustboard.services.drill import may_open_unit
from trustboard.services.pack import PaperConfig
from trustboard.services.refresh import spc_options_for
from trustboard.services.users import User, may_read_forum, record_refusal
from trustboard.store import ImportBatch, Store
from trustboard.store.catalogue import merge_rebases, rebase_start
from trustboard.store.rows import SOURCE_ROW_SCHEMA, VALUE_FRAME_SCHEMA
from trustboard.store.spc_results import read_rebases

__all__ = [
    "DefinitionVersion",
    "Lineage",
    "PublishedFigure",
    "RebaseRecord",
    "RevisionRecord",
    "SourceValue",
    "lineage",
]

#: Loaded values listed for a worked-out figure (the rest are counted).
SOURCES_SHOWN = 200

#: The columns of a value read for its lineage: every column, with the sheet and row it was
#: read from.
_COLUMNS = [*VALUE_FRAME_SCHEMA, *SOURCE_ROW_SCHEMA]


@dataclass(frozen=True, slots=True)
class PublishedFigure:
    """A published pack that shows the metric for the period."""

    forum: str
    forum_name: str
    period: str
    published_at: datetime
    display: str
    #: the revision of this unit's value current when the pack was published (None when the
    #: unit had no loaded value then)
    revision: int | None


@dataclass(frozen=True, slots=True)
class RevisionRecord:
    """One revision of the value, and the import that loaded it."""

    revision: int
    display: str
    numerator: str | None
    denominator: str | None
    provisional: bool
    source_file: str | None
    source_hash: str | None
    #: the sheet (None for CSV and Parquet) and row, as a person sees them in the file, the
    #: revision was read from; both None where not recorded
    source_sheet: str | None
    source_row: int | None
    valid_from: datetime
    valid_to: datetime | None
    batch: ImportBatch | None
    shown_in: tuple[PublishedFigure, ...]


@dataclass(frozen=True, slots=True)
class SourceValue:
    """A loaded value a worked-out figure is summed from (its current revision)."""

    unit: OrgUnit
    display: str
    revision: int
    source_file: str | None
    source_sheet: str | None
    source_row: int | None
    loaded_at: datetime


@dataclass(frozen=True, slots=True)
class DefinitionVersion:
    """One stored version of the metric's catalogue definition."""

    version: int
    effective_from: date
    recorded_at: datetime
    catalogue_seq: int | None
    change_note: str | None
    in_force: bool


@dataclass(frozen=True, slots=True)
class RebaseRecord:
    """A rebase in force for this unit's chart."""

    starts: date
    reason: str
    source: str
    org_unit: str | None
    accepted_by: str | None
    accepted_at: datetime | None


@dataclass(frozen=True, slots=True)
class Lineage:
    """The lineage of one value."""

    model: PackModel
    definition: MetricDefinition
    unit: OrgUnit
    month: Period
    public: bool
    revisions: tuple[RevisionRecord, ...]
    derived: bool
    sources: tuple[SourceValue, ...]
    sources_total: int
    versions: tuple[DefinitionVersion, ...]
    spc_options: Mapping[str, Any]
    rebases: tuple[RebaseRecord, ...]
    publications: tuple[PublishedFigure, ...]
    publications_configured: bool


def _number(value: Any) -> float | None:
    if value is None:
        return None
    number = float(value)
    return None if number != number else number


def _shown(
    metric: MetricDefinition, value: float | None, numerator: float | None, public: bool
) -> str:
    """The value as the forum's pack would print it (suppressed in a public forum)."""
    if public and metric.suppression.value != "none":
        kept = suppress_value(
            value,
            metric.suppression,
            numerator=numerator if metric.has_ratio else None,
            ratio=metric.has_ratio,
            label=f"metric {metric.id}",
        )
        if kept.suppressed:
            return SUPPRESSION_MARK
        value = kept.value
    return format_value(value, metric.unit)


def _count(value: float | None, public: bool) -> str | None:
    # the counts behind a ratio are never published
    if public or value is None:
        return None
    return f"{value:,.10g}"


def _month(model: PackModel, text: str | None) -> Period:
    if text is None:
        return model.period
    try:
        chosen = Period.parse(text)
    except (ValueError, TrustboardError):
        raise NotFoundError(f"'{text}' is not a period", hint="for example 2025-03") from None
    if chosen > model.period:
        raise NotFoundError(
            f"{chosen.display()} is after the {model.period.display()} pack",
            hint="open the pack of that month",
        )
    return chosen


def _batches(store: Store) -> dict[datetime, ImportBatch]:
    return {b.started_at: b for b in store.imports() if b.kind == "values"}


def _publications(
    store: Store,
    user: User,
    root: str | Path | None,
    metric_id: str,
    month: Period,
    metric: MetricDefinition,
) -> list[PublishedFigure]:
    from trustboard.services.publish import MANIFEST_NAME, load_manifest

    if root is None:
        return []
    base = Path(root) / "published"
    if not base.is_dir():
        return []
    forums = {f.id: f for f in store.forums()}
    label = month.label()
    found: list[PublishedFigure] = []
    for forum_dir in sorted(base.iterdir()):
        forum = forums.get(forum_dir.name)
        if forum is None or not forum_dir.is_dir() or not may_read_forum(user, forum):
            continue
        for folder in sorted(forum_dir.iterdir()):
            if folder.name.startswith(".") or not (folder / MANIFEST_NAME).is_file():
                continue
            manifest = load_manifest(folder)
            figures = {
                (f["metric_id"], f["period"]): f["value"]
                for f in manifest["figures"]
                if isinstance(f, dict)
            }
            if (metric_id, label) not in figures:
                continue
            value = _number(figures[(metric_id, label)])
            public = bool(manifest.get("options", {}).get("public", forum.public))
            found.append(
                PublishedFigure(
                    forum=forum.id,
                    forum_name=str(manifest.get("forum_name") or forum.name),
                    period=str(manifest["period"]),
                    published_at=datetime.fromisoformat(manifest["published_at"].rstrip("Z")),
                    # a figure a public pack suppressed is stored as null: shown as it was
                    display=(
                        SUPPRESSION_MARK
                        if value is None and public
                        else format_value(value, metric.unit)
                    ),
                    revision=None,
                )
            )
    found.sort(key=lambda p: p.published_at)
    return found


def _current_at(history: pl.DataFrame, moment: datetime) -> int | None:
    for row in history.iter_rows(named=True):
        if row["valid_from"] <= moment and (row["valid_to"] is None or row["valid_to"] > moment):
            return int(row["revision"])
    return None


def lineage(
    store: Store,
    user: User,
    forum_id: str,
    period: str,
    metric_id: str,
    unit_code: str | None,
    month: str | None,
    config: PaperConfig,
    published_root: str | Path | None,
) -> Lineage:
    """The lineage of ``metric_id`` at ``unit_code`` (the trust when None) for ``month`` (the
    pack's period when None), as the viewer of ``forum_id``'s pack for ``period`` may see it.

    The forum and metric are checked as for the metric page; a unit the viewer may not see is
    refused (audited); a month after the pack's period is not found.
    """
    model, section = metric_section(store, user, forum_id, period, metric_id, config)
    definition = section.definition
    units = {u.code: u for u in store.org_units(include_retired=True)}
    if unit_code is None:
        code = model.org_unit or next((u.code for u in units.values() if u.parent is None), None)
        if code is None:
            raise NotFoundError("the store has no trust org unit")
        unit_code = code
    unit = units.get(unit_code)
    if unit is None:
        raise NotFoundError(f"there is no org unit '{unit_code}'")
    if not may_open_unit(user, unit, units):
        record_refusal(store, user.name, f"org unit {unit.code}", "directorate not on the account")
        raise PermissionDeniedError(
            f"your account does not give access to org unit {unit.code}",
            hint="a directorate lead sees the directorates named on their account",
        )
    # the period of the metric's own frequency that holds the month asked for
    chosen = Period.containing(_month(model, month).start, definition.frequency)
    public = model.public
    start = chosen.start
    history = store.values(
        [metric_id], [unit.code], start=start, end=start, history=True, columns=_COLUMNS
    ).sort("revision")
    batches = _batches(store)
    published = _publications(store, user, published_root, metric_id, chosen, definition)
    published = [
        PublishedFigure(
            p.forum,
            p.forum_name,
            p.period,
            p.published_at,
            p.display,
            _current_at(history, p.published_at),
        )
        for p in published
    ]
    revisions = tuple(
        RevisionRecord(
            revision=int(row["revision"]),
            display=_shown(definition, _number(row["value"]), _number(row["numerator"]), public),
            numerator=_count(_number(row["numerator"]), public),
            denominator=_count(_number(row["denominator"]), public),
            provisional=bool(row["provisional"]),
            source_file=row["source_file"],
            source_hash=row["source_hash"],
            source_sheet=row["source_sheet"],
            source_row=row["source_row"],
            valid_from=row["valid_from"],
            valid_to=row["valid_to"],
            batch=batches.get(row["valid_from"]),
            shown_in=tuple(p for p in published if p.revision == int(row["revision"])),
        )
        for row in history.iter_rows(named=True)
    )
    sources: list[SourceValue] = []
    total = 0
    if not revisions:
        # a directorate lead's trust figure lists only the units of their directorates
        below = [c for c in _descendants(unit, units) if may_open_unit(user, units[c], units)]
        if below:
            loaded = store.values(
                [metric_id], below, start=start, end=start, columns=_COLUMNS
            ).sort("org_unit")
            total = loaded.height
            for row in loaded.head(SOURCES_SHOWN).iter_rows(named=True):
                sources.append(
                    SourceValue(
                        unit=units[row["org_unit"]],
                        display=_shown(
                            definition,
                            _number(row["value"]),
                            _number(row["numerator"]),
                            public,
                        ),
                        revision=int(row["revision"]),
                        source_file=row["source_file"],
                        source_sheet=row["source_sheet"],
                        source_row=row["source_row"],
                        loaded_at=row["valid_from"],
                    )
                )
    versions = store.metric_versions(metric_id)
    in_force = _in_force(versions, chosen)
    # the catalogue's definition as stored (the pack's copy already holds the trust's rebases)
    catalogued = next((v.definition for v in versions if v.version == in_force), definition)
    with store.reading() as conn:
        stored_rebases = read_rebases(conn, [metric_id])
    entries, _conflicts = merge_rebases([catalogued], stored_rebases)
    applied = [e for e in entries if e.org_unit in (None, unit.code)]
    accepted = {(r.org_unit, rebase_start(r.at, catalogued)): r for r in stored_rebases}
    rebases = tuple(
        RebaseRecord(
            starts=entry.starts,
            reason=entry.reason,
            source=entry.source,
            org_unit=entry.org_unit,
            accepted_by=who.actor if who else None,
            accepted_at=who.accepted_at if who else None,
        )
        for entry in applied
        for who in [accepted.get((entry.org_unit, entry.starts))]
    )
    return Lineage(
        model=model,
        definition=definition,
        unit=unit,
        month=chosen,
        public=public,
        revisions=revisions,
        derived=not revisions and total > 0,
        sources=tuple(sources),
        sources_total=total,
        versions=tuple(
            DefinitionVersion(
                v.version,
                v.effective_from,
                v.recorded_at,
                v.catalogue_seq,
                v.change_note,
                v.version == in_force,
            )
            for v in versions
        ),
        spc_options=spc_options_for(catalogued, applied),
        rebases=rebases,
        publications=tuple(published),
        publications_configured=published_root is not None,
    )


def _descendants(unit: OrgUnit, units: Mapping[str, OrgUnit]) -> list[str]:
    children: dict[str, list[str]] = {}
    for u in units.values():
        if u.parent is not None:
            children.setdefault(u.parent, []).append(u.code)
    out: list[str] = []
    todo = list(children.get(unit.code, ()))
    while todo:
        code = todo.pop()
        out.append(code)
        todo.extend(children.get(code, ()))
    return sorted(out)


def _in_force(versions: Sequence[Any], month: Period) -> int | None:
    """The version in force at the month's end, as the pack chooses it: the latest version
    effective by then, else the first (a catalogue loaded after the period)."""
    ordered = sorted(versions, key=lambda v: (v.effective_from, v.version))
    chosen = None
    for version in ordered:
        if version.effective_from > month.end and chosen is not None:
            continue
        chosen = version.version
    return chosen
