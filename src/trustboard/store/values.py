"""Metric values: bulk writes with revision detection, and reads as of any moment.

A write stages the incoming rows in a temporary table (``executemany`` on SQLite, ``COPY`` on
PostgreSQL), compares them with the current revisions in one set-based statement, closes the
revisions that changed and inserts new ones.  Everything happens in the caller's transaction,
so an interrupted or failed write leaves the store as it was.
"""

from __future__ import annotations

import io
import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from typing import Any

import polars as pl
from sqlalchemy import Connection

from trustboard.errors import DataValidationError, ErrorCode, Problem
from trustboard.store.current import (
    CURRENT_COLUMNS,
    advance_stamps,
    build_documents,
    read_checked,
    read_current,
    untracked,
    write_documents,
)
from trustboard.store.rows import (
    SQLITE_STAMP,
    VALUE_FRAME_SCHEMA,
    driver_connection,
    is_sqlite,
    read_rows,
    value_schema,
)

__all__ = [
    "REQUIRED_VALUE_COLUMNS",
    "SOURCE_ROW_COLUMNS",
    "VALUE_FRAME_SCHEMA",
    "WriteSummary",
    "bulk_current",
    "latest_periods",
    "read_values",
    "to_utc_naive",
    "write_values",
]

#: Columns a frame given to :func:`write_values` must have (the ingest readers' frame has them).
REQUIRED_VALUE_COLUMNS: tuple[str, ...] = (
    "metric_id",
    "period_start",
    "period_end",
    "org_unit",
    "numerator",
    "denominator",
    "value",
    "provisional",
    "source_file",
    "source_hash",
)

#: Columns a frame given to :func:`write_values` may have: the sheet and row (as a person sees
#: it, the header being row 1) each value was read from.  Missing or null, nothing is recorded.
SOURCE_ROW_COLUMNS: tuple[str, ...] = ("source_sheet", "source_row")

_STAGE = "tb_stage_keys"
_KEY = ["metric_id", "org_unit", "period_start"]
_CHUNK = 50_000
#: rows written by one import from which PostgreSQL's statistics are refreshed with it
_ANALYZE_AFTER = 10_000
#: rows per INSERT statement on SQLite (at most 17 parameters each, 850 in all: under SQLite's
#: old limit of 999)
_ROWS_PER_INSERT = 50

Progress = Callable[[str, int, int], None]


@dataclass(frozen=True, slots=True)
class WriteSummary:
    """What a write of values did: rows inserted (new keys), revised (changed), unchanged."""

    inserted: int
    revised: int
    unchanged: int
    import_id: int | None = None
    #: up to :data:`SAMPLE_REVISIONS` revised values with their figures before and after
    revisions: tuple[dict[str, Any], ...] = field(default=(), repr=False)
    #: metrics whose current-value document did not match their rows and was rebuilt
    rebuilt_documents: tuple[str, ...] = ()

    @property
    def total(self) -> int:
        """Rows offered to the write."""
        return self.inserted + self.revised + self.unchanged

    def as_dict(self) -> dict[str, int | None]:
        """The counts as a plain dict."""
        return {
            "inserted": self.inserted,
            "revised": self.revised,
            "unchanged": self.unchanged,
            "import_id": self.import_id,
        }


#: revised values recorded in full in the audit entry of one import (all stay in the history)
SAMPLE_REVISIONS = 200


def to_utc_naive(moment: datetime | date) -> datetime:
    """A moment as naive UTC, the form stored; a date means the end of that day (UTC)."""
    if not isinstance(moment, datetime):
        return datetime.combine(moment, time.max)
    if moment.tzinfo is not None:
        return moment.astimezone(UTC).replace(tzinfo=None)
    return moment


