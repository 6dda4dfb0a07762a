"""Jobs: work that a web worker runs in the background, recorded in the store.

A job row (``job``) holds what the work is (``kind``, and the forum and period when it has
them), who started it, its status, progress and heartbeat, the uploaded file's name, size and
SHA-256, the validation report, the result and the error.  Every worker of the web app reads
the same row, so a status page answers the same from any of them.

The bytes of a job's file are kept in the store too (``job_file``), in chunks of
:data:`CHUNK_BYTES`: the store is the one thing every worker reaches (an SQLite file on one
machine, or a PostgreSQL server that workers on several machines share, where a folder next to
the store would not exist), and a chunk stays far below the size either engine allows in one
value.  A job may keep more than one ``part`` of file (the upload itself, and a validated copy
ready to be committed); the parts are dropped when the job ends.

Status changes are compare-and-set (:func:`move`): a change names the statuses it may start
from, so two workers (or two clicks) can never both take the same step.  Migration
``0012_upload_jobs`` creates the tables.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Connection,
    Engine,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    delete,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Mapped, mapped_column

from trustboard.store.models import Base, BigId, Stamp

__all__ = [
    "CHUNK_BYTES",
    "MAX_ROW_ID",
    "JobFileRow",
    "JobRow",
    "StoredJob",
    "beat",
    "create_job",
    "drop_file",
    "file_size",
    "list_jobs",
    "move",
    "read_file",
    "read_job",
    "row_id_fits",
    "sqlite_writer_busy",
    "write_chunk",
    "writing",
]

#: Bytes of one stored chunk of a job's file (8 MiB: few rows for a large file, little memory).
CHUNK_BYTES = 8 * 1024 * 1024
#: The largest id a row holds (a signed 64-bit integer on SQLite and PostgreSQL): a larger
#: number asked for is no row, never a database error.
MAX_ROW_ID = 2**63 - 1


def row_id_fits(row_id: int) -> bool:
    """Whether ``row_id`` is an id a row could have (1 to :data:`MAX_ROW_ID`)."""
    return 0 < row_id <= MAX_ROW_ID


class JobRow(Base):
    """One job: what it does, who started it, where it stands."""

    __tablename__ = "job"
    __table_args__ = (Index("ix_job_status", "status"),)
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(40))
    forum: Mapped[str | None] = mapped_column(String(64))
    period: Mapped[str | None] = mapped_column(String(16))
    actor: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(24))
    created_at: Mapped[datetime] = mapped_column(Stamp)
    started_at: Mapped[datetime | None] = mapped_column(Stamp)
    finished_at: Mapped[datetime | None] = mapped_column(Stamp)
    heartbeat_at: Mapped[datetime | None] = mapped_column(Stamp)
    worker: Mapped[str | None] = mapped_column(String(200))
    progress_done: Mapped[int] = mapped_column(BigInteger)
    progress_total: Mapped[int] = mapped_column(BigInteger)
    progress_note: Mapped[str] = mapped_column(String(200))
    options: Mapped[Any] = mapped_column(JSON)
    file_name: Mapped[str | None] = mapped_column(String(255))
    file_size: Mapped[int | None] = mapped_column(BigInteger)
    file_sha256: Mapped[str | None] = mapped_column(String(64))
    report: Mapped[Any | None] = mapped_column(JSON)
    result: Mapped[Any | None] = mapped_column(JSON)
    error: Mapped[str | None] = mapped_column(Text)
    error_code: Mapped[str | None] = mapped_column(String(64))


class JobFileRow(Base):
    """One chunk of one part of a job's file."""

    __tablename__ = "job_file"
    job_id: Mapped[int] = mapped_column(BigId, ForeignKey("job.id"), primary_key=True)
    part: Mapped[str] = mapped_column(String(16), primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    data: Mapped[bytes] = mapped_column(LargeBinary)


_j = JobRow.__table__
_f = JobFileRow.__table__


@dataclass(frozen=True, slots=True)
class StoredJob:
    """A job as stored (see :class:`JobRow` for the fields)."""

    id: int
    kind: str
    forum: str | None
    period: str | None
    actor: str
    status: str
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    heartbeat_at: datetime | None
    worker: str | None
    progress_done: int
    progress_total: int
    progress_note: str
    options: dict[str, Any]
    file_name: str | None
    file_size: int | None
    file_sha256: str | None
    report: list[dict[str, Any]] | None
    result: dict[str, Any] | None
    error: str | None
    error_code: str | None


@contextmanager
def writing(engine: Engine, *, wait_ms: int | None = None) -> Iterator[Connection]:
    """A short write transaction of its own (the job's row changes whatever the work does).

    ``wait_ms`` bounds how long an SQLite connection waits for the file's write lock (a
    heartbeat gives up rather than hold its worker); :class:`OperationalError` says it did.
    """
    with engine.connect() as conn:
        sqlite = conn.dialect.name == "sqlite" and wait_ms is not None
        if sqlite:
            _busy_timeout(conn, int(wait_ms or 0))
        conn.info["tb_write"] = True
        try:
            with conn.begin():
                yield conn
        finally:
            conn.info.pop("tb_write", None)
            if sqlite:
                _busy_timeout(conn, 30000)


def _busy_timeout(conn: Connection, milliseconds: int) -> None:
    # set on the driver's connection, outside SQLAlchemy's transaction (pysqlite runs in
    # autocommit mode here, see store.engine)
    cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.execute(f"PRAGMA busy_timeout = {milliseconds}")
    finally:
        cursor.close()


def create_job(
    conn: Connection,
    *,
    kind: str,
    actor: str,
    status: str,
    now: datetime,
    forum: str | None = None,
    period: str | None = None,
    options: dict[str, Any] | None = None,
    file_name: str | None = None,
    file_size: int | None = None,
    file_sha256: str | None = None,
) -> int:
    """Add a job; returns its id."""
    return int(
        conn.execute(
            insert(_j)
            .values(
                kind=kind,
                forum=forum,
                period=period,
                actor=actor,
                status=status,
                created_at=now,
                progress_done=0,
                progress_total=0,
                progress_note="",
                options=dict(options or {}),
                file_name=file_name,
                file_size=file_size,
                file_sha256=file_sha256,
            )
            .returning(_j.c.id)
        ).scalar_one()
    )


def move(
    conn: Connection,
    job_id: int,
    *,
    allowed: Collection[str],
    held_by: str | None = None,
    **values: Any,
) -> bool:
    """Set ``values`` (a new ``status`` among them) on the job when its status is one of
    ``allowed`` (and, given ``held_by``, when that worker holds it); returns whether it was
    (``False``: another step came first)."""
    if not row_id_fits(job_id):
        return False
    query = update(_j).where(_j.c.id == job_id, _j.c.status.in_(list(allowed)))
    if held_by is not None:
        query = query.where(_j.c.worker == held_by)
    return conn.execute(query.values(**values)).rowcount == 1


def beat(
    conn: Connection,
    job_id: int,
    *,
    now: datetime,
    worker: str,
    progress: tuple[int, int, str] | None = None,
) -> None:
    """Record that the job's worker is alive (and, when given, its progress)."""
    values: dict[str, Any] = {"heartbeat_at": now}
    if progress is not None:
        done, total, note = progress
        values.update(progress_done=done, progress_total=total, progress_note=note[:200])
    conn.execute(update(_j).where(_j.c.id == job_id, _j.c.worker == worker).values(**values))


def _job(row: Any) -> StoredJob:
    return StoredJob(**{name: row[name] for name in StoredJob.__slots__})


def read_job(conn: Connection, job_id: int) -> StoredJob | None:
    """One job, or ``None``."""
    if not row_id_fits(job_id):
        return None
    row = conn.execute(select(_j).where(_j.c.id == job_id)).mappings().first()
    return None if row is None else _job(row)


def list_jobs(
    conn: Connection,
    *,
    kinds: Collection[str] | None = None,
    actor: str | None = None,
    limit: int = 50,
) -> list[StoredJob]:
    """Jobs, newest first, optionally of some kinds or started by one person."""
    query = select(_j).order_by(_j.c.id.desc()).limit(limit)
    if kinds is not None:
        query = query.where(_j.c.kind.in_(list(kinds)))
    if actor is not None:
        query = query.where(_j.c.actor == actor)
    return [_job(row) for row in conn.execute(query).mappings()]


def write_chunk(conn: Connection, job_id: int, part: str, seq: int, data: bytes) -> None:
    """Keep one chunk of a part of the job's file."""
    conn.execute(insert(_f).values(job_id=job_id, part=part, seq=seq, data=data))


def read_file(conn: Connection, job_id: int, part: str) -> Iterator[bytes]:
    """The chunks of one part of the job's file, in order (one chunk in memory at a time)."""
    seqs = conn.execute(
        select(_f.c.seq).where(_f.c.job_id == job_id, _f.c.part == part).order_by(_f.c.seq)
    ).scalars()
    for seq in list(seqs):
        yield conn.execute(
            select(_f.c.data).where(_f.c.job_id == job_id, _f.c.part == part, _f.c.seq == seq)
        ).scalar_one()


def file_size(conn: Connection, job_id: int, part: str) -> int:
    """Bytes kept for one part of the job's file (0 when none)."""
    size = conn.execute(
        select(func.coalesce(func.sum(func.length(_f.c.data)), 0)).where(
            _f.c.job_id == job_id, _f.c.part == part
        )
    ).scalar_one()
    return int(size)


def drop_file(conn: Connection, job_id: int, part: str | None = None) -> None:
    """Drop one part of the job's file, or every part."""
    query = delete(_f).where(_f.c.job_id == job_id)
    if part is not None:
        query = query.where(_f.c.part == part)
    conn.execute(query)


def sqlite_writer_busy(engine: Engine) -> bool:
    """Whether another connection holds an SQLite store's write lock right now.

    A worker writing a large import holds the lock for the whole transaction, and its job's
    heartbeat cannot be written meanwhile; a job whose heartbeat is late while the lock is
    held may still be running.  Always ``False`` on PostgreSQL, whose row locks let the
    heartbeat through.
    """
    if engine.dialect.name != "sqlite":
        return False
    try:
        with writing(engine, wait_ms=0):
            return False
    except OperationalError:
        return True
