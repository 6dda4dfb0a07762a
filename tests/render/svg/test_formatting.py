"""Values formatted by unit (hand-worked expectations)."""

from __future__ import annotations

import itertools
import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from trustboard.domain import Unit
from trustboard.render.svg import format_tick, format_value, nice_ticks


@pytest.mark.parametrize(
    ("value", "unit", "expected"),
    [
        (0.853, "percent", "85.3%"),
        (0.8535, "percent", "85.4%"),  # half-up, as people round
        (1.0, "percent", "100.0%"),
        (1234.0, "gbp_000", "£1,234k"),
        (-12.4, "gbp_000", "−£12k"),
        (4.25, "days", "4.3 days"),
        (1.0, "weeks", "1.0 weeks"),
        (12.34, "count", "12.3"),
        (12.0, "count", "12"),
        (1234.5, "count", "1,235"),  # counts of 100 and over show no decimals
        (3.456, "rate_per_1000_obd", "3.46 per 1,000 bed days"),
        (0.98, "ratio", "0.98"),
        (7.42, "score_0_10", "7.4 out of 10"),
        (1520.25, "wte", "1,520.3 WTE"),
        (36.0, "hours", "36.0 hours"),
        (None, "count", "–"),
        (math.nan, "percent", "–"),
        (-0.0001, "ratio", "0.00"),  # rounds to zero: no minus sign
    ],
)
def test_format_value(value, unit, expected) -> None:
    assert format_value(value, unit) == expected


def test_format_value_options() -> None:
    assert format_value(4.25, Unit.DAYS, with_unit=False) == "4.3"
    assert format_value(0.85, "percent", decimals=0) == "85%"
    with pytest.raises(ValueError):
        format_value(1.0, "furlongs")


def test_tick_labels_take_decimals_from_the_step() -> None:
    ticks = nice_ticks(0.8, 0.97)
    assert ticks == [0.8, 0.85, 0.9, 0.95, 1.0]
    assert [format_tick(t, "percent", ticks) for t in ticks] == ["80%", "85%", "90%", "95%", "100%"]
    small = nice_ticks(3.1, 3.2)
    assert [format_tick(t, "days", small) for t in small][:2] == ["3.100", "3.125"]


@given(st.floats(-1e6, 1e6), st.floats(0.001, 1e6), st.integers(3, 8))
def test_ticks_cover_the_range_in_equal_round_steps(low, width, count) -> None:
    high = low + width
    ticks = nice_ticks(low, high, count)
    step = ticks[1] - ticks[0]
    assert ticks[0] <= low + 1e-6 * step and ticks[-1] >= high - 1e-6 * step
    steps = {round(b - a, 9) for a, b in itertools.pairwise(ticks)}
    assert all(math.isclose(s, step, rel_tol=1e-6, abs_tol=1e-9) for s in steps)
    mantissa = step / 10 ** math.floor(math.log10(step))
    assert any(math.isclose(mantissa, m, rel_tol=1e-6) for m in (1, 2, 2.5, 5, 10))
