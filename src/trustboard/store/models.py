"""The store's tables as SQLAlchemy 2 declarative models.

The migrations in ``store/migrations/versions`` create exactly these tables (a test compares
the migrated schema with these models).  Later migrations add tables of their own in the same
linear chain, e.g. the Board Assurance Framework (``0002_baf``): they may reference
``metric.id``, ``org_unit.code``, ``forum.id`` and ``action.id`` and write to ``audit_log``.

Values and commentary are never updated in place: a changed row closes the current one
(``valid_to`` set) and adds a new revision, so what was current at any moment can be read back.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

__all__ = [
    "ActionHistoryRow",
    "ActionRow",
    "AuditRow",
    "Base",
    "CatalogueVersionRow",
    "CommentaryRow",
    "ForumMetricRow",
    "ForumRow",
    "ImportBatchRow",
    "MetricCurrentRow",
    "MetricRow",
    "MetricValueRow",
    "MetricValueStampRow",
    "MetricVersionRow",
    "OrgUnitRow",
    "SpcPointsRow",
    "SpcRunRow",
    "SpcSummaryRow",
]

# Named constraints so that migrations on SQLite (batch mode) and PostgreSQL agree on names.
NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

#: 64-bit keys on PostgreSQL, SQLite's rowid alias (INTEGER PRIMARY KEY) on SQLite.
BigId = BigInteger().with_variant(Integer(), "sqlite")
#: Timestamps are stored in UTC, without a zone (both engines compare them the same way).
Stamp = DateTime(timezone=False)
Flag = Boolean(create_constraint=False)


class Base(DeclarativeBase):
    """Declarative base holding the store's metadata."""

    metadata = MetaData(naming_convention=NAMING)

    if TYPE_CHECKING:
        # Every model here is mapped to a plain Table (SQLAlchemy types it as the wider
        # FromClause, which insert/update/delete do not accept).
        __table__: ClassVar[Table]


class CatalogueVersionRow(Base):
    """One load of the metric catalogue: a sequence number and a content hash."""

    __tablename__ = "catalogue_version"
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    content_hash: Mapped[str] = mapped_column(String(64))
    loaded_at: Mapped[datetime] = mapped_column(Stamp)
    actor: Mapped[str] = mapped_column(String(200))
    source: Mapped[str | None] = mapped_column(Text)
    metric_count: Mapped[int] = mapped_column(Integer)
    changed_count: Mapped[int] = mapped_column(Integer)


class MetricRow(Base):
    """A metric id known to the store, and which of its versions is current."""

    __tablename__ = "metric"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    current_version: Mapped[int] = mapped_column(Integer)
    first_loaded_at: Mapped[datetime] = mapped_column(Stamp)
    #: set when a catalogue load no longer lists the metric (its history stays)
    retired_at: Mapped[datetime | None] = mapped_column(Stamp)


class MetricVersionRow(Base):
    """One version of a metric definition, in force from ``effective_from``."""

    __tablename__ = "metric_version"
    metric_id: Mapped[str] = mapped_column(ForeignKey("metric.id"), primary_key=True)
    version: Mapped[int] = mapped_column(Integer, primary_key=True)
    effective_from: Mapped[date] = mapped_column(Date)
    recorded_at: Mapped[datetime] = mapped_column(Stamp)
    catalogue_seq: Mapped[int | None] = mapped_column(ForeignKey("catalogue_version.seq"))
    content_hash: Mapped[str] = mapped_column(String(64))
    definition: Mapped[dict[str, Any]] = mapped_column(JSON)
    change_note: Mapped[str | None] = mapped_column(Text)


class OrgUnitRow(Base):
    """An organisation unit: trust → directorate → service → team."""

    __tablename__ = "org_unit"
    code: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(300))
    level: Mapped[str] = mapped_column(String(20))
    parent: Mapped[str | None] = mapped_column(ForeignKey("org_unit.code"))
    retired_at: Mapped[datetime | None] = mapped_column(Stamp)


class ForumRow(Base):
    """A meeting that receives the report."""

    __tablename__ = "forum"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(300))
    kind: Mapped[str] = mapped_column(String(20))
    public: Mapped[bool] = mapped_column(Flag)
    sort_order: Mapped[int] = mapped_column(Integer)
    definition: Mapped[dict[str, Any]] = mapped_column(JSON)
    retired_at: Mapped[datetime | None] = mapped_column(Stamp)


class ForumMetricRow(Base):
    """A metric on a forum's agenda (resolved from the forum's rules at catalogue load)."""

    __tablename__ = "forum_metric"
    forum_id: Mapped[str] = mapped_column(ForeignKey("forum.id"), primary_key=True)
    metric_id: Mapped[str] = mapped_column(ForeignKey("metric.id"), primary_key=True)


