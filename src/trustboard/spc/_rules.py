"""Special-cause rules for many groups at once (NumPy only, no loop per series or point).

Rules never look across a group boundary (spc.md Part A §4).  Runs come from cumulative sums
over "run breaks"; windows of three points from shifted comparisons.  A missing value (NaN)
breaks every run and never counts towards a window (spc.md Part A §11).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from trustboard.spc._limits import Groups, Limits

__all__ = [
    "LABEL_SIDES",
    "RuleFlags",
    "RuleSettings",
    "evaluate_rules",
    "label_texts",
    "point_type_codes",
]

Floats = npt.NDArray[np.float64]
Bools = npt.NDArray[np.bool_]
Int8s = npt.NDArray[np.int8]

# Label codes, in NHSRplotthedots' vocabulary (R/ptd_calculate_point_type.R).
(
    COMMON,
    ABOVE_UCL,
    BELOW_LCL,
    TREND_UP,
    TREND_DOWN,
    TWO_ABOVE,
    TWO_BELOW,
    SHIFT_ABOVE,
    SHIFT_BELOW,
) = range(9)
#: Side of each label code: +1 for "Above"/"Increasing", -1 for "Below"/"Decreasing" (§6).
LABEL_SIDES: Int8s = np.array([0, 1, -1, 1, -1, 1, -1, 1, -1], dtype=np.int8)


def label_texts(shift_length: int, trend_length: int) -> tuple[str, ...]:
    """The label text of every label code (ptd's strings when the run lengths are 7)."""
    return (
        "Common Cause",
        "Above UCL",
        "Below LCL",
        f"{trend_length} Point Trend (Increasing)",
        f"{trend_length} Point Trend (Decreasing)",
        "2 in 3 Above CL",
        "2 in 3 Below CL",
        f"{shift_length} Points Above CL",
        f"{shift_length} Points Below CL",
    )


@dataclass(frozen=True, slots=True)
class RuleSettings:
    """The rule elements that differ between presets."""

    shift_length: int
    trend_length: int
    beyond_two_sigma: bool
    improvement_wins: bool
    direction: int


@dataclass(frozen=True, slots=True)
class RuleFlags:
    """Per-point results of the rules."""

    relative_to_mean: Int8s
    outside: Bools
    close: Bools
    label: Int8s


def _in_long_run(codes: Int8s, groups: Groups, length: int) -> Bools:
    """Whether each position lies in a run of at least ``length`` equal non-zero codes."""
    n = codes.size
    breaks = groups.is_start.copy()
    np.not_equal(codes[1:], codes[:-1], out=breaks[1:], where=~breaks[1:])
    first = np.flatnonzero(breaks)
    sizes = np.diff(np.append(first, n))
    return np.asarray((np.repeat(sizes, sizes) >= length) & (codes != 0), dtype=np.bool_)


def _steps(values: Floats, groups: Groups) -> Int8s:
    """Sign of the step from the previous point (0 at a group start, a tie or a missing value)."""
    step = np.empty(values.size, dtype=np.float64)
    step[0:1] = 0.0
    np.subtract(values[1:], values[:-1], out=step[1:])
    sign = (step > 0).view(np.int8) - (step < 0).view(np.int8)
    sign[groups.is_start] = 0
    return np.asarray(sign, dtype=np.int8)


def _trend(values: Floats, groups: Groups, length: int) -> tuple[Bools, Bools]:
    """Points in a trend of ``length`` points, and whether each is labelled "increasing"."""
    n = values.size
    steps = _steps(values, groups)
    # A trend of k points is a run of k-1 steps of the same sign; the step at i joins i-1 and i.
    in_run = _in_long_run(steps, groups, length - 1)
    part = in_run.copy()
    part[:-1] |= in_run[1:]
    # ptd labels a point by the step to the next point when both are in a trend, otherwise by
    # the step from the previous point, so the bottom of a V belongs to the rising leg (§5.2).
    next_part = np.zeros(n, dtype=np.bool_)
    next_part[:-1] = part[1:] & ~groups.is_start[1:]
    next_step = np.zeros(n, dtype=np.int8)
    next_step[:-1] = steps[1:]
    rising = np.where(part & next_part, next_step, steps) == 1
    return part, rising


def _two_in_three(counted: Bools, rtm: Int8s, groups: Groups) -> Bools:
    """Points in a window of 3 with ≥ 2 counted points and all 3 strictly on one side (§5.3)."""
    n = counted.size
    if n < 3:
        return np.zeros(n, dtype=np.bool_)
    c = counted.view(np.int8)
    hits = c[:-2] + c[1:-1] + c[2:]
    side = rtm[:-2] + rtm[1:-1] + rtm[2:]
    fire = (hits >= 2) & ((side == 3) | (side == -3))
    fire &= ~groups.is_start[1:-1]
    fire &= ~groups.is_start[2:]
    covered = np.zeros(n, dtype=np.bool_)
    covered[:-2] = fire
    covered[1:-1] |= fire
    covered[2:] |= fire
    return covered & counted


def evaluate_rules(
    values: Floats, limits: Limits, groups: Groups, settings: RuleSettings
) -> RuleFlags:
    """Apply every rule and return per-point flags and the winning label code.

    Comparisons with NaN are false, so a missing value or a missing limit flags nothing.
    """
    mean = limits.mean
    above = values > mean
    below = values < mean
    rtm = above.view(np.int8) - below.view(np.int8)
    high = values > limits.upl
    outside = high | (values < limits.lpl)
    beyond_two = (values > limits.nupl) | (values < limits.nlpl)
    close = beyond_two & ~outside

    shift = _in_long_run(rtm, groups, settings.shift_length)
    trend, rising = _trend(values, groups, settings.trend_length)
    counted = beyond_two if settings.beyond_two_sigma else close
    two = _two_in_three(counted, rtm, groups)

    not_above = (rtm != 1).view(np.int8)
    trend_code = TREND_UP + (~rising).view(np.int8)
    label = _by_precedence(outside, trend, two, shift, not_above, trend_code)
    if settings.improvement_wins and settings.direction != 0:
        # Making Data Count single-chart tool: a point in an improving and a concerning pattern
        # at once is shown as improvement (NHSRplotthedots issue #194).
        good_side = rtm == settings.direction
        good_trend = rising if settings.direction == 1 else ~rising
        improving = _by_precedence(
            outside & good_side,
            trend & good_trend,
            two & good_side,
            shift & good_side,
            not_above,
            trend_code,
        )
        label = np.where(improving != COMMON, improving, label).astype(np.int8)
    return RuleFlags(rtm, outside, close, label)


def _by_precedence(
    outside: Bools, trend: Bools, two: Bools, shift: Bools, not_above: Int8s, trend_code: Int8s
) -> Int8s:
    # First match wins: outside limits → trend → two-in-three → shift (R lines 102-108).
    label = np.where(shift, np.int8(SHIFT_ABOVE) + not_above, np.int8(COMMON))
    label = np.where(two, np.int8(TWO_ABOVE) + not_above, label)
    label = np.where(trend, trend_code, label)
    label = np.where(outside, np.int8(ABOVE_UCL) + not_above, label)
    return np.asarray(label, dtype=np.int8)


#: Point type codes, in the order of :class:`trustboard.spc.PointType`.
POINT_COMMON, POINT_IMPROVEMENT, POINT_CONCERN, POINT_NEUTRAL_HIGH, POINT_NEUTRAL_LOW = range(5)


def point_type_codes(label: Int8s, direction: int) -> Int8s:
    """Point type of each label code for an improvement direction of +1, -1 or 0 (§6)."""
    sides = LABEL_SIDES
    if direction == 0:
        table = np.where(sides > 0, POINT_NEUTRAL_HIGH, POINT_NEUTRAL_LOW)
    else:
        table = np.where(sides == direction, POINT_IMPROVEMENT, POINT_CONCERN)
    table = table.astype(np.int8)
    table[COMMON] = POINT_COMMON
    return np.asarray(table[label], dtype=np.int8)
