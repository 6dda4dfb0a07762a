"""Current values as one Parquet document per metric (table ``metric_current``): a checked cache.

``metric_value`` is the truth: it keeps every revision of every value, one row each, which is
what history and "as it stood at" reads need.  A bulk read of the values current now (``spc
refresh`` over six million values) would hand millions of rows from the database to Python one
at a time; the same figures read as a few hundred compressed columnar documents take a fraction
of a second.  The documents are therefore a cache of the current rows, and every use checks it.

The watermark.  ``metric_value_stamp`` holds a change counter per metric.  Triggers created by
migration ``0004_current_watermark`` advance it on every insert, update and delete of a row of
``metric_value`` (and, on PostgreSQL, every counter on a ``TRUNCATE``), so an edit made behind
trustboard's back moves the counter of each metric it touches.  Each document records the
counter it was built at (``source_stamp``) and the layout it was written in
(``schema_version``); a document whose counter or layout differs from the table's is not used.
The store's own write of values (:func:`trustboard.store.values.write_values`), holding the
write lock, pauses the triggers for its bulk statements (:func:`untracked`), advances the
counters of the metrics it wrote itself and writes their documents in the same transaction.
"""

from __future__ import annotations

import io
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime

import numpy as np
import polars as pl
from sqlalchemy import Connection, delete, insert, select

from trustboard.store._frames import blocks
from trustboard.store.models import MetricCurrentRow, MetricValueStampRow
from trustboard.store.rows import VALUE_FRAME_SCHEMA, is_sqlite, read_rows

__all__ = [
    "CURRENT_COLUMNS",
    "DOCUMENT_SCHEMA",
    "DOCUMENT_VERSION",
    "DocumentProblem",
    "advance_stamps",
    "build_documents",
    "check_documents",
    "compare_documents",
    "current_documents",
    "read_checked",
    "read_current",
    "read_stamps",
    "rebuild_documents",
    "untracked",
    "write_documents",
]

_t = MetricCurrentRow.__table__
_s = MetricValueStampRow.__table__

#: What a document holds for each value (the metric id is the document's key).
DOCUMENT_SCHEMA: dict[str, pl.DataType] = {
    c: VALUE_FRAME_SCHEMA[c]
    for c in (
        "org_unit",
        "period_start",
        "period_end",
        "numerator",
        "denominator",
        "value",
        "provisional",
        "revision",
    )
}
#: Layout of the documents written now; a document in any other layout is rebuilt before use.
#: Raise it whenever :data:`DOCUMENT_SCHEMA` or the encoding changes.
DOCUMENT_VERSION = 1
#: Columns a read of current values can take from the documents.
CURRENT_COLUMNS: frozenset[str] = frozenset({"metric_id", *DOCUMENT_SCHEMA})
_KEY = ["metric_id", "org_unit", "period_start"]
#: the setting that pauses the PostgreSQL trigger for the store's own write (see migration 0004)
_PG_WRITING = "trustboard.writing"


@dataclass(frozen=True, slots=True)
class DocumentProblem:
    """A document that cannot be used as it is, and why.

    ``kind`` is ``missing`` (the metric has a change counter but no document), ``stale`` (the
    rows changed since the document was built), ``orphaned`` (a document for a metric with no
    change counter), ``wrong-schema`` (another layout) or ``content`` (the full comparison with
    the rows found a difference although the watermark agreed).
    """

    metric_id: str
    kind: str
    detail: str

    def as_dict(self) -> dict[str, str]:
        """The problem as a plain dict (for the audit log and JSON)."""
        return {"metric_id": self.metric_id, "kind": self.kind, "detail": self.detail}


def _encode(frame: pl.DataFrame) -> bytes:
    buffer = io.BytesIO()
    frame.write_parquet(buffer, compression="zstd", compression_level=1, statistics=False)
    return buffer.getvalue()


def read_stamps(conn: Connection, metric_ids: Sequence[str] | None) -> dict[str, int]:
    """The change counter of each metric in ``metric_ids`` that has one (every one when None)."""
    query = select(_s.c.metric_id, _s.c.stamp)
    if metric_ids is not None:
        query = query.where(_s.c.metric_id.in_(list(metric_ids)))
    return {str(r.metric_id): int(r.stamp) for r in conn.execute(query)}


