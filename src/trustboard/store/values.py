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

import numpy as np
import polars as pl
from sqlalchemy import Connection

from trustboard.errors import DataValidationError, ErrorCode, Problem
from trustboard.store.current import (
    CURRENT_COLUMNS,
    DOCUMENT_SCHEMA,
    current_documents,
    read_current,
    write_documents,
)

__all__ = [
    "REQUIRED_VALUE_COLUMNS",
    "VALUE_FRAME_SCHEMA",
    "WriteSummary",
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

#: Schema of the frame :func:`read_values` returns.
VALUE_FRAME_SCHEMA: dict[str, pl.DataType] = {
    "metric_id": pl.String(),
    # org unit, period start and end, figures, provisional flag, revision
    **DOCUMENT_SCHEMA,
    "source_file": pl.String(),
    "source_hash": pl.String(),
    "extracted_at": pl.Datetime("us"),
    "valid_from": pl.Datetime("us"),
    "valid_to": pl.Datetime("us"),
}

_STAGE = "tb_stage_keys"
_KEY = ["metric_id", "org_unit", "period_start"]
_CHUNK = 50_000
#: rows written by one import from which PostgreSQL's statistics are refreshed with it
_ANALYZE_AFTER = 10_000
#: rows per INSERT statement on SQLite (15 parameters each, well under SQLite's limit)
_ROWS_PER_INSERT = 50
#: how SQLAlchemy's SQLite dialect stores DATETIME (text that sorts like the moment it names)
_SQLITE_STAMP = "%Y-%m-%d %H:%M:%S.%f"

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


def _is_sqlite(conn: Connection) -> bool:
    return conn.dialect.name == "sqlite"


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
    sqlite = _is_sqlite(conn)
    mark = "?" if sqlite else "%s"
    conn.exec_driver_sql(f"DROP TABLE IF EXISTS {_STAGE}")
    if sqlite:
        conn.exec_driver_sql(
            f"CREATE TEMP TABLE {_STAGE} (metric_id TEXT, org_unit TEXT, period_start TEXT)"
        )
        rows = keys.with_columns(pl.col("period_start").dt.strftime("%Y-%m-%d")).iter_rows()
        cursor = conn.connection.driver_connection.cursor()
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
    raw = conn.connection.driver_connection
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
    if not _is_sqlite(conn):
        _copy(conn, "metric_value", rows, progress)
        return
    text_dates = rows.with_columns(
        pl.col("period_start").dt.strftime("%Y-%m-%d"),
        pl.col("period_end").dt.strftime("%Y-%m-%d"),
        pl.col("provisional").cast(pl.Int8),
    )
    head = f"INSERT INTO metric_value ({', '.join(rows.columns)}) VALUES "
    one = "(" + ", ".join(["?"] * rows.width) + ")"
    # several rows per statement: SQLite's cost per statement run is shared between them
    many = head + ", ".join([one] * _ROWS_PER_INSERT)
    width = rows.width * _ROWS_PER_INSERT
    cursor = conn.connection.driver_connection.cursor()
    total = rows.height
    for offset in range(0, total, _CHUNK):
        chunk = text_dates.slice(offset, _CHUNK)
        whole = chunk.height - chunk.height % _ROWS_PER_INSERT
        flat = itertools.chain.from_iterable(chunk.head(whole).iter_rows())
        cursor.executemany(many, zip(*[flat] * width, strict=True))
        cursor.executemany(head + one, chunk.slice(whole).iter_rows())
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
    nothing.  Raises :class:`DataValidationError` for rows the store cannot take.

    The incoming rows are compared with the current-value documents of their metrics (which
    say what the current rows say, see :mod:`trustboard.store.current`), so only new and
    changed rows are handed to the database; the documents are brought up to date with them.
    """
    data = _check_frame(frame)
    if data.height == 0:
        return WriteSummary(0, 0, 0, import_id)
    sqlite = _is_sqlite(conn)
    stamp: Any = now.strftime(_SQLITE_STAMP) if sqlite else now
    if not sqlite:
        # Two imports at once would race for the same keys; this lock makes the second wait
        # for the first (readers are not blocked).  SQLite's BEGIN IMMEDIATE does the same.
        conn.exec_driver_sql("LOCK TABLE metric_value IN SHARE ROW EXCLUSIVE MODE")
        conn.exec_driver_sql("SET LOCAL work_mem = '256MB'")
    _check_references(conn, data)
    if progress:
        progress("comparing", 0, data.height)
    metric_ids = sorted(data.get_column("metric_id").unique().to_list())
    current = current_documents(conn, metric_ids)
    classified = _classify(data, current)
    counts = classified.get_column("state").value_counts()
    by_state = dict(
        zip(counts.get_column("state").to_list(), counts.get_column("count").to_list(), strict=True)
    )
    inserted, unchanged, revised = (int(by_state.get(k, 0)) for k in (0, 1, 2))
    if not inserted and not revised:
        return WriteSummary(0, 0, unchanged, import_id)
    sample = _revision_sample(classified) if revised else []
    if revised:
        _close_revisions(conn, classified.filter(pl.col("state") == 2).select(_KEY), stamp)
    written = (
        classified.filter(pl.col("state") != 1)
        .sort(_KEY)
        .select(
            *REQUIRED_VALUE_COLUMNS,
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
    # the documents: the rows just written become current, the rest stay as they were
    fresh = written.select(*_KEY, *(c for c in _FIGURES), "revision")
    kept = current.join(fresh.select(_KEY), on=_KEY, how="anti")
    write_documents(
        conn, pl.concat([kept, fresh.select(kept.columns)], how="vertical"), metric_ids, now=now
    )
    if not sqlite and inserted + revised >= _ANALYZE_AFTER:
        # Fresh statistics at once, not when autovacuum next looks: with a bulk load unknown
        # to the planner, reads sort millions of rows instead of following the index.
        conn.exec_driver_sql("ANALYZE metric_value")
    if progress:
        progress("written", inserted + revised, inserted + revised)
    return WriteSummary(inserted, revised, unchanged, import_id, tuple(sample))


def _in_clause(column: str, items: Sequence[Any], mark: str, params: list[Any]) -> str:
    params.extend(items)
    return f"{column} IN ({', '.join([mark] * len(items))})"


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

    A bulk read of current values (no ``org_units``, ``as_of`` or ``history``) whose ``columns``
    lie within :data:`~trustboard.store.current.CURRENT_COLUMNS` comes from the current-value
    documents, which hold the same figures; ``documents=False`` reads the rows instead.
    """
    schema = VALUE_FRAME_SCHEMA
    if columns is not None:
        unknown = [c for c in columns if c not in VALUE_FRAME_SCHEMA]
        if unknown:
            raise ValueError(f"unknown value columns: {unknown}")
        schema = {c: VALUE_FRAME_SCHEMA[c] for c in VALUE_FRAME_SCHEMA if c in columns}
    if metric_ids is not None and not metric_ids:
        return pl.DataFrame(schema=schema)
    if (
        documents
        and not history
        and as_of is None
        and org_units is None
        and columns is not None
        and set(columns) <= CURRENT_COLUMNS
    ):
        return read_current(
            conn, metric_ids=metric_ids, start=start, end=end, columns=list(schema)
        ).select(list(schema))
    sqlite = _is_sqlite(conn)
    mark = "?" if sqlite else "%s"
    params: list[Any] = []
    where: list[str] = []
    if metric_ids is not None:
        where.append(_in_clause("metric_id", list(metric_ids), mark, params))
    if org_units is not None:
        if not org_units:
            return pl.DataFrame(schema=schema)
        where.append(_in_clause("org_unit", list(org_units), mark, params))
    if start is not None:
        where.append(f"period_start >= {mark}")
        params.append(start.isoformat() if sqlite else start)
    if end is not None:
        where.append(f"period_start <= {mark}")
        params.append(end.isoformat() if sqlite else end)
    # Current and closed revisions each have an index of their own (partial on valid_to), so a
    # read of both takes each part from its index.
    arms: list[tuple[str, list[Any]]]
    if history:
        arms = [("valid_to IS NULL", []), ("valid_to IS NOT NULL", [])]
    elif as_of is None:
        arms = [("valid_to IS NULL", [])]
    else:
        moment: Any = as_of.strftime(_SQLITE_STAMP) if sqlite else as_of
        arms = [
            (f"valid_to IS NULL AND valid_from <= {mark}", [moment]),
            (
                f"valid_to IS NOT NULL AND valid_to > {mark} AND valid_from <= {mark}",
                [moment, moment],
            ),
        ]
    source, params = _source(where, params, arms)
    sql = f"SELECT {', '.join(schema)} FROM {source}"
    # Without history there is one revision per key, so the order of the index of current
    # values is the whole order (no sort of millions of rows on the server).
    order = "metric_id, org_unit, period_start" + (", revision" if history else "")
    sql += f" ORDER BY {order}"
    dates = [c for c in ("period_start", "period_end") if c in schema]
    stamps = [c for c in ("extracted_at", "valid_from", "valid_to") if c in schema]
    # a bulk read (every org unit) goes through ADBC; a narrow one does not repay opening a
    # second connection (tens of milliseconds on PostgreSQL)
    adbc = _adbc_connect(conn) if org_units is None else None
    if adbc is not None:
        return _read_adbc(adbc, sql, params, schema)
    raw = conn.connection.driver_connection
    if sqlite:
        return _read_sqlite(raw, schema, source, params, dates, stamps, order)
    # psycopg hands COPY output over one row at a time (a Python call per row); the server
    # instead joins the rows into large text blocks, which are parsed by Polars in one go.
    # The unit separator (0x1F) never occurs in codes, dates or numbers.
    fields = ", ".join(f"coalesce({c}::text, '')" for c in schema)
    # One block per series: grouping follows the index of current values, where numbering
    # every row in one window would sort them all first.
    block_sql = (
        f"SELECT string_agg(concat_ws(E'\\x1f', {fields}), E'\\n' ORDER BY period_start, revision) "
        f"FROM {source} GROUP BY metric_id, org_unit ORDER BY metric_id, org_unit"
    )
    with raw.cursor() as cursor:
        cursor.execute(block_sql, params)
        blocks = [row[0] for row in cursor.fetchall()]
    if not blocks:
        return pl.DataFrame(schema=schema)
    text = "\n".join(blocks).encode()
    read_schema = {
        c: (pl.String() if c in stamps or c == "provisional" else t) for c, t in schema.items()
    }
    frame = pl.read_csv(
        io.BytesIO(text),
        has_header=False,
        separator="\x1f",
        quote_char=None,
        new_columns=list(schema),
        schema=read_schema,
        null_values=[""],
    )
    return frame.with_columns(
        *(
            [(pl.col("provisional") == "true").alias("provisional")]
            if "provisional" in schema
            else []
        ),
        *(
            pl.col(c).str.to_datetime("%Y-%m-%d %H:%M:%S%.f", time_unit="us", strict=False)
            for c in stamps
        ),
    )


def _adbc_connect(conn: Connection) -> Any | None:
    """An ADBC connection to the same PostgreSQL database for a bulk read, else ``None``.

    Arrow-native reads skip a Python object per value.  Inside a write transaction the read
    must see that transaction's own changes, so it stays on ``conn``.  SQLite always stays on
    ``conn``: the ADBC SQLite driver carries its own copy of SQLite, and two copies in one
    process do not see each other's locks (SQLite's "multiple copies of SQLite" hazard); it
    was measured to miss changes another connection had committed to the write-ahead log.
    """
    if _is_sqlite(conn) or conn.info.get("tb_write") or conn.in_transaction():
        return None
    try:
        import adbc_driver_postgresql.dbapi as adbc_postgresql
    except ImportError:
        return None
    uri = conn.engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
    try:
        return adbc_postgresql.connect(uri, autocommit=True)
    except adbc_postgresql.Error:
        # whatever libpq cannot take from the URL, the store's own connection already has
        return None


def _read_adbc(
    adbc: Any, sql: str, params: list[Any], schema: dict[str, pl.DataType]
) -> pl.DataFrame:
    # ADBC's PostgreSQL driver numbers its parameters
    pieces = sql.split("%s")
    sql = pieces[0] + "".join(f"${i}{piece}" for i, piece in enumerate(pieces[1:], start=1))
    try:
        with adbc.cursor() as cursor:
            # the rows come sorted; millions of them sort in memory rather than in files on
            # disk (the server default is 4 MB; this connection is closed after the read)
            cursor.execute("SET work_mem = '256MB'")
            cursor.execute(sql, tuple(params) if params else None)
            table = cursor.fetch_arrow_table()
    finally:
        adbc.close()
    frame = pl.from_arrow(table, rechunk=False)
    assert isinstance(frame, pl.DataFrame)
    if frame.height == 0:
        return pl.DataFrame(schema=schema)
    return frame.cast(schema)  # type: ignore[arg-type]


def _source(
    where: list[str], params: list[Any], arms: list[tuple[str, list[Any]]]
) -> tuple[str, list[Any]]:
    """The FROM clause for ``where`` and one or two alternatives (``arms``), with its params."""
    parts, all_params = [], []
    for condition, arm_params in arms:
        parts.append("SELECT * FROM metric_value WHERE " + " AND ".join([*where, condition]))
        all_params.extend([*params, *arm_params])
    if len(parts) == 1:
        return parts[0].removeprefix("SELECT * FROM "), all_params
    return "(" + " UNION ALL ".join(parts) + ") AS v", all_params


def _read_sqlite(
    raw: Any,
    schema: dict[str, pl.DataType],
    source: str,
    params: list[Any],
    dates: list[str],
    stamps: list[str],
    order: str,
) -> pl.DataFrame:
    # Each value handed from SQLite to Python costs far more than SQLite's own work, and the
    # metric and org unit repeat for every period: they are read once per series (with the
    # number of rows it has, in the same order) and the rows bring the other columns only.
    # Both statements run in one read transaction, so they see the same values.
    keys = [c for c in ("metric_id", "org_unit") if c in schema]
    rest = [c for c in schema if c not in keys]
    cursor = raw.cursor()
    own = not raw.in_transaction
    if own:
        cursor.execute("BEGIN")
    try:
        series = None
        if keys:
            cursor.execute(
                f"SELECT metric_id, org_unit, COUNT(*) FROM {source} "
                "GROUP BY metric_id, org_unit ORDER BY metric_id, org_unit",
                params,
            )
            series = cursor.fetchall()
        rows: list[Any] = []
        if rest:
            cursor.execute(f"SELECT {', '.join(rest)} FROM {source} ORDER BY {order}", params)
            rows = cursor.fetchall()
    finally:
        if own:
            cursor.execute("COMMIT")
        cursor.close()
    text_schema = {
        c: (
            pl.String()
            if c in dates or c in stamps
            else pl.Int64()
            if c == "provisional"
            else schema[c]
        )
        for c in rest
    }
    columns: dict[str, pl.Series] = {}
    if rest:
        columns = {
            s.name: s for s in pl.DataFrame(rows, schema=text_schema, orient="row").get_columns()
        }
    if series is not None:
        counts = np.fromiter((r[2] for r in series), dtype=np.int64, count=len(series))
        at = np.repeat(np.arange(len(series), dtype=np.int64), counts)
        for i, name in enumerate(("metric_id", "org_unit")):
            if name in schema:
                columns[name] = pl.Series(name, [r[i] for r in series], dtype=pl.String).gather(at)
    frame = pl.DataFrame([columns[c] for c in schema]) if columns else pl.DataFrame(schema=schema)
    return frame.with_columns(
        *(pl.col(c).str.to_date("%Y-%m-%d") for c in dates),
        *([pl.col("provisional").cast(pl.Boolean)] if "provisional" in schema else []),
        *(pl.col(c).str.to_datetime("%Y-%m-%d %H:%M:%S%.f", time_unit="us") for c in stamps),
    ).cast(schema)  # type: ignore[arg-type]


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
            "latest": pl.String() if _is_sqlite(conn) else pl.Date(),
            "units": pl.Int64(),
            "provisional": pl.Int64(),
        },
    )
    if _is_sqlite(conn):
        frame = frame.with_columns(pl.col("latest").str.to_date("%Y-%m-%d"))
    return frame
