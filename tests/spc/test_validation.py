"""Bad input: one error listing every problem, never a crash or a silently wrong answer."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from trustboard.errors import DataValidationError, OptionsError
from trustboard.spc import SpcOptions, compute

from .helpers import frame, months


def _codes(error: pytest.ExceptionInfo) -> list[str]:
    return [p.code for p in error.value.problems]


def test_missing_columns_are_all_listed() -> None:
    with pytest.raises(DataValidationError) as error:
        compute(frame([1.0]), date="when", value="amount", by="org")
    missing = {p.column for p in error.value.problems}
    assert missing == {"when", "amount", "org"}
    assert all(p.code == "TB-SPC-COLUMN-MISSING" for p in error.value.problems)


def test_wrong_column_types() -> None:
    data = pl.DataFrame({"month": [1, 2], "y": ["a", "b"]})
    with pytest.raises(DataValidationError) as error:
        compute(data, date="month", value="y")
    assert {(p.code, p.column) for p in error.value.problems} == {
        ("TB-SPC-COLUMN-TYPE", "month"),
        ("TB-SPC-COLUMN-TYPE", "y"),
    }


def test_duplicate_dates_name_the_rows() -> None:
    data = pl.DataFrame(
        {
            "org": ["A", "A", "B", "A"],
            "month": [date(2024, 1, 1), date(2024, 2, 1), date(2024, 1, 1), date(2024, 1, 1)],
            "y": [1.0, 2.0, 3.0, 4.0],
        }
    )
    with pytest.raises(DataValidationError) as error:
        compute(data, date="month", value="y", by="org")
    assert _codes(error) == ["TB-SPC-DUPLICATE-DATE"] * 2
    assert sorted(p.row for p in error.value.problems) == [1, 4]
    assert "row 1" in str(error.value)


def test_count_problems_for_a_p_chart() -> None:
    data = pl.DataFrame(
        {
            "month": months(5),
            "num": [1.0, -1.0, 2.5, 12.0, 1.0],
            "den": [10.0, 10.0, 10.0, 10.0, 0.0],
        }
    )
    with pytest.raises(DataValidationError) as error:
        compute(data, date="month", numerator="num", denominator="den", chart="p")
    found = {(p.code, p.row) for p in error.value.problems}
    assert found == {
        ("TB-SPC-COUNT-NEGATIVE", 2),
        ("TB-SPC-COUNT-NOT-WHOLE", 3),
        ("TB-SPC-NUMERATOR-EXCEEDS", 4),
        ("TB-SPC-DENOMINATOR-ZERO", 5),
        ("TB-SPC-NUMERATOR-EXCEEDS", 5),
    }
    assert all(p.column in {"num", "den"} for p in error.value.problems)


def test_counts_for_c_chart_and_zero_denominator_for_xmr() -> None:
    with pytest.raises(DataValidationError) as error:
        compute(frame([1.0, -2.0, 0.5]), date="month", value="y", chart="c")
    assert {(p.code, p.row, p.value) for p in error.value.problems} == {
        ("TB-SPC-COUNT-NEGATIVE", 2, -2.0),
        ("TB-SPC-COUNT-NOT-WHOLE", 3, 0.5),
    }
    data = pl.DataFrame({"month": months(2), "n": [1, 2], "d": [1, 0]})
    with pytest.raises(DataValidationError) as error:
        compute(data, date="month", numerator="n", denominator="d")
    assert [(p.code, p.row) for p in error.value.problems] == [("TB-SPC-DENOMINATOR-ZERO", 2)]


def test_missing_dates_and_series_keys() -> None:
    data = pl.DataFrame({"org": ["A", None], "month": [date(2024, 1, 1), None], "y": [1.0, 2.0]})
    with pytest.raises(DataValidationError) as error:
        compute(data, date="month", value="y", by="org")
    assert {(p.code, p.row) for p in error.value.problems} == {
        ("TB-SPC-DATE-MISSING", 2),
        ("TB-SPC-SERIES-MISSING", 2),
    }


def test_infinite_values_are_problems_and_missing_values_are_not() -> None:
    with pytest.raises(DataValidationError) as error:
        compute(frame([1.0, float("inf"), None, float("nan")]), date="month", value="y")
    assert [(p.code, p.row) for p in error.value.problems] == [("TB-SPC-VALUE-INFINITE", 2)]


def test_target_and_rebase_keys_must_be_series() -> None:
    data = pl.concat([frame([1.0, 2.0]).with_columns(org=pl.lit(k)) for k in ("A", "B")])
    with pytest.raises(DataValidationError) as error:
        compute(
            data,
            date="month",
            value="y",
            by="org",
            target={"A": 1.0, "Z": 2.0},
            rebase={"Q": [date(2020, 1, 1)]},
        )
    assert {(p.code, p.value) for p in error.value.problems} == {
        ("TB-SPC-TARGET-KEY", "Z"),
        ("TB-SPC-REBASE-KEY", "Q"),
    }


def test_unknown_options_name_the_allowed_ones() -> None:
    with pytest.raises(OptionsError) as error:
        compute(frame([1.0]), date="month", value="y", shift_lenght=6)
    assert "shift_lenght" in str(error.value)
    assert "shift_length" in (error.value.hint or "")


def test_option_values_are_checked_together() -> None:
    with pytest.raises(OptionsError) as error:
        SpcOptions(
            preset="nelson",
            chart="xbar",
            improvement="up",
            fix_after_n_points=11,
            two_in_three="all",
            conflict="worst",
            screen_outliers="yes",
            shift_length=1,
        )
    named = {p.column for p in error.value.problems}
    assert named == {
        "preset",
        "chart",
        "improvement",
        "fix_after_n_points",
        "two_in_three",
        "conflict",
        "screen_outliers",
        "shift_length",
    }


@pytest.mark.parametrize("fix", [11, 0, 12.5, True])
def test_fix_after_n_points_must_be_twelve_or_more(fix) -> None:
    with pytest.raises(OptionsError):
        SpcOptions(fix_after_n_points=fix)
    assert SpcOptions(fix_after_n_points=12).fix_after_n_points == 12


def test_baseline_and_fix_are_exclusive_and_baseline_is_ordered() -> None:
    with pytest.raises(OptionsError):
        SpcOptions(baseline=(date(2020, 1, 1), date(2021, 1, 1)), fix_after_n_points=12)
    with pytest.raises(OptionsError):
        SpcOptions(baseline=(date(2021, 1, 1), date(2020, 1, 1)))
    assert SpcOptions(baseline=("2020-01-01", "2020-12-01")).baseline == (
        date(2020, 1, 1),
        date(2020, 12, 1),
    )


def test_value_columns_must_suit_the_chart() -> None:
    with pytest.raises(OptionsError):
        compute(frame([1.0]), date="month", value="y", chart="p")
    with pytest.raises(OptionsError):
        compute(frame([1.0]), date="month", chart="xmr")
    with pytest.raises(OptionsError):
        compute("not a table", date="month", value="y")


def test_target_per_series_without_by_is_a_problem() -> None:
    with pytest.raises(DataValidationError) as error:
        compute(frame([1.0]), date="month", value="y", target={"A": 1.0})
    assert _codes(error) == ["TB-SPC-TARGET-KEY"]


def test_numpy_numbers_are_accepted_as_options() -> None:
    np = pytest.importorskip("numpy")
    opts = SpcOptions(
        fix_after_n_points=np.int64(12), shift_length=np.int32(6), target=np.float32(0.5)
    )
    assert (opts.fix_after_n_points, opts.shift_length, opts.target) == (12, 6, 0.5)
    assert type(opts.fix_after_n_points) is int
