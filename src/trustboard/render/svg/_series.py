"""One SPC series read from the engine's output frame, checked, in date order."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

import polars as pl

from trustboard.domain import Polarity
from trustboard.errors import ErrorCode, OptionsError, ProblemCollector

__all__ = [
    "POINT_TYPES",
    "SpcSeries",
    "direction_phrase",
    "finite",
    "long_date",
    "normalise_direction",
    "read_series",
    "short_date",
]

POINT_TYPES: tuple[str, ...] = (
    "common_cause",
    "special_cause_improvement",
    "special_cause_concern",
    "special_cause_neutral_high",
    "special_cause_neutral_low",
)
_DIRECTIONS = ("increase", "decrease", "neutral")
# month abbreviations written out, so labels do not depend on the machine's locale
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


@dataclass(frozen=True, slots=True)
class SpcSeries:
    """The columns a chart needs, as plain lists (``None`` for missing numbers)."""

    dates: tuple[date, ...]
    values: tuple[float | None, ...]
    mean: tuple[float | None, ...]
    lpl: tuple[float | None, ...]
    upl: tuple[float | None, ...]
    point_type: tuple[str, ...]
    rebase_group: tuple[int, ...]
    target: tuple[float | None, ...]
    trajectory: tuple[float | None, ...]
    short_group: tuple[bool, ...]
    #: why the limits were recalculated, on the first point of each rebased group (else None)
    rebase_reason: tuple[str | None, ...] = ()

    def __len__(self) -> int:
        return len(self.dates)

    @property
    def weekly(self) -> bool:
        """Whether points are closer than about a month apart (labels then show the day)."""
        if len(self.dates) < 2:
            return False
        gaps = sorted((b - a).days for a, b in zip(self.dates, self.dates[1:], strict=False))
        return gaps[len(gaps) // 2] < 27

    def groups(self) -> list[range]:
        """Index ranges of consecutive points sharing a ``rebase_group``."""
        out: list[range] = []
        start = 0
        for index in range(1, len(self.dates) + 1):
            if index == len(self.dates) or self.rebase_group[index] != self.rebase_group[start]:
                out.append(range(start, index))
                start = index
        return out

    def latest_index(self) -> int | None:
        """Index of the latest point that has a value."""
        for index in range(len(self.values) - 1, -1, -1):
            if self.values[index] is not None:
                return index
        return None


def _floats(frame: pl.DataFrame, column: str) -> tuple[float | None, ...]:
    if column not in frame.columns:
        return (None,) * frame.height
    out: list[float | None] = []
    for value in frame.get_column(column).cast(pl.Float64, strict=False).to_list():
        out.append(None if value is None or not math.isfinite(value) else float(value))
    return tuple(out)


def read_series(points: pl.DataFrame, *, chart: str = "SPC chart") -> SpcSeries:
    """Check ``points`` (one series of SPC engine output) and read it in date order."""
    problems = ProblemCollector()
    for column in ("date", "value"):
        if column not in points.columns:
            problems.add(
                ErrorCode.CHART_COLUMN,
                f"the {chart} needs a '{column}' column",
                column=column,
                expected="the SPC engine's output columns",
            )
    if "date" in points.columns and points.schema["date"] not in (pl.Date, pl.Datetime):
        problems.add(
            ErrorCode.CHART_DATE_TYPE,
            "the date column is not a date",
            column="date",
            value=str(points.schema["date"]),
            expected="a Date column",
        )
    if points.height == 0:
        problems.add(
            ErrorCode.CHART_EMPTY,
            f"there are no points to draw in the {chart}",
            expected="at least one row",
        )
    if "point_type" in points.columns:
        unknown = sorted(
            set(points.get_column("point_type").drop_nulls().to_list()) - set(POINT_TYPES)
        )
        for value in unknown:
            problems.add(
                ErrorCode.CHART_POINT_TYPE,
                "unknown point type",
                column="point_type",
                value=value,
                expected=", ".join(POINT_TYPES),
            )
    problems.raise_if_any(f"cannot draw the {chart}")
    frame = points.sort("date")
    dates = tuple(
        d.date() if isinstance(d, datetime) else d for d in frame.get_column("date").to_list()
    )
    if len(set(dates)) != len(dates):
        problems.add(
            ErrorCode.CHART_DUPLICATE_DATE,
            "the same date appears more than once",
            column="date",
            expected="one series: one row per date",
        )
        problems.raise_if_any(f"cannot draw the {chart}")
    point_type = (
        tuple(t or "common_cause" for t in frame.get_column("point_type").to_list())
        if "point_type" in frame.columns
        else ("common_cause",) * frame.height
    )
    rebase = (
        tuple(int(g) if g is not None else 0 for g in frame.get_column("rebase_group").to_list())
        if "rebase_group" in frame.columns
        else (0,) * frame.height
    )
    short = (
        tuple(bool(s) for s in frame.get_column("short_group_warning").to_list())
        if "short_group_warning" in frame.columns
        else (False,) * frame.height
    )
    reasons = (
        tuple(
            None if r is None or not str(r).strip() else str(r).strip()
            for r in frame.get_column("rebase_reason").cast(pl.String).to_list()
        )
        if "rebase_reason" in frame.columns
        else (None,) * frame.height
    )
    return SpcSeries(
        rebase_reason=reasons,
        dates=dates,
        values=_floats(frame, "value"),
        mean=_floats(frame, "mean"),
        lpl=_floats(frame, "lpl"),
        upl=_floats(frame, "upl"),
        point_type=point_type,
        rebase_group=rebase,
        target=_floats(frame, "target"),
        trajectory=_floats(frame, "trajectory"),
        short_group=short,
    )


def normalise_direction(direction: str | Polarity) -> str:
    """``increase``, ``decrease`` or ``neutral`` from an improvement direction or a polarity."""
    if isinstance(direction, Polarity):
        return direction.improvement
    if direction in _DIRECTIONS:
        return direction
    polarities = {p.value: p.improvement for p in Polarity}
    if direction in polarities:
        return polarities[direction]
    raise OptionsError(
        f"improvement direction must be one of {', '.join(_DIRECTIONS)}, not {direction!r}"
    )


def direction_phrase(direction: str) -> str:
    """A reader's phrase for an improvement direction."""
    return {
        "increase": "Higher is better",
        "decrease": "Lower is better",
        "neutral": "Neither direction is better",
    }[direction]


def short_date(day: date, weekly: bool) -> str:
    """An axis label: ``Apr 24``, or ``07 Apr 24`` for weekly data."""
    month = f"{_MONTHS[day.month - 1]} {day.year % 100:02d}"
    return f"{day.day:02d} {month}" if weekly else month


def long_date(day: date, weekly: bool) -> str:
    """A date in a sentence or table: ``Apr 2024``, or ``7 Apr 2024`` for weekly data."""
    text = f"{_MONTHS[day.month - 1]} {day.year}"
    return f"{day.day} {text}" if weekly else text


def finite(values: Sequence[float | None]) -> list[float]:
    """The values that are present."""
    return [v for v in values if v is not None]
