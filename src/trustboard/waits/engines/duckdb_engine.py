"""The DuckDB engine (default): in-process SQL over files, frames or DuckDB relations.

DuckDB reads, normalises and checks the inputs.  When the referral ids are integers in a
dense range and the referrals pass their checks, the rest is the *array path*
(:mod:`trustboard.waits.engines.arrays`): DuckDB streams referrals, contacts and events as
Arrow batches into NumPy arrays indexed by id, which checks every link, finds the clock stops
and counts the histograms without a join or a large GROUP BY.  Otherwise (text or sparse
ids, or any problem in the input, which it then lists) the engine takes the *SQL path*,
which gives the same histograms (the tests compare them) and works as follows.

The heavy work is three passes over the data, whatever the number of standards:

1. normalise each table to canonical names and types (Parquet files and in-memory tables
   are scanned in place; CSV is loaded once), counting every referral check in one scan and
   listing offending rows only when something is wrong;
2. one ``GROUP BY referral_id`` over the contacts that keeps, for each distinct contact
   filter of the standards asked for, the dates of the first *k* qualifying contacts
   (DuckDB's ``min(x, k)``), the earliest contact and the count of empty dates; one full
   outer join of that with the referrals serves both the contact checks and every standard;
3. per standard, one scan of the joined referrals that reduces them to all their
   histograms at once (``GROUPING SETS``; :mod:`trustboard.waits.engines.base`).

Contact filters first compare the source text with the listed codes and normalise only the
values that are not already in normal form, which saves about a fifth of the contact pass's
CPU time (4.7 s against 5.9 s for 30 million contacts) without changing which contacts
qualify.

No range join between referrals and month ends is needed: a referral received on day *s*
whose clock stopped or which closed in month *c* is open exactly at month ends
``month(s) <= m < c``, so counting referrals per (start day, closing month) is enough to
rebuild every month end's waiting list exactly.
"""

from __future__ import annotations

import os
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa

from trustboard.errors import ErrorCode, OptionsError, ProblemCollector
from trustboard.waits.engines import arrays
from trustboard.waits.engines.base import (
    Histograms,
    MonthCalendar,
    WaitsInputs,
)
from trustboard.waits.engines.duckdb_spells import apply_spells, spell_gap
from trustboard.waits.mapping import ColumnMapping
from trustboard.waits.spec import (
    BREAKDOWN_COLUMNS,
    CONSULTATION_MECHANISMS,
    DATE_COLUMNS,
    DATE_FORMATS,
    FALSE_FLAGS,
    REQUIRED_COLUMNS,
    TOTAL_COLUMN,
    TOTAL_GROUP,
    TRUE_FLAGS,
    Cohort,
    Combine,
    Standard,
    StopRule,
)

__all__ = ["DuckDBEngine", "open_source", "sql_list", "stop_sql"]

_POSITION = "__trustboard_position"
#: At most this many rows are listed per kind of problem; the rest are summarised.
MAX_LISTED = 50

_REQUIRED = REQUIRED_COLUMNS
_DATE_COLUMNS = DATE_COLUMNS
_CODE_COLUMNS = {"attendance_code", "mechanism"}
#: contact columns that stop rules filter on
_CODE_FILTERED = ("attendance_code", "mechanism", "activity_type")
#: referral text columns the histograms group by (the array path's "kinds")
_KIND_COLUMNS = frozenset((*BREAKDOWN_COLUMNS, "priority", "closure_reason", "service"))
_TRUE = "(" + ",".join(f"'{v}'" for v in TRUE_FLAGS) + ")"
_FALSE = "(" + ",".join(f"'{v}'" for v in FALSE_FLAGS) + ")"
_NUMERIC = (
    "TINYINT",
    "SMALLINT",
    "INTEGER",
    "BIGINT",
    "HUGEINT",
    "UTINYINT",
    "USMALLINT",
    "UINTEGER",
    "UBIGINT",
    "DOUBLE",
    "FLOAT",
    "DECIMAL",
)


def sql_list(values: Sequence[str]) -> str:
    """A SQL list literal of strings: ``('a', 'b')``."""
    return "(" + ", ".join("'" + v.replace("'", "''") + "'" for v in values) + ")"


def stop_sql(rule: StopRule, contact: str | None, event_columns: dict[tuple[str, ...], str]) -> str:
    """SQL of :func:`trustboard.waits.spec.stop_day` over a row with ``received_date``, the
    contact part's date ``contact`` and the first date of each event part."""
    parts = [contact] if contact else []
    for part in rule.event_parts():
        column = event_columns[part]
        since = rule.required_from(part)
        if since is not None:
            cut = f"DATE '{since.isoformat()}'"
            # not required: stand in the received date, which no other part precedes
            skip = f"received_date < {cut}" + (f" AND {contact} < {cut}" if contact else "")
            column = f"CASE WHEN {skip} THEN received_date ELSE {column} END"
        parts.append(column)
    if len(parts) == 1:
        return parts[0]
    if rule.combine is Combine.EARLIEST:
        # least() skips NULLs: the first part to happen stops the clock
        return f"least({', '.join(parts)})"
    missing = " OR ".join(f"({p}) IS NULL" for p in parts)
    return f"CASE WHEN {missing} THEN NULL ELSE greatest({', '.join(parts)}) END"


def start_sql(attended: str, missed: str) -> str:
    """SQL of :func:`trustboard.waits.spec.start_day` over a row with ``received_date``,
    ``closed_date`` and ``raw_stop``, given the first attended and first missed dates."""
    return (
        f"CASE WHEN {missed} IS NOT NULL AND ({attended} IS NULL OR {missed} < {attended}) "
        f"AND (raw_stop IS NULL OR raw_stop > {missed}) "
        f"AND (closed_date IS NULL OR closed_date >= {missed}) "
        f"THEN {missed} ELSE received_date END"
    )


def restart_keys(standards: Sequence[Standard]) -> dict[tuple[Any, ...], int]:
    """The distinct first-appointment restart keys of ``standards``, numbered."""
    keys = [s.stop.restart_key() for s in standards]
    return {key: i for i, key in enumerate(dict.fromkeys(k for k in keys if k is not None))}


def _literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _recoded(expr: str, recode: str) -> str:
    """SQL: ``expr`` with the mapping's value recoding (``WHEN 'a' THEN 'b' ...``) applied."""
    return f"CASE {expr} {recode} ELSE {expr} END" if recode else expr


def _is_numeric(sql_type: str) -> bool:
    return sql_type.upper().startswith(_NUMERIC)


