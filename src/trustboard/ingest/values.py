"""Reading and validating metric values (``read_values``).

Every file is read into one cells frame (see :mod:`trustboard.ingest.values_layout`), then
every check runs over the whole frame at once as Polars expressions.  A :class:`Problem` is
built only for a failing row, and only for the first
:data:`~trustboard.ingest.report.MAX_PROBLEMS_PER_CODE` of each code; the rest are counted.
Six million rows validate in seconds.

The frame returned holds the rows that passed every check; an import goes ahead only when
``problems`` is empty (all or nothing).
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import polars as pl

from trustboard.domain import Frequency, MetricDefinition, Unit
from trustboard.domain.limits import current_limits
from trustboard.errors import DataValidationError, ErrorCode, Problem
from trustboard.ingest.cells import fit_period, parse_period_text
from trustboard.ingest.report import CappedProblems
from trustboard.ingest.tables import Table, file_problems, normalise_header, read_tables
from trustboard.ingest.values_layout import CELLS_SCHEMA, FIELDS, TableLayout, cells_from_table

__all__ = [
    "NOTE_SHEETS",
    "PERCENT_SCALE_LIMIT",
    "VALUES_SCHEMA",
    "VALUE_TOLERANCE_ABS",
    "VALUE_TOLERANCE_REL",
    "ValuesRead",
    "is_note_sheet",
    "read_values",
]

#: A percentage metric's value above this is taken to be on a 0-100 scale (85 for 85%).
#: Not 1.0: some percentages can pass 100% (bed occupancy counting patients on leave).
PERCENT_SCALE_LIMIT = 1.5

#: A given value agrees with numerator / denominator x multiplier when the difference is at
#: most ``VALUE_TOLERANCE_ABS + VALUE_TOLERANCE_REL * |computed|``: wide enough for figures
#: rounded to one decimal place of a percentage (0.0005) or to 0.5% of a rate.
VALUE_TOLERANCE_ABS = 0.0005
VALUE_TOLERANCE_REL = 0.005

#: No NHS figure can describe a period before the NHS began (5 July 1948); an earlier period
#: (0001-01-01, a year typed as 25) is a mistake, refused before it breaks charts and packs.
EARLIEST_PERIOD = date(1948, 7, 1)

#: Units whose values may be negative (a deficit, a variance against plan).
_SIGNED_UNITS = frozenset({Unit.GBP_000})

#: Columns and types of :attr:`ValuesRead.frame`.
VALUES_SCHEMA: dict[str, pl.DataType] = {
    "metric_id": pl.String(),
    "period_start": pl.Date(),
    "period_end": pl.Date(),
    "org_unit": pl.String(),
    "numerator": pl.Float64(),
    "denominator": pl.Float64(),
    "value": pl.Float64(),
    "provisional": pl.Boolean(),
    "source_file": pl.String(),
    "source_hash": pl.String(),
    "sheet": pl.String(),
    "row": pl.Int64(),
}


@dataclass
class ValuesRead:
    """What :func:`read_values` found.

    ``frame`` holds the rows that passed every check (columns :data:`VALUES_SCHEMA`);
    ``problems`` every problem found (at most ``MAX_PROBLEMS_PER_CODE`` per code, then one
    "and N more" line); ``counts`` the number of problems per code; ``files`` the SHA-256 of
    each file read, by the path as given.
    """

    frame: pl.DataFrame
    problems: list[Problem]
    counts: dict[str, int] = field(default_factory=dict)
    files: dict[str, str] = field(default_factory=dict)
    rows_read: int = 0

    @property
    def ok(self) -> bool:
        """Whether no problem was found (the values may be imported)."""
        return not self.problems


#: Sheets of a values workbook that are not read: notes, covers and lookups a workbook carries.
NOTE_SHEETS: frozenset[str] = frozenset(
    {
        "notes",
        "note",
        "readme",
        "read_me",
        "cover",
        "contents",
        "instructions",
        "guidance",
        "lookup",
        "lookups",
        "definitions",
    }
)


def is_note_sheet(table: Table) -> bool:
    """Whether a sheet is left out of a values import: hidden, named like a notes sheet, or
    named with a leading ``_`` or ``#``."""
    if table.sheet is None:
        return False
    name = normalise_header(table.sheet)
    return table.hidden or name in NOTE_SHEETS or table.sheet.startswith(("_", "#"))


