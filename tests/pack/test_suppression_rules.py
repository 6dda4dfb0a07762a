"""The small-number rule as the board pack applies it (domain.md §10.3, [S37]).

The expected figures come from the hand-worked table ``tests/fixtures/disclosure/
small_numbers.csv``, which the waiting-time tests read too: one rule, one table.
"""

from __future__ import annotations

import csv
from pathlib import Path

import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from trustboard.domain import DetailLevel, Forum, Period, SuppressionRule
from trustboard.errors import DataValidationError, ErrorCode
from trustboard.render.pack import PackInputs, assemble_pack
from trustboard.render.pack.suppression import (
    SUPPRESSION_MARK,
    round_to_nearest_five,
    suppress_series,
    suppress_value,
)

from .builders import months, paper
from .conftest import catalogue

TABLE = Path(__file__).resolve().parents[1] / "fixtures" / "disclosure" / "small_numbers.csv"
with TABLE.open(encoding="utf-8") as handle:
    ROWS = list(csv.DictReader(handle))


@pytest.mark.parametrize("rule", [SuppressionRule.NATIONAL, SuppressionRule.UNDER_FIVE])
@pytest.mark.parametrize("row", ROWS, ids=lambda r: r["value"] or "missing")
def test_the_hand_worked_table(row: dict[str, str], rule: SuppressionRule) -> None:
    raw = float(row["value"]) if row["value"] else None
    expected = row[rule.value]
    if expected == "refused":
        with pytest.raises(DataValidationError) as caught:
            suppress_value(raw, rule)
        assert caught.value.code == ErrorCode.SUPPRESSION_NOT_A_COUNT
        return
    shown = suppress_value(raw, rule)
    if expected == SUPPRESSION_MARK:
        assert shown.value is None and shown.suppressed
    elif expected == "":
        assert shown.value is None and not shown.suppressed
    else:
        assert shown.value == float(expected) and not shown.suppressed


def test_no_rule_changes_nothing_not_even_a_value_that_is_not_a_count() -> None:
    assert suppress_value(2.0, SuppressionRule.NONE).value == 2.0
    assert suppress_value(12.5, SuppressionRule.NONE).value == 12.5


def test_a_ratio_is_judged_by_its_numerator_and_never_rounded() -> None:
    assert suppress_value(0.03, SuppressionRule.NATIONAL, numerator=3, ratio=True).suppressed
    kept = suppress_value(0.37, SuppressionRule.NATIONAL, numerator=37, ratio=True)
    assert kept.value == 0.37 and not kept.suppressed
    # a rate of 12.5 is a ratio, not a count: no rounding, no refusal
    assert suppress_value(12.5, SuppressionRule.NATIONAL, numerator=25, ratio=True).value == 12.5


def test_a_ratio_whose_numerator_is_unknown_is_withheld() -> None:
    shown = suppress_value(0.8, SuppressionRule.UNDER_FIVE, numerator=None, ratio=True)
    assert shown.value is None and shown.suppressed


def test_a_numerator_that_is_not_a_count_is_refused() -> None:
    with pytest.raises(DataValidationError):
        suppress_value(0.5, SuppressionRule.NATIONAL, numerator=6.5, ratio=True)


def test_series_lengths_must_agree() -> None:
    with pytest.raises(ValueError):
        suppress_series([1.0, 2.0], SuppressionRule.NATIONAL, numerators=[1.0])


def test_a_series_of_ratios_uses_its_numerators() -> None:
    shown = suppress_series([0.1, 0.5], SuppressionRule.NATIONAL, numerators=[2.0, 10.0])
    assert [(s.value, s.suppressed) for s in shown] == [(None, True), (0.5, False)]


@given(st.integers(min_value=0, max_value=10**6))
def test_nothing_under_five_is_shown_and_shown_counts_are_the_nearest_multiple_of_five(
    count: int,
) -> None:
    result = suppress_value(float(count), SuppressionRule.NATIONAL)
    if count < 5:
        assert result.value is None and result.suppressed
        return
    assert result.value is not None and result.value % 5 == 0 and result.value >= 5
    # nearest: no other multiple of 5 is closer, and a whole number is never half-way
    assert abs(result.value - count) <= 2
    assert result.value == round_to_nearest_five(count)


def test_a_public_pack_refuses_a_count_that_is_not_whole_and_names_it() -> None:
    metrics = [m for m in catalogue() if m.id == "SAF12"]  # a count under the national rule
    counts = [float(10 + i % 7) for i in range(15)] + [12.5]
    inputs = PackInputs(
        forum=Forum(id="public", name="Board (public)", public=True, detail=DetailLevel.FULL),
        period=Period.month(2025, 3),
        paper=paper(),
        trust_name="Example",
        metrics=metrics,
        values=pl.DataFrame(
            {"metric_id": ["SAF12"] * 16, "period_start": months(16), "value": counts}
        ),
    )
    with pytest.raises(DataValidationError) as caught:
        assemble_pack(inputs)
    assert caught.value.code == ErrorCode.SUPPRESSION_NOT_A_COUNT
    assert "SAF12" in str(caught.value) and "2025-03-01" in str(caught.value)
    assert caught.value.problems[0].value == 12.5
