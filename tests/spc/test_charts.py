"""Chart types other than XmR: hand-worked limits (spc.md Part B.1) and rules on top."""

from __future__ import annotations

import itertools
import math

import polars as pl
import pytest

from trustboard.spc import compute

from .helpers import months


def _ratio(num: list[int], den: list[int], chart: str, **options) -> pl.DataFrame:
    data = pl.DataFrame({"month": months(len(num)), "n": num, "d": den})
    return compute(
        data, date="month", numerator="n", denominator="d", chart=chart, **options
    ).points


def _values(values: list[float | None], chart: str, **options) -> pl.DataFrame:
    data = pl.DataFrame(
        {"month": months(len(values)), "y": values}, schema_overrides={"y": pl.Float64}
    )
    return compute(data, date="month", value="y", chart=chart, **options).points


def test_p_chart_limits_vary_with_the_denominator() -> None:
    pts = _ratio([2, 4, 6], [10, 20, 30], "p")
    pbar = 12 / 60
    assert pts.get_column("mean").to_list() == [pytest.approx(pbar)] * 3
    for n, upl, lpl in zip([10, 20, 30], pts.get_column("upl"), pts.get_column("lpl"), strict=True):
        sigma = math.sqrt(pbar * (1 - pbar) / n)
        assert upl == pytest.approx(pbar + 3 * sigma)
        assert lpl == pytest.approx(max(pbar - 3 * sigma, 0.0))
    assert pts.get_column("lpl").to_list()[0] == 0.0


def test_p_chart_limits_are_clamped_to_one() -> None:
    pts = _ratio([9, 10, 9], [10, 10, 10], "p")
    assert max(pts.get_column("upl")) == 1.0


def test_p_chart_outside_uses_each_points_own_limits() -> None:
    num = [50] * 12 + [80]
    den = [100] * 12 + [100]
    pts = _ratio(num, den, "p")
    assert pts.get_column("special_cause_type").to_list()[-1] == "Above UCL"
    pbar = sum(num) / sum(den)
    assert pts.get_column("upl").to_list()[-1] == pytest.approx(
        pbar + 3 * math.sqrt(pbar * (1 - pbar) / 100)
    )


def test_u_chart() -> None:
    pts = _ratio([3, 5], [2, 4], "u")
    ubar = 8 / 6
    assert pts.get_column("upl").to_list() == [
        pytest.approx(ubar + 3 * math.sqrt(ubar / 2)),
        pytest.approx(ubar + 3 * math.sqrt(ubar / 4)),
    ]
    assert pts.get_column("lpl").to_list() == [0.0, 0.0]


def test_laney_p_prime_with_equal_denominators_is_an_individuals_chart() -> None:
    # With a constant denominator sigma_i cancels: limits = p-bar +/- 3 x mean MR(p) / 1.128.
    num = [20, 25, 22, 30, 18, 24, 27, 21]
    pts = _ratio(num, [100] * 8, "pp")
    p = [x / 100 for x in num]
    amr = sum(abs(b - a) for a, b in itertools.pairwise(p)) / 7
    pbar = sum(p) / 8
    assert pts.get_column("upl").to_list()[0] == pytest.approx(pbar + 3 * amr / 1.128)
    assert pts.get_column("lpl").to_list()[0] == pytest.approx(pbar - 3 * amr / 1.128)


def test_laney_u_prime_equals_p_prime_apart_from_the_clamp() -> None:
    num = [20, 25, 22, 30, 18, 24, 27, 21]
    den = [100, 120, 90, 110, 100, 95, 105, 100]
    pp = _ratio(num, den, "pp")
    up = _ratio(num, den, "up")
    assert pp.get_column("upl").to_list() == pytest.approx(up.get_column("upl").to_list())
    assert pp.get_column("lpl").to_list() == pytest.approx(up.get_column("lpl").to_list())


def test_c_chart() -> None:
    pts = _values([4, 9, 5], "c")
    assert pts.get_column("mean").to_list()[0] == 6.0
    assert pts.get_column("upl").to_list()[0] == pytest.approx(6 + 3 * math.sqrt(6))
    assert pts.get_column("lpl").to_list()[0] == 0.0


def test_g_chart_centre_is_the_median_and_limits_come_from_the_mean() -> None:
    pts = _values([1, 5, 9, 2], "g")
    gbar = 17 / 4
    assert pts.get_column("mean").to_list()[0] == 3.5
    assert pts.get_column("upl").to_list()[0] == pytest.approx(
        gbar + 3 * math.sqrt(gbar * (gbar + 1))
    )
    assert pts.get_column("lpl").to_list()[0] == 0.0


def test_t_chart_back_transforms_an_xmr_of_the_transformed_times() -> None:
    times = [10.0, 12.0, 9.0, 11.0, 40.0, 10.0]
    pts = _values(times, "t", screen_outliers=False)
    moved = [t ** (1 / 3.6) for t in times]
    mean = sum(moved) / 6
    amr = sum(abs(b - a) for a, b in itertools.pairwise(moved)) / 5
    assert pts.get_column("mean").to_list()[0] == pytest.approx(mean**3.6)
    assert pts.get_column("upl").to_list()[0] == pytest.approx((mean + 2.66 * amr) ** 3.6)
    assert pts.get_column("lpl").to_list()[0] == pytest.approx(max(mean - 2.66 * amr, 0) ** 3.6)


def test_mr_chart_plots_moving_ranges() -> None:
    pts = _values([1, 4, 2, 8], "mr")
    assert pts.get_column("value").to_list() == [None, 3.0, 2.0, 6.0]
    assert pts.get_column("mean").to_list()[1] == pytest.approx(11 / 3)
    assert pts.get_column("upl").to_list()[1] == pytest.approx(3.267 * 11 / 3)
    assert pts.get_column("lpl").to_list()[1] == 0.0


def test_rules_apply_on_every_chart_type() -> None:
    # a c chart with seven counts above the mean after a low baseline
    counts = [2, 3, 2, 3, 2, 3, 2, 3, 2, 3, 2, 3] + [4] * 7
    pts = _values(counts, "c", fix_after_n_points=12)
    assert pts.get_column("special_cause_type").to_list()[-7:] == ["7 Points Above CL"] * 7
    assert set(pts.get_column("point_type").to_list()[-7:]) == {"special_cause_improvement"}