def _watermarks(conn: Connection, metric_ids: Sequence[str] | None) -> dict[str, tuple[int, int]]:
    query = select(_t.c.metric_id, _t.c.source_stamp, _t.c.schema_version)
    if metric_ids is not None:
        query = query.where(_t.c.metric_id.in_(list(metric_ids)))
    return {
        str(r.metric_id): (int(r.source_stamp), int(r.schema_version)) for r in conn.execute(query)
    }


def check_documents(
    conn: Connection, metric_ids: Sequence[str] | None = None
) -> list[DocumentProblem]:
    """The documents of ``metric_ids`` (every one when None) that their watermark rules out.

    Two small reads (the counters and the documents' watermarks), whatever the number of rows.
    The counters are read first: a document built later from newer rows can only look stale,
    never fresh when it is not.
    """
    stamps = read_stamps(conn, metric_ids)
    marks = _watermarks(conn, metric_ids)
    problems = []
    for metric_id in sorted(stamps.keys() | marks.keys()):
        stamp = stamps.get(metric_id)
        mark = marks.get(metric_id)
        if mark is None:
            problems.append(
                DocumentProblem(
                    metric_id, "missing", f"no document; the rows are at change {stamp}"
                )
            )
        elif stamp is None:
            problems.append(
                DocumentProblem(
                    metric_id, "orphaned", "a document for a metric with no change counter"
                )
            )
        elif mark[1] != DOCUMENT_VERSION:
            problems.append(
                DocumentProblem(
                    metric_id,
                    "wrong-schema",
                    f"document layout {mark[1]}; this version reads layout {DOCUMENT_VERSION}",
                )
            )
        elif mark[0] != stamp:
            problems.append(
                DocumentProblem(
                    metric_id,
                    "stale",
                    f"built at change {mark[0]}; the rows are at change {stamp}",
                )
            )
    return problems


def current_documents(
    conn: Connection, metric_ids: Sequence[str] | None, columns: Sequence[str] | None = None
) -> pl.DataFrame:
    """The stored documents of ``metric_ids`` (every one when None) as one frame, in key order,
    as they are (unchecked; see :func:`read_checked`)."""
    query = select(_t.c.metric_id, _t.c.row_count, _t.c.parquet)
    if metric_ids is not None:
        query = query.where(_t.c.metric_id.in_(list(metric_ids)))
    # in code-point order of the ids, as the rows are sorted everywhere else
    stored = sorted(conn.execute(query).all(), key=lambda row: str(row.metric_id))
    # at least one column is decoded, so that a document's rows are there to count
    wanted = [c for c in DOCUMENT_SCHEMA if columns is None or c in columns] or ["org_unit"]
    schema = {"metric_id": pl.String(), **{c: DOCUMENT_SCHEMA[c] for c in wanted}}
    stored = [row for row in stored if row.row_count]
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


@dataclass(frozen=True, slots=True)
class CheckedRead:
    """Current values of some metrics, with the metrics whose documents could not be used
    (their values were read from the rows instead)."""

    frame: pl.DataFrame
    problems: tuple[DocumentProblem, ...]

    @property
    def rebuilt(self) -> list[str]:
        """The metrics read from the rows."""
        return sorted({p.metric_id for p in self.problems})


def read_checked(
    conn: Connection, metric_ids: Sequence[str] | None, columns: Sequence[str] | None = None
) -> CheckedRead:
    """Current values of ``metric_ids`` (every metric when None), ``metric_id`` and the
    document columns in ``columns`` (all when None), in key order.

    Each document is checked first; the values of a metric whose document is missing, stale,
    orphaned or in another layout are read from ``metric_value`` instead, so the answer is the
    table's whatever state the cache is in.
    """
    problems = check_documents(conn, metric_ids)
    bad = sorted({p.metric_id for p in problems})
    wanted = [c for c in DOCUMENT_SCHEMA if columns is None or c in columns] or ["org_unit"]
    if not bad:
        return CheckedRead(current_documents(conn, metric_ids, wanted), ())
    if metric_ids is None:
        good = sorted(_watermarks(conn, None).keys() - set(bad))
    else:
        good = sorted(set(metric_ids) - set(bad))
    # the two parts are put in key order together, so both carry the key's columns whether or
    # not they were asked for; the answer then holds only those asked for
    keyed = [c for c in DOCUMENT_SCHEMA if c in wanted or c in _KEY]
    kept = current_documents(conn, good, keyed)
    fresh = read_rows(conn, metric_ids=bad, columns=["metric_id", *keyed]).select(kept.columns)
    frame = pl.concat([kept, fresh], how="vertical") if kept.height else fresh
    if kept.height and fresh.height:
        frame = frame.sort(_KEY)
    return CheckedRead(frame.select(["metric_id", *wanted]), tuple(problems))


