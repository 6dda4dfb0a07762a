"""Hand-worked cases for every clock rule, run on every engine (the contract suite).

Each case is a tiny table; the expected numbers are worked out by hand in the comments.
"""

from __future__ import annotations

import dataclasses
from datetime import date

import polars as pl
import pytest
from waits_helpers import contacts_frame, referrals_frame, row, run

from trustboard.waits import PercentileMethod, Standard, StopRule, Threshold, get_standard

D = date
#: a first-contact standard read by nearest rank (the MHSDS built-ins interpolate)
NEAREST_RANK = dataclasses.replace(
    get_standard("cmh_adult_2nd_contact"), percentile_method=PercentileMethod.NEAREST_RANK
)


def test_did_not_attend_does_not_stop_the_clock(engine_options):
    # received 2 Jan; DNA (code 3) on 10 Jan; attended face to face on 5 Feb.
    # 31 Jan: still open, wait 31 - 2 = 29 days.  Feb: clock stops, wait 29 + 5 = 34 days,
    # which is over 28 days, so not within 4 weeks.
    refs = referrals_frame(
        [{"referral_id": 1, "service": "cyp_mh", "received_date": D(2024, 1, 2)}]
    )
    cons = contacts_frame(
        [(1, D(2024, 1, 10), "3", "01", "assessment"), (1, D(2024, 2, 5), "5", "01", "assessment")]
    )
    res = run(refs, cons, "cmh_cyp_1st_contact", "2024-01", "2024-02", engine_options)
    jan, feb = row(res, D(2024, 1, 31)), row(res, D(2024, 2, 29))
    assert (jan["open_count"], jan["open_median_days"], jan["completed_count"]) == (1, 29, 0)
    assert (feb["open_count"], feb["completed_count"], feb["completed_median_days"]) == (0, 1, 34)
    assert feb["completed_within_threshold"] == 0 and feb["completed_within_threshold_pct"] == 0.0


def test_letters_and_emails_are_not_contacts_for_mental_health_measures(engine_options):
    # received 1 Mar; letter (98) on 4 Mar and email (05) on 6 Mar, both "attended";
    # telephone (02) on 20 Mar stops the clock: wait 19 days, within 4 weeks.
    # A standard accepting any mechanism would stop on the letter: wait 3 days.
    refs = referrals_frame(
        [{"referral_id": 7, "service": "cyp_mh", "received_date": D(2024, 3, 1)}]
    )
    cons = contacts_frame(
        [
            (7, D(2024, 3, 4), "5", "98", "letter"),
            (7, D(2024, 3, 6), "5", "05", "assessment"),
            (7, D(2024, 3, 20), "5", "02", "assessment"),
        ]
    )
    res = run(refs, cons, "cmh_cyp_1st_contact", "2024-03", "2024-03", engine_options)
    mar = row(res, D(2024, 3, 31))
    assert (
        mar["completed_count"],
        mar["completed_median_days"],
        mar["completed_within_threshold"],
    ) == (1, 19, 1)
    any_mechanism = Standard(
        "any_contact",
        "first attended contact, any mechanism",
        StopRule(),
        thresholds=(Threshold("4w", 28),),
    )
    res = run(refs, cons, any_mechanism, "2024-03", "2024-03", engine_options)
    assert row(res, D(2024, 3, 31))["completed_median_days"] == 3


def test_rejected_referrals_are_excluded(engine_options):
    # two referrals on 10 Jan; the rejected one has an attended contact but counts nowhere.
    refs = referrals_frame(
        [
            {"referral_id": 1, "received_date": D(2024, 1, 10)},
            {
                "referral_id": 2,
                "received_date": D(2024, 1, 10),
                "rejected": True,
                "closed_date": D(2024, 1, 12),
                "closure_reason": "rejected",
            },
        ]
    )
    cons = contacts_frame(
        [(2, D(2024, 1, 11), "5", "01", "assessment"), (2, D(2024, 1, 11), "5", "01", "assessment")]
    )
    res = run(refs, cons, "cmh_adult_2nd_contact", "2024-01", "2024-01", engine_options)
    jan = row(res, D(2024, 1, 31))
    assert (
        jan["received_count"],
        jan["open_count"],
        jan["completed_count"],
        jan["removed_count"],
    ) == (1, 1, 0, 0)
    assert res.removals.height == 0


