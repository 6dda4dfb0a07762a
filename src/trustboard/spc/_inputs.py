"""Input checks and lookups for :func:`trustboard.spc.compute` (part of the Polars edge).

Every problem in the data is collected and reported at once, naming the 1-based data row
(the first data row is row 1), the column and the value.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import polars as pl

from trustboard.errors import ErrorCode, ProblemCollector
from trustboard.spc.options import SpcOptions

__all__ = [
    "OUTPUT_COLUMNS",
    "Prepared",
    "dated_lookup",
    "mapping_lookup",
    "prepare_frame",
    "series_keys",
]

Floats = npt.NDArray[np.float64]

#: Columns of ``SpcResult.points`` besides the series columns.
OUTPUT_COLUMNS: tuple[str, ...] = (
    "date",
    "value",
    "rebase_group",
    "mean",
    "lpl",
    "upl",
    "outside_limits",
    "close_to_limits",
    "relative_to_mean",
    "special_cause_flag",
    "special_cause_type",
    "point_type",
    "target",
    "trajectory",
    "short_group_warning",
    "numerator",
    "denominator",
)
_NESTED = (pl.List, pl.Array, pl.Struct, pl.Object)


@dataclass(frozen=True)
class Prepared:
    """The data sorted by series and date, with its arrays."""

    frame: pl.DataFrame
    by: list[str]
    values: Floats | None
    numerator: Floats | None
    denominator: Floats | None
    rebase_column: npt.NDArray[np.bool_] | None
    trajectory_column: Floats | None
    series_starts: npt.NDArray[np.int64]
    keep_times: bool

    def output_dates(self) -> pl.Series:
        """The ``date`` column of the output: a Date unless the input carried times of day."""
        day = self.frame.get_column("date")
        if day.dtype == pl.Date or self.keep_times:
            return day
        return day.dt.date()


def _add(
    collector: ProblemCollector,
    code: str,
    message: str,
    frame: pl.DataFrame,
    column: str,
    source: str,
    expected: str,
) -> None:
    for row, value in frame.select("_row", column).iter_rows():
        collector.add(code, message, row=row, column=source, value=value, expected=expected)


def prepare_frame(
    frame: pl.DataFrame,
    opts: SpcOptions,
    *,
    date: str,
    value: str | None,
    numerator: str | None,
    denominator: str | None,
    by: list[str],
) -> Prepared:
    """Check the columns and rows of ``frame`` against ``opts`` and sort it by series and date.

    Raises :class:`~trustboard.errors.DataValidationError` listing every problem found.
    """
    collector = ProblemCollector()
    schema = frame.schema
    roles: list[tuple[str, str]] = [("date", date)]
    roles += [("value", name) for name in (value,) if name is not None]
    roles += [("numerator", numerator)] if numerator is not None else []
    roles += [("denominator", denominator)] if denominator is not None else []
    roles += [("series", name) for name in by]
    rebase_name = opts.rebase if isinstance(opts.rebase, str) else None
    trajectory_name = opts.trajectory if isinstance(opts.trajectory, str) else None
    roles += [("rebase", rebase_name)] if rebase_name else []
    roles += [("trajectory", trajectory_name)] if trajectory_name else []
    for role, name in roles:
        if name not in schema:
            collector.add(
                ErrorCode.SPC_COLUMN_MISSING,
                f"the {role} column '{name}' is not in the data",
                column=name,
                expected="one of: " + ", ".join(frame.columns),
            )
    for name in by:
        if name in OUTPUT_COLUMNS or name.startswith("_"):
            collector.add(
                ErrorCode.SPC_COLUMN_NAME,
                f"series column '{name}' clashes with an output column",
                column=name,
                expected="a name other than " + ", ".join(OUTPUT_COLUMNS),
            )
        elif name in schema and isinstance(schema[name], _NESTED):
            collector.add(
                ErrorCode.SPC_COLUMN_TYPE,
                f"series column '{name}' holds nested values",
                column=name,
                value=str(schema[name]),
                expected="text or numbers",
            )
    if len(set(by)) != len(by) or date in by:
        collector.add(
            ErrorCode.SPC_COLUMN_NAME,
            "a column is used twice in by= or as the date",
            column=", ".join(by),
        )
    collector.raise_if_any("the data does not have the columns the SPC options need")

    for role, name in roles:
        dtype = schema[name]
        if role in ("value", "numerator", "denominator", "trajectory") and not dtype.is_numeric():
            collector.add(
                ErrorCode.SPC_COLUMN_TYPE,
                f"the {role} column '{name}' is not numeric",
                column=name,
                value=str(dtype),
                expected="numbers",
            )
        if role == "date" and not (dtype in (pl.Date, pl.String) or isinstance(dtype, pl.Datetime)):
            collector.add(
                ErrorCode.SPC_COLUMN_TYPE,
                f"the date column '{name}' does not hold dates",
                column=name,
                value=str(dtype),
                expected="Date or Datetime",
            )
        if role == "rebase" and not (dtype == pl.Boolean or dtype.is_integer()):
            collector.add(
                ErrorCode.SPC_COLUMN_TYPE,
                f"the rebase column '{name}' is not 0/1",
                column=name,
                value=str(dtype),
                expected="0/1 or true/false",
            )
    collector.raise_if_any("the data columns have the wrong types")

    date_type = schema[date]
    date_expr = pl.col(date)
    if date_type == pl.String:
        date_expr = date_expr.str.to_date(format="%Y-%m-%d", strict=False)
    selected: list[pl.Expr] = [
        pl.int_range(1, frame.height + 1, dtype=pl.Int64).alias("_row"),
        *(pl.col(name) for name in by),
        date_expr.alias("date"),
        pl.col(date).alias("_date_in"),
    ]
    for alias, source in (
        ("_value", value),
        ("_num", numerator),
        ("_den", denominator),
        ("_trajectory", trajectory_name),
    ):
        if source is not None:
            selected.append(pl.col(source).cast(pl.Float64).alias(alias))
    if rebase_name is not None:
        selected.append(pl.col(rebase_name).cast(pl.Int64).alias("_rebase"))
    work = frame.select(selected)

    _report_failing_rows(
        work, _row_checks(opts, by, date, value, numerator, denominator, rebase_name, collector)
    )
    collector.raise_if_any("the data cannot be charted")

    work, new_series, dup = _in_series_order(work, by)
    if dup.any():
        rows = np.flatnonzero(dup)
        involved = np.unique(np.concatenate([rows, rows - 1]))
        _add(
            collector,
            ErrorCode.SPC_DUPLICATE_DATE,
            "the date appears more than once in the same series",
            work[involved].with_columns(pl.col("date").cast(pl.String)),
            "date",
            date,
            "one row per series and date",
        )
    collector.raise_if_any("the data has duplicate dates")
    starts = np.flatnonzero(new_series).astype(np.int64)
    keep_times = isinstance(date_type, pl.Datetime) and bool(
        work.select((pl.col("date") != pl.col("date").dt.truncate("1d")).any()).item()
    )

    def array(name: str) -> Floats | None:
        if name not in work.columns:
            return None
        return np.ascontiguousarray(work.get_column(name).to_numpy(), dtype=np.float64)

    rebase_col = None
    if rebase_name is not None:
        rebase_col = work.get_column("_rebase").fill_null(0).to_numpy() == 1
    return Prepared(
        frame=work.drop([c for c in ("_date_in",) if c in work.columns]),
        by=by,
        values=array("_value"),
        numerator=array("_num"),
        denominator=array("_den"),
        rebase_column=rebase_col,
        trajectory_column=array("_trajectory"),
        series_starts=starts,
        keep_times=keep_times,
    )


@dataclass(frozen=True)
class _RowCheck:
    """One check on every row: the rows where ``failing`` holds are reported by ``report``."""

    failing: pl.Expr
    report: Callable[[pl.DataFrame], None]


def _report_failing_rows(work: pl.DataFrame, checks: list[_RowCheck]) -> None:
    """Report every row that breaks a check, in the order of the checks.

    Whether any row fails each check is found for all the checks in one ``select``; only the
    checks that some row fails are then run again to list their rows.
    """
    if not checks or work.height == 0:
        return
    failed = work.select(
        [check.failing.any().alias(f"_{i}") for i, check in enumerate(checks)]
    ).row(0)
    for check, any_failing in zip(checks, failed, strict=True):
        if any_failing:
            check.report(work.filter(check.failing))


def _row_checks(
    opts: SpcOptions,
    by: list[str],
    date: str,
    value: str | None,
    numerator: str | None,
    denominator: str | None,
    rebase_name: str | None,
    collector: ProblemCollector,
) -> list[_RowCheck]:
    """The row checks that apply to these options, each with how its failing rows are reported."""

    def rows(
        code: str,
        message: str,
        column: str,
        source: str,
        expected: str,
        shown: pl.Expr | None = None,
    ) -> Callable[[pl.DataFrame], None]:
        def report(failing: pl.DataFrame) -> None:
            _add(
                collector,
                code,
                message,
                failing if shown is None else failing.with_columns(shown),
                column,
                source,
                expected,
            )

        return report

    checks = [
        _RowCheck(
            pl.col("date").is_null(),
            rows(
                ErrorCode.SPC_DATE_MISSING,
                "the date is missing or not a date (yyyy-mm-dd)",
                "_date_in",
                date,
                "a date",
                shown=pl.col("_date_in").cast(pl.String),
            ),
        ),
    ]
    checks += [
        _RowCheck(
            pl.col(name).is_null(),
            rows(
                ErrorCode.SPC_SERIES_MISSING,
                f"the series column '{name}' is empty",
                name,
                name,
                "a series name",
            ),
        )
        for name in by
    ]
    sources: list[tuple[str, str | None]] = [
        ("_value", value),
        ("_num", numerator),
        ("_den", denominator),
    ]
    checks += [
        # |x| == inf means is_infinite(); in Polars 2.1 it takes about half the time.
        _RowCheck(
            pl.col(alias).abs() == float("inf"),
            rows(
                ErrorCode.SPC_VALUE_INFINITE,
                "the value is infinite",
                alias,
                source,
                "a finite number",
            ),
        )
        for alias, source in sources
        if source is not None
    ]
    chart = opts.chart
    counts: list[tuple[str, str | None]] = []
    if chart in ("p", "pp"):
        counts = [("_num", numerator), ("_den", denominator)]
    elif chart in ("u", "up"):
        counts = [("_num", numerator)]
    elif chart in ("c", "g", "t"):
        counts = [("_value", value)]
    for alias, count_name in counts:
        col = pl.col(alias)
        checks.append(
            _RowCheck(
                col < 0,
                rows(
                    ErrorCode.SPC_COUNT_NEGATIVE,
                    f"a {chart} chart needs counts of zero or more",
                    alias,
                    str(count_name),
                    "a number of zero or more",
                ),
            )
        )
        if chart in ("p", "pp", "u", "up", "c", "g"):
            checks.append(
                _RowCheck(
                    col.is_finite() & (col != col.round(0)),
                    rows(
                        ErrorCode.SPC_COUNT_NOT_WHOLE,
                        f"a {chart} chart needs whole-number counts",
                        alias,
                        str(count_name),
                        "a whole number",
                    ),
                )
            )
    if denominator is not None:
        den = pl.col("_den")
        checks.append(
            _RowCheck(
                den == 0,
                rows(
                    ErrorCode.SPC_DENOMINATOR_ZERO,
                    "the denominator is zero",
                    "_den",
                    denominator,
                    "a denominator above zero",
                ),
            )
        )
        if chart in ("u", "up", "xmr"):
            checks.append(
                _RowCheck(
                    den < 0,
                    rows(
                        ErrorCode.SPC_DENOMINATOR_NEGATIVE,
                        "the denominator is negative",
                        "_den",
                        denominator,
                        "a denominator above zero",
                    ),
                )
            )
    if chart in ("p", "pp") and numerator is not None:

        def exceeds(over: pl.DataFrame) -> None:
            for row, num, den in over.select("_row", "_num", "_den").iter_rows():
                collector.add(
                    ErrorCode.SPC_NUMERATOR_EXCEEDS,
                    "the numerator is larger than the denominator",
                    row=row,
                    column=numerator,
                    value=num,
                    expected=f"a numerator of at most the denominator ({den:g})",
                )

        checks.append(_RowCheck(pl.col("_num") > pl.col("_den"), exceeds))
    if rebase_name is not None:
        checks.append(
            _RowCheck(
                ~pl.col("_rebase").is_in([0, 1]) & pl.col("_rebase").is_not_null(),
                rows(
                    ErrorCode.SPC_REBASE_VALUE,
                    "the rebase flag is not 0 or 1",
                    "_rebase",
                    rebase_name,
                    "0 or 1",
                ),
            )
        )
    return checks


def _in_series_order(
    work: pl.DataFrame, by: list[str]
) -> tuple[pl.DataFrame, npt.NDArray[np.bool_], npt.NDArray[np.bool_]]:
    """``work`` sorted by series then date (stable), where each series starts, and duplicate dates.

    Returns the frame, a mask of the first row of every series, and a mask of the rows that
    repeat the series and date of the row before.  The sort is skipped when the rows are
    already in order, which is found from one comparison of each series column with the row
    before and a NumPy pass over the dates: the series keys at the series starts must increase
    strictly and the dates must not decrease within a series.  Rows with an equal series and
    date are left in their order, as a stable sort would leave them.
    """
    new_series, day = _series_starts_and_days(work, by)
    same = ~new_series[1:]
    later = day[1:]
    earlier = day[:-1]
    keys_in_order = True
    if by and work.height > 1:
        keys = work.select(by)[np.flatnonzero(new_series)]
        keys_in_order = _strictly_increasing(keys, by)
    if not keys_in_order or bool((same & (later < earlier)).any()):
        # ``_row`` (the input order) as the last key makes the order total, so the faster
        # unstable sort gives exactly what a stable sort by series and date would.
        work = work.sort([*by, "date", "_row"])
        new_series, day = _series_starts_and_days(work, by)
        same = ~new_series[1:]
        later = day[1:]
        earlier = day[:-1]
    dup = np.zeros(work.height, dtype=np.bool_)
    dup[1:] = same & (later == earlier)
    return work, new_series, dup


def _series_starts_and_days(
    work: pl.DataFrame, by: list[str]
) -> tuple[npt.NDArray[np.bool_], npt.NDArray[np.int64] | npt.NDArray[np.int32]]:
    """The first row of every series (a series column differs from the row before) and the
    dates as integers (their physical Polars values, which order as the dates do)."""
    height = work.height
    new_series = np.zeros(height, dtype=np.bool_)
    if height:
        new_series[0] = True
    if height > 1:
        for name in by:
            column = work.get_column(name)
            new_series[1:] |= (column.slice(1) != column.slice(0, height - 1)).to_numpy()
    day = work.get_column("date").to_physical().to_numpy()
    return new_series, day


def _strictly_increasing(keys: pl.DataFrame, by: list[str]) -> bool:
    """Whether every row of ``keys`` is above the row before, comparing ``by`` in turn."""
    in_order = pl.lit(False)
    for name in reversed(by):
        previous = pl.col(name).shift(1)
        in_order = (pl.col(name) > previous) | ((pl.col(name) == previous) & in_order)
    return bool(keys.select(in_order.slice(1).all()).item())


def series_keys(prepared: Prepared) -> set[Any]:
    """The series keys in the data: the by-value, or a tuple for several by columns."""
    if not prepared.by:
        return set()
    rows = prepared.frame[prepared.series_starts].select(prepared.by).rows()
    if len(prepared.by) == 1:
        return {row[0] for row in rows}
    return set(rows)


def _key_parts(key: Any, width: int) -> tuple[Any, ...] | None:
    parts = key if isinstance(key, tuple) else (key,)
    return parts if len(parts) == width else None


def mapping_lookup(
    prepared: Prepared,
    items: Sequence[tuple[Any, Any]],
    keys: set[Any],
    option: str,
    collector: ProblemCollector,
    *,
    with_date: bool,
) -> Floats | None:
    """Per-row values from ``(series key, value)`` pairs (or ``(series key, date)`` pairs).

    Keys that are not series in the data are problems.  With ``with_date`` the result is 1.0
    on rows whose series and date match a pair, NaN elsewhere.
    """
    by = prepared.by
    records: list[tuple[Any, ...]] = []
    for key, item in items:
        parts = _key_parts(key, len(by))
        single = parts[0] if parts is not None and len(by) == 1 else parts
        if parts is None or single not in keys:
            collector.add(
                ErrorCode[f"SPC_{option.upper()}_KEY"],
                f"{option} names a series that is not in the data",
                column=option,
                value=str(key),
                expected=f"a series key of {', '.join(by)} present in the data",
            )
            continue
        records.append((*parts, item if with_date else float(item)))
    if collector:
        return None
    schema = prepared.frame.schema
    names = [*by, "date" if with_date else "_found"]
    lookup = pl.DataFrame(records, schema=names, orient="row", strict=False)
    lookup = lookup.with_columns([pl.col(name).cast(schema[name], strict=False) for name in by])
    on = list(by)
    if with_date:
        lookup = lookup.with_columns(
            pl.col("date").cast(schema["date"]), pl.lit(1.0).alias("_found")
        )
        on.append("date")
    lookup = lookup.unique(subset=on, keep="first")
    found = prepared.frame.select(on).join(lookup, on=on, how="left", maintain_order="left")
    return np.asarray(found.get_column("_found").to_numpy(), dtype=np.float64)


def dated_lookup(
    prepared: Prepared,
    table: pl.DataFrame,
    column: str,
    keys: set[Any],
    collector: ProblemCollector,
) -> Floats | None:
    """Per-row values from a dated table: the row in force at each point's date.

    The table has a ``date`` or ``valid_from`` column, the value column (``target`` or
    ``trajectory``) and either every series column or none (then it applies to all series).
    """
    by = prepared.by
    label = f"the {column} table"
    day = (
        "date"
        if "date" in table.columns
        else "valid_from"
        if "valid_from" in table.columns
        else None
    )
    if day is None:
        collector.add(
            ErrorCode[f"SPC_{column.upper()}_TABLE"],
            f"{label} has no date or valid_from column",
            column=column,
            expected="a date or valid_from column",
        )
    if column not in table.columns:
        collector.add(
            ErrorCode[f"SPC_{column.upper()}_TABLE"],
            f"{label} has no '{column}' column",
            column=column,
            expected=f"a numeric '{column}' column",
        )
    elif not table.schema[column].is_numeric():
        collector.add(
            ErrorCode[f"SPC_{column.upper()}_TABLE"],
            f"{label} column '{column}' is not numeric",
            column=column,
            value=str(table.schema[column]),
            expected="numbers",
        )
    present = [name for name in by if name in table.columns]
    if present and len(present) != len(by):
        collector.add(
            ErrorCode[f"SPC_{column.upper()}_TABLE"],
            f"{label} has some series columns but not all",
            column=column,
            value=", ".join(present),
            expected="all of " + ", ".join(by),
        )
    if collector or day is None:
        return None
    on_by = list(by) if present else []
    schema = prepared.frame.schema
    right = table.select(
        *[pl.col(name).cast(schema[name], strict=False) for name in on_by],
        _as_date_type(pl.col(day), table.schema[day], schema["date"]).alias("date"),
        pl.col(column).cast(pl.Float64).alias("_found"),
    ).with_row_index("_table_row", offset=1)
    for row, value in (
        table.with_row_index("_r", offset=1)
        .filter(right.get_column("date").is_null())
        .select("_r", day)
        .iter_rows()
    ):
        collector.add(
            ErrorCode[f"SPC_{column.upper()}_TABLE"],
            f"{label} has a row without a valid date",
            row=row,
            column=day,
            value=str(value),
            expected="a date",
        )
    if on_by:
        for key_row in right.select(on_by).unique().rows():
            key = key_row[0] if len(on_by) == 1 else key_row
            if key not in keys:
                collector.add(
                    ErrorCode[f"SPC_{column.upper()}_KEY"],
                    f"{label} names a series that is not in the data",
                    column=column,
                    value=str(key),
                    expected="a series present in the data",
                )
    if right.select(pl.struct([*on_by, "date"]).is_duplicated().any()).item():
        collector.add(
            ErrorCode[f"SPC_{column.upper()}_TABLE"],
            f"{label} has two rows for the same series and date",
            column=column,
            expected="one row per series and date",
        )
    if collector:
        return None
    left = prepared.frame.select(*on_by, "date").with_row_index("_pos").sort("date")
    joined = left.join_asof(
        right.drop("_table_row").sort("date"),
        on="date",
        by=on_by or None,
        strategy="backward",
        check_sortedness=False,
    ).sort("_pos")
    return np.asarray(joined.get_column("_found").to_numpy(), dtype=np.float64)


def _as_date_type(expr: pl.Expr, source: pl.DataType, wanted: pl.DataType) -> pl.Expr:
    if source == pl.String:
        expr = expr.str.to_date(format="%Y-%m-%d", strict=False)
    return expr.cast(wanted, strict=False)