def open_source(
    con: duckdb.DuckDBPyConnection, source: Any, name: str
) -> tuple[str, str | None, int]:
    """Make ``source`` queryable as ``name``; returns (SQL relation, file label, row offset).

    The row offset turns DuckDB's 0-based ``rowid`` into the row a person sees: 2 for CSV
    (header on row 1), 1 for Parquet and in-memory tables (1-based record number).
    """
    if isinstance(source, (str, Path)):
        path = Path(source)
        if path.is_dir():
            pattern = str(path / "*.parquet")
            return f"read_parquet('{pattern}')", str(path), 1
        if not path.exists():
            raise OptionsError(f"the {name} file {path} does not exist")
        text = str(path).replace("'", "''")
        if path.suffix.lower() in (".parquet", ".pq"):
            return f"read_parquet('{text}', file_row_number = true)", str(path), 1
        if path.suffix.lower() in (".csv", ".txt"):
            return f"read_csv('{text}', header = true, all_varchar = true)", str(path), 2
        raise OptionsError(f"the {name} file {path} is neither CSV nor Parquet")
    table = _to_arrow(source, name)
    # a position column lets the table be scanned in place and still report row numbers
    table = table.append_column(_POSITION, pa.array(np.arange(table.num_rows, dtype=np.int64)))
    con.register(f"src_{name}", table)
    return f"src_{name}", None, 1


def _to_arrow(source: Any, name: str) -> Any:
    if isinstance(source, duckdb.DuckDBPyRelation):
        return source.to_arrow_table()
    module = type(source).__module__
    if module.startswith("polars"):
        if hasattr(source, "collect") and not hasattr(source, "to_arrow"):
            source = source.collect()
        return source.to_arrow()
    if module.startswith("pandas"):
        return pa.Table.from_pandas(source, preserve_index=False)
    if isinstance(source, pa.RecordBatchReader):
        return source.read_all()
    if isinstance(source, pa.Table):
        return source
    raise OptionsError(
        f"the {name} input is a {type(source).__name__}; the DuckDB engine takes a file path, "
        "a Polars, pandas or Arrow table, or a DuckDB relation"
    )


def _depth(standard: Standard) -> int:
    """How many qualifying contact dates a standard needs per referral."""
    if standard.cohort is Cohort.FINISHED_COURSE:
        return max(standard.stop.contact_number, standard.course_min_contacts)
    return standard.stop.contact_number


class _Table:
    """One normalised input table in the connection, with what is needed to report rows."""

    def __init__(self, name: str, table: str, file: str | None, offset: int) -> None:
        self.name = name
        self.table = table
        self.file = file
        self.offset = offset
        self.raw: dict[str, str] = {}
        #: SQL giving a row's 0-based position in its source
        self.position = "t.rowid"
        #: code columns whose source text is also in the table as ``_src_<column>``, with
        #: the SQL that normalises that text
        self.plain_codes: dict[str, str] = {}
        #: SQL type of the normalised referral id (BIGINT or VARCHAR)
        self.id_type = "VARCHAR"
        #: referral text columns whose source value is also in the view as ``_src_<column>``,
        #: with the SQL that normalises that value
        self.sources: dict[str, str] = {}
        #: SQL giving each referral's person: a number standing for the person id where the
        #: source is numeric (one number per normalised id), else the normalised id
        self.person = "person_id"

    def row(self, rowid: int) -> int:
        return int(rowid) + self.offset