def test_removal_without_a_stop_is_a_removal_not_met(engine_options):
    # received 5 Jan, closed 10 Feb ("declined") with no qualifying contact; an attended
    # contact on 15 Feb comes after closure and does not stop the clock.
    # Jan: open, wait 26.  Feb: removed 1, completed 0 (share undefined, not 100%).
    refs = referrals_frame(
        [
            {
                "referral_id": 3,
                "service": "cyp_mh",
                "received_date": D(2024, 1, 5),
                "closed_date": D(2024, 2, 10),
                "closure_reason": "declined",
            }
        ]
    )
    cons = contacts_frame([(3, D(2024, 2, 15), "5", "01", "assessment")])
    res = run(refs, cons, "cmh_cyp_1st_contact", "2024-01", "2024-02", engine_options)
    jan, feb = row(res, D(2024, 1, 31)), row(res, D(2024, 2, 29))
    assert (jan["open_count"], jan["open_median_days"]) == (1, 26)
    assert (
        feb["open_count"],
        feb["removed_count"],
        feb["completed_count"],
        feb["clock_stop_count"],
    ) == (0, 1, 0, 0)
    assert feb["completed_within_threshold_pct"] is None
    removals = res.removals.to_dicts()
    assert removals == [
        {
            "period_end": D(2024, 2, 29),
            "service": "cyp_mh",
            "closure_reason": "declined",
            "removed_count": 1,
        }
    ]


def test_referral_received_on_the_snapshot_date(engine_options):
    # received 31 Jan: on the 31 Jan list with a wait of 0 days (band 0-1 weeks).
    refs = referrals_frame([{"referral_id": 1, "received_date": D(2024, 1, 31)}])
    res = run(refs, contacts_frame([]), "cmh_adult_4w", "2024-01", "2024-01", engine_options)
    jan = row(res, D(2024, 1, 31))
    assert (
        jan["received_count"],
        jan["open_count"],
        jan["open_median_days"],
        jan["open_band_0_1w"],
    ) == (1, 1, 0, 1)


def test_contact_on_the_day_of_referral(engine_options):
    # received and seen on 15 Jan: clock stops the same day, wait 0, within 4 weeks,
    # not on the 31 Jan list.
    refs = referrals_frame(
        [{"referral_id": 1, "service": "cyp_mh", "received_date": D(2024, 1, 15)}]
    )
    cons = contacts_frame([(1, D(2024, 1, 15), "6", "11", "assessment")])
    res = run(refs, cons, "cmh_cyp_1st_contact", "2024-01", "2024-01", engine_options)
    jan = row(res, D(2024, 1, 31))
    assert (
        jan["open_count"],
        jan["completed_count"],
        jan["completed_median_days"],
        jan["completed_within_threshold"],
    ) == (0, 1, 0, 1)


def test_month_ends_and_leap_year(engine_options):
    # A received 31 Dec 2023: 31 Jan wait 31; 29 Feb 2024 wait 31 + 29 = 60; 31 Mar wait 91.
    # B received 29 Feb 2024: 29 Feb wait 0; 31 Mar wait 31.
    refs = referrals_frame(
        [
            {"referral_id": 1, "received_date": D(2023, 12, 31)},
            {"referral_id": 2, "received_date": D(2024, 2, 29)},
        ]
    )
    res = run(refs, contacts_frame([]), NEAREST_RANK, "2024-01", "2024-03", engine_options)
    periods = res.measures["period_end"].to_list()
    assert periods == [D(2024, 1, 31), D(2024, 2, 29), D(2024, 3, 31)]
    assert row(res, D(2024, 1, 31))["open_p92_days"] == 31
    feb = row(res, D(2024, 2, 29))
    # waits {0, 60}: median is the 1st (ceil(0.5 * 2) = 1), 92nd is the 2nd
    assert (feb["open_count"], feb["open_median_days"], feb["open_p92_days"]) == (2, 0, 60)
    mar = row(res, D(2024, 3, 31))
    assert (mar["open_median_days"], mar["open_p90_days"]) == (31, 91)


def test_kth_contact_when_contacts_share_a_date(engine_options):
    # adults stop at the 2nd attended contact.  Referral 1: two attended contacts on 20 Jan
    # -> stop 20 Jan, wait 19.  Referral 2: attended and DNA on 20 Jan, attended 3 Feb
    # -> stop 3 Feb, wait 33 (1 Jan to 3 Feb).
    refs = referrals_frame(
        [
            {"referral_id": 1, "received_date": D(2024, 1, 1)},
            {"referral_id": 2, "received_date": D(2024, 1, 1)},
        ]
    )
    cons = contacts_frame(
        [
            (1, D(2024, 1, 20), "5", "01", "assessment"),
            (1, D(2024, 1, 20), "5", "02", "assessment"),
            (2, D(2024, 1, 20), "5", "01", "assessment"),
            (2, D(2024, 1, 20), "3", "01", "assessment"),
            (2, D(2024, 2, 3), "6", "01", "treatment"),
        ]
    )
    res = run(refs, cons, "cmh_adult_2nd_contact", "2024-01", "2024-02", engine_options)
    jan, feb = row(res, D(2024, 1, 31)), row(res, D(2024, 2, 29))
    assert (
        jan["completed_count"],
        jan["completed_median_days"],
        jan["open_count"],
        jan["open_median_days"],
    ) == (1, 19, 1, 30)
    assert (feb["completed_count"], feb["completed_median_days"], feb["open_count"]) == (1, 33, 0)


