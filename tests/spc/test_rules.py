"""Hand-worked cases for every ptd rule and edge case (spc.md Part A §2–§12)."""

from __future__ import annotations

import math
from datetime import date

import numpy as np
import polars as pl
import pytest

from trustboard.spc import compute
from trustboard.spc._limits import Groups, Limits
from trustboard.spc._rules import RuleSettings, evaluate_rules, label_texts

from .helpers import frame, labels, months, run

CC = "Common Cause"


def test_published_rnorm20_figures() -> None:
    # NHSRplotthedots tests/testthat/_snaps: set.seed(123); y = rnorm(20) (R's values).
    y = [
        -0.56047565,
        -0.23017749,
        1.55870831,
        0.07050839,
        0.12928774,
        1.71506499,
        0.46091621,
        -1.26506123,
        -0.68685285,
        -0.44566197,
        1.22408180,
        0.35981383,
        0.40077145,
        0.11068272,
        -0.55584113,
        1.78691314,
        0.49785048,
        -1.96661716,
        0.70135590,
        -0.47279141,
    ]
    s = run(y).summary
    assert s.get_column("mean").item() == pytest.approx(0.1416238, abs=1e-6)
    assert s.get_column("lpl").item() == pytest.approx(-3.01138, abs=1e-5)
    assert s.get_column("upl").item() == pytest.approx(3.294627, abs=1e-6)
    y[14] = 10
    screened = run(y).summary
    assert screened.get_column("mean").item() == pytest.approx(0.6694159, abs=1e-6)
    assert screened.get_column("lpl").item() == pytest.approx(-2.383666, abs=1e-6)
    assert screened.get_column("upl").item() == pytest.approx(3.722497, abs=1e-6)
    loose = run(y, screen_outliers=False).summary
    assert loose.get_column("lpl").item() == pytest.approx(-4.596625, abs=1e-6)
    assert loose.get_column("upl").item() == pytest.approx(5.935457, abs=1e-6)


def test_hand_worked_xmr_limits() -> None:
    # MRs 2, 2, 2 -> mean MR 2; mean 5 -> limits 5 +/- 5.32
    pts = run([4.0, 6.0, 4.0, 6.0]).points
    assert pts.get_column("mean").to_list() == [5.0] * 4
    assert pts.get_column("upl").to_list()[0] == pytest.approx(5 + 2.66 * 2)
    assert pts.get_column("lpl").to_list()[0] == pytest.approx(5 - 2.66 * 2)


def test_constant_series_with_screening_has_no_limits() -> None:
    pts = run([3.0] * 15).points
    assert pts.get_column("lpl").null_count() == 15
    assert pts.get_column("outside_limits").null_count() == 15
    assert set(pts.get_column("special_cause_type")) == {CC}


def test_constant_series_without_screening_has_limits_on_the_mean() -> None:
    pts = run([3.0] * 15, screen_outliers=False).points
    assert pts.get_column("lpl").to_list() == [3.0] * 15
    assert pts.get_column("upl").to_list() == [3.0] * 15
    assert set(pts.get_column("special_cause_type")) == {CC}
    assert set(pts.get_column("relative_to_mean")) == {0}


def test_constant_series_with_one_blip_flags_every_point() -> None:
    values = [5.0] * 10 + [9.0] + [5.0] * 9
    pts = run(values).points
    mean = sum(values) / 20
    assert pts.get_column("upl").to_list() == [pytest.approx(mean)] * 20
    expected = ["Above UCL" if v > mean else "Below LCL" for v in values]
    assert pts.get_column("special_cause_type").to_list() == expected


def test_one_point_has_a_mean_and_no_limits() -> None:
    pts = run([7.0]).points
    assert pts.get_column("mean").item() == 7.0
    assert pts.get_column("lpl").item() is None
    assert pts.get_column("special_cause_type").item() == CC


def test_two_points_keep_their_single_moving_range() -> None:
    pts = run([1.0, 3.0]).points
    assert pts.get_column("upl").to_list() == [pytest.approx(2 + 2.66 * 2)] * 2


def _flags(y: list[float], mean: float, lpl: float, upl: float, nlpl: float, nupl: float, **kw):
    n = len(y)
    limits = Limits(*(np.full(n, v) for v in (mean, lpl, upl, nlpl, nupl)))
    groups = Groups.from_starts(np.array([0]), n)
    settings = RuleSettings(
        kw.get("shift", 7),
        kw.get("trend", 7),
        kw.get("beyond", False),
        kw.get("wins", False),
        kw.get("direction", 1),
    )
    flags = evaluate_rules(np.array(y, dtype=float), limits, groups, settings)
    texts = label_texts(settings.shift_length, settings.trend_length)
    return flags, [texts[c] for c in flags.label]


