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
* :func:`shift_keeps_assurance` says whether the assurance icon of such limits still holds:
  a "fail" (or "pass") whose limits lay wholly on one side of the target stays when the shift
  moved the process further from the target, and is withheld when the shift moved toward or
  across it.
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
    "shift_keeps_assurance",
    "shift_keeps_assurance_expr",
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


def shift_keeps_assurance(
    icon: str | None, side: str, mean: float | None, target: float | None
) -> bool:
    """Whether an assurance icon from limits that predate a sustained shift still holds.

    ``side`` is the shift's side of the old mean (``above`` or ``below``).  A "fail" says the
    old limits lie wholly on the failing side of the target, a "pass" wholly on the passing
    side.  A shift *away* from the target (to the side of the mean opposite the target) moves
    the process further into the region that gave that conclusion, so it still holds: a 92.3%
    day fill rate below a 95% target whose upper limit was 94.4% has moved further from
    meeting it.  A shift *toward* the target may have brought the process to meet it (or, for
    a pass, to miss it), which limits of the old process cannot say: withheld.  A "hit and
    miss" rests on the target lying inside the limits, and a shift either way moves them
    across it: always withheld.  False without a mean or target.
    """
    if icon not in ("fail", "pass") or mean is None or target is None or target == mean:
        return False
    if side not in ("above", "below"):
        raise ValueError(f"unknown side {side!r}")
    toward = target > mean if side == "above" else target < mean
    return not toward


def shift_keeps_assurance_expr(
    icon: str = "assurance_icon", side: str = "side", mean: str = "mean", target: str = "target"
) -> pl.Expr:
    """:func:`shift_keeps_assurance` over columns (null side: no shift, so nothing to keep)."""
    away = (
        pl.when(pl.col(side) == "above")
        .then(pl.col(target) < pl.col(mean))
        .when(pl.col(side) == "below")
        .then(pl.col(target) > pl.col(mean))
        .otherwise(False)
    )
    return (pl.col(icon).is_in(["fail", "pass"]) & away).fill_null(False)


def propose_rebases(
    points: pl.DataFrame,
    *,
    by: Sequence[str] = (),
    shift_length: int,
    interventions: pl.DataFrame | None = None,
    rare_events: bool = False,
) -> pl.DataFrame:
    """Series whose latest limits predate a sustained shift, with the proposed rebase date.

    ``points`` is a result's points frame (``date``, ``value``, ``mean``, ``rebase_group`` and
    the ``by`` columns).  Returns one row per series with a run of at least ``shift_length``
    points strictly on one side of the mean at the end of its latest rebase group: the ``by``
    columns, ``proposed_at``, ``side`` (``above``/``below``), ``run_length``, ``enough_points``
    (the run has at least :data:`RECALCULATION_MIN_POINTS` points, so new limits would not be
    trial limits), ``basis`` and ``intervention``.  A run that starts on the group's first
    point is not proposed: those limits already start there.  With ``rare_events`` (a c-chart
    of rare events) a run of periods that are all 0 is not proposed either: below a small mean
    an empty period is the usual result, not a new process.

    ``proposed_at`` is the run's first date (``basis`` ``shift``), unless ``interventions``
    records a change that explains the run: a table with ``date``, optionally ``label`` and
    any of the ``by`` columns (a missing one applies to every series).  An intervention dated
    after the point ``shift_length`` points before the run's start and no later than the start
    is taken as the start of the change: ``proposed_at`` is the first point on or after it
    (``basis`` ``intervention``, ``intervention`` its label); the latest such one wins.
    """
    keys = list(by)
    schema: dict[str, pl.DataType] = {k: points.schema[k] for k in keys}
    schema |= {
        "proposed_at": points.schema["date"] if points.height else pl.Date(),
        "side": pl.String(),
        "run_length": pl.Int64(),
        "enough_points": pl.Boolean(),
        "basis": pl.String(),
        "intervention": pl.String(),
    }
    if points.height == 0:
        return pl.DataFrame(schema=schema)
    ks = keys or ["_one"]
    sign = (
        pl.when(pl.col("value").is_null() | pl.col("mean").is_null())
        .then(None)
        .otherwise(
            (pl.col("value") > pl.col("mean")).cast(pl.Int8)
            - (pl.col("value") < pl.col("mean")).cast(pl.Int8)
        )
    )
    latest = (
        points.with_columns(pl.lit(0).alias("_one"))
        .sort([*ks, "date"])
        .with_columns(pl.col("rebase_group").max().over(ks).alias("_last_group"))
        .filter(pl.col("rebase_group") == pl.col("_last_group"))
        .with_columns(sign.alias("_sign"), pl.int_range(pl.len()).over(ks).alias("_i"))
    )
    frame = (
        # a missing value breaks a run: give it a sign of its own that never matches
        latest.with_columns(pl.col("_sign").fill_null(9).rle_id().over(ks).alias("_run"))
        .with_columns(
            pl.col("_run").max().over(ks).alias("_last_run"),
            pl.col("_run").min().over(ks).alias("_first_run"),
        )
        .filter(pl.col("_run") == pl.col("_last_run"))
    )
    runs = frame.group_by(ks, maintain_order=True).agg(
        pl.col("date").first().alias("proposed_at"),
        pl.col("_i").first().alias("_start"),
        pl.col("_sign").first().alias("_side"),
        pl.len().cast(pl.Int64).alias("run_length"),
        (pl.col("_run").first() == pl.col("_first_run").first()).alias("_from_start"),
        (pl.col("value") == 0).all().alias("_all_zero"),
    )
    found = runs.filter(
        pl.col("_side").is_in([1, -1])
        & (pl.col("run_length") >= shift_length)
        & ~pl.col("_from_start")
        & ~(pl.col("_all_zero") & rare_events)
    ).with_columns(
        pl.lit("shift").alias("basis"), pl.lit(None, dtype=pl.String).alias("intervention")
    )
    if interventions is not None and interventions.height and found.height:
        found = _explained_by(found, latest, interventions, ks, shift_length)
    return found.select(
        *keys,
        "proposed_at",
        pl.when(pl.col("_side") == 1)
        .then(pl.lit("above"))
        .otherwise(pl.lit("below"))
        .alias("side"),
        "run_length",
        (pl.col("run_length") >= RECALCULATION_MIN_POINTS).alias("enough_points"),
        "basis",
        "intervention",
    )


