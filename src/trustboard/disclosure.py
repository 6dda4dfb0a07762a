"""The small-number rule for published figures, written once (domain.md §10.3 step 8, [S37]).

National statistical publications (NHS England's waiting-time statistics among them) show a
count under 5 as ``*`` and round every other count to the nearest 5, so that a small group of
patients cannot be identified, directly or by subtraction.  Board packs, waiting-time outputs
and the web app all publish through this module, so they cannot disagree.

The rule is about *counts*, and a count is a whole number that is not negative.  Rounding a
whole number to the nearest 5 never meets a tie (5 is odd, so ``n % 5`` is never 2.5), which is
why the rule needs no tie-breaking convention.  A value such as 12.5 is not a count: it is a
mean, a rate or a data error, and neither "half up" (15) nor "half to even" (10) would be a
faithful publication of it.  Such a value is refused with :attr:`ErrorCode.SUPPRESSION_NOT_A_COUNT`
rather than rounded, so a catalogue that asks for the rule on a metric that is not a count is
found at once instead of publishing an invented figure.

``national`` hides counts under 5 and rounds the others to the nearest 5; ``under_five`` hides
counts under 5 and shows the others exactly; ``none`` changes nothing.  For a ratio the test
applies to the count of people or events behind it (its numerator), and the ratio itself is
never rounded; a ratio whose numerator is unknown cannot be shown to be safe and is withheld.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import polars as pl

from trustboard.domain import SuppressionRule
from trustboard.errors import DataValidationError, ErrorCode, Problem

__all__ = [
    "ROUNDING_BASE",
    "SUPPRESSION_MARK",
    "SUPPRESSION_THRESHOLD",
    "SuppressedValue",
    "round_to_nearest_five",
    "suppress_count",
    "suppress_frame",
    "suppress_series",
    "suppress_value",
    "whole_count",
]

#: Counts strictly below this are never shown in a public output ([S37]).
SUPPRESSION_THRESHOLD: int = 5

#: Counts that are shown are rounded to a multiple of this under the national rule ([S37]).
ROUNDING_BASE: int = 5

#: What a reader sees in place of a suppressed value.
SUPPRESSION_MARK: str = "*"

_EXPECTED = "a count: a whole number that is not negative"


@dataclass(frozen=True, slots=True)
class SuppressedValue:
    """A value as it may be published: ``value`` is ``None`` when it must not be shown."""

    value: float | None
    suppressed: bool


def _not_a_count(value: object, label: str | None) -> DataValidationError:
    where = f" ({label})" if label else ""
    return DataValidationError(
        f"the small-number rule applies to counts, and {value!r}{where} is not one",
        [
            Problem(
                ErrorCode.SUPPRESSION_NOT_A_COUNT,
                "a value published under a small-number rule must be a count",
                column=label,
                value=value,
                expected=_EXPECTED,
            )
        ],
        code=ErrorCode.SUPPRESSION_NOT_A_COUNT,
        hint="set the metric's suppression to 'none', or give the rule the count behind the "
        "value (the numerator of a ratio)",
    )


def whole_count(value: float, *, label: str | None = None) -> int:
    """``value`` as a count, or :class:`DataValidationError` when it is not a whole number ≥ 0.

    ``label`` names the value in the error (for example ``"metric SAF12, 2025-03-01"``).
    """
    number = float(value)
    if not math.isfinite(number) or number < 0 or not number.is_integer():
        raise _not_a_count(value, label)
    return int(number)


def round_to_nearest_five(count: int) -> int:
    """A whole count rounded to the nearest multiple of 5 (12 → 10, 13 → 15, 8 → 10).

    A whole number is never half-way between multiples of 5, so no tie rule is needed;
    a value that is not a count is refused (see the module documentation).
    """
    whole = whole_count(count)
    return (whole + ROUNDING_BASE // 2) // ROUNDING_BASE * ROUNDING_BASE


def suppress_value(
    value: float | None,
    rule: SuppressionRule | str,
    *,
    numerator: float | None = None,
    ratio: bool = False,
    label: str | None = None,
) -> SuppressedValue:
    """Apply ``rule`` to one value.

    For a count, ``value`` is the count.  For a ratio pass ``ratio=True`` and its ``numerator``:
    the small-number test applies to the numerator, and the ratio is never rounded.  A missing
    value stays missing (and is not marked suppressed).
    """
    rule = SuppressionRule(rule)
    if value is None or math.isnan(value):
        return SuppressedValue(None, False)
    if rule is SuppressionRule.NONE:
        return SuppressedValue(float(value), False)
    if ratio or numerator is not None:
        if numerator is None or math.isnan(numerator):
            # nothing shows that the people behind this ratio are 5 or more
            return SuppressedValue(None, True)
        if whole_count(numerator, label=label) < SUPPRESSION_THRESHOLD:
            return SuppressedValue(None, True)
        return SuppressedValue(float(value), False)
    count = whole_count(value, label=label)
    if count < SUPPRESSION_THRESHOLD:
        return SuppressedValue(None, True)
    if rule is SuppressionRule.NATIONAL:
        return SuppressedValue(float(round_to_nearest_five(count)), False)
    return SuppressedValue(float(count), False)


def suppress_series(
    values: Sequence[float | None],
    rule: SuppressionRule | str,
    *,
    numerators: Sequence[float | None] | None = None,
) -> list[SuppressedValue]:
    """Apply ``rule`` to every value of a series (``numerators`` aligned with ``values``).

    With ``numerators`` every value is a ratio (see :func:`suppress_value`).
    """
    if numerators is not None and len(numerators) != len(values):
        raise ValueError("numerators and values differ in length")
    return [
        suppress_value(
            v,
            rule,
            numerator=None if numerators is None else numerators[i],
            ratio=numerators is not None,
        )
        for i, v in enumerate(values)
    ]


def suppress_count(
    value: float | None,
    rule: SuppressionRule | str = SuppressionRule.NATIONAL,
    *,
    label: str | None = None,
) -> str | None:
    """One count as published text: ``*`` under 5, else the count (rounded under ``national``).

    ``none`` leaves the count as it is; ``None`` stays ``None``.
    """
    rule = SuppressionRule(rule)
    if value is None:
        return None
    if rule is SuppressionRule.NONE:
        number = float(value)
        return str(int(number)) if number.is_integer() else str(number)
    shown = suppress_value(float(value), rule, label=label)
    return SUPPRESSION_MARK if shown.value is None else str(int(shown.value))


def _check_counts(frame: pl.DataFrame, column: str) -> None:
    """Refuse a count column holding anything but whole numbers ≥ 0 (nulls are allowed)."""
    col = pl.col(column)
    bad = col.is_not_null() & (col < 0)
    if not frame.schema[column].is_integer():
        bad = bad | (col.is_not_null() & (col.is_nan() | (col.round(0) != col)))
    found = frame.select(col.filter(bad).first()).item()
    if found is not None:
        raise _not_a_count(found, f"column {column}")


def _suppressed_expr(column: str, rule: SuppressionRule) -> pl.Expr:
    col = pl.col(column)
    if rule is SuppressionRule.NONE:
        return col.cast(pl.String)
    whole = col.cast(pl.Int64)
    shown = (
        whole
        if rule is SuppressionRule.UNDER_FIVE
        else (whole + ROUNDING_BASE // 2) // ROUNDING_BASE * ROUNDING_BASE
    )
    return (
        pl.when(col.is_null())
        .then(pl.lit(None, dtype=pl.String))
        .when(whole < SUPPRESSION_THRESHOLD)
        .then(pl.lit(SUPPRESSION_MARK))
        .otherwise(shown.cast(pl.String))
    )


def _groups_behind(frame: pl.DataFrame, column: str, denominator: str) -> list[str]:
    """The count columns whose smallness a derived ``column`` would disclose.

    A wait (``_days``) discloses its group: ``completed_count`` for a ``completed_`` column,
    else ``denominator``.  A share ``X_pct`` discloses its numerator ``X`` and its group: for
    ``P_within_T_pct`` the group of threshold ``T`` (``P_T_count``) where the frame has it,
    else ``P_count``, else ``denominator``.
    """
    if column.endswith("_days"):
        own = "completed_count" if column.startswith("completed_") else denominator
        return [g for g in (own, denominator) if g in frame.columns][:1]
    stem = column.removesuffix("_pct")
    prefix, _, token = stem.partition("_within_")
    groups = [f"{prefix}_{token}_count", f"{prefix}_count", denominator] if token else [denominator]
    present = [g for g in groups if g in frame.columns][:1]
    return ([stem] if stem in frame.columns else []) + present


def suppress_frame(
    frame: pl.DataFrame,
    *,
    count_columns: Sequence[str] | None = None,
    rule: SuppressionRule | str = SuppressionRule.NATIONAL,
    denominator: str = "open_count",
) -> pl.DataFrame:
    """A copy of ``frame`` for publication, each count as :func:`suppress_count` shows it.

    Count columns (by default the integer columns ending ``_count`` or starting ``open_over_``,
    ``open_band_``, ``open_within_``, ``completed_within_``, and not ending ``_pct``) become
    text.  A share (``X_pct``) is withheld (``*``) where its numerator ``X`` or its group's
    count is under 5, and a wait (``_days``: percentiles, medians) where its group's count is
    (see :func:`_groups_behind`), since either would disclose the small number: NHS England's
    own waiting-time publication withholds every proportion whose numerator it suppresses
    [S37].  Percentages are shown to one decimal place.
    """
    rule = SuppressionRule(rule)
    if count_columns is None:
        prefixes = ("open_over_", "open_band_", "open_within_", "completed_within_")
        count_columns = [
            c
            for c in frame.columns
            if not c.endswith("_pct")
            and (c.endswith("_count") or c.startswith(prefixes))
            and frame.schema[c].is_integer()
        ]
    if rule is not SuppressionRule.NONE:
        for column in count_columns:
            _check_counts(frame, column)
    derived = [c for c in frame.columns if c.endswith("_pct") or c.endswith("_days")]
    exprs = [_suppressed_expr(c, rule).alias(c) for c in count_columns]
    if rule is not SuppressionRule.NONE:
        for column in derived:
            small = [
                pl.col(c) < SUPPRESSION_THRESHOLD
                for c in _groups_behind(frame, column, denominator)
            ]
            if not small:
                continue
            value = pl.col(column)
            text = (
                value.round(1).cast(pl.String) if column.endswith("_pct") else value.cast(pl.String)
            )
            withheld = pl.any_horizontal(small).fill_null(False)
            exprs.append(
                pl.when(withheld).then(pl.lit(SUPPRESSION_MARK)).otherwise(text).alias(column)
            )
    return frame.with_columns(exprs)
