"""Reading the rows of ``metric_value``: current, as they stood at a moment, or every revision.

Each engine has the read that hands millions of rows to Polars fastest: on SQLite the series
keys are read once per series and the figures by one statement; on PostgreSQL a bulk read goes
through ADBC straight into Arrow outside a write transaction, and otherwise the server joins the
rows into large text blocks that Polars parses in one go.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

import numpy as np
import polars as pl
from sqlalchemy import Connection

__all__ = [
    "SOURCE_ROW_SCHEMA",
    "SQLITE_STAMP",
    "VALUE_FRAME_SCHEMA",
    "driver_connection",
    "is_sqlite",
    "read_rows",
    "value_schema",
]

#: Schema of the frame :func:`read_rows` returns (and ``Store.values``).
VALUE_FRAME_SCHEMA: dict[str, pl.DataType] = {
    "metric_id": pl.String(),
    "org_unit": pl.String(),
    "period_start": pl.Date(),
    "period_end": pl.Date(),
    "numerator": pl.Float64(),
    "denominator": pl.Float64(),
    "value": pl.Float64(),
    "provisional": pl.Boolean(),
    "revision": pl.Int64(),
    "source_file": pl.String(),
    "source_hash": pl.String(),
    "extracted_at": pl.Datetime("us"),
    "valid_from": pl.Datetime("us"),
    "valid_to": pl.Datetime("us"),
}

#: Columns read only when asked for by name (after those of :data:`VALUE_FRAME_SCHEMA`): the
#: sheet and row of its source file each revision was read from (null where not recorded).
SOURCE_ROW_SCHEMA: dict[str, pl.DataType] = {
    "source_sheet": pl.String(),
    "source_row": pl.Int64(),
}

#: how SQLAlchemy's SQLite dialect stores DATETIME (text that sorts like the moment it names)
SQLITE_STAMP = "%Y-%m-%d %H:%M:%S.%f"


def is_sqlite(conn: Connection) -> bool:
    """Whether ``conn`` is an SQLite connection (else PostgreSQL)."""
    return conn.dialect.name == "sqlite"


def driver_connection(conn: Connection) -> Any:
    """The DB-API connection under ``conn`` (sqlite3 or psycopg), for the bulk paths."""
    raw = conn.connection.driver_connection
    if raw is None:
        raise RuntimeError("the store's connection has been closed")
    return raw


def value_schema(columns: Sequence[str] | None) -> dict[str, pl.DataType]:
    """:data:`VALUE_FRAME_SCHEMA` kept to ``columns`` (in the schema's order), then those of
    :data:`SOURCE_ROW_SCHEMA` named in ``columns``; all of the first when None."""
    if columns is None:
        return dict(VALUE_FRAME_SCHEMA)
    known = {**VALUE_FRAME_SCHEMA, **SOURCE_ROW_SCHEMA}
    unknown = [c for c in columns if c not in known]
    if unknown:
        raise ValueError(f"unknown value columns: {unknown}")
    return {c: t for c, t in known.items() if c in columns}


def _in_clause(column: str, items: Sequence[Any], mark: str, params: list[Any]) -> str:
    params.extend(items)
    return f"{column} IN ({', '.join([mark] * len(items))})"


def read_rows(
    conn: Connection,
    *,
    metric_ids: Sequence[str] | None = None,
    org_units: Sequence[str] | None = None,
    start: date | None = None,
    end: date | None = None,
    as_of: datetime | None = None,
    history: bool = False,
    columns: Sequence[str] | None = None,
) -> pl.DataFrame:
    """Rows of ``metric_value`` as a frame (:data:`VALUE_FRAME_SCHEMA`), ordered by metric,
    org unit and period (and revision with ``history``).

    ``start``/``end`` select periods that start on or after ``start`` and on or before ``end``.
    ``as_of`` gives the revisions that were current at that moment (naive UTC); ``history``
    gives every revision instead (``as_of`` is then ignored).  ``columns`` keeps only those
    columns (reading fewer is markedly faster for millions of rows).
    """
    schema = value_schema(columns)
    if metric_ids is not None and not metric_ids:
        return pl.DataFrame(schema=schema)
    sqlite = is_sqlite(conn)
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
        moment: Any = as_of.strftime(SQLITE_STAMP) if sqlite else as_of
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
    dates: list[str] = [c for c in ("period_start", "period_end") if c in schema]
    stamps: list[str] = [c for c in ("extracted_at", "valid_from", "valid_to") if c in schema]
    # a bulk read (every org unit) goes through ADBC; a narrow one does not repay opening a
    # second connection (tens of milliseconds on PostgreSQL)
    adbc = _adbc_connect(conn) if org_units is None else None
    if adbc is not None:
        return _read_adbc(adbc, sql, params, schema)
    raw = driver_connection(conn)
    if sqlite:
        return _read_sqlite(raw, schema, source, params, dates, stamps, order)
    # psycopg hands COPY output over one row at a time (a Python call per row); the server
    # instead joins the rows into large text blocks, which are parsed by Polars in one go.
    # The unit separator (0x1F) never occurs in codes, dates or numbers.
    # A sheet's name is the file's own text and may hold any character, the separators too:
    # it travels as hex.
    hexed = [c for c in ("source_sheet",) if c in schema]
    fields = ", ".join(
        f"coalesce(encode(convert_to({c}, 'UTF8'), 'hex'), '')"
        if c in hexed
        else f"coalesce({c}::text, '')"
        for c in schema
    )
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
        *(pl.col(c).str.decode("hex").cast(pl.String) for c in hexed),
    )


def _adbc_connect(conn: Connection) -> Any | None:
    """An ADBC connection to the same PostgreSQL database for a bulk read, else ``None``.

    Arrow-native reads skip a Python object per value.  Inside a write transaction the read
    must see that transaction's own changes, so it stays on ``conn``.  SQLite always stays on
    ``conn``: the ADBC SQLite driver carries its own copy of SQLite, and two copies in one
    process do not see each other's locks (SQLite's "multiple copies of SQLite" hazard); it
    was measured to miss changes another connection had committed to the write-ahead log.
    """
    if is_sqlite(conn) or conn.info.get("tb_write") or conn.in_transaction():
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
