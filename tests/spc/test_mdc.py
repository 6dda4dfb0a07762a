"""The Making Data Count preset: each difference from ptd pinned by a hand-worked case."""

from __future__ import annotations

import pytest

from trustboard.spc import PRESETS, SpcOptions

from .helpers import labels, run

CC = "Common Cause"


def test_preset_settings() -> None:
    mdc = SpcOptions(preset="mdc")
    assert (mdc.screen_outliers, mdc.shift_length, mdc.trend_length) == (False, 7, 6)
    assert (mdc.two_in_three, mdc.conflict) == ("beyond_2sigma", "improvement_wins")
    assert (mdc.min_points_limits, mdc.min_points_icons) == (13, 13)
    ptd = SpcOptions()
    assert (ptd.screen_outliers, ptd.shift_length, ptd.trend_length) == (True, 7, 7)
    assert (ptd.two_in_three, ptd.conflict, ptd.min_points_limits) == ("band", "precedence", 0)
    assert set(PRESETS) == {"ptd", "mdc"}


def test_no_screening() -> None:
    values = [5.0, 6.0] * 7 + [30.0]
    mean = sum(values) / 15
    # 14 moving ranges: thirteen of 1 and one of 24, mean 37/14.  MDC keeps them all; ptd drops
    # the 24 (at least 3.267 x 37/14) and keeps a mean range of 1.
    assert run(values, preset="mdc").summary.get_column("upl").item() == pytest.approx(
        mean + 2.66 * 37 / 14
    )
    assert run(values, preset="ptd").summary.get_column("upl").item() == pytest.approx(mean + 2.66)


# A fixed baseline of 10, 12, ... (12 points): mean 11, mean MR 2, so the process limits are
# 11 +/- 5.32 = [5.68, 16.32] and the 2-sigma lines 11 +/- 3.5467 = [7.4533, 14.5467].
BASELINE = [10.0, 12.0] * 6


def test_trend_of_six() -> None:
    values = [*BASELINE, 8, 9, 10, 11, 12, 13, 11, 11]
    mdc = labels(values, preset="mdc", fix_after_n_points=12)
    ptd = labels(values, preset="ptd", fix_after_n_points=12)
    assert mdc[12:18] == ["6 Point Trend (Increasing)"] * 6
    assert mdc[:12] == [CC] * 12 and mdc[18:] == [CC] * 2
    assert ptd == [CC] * len(values)


def test_two_in_three_counts_points_beyond_the_limits() -> None:
    values = [*BASELINE, 20, 20, 15, 11]
    mdc = labels(values, preset="mdc", fix_after_n_points=12)
    ptd = labels(values, preset="ptd", fix_after_n_points=12)
    assert mdc[12:] == ["Above UCL", "Above UCL", "2 in 3 Above CL", CC]
    assert ptd[12:] == ["Above UCL", "Above UCL", CC, CC]


def test_improvement_wins_over_a_concerning_trend() -> None:
    # Higher is better.  Seven points above the mean that fall step by step, the first three
    # beyond 2 sigma: ptd names them all by the (concerning) falling trend; MDC shows the
    # improving patterns (2 in 3 above, 7 above the mean) instead.
    values = [*BASELINE, 16, 15.5, 15, 14.5, 14, 13.5, 13]
    ptd = run(values, preset="ptd", fix_after_n_points=12).points
    assert ptd.get_column("special_cause_type").to_list()[12:] == ["7 Point Trend (Decreasing)"] * 7
    assert set(ptd.get_column("point_type").to_list()[12:]) == {"special_cause_concern"}
    mdc = run(values, preset="mdc", fix_after_n_points=12, trend_length=7).points
    assert mdc.get_column("special_cause_type").to_list()[12:] == (
        ["2 in 3 Above CL"] * 3 + ["7 Points Above CL"] * 4
    )
    assert set(mdc.get_column("point_type").to_list()[12:]) == {"special_cause_improvement"}
    # With no preferred direction there is nothing to prefer: precedence decides.
    neutral = run(
        values, preset="mdc", fix_after_n_points=12, trend_length=7, improvement="neutral"
    )
    assert neutral.points.get_column("special_cause_type").to_list()[12:] == (
        ["7 Point Trend (Decreasing)"] * 7
    )


def test_limits_and_icons_only_from_thirteen_points() -> None:
    short = run([1.0, 3.0] * 6, preset="mdc", target=0.0)
    assert short.points.get_column("lpl").null_count() == 12
    assert short.points.get_column("upl").null_count() == 12
    assert short.points.get_column("mean").null_count() == 0
    assert set(short.points.get_column("special_cause_type")) == {CC}
    assert short.summary.get_column("variation_icon").item() is None
    assert short.summary.get_column("assurance_icon").item() is None
    full = run([1.0, 3.0] * 6 + [2.0], preset="mdc", target=-10.0)
    assert full.points.get_column("upl").null_count() == 0
    assert full.summary.get_column("variation_icon").item() == "common_cause"
    assert full.summary.get_column("assurance_icon").item() == "pass"


def test_missing_values_do_not_count_towards_the_minimum() -> None:
    values = [1.0, 3.0] * 6 + [None]
    result = run(values, preset="mdc")
    assert result.points.get_column("upl").null_count() == 13
    assert result.summary.get_column("variation_icon").item() is None


def test_every_element_can_be_set_on_top_of_a_preset() -> None:
    opts = SpcOptions(preset="mdc", trend_length=7, min_points_limits=0)
    assert opts.trend_length == 7 and opts.min_points_limits == 0
    assert opts.screen_outliers is False
    moved = SpcOptions.from_overrides(opts, {"preset": "ptd"})
    # Settings given explicitly survive a change of preset; the others follow the new preset.
    assert moved.trend_length == 7 and moved.min_points_limits == 0
    assert moved.screen_outliers is True and moved.conflict == "precedence"
