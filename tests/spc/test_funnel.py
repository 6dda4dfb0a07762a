"""Funnel plots (spc.md Part D): published values, hand-worked cases and properties."""

from __future__ import annotations

import math

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from trustboard.errors import DataValidationError, OptionsError
from trustboard.spc.funnel import funnel, limit_name

Z95 = 1.959963984540054  # the normal 97.5% quantile
Z998 = 3.090232306167813  # the normal 99.9% quantile


def _units(numerators, denominators) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "unit": [f"U{i:02d}" for i in range(len(numerators))],
            "num": [float(x) for x in numerators],
            "den": [float(x) for x in denominators],
        }
    )


# FunnelPlotR tests/testthat/test-poisson_limits.R, quoted in spc.md D.2 (target 1)
PUBLISHED_POISSON = {
    15: ((0.5597, 1.6493), (0.3863, 2.0829)),
    20: ((0.6108, 1.5444), (0.4479, 1.9021)),
    30: ((0.6747, 1.4276), (0.5290, 1.7028)),
}


@pytest.mark.parametrize("expected", sorted(PUBLISHED_POISSON))
def test_standardised_ratio_exact_limits_match_funnelplotr(expected: int) -> None:
    result = funnel(
        _units([expected], [expected]),
        numerator="num",
        denominator="den",
        by="unit",
        kind="standardised_ratio",
    )
    row = result.points.row(0, named=True)
    (l95, u95), (l998, u998) = PUBLISHED_POISSON[expected]
    assert row["lower_95"] == pytest.approx(l95, abs=5e-5)
    assert row["upper_95"] == pytest.approx(u95, abs=5e-5)
    assert row["lower_998"] == pytest.approx(l998, abs=5e-5)
    assert row["upper_998"] == pytest.approx(u998, abs=5e-5)
    assert result.target == 1.0
    assert result.options.method == "exact"


def test_standardised_ratio_flags_use_exact_limits_inclusive() -> None:
    # E = 20: 95% limits 0.6108..1.5444, 99.8% 0.4479..1.9021 (published above)
    data = _units([12, 13, 31, 40, 20], [20, 20, 20, 20, 20])
    points = funnel(
        data, numerator="num", denominator="den", by="unit", kind="standardised_ratio"
    ).points
    # 12/20 = 0.60 is below 0.6108; 13/20 = 0.65 inside; 31/20 = 1.55 above 1.5444;
    # 40/20 = 2.0 above 1.9021; 1.0 inside
    assert points.get_column("outside_95").to_list() == [True, False, True, True, False]
    assert points.get_column("outside_998").to_list() == [False, False, False, True, False]
    assert points.get_column("side").to_list() == ["low", None, "high", "high", None]


def test_proportion_arcsine_limits_hand_worked() -> None:
    # target 0.1, n = 100: s = 1/(2*10) = 0.05, limits sin^2(asin(sqrt(0.1)) +- z * 0.05)
    result = funnel(_units([10], [100]), numerator="num", denominator="den", by="unit", target=0.1)
    row = result.points.row(0, named=True)
    centre = math.asin(math.sqrt(0.1))
    assert row["upper_95"] == pytest.approx(math.sin(centre + Z95 * 0.05) ** 2, rel=1e-12)
    assert row["lower_95"] == pytest.approx(math.sin(centre - Z95 * 0.05) ** 2, rel=1e-12)
    assert row["upper_998"] == pytest.approx(math.sin(centre + Z998 * 0.05) ** 2, rel=1e-12)
    assert row["z"] == pytest.approx(0.0, abs=1e-12)


def test_proportion_arcsine_agrees_with_normal_approximation_for_large_n() -> None:
    n = 1_000_000
    result = funnel(
        _units([200_000], [n]), numerator="num", denominator="den", by="unit", target=0.2
    )
    row = result.points.row(0, named=True)
    half_width = Z95 * math.sqrt(0.2 * 0.8 / n)
    assert row["upper_95"] == pytest.approx(0.2 + half_width, rel=1e-4)
    assert row["lower_95"] == pytest.approx(0.2 - half_width, rel=1e-4)


def test_proportion_default_target_is_overall_rate() -> None:
    result = funnel(
        _units([5, 30, 15], [100, 200, 300]), numerator="num", denominator="den", by="unit"
    )
    assert result.target == pytest.approx(50 / 600)


