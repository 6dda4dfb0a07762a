"""The small interface every waiting-time engine implements.

An engine does the heavy, patient-level part: it validates and normalises the inputs, finds
each referral's clock stop and closure once, and reduces the referrals to exact *histograms*
(counts per group, priority, start day and month).  The histograms are small (bounded by
groups × days × months, not by patients) and are turned into measures by one shared
function (:mod:`trustboard.waits.finalise`), so every engine reports the same numbers and the
percentiles stay exact nearest-rank order statistics at any scale.

Histogram tables (Arrow), ``g`` standing for the ``by`` columns (all strings):

* ``open``: ``g, _priority, start_day, first_m, close_m, n`` — ``n`` referrals received on
  ``start_day`` (days since 1970-01-01) that are open at month ends ``first_m <= m < close_m``;
* ``completed``: ``g, _priority, m, wait_days, n`` — the standard's completed cohort;
* ``flows``: ``g, m, kind, reason, n`` — ``received``, ``clock_stop`` and ``removed`` (with the
  closure reason) per month;
* ``groups``: ``g`` — every group with a referral in scope.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Protocol

from trustboard.domain import month_end
from trustboard.errors import OptionsError
from trustboard.waits.mapping import ColumnMapping
from trustboard.waits.spec import Standard

__all__ = [
    "EPOCH",
    "Histograms",
    "MonthCalendar",
    "WaitsEngine",
    "WaitsInputs",
]

#: Day zero of the integer day numbers engines exchange.
EPOCH = date(1970, 1, 1)


@dataclass(frozen=True)
class MonthCalendar:
    """The month ends reported: ``period_ends[m]`` for ``m = 0 .. len - 1``."""

    period_ends: tuple[date, ...]

    @classmethod
    def between(cls, start: date, end: date) -> MonthCalendar:
        """Every month end from the month of ``start`` to the month of ``end``."""
        if end < start:
            raise OptionsError(f"the end ({end}) is before the start ({start})")
        ends = []
        year, month = start.year, start.month
        while (year, month) <= (end.year, end.month):
            ends.append(month_end(date(year, month, 1)))
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        if len(ends) > 600:
            raise OptionsError("at most 600 month ends can be reported in one run")
        return cls(tuple(ends))

    @property
    def months(self) -> int:
        """Number of month ends."""
        return len(self.period_ends)

    @property
    def base_month(self) -> int:
        """``year * 12 + month - 1`` of the first month (month numbers are relative to it)."""
        first = self.period_ends[0]
        return first.year * 12 + first.month - 1

    def day_numbers(self) -> list[int]:
        """Each month end as days since :data:`EPOCH`."""
        return [(d - EPOCH).days for d in self.period_ends]


@dataclass(frozen=True)
class WaitsInputs:
    """The patient-level inputs as given (paths, frames, relations) plus the column mapping."""

    referrals: Any
    contacts: Any
    events: Any = None
    mapping: ColumnMapping = field(default_factory=ColumnMapping)


@dataclass(frozen=True)
class Histograms:
    """One standard's histograms (pyarrow Tables), see the module docstring."""

    standard: Standard
    by: tuple[str, ...]
    open: Any
    completed: Any
    flows: Any
    groups: Any


class WaitsEngine(Protocol):
    """What an engine provides."""

    name: str

    def histograms(
        self,
        inputs: WaitsInputs,
        standards: Sequence[Standard],
        calendar: MonthCalendar,
        by: tuple[str, ...],
    ) -> dict[str, Histograms]:
        """Validate the inputs and reduce them to histograms, one set per standard."""
        ...
