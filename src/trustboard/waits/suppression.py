"""Publication suppression of small numbers (domain.md §10.3 step 8, [S37]).

NHS England's published waiting-time statistics show counts under 5 as ``*`` and round
every other count to the nearest 5, so that small groups of patients cannot be identified.
Percentages and waits derived from suppressed counts are withheld too.
"""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

from trustboard.domain import SuppressionRule

__all__ = ["SUPPRESSED", "suppress_count", "suppress_frame"]

#: What a suppressed value is shown as.
SUPPRESSED = "*"


def suppress_count(
    value: int | None, rule: SuppressionRule | str = SuppressionRule.NATIONAL
) -> str | None:
    """One count as published: ``*`` under 5; rounded to the nearest 5 under ``national``.

    Rounding is half-up on whole numbers (12 → 10, 13 → 15, 7.5 does not arise for counts).
    ``none`` leaves the count as it is (as text).
    """
    rule = SuppressionRule(rule)
    if value is None:
        return None
    if rule is SuppressionRule.NONE:
        return str(int(value))
    if value < 5:
        return SUPPRESSED
    if rule is SuppressionRule.UNDER_FIVE:
        return str(int(value))
    return str(int((value + 2) // 5 * 5))


def _suppressed_expr(column: str, rule: SuppressionRule) -> pl.Expr:
    col = pl.col(column)
    if rule is SuppressionRule.NONE:
        return col.cast(pl.String)
    shown = col if rule is SuppressionRule.UNDER_FIVE else (col + 2) // 5 * 5
    return (
        pl.when(col.is_null())
        .then(pl.lit(None, dtype=pl.String))
        .when(col < 5)
        .then(pl.lit(SUPPRESSED))
        .otherwise(shown.cast(pl.Int64).cast(pl.String))
    )


def suppress_frame(
    frame: pl.DataFrame,
    *,
    count_columns: Sequence[str] | None = None,
    rule: SuppressionRule | str = SuppressionRule.NATIONAL,
    denominator: str = "open_count",
) -> pl.DataFrame:
    """A copy of ``frame`` for publication.

    Count columns (by default those ending ``_count`` or starting ``open_over_``,
    ``open_band_``, ``open_within_``, ``completed_within_`` and not ending ``_pct``) become
    text under :func:`suppress_count`.  Where the ``denominator`` count of a row is under 5 its
    percentages, percentiles and medians are withheld (``*``) as well, since they would
    disclose the small group.  Percentages are shown to one decimal place.
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
    derived = [c for c in frame.columns if c.endswith("_pct") or c.endswith("_days")]
    exprs = [_suppressed_expr(c, rule).alias(c) for c in count_columns]
    if rule is not SuppressionRule.NONE and denominator in frame.columns:
        for column in derived:
            den = denominator
            if column.startswith("completed_"):
                den = "completed_count" if "completed_count" in frame.columns else denominator
            value = pl.col(column)
            text = (
                value.round(1).cast(pl.String) if column.endswith("_pct") else value.cast(pl.String)
            )
            exprs.append(
                pl.when(pl.col(den) < 5).then(pl.lit(SUPPRESSED)).otherwise(text).alias(column)
            )
    return frame.with_columns(exprs)
