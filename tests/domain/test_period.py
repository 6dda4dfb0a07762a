"""Reporting periods: parsing the forms analysts type, ends, shifts and labels."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from trustboard.domain import Frequency, Period, financial_year_start, month_end
from trustboard.domain.period import add_months, months_between
from trustboard.errors import OptionsError


@pytest.mark.parametrize(
    ("text", "start", "end", "frequency"),
    [
        ("2025-03", date(2025, 3, 1), date(2025, 3, 31), Frequency.MONTHLY),
        ("2024-02", date(2024, 2, 1), date(2024, 2, 29), Frequency.MONTHLY),  # leap year
        ("2025-W09", date(2025, 2, 24), date(2025, 3, 2), Frequency.WEEKLY),
        ("2024-25 Q4", date(2025, 1, 1), date(2025, 3, 31), Frequency.QUARTERLY),
        ("2024-25 Q1", date(2024, 4, 1), date(2024, 6, 30), Frequency.QUARTERLY),
        ("2024-25", date(2024, 4, 1), date(2025, 3, 31), Frequency.ANNUAL),
    ],
)
def test_parse_known_forms(text: str, start: date, end: date, frequency: Frequency) -> None:
    period = Period.parse(text)
    assert (period.start, period.end, period.frequency) == (start, end, frequency)
    assert Period.parse(period.label()) == period


def test_financial_year_and_month_end() -> None:
    assert financial_year_start(date(2025, 3, 31)) == date(2024, 4, 1)
    assert financial_year_start(date(2025, 4, 1)) == date(2025, 4, 1)
    assert month_end(date(2100, 2, 10)) == date(2100, 2, 28)  # 2100 is not a leap year


@pytest.mark.parametrize("text", ["2025-13x", "March", "2025-W60", "2021-W53", "2024-26"])
def test_bad_periods_raise_options_error(text: str) -> None:
    with pytest.raises(OptionsError) as caught:
        Period.parse(text)
    assert caught.value.code == "TB-PERIOD"


@given(
    st.dates(min_value=date(2000, 1, 1), max_value=date(2090, 12, 31)),
    st.sampled_from(list(Frequency)),
    st.integers(-30, 30),
)
def test_shift_round_trips_and_periods_tile(day: date, frequency: Frequency, steps: int) -> None:
    period = Period.containing(day, frequency)
    assert period.start <= day <= period.end
    assert period.shift(steps).shift(-steps) == period
    assert (period.next().start - period.end).days == 1


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (date(2025, 1, 31), 1, date(2025, 2, 28)),  # February is shorter: its last day
        (date(2024, 1, 31), 1, date(2024, 2, 29)),  # leap year
        (date(2025, 3, 31), -1, date(2025, 2, 28)),
        (date(2025, 9, 30), -12, date(2024, 9, 30)),  # a year before the BAF review date
        (date(2025, 12, 15), 1, date(2026, 1, 15)),  # across the year end
        (date(2025, 1, 15), -1, date(2024, 12, 15)),
        (date(2025, 5, 31), -3, date(2025, 2, 28)),
        (date(2025, 4, 1), 0, date(2025, 4, 1)),
        (date(2025, 4, 1), 120, date(2035, 4, 1)),
    ],
)
def test_add_months_by_hand(day: date, months: int, expected: date) -> None:
    assert add_months(day, months) == expected


@pytest.mark.parametrize(
    ("earlier", "later", "expected"),
    [
        (date(2025, 1, 31), date(2025, 2, 1), 1),  # days do not count, months do
        (date(2025, 1, 1), date(2025, 1, 31), 0),
        (date(2024, 4, 1), date(2025, 3, 1), 11),  # April to March: a financial year's months
        (date(2024, 12, 1), date(2025, 1, 1), 1),
        (date(2025, 3, 1), date(2024, 3, 1), -12),
    ],
)
def test_months_between_by_hand(earlier: date, later: date, expected: int) -> None:
    assert months_between(earlier, later) == expected


@given(
    st.dates(min_value=date(1950, 1, 1), max_value=date(2150, 12, 31)),
    st.integers(min_value=-600, max_value=600),
)
def test_add_months_and_months_between_agree(day: date, months: int) -> None:
    moved = add_months(day, months)
    assert months_between(day, moved) == months
    assert moved.day == min(day.day, month_end(moved).day)
    # monthly periods step by the same arithmetic
    start = Period.containing(day)
    assert start.shift(months).start == add_months(start.start, months)
