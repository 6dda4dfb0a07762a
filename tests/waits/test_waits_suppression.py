"""Waiting-time outputs publish through the one small-number rule (domain.md §10.3, [S37]).

The expected figures come from the hand-worked table ``tests/fixtures/disclosure/
small_numbers.csv``, which the board-pack tests read too, so the two cannot disagree.
"""

from __future__ import annotations

import csv
from pathlib import Path

import polars as pl
import pytest

from trustboard.domain import SuppressionRule
from trustboard.errors import DataValidationError, ErrorCode
from trustboard.render.pack.suppression import suppress_value
from trustboard.waits.suppression import SUPPRESSED, suppress_count, suppress_frame

TABLE = Path(__file__).resolve().parents[1] / "fixtures" / "disclosure" / "small_numbers.csv"
with TABLE.open(encoding="utf-8") as handle:
    ROWS = list(csv.DictReader(handle))
RULES = (SuppressionRule.NATIONAL, SuppressionRule.UNDER_FIVE)


def _raw(row: dict[str, str]) -> float | None:
    return float(row["value"]) if row["value"] else None


@pytest.mark.parametrize("rule", RULES)
@pytest.mark.parametrize("row", ROWS, ids=lambda r: r["value"] or "missing")
def test_one_count_follows_the_hand_worked_table(
    row: dict[str, str], rule: SuppressionRule
) -> None:
    expected = row[rule.value]
    if expected == "refused":
        with pytest.raises(DataValidationError) as caught:
            suppress_count(_raw(row), rule)
        assert caught.value.code == ErrorCode.SUPPRESSION_NOT_A_COUNT
    else:
        assert suppress_count(_raw(row), rule) == (expected or None)


@pytest.mark.parametrize("rule", RULES)
def test_a_frame_follows_the_same_table(rule: SuppressionRule) -> None:
    kept = [r for r in ROWS if r[rule.value] != "refused"]
    values = [_raw(r) for r in kept]
    frame = pl.DataFrame({"as_float_count": values}, schema={"as_float_count": pl.Float64})
    whole = [None if v is None else int(v) for v in values]
    frame = frame.with_columns(pl.Series("open_count", whole, dtype=pl.Int64))
    shown = suppress_frame(frame, rule=rule, count_columns=["as_float_count", "open_count"])
    expected = [r[rule.value] or None for r in kept]
    assert shown["as_float_count"].to_list() == expected
    assert shown["open_count"].to_list() == expected


def test_the_pack_and_waiting_times_publish_every_count_alike() -> None:
    for count in range(0, 200):
        for rule in RULES:
            pack = suppress_value(float(count), rule)
            text = SUPPRESSED if pack.value is None else str(int(pack.value))
            assert suppress_count(count, rule) == text


@pytest.mark.parametrize("bad", [12.5, -3.0])
def test_a_frame_with_something_that_is_not_a_count_is_refused(bad: float) -> None:
    frame = pl.DataFrame({"removed_count": [10.0, bad]})
    with pytest.raises(DataValidationError) as caught:
        suppress_frame(frame, count_columns=["removed_count"])
    assert caught.value.problems[0].value == bad
    assert "removed_count" in str(caught.value)


def test_shares_and_waits_of_a_list_under_five_are_withheld() -> None:
    frame = pl.DataFrame(
        {
            "open_count": [4, 5],
            "open_within_threshold_pct": [75.0, 40.0],
            "open_median_days": [30, 41],
        }
    )
    shown = suppress_frame(frame).to_dicts()
    assert shown == [
        {"open_count": "*", "open_within_threshold_pct": "*", "open_median_days": "*"},
        {"open_count": "5", "open_within_threshold_pct": "40.0", "open_median_days": "41"},
    ]
    # 'none' publishes everything as it is
    assert suppress_frame(frame, rule="none")["open_count"].to_list() == ["4", "5"]


def test_a_share_whose_numerator_is_under_five_is_withheld_like_the_national_publication() -> None:
    # NHS England's MHSDS four-week-wait publication (shared/domain_data/mhsds_4ww_values.csv):
    # in all 2,336 provider rows where the count within 4 weeks (MRS01a) is "*", the proportion
    # (MRS01b) is "*" too.  3 of 12 within the threshold would otherwise show 25.0% beside
    # "10", which gives the 3 away.
    frame = pl.DataFrame(
        {
            "open_count": [12, 12, 40],
            "open_within_threshold": [3, 6, 0],
            "open_within_threshold_pct": [25.0, 50.0, 0.0],
            "open_urgent_count": [20, 4, 40],
            "open_within_urgent": [10, 4, 20],
            "open_within_urgent_pct": [50.0, 100.0, 50.0],
        }
    )
    shown = suppress_frame(frame)
    assert shown["open_within_threshold"].to_list() == ["*", "5", "*"]
    assert shown["open_within_threshold_pct"].to_list() == ["*", "50.0", "*"]
    # a threshold's share is judged by its own group (4 urgent referrals) and numerator
    assert shown["open_within_urgent_pct"].to_list() == ["50.0", "*", "50.0"]