class ImportBatchRow(Base):
    """One import (values, commentary, targets) with its files and what it changed."""

    __tablename__ = "import_batch"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(20))
    started_at: Mapped[datetime] = mapped_column(Stamp)
    finished_at: Mapped[datetime | None] = mapped_column(Stamp)
    actor: Mapped[str] = mapped_column(String(200))
    files: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    inserted: Mapped[int] = mapped_column(Integer, default=0)
    revised: Mapped[int] = mapped_column(Integer, default=0)
    unchanged: Mapped[int] = mapped_column(Integer, default=0)


class MetricValueRow(Base):
    """One revision of one value (metric, org unit, period)."""

    __tablename__ = "metric_value"
    __table_args__ = (
        # at most one current revision per key; the same index serves every current-value read
        Index(
            "ux_metric_value_current",
            "metric_id",
            "org_unit",
            "period_start",
            unique=True,
            sqlite_where=text("valid_to IS NULL"),
            postgresql_where=text("valid_to IS NULL"),
        ),
        # the closed revisions (history and "as it stood at" reads); a first load writes none,
        # so it costs a bulk load nothing
        Index(
            "ix_metric_value_closed",
            "metric_id",
            "org_unit",
            "period_start",
            sqlite_where=text("valid_to IS NOT NULL"),
            postgresql_where=text("valid_to IS NOT NULL"),
        ),
    )
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    # No foreign keys on this table: per-row checks would dominate a bulk load of millions of
    # values.  The write path checks metric ids and org unit codes set-based before writing,
    # and metrics and org units are retired, never deleted.
    metric_id: Mapped[str] = mapped_column(String(64))
    org_unit: Mapped[str] = mapped_column(String(64))
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    numerator: Mapped[float | None] = mapped_column(Float)
    denominator: Mapped[float | None] = mapped_column(Float)
    value: Mapped[float] = mapped_column(Float)
    provisional: Mapped[bool] = mapped_column(Flag)
    source_file: Mapped[str | None] = mapped_column(Text)
    source_hash: Mapped[str | None] = mapped_column(String(64))
    extracted_at: Mapped[datetime] = mapped_column(Stamp)
    revision: Mapped[int] = mapped_column(Integer)
    valid_from: Mapped[datetime] = mapped_column(Stamp)
    valid_to: Mapped[datetime | None] = mapped_column(Stamp)
    import_id: Mapped[int | None] = mapped_column(BigId)
    # the sheet (None for CSV and Parquet) and the row as a person sees it in the file (the
    # header is row 1) the revision was read from; None where it was not read from a file's
    # rows (migration 0010_value_source_row)
    source_sheet: Mapped[str | None] = mapped_column(Text)
    source_row: Mapped[int | None] = mapped_column(Integer)


class MetricCurrentRow(Base):
    """The current revision of every value of one metric, as one Parquet document: a cache.

    ``metric_value`` is the truth.  Each document records the change counter of its metric it
    was built at (``source_stamp``, see :class:`MetricValueStampRow`) and its layout
    (``schema_version``); every use checks both and rebuilds a document that does not match
    (see :mod:`trustboard.store.current`).  A bulk read of current values (``spc refresh`` over
    millions of values) reads a few hundred documents instead of millions of rows; narrow reads,
    history and "as it stood at" reads use ``metric_value`` itself.
    """

    __tablename__ = "metric_current"
    metric_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    row_count: Mapped[int] = mapped_column(Integer)
    parquet: Mapped[bytes] = mapped_column(LargeBinary)
    updated_at: Mapped[datetime] = mapped_column(Stamp)
    # -1 and 1: documents made before the watermark (migration 0004), rebuilt on first use
    source_stamp: Mapped[int] = mapped_column(BigInteger, server_default=text("-1"))
    schema_version: Mapped[int] = mapped_column(Integer, server_default=text("1"))


class MetricValueStampRow(Base):
    """A change counter per metric, advanced on every insert, update and delete of its rows of
    ``metric_value`` (by triggers that migration ``0004_current_watermark`` creates, and by the
    store's own write, which pauses them for its bulk statements)."""

    __tablename__ = "metric_value_stamp"
    metric_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    stamp: Mapped[int] = mapped_column(BigInteger)


