"""Reporting periods: parsing the forms analysts type, ends, shifts and labels."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from trustboard.domain import Frequency, Period, financial_year_start, month_end
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