def test_point_exactly_on_a_limit_is_close_not_outside() -> None:
    flags, names = _flags([10.0, 0.0, 8.0, 2.0], 5.0, 0.0, 10.0, 2.0, 8.0)
    assert flags.outside.tolist() == [False, False, False, False]
    # On the process limit: close; exactly on the 2-sigma line: not close.
    assert flags.close.tolist() == [True, True, False, False]
    assert names == [CC] * 4


def test_point_on_the_mean_has_relative_to_mean_zero_and_breaks_a_shift() -> None:
    values = [6.0] * 3 + [5.0] + [6.0] * 4 + [0.0] * 6
    flags, names = _flags(values, 5.0, -100.0, 100.0, -50.0, 50.0)
    assert flags.relative_to_mean[3] == 0
    assert names[:8] == [CC] * 8


def test_shift_of_seven_but_not_six() -> None:
    _, six = _flags([6.0] * 6 + [4.0], 5.0, -100, 100, -50, 50)
    assert six == [CC] * 7
    _, eight = _flags([6.0] * 8 + [4.0], 5.0, -100, 100, -50, 50)
    assert eight == ["7 Points Above CL"] * 8 + [CC]
    _, below = _flags([4.0] * 7, 5.0, -100, 100, -50, 50)
    assert below == ["7 Points Below CL"] * 7


def test_trend_needs_seven_strict_steps() -> None:
    assert _flags([1, 2, 3, 4, 5, 6.0], 3.5, -100, 100, -50, 50)[1] == [CC] * 6
    # a tie breaks the trend
    assert _flags([1, 2, 3, 3, 4, 5, 6.0], 3.5, -100, 100, -50, 50)[1] == [CC] * 7
    _, up = _flags([2, 1, 2, 3, 4, 5, 6, 7, 3.0], 4.0, -100, 100, -50, 50)
    assert up == [CC] + ["7 Point Trend (Increasing)"] * 7 + [CC]
    _, down = _flags([7, 6, 5, 4, 3, 2, 1.0], 4.0, -100, 100, -50, 50)
    assert down == ["7 Point Trend (Decreasing)"] * 7


def test_v_shape_bottom_belongs_to_the_rising_leg() -> None:
    values = [10, 9, 8, 7, 6, 5, 4, 5, 6, 7, 8, 9, 10.0]
    _, names = _flags(values, 7.0, -100, 100, -50, 50)
    assert names[:6] == ["7 Point Trend (Decreasing)"] * 6
    assert names[6:] == ["7 Point Trend (Increasing)"] * 7


def test_trend_crossing_the_mean_is_labelled_by_its_direction() -> None:
    values = [12, 11, 10, 9, 8, 7, 6.0]
    flags, names = _flags(values, 9.0, -100, 100, -50, 50, direction=-1)
    assert names == ["7 Point Trend (Decreasing)"] * 7
    assert flags.relative_to_mean.tolist() == [1, 1, 1, 0, -1, -1, -1]


@pytest.mark.parametrize(
    ("close", "side", "expected"),
    [
        ([1, 0, 1], [1, 1, 1], [1, 0, 1]),
        ([0, 1, 1], [1, 1, 1], [0, 1, 1]),
        ([1, 1, 0], [1, 1, 1], [1, 1, 0]),
        ([1, 0, 0, 1], [1, 1, 1, 1], [0, 0, 0, 0]),
        ([1, 0, 0, 1, 1], [1, 1, 1, 1, 1], [0, 0, 0, 1, 1]),
        ([1, 0, 1], [1, -1, 1], [0, 0, 0]),
        ([0, 1, 1, 0], [-1, 1, 1, -1], [0, 0, 0, 0]),
    ],
)
def test_two_in_three_windows(close, side, expected) -> None:
    # mean 0, 2-sigma lines +/-2, limits +/-3: a "close" point is +/-2.5, others +/-1.
    values = [s * (2.5 if c else 1.0) for c, s in zip(close, side, strict=True)]
    _, names = _flags(values, 0.0, -3.0, 3.0, -2.0, 2.0)
    got = [int(n.startswith("2 in 3")) for n in names]
    assert got == expected


def test_two_in_three_band_ignores_points_beyond_the_limits() -> None:
    # >3 sigma, >3 sigma, 2-3 sigma: ptd labels the last point common cause (issue #153).
    _, names = _flags([4.0, 4.0, 2.5], 0.0, -3.0, 3.0, -2.0, 2.0)
    assert names == ["Above UCL", "Above UCL", CC]
    _, names = _flags([4.0, 2.5, 2.5], 0.0, -3.0, 3.0, -2.0, 2.0)
    assert names == ["Above UCL", "2 in 3 Above CL", "2 in 3 Above CL"]
    # The beyond-2-sigma variant (MDC since 2023) counts the points beyond the limits.
    _, names = _flags([4.0, 4.0, 2.5], 0.0, -3.0, 3.0, -2.0, 2.0, beyond=True)
    assert names == ["Above UCL", "Above UCL", "2 in 3 Above CL"]