def _catalogue_frame(catalogue: Mapping[str, MetricDefinition]) -> pl.DataFrame:
    rows = [
        (
            mid,
            str(m.frequency),
            str(m.unit),
            float(m.multiplier),
            m.unit is Unit.PERCENT,
            m.unit in _SIGNED_UNITS,
        )
        for mid, m in catalogue.items()
    ]
    return pl.DataFrame(
        rows,
        schema={
            "metric_id": pl.String,
            "_freq": pl.String,
            "_unit": pl.String,
            "_mult": pl.Float64,
            "_percent": pl.Boolean,
            "_signed": pl.Boolean,
        },
        orient="row",
    )


def _period_frame(cells: pl.LazyFrame) -> pl.DataFrame:
    """Read each distinct period text once per frequency: text and frequency -> start, end,
    why not."""
    pairs = cells.select("_period_text", "_freq").unique().collect()
    parsed_cache: dict[str, Any] = {}
    rows: list[tuple[str, str | None, date | None, date | None, str | None, bool]] = []
    for text, freq in pairs.iter_rows():
        if text is None:
            continue
        if text not in parsed_cache:
            parsed_cache[text] = parse_period_text(text)
        parsed = parsed_cache[text]
        if parsed is None:
            rows.append((text, freq, None, None, None, True))
            continue
        if freq is None:
            rows.append((text, freq, None, None, None, False))
            continue
        fitted = fit_period(parsed, _FREQUENCIES[freq])
        if isinstance(fitted, str):
            rows.append((text, freq, None, None, fitted, False))
        else:
            rows.append((text, freq, fitted.start, fitted.end, None, False))
    frame = pl.DataFrame(
        rows,
        schema={
            "_period_text": pl.String,
            "_freq": pl.String,
            "period_start": pl.Date,
            "period_end": pl.Date,
            "_period_why": pl.String,
            "_period_bad": pl.Boolean,
        },
        orient="row",
    )
    return frame


_FREQUENCIES: dict[str, Frequency] = {str(f): f for f in Frequency}


def _tolerance(computed: pl.Expr) -> pl.Expr:
    return VALUE_TOLERANCE_ABS + VALUE_TOLERANCE_REL * computed.abs()


def _checks(org_units: Collection[str], today: date) -> dict[str, pl.Expr]:
    """One boolean expression per check (true where the row fails), in reporting order."""
    known = pl.col("_freq").is_not_null()
    num, den, val = pl.col("_num_n"), pl.col("_den_n"), pl.col("_val_n")
    any_bad = pl.col("_num_bad") | pl.col("_den_bad") | pl.col("_val_bad")
    given_val = val.is_not_null()
    computed = num / den * pl.col("_mult")
    percent_scale_value = (
        known
        & given_val
        & (
            (pl.col("_percent") & ~pl.col("_val_pct") & (val > PERCENT_SCALE_LIMIT))
            | (~pl.col("_percent") & pl.col("_val_pct"))
        )
    )
    return {
        "empty_metric": pl.col("metric_id").is_null(),
        "empty_org": pl.col("org_unit").is_null(),
        "empty_period": pl.col("_period_text").is_null(),
        "empty_figures": ~any_bad & num.is_null() & den.is_null() & val.is_null(),
        "empty_numerator": ~any_bad & num.is_null() & den.is_not_null() & val.is_null(),
        "empty_denominator": ~any_bad & den.is_null() & num.is_not_null() & val.is_null(),
        "unknown_metric": pl.col("metric_id").is_not_null() & ~known,
        "unknown_org": pl.col("org_unit").is_not_null()
        & ~pl.col("org_unit").is_in(list(org_units)),
        "period": pl.col("_period_bad").fill_null(False),
        "frequency": pl.col("_period_why").is_not_null(),
        "future": pl.col("period_start") > pl.lit(today),
        "not_number_num": pl.col("_num_bad"),
        "not_number_den": pl.col("_den_bad"),
        "not_number_val": pl.col("_val_bad"),
        "bool": pl.col("_prov_bad"),
        "negative_num": num < 0,
        "negative_den": den < 0,
        "negative_val": known & (val < 0) & ~pl.col("_signed"),
        "zero_den": den == 0,
        "implausible_num": num.abs() > pl.lit(float(current_limits().max_magnitude)),
        "implausible_den": den.abs() > pl.lit(float(current_limits().max_magnitude)),
        "implausible_val": val.abs() > pl.lit(float(current_limits().max_magnitude)),
        "implausible_count": known
        & (pl.col("_unit") == str(Unit.COUNT))
        & given_val
        & ~percent_scale_value
        & (val != val.round(0)),
        "implausible_period": pl.col("period_start") < pl.lit(EARLIEST_PERIOD),
        "num_gt_den": known & pl.col("_percent") & (num > den) & (den > 0),
        "percent_scale_num": pl.col("_num_pct"),
        "percent_scale_den": pl.col("_den_pct"),
        "percent_scale_val": percent_scale_value,
        "mismatch": known
        & given_val
        & (den > 0)
        & num.is_not_null()
        & ~percent_scale_value
        & ((val - computed).abs() > _tolerance(computed)),
    }