def _check_frame(frame: pl.DataFrame) -> pl.DataFrame:
    missing = [c for c in REQUIRED_VALUE_COLUMNS if c not in frame.columns]
    if missing:
        raise DataValidationError(
            "the values frame lacks columns the store needs",
            [
                Problem(ErrorCode.STORE_COLUMNS, f"column '{c}' is missing", column=c)
                for c in missing
            ],
        )
    out = frame.select(
        pl.col("metric_id").cast(pl.String),
        pl.col("org_unit").cast(pl.String),
        pl.col("period_start").cast(pl.Date),
        pl.col("period_end").cast(pl.Date),
        pl.col("numerator").cast(pl.Float64),
        pl.col("denominator").cast(pl.Float64),
        pl.col("value").cast(pl.Float64),
        pl.col("provisional").cast(pl.Boolean).fill_null(False),
        pl.col("source_file").cast(pl.String),
        pl.col("source_hash").cast(pl.String),
        *(
            pl.col(c).cast(t) if c in frame.columns else pl.lit(None, dtype=t).alias(c)
            for c, t in (("source_sheet", pl.String), ("source_row", pl.Int64))
        ),
    )
    problems: list[Problem] = []
    for column in ("metric_id", "org_unit", "period_start", "period_end", "value"):
        nulls = out.get_column(column).null_count()
        if nulls:
            problems.append(
                Problem(ErrorCode.STORE_NULL, f"{nulls} row(s) have no {column}", column=column)
            )
    dupes = out.filter(pl.struct("metric_id", "org_unit", "period_start").is_duplicated())
    if dupes.height:
        first = dupes.row(0, named=True)
        problems.append(
            Problem(
                ErrorCode.V_DUPLICATE,
                f"{dupes.height} rows share a metric, org unit and period with another row",
                value=f"{first['metric_id']} / {first['org_unit']} / {first['period_start']}",
                expected="one row per metric, org unit and period",
            )
        )
    if problems:
        raise DataValidationError("the values cannot be stored", problems)
    return out


#: figures whose change makes a new revision
_FIGURES = ("numerator", "denominator", "value", "provisional", "period_end")


def _check_references(conn: Connection, data: pl.DataFrame) -> None:
    # metric_value has no foreign keys (per-row checks would dominate a bulk load); the same
    # guarantee is given here, set-based, before anything is written.
    problems: list[Problem] = []
    for column, table, key, code in (
        ("metric_id", "metric", "id", ErrorCode.V_UNKNOWN_METRIC),
        ("org_unit", "org_unit", "code", ErrorCode.V_UNKNOWN_ORG),
    ):
        known = pl.Series(
            [r[0] for r in conn.exec_driver_sql(f"SELECT {key} FROM {table}")], dtype=pl.String
        )
        named = data.get_column(column).unique()
        missing = named.filter(~named.is_in(known.implode())) if known.len() else named
        problems.extend(
            Problem(
                code,
                f"'{name}' is not in the store's catalogue",
                column=column,
                value=name,
                expected="a code loaded with the catalogue",
            )
            for name in sorted(missing.to_list())[:50]
        )
    if problems:
        raise DataValidationError(
            "the values name metrics or org units the store does not hold",
            problems,
            hint="load the catalogue that defines them first",
        )


def _classify(data: pl.DataFrame, current: pl.DataFrame) -> pl.DataFrame:
    """Every incoming row with its key's current figures (``prev_*``) and its ``state``:
    0 a new key, 1 unchanged, 2 changed (a new revision)."""
    previous = current.select(
        *_KEY,
        *(pl.col(c).alias(f"prev_{c}") for c in _FIGURES),
        pl.col("revision").alias("prev_revision"),
    )
    joined = data.join(previous, on=_KEY, how="left")
    changed = pl.any_horizontal([pl.col(c).ne_missing(pl.col(f"prev_{c}")) for c in _FIGURES])
    return joined.with_columns(
        pl.when(pl.col("prev_revision").is_null())
        .then(0)
        .when(changed)
        .then(2)
        .otherwise(1)
        .cast(pl.Int8)
        .alias("state")
    )


def _revision_sample(classified: pl.DataFrame) -> list[dict[str, Any]]:
    sample = []
    changed = classified.filter(pl.col("state") == 2).sort(_KEY).head(SAMPLE_REVISIONS)
    for r in changed.iter_rows(named=True):
        sample.append(
            {
                "metric_id": r["metric_id"],
                "org_unit": r["org_unit"],
                "period_start": str(r["period_start"]),
                "before": {
                    "numerator": r["prev_numerator"],
                    "denominator": r["prev_denominator"],
                    "value": r["prev_value"],
                    "provisional": bool(r["prev_provisional"]),
                },
                "after": {
                    "numerator": r["numerator"],
                    "denominator": r["denominator"],
                    "value": r["value"],
                    "provisional": bool(r["provisional"]),
                },
            }
        )
    return sample