def _reference_exact_binomial(n: int, theta: float, p: float) -> float:
    """Spiegelhalter (2005) A.1.1 by a plain loop: the p-quantile of r/n, interpolated."""
    cumulative = 0.0
    previous = 0.0
    for r in range(n + 1):
        previous = cumulative
        cumulative += math.comb(n, r) * theta**r * (1 - theta) ** (n - r)
        if cumulative >= p:
            alpha = (cumulative - p) / (cumulative - previous)
            return max((r - alpha) / n, 0.0)  # a proportion cannot be below 0
    return 1.0


@pytest.mark.parametrize(("n", "theta"), [(20, 0.1), (57, 0.3), (250, 0.05), (1000, 0.5)])
def test_proportion_exact_limits_match_reference_loop(n: int, theta: float) -> None:
    result = funnel(
        _units([round(n * theta)], [n]),
        numerator="num",
        denominator="den",
        by="unit",
        target=theta,
        method="exact",
    )
    row = result.points.row(0, named=True)
    for level, name in ((0.95, "95"), (0.998, "998")):
        tail = (1 - level) / 2
        assert row[f"lower_{name}"] == pytest.approx(
            _reference_exact_binomial(n, theta, tail), abs=1e-9
        )
        assert row[f"upper_{name}"] == pytest.approx(
            _reference_exact_binomial(n, theta, 1 - tail), abs=1e-9
        )


def test_ratio_of_counts_hand_worked() -> None:
    # O = 10, D = 20, target 0.5: y = log(10.5/20.5), s^2 = 10/10.5^2 + 20/20.5^2
    result = funnel(
        _units([10], [20]), numerator="num", denominator="den", by="unit", kind="ratio", target=0.5
    )
    row = result.points.row(0, named=True)
    s = math.sqrt(10 / 10.5**2 + 20 / 20.5**2)
    assert row["value"] == 0.5
    assert row["z"] == pytest.approx((math.log(10.5 / 20.5) - math.log(0.5)) / s, rel=1e-12)
    assert row["upper_95"] == pytest.approx(math.exp(math.log(0.5) + Z95 * s), rel=1e-12)
    assert row["lower_998"] == pytest.approx(math.exp(math.log(0.5) - Z998 * s), rel=1e-12)


def _overdispersed() -> pl.DataFrame:
    return _units(
        [5, 30, 12, 50, 8, 20, 25, 3, 40, 70], [100, 200, 150, 300, 90, 210, 180, 50, 260, 320]
    )


def test_overdispersion_phi_and_tau2_hand_worked_without_trimming() -> None:
    data = _overdispersed()
    num = data.get_column("num").to_numpy()
    den = data.get_column("den").to_numpy()
    theta = num.sum() / den.sum()
    s = 1 / (2 * np.sqrt(den))
    z = (np.arcsin(np.sqrt(num / den)) - math.asin(math.sqrt(theta))) / s
    n = len(z)
    phi = sum(v * v for v in z) / n
    w = 1 / s**2
    tau2 = max(0.0, (n * phi - (n - 1)) / (w.sum() - (w**2).sum() / w.sum()))
    assert phi > 1  # the data are over-dispersed, so the adjustment is exercised

    additive = funnel(
        data,
        numerator="num",
        denominator="den",
        by="unit",
        overdispersion="additive",
        trim_fraction=0,
    )
    assert additive.phi == pytest.approx(phi, rel=1e-12)
    assert additive.tau2 == pytest.approx(tau2, rel=1e-12)
    row = additive.points.row(0, named=True)
    centre = math.asin(math.sqrt(theta))
    assert row["upper_95"] == pytest.approx(
        math.sin(centre + Z95 * math.sqrt(s[0] ** 2 + tau2)) ** 2, rel=1e-12
    )

    multiplicative = funnel(
        data,
        numerator="num",
        denominator="den",
        by="unit",
        overdispersion="multiplicative",
        trim_fraction=0,
    )
    row = multiplicative.points.row(0, named=True)
    assert row["z_adjusted"] == pytest.approx(z[0] / math.sqrt(phi), rel=1e-12)
    assert row["upper_998"] == pytest.approx(
        math.sin(centre + Z998 * s[0] * math.sqrt(phi)) ** 2, rel=1e-12
    )


def _quantile_type7(values: list[float], p: float) -> float:
    ordered = sorted(values)
    h = (len(ordered) - 1) * p
    low = math.floor(h)
    return ordered[low] + (h - low) * (ordered[min(low + 1, len(ordered) - 1)] - ordered[low])