#: check name -> (code, field whose cell is reported)
_CHECK_CODES: dict[str, tuple[str, str]] = {
    "empty_metric": (ErrorCode.V_EMPTY, "metric_id"),
    "empty_org": (ErrorCode.V_EMPTY, "org_unit"),
    "empty_period": (ErrorCode.V_EMPTY, "period"),
    "empty_figures": (ErrorCode.V_EMPTY, "value"),
    "empty_numerator": (ErrorCode.V_EMPTY, "numerator"),
    "empty_denominator": (ErrorCode.V_EMPTY, "denominator"),
    "unknown_metric": (ErrorCode.V_UNKNOWN_METRIC, "metric_id"),
    "unknown_org": (ErrorCode.V_UNKNOWN_ORG, "org_unit"),
    "period": (ErrorCode.V_PERIOD, "period"),
    "frequency": (ErrorCode.V_PERIOD_FREQUENCY, "period"),
    "future": (ErrorCode.V_FUTURE, "period"),
    "not_number_num": (ErrorCode.V_NOT_NUMBER, "numerator"),
    "not_number_den": (ErrorCode.V_NOT_NUMBER, "denominator"),
    "not_number_val": (ErrorCode.V_NOT_NUMBER, "value"),
    "bool": (ErrorCode.V_BOOL, "provisional"),
    "negative_num": (ErrorCode.V_NEGATIVE, "numerator"),
    "negative_den": (ErrorCode.V_NEGATIVE, "denominator"),
    "negative_val": (ErrorCode.V_NEGATIVE, "value"),
    "zero_den": (ErrorCode.V_ZERO_DEN, "denominator"),
    "implausible_num": (ErrorCode.V_IMPLAUSIBLE, "numerator"),
    "implausible_den": (ErrorCode.V_IMPLAUSIBLE, "denominator"),
    "implausible_val": (ErrorCode.V_IMPLAUSIBLE, "value"),
    "implausible_count": (ErrorCode.V_IMPLAUSIBLE, "value"),
    "implausible_period": (ErrorCode.V_IMPLAUSIBLE, "period"),
    "num_gt_den": (ErrorCode.V_NUM_GT_DEN, "numerator"),
    "percent_scale_num": (ErrorCode.V_PERCENT_SCALE, "numerator"),
    "percent_scale_den": (ErrorCode.V_PERCENT_SCALE, "denominator"),
    "percent_scale_val": (ErrorCode.V_PERCENT_SCALE, "value"),
    "mismatch": (ErrorCode.V_VALUE_MISMATCH, "value"),
    "duplicate": (ErrorCode.V_DUPLICATE, "metric_id"),
}


#: Checks about the row as a whole rather than one figure (reported once per wide-layout row).
_ROW_CHECKS = ("empty_metric", "empty_org", "unknown_metric", "unknown_org")


def _fmt(x: float | None) -> str:
    if x is None:
        return "blank"
    return f"{x:,.6g}"


class _Suggestions:
    """The closest catalogue id to an unknown one, worked out once per unknown id."""

    def __init__(self, ids: Iterable[str]) -> None:
        self.ids = list(ids)
        self.found: dict[str, str | None] = {}

    def __call__(self, unknown: str) -> str | None:
        if unknown not in self.found:
            close = difflib.get_close_matches(unknown, self.ids, n=1)
            self.found[unknown] = close[0] if close else None
        return self.found[unknown]