def _explained_by(
    found: pl.DataFrame,
    latest: pl.DataFrame,
    interventions: pl.DataFrame,
    ks: list[str],
    shift_length: int,
) -> pl.DataFrame:
    """Move each proposal to the latest intervention that began the run (see above)."""
    dates = latest.select(*ks, "date", "_i")
    window = (
        found.select(*ks, (pl.col("_start") - shift_length).alias("_i"))
        .join(dates, on=[*ks, "_i"], how="left")
        .rename({"date": "_after"})
        .drop("_i")
    )
    group_start = dates.group_by(ks).agg(pl.col("date").min().alias("_group_start"))
    shared = [k for k in ks if k in interventions.columns]
    table = interventions.select(
        *shared,
        pl.col("date").cast(latest.schema["date"]).alias("_at"),
        (pl.col("label") if "label" in interventions.columns else pl.lit(None))
        .cast(pl.String)
        .alias("_label"),
    )
    base = found.select(*ks, "proposed_at").join(window, on=ks).join(group_start, on=ks)
    candidates = (
        base.join(table, on=shared, how="inner") if shared else base.join(table, how="cross")
    )
    chosen = (
        candidates.filter(
            (pl.col("_at") <= pl.col("proposed_at"))
            & pl.when(pl.col("_after").is_null())
            .then(pl.col("_at") >= pl.col("_group_start"))
            .otherwise(pl.col("_at") > pl.col("_after"))
        )
        .sort([*ks, "_at"])
        .group_by(ks, maintain_order=True)
        .agg(pl.col("_at").last(), pl.col("_label").last())
    )
    if chosen.height == 0:
        return found
    # the first point on or after the intervention: a rebase date must be a point's date
    starts = (
        chosen.join(dates.select(*ks, pl.col("date").alias("_point")), on=ks)
        .filter(pl.col("_point") >= pl.col("_at"))
        .group_by(ks)
        .agg(pl.col("_point").min(), pl.col("_label").first())
    )
    return (
        found.join(starts.select(*ks, "_point", "_label"), on=ks, how="left")
        .with_columns(
            pl.coalesce("_point", "proposed_at").alias("proposed_at"),
            pl.when(pl.col("_point").is_not_null())
            .then(pl.lit("intervention"))
            .otherwise(pl.col("basis"))
            .alias("basis"),
            pl.when(pl.col("_point").is_not_null())
            .then(pl.col("_label"))
            .otherwise(pl.col("intervention"))
            .alias("intervention"),
        )
        .drop("_point", "_label")
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
    ks = keys or ["_one"]
    part = [pl.col(k) for k in ks]
    usable = (
        pl.col("numerator").is_not_null()
        & pl.col("denominator").is_not_null()
        & (pl.col("denominator") > 0)
    )
    frame = (
        points.with_columns(pl.lit(0).alias("_one"))
        .sort([*ks, "date"])
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
        frame.group_by(ks, maintain_order=True)
        .agg((pl.col("_mr").mean() / D2).alias("ratio"), pl.col("_points").first().alias("points"))
        .select(*keys, "ratio", pl.col("points").cast(pl.Int64))
    )
