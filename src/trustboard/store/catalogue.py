"""The metric catalogue in the store: versioned definitions, organisation units and forums.

A definition that changes gets a new version with the date it takes effect; the catalogue as a
whole gets a sequence number and a content hash each time what it says changes, so that a
board pack can record "catalogue version N" and show that a definition changed.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, delete, func, insert, select, update

from trustboard.domain import Forum, MetricDefinition, OrgLevel, OrgUnit, Period
from trustboard.errors import DataValidationError, ErrorCode, Problem
from trustboard.store.audit import record
from trustboard.store.models import (
    CatalogueVersionRow,
    ForumMetricRow,
    ForumRow,
    MetricRow,
    MetricVersionRow,
    OrgUnitRow,
)
from trustboard.store.spc_results import StoredRebase, read_rebases

__all__ = [
    "CatalogueSummary",
    "CatalogueVersion",
    "MetricVersion",
    "RebaseEntry",
    "catalogue_hash",
    "count_metric_versions",
    "definition_hash",
    "latest_catalogue_version",
    "merge_rebases",
    "read_forums",
    "read_metric_versions",
    "read_metrics",
    "read_org_units",
    "rebase_start",
    "stamp_catalogue_version",
    "upsert_catalogue",
    "write_metric_versions",
]

_m = MetricRow.__table__
_v = MetricVersionRow.__table__
_o = OrgUnitRow.__table__
_f = ForumRow.__table__
_fm = ForumMetricRow.__table__
_c = CatalogueVersionRow.__table__


@dataclass(frozen=True, slots=True)
class CatalogueVersion:
    """One version of the catalogue as a whole."""

    seq: int
    content_hash: str
    loaded_at: datetime
    actor: str
    source: str | None
    metric_count: int
    changed_count: int


@dataclass(frozen=True, slots=True)
class MetricVersion:
    """One stored version of a metric definition."""

    metric_id: str
    version: int
    effective_from: date
    recorded_at: datetime
    catalogue_seq: int | None
    definition: MetricDefinition
    change_note: str | None


@dataclass(frozen=True, slots=True)
class CatalogueSummary:
    """What a catalogue load changed, and the catalogue version it left."""

    version: CatalogueVersion
    new_version: bool
    added: tuple[str, ...]
    changed: tuple[str, ...]
    unchanged: tuple[str, ...]
    retired: tuple[str, ...]
    org_units_changed: int
    forums_changed: int
    #: catalogue ``rebase:`` entries that disagree with a rebase accepted in the store
    rebase_conflicts: tuple[str, ...] = ()


def _canonical(data: Any) -> str:
    return json.dumps(data, sort_keys=True, separators=(",", ":"), default=str)


def definition_hash(metric: MetricDefinition) -> str:
    """SHA-256 of what a definition says (version bookkeeping left out)."""
    body = metric.model_dump(mode="json", exclude={"effective_from", "change_note"})
    return hashlib.sha256(_canonical(body).encode()).hexdigest()


def catalogue_hash(
    metrics: Iterable[MetricDefinition], org_units: Iterable[OrgUnit], forums: Iterable[Forum]
) -> str:
    """SHA-256 of a whole catalogue: definitions, organisation units and forums, in id order."""
    body = {
        "metrics": sorted(definition_hash(m) for m in metrics),
        "org_units": sorted(_canonical(o.model_dump(mode="json")) for o in org_units),
        "forums": sorted(_canonical(f.model_dump(mode="json")) for f in forums),
    }
    return hashlib.sha256(_canonical(body).encode()).hexdigest()


def latest_catalogue_version(conn: Connection) -> CatalogueVersion | None:
    """The newest catalogue version, or ``None`` before the first load."""
    row = conn.execute(select(_c).order_by(_c.c.seq.desc()).limit(1)).mappings().first()
    return None if row is None else CatalogueVersion(**dict(row))


def read_metric_versions(conn: Connection, metric_id: str | None = None) -> list[MetricVersion]:
    """Every stored version (of one metric, or of all), oldest first."""
    query = select(_v).order_by(_v.c.metric_id, _v.c.version)
    if metric_id is not None:
        query = query.where(_v.c.metric_id == metric_id)
    out = []
    for row in conn.execute(query).mappings():
        out.append(
            MetricVersion(
                metric_id=row["metric_id"],
                version=row["version"],
                effective_from=row["effective_from"],
                recorded_at=row["recorded_at"],
                catalogue_seq=row["catalogue_seq"],
                definition=MetricDefinition.model_validate(row["definition"]),
                change_note=row["change_note"],
            )
        )
    return out


def read_metrics(
    conn: Connection, *, as_of: date | None = None, include_retired: bool = False
) -> list[MetricDefinition]:
    """The definitions in force: the current ones, or those in force on ``as_of``.

    On a date, each metric's version is the one with the latest ``effective_from`` on or before
    it (the newest version wins a tie); metrics with no version in force then are left out.
    """
    if as_of is None:
        query = select(_v.c.definition).join(
            _m, (_m.c.id == _v.c.metric_id) & (_m.c.current_version == _v.c.version)
        )
        if not include_retired:
            query = query.where(_m.c.retired_at.is_(None))
        rows = conn.execute(query.order_by(_v.c.metric_id)).scalars().all()
        return [MetricDefinition.model_validate(r) for r in rows]
    chosen: dict[str, tuple[date, int, dict[str, Any]]] = {}
    query = select(_v.c.metric_id, _v.c.effective_from, _v.c.version, _v.c.definition).where(
        _v.c.effective_from <= as_of
    )
    for metric_id, effective, version, definition in conn.execute(query):
        best = chosen.get(metric_id)
        if best is None or (effective, version) > (best[0], best[1]):
            chosen[metric_id] = (effective, version, definition)
    return [MetricDefinition.model_validate(chosen[k][2]) for k in sorted(chosen)]


def read_org_units(conn: Connection, *, include_retired: bool = False) -> list[OrgUnit]:
    """Organisation units, from the trust down (level, then code)."""
    query = select(_o.c.code, _o.c.name, _o.c.level, _o.c.parent)
    if not include_retired:
        query = query.where(_o.c.retired_at.is_(None))
    units = [
        OrgUnit(code=r.code, name=r.name, level=OrgLevel(r.level), parent=r.parent)
        for r in conn.execute(query)
    ]
    return sorted(units, key=lambda u: (u.level.depth, u.code))


def read_forums(conn: Connection) -> list[tuple[Forum, tuple[str, ...]]]:
    """Forums in agenda order, each with the metric ids it receives."""
    received: dict[str, list[str]] = {}
    for forum_id, metric_id in conn.execute(
        select(_fm.c.forum_id, _fm.c.metric_id).order_by(_fm.c.metric_id)
    ):
        received.setdefault(forum_id, []).append(metric_id)
    rows = conn.execute(
        select(_f.c.id, _f.c.definition)
        .where(_f.c.retired_at.is_(None))
        .order_by(_f.c.sort_order, _f.c.id)
    ).all()
    return [(Forum.model_validate(r.definition), tuple(received.get(r.id, ()))) for r in rows]


def write_metric_versions(
    conn: Connection,
    metrics: Sequence[MetricDefinition],
    *,
    now: datetime,
    actor: str,
    effective: date,
    note: str | None = None,
    retire_others: bool = False,
) -> tuple[list[str], list[str], list[str], list[str]]:
    """Store each definition as a new version when it differs from the current one.

    Returns (added, changed, unchanged, retired) metric ids.  A new version takes effect on the
    definition's own ``effective_from`` when it has one, else on ``effective``.
    """
    current: dict[str, tuple[int, str, dict[str, Any], datetime | None]] = {}
    query = select(
        _m.c.id, _m.c.current_version, _m.c.retired_at, _v.c.content_hash, _v.c.definition
    ).join(_v, (_v.c.metric_id == _m.c.id) & (_v.c.version == _m.c.current_version))
    for row in conn.execute(query):
        current[row.id] = (row.current_version, row.content_hash, row.definition, row.retired_at)
    added: list[str] = []
    changed: list[str] = []
    unchanged: list[str] = []
    for metric in sorted(metrics, key=lambda m: m.id):
        digest = definition_hash(metric)
        starts = metric.effective_from or effective
        stored = metric.model_copy(
            update={"effective_from": starts, "change_note": metric.change_note or note}
        )
        body = stored.model_dump(mode="json")
        known = current.get(metric.id)
        if known is not None and known[1] == digest:
            unchanged.append(metric.id)
            if known[3] is not None:
                conn.execute(update(_m).where(_m.c.id == metric.id).values(retired_at=None))
                record(
                    conn,
                    now=now,
                    actor=actor,
                    action="metric.reinstate",
                    entity="metric",
                    entity_id=metric.id,
                    before={"retired": True},
                    after={"retired": False},
                )
            continue
        version = 1 if known is None else known[0] + 1
        if known is None:
            conn.execute(
                insert(_m).values(
                    id=metric.id, current_version=1, first_loaded_at=now, retired_at=None
                )
            )
            added.append(metric.id)
        else:
            conn.execute(
                update(_m)
                .where(_m.c.id == metric.id)
                .values(current_version=version, retired_at=None)
            )
            changed.append(metric.id)
        conn.execute(
            insert(_v).values(
                metric_id=metric.id,
                version=version,
                effective_from=starts,
                recorded_at=now,
                catalogue_seq=None,
                content_hash=digest,
                definition=body,
                change_note=stored.change_note,
            )
        )
        record(
            conn,
            now=now,
            actor=actor,
            action="metric.add" if known is None else "metric.change",
            entity="metric",
            entity_id=metric.id,
            before=None if known is None else known[2],
            after=body,
        )
    retired: list[str] = []
    if retire_others:
        offered = {m.id for m in metrics}
        for metric_id, (_version, _hash, definition, retired_at) in sorted(current.items()):
            if metric_id not in offered and retired_at is None:
                conn.execute(update(_m).where(_m.c.id == metric_id).values(retired_at=now))
                record(
                    conn,
                    now=now,
                    actor=actor,
                    action="metric.retire",
                    entity="metric",
                    entity_id=metric_id,
                    before=definition,
                    after=None,
                )
                retired.append(metric_id)
    return added, changed, unchanged, retired


def _check_org_tree(org_units: Sequence[OrgUnit]) -> None:
    codes = {u.code for u in org_units}
    problems = [
        Problem(
            ErrorCode.STORE_ORG_PARENT,
            f"org unit '{u.code}' names a parent that is not listed",
            column="parent",
            value=u.parent,
            expected="the code of another org unit",
        )
        for u in org_units
        if u.parent is not None and u.parent not in codes
    ]
    if problems:
        raise DataValidationError("the organisation units do not form a tree", problems)


def _write_org_units(
    conn: Connection, org_units: Sequence[OrgUnit], *, now: datetime, actor: str
) -> int:
    _check_org_tree(org_units)
    stored = {r.code: r for r in conn.execute(select(_o))}
    count = 0
    for unit in sorted(org_units, key=lambda u: (u.level.depth, u.code)):
        body = unit.model_dump(mode="json")
        row = stored.get(unit.code)
        if row is None:
            conn.execute(
                insert(_o).values(
                    code=unit.code,
                    name=unit.name,
                    level=unit.level.value,
                    parent=unit.parent,
                    retired_at=None,
                )
            )
            record(
                conn,
                now=now,
                actor=actor,
                action="org_unit.add",
                entity="org_unit",
                entity_id=unit.code,
                before=None,
                after=body,
            )
            count += 1
            continue
        before = {"code": row.code, "name": row.name, "level": row.level, "parent": row.parent}
        if before != body or row.retired_at is not None:
            conn.execute(
                update(_o)
                .where(_o.c.code == unit.code)
                .values(name=unit.name, level=unit.level.value, parent=unit.parent, retired_at=None)
            )
            record(
                conn,
                now=now,
                actor=actor,
                action="org_unit.change",
                entity="org_unit",
                entity_id=unit.code,
                before=before,
                after=body,
            )
            count += 1
    offered = {u.code for u in org_units}
    for code, row in sorted(stored.items()):
        if code not in offered and row.retired_at is None:
            conn.execute(update(_o).where(_o.c.code == code).values(retired_at=now))
            record(
                conn,
                now=now,
                actor=actor,
                action="org_unit.retire",
                entity="org_unit",
                entity_id=code,
                before={"code": code, "name": row.name},
                after=None,
            )
            count += 1
    return count


def _write_forums(
    conn: Connection,
    forums: Sequence[Forum],
    metrics: Sequence[MetricDefinition],
    *,
    now: datetime,
    actor: str,
) -> int:
    stored = {r.id: r for r in conn.execute(select(_f))}
    count = 0
    for forum in forums:
        body = forum.model_dump(mode="json")
        row = stored.get(forum.id)
        values = {
            "name": forum.name,
            "kind": forum.kind.value,
            "public": forum.public,
            "sort_order": forum.order,
            "definition": body,
            "retired_at": None,
        }
        if row is None:
            conn.execute(insert(_f).values(id=forum.id, **values))
            record(
                conn,
                now=now,
                actor=actor,
                action="forum.add",
                entity="forum",
                entity_id=forum.id,
                before=None,
                after=body,
            )
            count += 1
        elif row.definition != body or row.retired_at is not None:
            conn.execute(update(_f).where(_f.c.id == forum.id).values(**values))
            record(
                conn,
                now=now,
                actor=actor,
                action="forum.change",
                entity="forum",
                entity_id=forum.id,
                before=row.definition,
                after=body,
            )
            count += 1
    offered = {f.id for f in forums}
    for forum_id, row in sorted(stored.items()):
        if forum_id not in offered and row.retired_at is None:
            conn.execute(update(_f).where(_f.c.id == forum_id).values(retired_at=now))
            record(
                conn,
                now=now,
                actor=actor,
                action="forum.retire",
                entity="forum",
                entity_id=forum_id,
                before=row.definition,
                after=None,
            )
            count += 1
    # The agenda is derived from the forum rules and the metrics' lead committees, so it is
    # rebuilt whole on every load rather than patched.
    conn.execute(delete(_fm))
    rows = [
        {"forum_id": f.id, "metric_id": m.id}
        for f in forums
        for m in metrics
        if f.receives(m.id, m.lead_committees)
    ]
    if rows:
        conn.execute(insert(_fm), rows)
    return count


def _stamp_version(
    conn: Connection, *, now: datetime, actor: str, source: str | None, changed_count: int
) -> tuple[CatalogueVersion, bool]:
    metrics = read_metrics(conn)
    digest = catalogue_hash(metrics, read_org_units(conn), [f for f, _ in read_forums(conn)])
    latest = latest_catalogue_version(conn)
    if latest is not None and latest.content_hash == digest:
        return latest, False
    seq = conn.execute(
        insert(_c)
        .values(
            content_hash=digest,
            loaded_at=now,
            actor=actor,
            source=source,
            metric_count=len(metrics),
            changed_count=changed_count,
        )
        .returning(_c.c.seq)
    ).scalar_one()
    conn.execute(update(_v).where(_v.c.catalogue_seq.is_(None)).values(catalogue_seq=seq))
    record(
        conn,
        now=now,
        actor=actor,
        action="catalogue.version",
        entity="catalogue",
        entity_id=str(seq),
        before=None if latest is None else {"seq": latest.seq, "hash": latest.content_hash},
        after={"seq": seq, "hash": digest, "source": source},
    )
    version = latest_catalogue_version(conn)
    assert version is not None
    return version, True


def upsert_catalogue(
    conn: Connection,
    metrics: Sequence[MetricDefinition],
    org_units: Sequence[OrgUnit],
    forums: Sequence[Forum],
    *,
    now: datetime,
    actor: str,
    effective: date,
    source: str | None = None,
) -> CatalogueSummary:
    """Load a whole catalogue: what is not listed any more is retired (its history stays)."""
    units = _write_org_units(conn, org_units, now=now, actor=actor)
    added, changed, unchanged, retired = write_metric_versions(
        conn, metrics, now=now, actor=actor, effective=effective, retire_others=True
    )
    forums_changed = _write_forums(conn, forums, metrics, now=now, actor=actor)
    version, is_new = _stamp_version(
        conn,
        now=now,
        actor=actor,
        source=source,
        changed_count=len(added) + len(changed) + len(retired),
    )
    # accepted rebases live in their own table, so a folder without them keeps them; a
    # catalogue entry that disagrees with one is reported, not silently dropped
    _, conflicts = merge_rebases(metrics, read_rebases(conn))
    return CatalogueSummary(
        version,
        is_new,
        tuple(added),
        tuple(changed),
        tuple(unchanged),
        tuple(retired),
        units,
        forums_changed,
        tuple(conflicts),
    )


def stamp_catalogue_version(
    conn: Connection, *, now: datetime, actor: str, source: str | None, changed_count: int
) -> tuple[CatalogueVersion, bool]:
    """Record a new catalogue version if what the store holds differs from the latest one."""
    return _stamp_version(conn, now=now, actor=actor, source=source, changed_count=changed_count)


def count_metric_versions(conn: Connection) -> int:
    """How many definition versions are stored."""
    return int(conn.execute(select(func.count()).select_from(_v)).scalar_one())


@dataclass(frozen=True, slots=True)
class RebaseEntry:
    """One rebase in force for a refresh: from the catalogue folder, the store, or both."""

    metric_id: str
    #: None: every org unit of the metric
    org_unit: str | None
    #: the first whole period the new limits start at
    starts: date
    reason: str
    source: str


def rebase_start(day: date, metric: MetricDefinition) -> date:
    """The first whole period from ``day``: a recalculation dated inside a period takes effect
    from the next one."""
    period = Period.containing(day, metric.frequency)
    return period.start if period.start == day else period.next().start


def merge_rebases(
    metrics: Sequence[MetricDefinition], stored: Sequence[StoredRebase]
) -> tuple[list[RebaseEntry], list[str]]:
    """The union of the catalogue's ``rebase:`` entries and the accepted rebases in the store.

    Entries for the same metric and org unit that start in the same period are one rebase;
    when their reasons differ, the store's (audited) reason is kept and a conflict is returned
    as a sentence.  Stored rebases of metrics not in ``metrics`` are left out.
    """
    by_id = {m.id: m for m in metrics}
    merged: dict[tuple[str, str | None, date], RebaseEntry] = {}
    for metric in metrics:
        for point in metric.rebase:
            start = rebase_start(point.date, metric)
            merged[(metric.id, None, start)] = RebaseEntry(
                metric.id, None, start, point.reason, "catalogue"
            )
    conflicts: list[str] = []
    for rebase in stored:
        owner = by_id.get(rebase.metric_id)
        if owner is None:
            continue
        start = rebase_start(rebase.at, owner)
        key = (rebase.metric_id, rebase.org_unit, start)
        found = merged.get(key)
        if found is not None and found.reason != rebase.reason:
            where = f" ({rebase.org_unit})" if rebase.org_unit else ""
            conflicts.append(
                f"{rebase.metric_id}{where} rebase from {start.isoformat()}: the catalogue "
                f"says '{found.reason}', the store says '{rebase.reason}' (accepted by "
                f"{rebase.actor}); the store's reason is used"
            )
        source = "catalogue and store" if found is not None else "store"
        merged[key] = RebaseEntry(rebase.metric_id, rebase.org_unit, start, rebase.reason, source)
    entries = sorted(merged.values(), key=lambda e: (e.metric_id, e.org_unit or "", e.starts))
    return entries, conflicts