def _message(check: str, r: dict[str, Any], suggest: _Suggestions) -> tuple[str, Any, str | None]:
    """(message, value, expected) for one failing row."""
    metric, org, period = r["metric_id"], r["org_unit"], r["_period_text"]
    if check.startswith("empty_"):
        what = {
            "empty_metric": "the metric id is blank",
            "empty_org": "the org unit is blank",
            "empty_period": "the period is blank",
            "empty_figures": "there is no value, numerator or denominator",
            "empty_numerator": "a denominator is given without its numerator",
            "empty_denominator": "a numerator is given without its denominator",
        }[check]
        return what, None, None
    if check == "unknown_metric":
        close = suggest(metric)
        hint = f" (did you mean '{close}'?)" if close else ""
        return (
            f"metric '{metric}' is not in the catalogue{hint}",
            metric,
            "a metric id from the catalogue",
        )
    if check == "unknown_org":
        return (
            f"org unit '{org}' is not in the catalogue",
            org,
            "an org unit code from org_units.yaml",
        )
    if check == "period":
        return (
            f"'{period}' is not a reporting period",
            period,
            "2025-03, Mar-25, Mar 2025, 2025-W09, 2024-25 Q4, 2024-25 or a date",
        )
    if check == "frequency":
        return str(r["_period_why"]), period, f"a {r['_freq']} period"
    if check == "future":
        return (
            f"period {period} of metric '{metric}' starts after the import date",
            period,
            "a period that has begun",
        )
    if check.startswith("not_number_"):
        prefix = {"not_number_num": "_num", "not_number_den": "_den", "not_number_val": "_val"}[
            check
        ]
        name = {"_num": "numerator", "_den": "denominator", "_val": "value"}[prefix]
        text = r[f"{prefix}_text"]
        if isinstance(text, str) and re.search(r"\d[\s,]+\d", text.strip()):
            # 1,5 (a decimal comma?) or 1 2 (two numbers?): refused rather than guessed
            return (
                f"the {name} has a comma or a space that is not a thousands separator, "
                "so it cannot be read without guessing",
                text,
                "a decimal point (1.5) and commas only between groups of three digits (1,250)",
            )
        return (
            f"the {name} is not a number",
            text,
            "a number such as 1234, 1,234, 0.85 or 85%",
        )
    if check == "bool":
        return "provisional must be yes or no", r["_prov_text"], "yes/no, y/n, true/false or 1/0"
    if check.startswith("negative_"):
        prefix = {"negative_num": "_num", "negative_den": "_den", "negative_val": "_val"}[check]
        name = {"_num": "numerator", "_den": "denominator", "_val": "value"}[prefix]
        return (
            f"the {name} of metric '{metric}' is negative",
            r[f"{prefix}_text"] or r[f"{prefix}_n"],
            "zero or more",
        )
    if check in ("implausible_num", "implausible_den", "implausible_val"):
        prefix = "_" + check.rsplit("_", 1)[1]
        name = {"_num": "numerator", "_den": "denominator", "_val": "value"}[prefix]
        limit = current_limits().max_magnitude
        return (
            f"the {name} of metric '{metric}' is too large to be a real figure",
            r[f"{prefix}_text"] or r[f"{prefix}_n"],
            f"a figure no larger than {limit:,} either way (max_magnitude)",
        )
    if check == "implausible_count":
        return (
            f"metric '{metric}' is a count, and {_fmt(r['_val_n'])} is not a whole number",
            r["_val_text"] if r["_val_text"] is not None else r["_val_n"],
            "a whole number (0, 1, 2, ...)",
        )
    if check == "implausible_period":
        return (
            f"period {period} is before {EARLIEST_PERIOD:%B %Y}, when the NHS began",
            period,
            f"a period from {EARLIEST_PERIOD.isoformat()} on",
        )
    if check == "zero_den":
        return (
            f"the denominator of metric '{metric}' is zero, so no value can be worked out",
            r["_den_text"] or 0,
            "a denominator above zero",
        )
    if check == "num_gt_den":
        return (
            (
                f"the numerator ({_fmt(r['_num_n'])}) is larger than the denominator "
                f"({_fmt(r['_den_n'])}) of percentage metric '{metric}'"
            ),
            r["_num_text"] or r["_num_n"],
            "a numerator no larger than the denominator",
        )
    if check in ("percent_scale_num", "percent_scale_den"):
        name = "numerator" if check.endswith("num") else "denominator"
        text = r["_num_text"] if name == "numerator" else r["_den_text"]
        return f"the {name} is given as a percentage; it must be a count", text, "a plain number"
    if check == "percent_scale_val":
        text = r["_val_text"] if r["_val_text"] is not None else r["_val_n"]
        if r["_percent"]:
            return (
                (
                    f"metric '{metric}' is a percentage held as a fraction (0.85 for 85%); "
                    f"{_fmt(r['_val_n'])} looks like a figure on a 0-100 scale"
                ),
                text,
                "0.85, or 85% with the % sign (or a 'value (%)' column)",
            )
        return (
            (
                f"the value is given as a percentage, but metric '{metric}' is measured in "
                f"{r['_unit']}"
            ),
            text,
            "a plain number",
        )
    if check == "mismatch":
        computed = r["_num_n"] / r["_den_n"] * r["_mult"]
        mult = f" × {r['_mult']:g}" if r["_mult"] != 1 else ""
        return (
            (
                f"the value {_fmt(r['_val_n'])} disagrees with numerator ÷ denominator{mult} = "
                f"{_fmt(computed)}"
            ),
            r["_val_text"] if r["_val_text"] is not None else r["_val_n"],
            f"{computed:.6g} "
            f"(within {_fmt(VALUE_TOLERANCE_ABS + VALUE_TOLERANCE_REL * abs(computed))})",
        )
    raise KeyError(check)


