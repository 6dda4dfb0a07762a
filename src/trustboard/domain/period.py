"""Reporting periods: weeks, months, quarters and years, with the NHS financial year.

A period is identified by its frequency and its first day.  Text forms are the ones analysts
type: ``2025-03`` (month), ``2025-W09`` (ISO week), ``2024-25 Q4`` or ``2025-Q1`` (quarter; the
first is the NHS financial-year form), and ``2024-25`` (financial year).
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from trustboard.errors import ErrorCode, OptionsError

__all__ = [
    "Frequency",
    "Period",
    "add_months",
    "financial_year_start",
    "month_end",
    "months_between",
]


class Frequency(StrEnum):
    """How often a metric is reported."""

    WEEKLY = "weekly"
    MONTHLY = "monthly"
    QUARTERLY = "quarterly"
    ANNUAL = "annual"


def month_end(day: date) -> date:
    """The last day of the month that contains ``day``."""
    return date(day.year, day.month, calendar.monthrange(day.year, day.month)[1])


def financial_year_start(day: date) -> date:
    """1 April of the NHS financial year that contains ``day``."""
    year = day.year if day.month >= 4 else day.year - 1
    return date(year, 4, 1)


def months_between(earlier: date, later: date) -> int:
    """Whole calendar months from the month of ``earlier`` to the month of ``later``.

    Days are ignored: 31 Jan to 1 Feb is 1; 1 Jan to 31 Jan is 0; negative when ``later`` is
    in an earlier month.  This and :func:`add_months` are the only month arithmetic in
    trustboard (waiting-time engines aside), so every caller counts months alike.
    """
    return (later.year - earlier.year) * 12 + (later.month - earlier.month)


def add_months(day: date, months: int) -> date:
    """``day`` moved by ``months`` calendar months (back when negative).

    The day of the month is kept, or is the month's last day when the month is shorter:
    31 Jan + 1 month is 28 Feb (29 in a leap year), as people count "a month later".
    """
    year, month0 = divmod(day.year * 12 + (day.month - 1) + months, 12)
    last = calendar.monthrange(year, month0 + 1)[1]
    return date(year, month0 + 1, min(day.day, last))


_MONTH = re.compile(r"^(\d{4})-(\d{2})(?:-01)?$")
_WEEK = re.compile(r"^(\d{4})-W(\d{2})$")
_FY_QUARTER = re.compile(r"^(\d{4})-(\d{2}) Q([1-4])$")
_CAL_QUARTER = re.compile(r"^(\d{4})-Q([1-4])$")
_FY = re.compile(r"^(\d{4})-(\d{2})$")


@dataclass(frozen=True, order=True, slots=True)
class Period:
    """One reporting period: ``start`` is its first day; ``frequency`` its length.

    Quarters and years follow the NHS financial year (April to March) unless created from a
    calendar form.  Periods order by start date.
    """

    start: date
    frequency: Frequency = Frequency.MONTHLY

    @property
    def end(self) -> date:
        """The last day of the period."""
        if self.frequency is Frequency.WEEKLY:
            return self.start + timedelta(days=6)
        if self.frequency is Frequency.MONTHLY:
            return month_end(self.start)
        if self.frequency is Frequency.QUARTERLY:
            return add_months(self.start, 3) - timedelta(days=1)
        return add_months(self.start, 12) - timedelta(days=1)

    def next(self) -> Period:
        """The period after this one."""
        return self.shift(1)

    def previous(self) -> Period:
        """The period before this one."""
        return self.shift(-1)

    def shift(self, steps: int) -> Period:
        """The period ``steps`` periods later (earlier if negative)."""
        if self.frequency is Frequency.WEEKLY:
            return Period(self.start + timedelta(weeks=steps), self.frequency)
        months = {Frequency.MONTHLY: 1, Frequency.QUARTERLY: 3, Frequency.ANNUAL: 12}[
            self.frequency
        ]
        return Period(add_months(self.start, steps * months), self.frequency)

    def label(self) -> str:
        """The canonical text form (``2025-03``, ``2025-W09``, ``2024-25 Q4``, ``2024-25``)."""
        s = self.start
        if self.frequency is Frequency.WEEKLY:
            iso = s.isocalendar()
            return f"{iso.year}-W{iso.week:02d}"
        if self.frequency is Frequency.MONTHLY:
            return f"{s.year}-{s.month:02d}"
        fy = financial_year_start(s)
        fy_label = f"{fy.year}-{(fy.year + 1) % 100:02d}"
        if self.frequency is Frequency.QUARTERLY:
            quarter = months_between(fy, s) // 3 + 1
            return f"{fy_label} Q{quarter}"
        return fy_label

    def display(self) -> str:
        """A label for people: ``Mar 2025``, ``w/c 24 Feb 2025``, ``2024-25 Q4``."""
        if self.frequency is Frequency.MONTHLY:
            return self.start.strftime("%b %Y")
        if self.frequency is Frequency.WEEKLY:
            return "w/c " + self.start.strftime("%-d %b %Y")
        return self.label()

    def __str__(self) -> str:
        return self.label()

    @classmethod
    def month(cls, year: int, month: int) -> Period:
        """The calendar month ``year``-``month``."""
        return cls(date(year, month, 1), Frequency.MONTHLY)

    @classmethod
    def containing(cls, day: date, frequency: Frequency | str = Frequency.MONTHLY) -> Period:
        """The period of ``frequency`` that contains ``day``."""
        freq = Frequency(frequency)
        if freq is Frequency.WEEKLY:
            return cls(day - timedelta(days=day.weekday()), freq)
        if freq is Frequency.MONTHLY:
            return cls(date(day.year, day.month, 1), freq)
        fy = financial_year_start(day)
        if freq is Frequency.ANNUAL:
            return cls(fy, freq)
        months = months_between(fy, day)
        return cls(add_months(fy, months - months % 3), freq)

    @classmethod
    def parse(cls, text: str | date, frequency: Frequency | str | None = None) -> Period:
        """Read a period from text (or a date, taken as the period that contains it).

        Raises :class:`OptionsError` with the accepted forms when ``text`` is not a period.
        """
        if isinstance(text, date):
            return cls.containing(text, frequency or Frequency.MONTHLY)
        raw = str(text).strip()
        freq = Frequency(frequency) if frequency else None
        if m := _MONTH.match(raw):
            year, month = int(m.group(1)), int(m.group(2))
            if 1 <= month <= 12:
                found = cls(date(year, month, 1), Frequency.MONTHLY)
                if freq is None or freq is Frequency.MONTHLY:
                    return found
                return cls.containing(found.start, freq)
            fy_start, fy_end = year, month
            if freq in (None, Frequency.ANNUAL) and (fy_start + 1) % 100 == fy_end:
                return cls(date(fy_start, 4, 1), Frequency.ANNUAL)
        if m := _WEEK.match(raw):
            try:
                start = date.fromisocalendar(int(m.group(1)), int(m.group(2)), 1)
            except ValueError:
                raise OptionsError(
                    f"'{raw}' is not a week: {m.group(1)} has no week {m.group(2)}",
                    code=ErrorCode.PERIOD,
                    hint="ISO weeks run from W01 to W52 (W53 in some years)",
                ) from None
            return cls(start, Frequency.WEEKLY)
        if m := _FY_QUARTER.match(raw):
            fy_year, quarter = int(m.group(1)), int(m.group(3))
            if (fy_year + 1) % 100 == int(m.group(2)):
                return cls(add_months(date(fy_year, 4, 1), 3 * (quarter - 1)), Frequency.QUARTERLY)
        if m := _CAL_QUARTER.match(raw):
            year, quarter = int(m.group(1)), int(m.group(2))
            return cls(date(year, 3 * (quarter - 1) + 1, 1), Frequency.QUARTERLY)
        if (m := _FY.match(raw)) and (int(m.group(1)) + 1) % 100 == int(m.group(2)):
            return cls(date(int(m.group(1)), 4, 1), Frequency.ANNUAL)
        try:
            day = date.fromisoformat(raw)
        except ValueError:
            raise OptionsError(
                f"'{raw}' is not a reporting period",
                code=ErrorCode.PERIOD,
                hint="use 2025-03 (month), 2025-W09 (week), 2024-25 Q4 (quarter) or 2024-25 (year)",
            ) from None
        return cls.containing(day, freq or Frequency.MONTHLY)