def test_winsorised_phi_matches_reference() -> None:
    data = _overdispersed()
    result = funnel(data, numerator="num", denominator="den", by="unit", overdispersion="additive")
    z = result.points.get_column("z").to_list()
    low, high = _quantile_type7(z, 0.1), _quantile_type7(z, 0.9)
    expected = sum(min(max(v, low), high) ** 2 for v in z) / len(z)
    assert result.phi == pytest.approx(expected, rel=1e-12)


def test_truncated_phi_leaves_out_top_and_bottom_tenth() -> None:
    # 19 units: rank r is kept when 0.1 <= r/20 < 0.9, i.e. ranks 2..17 (16 units)
    num = [3 + 2 * i for i in range(19)]
    den = [100 + 10 * i for i in range(19)]
    result = funnel(
        _units(num, den),
        numerator="num",
        denominator="den",
        by="unit",
        overdispersion="additive",
        trim="truncate",
    )
    z = sorted(result.points.get_column("z").to_list())
    kept = z[1:17]
    assert result.phi == pytest.approx(sum(v * v for v in kept) / 16, rel=1e-12)


def test_standardised_ratio_with_overdispersion_uses_square_root_scale() -> None:
    data = _units([20, 35, 12, 60, 9], [25.0, 30.0, 15.0, 40.0, 12.0])
    result = funnel(
        data,
        numerator="num",
        denominator="den",
        by="unit",
        kind="standardised_ratio",
        overdispersion="additive",
        trim_fraction=0,
    )
    assert result.options.method == "transformed"
    row = result.points.row(0, named=True)
    s = 1 / (2 * math.sqrt(25.0))
    assert row["z"] == pytest.approx((math.sqrt(20 / 25) - 1) / s, rel=1e-12)
    assert row["upper_95"] == pytest.approx(
        (1 + Z95 * math.sqrt(s * s + result.tau2)) ** 2, rel=1e-12
    )


def test_flags_nest_and_match_z_scores() -> None:
    result = funnel(_overdispersed(), numerator="num", denominator="den", by="unit")
    points = result.points
    for row in points.iter_rows(named=True):
        assert row["outside_95"] == (abs(row["z_adjusted"]) > Z95)
        assert row["outside_998"] == (abs(row["z_adjusted"]) > Z998)
        if row["outside_998"]:
            assert row["outside_95"]
        if row["outside_95"]:
            assert row["side"] == ("high" if row["value"] > result.target else "low")
        else:
            assert row["side"] is None
    assert result.outliers().height == int(points.get_column("outside_998").sum())


def test_curve_covers_the_units_and_names_limits() -> None:
    result = funnel(
        _overdispersed(), numerator="num", denominator="den", by="unit", limits=(0.9, 0.95, 0.999)
    )
    curve = result.curve
    assert curve.columns == [
        "precision",
        "target",
        "lower_90",
        "upper_90",
        "lower_95",
        "upper_95",
        "lower_999",
        "upper_999",
    ]
    assert curve.get_column("precision").min() < 50 < 320 < curve.get_column("precision").max()
    assert {"outside_90", "outside_95", "outside_999"} <= set(result.points.columns)
    assert limit_name(0.998) == "998"


def test_every_data_problem_is_reported_at_once() -> None:
    data = pl.DataFrame(
        {
            "unit": ["A", "B", "C", "C", "E"],
            "num": [-1.0, 5.0, 30.0, 2.0, None],
            "den": [10.0, 0.0, 20.0, 40.0, 50.0],
        }
    )
    with pytest.raises(DataValidationError) as caught:
        funnel(data, numerator="num", denominator="den", by="unit")
    codes = sorted(p.code for p in caught.value.problems)
    assert codes == [
        "TB-FUNNEL-DUPLICATE-UNIT",
        "TB-FUNNEL-DUPLICATE-UNIT",
        "TB-FUNNEL-MISSING",
        "TB-FUNNEL-NEGATIVE",
        "TB-FUNNEL-NOT-POSITIVE",
        "TB-FUNNEL-NUM-GT-DEN",
    ]
    rows = sorted(p.row for p in caught.value.problems if p.code != "TB-FUNNEL-DUPLICATE-UNIT")
    assert rows == [2, 3, 4, 6]


def test_missing_columns_are_reported_together() -> None:
    with pytest.raises(DataValidationError) as caught:
        funnel(pl.DataFrame({"x": [1]}), numerator="num", denominator="den", by="unit")
    assert sorted(p.column for p in caught.value.problems) == ["den", "num", "unit"]


