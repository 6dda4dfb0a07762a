"""Referral spells (MHSDS: a referral received no more than 5 days after the end of the
spell so far joins it), hand-worked and as properties, on every engine."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from waits_helpers import contacts_frame, referrals_frame, row, run

from trustboard import waits
from trustboard.errors import DataValidationError

D = date
PROXY = "cmh_adult_2nd_contact"  # an MHSDS standard: counts spells


def _two_referrals(gap_days: int) -> tuple[pl.DataFrame, pl.DataFrame]:
    # A received 1 Mar, closed 10 Mar, no contact; B (same person) received gap_days after
    # A's closure, seen on 20 and 25 Mar.
    refs = referrals_frame(
        [
            {
                "referral_id": 1,
                "person_id": 7,
                "received_date": D(2024, 3, 1),
                "closed_date": D(2024, 3, 10),
                "closure_reason": "discharged",
            },
            {
                "referral_id": 2,
                "person_id": 7,
                "received_date": D(2024, 3, 10) + timedelta(days=gap_days),
            },
        ]
    )
    cons = contacts_frame(
        [(2, D(2024, 3, 20), "5", "01", "assessment"), (2, D(2024, 3, 25), "5", "02", "review")]
    )
    return refs, cons


def test_five_days_apart_is_one_spell_whose_clock_starts_first(
    engine_options: dict[str, Any],
) -> None:
    # B received 15 Mar, 5 days after A closed: one spell from 1 Mar.  Its second contact
    # (25 Mar) stops the clock after 24 days; one spell started, none removed.
    refs, cons = _two_referrals(5)
    mar = row(run(refs, cons, PROXY, "2024-03", "2024-03", engine_options), D(2024, 3, 31))
    assert (mar["received_count"], mar["removed_count"], mar["completed_count"]) == (1, 0, 1)
    assert mar["completed_median_days"] == 24


def test_six_days_apart_are_two_spells(engine_options: dict[str, Any]) -> None:
    # B received 16 Mar, 6 days after: two spells.  A closes without a clock stop (removed);
    # B's clock runs from 16 Mar to 25 Mar: 9 days.
    refs, cons = _two_referrals(6)
    mar = row(run(refs, cons, PROXY, "2024-03", "2024-03", engine_options), D(2024, 3, 31))
    assert (mar["received_count"], mar["removed_count"], mar["completed_count"]) == (2, 1, 1)
    assert mar["completed_median_days"] == 9


def test_overlapping_and_open_referrals_merge(engine_options: dict[str, Any]) -> None:
    # A open from 1 Jan; B received 1 Mar while A is open; C received 1 Jun: all one spell
    # (an open referral has no end).  31 Jul: one spell open, waiting 212 days (1 Jan-31 Jul).
    refs = referrals_frame(
        [
            {"referral_id": i, "person_id": 3, "received_date": d}
            for i, d in ((1, D(2024, 1, 1)), (2, D(2024, 3, 1)), (3, D(2024, 6, 1)))
        ]
    )
    jul = row(
        run(refs, contacts_frame([]), PROXY, "2024-07", "2024-07", engine_options), D(2024, 7, 31)
    )
    assert (jul["open_count"], jul["open_median_days"]) == (1, 212)


def test_a_closed_spell_takes_the_reason_of_the_referral_that_ended_it(
    engine_options: dict[str, Any],
) -> None:
    # One person: A received 5 Mar, closed 26 Apr with no reason recorded; B received 12 Mar
    # (inside A), closed 3 Apr as "moved_away". One spell, 5 Mar to 26 Apr; it ends with A,
    # so its removal in April carries A's blank reason, not B's.
    refs = referrals_frame(
        [
            {
                "referral_id": 23,
                "person_id": 2,
                "received_date": D(2024, 3, 5),
                "closed_date": D(2024, 4, 26),
            },
            {
                "referral_id": 24,
                "person_id": 2,
                "received_date": D(2024, 3, 12),
                "closed_date": D(2024, 4, 3),
                "closure_reason": "moved_away",
            },
        ]
    )
    result = run(refs, contacts_frame([]), PROXY, "2024-03", "2024-05", engine_options)
    removals = result.removals.filter(pl.col("removed_count") > 0)
    assert removals.select("period_end", "closure_reason", "removed_count").rows() == [
        (D(2024, 4, 30), None, 1)
    ]


def test_spells_need_a_person_id() -> None:
    refs, cons = _two_referrals(5)
    with pytest.raises(DataValidationError) as caught:
        waits.compute(refs.drop("person_id"), cons, standard=PROXY, start="2024-03", end="2024-03")
    assert caught.value.problems[0].column == "person_id"


@settings(max_examples=25, deadline=None)
@given(length=st.integers(0, 40), gap=st.integers(0, 12))
def test_merging_is_exactly_the_five_day_rule(length: int, gap: int) -> None:
    # A received 1 Feb and closed `length` days later; B received `gap` days after A closed.
    # One spell when gap <= 5, two when gap >= 6: spells started in the window say which.
    refs = referrals_frame(
        [
            {
                "referral_id": 1,
                "person_id": 1,
                "received_date": D(2024, 2, 1),
                "closed_date": D(2024, 2, 1) + timedelta(days=length),
            },
            {
                "referral_id": 2,
                "person_id": 1,
                "received_date": D(2024, 2, 1) + timedelta(days=length + gap),
            },
        ]
    )
    result = waits.compute(
        refs, contacts_frame([]), standard=PROXY, start="2024-01", end="2024-05", by=()
    )
    assert int(result["received_count"].sum()) == (1 if gap <= 5 else 2)


@settings(max_examples=20, deadline=None)
@given(
    received=st.integers(0, 120),
    closed_after=st.one_of(st.none(), st.integers(0, 60)),
    seen_after=st.one_of(st.none(), st.integers(0, 60)),
)
def test_an_unrelated_referral_changes_nothing(
    received: int, closed_after: int | None, seen_after: int | None
) -> None:
    # the two-referral spell of person 7 (team t1) and its figures are unchanged when a
    # referral of another person (team t2) arrives at any time, closed or seen or not.
    refs, cons = _two_referrals(5)
    start = D(2024, 1, 1) + timedelta(days=received)
    other = referrals_frame(
        [
            {
                "referral_id": 3,
                "person_id": 8,
                "team": "t2",
                "received_date": start,
                "closed_date": None
                if closed_after is None
                else start + timedelta(days=closed_after),
            }
        ]
    )
    more_cons = cons
    if seen_after is not None:
        extra = [(3, start + timedelta(days=seen_after + k), "5", "01", "a") for k in (0, 1)]
        more_cons = pl.concat([cons, contacts_frame(extra)])
    kwargs: dict[str, Any] = {
        "standard": PROXY,
        "start": "2024-01",
        "end": "2024-08",
        "by": ("team",),
    }
    alone = waits.compute(refs, cons, **kwargs)
    together = waits.compute(pl.concat([refs, other]), more_cons, **kwargs)
    assert together.filter(pl.col("team") == "t1").equals(alone)
