"""Values formatted by unit, for charts, tables and sentences.

Percent values are stored as fractions (0.853 is 85.3%, as :class:`trustboard.domain.Unit`
says); money is in thousands of pounds.  Negative numbers use the minus sign (U+2212), which
screen readers read as "minus".
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal

from trustboard.domain import Unit

__all__ = [
    "MISSING",
    "axis_title",
    "format_tick",
    "format_value",
    "nice_ticks",
]

#: What a missing value is shown as.
MISSING = "–"
_MINUS = "−"

_SUFFIX: dict[Unit, tuple[str, str]] = {
    # unit: (singular, plural) words written after the number by format_value
    Unit.DAYS: ("day", "days"),
    Unit.WEEKS: ("week", "weeks"),
    Unit.HOURS: ("hour", "hours"),
    Unit.WTE: ("WTE", "WTE"),
    Unit.RATE_PER_1000_OBD: ("per 1,000 bed days", "per 1,000 bed days"),
    Unit.RATE_PER_1000_CONTACTS: ("per 1,000 contacts", "per 1,000 contacts"),
    Unit.SCORE_0_10: ("out of 10", "out of 10"),
}

_DECIMALS: dict[Unit, int] = {
    Unit.PERCENT: 1,
    Unit.DAYS: 1,
    Unit.WEEKS: 1,
    Unit.HOURS: 1,
    Unit.WTE: 1,
    Unit.RATE_PER_1000_OBD: 2,
    Unit.RATE_PER_1000_CONTACTS: 2,
    Unit.SCORE_0_10: 1,
    Unit.RATIO: 2,
    Unit.GBP_000: 0,
}

_AXIS_TITLES: dict[Unit, str] = {
    Unit.PERCENT: "Percentage",
    Unit.COUNT: "Number",
    Unit.DAYS: "Days",
    Unit.WEEKS: "Weeks",
    Unit.HOURS: "Hours",
    Unit.WTE: "Whole-time equivalents",
    Unit.RATE_PER_1000_OBD: "Rate per 1,000 occupied bed days",
    Unit.RATE_PER_1000_CONTACTS: "Rate per 1,000 contacts",
    Unit.SCORE_0_10: "Score (0 to 10)",
    Unit.RATIO: "Ratio",
    Unit.GBP_000: "£ thousands",
}


def _unit(unit: Unit | str) -> Unit:
    return unit if isinstance(unit, Unit) else Unit(unit)


def _grouped(magnitude: float, decimals: int) -> str:
    # half-up rounding from the shortest decimal form, as people round (4.25 days -> 4.3),
    # not the half-even rounding of binary floats
    exact = Decimal(repr(float(magnitude))).quantize(Decimal(1).scaleb(-decimals), ROUND_HALF_UP)
    return f"{exact:,.{decimals}f}"


def _is_missing(value: float | None) -> bool:
    return value is None or not math.isfinite(value)


def format_value(
    value: float | None, unit: Unit | str, *, decimals: int | None = None, with_unit: bool = True
) -> str:
    """``value`` as a person reads it in a board paper: ``85.3%``, ``£1,234k``, ``4.2 days``.

    Counts show no decimals when whole or 100 and over, one decimal otherwise (a mean of
    counts).  ``decimals`` overrides the unit's usual number of decimals; ``with_unit=False``
    leaves out words after the number (``%`` and ``£...k`` stay: they are part of the number).
    Missing and non-finite values give ``–``.
    """
    if _is_missing(value):
        return MISSING
    assert value is not None
    kind = _unit(unit)
    magnitude = abs(value) * 100 if kind is Unit.PERCENT else abs(value)
    if decimals is None:
        if kind is Unit.COUNT:
            decimals = 0 if magnitude >= 100 or float(magnitude).is_integer() else 1
        else:
            decimals = _DECIMALS[kind]
    body = _grouped(magnitude, decimals)
    negative = value < 0 and float(body.replace(",", "")) != 0
    sign = _MINUS if negative else ""
    if kind is Unit.PERCENT:
        return f"{sign}{body}%"
    if kind is Unit.GBP_000:
        return f"{sign}£{body}k"
    text = f"{sign}{body}"
    if with_unit and kind in _SUFFIX:
        singular, plural = _SUFFIX[kind]
        text += " " + (singular if body == "1" else plural)
    return text


def axis_title(unit: Unit | str) -> str:
    """The y-axis title for ``unit`` (``Percentage``, ``£ thousands``, ``Days`` ...)."""
    return _AXIS_TITLES[_unit(unit)]


def nice_ticks(low: float, high: float, count: int = 5) -> list[float]:
    """Round tick values covering ``low``..``high``, about ``count`` of them (1-2-2.5-5 steps)."""
    if not (math.isfinite(low) and math.isfinite(high)):
        raise ValueError("tick range must be finite")
    if high < low:
        low, high = high, low
    if high == low:
        pad = abs(low) * 0.1 or 1.0
        low, high = low - pad, high + pad
    raw = (high - low) / max(count - 1, 1)
    power = 10.0 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw * 0.999999)
    first = math.floor(low / step + 1e-9)
    last = math.ceil(high / step - 1e-9)
    return [round(index * step, 12) for index in range(first, max(last, first + 1) + 1)]


def _step_decimals(step: float) -> int:
    if step <= 0:
        return 0
    decimals = 0
    while decimals < 6 and abs(step * 10**decimals - round(step * 10**decimals)) > 1e-6:
        decimals += 1
    return decimals


def format_tick(value: float, unit: Unit | str, ticks: Sequence[float]) -> str:
    """A y-axis tick label: as :func:`format_value` without words, decimals set by the step."""
    kind = _unit(unit)
    step = abs(ticks[1] - ticks[0]) if len(ticks) > 1 else 1.0
    scaled = step * 100 if kind is Unit.PERCENT else step
    return format_value(value, kind, decimals=_step_decimals(scaled), with_unit=False)
