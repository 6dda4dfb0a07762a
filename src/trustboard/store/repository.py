"""The store's interface: one small typed class the rest of trustboard reads and writes through.

Callers get Polars frames and domain objects, never SQLAlchemy rows.  Every write runs in a
transaction (one per call, or the caller's ``with store.transaction():`` block), records who
made it in the audit log and leaves the store unchanged if it fails or is interrupted.
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import polars as pl
from sqlalchemy import Connection, Engine, MetaData, Table, func, insert, select, update
from sqlalchemy.exc import IntegrityError, OperationalError, ProgrammingError

from trustboard.domain import Action, Commentary, Forum, MetricDefinition, OrgUnit
from trustboard.errors import ErrorCode, StoreError
from trustboard.store import catalogue as cat
from trustboard.store.audit import AuditEntry, read_audit, record
from trustboard.store.current import (
    DocumentProblem,
    build_documents,
    check_documents,
    compare_documents,
    rebuild_documents,
)
from trustboard.store.engine import (
    create_store_engine,
    current_revision,
    default_actor,
    head_revision,
    migrate,
    normalise_url,
    redact_url,
    refuse_read_only,
)
from trustboard.store.models import ImportBatchRow
from trustboard.store.narrative import (
    ActionChange,
    read_action_history,
    read_actions,
    read_commentary,
    write_actions,
    write_commentary,
)
from trustboard.store.spc_results import StoredSpc, read_spc_results, write_spc_run
from trustboard.store.triggers import TriggerProblem, check_triggers, repair_triggers
from trustboard.store.values import (
    WriteSummary,
    bulk_current,
    latest_periods,
    read_values,
    to_utc_naive,
    write_values,
)

__all__ = ["ImportBatch", "Store", "utc_now"]

_ib = ImportBatchRow.__table__


@dataclass(frozen=True, slots=True)
class ImportBatch:
    """One import, as listed by :meth:`Store.imports`."""

    id: int
    kind: str
    started_at: datetime
    finished_at: datetime | None
    actor: str
    files: list[dict[str, Any]]
    inserted: int
    revised: int
    unchanged: int


def utc_now() -> datetime:
    """The current moment as naive UTC (the form every timestamp is stored in)."""
    return datetime.now(UTC).replace(tzinfo=None)


class Store:
    """A trustboard store (SQLite file or PostgreSQL database) at the latest schema.

    Open one with :meth:`Store.open` (an existing store) or :meth:`Store.init` (create or
    upgrade).  ``actor`` names who makes changes in the audit log.
    """

    def __init__(self, engine: Engine, *, actor: str | None = None) -> None:
        self.engine = engine
        self.actor = actor or default_actor()
        self._active: Connection | None = None

    # -- opening -----------------------------------------------------------------------------

    @classmethod
    def open(cls, url: str | Path | None = None, *, actor: str | None = None) -> Store:
        """Open the existing store at ``url``; it must be at the latest schema."""
        engine = create_store_engine(url, must_exist=True)
        revision = current_revision(engine)
        if revision != head_revision():
            engine.dispose()
            state = "not initialised" if revision is None else f"at schema {revision}"
            raise StoreError(
                f"the store at {redact_url(normalise_url(url))} is {state}",
                code=ErrorCode.STORE_SCHEMA,
                hint="run: trustboard init (it creates or upgrades the store)",
            )
        return cls(engine, actor=actor)

    @classmethod
    def init(
        cls, url: str | Path | None = None, *, actor: str | None = None
    ) -> tuple[Store, str | None, str | None]:
        """Create or upgrade the store at ``url``; returns (store, schema before, schema after)."""
        engine = create_store_engine(url)
        before, after = migrate(engine)
        store = cls(engine, actor=actor)
        if before != after:
            with store.transaction() as conn:
                record(
                    conn,
                    now=utc_now(),
                    actor=store.actor,
                    action="store.migrate",
                    entity="store",
                    entity_id=None,
                    before={"schema": before},
                    after={"schema": after},
                )
        return store, before, after

    @property
    def url(self) -> str:
        """The store's URL with any password hidden."""
        return redact_url(self.engine.url.render_as_string(hide_password=False))

    @property
    def dialect(self) -> str:
        """``sqlite`` or ``postgresql``."""
        return self.engine.dialect.name

    def close(self) -> None:
        """Release the store's connections."""
        self.engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- transactions ------------------------------------------------------------------------

    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        """A write transaction; store methods called inside it join it (all or nothing)."""
        if self._active is not None:
            yield self._active
            return
        refuse_read_only(self.engine.url, "this command")
        try:
            with self.engine.connect() as conn:
                conn.info["tb_write"] = True
                try:
                    with conn.begin():
                        self._active = conn
                        try:
                            yield conn
                        finally:
                            self._active = None
                finally:
                    conn.info.pop("tb_write", None)
        except IntegrityError as error:
            raise StoreError(
                f"the store refused the change: {error.orig}", code=ErrorCode.STORE_INTEGRITY
            ) from None
        except (OperationalError, ProgrammingError) as error:
            if _refused_for_rights(error):
                raise StoreError(
                    f"the store at {self.url} may be read but not written with this "
                    f"connection: {error.orig}",
                    code=ErrorCode.STORE_READ_ONLY,
                    hint="connect as a role (or open a file) that may write to the store",
                ) from None
            if isinstance(error, ProgrammingError):
                raise
            raise StoreError(f"the store could not be written: {error.orig}") from None

    @contextmanager
    def reading(self) -> Iterator[Connection]:
        """A connection for reads only: the open write transaction when there is one, else a
        fresh connection (which works on a store opened read-only as well)."""
        with self._reading() as conn:
            yield conn

    @contextmanager
    def _reading(self) -> Iterator[Connection]:
        if self._active is not None:
            yield self._active
            return
        with self.engine.connect() as conn:
            yield conn

    # -- catalogue ---------------------------------------------------------------------------

    def upsert_catalogue(
        self,
        metrics: Sequence[MetricDefinition],
        org_units: Sequence[OrgUnit],
        forums: Sequence[Forum],
        *,
        source: str | None = None,
        effective: date | None = None,
    ) -> cat.CatalogueSummary:
        """Load a whole catalogue (see :func:`trustboard.store.catalogue.upsert_catalogue`)."""
        now = utc_now()
        with self.transaction() as conn:
            return cat.upsert_catalogue(
                conn,
                metrics,
                org_units,
                forums,
                now=now,
                actor=self.actor,
                effective=effective or now.date(),
                source=source,
            )

    def add_metric_versions(
        self,
        metrics: Sequence[MetricDefinition],
        *,
        note: str,
        effective: date | None = None,
        source: str | None = None,
    ) -> tuple[list[str], cat.CatalogueVersion]:
        """Store changed definitions as new versions; returns (changed ids, catalogue version)."""
        now = utc_now()
        with self.transaction() as conn:
            added, changed, _same, _retired = cat.write_metric_versions(
                conn,
                metrics,
                now=now,
                actor=self.actor,
                effective=effective or now.date(),
                note=note,
            )
            version, _new = cat.stamp_catalogue_version(
                conn,
                now=now,
                actor=self.actor,
                source=source,
                changed_count=len(added) + len(changed),
            )
            return sorted(added + changed), version

    def metrics(
        self, as_of: date | None = None, *, include_retired: bool = False
    ) -> list[MetricDefinition]:
        """Definitions current now, or in force on ``as_of``."""
        with self._reading() as conn:
            return cat.read_metrics(conn, as_of=as_of, include_retired=include_retired)

    def metric(self, metric_id: str, as_of: date | None = None) -> MetricDefinition | None:
        """One definition (current, or in force on ``as_of``), or ``None``."""
        found = [m for m in self.metrics(as_of, include_retired=True) if m.id == metric_id]
        return found[0] if found else None

    def metric_versions(self, metric_id: str | None = None) -> list[cat.MetricVersion]:
        """Every stored version of one metric (or all), oldest first."""
        with self._reading() as conn:
            return cat.read_metric_versions(conn, metric_id)

    def catalogue_version(self) -> cat.CatalogueVersion | None:
        """The latest catalogue version (sequence number and content hash)."""
        with self._reading() as conn:
            return cat.latest_catalogue_version(conn)

    def org_units(self, *, include_retired: bool = False) -> list[OrgUnit]:
        """Organisation units, from the trust down."""
        with self._reading() as conn:
            return cat.read_org_units(conn, include_retired=include_retired)

    def forums(self) -> list[Forum]:
        """Forums in agenda order."""
        with self._reading() as conn:
            return [forum for forum, _ in cat.read_forums(conn)]

    def forum_metrics(self) -> dict[str, tuple[str, ...]]:
        """The metric ids each forum receives."""
        with self._reading() as conn:
            return {forum.id: ids for forum, ids in cat.read_forums(conn)}

    # -- imports -----------------------------------------------------------------------------

    def _begin_import(
        self, conn: Connection, kind: str, files: Sequence[Mapping[str, Any]], now: datetime
    ) -> int:
        return int(
            conn.execute(
                insert(_ib)
                .values(
                    kind=kind,
                    started_at=now,
                    finished_at=None,
                    actor=self.actor,
                    files=[dict(f) for f in files],
                    inserted=0,
                    revised=0,
                    unchanged=0,
                )
                .returning(_ib.c.id)
            ).scalar_one()
        )

    def _finish_import(
        self,
        conn: Connection,
        import_id: int,
        counts: tuple[int, int, int],
        kind: str,
        files: Sequence[Mapping[str, Any]],
        extra: Any = None,
    ) -> None:
        inserted, revised, unchanged = counts
        now = utc_now()
        conn.execute(
            update(_ib)
            .where(_ib.c.id == import_id)
            .values(finished_at=now, inserted=inserted, revised=revised, unchanged=unchanged)
        )
        after: dict[str, Any] = {
            "files": [dict(f) for f in files],
            "inserted": inserted,
            "revised": revised,
            "unchanged": unchanged,
        }
        if extra:
            after["revisions"] = extra
        record(
            conn,
            now=now,
            actor=self.actor,
            action=f"{kind}.import",
            entity="import_batch",
            entity_id=str(import_id),
            before=None,
            after=after,
        )

    def write_values(
        self,
        frame: pl.DataFrame,
        *,
        files: Sequence[Mapping[str, Any]] = (),
        progress: Callable[[str, int, int], None] | None = None,
    ) -> WriteSummary:
        """Write values (the ingest readers' frame) as one import; see :func:`write_values`.

        ``files`` describes the source files (name, sha256, rows) for the import record.
        """
        now = utc_now()
        with self.transaction() as conn:
            import_id = self._begin_import(conn, "values", files, now)
            summary = write_values(conn, frame, now=now, import_id=import_id, progress=progress)
            if summary.rebuilt_documents:
                self._record_rebuild(conn, list(summary.rebuilt_documents), "values.import", now)
            self._finish_import(
                conn,
                import_id,
                (summary.inserted, summary.revised, summary.unchanged),
                "values",
                files,
                list(summary.revisions),
            )
            return summary

    def values(
        self,
        metric_ids: Sequence[str] | None = None,
        org_units: Sequence[str] | None = None,
        start: date | None = None,
        end: date | None = None,
        as_of: datetime | date | None = None,
        *,
        history: bool = False,
        columns: Sequence[str] | None = None,
    ) -> pl.DataFrame:
        """Values current now, or at ``as_of`` ("what did the Board see then?").

        ``as_of`` may be aware (converted to UTC) or naive UTC; a date means the end of that
        day.  ``history=True`` returns every revision; ``columns`` keeps only those columns.
        """
        moment = None if as_of is None else to_utc_naive(as_of)
        if bulk_current(history=history, as_of=moment, org_units=org_units, columns=columns):
            self._repair_documents(metric_ids)
        with self._reading() as conn:
            return read_values(
                conn,
                metric_ids=metric_ids,
                org_units=org_units,
                start=start,
                end=end,
                as_of=moment,
                history=history,
                columns=columns,
            )

    # -- the current-value documents (a checked cache of metric_value) -----------------------

    def _record_rebuild(
        self, conn: Connection, problems: Sequence[DocumentProblem | str], cause: str, now: datetime
    ) -> None:
        found = [
            p.as_dict() if isinstance(p, DocumentProblem) else {"metric_id": p} for p in problems
        ]
        record(
            conn,
            now=now,
            actor=self.actor,
            action="values.documents.rebuild",
            entity="metric_current",
            entity_id=None,
            before={"cause": cause, "problems": found},
            after={"rebuilt": sorted({f["metric_id"] for f in found})},
        )

    def _repair_documents(self, metric_ids: Sequence[str] | None) -> None:
        """Rebuild the documents of ``metric_ids`` that do not match their rows, before a read.

        Best effort: if the repair cannot take the write lock (a long import holds it) or may
        not write, the read takes those metrics from the rows instead, which is as right.
        """
        with self._reading() as conn:
            if not check_documents(conn, metric_ids):
                return
        try:
            with self.transaction() as conn:
                now = utc_now()
                fixed = rebuild_documents(conn, metric_ids, now=now)
                if fixed:
                    self._record_rebuild(conn, fixed, "read", now)
        except StoreError:
            return

    def check_documents(self, *, full: bool = True) -> list[DocumentProblem]:
        """Every current-value document that does not match ``metric_value``, and why.

        The watermark check reads two small tables; ``full`` also compares every document with
        the current rows (reads them all) to find what the watermark cannot.
        """
        with self._reading() as conn:
            problems = check_documents(conn, None)
            if full:
                problems += compare_documents(conn)
        return sorted(problems, key=lambda p: (p.metric_id, p.kind))

    def rebuild_documents(self, *, full: bool = True) -> list[DocumentProblem]:
        """Rebuild from the rows every document :meth:`check_documents` finds wrong, in one
        audited transaction; returns what was wrong (empty when nothing was)."""
        with self.transaction() as conn:
            now = utc_now()
            problems = rebuild_documents(conn, None, now=now)
            if full:
                content = compare_documents(conn)
                if content:
                    build_documents(conn, sorted({p.metric_id for p in content}), now=now)
                problems += content
            if problems:
                self._record_rebuild(conn, problems, "store.check", now)
        return sorted(problems, key=lambda p: (p.metric_id, p.kind))

    def check_triggers(self) -> list[TriggerProblem]:
        """The change-tracking triggers on ``metric_value`` that are missing, disabled or
        altered (without them the documents' watermark misses changes)."""
        with self._reading() as conn:
            return check_triggers(conn)

    def repair_triggers(self) -> list[TriggerProblem]:
        """Recreate the triggers :meth:`check_triggers` finds wrong, from the SQL of the
        migration that made them, audited as ``store.triggers.repair``; returns what was wrong.

        Changes made while a trigger was missing were not counted: rebuild the documents with
        the full comparison afterwards (``trustboard store check --rebuild`` does both)."""
        with self.transaction() as conn:
            problems = repair_triggers(conn)
            if problems:
                record(
                    conn,
                    now=utc_now(),
                    actor=self.actor,
                    action="store.triggers.repair",
                    entity="metric_value",
                    entity_id=None,
                    before={"problems": [p.as_dict() for p in problems]},
                    after={"repaired": [p.name for p in problems]},
                )
        return problems

    def values_count(self) -> int:
        """How many values are current (one per metric, org unit and period)."""
        from sqlalchemy import text

        with self._reading() as conn:
            return int(
                conn.execute(
                    text("SELECT COUNT(*) FROM metric_value WHERE valid_to IS NULL")
                ).scalar_one()
            )

    def latest_periods(self) -> pl.DataFrame:
        """Per metric: ``latest`` period start loaded, ``units`` with it, how many
        ``provisional``."""
        with self._reading() as conn:
            return latest_periods(conn)

    def write_commentary(
        self, items: Sequence[Commentary], *, files: Sequence[Mapping[str, Any]] = ()
    ) -> WriteSummary:
        """Store commentary as one import; a changed narrative becomes a new revision."""
        now = utc_now()
        with self.transaction() as conn:
            import_id = self._begin_import(conn, "commentary", files, now)
            counts = write_commentary(conn, items, now=now, actor=self.actor, import_id=import_id)
            self._finish_import(conn, import_id, counts, "commentary", files)
            return WriteSummary(*counts, import_id=import_id)

    def write_actions(
        self, actions: Sequence[Action], *, files: Sequence[Mapping[str, Any]] = ()
    ) -> WriteSummary:
        """Store actions as one import (``revised`` counts updated actions)."""
        now = utc_now()
        with self.transaction() as conn:
            import_id = self._begin_import(conn, "actions", files, now)
            counts = write_actions(conn, actions, now=now, actor=self.actor, import_id=import_id)
            self._finish_import(conn, import_id, counts, "actions", files)
            return WriteSummary(*counts, import_id=import_id)

    def commentary(
        self,
        metric_ids: Sequence[str] | None = None,
        period: str | None = None,
        org_unit: str | None = None,
        as_of: datetime | date | None = None,
    ) -> list[Commentary]:
        """Commentary current now (or at ``as_of``); ``org_unit=""`` for trust level only."""
        moment = None if as_of is None else to_utc_naive(as_of)
        with self._reading() as conn:
            return read_commentary(
                conn, metric_ids=metric_ids, period=period, org_unit=org_unit, as_of=moment
            )

    def actions(
        self,
        metric_ids: Sequence[str] | None = None,
        *,
        baf_risk_ids: Sequence[str] | None = None,
        open_on: date | None = None,
        include_closed: bool = True,
    ) -> list[Action]:
        """Actions by due date; ``open_on`` gives those carried forward into that day."""
        with self._reading() as conn:
            return read_actions(
                conn,
                metric_ids=metric_ids,
                baf_risk_ids=baf_risk_ids,
                open_on=open_on,
                include_closed=include_closed,
            )

    def action_history(self, action_id: str) -> list[ActionChange]:
        """Every change of one action's status, due date or note, oldest first."""
        with self._reading() as conn:
            return read_action_history(conn, action_id)

    def imports(self, limit: int | None = None) -> list[ImportBatch]:
        """Imports, newest first."""
        query = select(_ib).order_by(_ib.c.id.desc())
        if limit is not None:
            query = query.limit(limit)
        with self._reading() as conn:
            return [ImportBatch(**dict(r)) for r in conn.execute(query).mappings()]

    # -- SPC results -------------------------------------------------------------------------

    def save_spc_run(
        self,
        *,
        points: pl.DataFrame,
        summary: pl.DataFrame,
        options: Mapping[str, Mapping[str, Any]],
        metric_versions: Mapping[str, int],
        option_groups: Sequence[Mapping[str, Any]],
        values_as_of: datetime,
        catalogue_seq: int | None,
    ) -> int:
        """Store one SPC refresh; returns its run id."""
        now = utc_now()
        with self.transaction() as conn:
            return write_spc_run(
                conn,
                points=points,
                summary=summary,
                options=options,
                metric_versions=metric_versions,
                option_groups=option_groups,
                values_as_of=values_as_of,
                catalogue_seq=catalogue_seq,
                now=now,
                actor=self.actor,
            )

    def spc_results(
        self,
        metric_ids: Sequence[str] | None = None,
        org_units: Sequence[str] | None = None,
        *,
        run_id: int | None = None,
        with_points: bool = True,
    ) -> StoredSpc | None:
        """The latest SPC run's results (or run ``run_id``'s); ``None`` before any refresh."""
        with self._reading() as conn:
            return read_spc_results(
                conn,
                run_id=run_id,
                metric_ids=metric_ids,
                org_units=org_units,
                with_points=with_points,
            )

    # -- audit and integrity -----------------------------------------------------------------

    def audit(
        self,
        *,
        entity: str | None = None,
        entity_id: str | None = None,
        action: str | None = None,
        since: datetime | None = None,
        limit: int | None = None,
    ) -> list[AuditEntry]:
        """Audit entries, newest first."""
        with self._reading() as conn:
            return read_audit(
                conn, entity=entity, entity_id=entity_id, action=action, since=since, limit=limit
            )

    def row_counts(self) -> dict[str, int]:
        """Rows in every table of the store."""
        out: dict[str, int] = {}
        with self._reading() as conn:
            for table in _stored_tables(conn):
                out[table.name] = int(
                    conn.execute(select(func.count()).select_from(table)).scalar_one()
                )
        return out

    def fingerprint(self) -> str:
        """SHA-256 of the whole content of the store (every table, in key order).

        Two stores (or one store at two moments) with the same fingerprint hold the same data;
        used to prove that a failed or interrupted import changed nothing.
        """
        digest = hashlib.sha256()
        with self._reading() as conn:
            for table in _stored_tables(conn):
                digest.update(table.name.encode())
                order = list(table.primary_key.columns) or list(table.columns)
                result = conn.execution_options(yield_per=50_000).execute(
                    select(table).order_by(*order)
                )
                for row in result:
                    digest.update(repr(tuple(row)).encode())
        return digest.hexdigest()


def _refused_for_rights(error: OperationalError | ProgrammingError) -> bool:
    """Whether the database refused a write because the connection may only read: SQLite's
    SQLITE_READONLY (a file or folder it may not write), PostgreSQL's insufficient privilege
    (SQLSTATE 42501) or a read-only transaction (25006)."""
    orig = error.orig
    if isinstance(orig, sqlite3.Error):
        return getattr(orig, "sqlite_errorcode", None) is not None and (
            orig.sqlite_errorcode & 0xFF == sqlite3.SQLITE_READONLY
        )
    return getattr(orig, "sqlstate", None) in ("42501", "25006")


def _stored_tables(conn: Connection) -> list[Table]:
    # Reflected rather than taken from the models, so that tables added by later migrations
    # (the BAF, for one) are counted whether or not their module has been imported.
    metadata = MetaData()
    metadata.reflect(conn)
    return sorted(
        (t for t in metadata.tables.values() if t.name != "alembic_version"), key=lambda t: t.name
    )