def test_nearest_rank_percentiles_on_ten_waits(engine_options):
    # ten open referrals waiting 1..10 days at 31 Jan: nearest rank gives
    # median = 5th value (ceil(5.0)), 90th = 9th (ceil(9.0)), 92nd = 10th (ceil(9.2)).
    refs = referrals_frame(
        [{"referral_id": i, "received_date": D(2024, 1, 31 - i)} for i in range(1, 11)]
    )
    res = run(refs, contacts_frame([]), NEAREST_RANK, "2024-01", "2024-01", engine_options)
    jan = row(res, D(2024, 1, 31))
    assert (jan["open_median_days"], jan["open_p90_days"], jan["open_p92_days"]) == (5, 9, 10)
    assert jan["open_band_0_1w"] == 7 and jan["open_band_1_2w"] == 3


def test_interpolated_percentiles_on_ten_waits(engine_options):
    # the same ten waits 1..10 under the MHSDS standards' linear interpolation (Spark SQL's
    # percentile): position p/100 * (n - 1) from 0.  Median 4.5 -> 5 + 0.5 * (6 - 5) = 5.5;
    # 90th 8.1 -> 9 + 0.1 * 1 = 9.1; 92nd 8.28 -> 9.28.  Nearest rank could only give 5, 9, 10.
    refs = referrals_frame(
        [{"referral_id": i, "received_date": D(2024, 1, 31 - i)} for i in range(1, 11)]
    )
    res = run(
        refs, contacts_frame([]), "cmh_adult_2nd_contact", "2024-01", "2024-01", engine_options
    )
    jan = row(res, D(2024, 1, 31))
    assert jan["open_median_days"] == pytest.approx(5.5)
    assert jan["open_p90_days"] == pytest.approx(9.1)
    assert jan["open_p92_days"] == pytest.approx(9.28)


def test_long_waits_and_the_52_week_boundary(engine_options):
    # at 31 Jan 2024: received 31 Jan 2023 waits 365 days (> 364: over 52 weeks, band 52w+);
    # received 1 Feb 2023 waits 364 (exactly 52 weeks: not over, band 18-52w).
    refs = referrals_frame(
        [
            {"referral_id": 1, "received_date": D(2023, 1, 31)},
            {"referral_id": 2, "received_date": D(2023, 2, 1)},
        ]
    )
    res = run(refs, contacts_frame([]), "cmh_adult_4w", "2024-01", "2024-01", engine_options)
    jan = row(res, D(2024, 1, 31))
    assert (jan["open_over_18w"], jan["open_over_52w"], jan["open_over_78w"]) == (2, 1, 0)
    assert (jan["open_band_52w"], jan["open_band_18_52w"]) == (1, 1)


def test_eating_disorders_thresholds_by_priority(engine_options):
    # treatment starts: urgent after 6 days (met, <= 7), urgent after 8 days (missed),
    # routine after 20 days (met, <= 28).  Headline: 2 of 3; urgent 1 week 1 of 2;
    # routine 4 weeks 1 of 1.
    refs = referrals_frame(
        [
            {
                "referral_id": 1,
                "service": "cyp_ed",
                "priority": "urgent",
                "received_date": D(2024, 5, 1),
            },
            {
                "referral_id": 2,
                "service": "cyp_ed",
                "priority": "urgent",
                "received_date": D(2024, 5, 1),
            },
            {
                "referral_id": 3,
                "service": "cyp_ed",
                "priority": "routine",
                "received_date": D(2024, 5, 1),
            },
        ]
    )
    cons = contacts_frame(
        [
            (1, D(2024, 5, 7), "5", "01", "treatment"),
            (2, D(2024, 5, 2), "5", "01", "assessment"),  # assessment is not treatment
            (2, D(2024, 5, 9), "5", "01", "treatment"),
            (3, D(2024, 5, 21), "5", "11", "treatment"),
        ]
    )
    res = run(refs, cons, "cyp_ed", "2024-05", "2024-05", engine_options)
    may = row(res, D(2024, 5, 31))
    assert (may["completed_count"], may["completed_within_threshold"]) == (3, 2)
    assert (
        may["completed_1w_count"],
        may["completed_within_1w"],
        may["completed_within_1w_pct"],
    ) == (2, 1, 50.0)
    assert (may["completed_4w_count"], may["completed_within_4w"]) == (1, 1)