def read_current(
    conn: Connection,
    *,
    metric_ids: Sequence[str] | None,
    start: date | None,
    end: date | None,
    columns: Sequence[str],
) -> pl.DataFrame:
    """Current values through the checked documents, ordered by metric, org unit and period
    start.

    ``columns`` must lie within :data:`CURRENT_COLUMNS`; ``start``/``end`` keep the periods that
    start on or after ``start`` and on or before ``end``.
    """
    unknown = set(columns) - CURRENT_COLUMNS
    if unknown:
        raise ValueError(f"not held in the current-value documents: {sorted(unknown)}")
    need = list(dict.fromkeys([*columns, *(["period_start"] if start or end else [])]))
    frame = read_checked(conn, metric_ids, need).frame
    if start is not None:
        frame = frame.filter(pl.col("period_start") >= start)
    if end is not None:
        frame = frame.filter(pl.col("period_start") <= end)
    return frame.select([c for c in frame.columns if c in columns])


def write_documents(
    conn: Connection,
    current: pl.DataFrame,
    metric_ids: Sequence[str],
    *,
    stamps: Mapping[str, int],
    now: datetime,
) -> None:
    """Replace the documents of ``metric_ids`` by ``current`` (every current value of those
    metrics: the metric id and the document's columns), each marked with its metric's change
    counter in ``stamps``.  A metric with a counter and no current value gets an empty
    document; one with neither gets none."""
    conn.execute(delete(_t).where(_t.c.metric_id.in_(list(metric_ids))))
    parts = dict(blocks(current.sort(_KEY), "metric_id")) if current.height else {}
    empty = pl.DataFrame(schema=DOCUMENT_SCHEMA)
    rows = []
    for name in sorted(metric_ids):
        part = parts.get(name)
        if name not in stamps:
            if part is not None:
                raise ValueError(f"no change counter for metric '{name}', which has values")
            continue
        frame = empty if part is None else part
        rows.append(
            {
                "metric_id": name,
                "row_count": frame.height,
                "updated_at": now,
                "source_stamp": stamps[name],
                "schema_version": DOCUMENT_VERSION,
                "parquet": _encode(
                    frame.select([pl.col(c).cast(t) for c, t in DOCUMENT_SCHEMA.items()])
                ),
            }
        )
    if rows:
        conn.execute(insert(_t), rows)


def advance_stamps(conn: Connection, metric_ids: Sequence[str]) -> dict[str, int]:
    """Advance the change counter of each of ``metric_ids`` (creating it at 1); returns them.

    The store's own write calls this for the metrics it wrote while the triggers were paused.
    """
    if not metric_ids:
        return {}
    mark = "?" if is_sqlite(conn) else "%s"
    conn.exec_driver_sql(
        f"INSERT INTO metric_value_stamp (metric_id, stamp) VALUES ({mark}, 1) "
        "ON CONFLICT (metric_id) DO UPDATE SET stamp = metric_value_stamp.stamp + 1",
        [(m,) for m in metric_ids],
    )
    return read_stamps(conn, metric_ids)


def rebuild_documents(
    conn: Connection, metric_ids: Sequence[str] | None, *, now: datetime
) -> list[DocumentProblem]:
    """Rebuild, from the rows, every document of ``metric_ids`` (every metric when None) that
    :func:`check_documents` rules out; returns what was wrong with them.

    Run inside a write transaction.  A metric with rows but no change counter gets one.
    """
    if not is_sqlite(conn):
        # the lock an import takes (on SQLite, BEGIN IMMEDIATE gives it): a rebuild running
        # beside an import could replace the import's fresh documents by older ones
        conn.exec_driver_sql("LOCK TABLE metric_value IN SHARE ROW EXCLUSIVE MODE")
    problems = check_documents(conn, metric_ids)
    bad = sorted({p.metric_id for p in problems})
    if bad:
        build_documents(conn, bad, now=now)
    return problems


