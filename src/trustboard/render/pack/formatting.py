"""How numbers, dates and icon names read in a board pack.

Percent values are stored as fractions (0.85 is 85%, domain model); money is in £ thousands.
"""

from __future__ import annotations

import math
from datetime import date

from trustboard.domain import Unit

__all__ = [
    "ASSURANCE_LABELS",
    "NEGATIVE_SIGN",
    "VARIATION_LABELS",
    "format_date",
    "format_month",
    "format_value",
    "unit_label",
]

#: The sign of a negative figure: U+2212 MINUS SIGN, as the charts write it.
NEGATIVE_SIGN = "\u2212"

#: What each variation icon means, in words a board member reads (spc.md Part C.3).
VARIATION_LABELS: dict[str, str] = {
    "common_cause": "Common cause variation",
    "improvement_high": "Special cause improvement (high values)",
    "improvement_low": "Special cause improvement (low values)",
    "concern_high": "Special cause concern (high values)",
    "concern_low": "Special cause concern (low values)",
    "neutral_high": "Special cause, neither improvement nor concern (high values)",
    "neutral_low": "Special cause, neither improvement nor concern (low values)",
}

#: What each assurance icon means (spc.md Part C.3).
ASSURANCE_LABELS: dict[str, str] = {
    "pass": "Target consistently met",
    "fail": "Target consistently not met",
    "inconsistent": "Target met inconsistently (hit and miss)",
}

_UNIT_SUFFIX: dict[Unit, str] = {
    Unit.RATE_PER_1000_OBD: "per 1,000 occupied bed days",
    Unit.RATE_PER_1000_CONTACTS: "per 1,000 contacts",
    Unit.DAYS: "days",
    Unit.WEEKS: "weeks",
    Unit.HOURS: "hours",
    Unit.WTE: "WTE",
    Unit.SCORE_0_10: "score out of 10",
}


def _is_missing(value: float | None) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def format_value(value: float | None, unit: Unit | str, *, precise: bool = False) -> str:
    """``value`` as a reader sees it for ``unit`` (``–`` for a missing value).

    ``precise`` adds one decimal place (used for means and limits, which are rarely whole).
    """
    if _is_missing(value):
        return "–"
    assert value is not None
    kind = Unit(unit)
    if kind is Unit.PERCENT:
        return f"{value * 100:,.{2 if precise else 1}f}%"
    if kind is Unit.GBP_000:
        # one style for negative money everywhere (the charts use it too): a true minus sign
        # before the pound sign, and no sign on a figure that rounds to zero
        body = f"{abs(value):,.{1 if precise else 0}f}"
        sign = NEGATIVE_SIGN if value < 0 and float(body.replace(",", "")) != 0 else ""
        return f"{sign}£{body}k"
    if kind is Unit.COUNT:
        if not precise and float(value).is_integer():
            return f"{int(value):,}"
        return f"{value:,.1f}"
    if kind in (Unit.RATE_PER_1000_OBD, Unit.RATE_PER_1000_CONTACTS, Unit.RATIO):
        return f"{value:,.{3 if precise else 2}f}"
    return f"{value:,.{2 if precise else 1}f}"


def unit_label(unit: Unit | str) -> str:
    """A short phrase naming the unit, for chart axes and alt text (empty for percent/count)."""
    kind = Unit(unit)
    if kind is Unit.GBP_000:
        return "£ thousands"
    if kind is Unit.PERCENT:
        return "per cent"
    if kind is Unit.COUNT:
        return "count"
    if kind is Unit.RATIO:
        return "ratio"
    return _UNIT_SUFFIX.get(kind, "")


def format_month(day: date) -> str:
    """``Mar 2025``."""
    return day.strftime("%b %Y")


def format_date(day: date | None) -> str:
    """``3 March 2025`` (``–`` when there is no date)."""
    if day is None:
        return "–"
    return f"{day.day} {day.strftime('%B %Y')}"