def test_precedence_outside_then_trend_then_two_in_three_then_shift() -> None:
    # A rising trend that also ends beyond the limit, all above the mean.
    values = [1, 2, 3, 4, 5, 6, 12.0]
    _, names = _flags(values, 0.5, -10, 10, -2, 2)
    assert names == ["7 Point Trend (Increasing)"] * 6 + ["Above UCL"]


def test_improvement_wins_resolves_conflicts() -> None:
    # Seven falling points all above the mean: a decreasing trend (concern when higher is
    # better... no: decreasing is concern for "increase") and a shift above (improvement).
    values = [20, 19, 18, 17, 16, 15, 14.0]
    _, ptd = _flags(values, 0.0, -100, 100, -50, 50, direction=1)
    assert ptd == ["7 Point Trend (Decreasing)"] * 7
    _, wins = _flags(values, 0.0, -100, 100, -50, 50, direction=1, wins=True)
    assert wins == ["7 Points Above CL"] * 7
    _, other_way = _flags(values, 0.0, -100, 100, -50, 50, direction=-1, wins=True)
    assert other_way == ["7 Point Trend (Decreasing)"] * 7


def test_missing_values_first_middle_last() -> None:
    values = [None, 5.0, 6.0, None, 5.0, 7.0, 6.0, None]
    pts = run(values).points
    # The mean skips missing values; missing values remove the moving ranges touching them.
    assert pts.get_column("mean").to_list()[0] == pytest.approx(29 / 5)
    mrs = [1.0, 2.0, 1.0]
    assert pts.get_column("upl").to_list()[0] == pytest.approx(29 / 5 + 2.66 * sum(mrs) / 3)
    missing = [i for i, v in enumerate(values) if v is None]
    for name in ("outside_limits", "close_to_limits", "relative_to_mean"):
        col = pts.get_column(name).to_list()
        assert [i for i, v in enumerate(col) if v is None] == missing
    assert [pts.get_column("special_cause_type").to_list()[i] for i in missing] == [CC] * 3


def test_missing_value_inside_a_trend_window_breaks_the_trend_without_crashing() -> None:
    # NHSRplotthedots stops with an error here (spc.md §11); trustboard treats NA as a break.
    nan = math.nan
    assert _flags([1, 2, 3, nan, 5, 6, 7, 8.0], 4.5, -100, 100, -50, 50)[1] == [CC] * 8
    _, names = _flags([1, 2, 3, 4, 5, 6, 7, nan, 1.0], 4.5, -100, 100, -50, 50)
    assert names == ["7 Point Trend (Increasing)"] * 7 + [CC] * 2
    # and through the public API, with limits from the data
    assert labels([1, 2, 3, None, 5, 6, 7, 8.0], screen_outliers=False)[3] == CC


def test_mostly_missing_series_does_not_crash() -> None:
    pts = run([None] * 10 + [1.0, 2.0]).points
    assert pts.get_column("mean").to_list()[0] == 1.5
    assert set(pts.get_column("special_cause_type")) == {CC}
    all_missing = run([None, None, None]).points
    assert all_missing.get_column("mean").null_count() == 3


def test_rebase_starts_a_new_group_at_the_rebase_date() -> None:
    values = [1.0, 2, 1, 2, 1, 2, 10, 11, 10, 11, 10, 11]
    dates = months(12)
    pts = run(values, rebase=[dates[6]]).points
    assert pts.get_column("rebase_group").to_list() == [0] * 6 + [1] * 6
    assert pts.get_column("mean").to_list() == [1.5] * 6 + [10.5] * 6


def test_rebase_on_first_and_last_date() -> None:
    dates = months(14)
    first = run([float(i % 3) for i in range(14)], rebase=[dates[0]]).points
    assert set(first.get_column("rebase_group")) == {1}
    last = run([float(i % 3) for i in range(14)], rebase=[dates[-1]]).points
    assert last.get_column("rebase_group").to_list() == [0] * 13 + [1]
    assert last.get_column("lpl").to_list()[-1] is None
    assert last.get_column("short_group_warning").to_list() == [False] * 13 + [True]


def test_rebase_dates_not_in_the_data_are_ignored() -> None:
    pts = run([1.0, 2, 3], rebase=[date(1999, 1, 1)]).points
    assert set(pts.get_column("rebase_group")) == {0}


