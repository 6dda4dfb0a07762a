"""SPC results stored by ``spc refresh``: one run, a summary row per series, points per metric;
and the accepted rebases (``spc_rebase``) that the refresh recalculates limits from."""

from __future__ import annotations

import io
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import polars as pl
from sqlalchemy import Connection, Date, Index, String, Text, insert, select
from sqlalchemy.orm import Mapped, mapped_column

from trustboard.errors import ConflictError, ErrorCode, OptionsError
from trustboard.store._frames import blocks
from trustboard.store.audit import jsonable, record
from trustboard.store.models import Base, BigId, SpcPointsRow, SpcRunRow, SpcSummaryRow, Stamp

__all__ = [
    "SUMMARY_COLUMNS",
    "SpcRebaseRow",
    "SpcRun",
    "StoredRebase",
    "StoredSpc",
    "read_rebases",
    "read_spc_results",
    "write_rebase",
    "write_spc_run",
]


class SpcRebaseRow(Base):
    """An accepted recalculation of a metric's limits: from when, why, who accepted it and when.

    ``org_unit`` is empty (null) for a rebase of every org unit's series of the metric.
    Migration ``0005_spc_rebase`` creates the table.
    """

    __tablename__ = "spc_rebase"
    __table_args__ = (Index("ix_spc_rebase_metric", "metric_id"),)
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    metric_id: Mapped[str] = mapped_column(String(64))
    org_unit: Mapped[str | None] = mapped_column(String(64))
    at: Mapped[date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(Text)
    actor: Mapped[str] = mapped_column(String(200))
    accepted_at: Mapped[datetime] = mapped_column(Stamp)


_r = SpcRunRow.__table__
_s = SpcSummaryRow.__table__
_p = SpcPointsRow.__table__

#: Summary columns stored per series (besides metric, org unit, version and options).
SUMMARY_COLUMNS = ("date", "value", "n", "mean", "lpl", "upl", "variation_icon", "assurance_icon")


@dataclass(frozen=True, slots=True)
class SpcRun:
    """One stored refresh."""

    id: int
    computed_at: datetime
    actor: str
    catalogue_seq: int | None
    values_as_of: datetime
    series_count: int
    option_groups: list[dict[str, Any]]


@dataclass(frozen=True, slots=True)
class StoredRebase:
    """One accepted rebase as stored (``org_unit`` None: every org unit of the metric)."""

    metric_id: str
    org_unit: str | None
    at: date
    reason: str
    actor: str
    accepted_at: datetime


@dataclass(frozen=True, slots=True)
class StoredSpc:
    """SPC results read back: the run, a summary per series and (optionally) every point."""

    run: SpcRun
    summary: pl.DataFrame
    points: pl.DataFrame


def _to_parquet(frame: pl.DataFrame) -> bytes:
    buffer = io.BytesIO()
    # level 1: a full refresh writes millions of points, and the higher default level costs
    # several times the time for a few per cent smaller documents
    frame.write_parquet(buffer, compression="zstd", compression_level=1, statistics=False)
    return buffer.getvalue()


def _bulk_insert(conn: Connection, table: str, frame: pl.DataFrame) -> None:
    # The DB-API connection of the driver (sqlite3 or psycopg), untyped in SQLAlchemy.
    raw: Any = conn.connection.driver_connection
    columns = ", ".join(frame.columns)
    if conn.dialect.name == "sqlite":
        rows = frame.with_columns(pl.col(pl.Date).dt.strftime("%Y-%m-%d")).iter_rows()
        marks = ", ".join("?" * frame.width)
        cursor = raw.cursor()
        cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({marks})", rows)
        cursor.close()
        return
    buffer = io.BytesIO()
    frame.write_csv(buffer, include_header=False, null_value="")
    with (
        raw.cursor() as cursor,
        cursor.copy(f"COPY {table} ({columns}) FROM STDIN WITH (FORMAT csv, NULL '')") as copy,
    ):
        copy.write(buffer.getvalue())


def write_spc_run(
    conn: Connection,
    *,
    points: pl.DataFrame,
    summary: pl.DataFrame,
    options: Mapping[str, Mapping[str, Any]],
    metric_versions: Mapping[str, int],
    option_groups: Sequence[Mapping[str, Any]],
    values_as_of: datetime,
    catalogue_seq: int | None,
    now: datetime,
    actor: str,
) -> int:
    """Store one refresh; ``points`` and ``summary`` carry ``metric_id`` and ``org_unit``.

    ``options`` maps each metric id to the SPC options used for it (stored with every series).
    """
    run_id = int(
        conn.execute(
            insert(_r)
            .values(
                computed_at=now,
                actor=actor,
                catalogue_seq=catalogue_seq,
                values_as_of=values_as_of,
                series_count=summary.height,
                option_groups=jsonable(list(option_groups)),
            )
            .returning(_r.c.id)
        ).scalar_one()
    )
    # Summary rows go in through the driver in bulk (100,000 series in a full refresh); the
    # options are serialised once per metric, not once per series.
    option_text = {k: json.dumps(jsonable(dict(v)), sort_keys=True) for k, v in options.items()}
    if "target" in summary.columns:
        # an assurance icon is stored only beside the target it was judged against
        summary = summary.with_columns(
            pl.when(pl.col("target").is_null())
            .then(pl.lit(None, dtype=pl.String))
            .otherwise(pl.col("assurance_icon").cast(pl.String))
            .alias("assurance_icon")
        )
    frame = summary.select(
        pl.lit(run_id, dtype=pl.Int64).alias("run_id"),
        "metric_id",
        "org_unit",
        pl.col("metric_id")
        .replace_strict(dict(metric_versions), default=0, return_dtype=pl.Int64)
        .alias("metric_version"),
        pl.col("metric_id")
        .replace_strict(option_text, default="{}", return_dtype=pl.String)
        .alias("options"),
        pl.col("date").cast(pl.Date),
        pl.col("value").cast(pl.Float64),
        pl.col("n").cast(pl.Int64).fill_null(0),
        pl.col("mean").cast(pl.Float64),
        pl.col("lpl").cast(pl.Float64),
        pl.col("upl").cast(pl.Float64),
        pl.col("variation_icon").cast(pl.String),
        pl.col("assurance_icon").cast(pl.String),
    )
    if frame.height:
        _bulk_insert(conn, "spc_summary", frame)
    documents = [
        {
            "run_id": run_id,
            "metric_id": metric_id,
            "row_count": part.height,
            "parquet": _to_parquet(part),
        }
        for metric_id, part in blocks(points, "metric_id")
    ]
    if documents:
        conn.execute(insert(_p), documents)
    record(
        conn,
        now=now,
        actor=actor,
        action="spc.refresh",
        entity="spc_run",
        entity_id=str(run_id),
        before=None,
        after={
            "series": summary.height,
            "points": points.height,
            "catalogue_seq": catalogue_seq,
            "values_as_of": values_as_of,
        },
    )
    return run_id


def read_spc_results(
    conn: Connection,
    *,
    run_id: int | None = None,
    metric_ids: Sequence[str] | None = None,
    org_units: Sequence[str] | None = None,
    with_points: bool = True,
) -> StoredSpc | None:
    """The results of one run (the latest when ``run_id`` is None), or ``None`` if there is none."""
    query = select(_r)
    query = (
        query.where(_r.c.id == run_id)
        if run_id is not None
        else query.order_by(_r.c.id.desc()).limit(1)
    )
    row = conn.execute(query).mappings().first()
    if row is None:
        return None
    run = SpcRun(**dict(row))
    sq = select(_s).where(_s.c.run_id == run.id)
    if metric_ids is not None:
        sq = sq.where(_s.c.metric_id.in_(list(metric_ids)))
    if org_units is not None:
        sq = sq.where(_s.c.org_unit.in_(list(org_units)))
    records = [dict(r) for r in conn.execute(sq.order_by(_s.c.metric_id, _s.c.org_unit)).mappings()]
    for r in records:
        r["options"] = json.dumps(r["options"], sort_keys=True)
    schema = {
        "run_id": pl.Int64(),
        "metric_id": pl.String(),
        "org_unit": pl.String(),
        "metric_version": pl.Int64(),
        "options": pl.String(),
        "date": pl.Date(),
        "value": pl.Float64(),
        "n": pl.Int64(),
        "mean": pl.Float64(),
        "lpl": pl.Float64(),
        "upl": pl.Float64(),
        "variation_icon": pl.String(),
        "assurance_icon": pl.String(),
    }
    summary = pl.DataFrame(records, schema=schema)
    points = pl.DataFrame()
    if with_points:
        pq = select(_p.c.parquet).where(_p.c.run_id == run.id)
        if metric_ids is not None:
            pq = pq.where(_p.c.metric_id.in_(list(metric_ids)))
        parts = [
            pl.read_parquet(io.BytesIO(blob))
            for blob in conn.execute(pq.order_by(_p.c.metric_id)).scalars()
        ]
        if parts:
            points = pl.concat(parts, how="diagonal_relaxed")
            if org_units is not None:
                points = points.filter(pl.col("org_unit").is_in(list(org_units)))
    return StoredSpc(run, summary, points)


_rb = SpcRebaseRow.__table__


def read_rebases(conn: Connection, metric_ids: Sequence[str] | None = None) -> list[StoredRebase]:
    """The accepted rebases (of ``metric_ids``, or all), by metric, org unit and date."""
    query = select(_rb)
    if metric_ids is not None:
        query = query.where(_rb.c.metric_id.in_(list(metric_ids)))
    rows = conn.execute(query).mappings().all()
    found = [
        StoredRebase(
            metric_id=r["metric_id"],
            org_unit=r["org_unit"],
            at=r["at"],
            reason=r["reason"],
            actor=r["actor"],
            accepted_at=r["accepted_at"],
        )
        for r in rows
    ]
    return sorted(found, key=lambda r: (r.metric_id, r.org_unit or "", r.at))


def write_rebase(
    conn: Connection,
    *,
    metric_id: str,
    org_unit: str | None,
    at: date,
    reason: str,
    now: datetime,
    actor: str,
) -> tuple[StoredRebase, bool]:
    """Store an accepted rebase (audited); returns it and whether it was new.

    The same metric, org unit and date accepted again with the same reason changes nothing; a
    different reason is a :class:`ConflictError` (the first reason stands until it is removed).
    """
    text = reason.strip()
    if not text:
        raise OptionsError(
            "a rebase needs a reason",
            code=ErrorCode.SPC_REBASE_REASON,
            hint='say what changed, e.g. --reason "agency cap introduced April 2024"',
        )
    existing = [r for r in read_rebases(conn, [metric_id]) if r.org_unit == org_unit and r.at == at]
    if existing:
        if existing[0].reason == text:
            return existing[0], False
        where = f" for {org_unit}" if org_unit else ""
        raise ConflictError(
            f"{metric_id}{where} already has a rebase at {at.isoformat()} with another reason: "
            f"'{existing[0].reason}' (accepted by {existing[0].actor})",
            code=ErrorCode.SPC_REBASE_CONFLICT,
            hint="keep the stored reason, or give the same reason to confirm it",
        )
    stored = StoredRebase(metric_id, org_unit, at, text, actor, now)
    conn.execute(
        insert(_rb).values(
            metric_id=metric_id, org_unit=org_unit, at=at, reason=text, actor=actor, accepted_at=now
        )
    )
    record(
        conn,
        now=now,
        actor=actor,
        action="spc.rebase",
        entity="spc_rebase",
        entity_id=f"{metric_id}/{org_unit or '*'}/{at.isoformat()}",
        before=None,
        after={"metric_id": metric_id, "org_unit": org_unit, "at": at, "reason": text},
    )
    return stored, True