def _close_revisions(conn: Connection, keys: pl.DataFrame, stamp: Any) -> None:
    """Close the current revision of each key in ``keys`` at ``stamp``."""
    sqlite = is_sqlite(conn)
    mark = "?" if sqlite else "%s"
    conn.exec_driver_sql(f"DROP TABLE IF EXISTS {_STAGE}")
    if sqlite:
        conn.exec_driver_sql(
            f"CREATE TEMP TABLE {_STAGE} (metric_id TEXT, org_unit TEXT, period_start TEXT)"
        )
        rows = keys.with_columns(pl.col("period_start").dt.strftime("%Y-%m-%d")).iter_rows()
        cursor = driver_connection(conn).cursor()
        cursor.executemany(f"INSERT INTO {_STAGE} VALUES (?, ?, ?)", rows)
        cursor.close()
    else:
        conn.exec_driver_sql(
            f"CREATE TEMP TABLE {_STAGE} (metric_id text, org_unit text, "
            "period_start date) ON COMMIT DROP"
        )
        _copy(conn, _STAGE, keys)
        conn.exec_driver_sql(f"ANALYZE {_STAGE}")
    conn.exec_driver_sql(
        f"UPDATE metric_value SET valid_to = {mark} WHERE id IN (SELECT m.id FROM {_STAGE} s "
        "JOIN metric_value m ON m.metric_id = s.metric_id AND m.org_unit = s.org_unit "
        "AND m.period_start = s.period_start AND m.valid_to IS NULL)",
        (stamp,),
    )
    conn.exec_driver_sql(f"DROP TABLE IF EXISTS {_STAGE}")


def _copy(
    conn: Connection, table: str, frame: pl.DataFrame, progress: Progress | None = None
) -> None:
    """``COPY`` ``frame`` into ``table`` on PostgreSQL, in blocks of :data:`_CHUNK` rows."""
    raw = driver_connection(conn)
    sql = f"COPY {table} ({', '.join(frame.columns)}) FROM STDIN WITH (FORMAT csv, NULL '')"
    with raw.cursor() as cursor, cursor.copy(sql) as copy:
        for offset in range(0, frame.height, _CHUNK):
            buffer = io.BytesIO()
            frame.slice(offset, _CHUNK).write_csv(buffer, include_header=False, null_value="")
            copy.write(buffer.getvalue())
            if progress:
                progress("writing", min(offset + _CHUNK, frame.height), frame.height)


def _insert_rows(conn: Connection, rows: pl.DataFrame, progress: Progress | None) -> None:
    """Insert ``rows`` (columns named as in ``metric_value``, in key order) into it."""
    if not is_sqlite(conn):
        _copy(conn, "metric_value", rows, progress)
        return
    text_dates = rows.with_columns(
        pl.col("period_start").dt.strftime("%Y-%m-%d"),
        pl.col("period_end").dt.strftime("%Y-%m-%d"),
        pl.col("provisional").cast(pl.Int8),
    )
    # A column holding one value in every row (the file, its hash, the sheet, the moment, the
    # import: most of them, for an import of one file) is bound once per statement, not once
    # per row: each value handed from Python to SQLite costs more than SQLite's own work.
    # (The key always varies, so that every row keeps values of its own.)
    same = [
        c for c in text_dates.columns if c not in _KEY and text_dates.get_column(c).n_unique() == 1
    ]
    varying = [c for c in text_dates.columns if c not in same]
    shared = tuple(text_dates.get_column(c)[0] for c in same)
    head = f"INSERT INTO metric_value ({', '.join([*varying, *same])}) VALUES "

    def statement(count: int) -> str:
        # numbered parameters: row r's own values, then the shared ones after every row's
        tail = [f"?{count * len(varying) + j + 1}" for j in range(len(same))]
        return head + ", ".join(
            "("
            + ", ".join([*(f"?{r * len(varying) + i + 1}" for i in range(len(varying))), *tail])
            + ")"
            for r in range(count)
        )

    # several rows per statement: SQLite's cost per statement run is shared between them
    many, one = statement(_ROWS_PER_INSERT), statement(1)
    width = len(varying) * _ROWS_PER_INSERT
    cursor = driver_connection(conn).cursor()
    total = rows.height
    for offset in range(0, total, _CHUNK):
        chunk = text_dates.slice(offset, _CHUNK).select(varying)
        whole = chunk.height - chunk.height % _ROWS_PER_INSERT
        flat = itertools.chain.from_iterable(chunk.head(whole).iter_rows())
        cursor.executemany(many, (own + shared for own in zip(*[flat] * width, strict=True)))
        cursor.executemany(one, (own + shared for own in chunk.slice(whole).iter_rows()))
        if progress:
            progress("writing", min(offset + _CHUNK, total), total)
    cursor.close()