def test_fix_after_n_points_restarts_in_each_rebase_group() -> None:
    values = [float(v) for v in [1, 3] * 8 + [20, 24] * 8 + [100.0]]
    dates = months(len(values))
    pts = run(values, fix_after_n_points=12, rebase=[dates[16]]).points
    # Group 0: first 12 points 1,3,... -> mean 2, MR 2.  Group 1: the first 12 of 20,24 -> 22, MR 4.
    assert pts.get_column("mean").to_list()[0] == 2.0
    assert pts.get_column("upl").to_list()[0] == pytest.approx(2 + 2.66 * 2)
    assert pts.get_column("mean").to_list()[-1] == 22.0
    assert pts.get_column("upl").to_list()[-1] == pytest.approx(22 + 2.66 * 4)
    assert pts.get_column("special_cause_type").to_list()[-1] == "Above UCL"


def test_baseline_period_fixes_the_limits() -> None:
    values = [1.0, 3.0] * 6 + [50.0] * 3
    dates = months(15)
    pts = run(values, baseline=(dates[0], dates[11])).points
    assert pts.get_column("mean").to_list() == [2.0] * 15
    assert pts.get_column("special_cause_type").to_list()[-3:] == ["Above UCL"] * 3


def test_short_group_threshold_is_thirteen_rows() -> None:
    assert set(run([float(i % 4) for i in range(12)]).points.get_column("short_group_warning")) == {
        True
    }
    assert set(run([float(i % 4) for i in range(13)]).points.get_column("short_group_warning")) == {
        False
    }
    custom = run([float(i % 4) for i in range(12)], short_group_threshold=12).points
    assert set(custom.get_column("short_group_warning")) == {False}


def test_series_sort_in_byte_order() -> None:
    data = pl.DataFrame(
        {
            "org": ["a", "B", "b", "a", "B", "b"],
            "month": months(2) * 3,
            "y": [1.0, 2, 3, 4, 5, 6],
        }
    )
    result = compute(data, date="month", value="y", by="org")
    assert result.summary.get_column("org").to_list() == ["B", "a", "b"]
    assert result.points.get_column("org").to_list() == ["B", "B", "a", "a", "b", "b"]


def test_named_target_missing_series_gives_inconsistent() -> None:
    data = pl.concat([frame([1.0, 2, 3, 2, 1]).with_columns(org=pl.lit(k)) for k in ("X", "Y")])
    result = compute(data, date="month", value="y", by="org", target={"X": 100.0})
    icons = dict(result.summary.select("org", "assurance_icon").iter_rows())
    assert icons == {"X": "fail", "Y": "inconsistent"}
    assert result.points.filter(pl.col("org") == "Y").get_column("target").null_count() == 5


def test_target_with_missing_limits_gives_inconsistent() -> None:
    result = run([4.0] * 14, target=1.0)
    assert result.summary.get_column("lpl").item() is None
    assert result.summary.get_column("assurance_icon").item() == "inconsistent"


@pytest.mark.parametrize(
    ("improvement", "target", "icon"),
    [
        ("increase", -10.0, "pass"),
        ("decrease", -10.0, "fail"),
        ("increase", 100.0, "fail"),
        ("decrease", 100.0, "pass"),
        ("increase", 2.0, "inconsistent"),
        ("neutral", 2.0, None),
    ],
)
def test_assurance_table(improvement, target, icon) -> None:
    result = run([1.0, 3.0] * 7, improvement=improvement, target=target)
    assert result.summary.get_column("assurance_icon").item() == icon


def test_target_equal_to_a_limit_is_inconsistent() -> None:
    result = run([1.0, 3.0] * 7)
    upl = result.summary.get_column("upl").item()
    assert (
        run([1.0, 3.0] * 7, target=upl).summary.get_column("assurance_icon").item()
        == "inconsistent"
    )


@pytest.mark.parametrize(
    ("values", "improvement", "icon"),
    [
        ([0.0, 1] * 8 + [9, 9, 9], "increase", "improvement_high"),
        ([0.0, 1] * 8 + [9, 9, 9], "decrease", "concern_high"),
        ([9.0, 8] * 8 + [0, 0, 0], "increase", "concern_low"),
        ([9.0, 8] * 8 + [0, 0, 0], "decrease", "improvement_low"),
        ([9.0, 8] * 8 + [0, 0, 0], "neutral", "neutral_low"),
        ([0.0, 1] * 8 + [9, 9, 9], "neutral", "neutral_high"),
        ([0.0, 1] * 9, "increase", "common_cause"),
    ],
)
def test_variation_icons(values, improvement, icon) -> None:
    assert run(values, improvement=improvement).summary.get_column("variation_icon").item() == icon


def test_latest_missing_value_gives_common_cause_icon() -> None:
    result = run([0.0, 1] * 8 + [9, 9, None])
    assert result.summary.get_column("variation_icon").item() == "common_cause"
    assert math.isnan(result.summary.get_column("value").item() or math.nan)
