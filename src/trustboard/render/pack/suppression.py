"""Small-number suppression for public packs (domain.md §10.3, step 8).

National statistical publications show a value under 5 as ``*`` and round every other count
to the nearest 5, so that a small number cannot be recovered by subtraction [S37].  trustboard
applies the rule to the *data*, before any statistic, chart or sentence is made from it: the
SPC engine then works on the published figures only, and nothing downstream can reveal a
suppressed value.  Rates and percentages built from suppressed counts are suppressed with
their numerator.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from trustboard.domain import SuppressionRule

__all__ = [
    "SUPPRESSION_MARK",
    "SUPPRESSION_THRESHOLD",
    "SuppressedValue",
    "round_to_nearest_five",
    "suppress_series",
    "suppress_value",
]

#: Values strictly below this are never shown in a public output (national rule, [S37]).
SUPPRESSION_THRESHOLD: float = 5.0

#: What a reader sees in place of a suppressed value.
SUPPRESSION_MARK: str = "*"


@dataclass(frozen=True, slots=True)
class SuppressedValue:
    """A value as it may be published: ``value`` is ``None`` when it must not be shown."""

    value: float | None
    suppressed: bool


def round_to_nearest_five(value: float) -> float:
    """Round half away from zero to the nearest multiple of 5 (12.5 → 15; 7.5 → 10)."""
    # Python's round() is banker's rounding; the national rule rounds a half up, as people do.
    return math.copysign(math.floor(abs(value) / 5.0 + 0.5) * 5.0, value)


def suppress_value(
    value: float | None,
    rule: SuppressionRule,
    *,
    numerator: float | None = None,
) -> SuppressedValue:
    """Apply ``rule`` to one value.

    For a ratio metric pass the ``numerator``: the small-number test applies to the count of
    people or events behind the value, and a ratio is never rounded (only counts are).
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return SuppressedValue(None, False)
    if rule is SuppressionRule.NONE:
        return SuppressedValue(float(value), False)
    count = numerator if numerator is not None else value
    if count is not None and not math.isnan(count) and abs(count) < SUPPRESSION_THRESHOLD:
        return SuppressedValue(None, True)
    if rule is SuppressionRule.NATIONAL and numerator is None:
        return SuppressedValue(round_to_nearest_five(float(value)), False)
    return SuppressedValue(float(value), False)


def suppress_series(
    values: Sequence[float | None],
    rule: SuppressionRule,
    *,
    numerators: Sequence[float | None] | None = None,
) -> list[SuppressedValue]:
    """Apply ``rule`` to every value of a series (``numerators`` aligned with ``values``)."""
    if numerators is not None and len(numerators) != len(values):
        raise ValueError("numerators and values differ in length")
    return [
        suppress_value(v, rule, numerator=None if numerators is None else numerators[i])
        for i, v in enumerate(values)
    ]