def build_documents(conn: Connection, metric_ids: Sequence[str], *, now: datetime) -> None:
    """Build the documents of ``metric_ids`` afresh from their current rows, whatever their
    watermark says (run inside a write transaction)."""
    # the counters before the rows: see check_documents
    stamps = read_stamps(conn, metric_ids)
    rows = read_rows(conn, metric_ids=metric_ids, columns=sorted(CURRENT_COLUMNS))
    with_rows = set(rows.get_column("metric_id").unique().to_list())
    unstamped = sorted(with_rows - stamps.keys())
    if unstamped:
        mark = "?" if is_sqlite(conn) else "%s"
        conn.exec_driver_sql(
            f"INSERT INTO metric_value_stamp (metric_id, stamp) VALUES ({mark}, 0)",
            [(m,) for m in unstamped],
        )
        stamps.update(dict.fromkeys(unstamped, 0))
    write_documents(conn, rows, list(metric_ids), stamps=stamps, now=now)


def compare_documents(conn: Connection) -> list[DocumentProblem]:
    """A full comparison of every document with the current rows of ``metric_value``.

    Finds what the watermark cannot: a metric with current rows and neither a document nor a
    change counter, and a document whose figures differ from the rows although its watermark
    agrees (the change-tracking triggers removed, or the counter edited by hand).  Reads every
    current row, so it is for ``trustboard store check``, not for every read.
    """
    watermark = {p.metric_id for p in check_documents(conn, None)}
    rows = read_rows(conn, columns=sorted(CURRENT_COLUMNS))
    stamps = read_stamps(conn, None)
    docs = current_documents(conn, None).select(rows.columns)
    by_metric = dict(blocks(rows, "metric_id"))
    documented = dict(blocks(docs, "metric_id"))
    marks = _watermarks(conn, None)
    problems = []
    for metric_id in sorted(by_metric.keys() | documented.keys()):
        if metric_id in watermark:
            continue
        if metric_id not in stamps and metric_id not in marks:
            count = by_metric[metric_id].height
            problems.append(
                DocumentProblem(
                    metric_id,
                    "missing",
                    f"no document and no change counter for {count} current value(s)",
                )
            )
            continue
        table = by_metric.get(metric_id, rows.clear())
        cached = documented.get(metric_id, docs.clear())
        if not cached.equals(table):
            differ = cached.join(table, on=list(cached.columns), how="anti", nulls_equal=True)
            problems.append(
                DocumentProblem(
                    metric_id,
                    "content",
                    f"the document holds {cached.height} value(s) and the table {table.height}; "
                    f"{differ.height} of the document's are not in the table",
                )
            )
    return problems


@contextmanager
def untracked(conn: Connection) -> Iterator[None]:
    """Pause the change-tracking triggers for the store's own write, in its transaction.

    The caller holds the write lock (SQLite's ``BEGIN IMMEDIATE``, PostgreSQL's lock on
    ``metric_value``), so no other change can slip through meanwhile, and advances the counters
    of the metrics it wrote itself (:func:`advance_stamps`).  On SQLite the triggers are dropped
    and created again from their own stored text; on PostgreSQL a transaction-local setting
    turns the trigger's ``WHEN`` condition off.  Either way a failure rolls the pause back with
    the rest of the transaction.  Firing per row would add about a microsecond and a half per
    value to a bulk load on SQLite, and more on PostgreSQL.
    """
    if is_sqlite(conn):
        stored = conn.exec_driver_sql(
            "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' "
            "AND tbl_name = 'metric_value' ORDER BY name"
        ).all()
        for name, _sql in stored:
            conn.exec_driver_sql(f'DROP TRIGGER "{name}"')
        yield
        for _name, sql in stored:
            conn.exec_driver_sql(sql)
    else:
        conn.exec_driver_sql(f"SET LOCAL {_PG_WRITING} = 'on'")
        yield
        conn.exec_driver_sql(f"SET LOCAL {_PG_WRITING} = 'off'")
