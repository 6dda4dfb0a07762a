"""Reading cells: numbers, yes/no flags and periods, as analysts type them.

Numbers and flags are read a whole column at a time with Polars expressions (no Python loop
per row).  Periods are read once per distinct text: a file of six million rows holds a few
dozen distinct periods.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime

import polars as pl

from trustboard.domain import Frequency, Period
from trustboard.errors import OptionsError

__all__ = [
    "FALSE_WORDS",
    "TRUE_WORDS",
    "ParsedPeriod",
    "fit_period",
    "parse_bool_column",
    "parse_number_column",
    "parse_period_text",
]

#: Words read as yes / no in a provisional column (compared in lower case; blank is no).
TRUE_WORDS: frozenset[str] = frozenset({"yes", "y", "true", "t", "1", "provisional", "p"})
FALSE_WORDS: frozenset[str] = frozenset({"no", "n", "false", "f", "0", "final", ""})


def _is_numeric(dtype: pl.DataType) -> bool:
    return dtype.is_numeric()


def parse_number_column(series: pl.Series) -> pl.DataFrame:
    """Read a column of numbers: returns ``number`` (f64), ``bad`` (bool), ``percent`` (bool).

    Text cells are read by one set of conventions (UK), and anything else is refused rather
    than guessed (documented in ``docs/imports.md``): a decimal point, never a decimal comma;
    commas only as thousands separators between groups of exactly three digits (``1,234`` and
    ``1,234,567.5``; ``1,5``, ``12,34`` and ``1.234,5`` are refused); no space or line break
    inside the digits (``1 2`` is refused); a leading sign, a pound sign, accounting brackets
    for negatives (``(1,234)``) and a ``%`` suffix; ``percent`` marks cells with the suffix,
    whose number is divided by 100 (``85%`` is 0.85).  Blank cells are null and not bad;
    ``bad`` marks cells that hold something other than a finite number.
    """
    if _is_numeric(series.dtype) or series.dtype == pl.Null:
        return pl.DataFrame({"n": series.cast(pl.Float64)}).select(
            pl.when(pl.col("n").is_finite()).then(pl.col("n")).alias("number"),
            (pl.col("n").is_not_null() & ~pl.col("n").is_finite()).alias("bad"),
            pl.repeat(False, pl.len()).alias("percent"),
        )
    text = series.cast(pl.String)
    number = text.cast(pl.Float64, strict=False)
    percent = pl.repeat(False, len(text), eager=True)
    # most cells are plain numbers and cast directly; only the rest go through the slower
    # reading of separators, signs and brackets
    failed = number.is_null() & text.is_not_null()
    if failed.any():
        where = failed.arg_true()
        cleaned = _clean_numbers(text.gather(where))
        number = number.scatter(where, cleaned["number"])
        percent = percent.scatter(where, cleaned["percent"])
        bad = pl.repeat(False, len(text), eager=True).scatter(where, cleaned["bad"])
    else:
        bad = pl.repeat(False, len(text), eager=True)
    infinite = number.is_not_null() & ~number.is_finite()
    if infinite.any():
        bad = bad | infinite
        number = pl.select(pl.when(infinite).then(None).otherwise(number)).to_series()
    return pl.DataFrame({"number": number, "bad": bad, "percent": percent})


#: A number as typed (after the surrounding spaces are stripped): brackets or a sign, a pound
#: sign, digits with commas only between groups of three, a decimal point, a % suffix.
_TYPED_NUMBER = (
    r"^(?<open>\()?(?<sign>[-+])?\s*£?\s*"
    r"(?<digits>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d*)?|\.\d+)"
    r"(?<pct>\s?%)?(?<close>\))?$"
)


def _clean_numbers(text: pl.Series) -> pl.DataFrame:
    return (
        pl.DataFrame({"t": text})
        .lazy()
        .with_columns(pl.col("t").str.strip_chars().replace("", None).alias("s"))
        .with_columns(pl.col("s").str.extract_groups(_TYPED_NUMBER).alias("g"))
        .with_columns(
            pl.col("g").struct.field("digits").alias("digits"),
            pl.col("g").struct.field("pct").is_not_null().alias("percent"),
            pl.col("g").struct.field("open").is_not_null().alias("open"),
            pl.col("g").struct.field("close").is_not_null().alias("close"),
            (pl.col("g").struct.field("sign") == "-").fill_null(False).alias("minus"),
            pl.col("g").struct.field("sign").is_not_null().alias("signed"),
        )
        .with_columns(
            pl.col("digits").str.replace_all(",", "").cast(pl.Float64, strict=False).alias("n"),
            # brackets come in pairs and stand for the sign; both together are ambiguous
            ((pl.col("open") != pl.col("close")) | (pl.col("open") & pl.col("signed"))).alias(
                "misformed"
            ),
        )
        .with_columns(
            (
                pl.col("s").is_not_null()
                & (
                    pl.col("n").is_null()
                    | ~pl.col("n").is_finite().fill_null(False)
                    | pl.col("misformed").fill_null(True)
                )
            ).alias("bad"),
        )
        .select(
            pl.when(pl.col("bad"))
            .then(None)
            .when(pl.col("open") | pl.col("minus"))
            .then(-pl.col("n"))
            .otherwise(pl.col("n"))
            .truediv(pl.when(pl.col("percent")).then(100.0).otherwise(1.0))
            .alias("number"),
            "bad",
            pl.col("percent").fill_null(False) & ~pl.col("bad"),
        )
        .collect()
    )


def parse_bool_column(series: pl.Series) -> pl.DataFrame:
    """Read a yes/no column: returns ``flag`` (bool, blank is False) and ``bad`` (bool)."""
    if series.dtype == pl.Boolean:
        return pl.DataFrame({"flag": series.fill_null(False), "bad": series.is_null() & False})
    if _is_numeric(series.dtype):
        number = series.cast(pl.Float64)
        bad = number.is_not_null() & ~number.is_in([0.0, 1.0])
        return pl.DataFrame({"flag": (number == 1.0).fill_null(False), "bad": bad})
    text = series.cast(pl.String).str.strip_chars().str.to_lowercase().fill_null("")
    is_true = text.is_in(list(TRUE_WORDS))
    is_false = text.is_in(list(FALSE_WORDS))
    return pl.DataFrame({"flag": is_true, "bad": ~(is_true | is_false)})


_MONTHS = {
    name: i + 1
    for i, name in enumerate(
        ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
    )
}
_FULL_MONTH_NAMES = frozenset(
    {
        "january",
        "february",
        "march",
        "april",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
        "sept",
    }
)
_MONTH_NAME = re.compile(r"^([A-Za-z]{3,9})\.?[\s\-/']*(\d{2}|\d{4})$")
_ISO_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?:[ T]00:00(?::00(?:\.0+)?)?)?$")
_UK_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")


@dataclass(frozen=True, slots=True)
class ParsedPeriod:
    """A cell read as a period: a period in its own frequency, or a calendar date."""

    period: Period | None = None
    day: date | None = None


def _month_from_name(text: str) -> Period | None:
    m = _MONTH_NAME.match(text)
    if not m:
        return None
    word = m.group(1).lower()
    month = _MONTHS.get(word[:3])
    if month is None or (len(word) > 3 and word not in _FULL_MONTH_NAMES):
        return None
    year = int(m.group(2))
    if year < 100:
        year += 2000
    return Period.month(year, month)


def parse_period_text(cell: object) -> ParsedPeriod | None:
    """Read one period cell; None when it is not a period.

    Accepted: ``2025-03``, ``Mar-25``, ``Mar 2025``, ``March 2025``, ``2025-W09``,
    ``2024-25 Q4``, ``2025-Q1``, ``2024-25``, and dates (``2025-03-01``, ``01/03/2025``,
    an Excel date cell) which are kept as dates and fitted to the metric's frequency later.
    """
    if isinstance(cell, datetime):
        return ParsedPeriod(day=cell.date())
    if isinstance(cell, date):
        return ParsedPeriod(day=cell)
    text = str(cell).strip() if cell is not None else ""
    if not text:
        return None
    if m := _ISO_DATE.match(text):
        try:
            return ParsedPeriod(day=date(int(m.group(1)), int(m.group(2)), int(m.group(3))))
        except ValueError:
            return None
    if m := _UK_DATE.match(text):
        # UK order (day/month/year), as Excel writes dates in an English (UK) locale
        try:
            return ParsedPeriod(day=date(int(m.group(3)), int(m.group(2)), int(m.group(1))))
        except ValueError:
            return None
    if named := _month_from_name(text):
        return ParsedPeriod(period=named)
    try:
        return ParsedPeriod(period=Period.parse(text))
    except (OptionsError, ValueError):
        return None


_FREQUENCY_WORDS = {
    Frequency.WEEKLY: "week",
    Frequency.MONTHLY: "month",
    Frequency.QUARTERLY: "quarter",
    Frequency.ANNUAL: "financial year",
}


def fit_period(parsed: ParsedPeriod, frequency: Frequency) -> Period | str:
    """The period of ``frequency`` that ``parsed`` names, or a sentence saying why it does not fit.

    A period written in its own form must be of the metric's frequency.  A date must be the
    first or the last day of a period of that frequency (extracts often carry the period
    end, e.g. 2025-03-31 for March).
    """
    if parsed.period is not None:
        if parsed.period.frequency is frequency:
            return parsed.period
        return (
            f"{parsed.period.label()} is a {_FREQUENCY_WORDS[parsed.period.frequency]}, "
            f"but the metric is reported by {_FREQUENCY_WORDS[frequency]}"
        )
    assert parsed.day is not None
    period = Period.containing(parsed.day, frequency)
    if parsed.day in (period.start, period.end):
        return period
    return (
        f"{parsed.day.isoformat()} is neither the first nor the last day of a "
        f"{_FREQUENCY_WORDS[frequency]} (the metric is reported by {_FREQUENCY_WORDS[frequency]})"
    )
