"""The small-number rule (domain.md §10.3): values under 5 hidden, other counts to the nearest 5."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from trustboard.domain import SuppressionRule
from trustboard.render.pack.suppression import (
    round_to_nearest_five,
    suppress_series,
    suppress_value,
)


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        (0.0, None),
        (4.0, None),
        (4.99, None),
        (5.0, 5.0),
        (7.0, 5.0),
        (7.5, 10.0),
        (12.4, 10.0),
        (12.5, 15.0),
        (103.0, 105.0),
        (None, None),
    ],
)
def test_national_rule_by_hand(raw: float | None, shown: float | None) -> None:
    result = suppress_value(raw, SuppressionRule.NATIONAL)
    assert result.value == shown
    assert result.suppressed == (raw is not None and raw < 5)


def test_under_five_rule_keeps_other_counts_exact() -> None:
    assert suppress_value(7.0, SuppressionRule.UNDER_FIVE).value == 7.0
    assert suppress_value(3.0, SuppressionRule.UNDER_FIVE).suppressed


def test_no_rule_changes_nothing() -> None:
    assert suppress_value(2.0, SuppressionRule.NONE).value == 2.0


def test_a_ratio_is_hidden_by_its_numerator_and_never_rounded() -> None:
    assert suppress_value(0.03, SuppressionRule.NATIONAL, numerator=3).suppressed
    kept = suppress_value(0.37, SuppressionRule.NATIONAL, numerator=37)
    assert kept.value == 0.37 and not kept.suppressed


def test_series_lengths_must_agree() -> None:
    with pytest.raises(ValueError):
        suppress_series([1.0, 2.0], SuppressionRule.NATIONAL, numerators=[1.0])


@given(st.floats(min_value=0, max_value=1e6, allow_nan=False))
def test_nothing_under_five_is_ever_shown_and_counts_are_multiples_of_five(raw: float) -> None:
    result = suppress_value(raw, SuppressionRule.NATIONAL)
    if result.value is not None:
        assert result.value >= 5
        assert result.value % 5 == 0
        assert abs(result.value - raw) <= 2.5
    else:
        assert raw < 5


@given(st.floats(min_value=-1e6, max_value=1e6, allow_nan=False))
def test_rounding_is_symmetric_and_half_away_from_zero(raw: float) -> None:
    assert round_to_nearest_five(-raw) == -round_to_nearest_five(raw)
    assert math.isclose(round_to_nearest_five(raw) % 5, 0, abs_tol=1e-9) or math.isclose(
        round_to_nearest_five(raw) % 5, 5, abs_tol=1e-9
    )