class DuckDBEngine:
    """Waiting times on DuckDB; ``threads`` caps DuckDB's worker threads."""

    name = "duckdb"

    def __init__(
        self,
        *,
        threads: int | None = None,
        memory_limit: str | None = None,
        arrays: bool = True,
        array_spells: bool = True,
    ) -> None:
        self.threads = threads
        self.memory_limit = memory_limit
        #: whether integer ids in a dense range take the NumPy path (:mod:`.arrays`); False
        #: always takes the SQL path (same results, slower; the tests compare the two)
        self.arrays = arrays
        #: whether the array path joins referral spells itself (:func:`.arrays.referral_spells`);
        #: False joins them in SQL first and reads the rewritten views (same results, slower)
        self.array_spells = array_spells
        #: seconds spent in each phase of the last run (load, stops, histograms)
        self.timings: dict[str, float] = {}
        #: whether the last run took the array path
        self.used_arrays = False

    # -- loading and validation ---------------------------------------------------------

    def _connect(self) -> duckdb.DuckDBPyConnection:
        con = duckdb.connect()
        con.execute("SET enable_progress_bar = false")
        if self.threads:
            con.execute(f"SET threads = {int(self.threads)}")
        if self.memory_limit:
            con.execute(f"SET memory_limit = '{self.memory_limit}'")
        return con

    def _normalise(
        self,
        con: duckdb.DuckDBPyConnection,
        kind: str,
        source: Any,
        mapping: ColumnMapping,
        id_type: str | None,
        problems: ProblemCollector,
    ) -> _Table | None:
        from trustboard.waits.mapping import CANONICAL

        relation, file, offset = open_source(con, source, kind)
        described = con.execute(f"DESCRIBE SELECT * FROM {relation}").fetchall()
        types = {row[0]: str(row[1]) for row in described}
        available = list(types)
        table = _Table(kind, f"tb_{kind}", file, offset)
        in_place = "file_row_number" if "file_row_number = true" in relation else None
        if relation.startswith("src_"):
            in_place = _POSITION
        selects: list[str] = []
        missing = False
        for column in CANONICAL[kind]:
            source_name = mapping.source_for(kind, column, available)
            if source_name is None:
                if column in _REQUIRED[kind]:
                    problems.add(
                        ErrorCode.WAITS_MISSING_COLUMN,
                        f"the {kind} table has no column {mapping.describe(kind, column)}",
                        file=file,
                        column=column,
                        expected=f"a column named {mapping.describe(kind, column)}",
                    )
                    missing = True
                    continue
                default = "false" if column == "rejected" else "NULL::VARCHAR"
                if column in _DATE_COLUMNS:
                    default = "NULL::DATE"
                selects.append(f"{default} AS {column}")
                continue
            expr, raw = self._expression(column, _quote(source_name), types[source_name], id_type)
            recode = " ".join(
                f"WHEN {_literal(k)} THEN {_literal(v)}"
                for k, v in mapping.values.get(column, {}).items()
            )
            expr = _recoded(expr, recode)
            selects.append(f"{expr} AS {column}")
            if (
                in_place
                and column in _CODE_FILTERED
                and column not in mapping.values
                and types[source_name].upper() == "VARCHAR"
            ):
                # the untouched text lets a contact filter test clean values without
                # normalising every row (see _code_test); free in a view that is not read
                selects.append(f"{_quote(source_name)} AS _src_{column}")
                table.plain_codes[column] = self._expression(
                    column, f"_src_{column}", "VARCHAR", id_type
                )[0]
            elif (
                in_place
                and column == "person_id"
                and column not in mapping.values
                and _is_numeric(types[source_name])
                and not types[source_name].upper().startswith(("HUGEINT", "UBIGINT"))
            ):
                # spells on the array path compare people by number, not by text: the
                # normalised id is the text of CAST(... AS BIGINT), so numbers are one-to-one
                selects.append(f"{_quote(source_name)} AS _src_person_id")
                table.person = "CAST(_src_person_id AS BIGINT)"
            elif in_place and kind == "referrals" and column in _KIND_COLUMNS:
                # the array path reads kinds from the untouched values (see _referral_kinds)
                selects.append(f"{_quote(source_name)} AS _src_{column}")
                table.sources[column] = _recoded(
                    self._expression(column, f"_src_{column}", types[source_name], id_type)[0],
                    recode,
                )
            if raw is not None:
                selects.append(f"{raw} AS _raw_{column}")
                table.raw[column] = source_name
        if missing:
            return None
        if kind == "referrals":
            # the one group of a trust total (``by=()``)
            selects.append(f"{_literal(TOTAL_GROUP)} AS {TOTAL_COLUMN}")
        if in_place:
            # single Parquet files and in-memory tables are scanned in place (no copy)
            table.position = "t._position"
            con.execute(
                f"CREATE OR REPLACE TEMP VIEW {table.table} AS SELECT {', '.join(selects)}, "
                f"{in_place} AS _position FROM {relation}"
            )
        else:
            con.execute(
                f"CREATE OR REPLACE TEMP TABLE {table.table} AS "
                f"SELECT {', '.join(selects)} FROM {relation}"
            )
        return table

    @staticmethod
    def _expression(
        column: str, ref: str, sql_type: str, id_type: str | None
    ) -> tuple[str, str | None]:
        upper = sql_type.upper()
        if column in _DATE_COLUMNS:
            if upper == "DATE":
                return ref, None
            if upper.startswith("TIMESTAMP"):
                return f"CAST({ref} AS DATE)", None
            text = f"trim(CAST({ref} AS VARCHAR))"
            parsed = (
                f"CASE WHEN {text} = '' THEN NULL ELSE CAST(coalesce("
                + ", ".join(f"try_strptime({text}, '{f}')" for f in DATE_FORMATS)
                + ") AS DATE) END"
            )
            return parsed, f"CAST({ref} AS VARCHAR)"
        if column == "rejected":
            if upper == "BOOLEAN":
                return f"coalesce({ref}, false)", None
            if upper == "DATE" or upper.startswith("TIMESTAMP"):
                return f"({ref} IS NOT NULL)", None
            if _is_numeric(upper):
                return f"coalesce({ref} <> 0, false)", None
            text = f"upper(trim(CAST({ref} AS VARCHAR)))"
            expr = (
                f"CASE WHEN {ref} IS NULL OR {text} IN {_FALSE} THEN false "
                f"WHEN {text} IN {_TRUE} THEN true "
                "WHEN "
                + " OR ".join(
                    f"try_strptime(trim({ref}), '{f}') IS NOT NULL" for f in DATE_FORMATS[:2]
                )
                + " THEN true END"
            )
            return expr, f"CAST({ref} AS VARCHAR)"
        if column == "referral_id":
            if id_type == "BIGINT" and _is_numeric(upper):
                return f"CAST({ref} AS BIGINT)", None
            return f"trim(CAST({ref} AS VARCHAR))", None
        if _is_numeric(upper) and upper.startswith(("DOUBLE", "FLOAT", "DECIMAL")):
            text = f"CAST(CAST({ref} AS BIGINT) AS VARCHAR)"
        else:
            text = f"nullif(trim(CAST({ref} AS VARCHAR)), '')"
        if column == "mechanism":
            # one ASCII digit (one byte from '0' to '9'): cheaper than a regular expression
            return (
                f"CASE WHEN strlen({text}) = 1 AND {text} BETWEEN '0' AND '9' "
                f"THEN '0' || {text} ELSE {text} END",
                None,
            )
        if column == "priority":
            return f"lower({text})", None
        return text, None

    def _check_rows(
        self,
        con: duckdb.DuckDBPyConnection,
        table: _Table,
        checks: Sequence[tuple[str, str, str, str, str]],
        problems: ProblemCollector,
        join: str = "",
    ) -> None:
        """Count every check in one scan; list offending rows only for checks that fail.

        A check is (code, message, column, SQL condition, SQL value expression).
        """
        if not checks:
            return
        counts_sql = ", ".join(f"count(*) FILTER (WHERE {cond})" for _, _, _, cond, _ in checks)
        counts = con.execute(f"SELECT {counts_sql} FROM {table.table} t {join}").fetchone() or ()
        for (code, message, column, cond, value), count in zip(checks, counts, strict=True):
            if not count:
                continue
            rows = con.execute(
                f"SELECT {table.position}, CAST({value} AS VARCHAR) FROM {table.table} t {join} "
                f"WHERE {cond} ORDER BY {table.position} LIMIT {MAX_LISTED}"
            ).fetchall()
            for rowid, shown in rows:
                problems.add(
                    code,
                    message,
                    file=table.file or table.name,
                    row=table.row(rowid),
                    column=column,
                    value=shown,
                )
            if count > len(rows):
                problems.add(
                    code,
                    f"{message}: {count - len(rows)} more row(s) not listed",
                    file=table.file or table.name,
                    column=column,
                )

    def load(
        self, con: duckdb.DuckDBPyConnection, inputs: WaitsInputs, problems: ProblemCollector
    ) -> dict[str, _Table]:
        """Normalise the inputs and check the referrals row by row (one scan).

        Missing columns raise at once; other problems are collected in ``problems``.  Repeated
        referral ids are looked for afterwards (:meth:`_check_duplicates`, or by the array
        path as it fills its slots).
        """

        # in-memory inputs become Arrow once (the type probe and the load share the copy)
        def arrow_once(source: Any, kind: str) -> Any:
            if source is None or isinstance(source, (str, Path)):
                return source
            return _to_arrow(source, kind)

        inputs = WaitsInputs(
            arrow_once(inputs.referrals, "referrals"),
            arrow_once(inputs.contacts, "contacts"),
            arrow_once(inputs.events, "events"),
            inputs.mapping,
        )
        id_type = self._id_type(con, inputs)
        loaded = {
            "referrals": self._normalise(
                con, "referrals", inputs.referrals, inputs.mapping, id_type, problems
            ),
            "contacts": self._normalise(
                con, "contacts", inputs.contacts, inputs.mapping, id_type, problems
            ),
        }
        if inputs.events is not None:
            loaded["events"] = self._normalise(
                con, "events", inputs.events, inputs.mapping, id_type, problems
            )
        problems.raise_if_any("the waiting-time input is not valid")
        tables = {k: v for k, v in loaded.items() if v is not None}
        ref = tables["referrals"]
        checks = [
            (
                ErrorCode.WAITS_MISSING_VALUE,
                "referral id is empty",
                "referral_id",
                "t.referral_id IS NULL",
                "t.referral_id",
            ),
            (
                ErrorCode.WAITS_MISSING_VALUE,
                "referral received date is empty",
                "received_date",
                "t.received_date IS NULL AND "
                + (
                    "(t._raw_received_date IS NULL OR trim(t._raw_received_date) = '')"
                    if "received_date" in ref.raw
                    else "true"
                ),
                "t.received_date",
            ),
            (
                ErrorCode.WAITS_CLOSED_BEFORE_RECEIVED,
                "referral closed before it was received",
                "closed_date",
                "t.closed_date < t.received_date",
                "t.closed_date",
            ),
        ]
        for column in ("received_date", "closed_date"):
            if column in ref.raw:
                checks.append(
                    (
                        ErrorCode.WAITS_BAD_DATE,
                        "date does not parse (expected YYYY-MM-DD or DD/MM/YYYY)",
                        column,
                        f"t.{column} IS NULL AND trim(t._raw_{column}) <> ''",
                        f"t._raw_{column}",
                    )
                )
        if "rejected" in ref.raw:
            checks.append(
                (
                    ErrorCode.WAITS_BAD_FLAG,
                    "rejected flag not understood (expected Y/N, true/false, 1/0 or a date)",
                    "rejected",
                    "t.rejected IS NULL",
                    "t._raw_rejected",
                )
            )
        self._check_rows(con, ref, checks, problems)
        ref.id_type = id_type
        return tables

    def _check_mechanisms(
        self,
        con: duckdb.DuckDBPyConnection,
        contacts: _Table,
        standards: Sequence[Standard],
        problems: ProblemCollector,
    ) -> None:
        """A mechanism no code list knows would silently stop no clock: report it.

        Only when a standard filters on mechanisms; the values are compared after the
        mapping's recodes with the NHS Data Dictionary consultation mechanism codes.
        """
        if not any(s.stop.uses_contacts and s.stop.mechanisms for s in standards):
            return
        known = self._code_test("mechanism", tuple(CONSULTATION_MECHANISMS), contacts)
        found = con.execute(
            f"SELECT mechanism, count(*) FROM {contacts.table} "
            f"WHERE mechanism IS NOT NULL AND NOT ({known}) "
            f"GROUP BY mechanism ORDER BY count(*) DESC, mechanism LIMIT {MAX_LISTED}"
        ).fetchall()
        for value, count in found:
            problems.add(
                ErrorCode.WAITS_UNMAPPED_VALUE,
                f"consultation mechanism not understood ({count} contact(s)); a contact with "
                "it never stops a clock that names mechanisms",
                file=contacts.file or "contacts",
                column="mechanism",
                value=value,
                expected="an NHS Data Dictionary code (01, 02, 04, 05, 09, 10, 11, 12, 13, 98), "
                "or a mapping 'values: {mechanism: {YOUR VALUE: CODE}}'",
            )

    @staticmethod
    def _require_people(
        con: duckdb.DuckDBPyConnection, ref: _Table, problems: ProblemCollector
    ) -> None:
        """Spells join referrals by person: the person id must be there."""
        # the first person id found answers (a count would normalise every id)
        found = con.execute(
            f"SELECT count(*) FROM (SELECT 1 FROM {ref.table} WHERE person_id IS NOT NULL LIMIT 1)"
        ).fetchone()
        if not found or not found[0]:
            problems.add(
                ErrorCode.WAITS_MISSING_COLUMN,
                "referral spells join a person's referrals, but the referrals have no person id",
                file=ref.file or "referrals",
                column="person_id",
                expected="a person_id column (MHSDS: Person_ID)",
            )

    @staticmethod
    def _check_duplicates(
        con: duckdb.DuckDBPyConnection, ref: _Table, problems: ProblemCollector
    ) -> None:
        duplicates = con.execute(
            f"SELECT referral_id, count(*) FROM {ref.table} WHERE referral_id IS NOT NULL "
            f"GROUP BY referral_id HAVING count(*) > 1 ORDER BY referral_id LIMIT {MAX_LISTED}"
        ).fetchall()
        for referral_id, count in duplicates:
            problems.add(
                ErrorCode.WAITS_DUPLICATE_REFERRAL,
                f"referral id appears {count} times",
                file=ref.file or "referrals",
                column="referral_id",
                value=str(referral_id),
            )

    def _check_links(
        self, con: duckdb.DuckDBPyConnection, tables: dict[str, _Table], problems: ProblemCollector
    ) -> None:
        """Check contacts and events against the referrals.

        The per-referral aggregates already hold each referral's earliest date and count of
        empty dates, so a join of those (one row per referral) with the referrals shows
        whether anything is wrong; only then are the offending rows looked up one by one.
        """
        for kind, date_column in (("contacts", "contact_date"), ("events", "event_date")):
            table = tables.get(kind)
            if table is None:
                continue
            if kind == "contacts":
                # tb_refx is the full outer join of referrals and per-referral contact dates
                flags = con.execute(
                    "SELECT count(*) FILTER (WHERE NOT _known), "
                    "count(*) FILTER (WHERE _first_date < received_date), "
                    "coalesce(sum(_empty_dates), 0) FROM tb_refx"
                ).fetchone() or (0, 0, 0)
            else:
                flags = con.execute(
                    "SELECT count(*) FILTER (WHERE r.referral_id IS NULL), "
                    "count(*) FILTER (WHERE a._first_date < r.received_date), "
                    "coalesce(sum(a._empty_dates), 0) "
                    f"FROM tb_estops a LEFT JOIN {tables['referrals'].table} r "
                    "ON r.referral_id = a.referral_id"
                ).fetchone() or (0, 0, 0)
            if not any(flags):
                continue
            join = f"LEFT JOIN {tables['referrals'].table} r ON r.referral_id = t.referral_id"
            empty = f"t.{date_column} IS NULL"
            if date_column in table.raw:
                empty += f" AND (t._raw_{date_column} IS NULL OR trim(t._raw_{date_column}) = '')"
            checks = [
                (
                    ErrorCode.WAITS_UNKNOWN_REFERRAL,
                    f"{kind[:-1]} for a referral that is not in the referrals table",
                    "referral_id",
                    "r.referral_id IS NULL",
                    "t.referral_id",
                ),
                (
                    ErrorCode.WAITS_MISSING_VALUE,
                    f"{kind[:-1]} date is empty",
                    date_column,
                    empty,
                    f"t.{date_column}",
                ),
                (
                    ErrorCode.WAITS_BEFORE_REFERRAL,
                    f"{kind[:-1]} dated before the referral was received",
                    date_column,
                    f"t.{date_column} < r.received_date",
                    f"t.{date_column}",
                ),
            ]
            if date_column in table.raw:
                checks.append(
                    (
                        ErrorCode.WAITS_BAD_DATE,
                        "date does not parse (expected YYYY-MM-DD or DD/MM/YYYY)",
                        date_column,
                        f"t.{date_column} IS NULL AND trim(t._raw_{date_column}) <> ''",
                        f"t._raw_{date_column}",
                    )
                )
            self._check_rows(con, table, checks, problems, join)

    def _id_type(self, con: duckdb.DuckDBPyConnection, inputs: WaitsInputs) -> str:
        """BIGINT when every table's referral id is an integer column, else VARCHAR."""
        kinds = [("referrals", inputs.referrals), ("contacts", inputs.contacts)]
        if inputs.events is not None:
            kinds.append(("events", inputs.events))
        for kind, source in kinds:
            relation, _, _ = open_source(con, source, f"probe_{kind}")
            described = con.execute(f"DESCRIBE SELECT * FROM {relation}").fetchall()
            types = {row[0]: str(row[1]) for row in described}
            name = inputs.mapping.source_for(kind, "referral_id", list(types))
            if (
                name is None
                or not _is_numeric(types[name])
                or types[name].upper().startswith(("DOUBLE", "FLOAT"))
            ):
                return "VARCHAR"
        return "BIGINT"

    # -- clock stops ----------------------------------------------------------------------

    @staticmethod
    def _code_test(column: str, values: Sequence[str], table: _Table) -> str:
        """SQL: whether a contact's (normalised) ``column`` is one of ``values``.

        Normalising text (trim, empty to NULL, one-digit mechanisms zero-padded) is a large
        part of the contact pass's cost, so where the source text is at hand a value that
        is already in normal form and listed is accepted as it stands; only the other rows
        are normalised (the normalising SQL sits inside the CASE so that it runs for those
        rows alone).  A listed value is in normal form when it is trimmed, non-empty and
        (for mechanisms) not a single digit, so the result is exactly ``column IN values``.
        """
        test = f"{column} IN {sql_list(values)}"
        if column not in table.plain_codes:
            return test
        plain = [
            v
            for v in values
            if v
            and v == v.strip()
            and not (column == "mechanism" and len(v) == 1 and v in "0123456789")
        ]
        if not plain:
            return test
        normalised = table.plain_codes[column]
        return (
            f"(CASE WHEN _src_{column} IN {sql_list(plain)} THEN true "
            f"ELSE ({normalised}) IN {sql_list(values)} END)"
        )

    def _contact_filter(self, rule: StopRule, table: _Table) -> str:
        """SQL of :meth:`StopRule.contact_qualifies`."""
        parts = [self._code_test("attendance_code", rule.attendance_codes, table)]
        if rule.mechanisms:
            parts.append(self._code_test("mechanism", rule.mechanisms, table))
        if rule.activity_types:
            parts.append(self._code_test("activity_type", rule.activity_types, table))
        direct = " AND ".join(parts)
        if not rule.indirect_activity_types:
            return direct
        indirect = self._code_test("activity_type", rule.indirect_activity_types, table)
        return f"(coalesce({indirect}, false) OR ({direct}))"

    def _aggregate(
        self,
        con: duckdb.DuckDBPyConnection,
        standards: Sequence[Standard],
        tables: dict[str, _Table],
    ) -> tuple[dict[tuple[Any, ...], str], dict[tuple[str, ...], str]]:
        """One pass over contacts (and events): per referral, the first k qualifying dates."""
        filters: dict[tuple[Any, ...], tuple[int, StopRule]] = {}
        for standard in standards:
            if standard.stop.uses_contacts:
                key = standard.stop.contact_key()
                filters[key] = (
                    max(filters.get(key, (0, standard.stop))[0], _depth(standard)),
                    standard.stop,
                )
        names = {key: f"c{i}" for i, key in enumerate(filters)}
        aggs = [
            "min(contact_date) AS _first_date",
            "count(*) FILTER (WHERE contact_date IS NULL) AS _empty_dates",
        ]
        for key, (depth, rule) in filters.items():
            where = self._contact_filter(rule, tables["contacts"])
            if depth == 1:
                aggs.append(f"min(contact_date) FILTER (WHERE {where}) AS {names[key]}")
            else:
                aggs.append(f"min(contact_date, {depth}) FILTER (WHERE {where}) AS {names[key]}")
        for (attended, missed), i in restart_keys(standards).items():
            # the first attended and first missed appointment, whatever the mechanism
            for prefix, codes in (("a", attended), ("n", missed)):
                test = self._code_test("attendance_code", codes, tables["contacts"])
                names[("_restart", prefix, attended, missed)] = f"{prefix}{i}"
                aggs.append(f"min(contact_date) FILTER (WHERE {test}) AS {prefix}{i}")
        # materialised on its own: fed straight into the join below, the grouping runs
        # with less parallelism
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE tb_cstops AS SELECT referral_id, {', '.join(aggs)} "
            f"FROM {tables['contacts'].table} GROUP BY referral_id"
        )
        event_sets = sorted({part for s in standards for part in s.stop.event_parts()})
        event_names = {types: f"e{i}" for i, types in enumerate(event_sets)}
        if "events" in tables:
            aggs = [
                "min(event_date) AS _first_date",
                "count(*) FILTER (WHERE event_date IS NULL) AS _empty_dates",
            ]
            aggs += [
                f"min(event_date) FILTER (WHERE event_type IN {sql_list(types)}) AS {name}"
                for types, name in event_names.items()
            ]
            con.execute(
                f"CREATE OR REPLACE TEMP TABLE tb_estops AS SELECT referral_id, {', '.join(aggs)} "
                f"FROM {tables['events'].table} GROUP BY referral_id"
            )
        elif event_sets:
            nulls = ", ".join(f"NULL::DATE AS {name}" for name in event_names.values())
            con.execute(
                "CREATE OR REPLACE TEMP TABLE tb_estops AS "
                f"SELECT NULL AS referral_id, {nulls} LIMIT 0"
            )
        return names, event_names

    def _stop_columns(
        self,
        con: duckdb.DuckDBPyConnection,
        standards: Sequence[Standard],
        tables: dict[str, _Table],
        names: dict[tuple[Any, ...], str],
        event_names: dict[tuple[str, ...], str],
        by: tuple[str, ...],
    ) -> dict[str, tuple[str, str | None, str, tuple[str, ...]]]:
        """Build ``tb_refx`` (accepted referrals with their dates) and each standard's stop,
        course and clock-start SQL (the last over ``raw_stop``, reading the columns given)."""
        # One join of referrals with the per-referral contact dates serves both the checks
        # (a full outer join shows contacts of unknown referrals) and every standard.
        kept = dict.fromkeys(
            (
                "service",
                "priority",
                *by,
                "closure_reason",
                "received_date",
                "closed_date",
                "rejected",
            )
        )
        selects = [
            *(f"r.{c}" for c in kept),
            "r.referral_id IS NOT NULL AS _known",
            "c._first_date",
            "c._empty_dates",
            *(f"c.{n}" for n in names.values()),
        ]
        joins = ["FULL OUTER JOIN tb_cstops c ON c.referral_id = r.referral_id"]
        if event_names:
            joins.append("LEFT JOIN tb_estops e ON e.referral_id = r.referral_id")
            selects.extend(f"e.{n}" for n in event_names.values())
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE tb_refx AS SELECT {', '.join(selects)} "
            f"FROM {tables['referrals'].table} r {' '.join(joins)}"
        )
        out: dict[str, tuple[str, str | None, str, tuple[str, ...]]] = {}
        for standard in standards:
            rule = standard.stop
            contact = course = None
            if rule.uses_contacts:
                column = names[rule.contact_key()]
                # depth-1 filters keep a plain date (cheaper than a one-element list)
                scalar = (
                    max(
                        _depth(s)
                        for s in standards
                        if s.stop.uses_contacts and s.stop.contact_key() == rule.contact_key()
                    )
                    == 1
                )
                contact = column if scalar else f"{column}[{rule.contact_number}]"
                if standard.cohort is Cohort.FINISHED_COURSE:
                    course = column if scalar else f"{column}[{standard.course_min_contacts}]"
            restart = rule.restart_key()
            start: str = "received_date"
            start_columns: tuple[str, ...] = ()
            if restart is not None:
                attended = names[("_restart", "a", *restart)]
                missed = names[("_restart", "n", *restart)]
                start, start_columns = start_sql(attended, missed), (attended, missed)
            stop = stop_sql(rule, contact, event_names)
            out[standard.id] = (stop, course, start, start_columns)
        return out

    # -- histograms -----------------------------------------------------------------------

    def _standard_histograms(
        self,
        con: duckdb.DuckDBPyConnection,
        standard: Standard,
        stop_expr: str,
        course_expr: str | None,
        calendar: MonthCalendar,
        by: tuple[str, ...],
        start_expr: str = "received_date",
        start_columns: tuple[str, ...] = (),
    ) -> Histograms:
        months = calendar.months
        base = calendar.base_month
        scope = f"service IN {sql_list(standard.services)}" if standard.services else "true"
        by_cols = ", ".join(by)
        done_m = "course_m" if standard.cohort is Cohort.FINISHED_COURSE else "stop_m"
        course_m = (
            "CASE WHEN stop_date IS NOT NULL AND course_date IS NOT NULL "
            "AND course_date <= closed_date "
            f"THEN year(closed_date) * 12 + month(closed_date) - 1 - {base} END"
            if course_expr
            else "NULL::INTEGER"
        )
        course_select = f", {course_expr} AS course_date" if course_expr else ""
        # the first attended and first missed dates the clock-start SQL reads, if any
        restart_select = "".join(f", {c}" for c in start_columns)

        # One scan of the referrals feeds every histogram: each grouping set has a key that
        # is NULL for rows outside it (their groups are dropped below), so the open list,
        # completed pathways, flows and groups need neither a staging table nor a rescan.
        con.execute(
            f"""
            CREATE OR REPLACE TEMP TABLE tb_h AS
            WITH s AS (
                SELECT {by_cols}, priority AS _priority, closure_reason, received_date,
                       closed_date, {stop_expr} AS raw_stop{course_select}{restart_select}
                FROM tb_refx WHERE _known AND NOT rejected AND {scope}
            ), t AS (
                SELECT *, CASE WHEN raw_stop IS NOT NULL
                                    AND (closed_date IS NULL OR raw_stop <= closed_date)
                               THEN raw_stop END AS stop_date,
                       {start_expr} AS clock_date
                FROM s
            ), d AS (
                SELECT {by_cols}, _priority, closure_reason,
                       CAST(clock_date - DATE '1970-01-01' AS INTEGER) AS start_day,
                       CAST(stop_date - clock_date AS INTEGER) AS wait_days,
                       year(received_date) * 12 + month(received_date) - 1 - {base} AS start_m,
                       year(clock_date) * 12 + month(clock_date) - 1 - {base} AS clock_m,
                       year(stop_date) * 12 + month(stop_date) - 1 - {base} AS stop_m,
                       CASE WHEN stop_date IS NULL AND closed_date IS NOT NULL
                            THEN year(closed_date) * 12 + month(closed_date) - 1 - {base}
                       END AS removed_m,
                       {course_m} AS course_m
                FROM t
            ), k AS (
                SELECT *, greatest(clock_m, 0) AS first_m,
                       least(greatest(coalesce(stop_m, removed_m, {months}), 0), {months})
                           AS close_m0
                FROM d
            )
            SELECT {by_cols}, _priority, start_day, first_m, close_m, done_m, wait_days,
                   received_m, stop_flow_m, removed_flow_m, closure_reason,
                   grouping(close_m) AS _no_open, grouping(done_m) AS _no_done,
                   grouping(received_m) AS _no_received, grouping(stop_flow_m) AS _no_stop,
                   grouping(removed_flow_m) AS _no_removed, count(*) AS n
            FROM (
                SELECT *,
                       CASE WHEN clock_m < {months} AND first_m < close_m0 THEN close_m0 END
                           AS close_m,
                       CASE WHEN {done_m} >= 0 AND {done_m} < {months} THEN {done_m} END AS done_m,
                       CASE WHEN start_m >= 0 AND start_m < {months} THEN start_m END AS received_m,
                       CASE WHEN stop_m >= 0 AND stop_m < {months} THEN stop_m END AS stop_flow_m,
                       CASE WHEN removed_m >= 0 AND removed_m < {months} THEN removed_m END
                           AS removed_flow_m
                FROM k
            )
            GROUP BY GROUPING SETS (
                ({by_cols}, _priority, start_day, first_m, close_m),
                ({by_cols}, _priority, done_m, wait_days),
                ({by_cols}, received_m),
                ({by_cols}, stop_flow_m),
                ({by_cols}, removed_flow_m, closure_reason),
                ({by_cols})
            )
            """
        )
        open_h = con.sql(
            f"SELECT {by_cols}, _priority, start_day, first_m, close_m, n FROM tb_h "
            "WHERE _no_open = 0 AND close_m IS NOT NULL"
        ).to_arrow_table()
        completed_h = con.sql(
            f"SELECT {by_cols}, _priority, done_m AS m, wait_days, n FROM tb_h "
            "WHERE _no_done = 0 AND done_m IS NOT NULL"
        ).to_arrow_table()
        flows_h = con.sql(
            f"""
            SELECT {by_cols}, received_m AS m, 'received' AS kind, NULL::VARCHAR AS reason, n
            FROM tb_h WHERE _no_received = 0 AND received_m IS NOT NULL
            UNION ALL
            SELECT {by_cols}, stop_flow_m, 'clock_stop', NULL::VARCHAR, n
            FROM tb_h WHERE _no_stop = 0 AND stop_flow_m IS NOT NULL
            UNION ALL
            SELECT {by_cols}, removed_flow_m, 'removed', closure_reason, n
            FROM tb_h WHERE _no_removed = 0 AND removed_flow_m IS NOT NULL
            """
        ).to_arrow_table()
        groups = con.sql(
            f"SELECT {by_cols} FROM tb_h "
            "WHERE _no_open + _no_done + _no_received + _no_stop + _no_removed = 5"
        ).to_arrow_table()
        return Histograms(standard, by, open_h, completed_h, flows_h, groups)

    # -- the array path -------------------------------------------------------------------

    def _referral_slots(
        self,
        con: duckdb.DuckDBPyConnection,
        ref: _Table,
        by: tuple[str, ...],
        persons: bool = False,
    ) -> arrays.ReferralSlots | None:
        """The referrals in slots by id, or None where the SQL path is needed (text or
        sparse ids, infinite dates, or a repeated id, which the SQL path then lists).

        The text columns the histograms need are read as one hash per referral: hashing is
        far cheaper than comparing text, and the few distinct combinations ("kinds") are
        read once with their values (a hash shared by two kinds also means the SQL path).
        """
        if not self.arrays or ref.id_type != "BIGINT":
            return None
        lowest, highest, count, first_day, last_day, infinite = con.execute(
            "SELECT min(referral_id), max(referral_id), count(*), "
            "min(received_date) - DATE '1970-01-01', max(received_date) - DATE '1970-01-01', "
            "isinf(min(received_date)) OR isinf(max(received_date)) "
            "OR coalesce(isinf(min(closed_date)) OR isinf(max(closed_date)), false) "
            f"FROM {ref.table}"
        ).fetchall()[0]
        span = arrays.dense_span(lowest, highest, count)
        if span is None or infinite:
            return None
        columns = tuple(dict.fromkeys((*by, "priority", "closure_reason", "service")))
        # kinds are told apart by their untouched values, which is cheaper than normalising
        # every row; kinds that differ only before normalising are merged by their
        # normalised values later
        untouched = [f"_src_{c}" if c in ref.sources else c for c in columns]
        hashed = f"hash({', '.join(untouched)})"
        normalised = ", ".join(ref.sources.get(c, f"_src_{c}") for c in columns)
        distinct = ", ".join(f"{u} AS _src_{c}" for u, c in zip(untouched, columns, strict=True))
        found = arrays.kind_table(
            con.execute(
                f"SELECT hash({', '.join(f'_src_{c}' for c in columns)}), {normalised} "
                f"FROM (SELECT DISTINCT {distinct} FROM {ref.table})"
            ).fetchall(),
            columns,
        )
        if found is None:
            return None
        person = f", {ref.person}" if persons else ""
        reader = con.sql(
            "SELECT referral_id, received_date, closed_date, CAST(rejected AS UTINYINT), "
            f"{hashed}{person} FROM {ref.table}"
        ).to_arrow_reader(arrays.BATCH)
        return arrays.read_referrals(
            reader, int(lowest), span, *found, (int(first_day), int(last_day))
        )

    def _array_stops(
        self,
        con: duckdb.DuckDBPyConnection,
        standards: Sequence[Standard],
        tables: dict[str, _Table],
        slots: arrays.ReferralSlots,
        spells: tuple[arrays.ReferralSlots, np.ndarray | None] | None = None,
    ) -> tuple[dict[str, arrays.StandardArrays], int] | None:
        """Check contacts and events and find every standard's stop dates (one pass each).

        ``spells`` (from :func:`.arrays.referral_spells`): rows are checked against ``slots``
        and counted for their spells, whose slots the results then describe.  Returns (arrays
        per standard id, latest stop date), or None when the rows are not clean (the SQL path
        then lists the problems).
        """
        remap = None if spells is None else spells[1]
        filters: dict[tuple[Any, ...], tuple[int, StopRule]] = {}
        for standard in standards:
            if standard.stop.uses_contacts:
                key = standard.stop.contact_key()
                filters[key] = (
                    max(filters.get(key, (0, standard.stop))[0], _depth(standard)),
                    standard.stop,
                )
        contacts = tables["contacts"]
        flags = [
            f", CAST(coalesce({self._contact_filter(rule, contacts)}, false) AS UTINYINT)"
            for _, rule in filters.values()
        ]
        restarts = restart_keys(standards)
        for attended, missed in restarts:
            # the first attended and the first missed appointment, whatever the mechanism
            flags += [
                f", CAST(coalesce({self._code_test('attendance_code', codes, contacts)}, false) "
                "AS UTINYINT)"
                for codes in (attended, missed)
            ]
        reader = con.sql(
            f"SELECT referral_id, contact_date{''.join(flags)} FROM {contacts.table}"
        ).to_arrow_reader(arrays.BATCH)
        contact_dates = arrays.read_dated(
            reader,
            slots,
            [depth for depth, _ in filters.values()] + [1, 1] * len(restarts),
            remap,
        )
        if contact_dates is None:
            return None
        last_day = contact_dates.last_day
        event_sets = sorted({part for s in standards for part in s.stop.event_parts()})
        event_dates = None
        if "events" in tables and event_sets:
            flags = [
                f", CAST(coalesce(event_type IN {sql_list(types)}, false) AS UTINYINT)"
                for types in event_sets
            ]
            reader = con.sql(
                f"SELECT referral_id, event_date{''.join(flags)} FROM {tables['events'].table}"
            ).to_arrow_reader(arrays.BATCH)
            event_dates = arrays.read_dated(reader, slots, [1] * len(event_sets), remap)
            if event_dates is None:
                return None
            last_day = max(last_day, event_dates.last_day)
        if spells is not None:
            slots = spells[0]
        kinds = slots.kinds
        services = kinds.values["service"]
        filter_index = {key: i for i, key in enumerate(filters)}
        no_event = np.full(slots.span, arrays.NO_DATE, np.int32)
        out = {}
        for standard in standards:
            rule = standard.stop
            scope = np.array(
                [not standard.services or value in standard.services for value in [*services, None]]
            )
            contact = course = None
            if rule.uses_contacts:
                dates = contact_dates.dates[filter_index[rule.contact_key()]]
                contact = dates[rule.contact_number - 1]
                if standard.cohort is Cohort.FINISHED_COURSE:
                    course = dates[standard.course_min_contacts - 1]
            events = {
                part: (
                    event_dates.dates[event_sets.index(part)][0]
                    if event_dates is not None
                    else no_event
                )
                for part in rule.event_parts()
            }
            stop = arrays.combine_stop(rule, slots.received, contact, events)
            start = None
            restart = rule.restart_key()
            if restart is not None:
                at = len(filters) + 2 * restarts[restart]
                start = arrays.restart_start(
                    slots,
                    contact_dates.dates[at][0],
                    contact_dates.dates[at + 1][0],
                    stop,
                )
            out[standard.id] = arrays.StandardArrays(
                scope[kinds.code_of("service")], stop, course, start
            )
        return out, last_day

    @staticmethod
    def _spell_scope(slots: arrays.ReferralSlots, standards: Sequence[Standard]) -> np.ndarray:
        """Per kind, whether its service is one the spells cover (as ``apply_spells``)."""
        if any(not s.services for s in standards):
            return np.ones(len(slots.kinds.codes), dtype=bool)
        services = {v for s in standards for v in s.services}
        known = np.array([v in services for v in slots.kinds.values["service"]] + [False])
        scope: np.ndarray = known[slots.kinds.code_of("service")]
        return scope

    # -- the run --------------------------------------------------------------------------

    def histograms(
        self,
        inputs: WaitsInputs,
        standards: Sequence[Standard],
        calendar: MonthCalendar,
        by: tuple[str, ...],
    ) -> dict[str, Histograms]:
        """Validate, find clock stops once, and reduce each standard to histograms.

        Integer referral ids in a dense range take the array path (:mod:`.arrays`); other
        ids, and any input with a problem, take the SQL path, which lists the problems.
        """
        settings = list(dict.fromkeys(s.spell_gap_days for s in standards))
        if len(settings) > 1:
            # standards counting referral spells and those counting referrals see different
            # inputs, so each spell setting is one pass over the data
            out: dict[str, Histograms] = {}
            spent: dict[str, float] = {}
            for gap in settings:
                group = [s for s in standards if s.spell_gap_days == gap]
                out.update(self.histograms(inputs, group, calendar, by))
                for phase, seconds in self.timings.items():
                    spent[phase] = spent.get(phase, 0.0) + seconds
            self.timings = spent
            return out
        con = self._connect()
        clock = time.perf_counter()
        self.timings = {}
        self.used_arrays = False
        try:
            problems = ProblemCollector()
            tables = self.load(con, inputs, problems)
            if not problems:
                self._check_mechanisms(con, tables["contacts"], standards, problems)
            # the gap of the spells still to join: by the array path (in NumPy), else in SQL
            pending = spell_gap(standards)
            if pending is not None and not problems:
                self._require_people(con, tables["referrals"], problems)
            if problems:
                pending = None
            elif pending is not None and not self.array_spells:
                apply_spells(con, tables, standards, pending)
                pending = None
            # source tables are in place (their row order kept for error reports); later
            # tables need no order, which lets DuckDB write them in parallel
            con.execute("SET preserve_insertion_order = false")
            slots = (
                None
                if problems
                else self._referral_slots(con, tables["referrals"], by, persons=pending is not None)
            )
            self.timings["load_and_check_referrals"] = time.perf_counter() - clock
            clock = time.perf_counter()
            spells = None
            if slots is not None and pending is not None:
                spells = arrays.referral_spells(slots, self._spell_scope(slots, standards), pending)
                self.timings["referral_spells"] = time.perf_counter() - clock
                clock = time.perf_counter()
            found = (
                None if slots is None else self._array_stops(con, standards, tables, slots, spells)
            )
            if spells is not None:
                slots = spells[0]
            if slots is None or found is None:
                if pending is not None:
                    # the SQL path joins the spells itself (and lists any problem)
                    apply_spells(con, tables, standards, pending)
                if slots is None:
                    self._check_duplicates(con, tables["referrals"], problems)
                names, event_names = self._aggregate(con, standards, tables)
                stops = self._stop_columns(con, standards, tables, names, event_names, by)
                self._check_links(con, tables, problems)
                problems.raise_if_any("the waiting-time input is not valid")
                self.timings["clock_stops_and_checks"] = time.perf_counter() - clock
                clock = time.perf_counter()
                out = {
                    s.id: self._standard_histograms(
                        con, s, stops[s.id][0], stops[s.id][1], calendar, by, *stops[s.id][2:]
                    )
                    for s in standards
                }
            else:
                per_standard, last_day = found
                self.used_arrays = True
                self.timings["clock_stops_and_checks"] = time.perf_counter() - clock
                clock = time.perf_counter()
                out = {
                    s.id: Histograms(
                        s,
                        by,
                        *arrays.histogram_tables(
                            slots,
                            per_standard[s.id],
                            s.cohort is Cohort.FINISHED_COURSE,
                            calendar,
                            by,
                            last_day,
                            workers=self.threads or os.cpu_count() or 1,
                        ),
                    )
                    for s in standards
                }
            self.timings["histograms"] = time.perf_counter() - clock
            return out
        finally:
            con.close()
