"""Current values as one Parquet document per metric (table ``metric_current``).

``metric_value`` keeps every revision of every value, one row each, which is what history and
"as it stood at" reads need.  A bulk read of the values current now (``spc refresh`` over six
million values) would hand millions of rows from the database to Python one at a time; the
same figures read as a few hundred compressed columnar documents take a fraction of a second.

The documents are kept in step with ``metric_value`` by every write of values
(:func:`trustboard.store.values.write_values`), in the same transaction, so a reader sees both
or neither; the write also compares incoming rows with them to find what changed.
:func:`rebuild_current` makes them afresh from the rows (used by the migration that added them).
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import date, datetime

import numpy as np
import polars as pl
from sqlalchemy import Connection, delete, insert, select

from trustboard.store._frames import blocks
from trustboard.store.models import MetricCurrentRow

__all__ = [
    "CURRENT_COLUMNS",
    "DOCUMENT_SCHEMA",
    "current_documents",
    "read_current",
    "rebuild_current",
    "write_documents",
]

_t = MetricCurrentRow.__table__

#: What a document holds for each value (the metric id is the document's key).
DOCUMENT_SCHEMA: dict[str, pl.DataType] = {
    "org_unit": pl.String(),
    "period_start": pl.Date(),
    "period_end": pl.Date(),
    "numerator": pl.Float64(),
    "denominator": pl.Float64(),
    "value": pl.Float64(),
    "provisional": pl.Boolean(),
    "revision": pl.Int64(),
}
#: Columns a read of current values can take from the documents.
CURRENT_COLUMNS: frozenset[str] = frozenset({"metric_id", *DOCUMENT_SCHEMA})
_KEY = ["metric_id", "org_unit", "period_start"]


def _encode(frame: pl.DataFrame) -> bytes:
    buffer = io.BytesIO()
    frame.write_parquet(buffer, compression="zstd", compression_level=1, statistics=False)
    return buffer.getvalue()


def current_documents(
    conn: Connection, metric_ids: Sequence[str] | None, columns: Sequence[str] | None = None
) -> pl.DataFrame:
    """The documents of ``metric_ids`` (every metric when None) as one frame, in key order."""
    query = select(_t.c.metric_id, _t.c.row_count, _t.c.parquet)
    if metric_ids is not None:
        query = query.where(_t.c.metric_id.in_(list(metric_ids)))
    # in code-point order of the ids, as the rows are sorted everywhere else
    stored = sorted(conn.execute(query).all(), key=lambda row: str(row.metric_id))
    # at least one column is decoded, so that a document's rows are there to count
    wanted = [c for c in DOCUMENT_SCHEMA if columns is None or c in columns] or ["org_unit"]
    schema = {"metric_id": pl.String(), **{c: DOCUMENT_SCHEMA[c] for c in wanted}}
    if not stored:
        return pl.DataFrame(schema=schema)
    frame = pl.concat(
        [pl.read_parquet(io.BytesIO(row.parquet), columns=wanted) for row in stored], how="vertical"
    )
    at = np.repeat(
        np.arange(len(stored), dtype=np.int64),
        np.array([row.row_count for row in stored], dtype=np.int64),
    )
    names = pl.Series("metric_id", [row.metric_id for row in stored], dtype=pl.String)
    return frame.with_columns(names.gather(at)).select(list(schema)).cast(schema)  # type: ignore[arg-type]


def read_current(
    conn: Connection,
    *,
    metric_ids: Sequence[str] | None,
    start: date | None,
    end: date | None,
    columns: Sequence[str],
) -> pl.DataFrame:
    """Current values from the documents, ordered by metric, org unit and period start.

    ``columns`` must lie within :data:`CURRENT_COLUMNS`; ``start``/``end`` keep the periods that
    start on or after ``start`` and on or before ``end``.
    """
    unknown = set(columns) - CURRENT_COLUMNS
    if unknown:
        raise ValueError(f"not held in the current-value documents: {sorted(unknown)}")
    need = list(dict.fromkeys([*columns, *(["period_start"] if start or end else [])]))
    frame = current_documents(conn, metric_ids, need)
    if start is not None:
        frame = frame.filter(pl.col("period_start") >= start)
    if end is not None:
        frame = frame.filter(pl.col("period_start") <= end)
    return frame.select([c for c in frame.columns if c in columns])


def write_documents(
    conn: Connection, current: pl.DataFrame, metric_ids: Sequence[str], *, now: datetime
) -> None:
    """Replace the documents of ``metric_ids`` by ``current`` (every current value of those
    metrics: the metric id and the document's columns)."""
    conn.execute(delete(_t).where(_t.c.metric_id.in_(list(metric_ids))))
    if current.height == 0:
        return
    rows = [
        {
            "metric_id": name,
            "row_count": part.height,
            "updated_at": now,
            "parquet": _encode(
                part.select([pl.col(c).cast(t) for c, t in DOCUMENT_SCHEMA.items()])
            ),
        }
        for name, part in blocks(current.sort(_KEY), "metric_id")
    ]
    conn.execute(insert(_t), rows)


def rebuild_current(conn: Connection, *, now: datetime) -> int:
    """Make every document afresh from the current rows of ``metric_value``; returns the rows."""
    from trustboard.store.values import read_values

    rows = read_values(conn, columns=sorted(CURRENT_COLUMNS), documents=False)
    stored = [r.metric_id for r in conn.execute(select(_t.c.metric_id)).all()]
    metric_ids = sorted(set(stored) | set(rows.get_column("metric_id").unique().to_list()))
    if metric_ids:
        write_documents(conn, rows, metric_ids, now=now)
    return rows.height
