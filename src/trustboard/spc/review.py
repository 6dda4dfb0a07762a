"""Checks that the chart still fits the data: stale limits and over-dispersed proportions.

Both read the ``points`` frame of a :class:`~trustboard.spc.SpcResult` (one call for many
series) and never change a computed limit, flag or icon: the NHSRplotthedots-exact results
stay as they are, and these checks say when an analyst should act on them.

* :func:`propose_rebases` finds series whose latest rebase group ends in a *sustained shift*:
  a run of at least the shift rule's length strictly on one side of the mean, at the end of
  the series.  Such limits describe the process as it was before the change.  Making Data
  Count's advice is to recalculate only when the change is sustained (a shift), explained
  (a known, intended change) and has enough points after it to compute new limits (12 or
  more, 15-20 better); the proposal therefore carries the run's start (the recalculation
  point), its length and whether it already has :data:`RECALCULATION_MIN_POINTS` points.  It
  is a proposal: the reason comes from the analyst who accepts it.
* :func:`dispersion_ratios` gives Laney's sigma-z ratio of a proportion chart: the spread of
  the points' z-scores from one point to the next (mean moving range / 1.128).  A p-chart
  assumes a ratio of 1; with very large denominators the ratio is often several times that,
  the limits collapse round the mean and most points are flagged.  Laney's p' chart (``pp``)
  scales the limits by the ratio; an XmR chart of the proportions is the other remedy.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

import polars as pl

from trustboard.spc.constants import D2, FIX_AFTER_MINIMUM, MR_SCREEN_MULTIPLIER

__all__ = [
    "OVERDISPERSION_RATIO",
    "RECALCULATION_MIN_POINTS",
    "dispersion_ratios",
    "propose_rebases",
    "trailing_side_run",
]

#: Points a recalculated group needs before its limits are more than trial limits (Making Data
#: Count: at least 12 points, 15-20 better; the same minimum as ``fix_after_n_points``).
RECALCULATION_MIN_POINTS: Final = FIX_AFTER_MINIMUM
#: Sigma-z ratio from which a p-chart's limits are reported as too narrow: at 2 the point-to-
#: point variation is twice what the binomial limits allow for, so they are half as wide as
#: the process warrants (Laney 2002 treats a ratio near 1 as a p-chart that fits).
OVERDISPERSION_RATIO: Final = 2.0


def trailing_side_run(
    values: Sequence[float | None], means: Sequence[float | None]
) -> tuple[int, int]:
    """Length and side of the run strictly on one side of the mean that ends at the last point.

    Side is ``1`` (above), ``-1`` (below) or ``0`` (no run: the last value is missing or on
    the mean).  A missing value or mean ends the run, as it does in the shift rule.
    """
    count, side = 0, 0
    for value, mean in zip(reversed(values), reversed(means), strict=True):
        if value is None or mean is None:
            break
        here = (value > mean) - (value < mean)
        if here == 0 or (side and here != side):
            break
        side = here
        count += 1
    return count, side


def propose_rebases(
    points: pl.DataFrame, *, by: Sequence[str] = (), shift_length: int
) -> pl.DataFrame:
    """Series whose latest limits predate a sustained shift, with the proposed rebase date.

    ``points`` is a result's points frame (``date``, ``value``, ``mean``, ``rebase_group`` and
    the ``by`` columns).  Returns one row per series with a run of at least ``shift_length``
    points strictly on one side of the mean at the end of its latest rebase group: the ``by``
    columns, ``proposed_at`` (the run's first date), ``side`` (``above``/``below``),
    ``run_length`` and ``enough_points`` (the run has at least
    :data:`RECALCULATION_MIN_POINTS` points, so new limits would not be trial limits).  A run
    that starts on the group's first point is not proposed: those limits already start there.
    """
    keys = list(by)
    schema: dict[str, pl.DataType] = {k: points.schema[k] for k in keys}
    schema |= {
        "proposed_at": points.schema["date"] if points.height else pl.Date(),
        "side": pl.String(),
        "run_length": pl.Int64(),
        "enough_points": pl.Boolean(),
    }
    if points.height == 0:
        return pl.DataFrame(schema=schema)
    part = [pl.col(k) for k in keys] if keys else [pl.lit(0)]
    sign = (
        pl.when(pl.col("value").is_null() | pl.col("mean").is_null())
        .then(None)
        .otherwise(
            (pl.col("value") > pl.col("mean")).cast(pl.Int8)
            - (pl.col("value") < pl.col("mean")).cast(pl.Int8)
        )
    )
    frame = (
        points.sort([*keys, "date"])
        .with_columns(pl.col("rebase_group").max().over(part).alias("_last_group"))
        .filter(pl.col("rebase_group") == pl.col("_last_group"))
        .with_columns(sign.alias("_sign"))
        # a missing value breaks a run: give it a sign of its own that never matches
        .with_columns(pl.col("_sign").fill_null(9).rle_id().over(part).alias("_run"))
        .with_columns(
            pl.col("_run").max().over(part).alias("_last_run"),
            pl.col("_run").min().over(part).alias("_first_run"),
        )
        .filter(pl.col("_run") == pl.col("_last_run"))
    )
    runs = frame.group_by(keys or pl.lit(0).alias("_one"), maintain_order=True).agg(
        pl.col("date").first().alias("proposed_at"),
        pl.col("_sign").first().alias("_side"),
        pl.len().cast(pl.Int64).alias("run_length"),
        (pl.col("_run").first() == pl.col("_first_run").first()).alias("_from_start"),
    )
    found = runs.filter(
        pl.col("_side").is_in([1, -1])
        & (pl.col("run_length") >= shift_length)
        & ~pl.col("_from_start")
    )
    return found.select(
        *keys,
        "proposed_at",
        pl.when(pl.col("_side") == 1)
        .then(pl.lit("above"))
        .otherwise(pl.lit("below"))
        .alias("side"),
        "run_length",
        (pl.col("run_length") >= RECALCULATION_MIN_POINTS).alias("enough_points"),
    )


def dispersion_ratios(points: pl.DataFrame, *, by: Sequence[str] = ()) -> pl.DataFrame:
    """Laney's sigma-z ratio of each series' latest rebase group of a proportion chart.

    ``points`` needs ``numerator``, ``denominator``, ``date`` and ``rebase_group`` (a p or p'
    chart's points carry them).  For each point z = (p - p̄) / √(p̄(1 - p̄) / n) with p̄ = Σnum /
    Σden over the group; the ratio is the mean moving range of consecutive z / 1.128, moving
    ranges of 3.267 x their mean or more screened out once (as the ``pp`` chart computes it
    with screening on).  Returns the ``by`` columns, ``ratio`` and ``points`` (used); series
    with fewer than two usable points are left out.
    """
    keys = list(by)
    part = [pl.col(k) for k in keys] if keys else [pl.lit(0)]
    usable = (
        pl.col("numerator").is_not_null()
        & pl.col("denominator").is_not_null()
        & (pl.col("denominator") > 0)
    )
    frame = (
        points.sort([*keys, "date"])
        .with_columns(pl.col("rebase_group").max().over(part).alias("_last_group"))
        .filter((pl.col("rebase_group") == pl.col("_last_group")) & usable)
        .with_columns(
            (pl.col("numerator").sum().over(part) / pl.col("denominator").sum().over(part)).alias(
                "_pbar"
            )
        )
        .with_columns(
            (
                (pl.col("numerator") / pl.col("denominator") - pl.col("_pbar"))
                / (pl.col("_pbar") * (1.0 - pl.col("_pbar")) / pl.col("denominator")).sqrt()
            ).alias("_z")
        )
        .with_columns(
            pl.col("_z").diff().abs().over(part).alias("_mr"),
            pl.len().over(part).alias("_points"),
        )
        .filter(pl.col("_mr").is_not_null() & pl.col("_mr").is_finite())
        .with_columns(pl.col("_mr").mean().over(part).alias("_mean_mr"))
        .filter(
            (pl.col("_mr") < MR_SCREEN_MULTIPLIER * pl.col("_mean_mr")) | (pl.col("_mean_mr") == 0)
        )
    )
    return (
        frame.group_by(keys or pl.lit(0).alias("_one"), maintain_order=True)
        .agg((pl.col("_mr").mean() / D2).alias("ratio"), pl.col("_points").first().alias("points"))
        .select(*keys, "ratio", pl.col("points").cast(pl.Int64))
    )