def write_values(
    conn: Connection,
    frame: pl.DataFrame,
    *,
    now: datetime,
    import_id: int | None,
    progress: Progress | None = None,
) -> WriteSummary:
    """Write ``frame`` (the ingest readers' values frame) on ``conn``, inside its transaction.

    A key (metric, org unit, period start) not stored yet is inserted as revision 1; a key whose
    figures (numerator, denominator, value, provisional flag, period end) differ from its current
    revision gets a new revision and the old one is closed at ``now``; identical rows change
    nothing.  Each revision written keeps the frame's ``source_sheet`` and ``source_row``
    (:data:`SOURCE_ROW_COLUMNS`, optional) with its source file.  Raises
    :class:`DataValidationError` for rows the store cannot take.

    The incoming rows are compared with the current-value documents of their metrics (which
    say what the current rows say, see :mod:`trustboard.store.current`), so only new and
    changed rows are handed to the database; the documents are brought up to date with them.
    """
    data = _check_frame(frame)
    if data.height == 0:
        return WriteSummary(0, 0, 0, import_id)
    sqlite = is_sqlite(conn)
    stamp: Any = now.strftime(SQLITE_STAMP) if sqlite else now
    if not sqlite:
        # Two imports at once would race for the same keys; this lock makes the second wait
        # for the first (readers are not blocked).  SQLite's BEGIN IMMEDIATE does the same.
        conn.exec_driver_sql("LOCK TABLE metric_value IN SHARE ROW EXCLUSIVE MODE")
        conn.exec_driver_sql("SET LOCAL work_mem = '256MB'")
    _check_references(conn, data)
    if progress:
        progress("comparing", 0, data.height)
    metric_ids = sorted(data.get_column("metric_id").unique().to_list())
    # the documents are checked first: a metric whose document does not match its rows is
    # compared with the rows themselves, and its document is rebuilt below
    checked = read_checked(conn, metric_ids)
    current = checked.frame
    rebuilt = tuple(checked.rebuilt)
    classified = _classify(data, current)
    counts = classified.get_column("state").value_counts()
    by_state = dict(
        zip(counts.get_column("state").to_list(), counts.get_column("count").to_list(), strict=True)
    )
    inserted, unchanged, revised = (int(by_state.get(k, 0)) for k in (0, 1, 2))
    if not inserted and not revised:
        if rebuilt:
            # nothing to write but documents to repair (a counter may be missing too)
            build_documents(conn, list(rebuilt), now=now)
        return WriteSummary(0, 0, unchanged, import_id, rebuilt_documents=rebuilt)
    sample = _revision_sample(classified) if revised else []
    with untracked(conn):
        if revised:
            _close_revisions(conn, classified.filter(pl.col("state") == 2).select(_KEY), stamp)
        written = (
            classified.filter(pl.col("state") != 1)
            .sort(_KEY)
            .select(
                *REQUIRED_VALUE_COLUMNS,
                *SOURCE_ROW_COLUMNS,
                pl.lit(stamp).alias("extracted_at"),
                (pl.col("prev_revision").fill_null(0) + 1).cast(pl.Int64).alias("revision"),
                pl.lit(stamp).alias("valid_from"),
                pl.lit(None, dtype=pl.String).alias("valid_to"),
                pl.lit(import_id, dtype=pl.Int64).alias("import_id"),
            )
        )
        if progress:
            progress("writing", 0, written.height)
        _insert_rows(conn, written, progress)
    # the documents: the rows just written become current, the rest stay as they were; each
    # is marked with its metric's counter, advanced for this write
    stamps = advance_stamps(conn, metric_ids)
    fresh = written.select(*_KEY, *(c for c in _FIGURES), "revision")
    kept = current.join(fresh.select(_KEY), on=_KEY, how="anti")
    write_documents(
        conn,
        pl.concat([kept, fresh.select(kept.columns)], how="vertical"),
        metric_ids,
        stamps=stamps,
        now=now,
    )
    if not sqlite and inserted + revised >= _ANALYZE_AFTER:
        # Fresh statistics at once, not when autovacuum next looks: with a bulk load unknown
        # to the planner, reads sort millions of rows instead of following the index.
        conn.exec_driver_sql("ANALYZE metric_value")
    if progress:
        progress("written", inserted + revised, inserted + revised)
    return WriteSummary(inserted, revised, unchanged, import_id, tuple(sample), rebuilt)


