"""The SPC engine on arrays: limits, rules, point types and icons for many series at once.

Input rows are sorted by series then date.  ``series_starts`` and ``group_starts`` give the
first row of every series and of every (series, rebase group); each series starts a group.
Nothing here loops over series or points, and nothing here knows about data frames.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from trustboard.errors import OptionsError
from trustboard.spc._limits import Groups, Limits, compute_limits
from trustboard.spc._rules import (
    POINT_CONCERN,
    POINT_IMPROVEMENT,
    RuleSettings,
    evaluate_rules,
    point_type_codes,
)

__all__ = [
    "ASSURANCE_CODES",
    "VARIATION_CODES",
    "CoreResult",
    "CoreSettings",
    "plotted_values",
    "run_core",
]

Floats = npt.NDArray[np.float64]
Bools = npt.NDArray[np.bool_]
Ints = npt.NDArray[np.int64]
Int8s = npt.NDArray[np.int8]

#: Variation icon codes (index into this tuple; -1 means no icon).
VARIATION_CODES: tuple[str, ...] = (
    "common_cause",
    "improvement_high",
    "improvement_low",
    "concern_high",
    "concern_low",
    "neutral_high",
    "neutral_low",
)
#: Assurance icon codes (index into this tuple; -1 means no icon).
ASSURANCE_CODES: tuple[str, ...] = ("pass", "fail", "inconsistent")


@dataclass(frozen=True, slots=True)
class CoreSettings:
    """Everything the array engine needs besides the arrays."""

    chart: str
    direction: int
    screen_outliers: bool
    shift_length: int
    trend_length: int
    beyond_two_sigma: bool
    improvement_wins: bool
    min_points_limits: int
    min_points_icons: int
    short_group_threshold: int
    fix_after_n_points: int | None
    has_target: bool


@dataclass(frozen=True, slots=True)
class CoreResult:
    """Per-point, per-group and per-series arrays computed by :func:`run_core`."""

    values: Floats
    mean: Floats
    lpl: Floats
    upl: Floats
    relative_to_mean: Int8s
    outside: Bools
    close: Bools
    label: Int8s
    point_type: Int8s
    short_group: Bools
    groups: Groups
    group_improvement: Ints
    group_concern: Ints
    group_flagged: Ints
    series_last: Ints
    series_improvement: Ints
    series_concern: Ints
    variation_icon: Int8s
    assurance_icon: Int8s


def plotted_values(
    chart: str,
    values: Floats | None,
    numerator: Floats | None,
    denominator: Floats | None,
    groups: Groups,
) -> Floats:
    """The values a chart plots: the value, numerator/denominator, or the moving range (mr)."""
    if values is None:
        if numerator is None or denominator is None:
            raise OptionsError("either values or numerators and denominators are needed")
        with np.errstate(invalid="ignore", divide="ignore"):
            values = np.asarray(numerator / denominator, dtype=np.float64)
    if chart != "mr":
        return values
    out = np.empty_like(values)
    out[0:1] = np.nan
    np.abs(values[1:] - values[:-1], out=out[1:])
    out[groups.is_start] = np.nan
    return out


def _usable(present: Bools, groups: Groups, fix_after: int | None, baseline: Bools | None) -> Bools:
    usable = present
    if fix_after is not None:
        # Row counting restarts in every group and missing rows count (ptd_spc_standard.R).
        position = np.arange(present.size, dtype=np.int64) - groups.expand(groups.starts)
        usable = usable & (position < fix_after)
    if baseline is not None:
        # A group with no point inside the baseline period uses all its points.
        inside = usable & baseline
        has_inside = groups.sum(inside) > 0
        usable = np.where(groups.expand(has_inside), inside, usable)
    return usable


def run_core(
    values: Floats,
    series_starts: Ints,
    group_starts: Ints,
    settings: CoreSettings,
    *,
    numerator: Floats | None = None,
    denominator: Floats | None = None,
    baseline: Bools | None = None,
    target: Floats | None = None,
) -> CoreResult:
    """Limits, rules, point types, trial-limit flags and icons for every series.

    ``values`` are the plotted values (see :func:`plotted_values`), NaN where missing.
    ``baseline`` marks rows inside a baseline period; ``target`` is the target in force at
    each row (NaN where none).
    """
    n = values.size
    groups = Groups.from_starts(group_starts, n)
    present = ~np.isnan(values)
    usable = _usable(present, groups, settings.fix_after_n_points, baseline)
    limits = compute_limits(
        settings.chart,
        values,
        usable,
        groups,
        screen=settings.screen_outliers,
        numerator=numerator,
        denominator=denominator,
    )
    needs_count = settings.min_points_limits > 0 or settings.min_points_icons > 0
    present_count = groups.sum(present) if needs_count else np.zeros(0, dtype=np.float64)
    if settings.min_points_limits > 0:
        hidden = groups.expand(present_count < settings.min_points_limits)
        if hidden.any():
            gone = np.where(hidden, np.nan, 0.0)
            limits = Limits(
                limits.mean,
                limits.lpl + gone,
                limits.upl + gone,
                limits.nlpl + gone,
                limits.nupl + gone,
            )
    else:
        hidden = None
    rules = RuleSettings(
        settings.shift_length,
        settings.trend_length,
        settings.beyond_two_sigma,
        settings.improvement_wins,
        settings.direction,
    )
    flags = evaluate_rules(values, limits, groups, rules)
    label = flags.label
    if hidden is not None:
        # Too few points to show limits (MDC: 13): no special cause is shown either.
        label = np.where(hidden, np.int8(0), label).astype(np.int8)
    point_type = point_type_codes(label, settings.direction)
    short_sizes = groups.sizes < settings.short_group_threshold
    short_group = groups.expand(short_sizes) if short_sizes.any() else np.zeros(n, dtype=np.bool_)

    improvement = point_type == POINT_IMPROVEMENT
    concern = point_type == POINT_CONCERN
    group_improvement = groups.sum(improvement).astype(np.int64)
    group_concern = groups.sum(concern).astype(np.int64)
    group_flagged = groups.sum(label != 0).astype(np.int64)

    series_starts = np.asarray(series_starts, dtype=np.int64)
    series_last = (np.append(series_starts[1:], np.int64(n)) - 1)[: series_starts.size]
    # Series totals are sums of their groups: the groups of a series are consecutive.
    first_group = np.searchsorted(group_starts, series_starts)
    series_improvement = _sum_at(group_improvement, first_group)
    series_concern = _sum_at(group_concern, first_group)

    last_group = groups.group_of(series_last)
    if settings.min_points_icons > 0:
        enough = present_count[last_group] >= settings.min_points_icons
    else:
        enough = np.ones(last_group.size, dtype=np.bool_)
    variation = _variation_icons(point_type[series_last], settings.direction)
    variation = np.where(enough, variation, np.int8(-1)).astype(np.int8)
    assurance = _assurance_icons(
        target[series_last] if target is not None else np.full(series_last.size, np.nan),
        limits.lpl[series_last],
        limits.upl[series_last],
        settings,
    )
    assurance = np.where(enough, assurance, np.int8(-1)).astype(np.int8)
    return CoreResult(
        values=values,
        mean=limits.mean,
        lpl=limits.lpl,
        upl=limits.upl,
        relative_to_mean=flags.relative_to_mean,
        outside=flags.outside,
        close=flags.close,
        label=label,
        point_type=point_type,
        short_group=short_group,
        groups=groups,
        group_improvement=group_improvement,
        group_concern=group_concern,
        group_flagged=group_flagged,
        series_last=series_last,
        series_improvement=series_improvement,
        series_concern=series_concern,
        variation_icon=variation,
        assurance_icon=assurance,
    )


def _sum_at(per_group: Ints, first_group: Ints) -> Ints:
    if first_group.size == 0:
        return np.zeros(0, dtype=np.int64)
    return np.asarray(np.add.reduceat(per_group, first_group), dtype=np.int64)


def _variation_icons(last_point_type: Int8s, direction: int) -> Int8s:
    # ptd_get_icons (R/geom_ptd_icon.R): the icon of the latest point's type; "high"/"low" says
    # which side of the process the signal is on, given the improvement direction.
    if direction >= 0:
        table = np.array([0, 1, 4, 5, 6], dtype=np.int8)
    else:
        table = np.array([0, 2, 3, 5, 6], dtype=np.int8)
    return np.asarray(table[last_point_type], dtype=np.int8)


def _assurance_icons(target: Floats, lpl: Floats, upl: Floats, settings: CoreSettings) -> Int8s:
    # ptd_calculate_assurance_type: compare the target in force with the latest limits; any
    # comparison with a missing value falls through to "inconsistent" (spc.md Part A §7).
    if not settings.has_target or settings.direction == 0:
        return np.full(target.size, -1, dtype=np.int8)
    above = target > upl
    below = target < lpl
    good, bad = (below, above) if settings.direction == 1 else (above, below)
    icon = np.full(target.size, 2, dtype=np.int8)
    icon[bad] = 1
    icon[good] = 0
    return icon