@pytest.mark.parametrize(
    "kwargs",
    [
        {"kind": "rate"},
        {"limits": (0.998, 0.95)},
        {"limits": (0.95, 1.2)},
        {"overdispersion": "random"},
        {"trim": "clip"},
        {"trim_fraction": 0.5},
        {"target": 1.5},
        {"method": "exact", "overdispersion": "additive"},
        {"kind": "ratio", "method": "exact"},
    ],
)
def test_invalid_options_raise_options_error(kwargs: dict) -> None:
    with pytest.raises(OptionsError):
        funnel(_overdispersed(), numerator="num", denominator="den", by="unit", **kwargs)


def test_all_zero_numerators_cannot_form_a_funnel() -> None:
    with pytest.raises(DataValidationError) as caught:
        funnel(_units([0, 0], [10, 20]), numerator="num", denominator="den", by="unit")
    assert caught.value.problems[0].code == "TB-FUNNEL-DEGENERATE-TARGET"


def test_phi_just_below_one_adds_no_between_unit_variance() -> None:
    # N phi > N - 1 but phi <= 1: DerSimonian-Laird alone would add a little; trustboard adds none
    result = funnel(
        _units([0, 6, 29], [1, 78, 229]),
        numerator="num",
        denominator="den",
        by="unit",
        overdispersion="additive",
        trim="truncate",
    )
    assert 2 / 3 < result.phi <= 1
    assert result.tau2 == 0
    assert (
        result.points.get_column("z_adjusted").to_list() == result.points.get_column("z").to_list()
    )


unit_counts = st.lists(
    st.tuples(st.integers(1, 5000), st.floats(0.01, 0.99)),
    min_size=3,
    max_size=25,
)


@settings(max_examples=40, deadline=None)
@given(
    unit_counts,
    st.sampled_from(["proportion", "ratio", "standardised_ratio"]),
    st.sampled_from([None, "multiplicative", "additive"]),
)
def test_limits_narrow_as_precision_grows(units, kind, overdispersion) -> None:
    den = [n for n, _ in units]
    num = [round(n * p) for n, p in units]
    if sum(num) == 0 or (kind == "proportion" and sum(num) == sum(den)):
        return
    result = funnel(
        _units(num, den),
        numerator="num",
        denominator="den",
        by="unit",
        kind=kind,
        overdispersion=overdispersion,
    )
    curve = result.curve
    if kind == "ratio":
        # the continuity-corrected variance x/(x+0.5)^2 only falls once counts reach 0.5
        precision = pl.col("precision")
        curve = curve.filter((precision >= 0.5) & (precision * result.target >= 0.5))
    for name in ("95", "998"):
        upper = curve.get_column(f"upper_{name}").to_numpy()
        lower = curve.get_column(f"lower_{name}").to_numpy()
        assert np.all(np.diff(upper) <= 1e-12)
        assert np.all(np.diff(lower) >= -1e-12)
        assert np.all(lower <= curve.get_column("target").to_numpy() + 1e-12)
        assert np.all(upper >= curve.get_column("target").to_numpy() - 1e-12)


@settings(max_examples=40, deadline=None)
@given(unit_counts, st.sampled_from([None, "additive"]))
def test_limits_symmetric_on_the_arcsine_scale(units, overdispersion) -> None:
    den = [n for n, _ in units]
    num = [round(n * p) for n, p in units]
    if sum(num) == 0 or sum(num) == sum(den):
        return
    result = funnel(
        _units(num, den),
        numerator="num",
        denominator="den",
        by="unit",
        overdispersion=overdispersion,
    )
    centre = math.asin(math.sqrt(result.target))
    for row in result.points.iter_rows(named=True):
        up = math.asin(math.sqrt(row["upper_95"])) - centre
        down = centre - math.asin(math.sqrt(row["lower_95"]))
        if row["lower_95"] > 0 and row["upper_95"] < 1:  # unclamped
            assert up == pytest.approx(down, rel=1e-9, abs=1e-12)


@settings(max_examples=60, deadline=None)
@given(unit_counts, st.sampled_from(["winsorise", "truncate"]))
def test_no_overdispersion_means_no_between_unit_variance(units, trim) -> None:
    den = [n for n, _ in units]
    num = [round(n * p) for n, p in units]
    if sum(num) == 0 or sum(num) == sum(den):
        return
    result = funnel(_units(num, den), numerator="num", denominator="den", by="unit", trim=trim)
    assert result.tau2 >= 0
    if result.phi <= 1:
        assert result.tau2 == 0