def bulk_current(
    *,
    history: bool,
    as_of: datetime | None,
    org_units: Sequence[str] | None,
    columns: Sequence[str] | None,
) -> bool:
    """Whether :func:`read_values` with these arguments takes the current-value documents."""
    return (
        not history
        and as_of is None
        and org_units is None
        and columns is not None
        and set(columns) <= CURRENT_COLUMNS
    )


def read_values(
    conn: Connection,
    *,
    metric_ids: Sequence[str] | None = None,
    org_units: Sequence[str] | None = None,
    start: date | None = None,
    end: date | None = None,
    as_of: datetime | None = None,
    history: bool = False,
    columns: Sequence[str] | None = None,
    documents: bool = True,
) -> pl.DataFrame:
    """Values as a Polars frame (:data:`VALUE_FRAME_SCHEMA`), ordered by metric, unit, period.

    ``start``/``end`` select periods that start on or after ``start`` and on or before ``end``.
    ``as_of`` gives the revisions that were current at that moment (naive UTC); ``history``
    gives every revision instead (``as_of`` is then ignored).  ``columns`` keeps only those
    columns (reading fewer is markedly faster for millions of rows).

    A bulk read of current values (see :func:`bulk_current`) comes from the current-value
    documents, each checked against its metric's change counter first (a document that does not
    match is passed over and that metric read from the rows); ``documents=False`` reads the rows
    instead.
    """
    schema = value_schema(columns)
    if metric_ids is not None and not metric_ids:
        return pl.DataFrame(schema=schema)
    if documents and bulk_current(
        history=history, as_of=as_of, org_units=org_units, columns=columns
    ):
        return read_current(
            conn, metric_ids=metric_ids, start=start, end=end, columns=list(schema)
        ).select(list(schema))
    return read_rows(
        conn,
        metric_ids=metric_ids,
        org_units=org_units,
        start=start,
        end=end,
        as_of=as_of,
        history=history,
        columns=columns,
    )


def latest_periods(conn: Connection) -> pl.DataFrame:
    """Per metric: the latest period loaded, how many units have it, how many are provisional."""
    rows = conn.exec_driver_sql(
        "SELECT v.metric_id, v.period_start, COUNT(*), "
        "SUM(CASE WHEN v.provisional THEN 1 ELSE 0 END) FROM metric_value v JOIN "
        "(SELECT metric_id, MAX(period_start) AS latest FROM metric_value WHERE valid_to IS NULL "
        "GROUP BY metric_id) l ON v.metric_id = l.metric_id AND v.period_start = l.latest "
        "WHERE v.valid_to IS NULL GROUP BY v.metric_id, v.period_start ORDER BY v.metric_id"
    ).all()
    frame = pl.DataFrame(
        [tuple(r) for r in rows],
        orient="row",
        schema={
            "metric_id": pl.String(),
            "latest": pl.String() if is_sqlite(conn) else pl.Date(),
            "units": pl.Int64(),
            "provisional": pl.Int64(),
        },
    )
    if is_sqlite(conn):
        frame = frame.with_columns(pl.col("latest").str.to_date("%Y-%m-%d"))
    return frame
