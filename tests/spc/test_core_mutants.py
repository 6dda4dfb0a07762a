"""The array engine's own contract (``trustboard.spc._core``), worked by hand.

Written for mutants of ``_core`` that the other SPC tests let survive (docs/testing.md,
mutation testing): ``plotted_values`` called directly, as ``compute`` never calls it without a
value column or a numerator and denominator, nor with a zero denominator.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from trustboard.errors import OptionsError
from trustboard.spc._core import plotted_values
from trustboard.spc._limits import Groups

from .helpers import months, run


def _one_group(n: int) -> Groups:
    return Groups.from_starts(np.array([0], dtype=np.int64), n)


@pytest.mark.parametrize(
    ("numerator", "denominator"),
    [(None, None), (np.array([1.0, 2.0]), None), (None, np.array([1.0, 2.0]))],
    ids=["neither", "numerator-only", "denominator-only"],
)
def test_a_ratio_without_both_of_its_parts_is_refused(
    numerator: np.ndarray | None, denominator: np.ndarray | None
) -> None:
    with pytest.raises(OptionsError, match="either values or numerators and denominators"):
        plotted_values("p", None, numerator, denominator, _one_group(2))


def test_a_ratio_over_a_zero_denominator_is_not_a_number_and_warns_of_nothing() -> None:
    # 3/4 = 0.75; 1/0 is +inf and 0/0 is NaN in IEEE arithmetic.  Warnings are errors in the
    # test run, so a division that warned would fail here.
    out = plotted_values(
        "p",
        None,
        np.array([3.0, 1.0, 0.0]),
        np.array([4.0, 0.0, 0.0]),
        _one_group(3),
    )
    assert out.dtype == np.float64
    assert out[0] == 0.75
    assert math.isinf(out[1]) and out[1] > 0
    assert math.isnan(out[2])


def test_the_moving_range_restarts_in_every_group() -> None:
    values = np.array([1.0, 4.0, 2.0, 7.0, 5.0])
    groups = Groups.from_starts(np.array([0, 3], dtype=np.int64), 5)
    out = plotted_values("mr", values, None, None, groups)
    # |4 - 1| = 3, |2 - 4| = 2; row 3 starts a group (no range); |5 - 7| = 2
    assert np.isnan(out[0]) and np.isnan(out[3])
    assert out[[1, 2, 4]].tolist() == [3.0, 2.0, 2.0]
    # the values themselves are untouched
    assert values.tolist() == [1.0, 4.0, 2.0, 7.0, 5.0]


# [1, 3] six times: mean 2, every moving range 2, so the process limits are 2 ± 2.66 × 2
# = [-3.32, 7.32] (no range is screened out: none is above 3.267 × 2).
ALTERNATING: list[float | None] = [1.0, 3.0] * 6


def test_a_minimum_for_icons_alone_hides_the_icons_and_keeps_the_limits() -> None:
    short = run(ALTERNATING, preset="ptd", min_points_icons=13, target=0.0)
    assert short.points.get_column("upl").to_list() == pytest.approx([7.32] * 12)
    assert short.points.get_column("lpl").to_list() == pytest.approx([-3.32] * 12)
    assert short.summary.get_column("variation_icon").item() is None
    assert short.summary.get_column("assurance_icon").item() is None
    # a thirteenth point reaches the minimum: no special cause, and the target 0 lies inside
    # the limits, so the icons are "common cause" and "inconsistent"
    full = run([*ALTERNATING, 2.0], preset="ptd", min_points_icons=13, target=0.0)
    assert full.summary.get_column("variation_icon").item() == "common_cause"
    assert full.summary.get_column("assurance_icon").item() == "inconsistent"


def test_a_minimum_for_limits_alone_hides_the_limits_and_keeps_the_icons() -> None:
    short = run(ALTERNATING, preset="ptd", min_points_limits=13, target=0.0)
    assert short.points.get_column("upl").null_count() == 12
    assert short.points.get_column("lpl").null_count() == 12
    assert short.points.get_column("mean").to_list() == pytest.approx([2.0] * 12)
    # icons have no minimum: the last point is common cause, and with no limits to compare the
    # target with, assurance is "inconsistent"
    assert short.summary.get_column("variation_icon").item() == "common_cause"
    assert short.summary.get_column("assurance_icon").item() == "inconsistent"


def test_a_minimum_of_one_point_hides_nothing() -> None:
    result = run(ALTERNATING, preset="ptd", min_points_limits=1)
    assert result.points.get_column("upl").to_list() == pytest.approx([7.32] * 12)
    assert result.points.get_column("lpl").to_list() == pytest.approx([-3.32] * 12)
    icons = run(ALTERNATING, preset="ptd", min_points_icons=1, target=10.0).summary
    # the target 10 lies above the upper limit 7.32 of a measure where higher is better
    assert icons.get_column("variation_icon").item() == "common_cause"
    assert icons.get_column("assurance_icon").item() == "fail"


# The limits as the rule writes them: mean ± 2.66 × mean moving range.
UPPER = 2 + 2.66 * 2
LOWER = 2 - 2.66 * 2


@pytest.mark.parametrize("target", [UPPER, LOWER], ids=["on-the-upper", "on-the-lower"])
@pytest.mark.parametrize("improvement", ["increase", "decrease"])
def test_a_target_exactly_on_a_limit_is_inconsistent(target: float, improvement: str) -> None:
    # only a target beyond a limit makes the process pass or fail it every time
    result = run(ALTERNATING, target=target, improvement=improvement)
    assert result.summary.get_column("upl").item() == UPPER
    assert result.summary.get_column("lpl").item() == LOWER
    assert result.summary.get_column("assurance_icon").item() == "inconsistent"


@pytest.mark.parametrize(
    ("improvement", "target", "icon"),
    [
        ("increase", 10.0, "fail"),  # above the upper limit: never reached
        ("increase", -5.0, "pass"),  # below the lower limit: always met
        ("decrease", 10.0, "pass"),  # lower is better: every value is below 10
        ("decrease", -5.0, "fail"),  # lower is better: no value gets down to -5
        ("neutral", 10.0, None),  # no direction, no assurance
    ],
)
def test_assurance_follows_the_direction_of_improvement(
    improvement: str, target: float, icon: str | None
) -> None:
    result = run(ALTERNATING, target=target, improvement=improvement)
    assert result.summary.get_column("assurance_icon").item() == icon


def test_a_baseline_of_one_point_fixes_the_centre_on_it() -> None:
    dates = months(12)
    points = run(ALTERNATING, baseline=(dates[0], dates[0])).points
    # one point: the centre line is its value, 1; no moving range, so no limits
    assert points.get_column("mean").to_list() == [1.0] * 12
    assert points.get_column("upl").null_count() == 12


def test_a_group_with_no_point_in_the_baseline_uses_all_its_points() -> None:
    dates = months(12)
    values: list[float | None] = [1.0, 3.0, 1.0, 3.0, 1.0, 3.0, 11.0, 13.0, 11.0, 13.0, 11.0, 13.0]
    points = run(values, baseline=(dates[0], dates[3]), rebase=[dates[6]]).points
    # first group: the baseline's 1, 3, 1, 3 (mean 2, mean range 2: limits 2 ± 5.32);
    # second group, after the rebase, has no point in the baseline: all six, mean 12
    assert points.get_column("mean").to_list() == [2.0] * 6 + [12.0] * 6
    assert points.get_column("upl").to_list() == pytest.approx([7.32] * 6 + [17.32] * 6)
    assert points.get_column("lpl").to_list() == pytest.approx([-3.32] * 6 + [6.68] * 6)


def test_a_minimum_of_one_point_for_icons_needs_a_value_in_the_last_group() -> None:
    dates = months(12)
    values: list[float | None] = [1.0, 3.0, 1.0, 3.0, 1.0, 3.0, *([None] * 6)]
    # the group that starts at the rebase holds no value at all: it has no point to show an
    # icon for, whatever the earlier group holds
    summary = run(values, rebase=[dates[6]], min_points_icons=1, target=10.0).summary
    assert summary.get_column("variation_icon").item() is None
    assert summary.get_column("assurance_icon").item() is None