def test_talking_therapies_counts_finished_courses(engine_options):
    # referral 1: received 1 Jan, treatment 20 Jan and 3 Feb, closed 10 Mar: a finished
    # course in March with wait 19 days (within 6 weeks).  Referral 2: received 1 Jan, one
    # treatment session 15 Jan, closed 20 Feb: its clock stopped in January but it did not
    # finish a course, so it is not in the completed cohort and is not a removal.
    refs = referrals_frame(
        [
            {
                "referral_id": 1,
                "service": "talking_therapies",
                "received_date": D(2024, 1, 1),
                "closed_date": D(2024, 3, 10),
                "closure_reason": "treatment_complete",
            },
            {
                "referral_id": 2,
                "service": "talking_therapies",
                "received_date": D(2024, 1, 1),
                "closed_date": D(2024, 2, 20),
                "closure_reason": "dropped_out",
            },
        ]
    )
    cons = contacts_frame(
        [
            (1, D(2024, 1, 20), "5", "01", "treatment"),
            (1, D(2024, 2, 3), "5", "02", "treatment"),
            (2, D(2024, 1, 15), "5", "01", "treatment"),
        ]
    )
    res = run(refs, cons, "talking_therapies", "2024-01", "2024-03", engine_options)
    jan, feb, mar = (row(res, D(2024, m, e)) for m, e in ((1, 31), (2, 29), (3, 31)))
    assert (jan["clock_stop_count"], jan["completed_count"]) == (2, 0)
    assert (feb["completed_count"], feb["removed_count"]) == (0, 0)
    assert (
        mar["completed_count"],
        mar["completed_median_days"],
        mar["completed_within_6w"],
        mar["completed_within_18w"],
    ) == (1, 19, 1, 1)


def test_clock_stop_event_stops_rtt_clock(engine_options):
    # RTT pathway received 1 Jan; decision not to treat on 10 Feb (event) -> stop, wait 40.
    # Second pathway has no stop: on the list at 29 Feb with wait 59 (<= 126: within 18 weeks).
    refs = referrals_frame(
        [
            {"referral_id": 1, "service": "community_paediatrics", "received_date": D(2024, 1, 1)},
            {"referral_id": 2, "service": "community_paediatrics", "received_date": D(2024, 1, 1)},
        ]
    )
    events = pl.DataFrame(
        {
            "referral_id": [1, 1],
            "event_type": ["decision_not_to_treat", "other_event"],
            "event_date": [D(2024, 2, 10), D(2024, 1, 5)],
        }
    )
    res = run(
        refs, contacts_frame([]), "rtt_18w", "2024-02", "2024-02", engine_options, events=events
    )
    feb = row(res, D(2024, 2, 29))
    assert (
        feb["clock_stop_count"],
        feb["completed_median_days"],
        feb["open_count"],
        feb["open_median_days"],
    ) == (1, 40, 1, 59)
    assert (feb["open_within_threshold"], feb["open_within_threshold_pct"]) == (1, 100.0)


def test_breakdown_columns_and_zero_rows(engine_options):
    # by service and priority: one urgent referral in Jan, none in Feb; Feb still has a row
    # with zero counts because the group exists.
    refs = referrals_frame(
        [
            {
                "referral_id": 1,
                "priority": "urgent",
                "received_date": D(2024, 1, 3),
                "closed_date": D(2024, 1, 20),
                "closure_reason": "moved_away",
            },
            {"referral_id": 2, "priority": "routine", "received_date": D(2024, 1, 3)},
        ]
    )
    res = run(
        refs,
        contacts_frame([]),
        get_standard("cmh_adult_4w"),
        "2024-01",
        "2024-02",
        engine_options,
        by=("service", "priority"),
    )
    assert res.measures.height == 4
    feb_urgent = row(res, D(2024, 2, 29), priority="urgent")
    assert (
        feb_urgent["open_count"],
        feb_urgent["removed_count"],
        feb_urgent["received_count"],
    ) == (0, 0, 0)
    jan_urgent = row(res, D(2024, 1, 31), priority="urgent")
    assert jan_urgent["removed_count"] == 1 and jan_urgent["open_median_days"] is None