class CommentaryRow(Base):
    """One revision of the narrative for a metric, period and org unit."""

    __tablename__ = "commentary"
    __table_args__ = (Index("ix_commentary_key", "metric_id", "period", "org_unit", "valid_from"),)
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    metric_id: Mapped[str] = mapped_column(ForeignKey("metric.id"))
    period: Mapped[str] = mapped_column(String(16))
    #: empty string for the trust-level narrative (keeps the key comparable on both engines)
    org_unit: Mapped[str] = mapped_column(String(64))
    sections: Mapped[dict[str, str]] = mapped_column(JSON)
    assurance_level: Mapped[str | None] = mapped_column(String(30))
    author: Mapped[str | None] = mapped_column(String(200))
    deep_dive_requested_by: Mapped[str | None] = mapped_column(String(200))
    #: section keys withheld from public packs (added by ``0006_check_overrides``)
    private_sections: Mapped[list[str] | None] = mapped_column(JSON)
    revision: Mapped[int] = mapped_column(Integer)
    valid_from: Mapped[datetime] = mapped_column(Stamp)
    valid_to: Mapped[datetime | None] = mapped_column(Stamp)
    import_id: Mapped[int | None] = mapped_column(ForeignKey("import_batch.id"))


class ActionRow(Base):
    """An action: owner, due date, first-promised due date and status (current state)."""

    __tablename__ = "action"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    metric_id: Mapped[str | None] = mapped_column(ForeignKey("metric.id"))
    #: BAF risk id as written; the BAF tables reference actions, not the other way round
    baf_risk_id: Mapped[str | None] = mapped_column(String(64))
    description: Mapped[str] = mapped_column(Text)
    owner: Mapped[str] = mapped_column(String(200))
    due: Mapped[date] = mapped_column(Date)
    original_due: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20))
    opened: Mapped[date | None] = mapped_column(Date)
    completed: Mapped[date | None] = mapped_column(Date)
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(Stamp)
    updated_at: Mapped[datetime] = mapped_column(Stamp)
    #: what shows the action done, and who first recorded it (``0013_actions``)
    evidence: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[str | None] = mapped_column(String(200))


class ActionHistoryRow(Base):
    """A change of an action's status, due date or note."""

    __tablename__ = "action_history"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    action_id: Mapped[str] = mapped_column(ForeignKey("action.id"), index=True)
    changed_at: Mapped[datetime] = mapped_column(Stamp)
    actor: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(20))
    due: Mapped[date] = mapped_column(Date)
    note: Mapped[str | None] = mapped_column(Text)
    import_id: Mapped[int | None] = mapped_column(ForeignKey("import_batch.id"))


class SpcRunRow(Base):
    """One ``spc refresh``: when, by whom, against which catalogue version."""

    __tablename__ = "spc_run"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    computed_at: Mapped[datetime] = mapped_column(Stamp)
    actor: Mapped[str] = mapped_column(String(200))
    catalogue_seq: Mapped[int | None] = mapped_column(ForeignKey("catalogue_version.seq"))
    values_as_of: Mapped[datetime] = mapped_column(Stamp)
    series_count: Mapped[int] = mapped_column(Integer)
    #: the option groups used, each with the metric ids it covered
    option_groups: Mapped[list[dict[str, Any]]] = mapped_column(JSON)


class SpcSummaryRow(Base):
    """The latest-point summary of one series of one run, with the options used."""

    __tablename__ = "spc_summary"
    run_id: Mapped[int] = mapped_column(ForeignKey("spc_run.id"), primary_key=True)
    metric_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    org_unit: Mapped[str] = mapped_column(String(64), primary_key=True)
    metric_version: Mapped[int] = mapped_column(Integer)
    options: Mapped[dict[str, Any]] = mapped_column(JSON)
    date: Mapped[date | None] = mapped_column(Date)
    value: Mapped[float | None] = mapped_column(Float)
    n: Mapped[int] = mapped_column(Integer)
    mean: Mapped[float | None] = mapped_column(Float)
    lpl: Mapped[float | None] = mapped_column(Float)
    upl: Mapped[float | None] = mapped_column(Float)
    variation_icon: Mapped[str | None] = mapped_column(String(40))
    assurance_icon: Mapped[str | None] = mapped_column(String(40))


class SpcPointsRow(Base):
    """Every point of every series of one metric in one run, as a Parquet document.

    Points are read a metric at a time (a chart, an exception page), never queried row by row,
    so one compressed document per metric keeps a full refresh (millions of points) fast.
    """

    __tablename__ = "spc_points"
    run_id: Mapped[int] = mapped_column(ForeignKey("spc_run.id"), primary_key=True)
    metric_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    row_count: Mapped[int] = mapped_column(Integer)
    parquet: Mapped[bytes] = mapped_column(LargeBinary)


class AuditRow(Base):
    """One change: who, when, what, and the state before and after (JSON)."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_entity", "entity", "entity_id"),)
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(Stamp)
    actor: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(60))
    entity: Mapped[str] = mapped_column(String(60))
    entity_id: Mapped[str | None] = mapped_column(String(200))
    before: Mapped[Any] = mapped_column(JSON, nullable=True)
    after: Mapped[Any] = mapped_column(JSON, nullable=True)
