"""Property tests: the open list balances with the flows, and engines equal the reference."""

from __future__ import annotations

from datetime import date, timedelta

import polars as pl
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from reference_pandas import assert_frames_match, reference_measures

from trustboard import waits

FIRST = date(2023, 12, 1)
START, END = "2023-12", "2024-05"


@st.composite
def referral_sets(draw: st.DrawFn) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Small random referral/contact tables that satisfy the input rules."""
    n = draw(st.integers(1, 25))
    refs, cons = [], []
    for rid in range(1, n + 1):
        received = FIRST + timedelta(days=draw(st.integers(0, 170)))
        closed = None
        if draw(st.booleans()):
            closed = received + timedelta(days=draw(st.integers(0, 120)))
        refs.append(
            {
                "referral_id": rid,
                # few people, so that referral spells form
                "person_id": draw(st.integers(1, 4)),
                "service": draw(st.sampled_from(["cmh_adult", "cyp_mh"])),
                "priority": draw(st.sampled_from(["routine", "urgent"])),
                "received_date": received,
                "closed_date": closed,
                "closure_reason": draw(st.sampled_from(["declined", "moved_away", None]))
                if closed
                else None,
                "rejected": draw(st.booleans()) and draw(st.booleans()),
            }
        )
        for _ in range(draw(st.integers(0, 4))):
            cons.append(
                {
                    "referral_id": rid,
                    "contact_date": received + timedelta(days=draw(st.integers(0, 150))),
                    "attendance_code": draw(st.sampled_from(["5", "6", "3", "2"])),
                    "mechanism": draw(st.sampled_from(["01", "02", "05", "98", "11"])),
                    "activity_type": draw(st.sampled_from(["assessment", "treatment"])),
                }
            )
    ref_schema = {
        "referral_id": pl.Int64,
        "person_id": pl.Int64,
        "service": pl.String,
        "priority": pl.String,
        "received_date": pl.Date,
        "closed_date": pl.Date,
        "closure_reason": pl.String,
        "rejected": pl.Boolean,
    }
    con_schema = {
        "referral_id": pl.Int64,
        "contact_date": pl.Date,
        "attendance_code": pl.String,
        "mechanism": pl.String,
        "activity_type": pl.String,
    }
    return pl.DataFrame(refs, schema=ref_schema), pl.DataFrame(cons, schema=con_schema)


def _check_balance(
    refs: pl.DataFrame, measures: pl.DataFrame, services: tuple[str, ...], spells: bool = False
) -> None:
    in_scope = refs.filter(~pl.col("rejected") & pl.col("service").is_in(list(services)))
    for service in services:
        n = in_scope.filter(pl.col("service") == service).height
        rows = measures.filter(pl.col("service") == service).sort("period_end")
        if spells and rows.height:
            # spells, not referrals, are counted: as many as were received in the window,
            # and no more than the referrals
            assert int(rows["received_count"].sum()) <= n
            n = int(rows["received_count"].sum())
        if n == 0:
            assert rows.height == 0
            continue
        received = stopped = removed = 0
        previous_open = 0
        for r in rows.iter_rows(named=True):
            received += r["received_count"]
            stopped += r["clock_stop_count"]
            removed += r["removed_count"]
            not_yet = n - received
            # every referral is in exactly one state at each month end (the window starts
            # before the first referral, so cumulative flows are totals)
            assert r["open_count"] + stopped + removed + not_yet == n
            # open(m) + received(m+1) - stopped(m+1) - removed(m+1) = open(m+1)
            assert (
                previous_open + r["received_count"] - r["clock_stop_count"] - r["removed_count"]
                == r["open_count"]
            )
            previous_open = r["open_count"]
            assert r["open_count"] == sum(r[c] for c in r if c.startswith("open_band_"))


def _compare_with_reference(
    refs: pl.DataFrame, cons: pl.DataFrame, result: waits.WaitsResult, by: tuple[str, ...]
) -> None:
    expected = reference_measures(
        refs.to_pandas(),
        cons.to_pandas(),
        result.standard,
        date(2023, 12, 1),
        date(2024, 5, 31),
        by,
    )
    assert_frames_match(result.measures, expected)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(referral_sets(), st.sampled_from(["cmh_adult_4w", "cmh_cyp_4w", "talking_therapies"]))
def test_duckdb_balances_and_equals_reference(
    data: tuple[pl.DataFrame, pl.DataFrame], standard_id: str
) -> None:
    refs, cons = data
    assume(not refs["rejected"].all())
    standard = waits.get_standard(standard_id)
    # widen the scope to both services so every referral is in play
    standard = waits.Standard(
        **{
            **{f: getattr(standard, f) for f in standard.__dataclass_fields__},
            "services": ("cmh_adult", "cyp_mh"),
        }
    )
    result = waits.compute_results(refs, cons, standards=[standard], start=START, end=END)[
        standard.id
    ]
    _check_balance(
        refs, result.measures, ("cmh_adult", "cyp_mh"), standard.spell_gap_days is not None
    )
    _compare_with_reference(refs, cons, result, ("service",))


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(referral_sets())
def test_duckdb_breakdowns_sum_to_totals(data: tuple[pl.DataFrame, pl.DataFrame]) -> None:
    refs, cons = data
    # every referral rejected is an empty result, which is an error (test_waits_national.py)
    assume(not refs["rejected"].all())
    both = waits.Standard(
        "both",
        "both services",
        waits.StopRule(contact_number=2),
        thresholds=(waits.Threshold("4w", 28),),
    )
    results = waits.compute_results(
        refs, cons, standards=[both], start=START, end=END, by=("service", "priority")
    )
    totals = waits.compute_results(
        refs, cons, standards=[both], start=START, end=END, by=("service",)
    )
    fine = (
        results["both"]
        .measures.group_by("period_end", "service")
        .agg(
            pl.col("open_count").sum(),
            pl.col("removed_count").sum(),
            pl.col("completed_count").sum(),
        )
    )
    joined = totals["both"].measures.join(fine, on=["period_end", "service"], suffix="_sum")
    for col in ("open_count", "removed_count", "completed_count"):
        assert (joined[col] == joined[f"{col}_sum"]).all()
    # by=() is the trust total: one row per month end, the sum over services
    total = waits.compute_results(refs, cons, standards=[both], start=START, end=END, by=())
    summed = totals["both"].measures.group_by("period_end").agg(pl.col("open_count").sum())
    whole = total["both"].measures.join(summed, on="period_end", suffix="_sum")
    assert whole.height == total["both"].measures.height == len(set(whole["period_end"]))
    assert (whole["open_count"] == whole["open_count_sum"]).all()


@pytest.mark.spark
@settings(
    max_examples=3,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(referral_sets())
def test_spark_equals_duckdb_on_random_sets(
    spark_session, data: tuple[pl.DataFrame, pl.DataFrame]
) -> None:
    refs, cons = data
    # a standard that selects no referral is an error on every engine (test_waits_national.py)
    for service in ("cmh_adult", "cyp_mh"):
        assume(refs.filter((pl.col("service") == service) & ~pl.col("rejected")).height > 0)
    kwargs = {"standards": ["cmh_adult_4w", "cmh_cyp_4w"], "start": START, "end": END}
    duck = waits.compute_results(refs, cons, **kwargs)
    spark = waits.compute_results(
        refs, cons, engine="spark", engine_options={"spark": spark_session}, **kwargs
    )
    for key, result in duck.items():
        assert spark[key].measures.equals(result.measures)
        assert spark[key].removals.equals(result.removals)
