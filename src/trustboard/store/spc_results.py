"""SPC results stored by ``spc refresh``: one run, a summary row per series, points per metric."""

from __future__ import annotations

import io
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import polars as pl
from sqlalchemy import Connection, insert, select

from trustboard.store._frames import blocks
from trustboard.store.audit import jsonable, record
from trustboard.store.models import SpcPointsRow, SpcRunRow, SpcSummaryRow

__all__ = ["SUMMARY_COLUMNS", "SpcRun", "StoredSpc", "read_spc_results", "write_spc_run"]

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
