"""Turning a values table (long or wide layout) into one row per metric, period and org unit.

The layout is read from the header (``docs/imports.md``):

* **long**: a ``period`` column; one row per metric, period and org unit, with ``value``
  and/or ``numerator`` and ``denominator``, and optionally ``provisional``;
* **wide**: ``metric_id`` and ``org_unit`` columns and one column per period (``2024-04``,
  ``Apr-24``, ``Apr 2024`` or an Excel date); optionally a ``measure`` column whose rows say
  whether the cells are the ``numerator``, ``denominator`` or ``value``.

Both become the same *cells frame*: the raw text of every cell (for messages), the parsed
numbers, and where each figure came from (row and column), ready for the checks in
:mod:`trustboard.ingest.values`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import polars as pl

from trustboard.errors import ErrorCode, Problem
from trustboard.ingest.cells import parse_bool_column, parse_number_column, parse_period_text
from trustboard.ingest.tables import Table, normalise_header

__all__ = ["CELLS_SCHEMA", "FIELDS", "TableLayout", "cells_from_table"]

#: The figure fields of a values row, with the short prefix their helper columns carry.
FIELDS: dict[str, str] = {"numerator": "_num", "denominator": "_den", "value": "_val"}

_ALIASES: dict[str, str] = {
    "metric_id": "metric_id",
    "metric": "metric_id",
    "metric_code": "metric_id",
    "period": "period",
    "month": "period",
    "period_start": "period",
    "org_unit": "org_unit",
    "org": "org_unit",
    "org_unit_code": "org_unit",
    "org_code": "org_unit",
    "numerator": "numerator",
    "denominator": "denominator",
    "value": "value",
    "provisional": "provisional",
    "is_provisional": "provisional",
    "measure": "measure",
}
_PERCENT_VALUE_HEADER = re.compile(
    r"^value\s*(?:\(\s*%\s*\)|%|_pct|_percent|\(\s*percent\s*\))$", re.I
)
_PROVISIONAL_SUFFIX = re.compile(r"\s*(?:\((?:p|provisional)\)|\*)$", re.I)

#: Columns of a wide sheet that describe a row and are not figures (left alone).
DESCRIPTIVE_COLUMNS: frozenset[str] = frozenset(
    {
        "name",
        "metric_name",
        "short_name",
        "description",
        "unit",
        "units",
        "directorate",
        "domain",
        "notes",
        "note",
        "comment",
        "comments",
        "target",
        "lead",
        "exec_lead",
        "polarity",
        "frequency",
    }
)

_MEASURES: dict[str, tuple[str, bool]] = {
    "numerator": ("numerator", False),
    "num": ("numerator", False),
    "denominator": ("denominator", False),
    "den": ("denominator", False),
    "value": ("value", False),
    "val": ("value", False),
    "rate": ("value", False),
    "value (%)": ("value", True),
    "value %": ("value", True),
    "%": ("value", True),
    "percent": ("value", True),
    "percentage": ("value", True),
}

CELLS_SCHEMA: dict[str, pl.DataType] = {
    "_t": pl.Int32(),
    "row": pl.Int64(),
    "metric_id": pl.String(),
    "org_unit": pl.String(),
    "_period_text": pl.String(),
    "_cell_col": pl.String(),
    "provisional": pl.Boolean(),
    "_prov_bad": pl.Boolean(),
    "_prov_text": pl.String(),
    **{
        name: dtype
        for prefix in FIELDS.values()
        for name, dtype in (
            (f"{prefix}_n", pl.Float64()),
            (f"{prefix}_bad", pl.Boolean()),
            (f"{prefix}_pct", pl.Boolean()),
            (f"{prefix}_text", pl.String()),
            (f"{prefix}_row", pl.Int64()),
        )
    },
}


@dataclass
class TableLayout:
    """How one table was read: its layout and the header text of each field (for messages)."""

    table: Table
    layout: str = "long"
    headers: dict[str, str] = field(default_factory=dict)


def _text(expr: pl.Expr) -> pl.Expr:
    return expr.cast(pl.String).str.strip_chars().replace("", None)


def _period_as_text(series: pl.Series) -> pl.Series:
    if series.dtype == pl.Date:
        return series.dt.to_string("%Y-%m-%d")
    if isinstance(series.dtype, pl.Datetime):
        return series.dt.date().dt.to_string("%Y-%m-%d")
    return series.cast(pl.String).str.strip_chars().replace("", None)


def _problem(layout: TableLayout, code: str, message: str, **where: object) -> Problem:
    t = layout.table
    return Problem(code, message, file=t.label, sheet=t.sheet, **where)  # type: ignore[arg-type]


def _locate_columns(layout: TableLayout, problems: list[Problem]) -> dict[str, int]:
    """Find the known columns; report repeated ones. Returns field -> header position."""
    found: dict[str, int] = {}
    t = layout.table
    for position, header in enumerate(t.columns):
        name = normalise_header(header)
        key = _ALIASES.get(name)
        percent = False
        if key is None and _PERCENT_VALUE_HEADER.match(header.strip()):
            key, percent = "value", True
        if key is None:
            continue
        if key in found:
            problems.append(
                _problem(
                    layout,
                    ErrorCode.V_COLUMN,
                    f"column '{header}' repeats column "
                    f"'{t.columns[found[key]]}'; only the first is read",
                    row=t.first_row - 1,
                    column=header,
                )
            )
            continue
        found[key] = position
        if percent:
            found["_value_percent"] = position
        layout.headers[key] = header
    return found


def _numbers(series: pl.Series, prefix: str, percent_declared: bool) -> pl.DataFrame:
    parsed = parse_number_column(series)
    number = parsed["number"]
    percent = parsed["percent"]
    if percent_declared:
        # a header or measure that says "%" puts the whole column on a 0-100 scale; a cell
        # that also carries "%" has already been divided by 100
        number = pl.select(pl.when(percent).then(number).otherwise(number / 100.0)).to_series()
        percent = pl.repeat(True, len(series), eager=True)
    # the cell text is kept for messages; numeric columns (Parquet) need none, and casting
    # millions of floats to text would cost more than every check together
    text = (
        series
        if series.dtype == pl.String
        else (
            pl.repeat(None, len(series), dtype=pl.String, eager=True)
            if series.dtype.is_numeric()
            else series.cast(pl.String)
        )
    )
    return pl.DataFrame(
        {
            f"{prefix}_n": number,
            f"{prefix}_bad": parsed["bad"],
            f"{prefix}_pct": percent,
            f"{prefix}_text": text,
        }
    )


def _finish(frame: pl.DataFrame) -> pl.DataFrame:
    missing = [
        pl.lit(None, dtype=dtype).alias(name)
        for name, dtype in CELLS_SCHEMA.items()
        if name not in frame.columns
    ]
    return frame.with_columns(missing).select(
        [pl.col(name).cast(dtype) for name, dtype in CELLS_SCHEMA.items()]
    )


def _long_cells(layout: TableLayout, index: int, cols: dict[str, int]) -> pl.DataFrame:
    t = layout.table
    frame = t.frame.with_row_index("_i")
    # blank lines (every cell empty) are skipped, not reported; CSV reads empty cells as null
    blank = (
        pl.all_horizontal([pl.col(c).is_null() for c in t.frame.columns])
        if t.frame.columns
        else pl.lit(True)
    )
    if frame.select(blank.any()).item():
        frame = frame.filter(~blank)
    row = (pl.col("_i").cast(pl.Int64) + t.first_row).alias("row")
    base = frame.select(
        pl.lit(index, dtype=pl.Int32).alias("_t"),
        row,
        _text(pl.col(t.column_id(cols["metric_id"]))).alias("metric_id"),
        _text(pl.col(t.column_id(cols["org_unit"]))).alias("org_unit"),
        pl.lit(None, dtype=pl.String).alias("_cell_col"),
    )
    parts = [
        base,
        pl.DataFrame({"_period_text": _period_as_text(frame[t.column_id(cols["period"])])}),
    ]
    for name, prefix in FIELDS.items():
        if name in cols:
            declared = name == "value" and cols.get("_value_percent") == cols[name]
            parts.append(_numbers(frame[t.column_id(cols[name])], prefix, declared))
    if "provisional" in cols:
        series = frame[t.column_id(cols["provisional"])]
        flags = parse_bool_column(series)
        parts.append(
            pl.DataFrame(
                {
                    "provisional": flags["flag"],
                    "_prov_bad": flags["bad"],
                    "_prov_text": series
                    if series.dtype == pl.String
                    else pl.repeat(None, len(series), dtype=pl.String, eager=True),
                }
            )
        )
    out = pl.concat(parts, how="horizontal")
    out = out.with_columns([pl.col("row").alias(f"{prefix}_row") for prefix in FIELDS.values()])
    return _finish(out)


def _wide_cells(
    layout: TableLayout, index: int, cols: dict[str, int], problems: list[Problem]
) -> pl.DataFrame:
    t = layout.table
    period_cols: list[tuple[str, str, bool]] = []  # (frame column, header label, provisional)
    for position, header in enumerate(t.columns):
        if position in cols.values():
            continue
        label = header.strip()
        provisional = bool(_PROVISIONAL_SUFFIX.search(label))
        bare = _PROVISIONAL_SUFFIX.sub("", label)
        if label and parse_period_text(bare) is not None:
            period_cols.append((t.column_id(position), label, provisional))
            continue
        name = normalise_header(label)
        column_empty = (
            t.frame[t.column_id(position)]
            .cast(pl.String)
            .str.strip_chars()
            .replace("", None)
            .null_count()
            == t.frame.height
        )
        if (
            name in DESCRIPTIVE_COLUMNS
            or name.startswith(("#", "_"))
            or (not label and column_empty)
        ):
            continue
        problems.append(
            _problem(
                layout,
                ErrorCode.V_COLUMN,
                f"column '{label}' is neither a known column nor a period, so it is not read",
                row=t.first_row - 1,
                column=label or None,
                value=label,
                expected="a period such as 2024-04, Apr-24, Apr 2024 or an Excel date",
            )
        )
    if not period_cols:
        return _finish(pl.DataFrame())
    frame = t.frame.with_row_index("_i").with_columns(
        (pl.col("_i").cast(pl.Int64) + t.first_row).alias("row"),
        _text(pl.col(t.column_id(cols["metric_id"]))).alias("metric_id"),
        _text(pl.col(t.column_id(cols["org_unit"]))).alias("org_unit"),
        # a blank measure is a value: count metrics share a sheet with ratio metrics
        (
            _text(pl.col(t.column_id(cols["measure"]))).str.to_lowercase().fill_null("value")
            if "measure" in cols
            else pl.lit("value")
        ).alias("_measure"),
    )
    cell_columns = [c for c, _, _ in period_cols]
    frame = frame.filter(
        ~(
            pl.col("metric_id").is_null()
            & pl.col("org_unit").is_null()
            & pl.all_horizontal([_text(pl.col(c)).is_null() for c in cell_columns])
        )
    )
    measure_header = layout.headers.get("measure", "measure")
    known = frame["_measure"].is_in(list(_MEASURES))
    for r in frame.filter(~known).select("row", "_measure").iter_rows():
        problems.append(
            _problem(
                layout,
                ErrorCode.V_MEASURE,
                f"measure '{r[1]}' is not known; the row is not read",
                row=r[0],
                column=measure_header,
                value=r[1],
                expected="numerator, denominator, value or value (%)",
            )
        )
    frame = frame.filter(known).with_columns(
        pl.col("_measure").replace_strict({k: v[0] for k, v in _MEASURES.items()}).alias("_field"),
        pl.col("_measure")
        .replace_strict({k: v[1] for k, v in _MEASURES.items()})
        .alias("_declared"),
    )
    repeated = ~frame.select(
        pl.struct("metric_id", "org_unit", "_field").is_first_distinct()
    ).to_series()
    for r in frame.filter(repeated).select("row", "_measure", "metric_id", "org_unit").iter_rows():
        problems.append(
            _problem(
                layout,
                ErrorCode.V_MEASURE,
                f"a second '{r[1]}' row for metric '{r[2]}' and org unit '{r[3]}'; "
                "the row is not read",
                row=r[0],
                column=measure_header,
                value=r[1],
            )
        )
    frame = frame.filter(~repeated)
    labels = {c: label for c, label, _ in period_cols}
    provisional_of = {c: p for c, _, p in period_cols}
    long = (
        frame.select(["row", "metric_id", "org_unit", "_field", "_declared", *cell_columns])
        .with_columns([pl.col(c).cast(pl.String) for c in cell_columns])
        .unpivot(
            index=["row", "metric_id", "org_unit", "_field", "_declared"],
            on=cell_columns,
            variable_name="_c",
            value_name="_cell",
        )
    )
    long = long.filter(_text(pl.col("_cell")).is_not_null())
    pieces: list[pl.DataFrame] = []
    for name, prefix in FIELDS.items():
        part = long.filter(pl.col("_field") == name)
        if part.height == 0:
            continue
        declared = part["_declared"]
        numbers = _numbers(part["_cell"], prefix, False)
        if declared.any():
            numbers = numbers.with_columns(
                pl.when(declared & ~pl.col(f"{prefix}_pct"))
                .then(pl.col(f"{prefix}_n") / 100.0)
                .otherwise(pl.col(f"{prefix}_n"))
                .alias(f"{prefix}_n"),
                (pl.col(f"{prefix}_pct") | declared).alias(f"{prefix}_pct"),
            )
        pieces.append(
            pl.concat(
                [
                    part.select(
                        "metric_id", "org_unit", "_c", pl.col("row").alias(f"{prefix}_row")
                    ),
                    numbers,
                ],
                how="horizontal",
            )
        )
    if not pieces:
        return _finish(pl.DataFrame())
    joined = pieces[0]
    for piece in pieces[1:]:
        joined = joined.join(
            piece, on=["metric_id", "org_unit", "_c"], how="full", coalesce=True, nulls_equal=True
        )
    row_cols = [f"{p}_row" for p in FIELDS.values() if f"{p}_row" in joined.columns]
    joined = joined.with_columns(
        pl.lit(index, dtype=pl.Int32).alias("_t"),
        pl.min_horizontal(row_cols).alias("row"),
        pl.col("_c").replace_strict(labels, return_dtype=pl.String).alias("_cell_col"),
        pl.col("_c")
        .replace_strict(labels, return_dtype=pl.String)
        .str.replace(_PROVISIONAL_SUFFIX.pattern, "")
        .alias("_period_text"),
        pl.col("_c").replace_strict(provisional_of, return_dtype=pl.Boolean).alias("provisional"),
        pl.lit(False).alias("_prov_bad"),
    )
    # reading order (row, then column left to right) decides which of two repeats comes first
    return _finish(joined.sort(pl.col("row"), pl.col("_c").str.slice(1).cast(pl.Int32)))


def cells_from_table(
    table: Table, index: int, problems: list[Problem]
) -> tuple[pl.DataFrame, TableLayout]:
    """Read one table into the cells frame (empty when the table cannot be read).

    ``index`` is the table's position among all tables read (kept in the ``_t`` column);
    problems with the header (missing or repeated columns, unknown measures) are added to
    ``problems``.
    """
    layout = TableLayout(table)
    cols = _locate_columns(layout, problems)
    if "period" in cols:
        layout.layout = "long"
        missing = [c for c in ("metric_id", "org_unit") if c not in cols]
        if "value" not in cols and not ("numerator" in cols and "denominator" in cols):
            if "numerator" in cols:
                missing.append("denominator")
            elif "denominator" in cols:
                missing.append("numerator")
            else:
                missing.append("value")
    else:
        layout.layout = "wide"
        missing = [c for c in ("metric_id", "org_unit") if c not in cols]
        has_period = any(
            parse_period_text(_PROVISIONAL_SUFFIX.sub("", h.strip())) is not None
            for h in table.columns
        )
        if not has_period:
            missing.append("period")
    for name in missing:
        expected = {
            "period": (
                "a 'period' column (long layout) "
                "or one column per period such as 2024-04 (wide layout)"
            ),
            "value": "a 'value' column, or 'numerator' and 'denominator' columns",
        }.get(name, f"a '{name}' column")
        problems.append(
            _problem(
                layout,
                ErrorCode.V_MISSING_COLUMN,
                f"the header has no '{name}' column, so the "
                f"{'sheet' if table.sheet else 'file'} is not read",
                row=table.first_row - 1,
                column=name,
                expected=expected,
            )
        )
    if missing:
        return _finish(pl.DataFrame()), layout
    if layout.layout == "long":
        return _long_cells(layout, index, cols), layout
    return _wide_cells(layout, index, cols, problems), layout