def _column_label(check_field: str, layout: TableLayout, cell_col: str | None) -> str:
    if (
        layout.layout == "wide"
        and check_field in ("numerator", "denominator", "value", "period")
        and cell_col is not None
    ):
        return cell_col
    return layout.headers.get(check_field, check_field)


def _row_for(check_field: str, r: dict[str, Any]) -> int:
    prefix = FIELDS.get(check_field)
    if prefix and r.get(f"{prefix}_row") is not None:
        return int(r[f"{prefix}_row"])
    return int(r["row"])


def read_values(
    paths: str | Path | Iterable[str | Path],
    *,
    catalogue: Mapping[str, MetricDefinition],
    org_units: Collection[str],
    today: date,
) -> ValuesRead:
    """Read and validate metric values from CSV, Excel and Parquet files.

    ``catalogue`` maps metric id to definition (frequency, unit and multiplier are used);
    ``org_units`` are the known org unit codes; ``today`` is the import date (periods that
    start later are refused).  Every problem is reported with its file, sheet, row (as
    Excel numbers it; the header is row 1), column, value and a stable code
    (``docs/errors.md``).  The layouts are described in ``docs/imports.md``.
    """
    path_list = [paths] if isinstance(paths, (str, Path)) else list(paths)
    sink = CappedProblems()
    header_problems: list[Problem] = []
    layouts: list[TableLayout] = []
    pieces: list[pl.DataFrame] = []
    files: dict[str, str] = {}
    for path in path_list:
        try:
            tables = read_tables(path)
        except DataValidationError as exc:
            sink.extend(file_problems(exc, ErrorCode.V_FILE, path))
            continue
        files[str(path)] = tables[0].sha256
        for table in tables:
            if is_note_sheet(table):
                continue
            piece, layout = cells_from_table(table, len(layouts), header_problems)
            layouts.append(layout)
            pieces.append(piece)
    sink.extend(header_problems)
    cells = pl.concat(pieces, how="vertical") if pieces else pl.DataFrame(schema=CELLS_SCHEMA)
    rows_read = cells.height
    if rows_read == 0 and files and not sink.counts:
        # a header with nothing below it is an unexpected empty result, not an empty import
        for name in files:
            sink.add(
                Problem(
                    ErrorCode.V_EMPTY,
                    "no rows: the file has a header but no figures below it",
                    file=name,
                    expected="at least one row of figures",
                )
            )
    cat = _catalogue_frame(catalogue)
    lazy = (
        cells.lazy()
        .with_columns(
            pl.col("provisional").fill_null(False),
            pl.col("_prov_bad").fill_null(False),
            *[pl.col(f"{p}_{s}").fill_null(False) for p in FIELDS.values() for s in ("bad", "pct")],
        )
        .join(cat.lazy(), on="metric_id", how="left", maintain_order="left")
    )
    periods = _period_frame(lazy)
    lazy = lazy.join(
        periods.lazy(),
        on=["_period_text", "_freq"],
        how="left",
        nulls_equal=True,
        maintain_order="left",
    )
    checks = _checks(org_units, today)
    frame = lazy.with_columns(
        [expr.fill_null(False).alias(f"_x_{name}") for name, expr in checks.items()]
    ).collect()
    failing = pl.any_horizontal([pl.col(f"_x_{name}") for name in checks])
    # duplicates are judged among rows whose key is sound, first occurrence kept
    key_ok = (
        pl.col("period_start").is_not_null()
        & pl.col("metric_id").is_not_null()
        & pl.col("org_unit").is_not_null()
    )
    frame = frame.with_columns(
        (key_ok & ~pl.struct("metric_id", "period_start", "org_unit").is_first_distinct()).alias(
            "_x_duplicate"
        ),
    )
    suggest = _Suggestions(catalogue)
    reported = {name: pl.col(f"_x_{name}") for name in [*checks, "duplicate"]}
    if any(layout.layout == "wide" for layout in layouts):
        # a wide row holds many periods: an unknown or blank metric or org unit is one problem
        # of the row, not one per period cell
        for name in _ROW_CHECKS:
            flag = pl.col(f"_x_{name}")
            reported[name] = flag & (flag.cast(pl.Int32).cum_sum().over(["_t", "row"]) == 1)
    counts = frame.select([expr.sum().alias(name) for name, expr in reported.items()]).row(
        0, named=True
    )
    for name, count in counts.items():
        if not count:
            continue
        code, check_field = _CHECK_CODES[name]
        room = sink.room(code)
        hits = frame.filter(reported[name]).head(room) if room else frame.clear()
        if name == "duplicate":
            hits = _with_first_occurrence(hits, frame)
        for r in hits.iter_rows(named=True):
            layout = layouts[r["_t"]]
            if name == "duplicate":
                message, value, expected = _duplicate_message(r, layouts), r["metric_id"], None
            else:
                message, value, expected = _message(name, r, suggest)
            sink.add(
                Problem(
                    code,
                    message,
                    file=layout.table.label,
                    sheet=layout.table.sheet,
                    row=_row_for(check_field, r),
                    column=_column_label(check_field, layout, r["_cell_col"]),
                    value=value,
                    expected=expected,
                )
            )
        sink.count_more(code, count - hits.height)
    good = frame.filter(~failing & ~pl.col("_x_duplicate"))
    labels = {i: lay.table.label for i, lay in enumerate(layouts)}
    hashes = {i: lay.table.sha256 for i, lay in enumerate(layouts)}
    sheets = {i: lay.table.sheet for i, lay in enumerate(layouts)}
    out = (
        good.select(
            "metric_id",
            "period_start",
            "period_end",
            "org_unit",
            pl.col("_num_n").alias("numerator"),
            pl.col("_den_n").alias("denominator"),
            pl.when(pl.col("_val_n").is_not_null())
            .then(pl.col("_val_n"))
            .otherwise(pl.col("_num_n") / pl.col("_den_n") * pl.col("_mult"))
            .alias("value"),
            "provisional",
            pl.col("_t").replace_strict(labels, return_dtype=pl.String).alias("source_file"),
            pl.col("_t").replace_strict(hashes, return_dtype=pl.String).alias("source_hash"),
            pl.col("_t")
            .replace_strict(sheets, return_dtype=pl.String, default=None)
            .alias("sheet"),
            "row",
        )
        if good.height
        else pl.DataFrame(schema=VALUES_SCHEMA)
    )
    out = out.cast(VALUES_SCHEMA)  # type: ignore[arg-type]
    return ValuesRead(out, sink.problems(), sink.counts, files, rows_read)


_KEY = ["metric_id", "period_start", "org_unit"]


def _with_first_occurrence(hits: pl.DataFrame, frame: pl.DataFrame) -> pl.DataFrame:
    firsts = (
        frame.filter(pl.col("period_start").is_not_null() & ~pl.col("_x_duplicate"))
        .join(hits.select(_KEY).unique(), on=_KEY, how="semi")
        .group_by(_KEY)
        .agg(pl.col("_t").first().alias("_first_t"), pl.col("row").first().alias("_first_row"))
    )
    return hits.join(firsts, on=_KEY, how="left").sort("_t", "row")


def _duplicate_message(r: dict[str, Any], layouts: list[TableLayout]) -> str:
    where = ""
    if r.get("_first_t") is not None:
        table = layouts[r["_first_t"]].table
        same_file = table.label == layouts[r["_t"]].table.label
        parts = [] if same_file else [table.label]
        if table.sheet:
            parts.append(f"sheet '{table.sheet}'")
        parts.append(f"row {r['_first_row']}")
        where = " (first given at " + ", ".join(parts) + ")"
    return (
        f"metric '{r['metric_id']}', period {r['_period_text']}, org unit '{r['org_unit']}' "
        f"is given more than once{where}"
    )
