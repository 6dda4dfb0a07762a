"""Hand-worked cases for the clocks as the national measures define them, on every engine.

Each expected figure is worked out by hand from the rule in the comments (NHS England's MHSDS
measure code, 4w_waits_prep; the EIP and CYP eating disorder standards), not from the code.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import polars as pl
import pytest
from waits_helpers import contacts_frame, referrals_frame, row, run

from trustboard import waits
from trustboard.errors import DataValidationError, ErrorCode

D = date


def events_frame(rows: list[tuple[int, str, date]]) -> pl.DataFrame:
    """Events from (referral_id, event_type, event_date) tuples."""
    return pl.DataFrame(
        rows,
        schema={"referral_id": pl.Int64, "event_type": pl.String, "event_date": pl.Date},
        orient="row",
    )


def test_adult_full_clock_stop_is_the_latest_part(engine_options: dict[str, Any]) -> None:
    # received 1 Jun 2024; attended contacts on days 9 and 19 (10 and 20 Jun); baseline
    # outcome day 12, meaningful assessment day 30, care plan day 44 (15 Jul).  The full
    # clock stop is the latest of the first contact (9), 12, 30 and 44: 44 days, a breach.
    # The old rule (second contact) said 19 days, met.
    refs = referrals_frame([{"referral_id": 1, "received_date": D(2024, 6, 1)}])
    cons = contacts_frame(
        [(1, D(2024, 6, 10), "5", "01", "assessment"), (1, D(2024, 6, 20), "5", "02", "review")]
    )
    events = events_frame(
        [
            (1, "baseline_outcome", D(2024, 6, 13)),
            (1, "meaningful_assessment", D(2024, 7, 1)),
            (1, "care_plan_or_intervention", D(2024, 7, 15)),
        ]
    )
    res = run(refs, cons, "cmh_adult_4w", "2024-06", "2024-07", engine_options, events=events)
    jun, jul = row(res, D(2024, 6, 30)), row(res, D(2024, 7, 31))
    assert (jun["open_count"], jun["completed_count"]) == (1, 0)
    assert (jul["completed_count"], jul["completed_median_days"]) == (1, 44)
    assert jul["completed_within_threshold"] == 0
    # the open-list proxy stops at the second contact: off the list from 20 Jun
    proxy = run(
        refs, cons, "cmh_adult_2nd_contact", "2024-06", "2024-06", engine_options, events=events
    )
    assert row(proxy, D(2024, 6, 30))["completed_median_days"] == 19


def test_a_missing_part_means_no_clock_stop(engine_options: dict[str, Any]) -> None:
    # as above but no care plan ever: the national code gives no clock stop, so the
    # pathway stays on the list (31 Jul: wait 60 days) and nothing is completed.
    refs = referrals_frame([{"referral_id": 1, "received_date": D(2024, 6, 1)}])
    cons = contacts_frame([(1, D(2024, 6, 10), "5", "01", "assessment")])
    events = events_frame(
        [(1, "baseline_outcome", D(2024, 6, 13)), (1, "meaningful_assessment", D(2024, 7, 1))]
    )
    res = run(refs, cons, "cmh_adult_4w", "2024-07", "2024-07", engine_options, events=events)
    jul = row(res, D(2024, 7, 31))
    assert (jul["completed_count"], jul["open_count"], jul["open_median_days"]) == (0, 1, 60)


def test_meaningful_assessment_is_required_only_from_april_2024(
    engine_options: dict[str, Any],
) -> None:
    # Referral 1 received 1 Feb 2024, first contact 5 Feb, baseline 6 Feb, care plan 10 Feb,
    # no assessment: both the start and the first contact precede April 2024, so the
    # assessment is not required: stop 10 Feb, wait 9 days.  Referral 2 received 1 May 2024
    # with the same pattern (contact 5 May, baseline 6 May, care plan 10 May): the assessment
    # is required and absent, so no stop.
    refs = referrals_frame(
        [
            {"referral_id": 1, "received_date": D(2024, 2, 1)},
            {"referral_id": 2, "received_date": D(2024, 5, 1)},
        ]
    )
    cons = contacts_frame(
        [(1, D(2024, 2, 5), "5", "01", "assessment"), (2, D(2024, 5, 5), "5", "01", "assessment")]
    )
    events = events_frame(
        [
            (1, "baseline_outcome", D(2024, 2, 6)),
            (1, "care_plan_or_intervention", D(2024, 2, 10)),
            (2, "baseline_outcome", D(2024, 5, 6)),
            (2, "care_plan_or_intervention", D(2024, 5, 10)),
        ]
    )
    res = run(refs, cons, "cmh_adult_4w", "2024-02", "2024-05", engine_options, events=events)
    feb, may = row(res, D(2024, 2, 29)), row(res, D(2024, 5, 31))
    assert (feb["completed_count"], feb["completed_median_days"]) == (1, 9)
    assert (may["completed_count"], may["open_count"], may["open_median_days"]) == (0, 1, 30)


def test_cyp_first_contact_includes_indirect_activity(engine_options: dict[str, Any]) -> None:
    # CYP referral received 1 Mar; indirect activity (no attendance code) on 8 Mar; attended
    # video contact 2 Apr; baseline outcome 9 Mar; care plan 12 Mar.  First contact = 8 Mar
    # (indirect counts), so the full clock stop is the latest of 8, 9 and 12 Mar: 11 days.
    # Counting direct contacts only would give 2 Apr: 32 days.
    refs = referrals_frame(
        [{"referral_id": 1, "service": "cyp_mh", "received_date": D(2024, 3, 1)}]
    )
    cons = contacts_frame(
        [(1, D(2024, 3, 8), None, None, "indirect"), (1, D(2024, 4, 2), "5", "11", "assessment")]
    )
    events = events_frame(
        [(1, "baseline_outcome", D(2024, 3, 9)), (1, "care_plan_or_intervention", D(2024, 3, 12))]
    )
    res = run(refs, cons, "cmh_cyp_4w", "2024-03", "2024-03", engine_options, events=events)
    mar = row(res, D(2024, 3, 31))
    assert (mar["completed_count"], mar["completed_median_days"]) == (1, 11)
    proxy = run(refs, cons, "cmh_cyp_1st_contact", "2024-03", "2024-03", engine_options)
    assert row(proxy, D(2024, 3, 31))["completed_median_days"] == 7


def test_eip_stops_at_the_later_of_contact_and_care_coordinator(
    engine_options: dict[str, Any],
) -> None:
    # A: received 1 Jan, attended contact 5 Jan, care coordinator 20 Jan: stop 20 Jan, wait 19
    # (breach of 14).  B: received 1 Jan, care coordinator 3 Jan, contact 10 Jan: wait 9 (met).
    # The old rule (first treatment contact) said A met at 4 days.
    refs = referrals_frame(
        [
            {"referral_id": 1, "service": "eip", "received_date": D(2024, 1, 1)},
            {"referral_id": 2, "service": "eip", "received_date": D(2024, 1, 1)},
        ]
    )
    cons = contacts_frame(
        [(1, D(2024, 1, 5), "5", "01", "treatment"), (2, D(2024, 1, 10), "5", "01", "assessment")]
    )
    events = events_frame(
        [
            (1, "care_coordinator_allocated", D(2024, 1, 20)),
            (2, "care_coordinator_allocated", D(2024, 1, 3)),
        ]
    )
    res = run(refs, cons, "eip_2w", "2024-01", "2024-01", engine_options, events=events, by=())
    jan = row(res, D(2024, 1, 31))
    assert (jan["completed_count"], jan["completed_within_threshold"]) == (2, 1)
    assert jan["completed_within_threshold_pct"] == 50.0


def test_latest_of_two_events_without_contacts(engine_options: dict[str, Any]) -> None:
    # a trust's own rule: "latest of" two events, no contact part.  Received 1 Jan; event a
    # 4 Jan, event b 2 Jan and 9 Jan (first b = 2 Jan): stop = max(4, 2) = 4 Jan, wait 3.
    # "earliest of" the same gives 2 Jan, wait 1.
    rule = dict(kind="event", event_types=("a_done", "b_done"))
    latest = waits.Standard(
        "both_done",
        "both events",
        waits.StopRule(**rule, combine="latest"),  # type: ignore[arg-type]
        thresholds=(waits.Threshold("1w", 7),),
    )
    earliest = waits.Standard(
        "either_done",
        "either event",
        waits.StopRule(**rule),  # type: ignore[arg-type]
        thresholds=(waits.Threshold("1w", 7),),
    )
    refs = referrals_frame([{"referral_id": 1, "received_date": D(2024, 1, 1)}])
    events = events_frame(
        [(1, "a_done", D(2024, 1, 4)), (1, "b_done", D(2024, 1, 2)), (1, "b_done", D(2024, 1, 9))]
    )
    for standard, wait in ((latest, 3), (earliest, 1)):
        res = run(
            refs, contacts_frame([]), standard, "2024-01", "2024-01", engine_options, events=events
        )
        assert row(res, D(2024, 1, 31))["completed_median_days"] == wait


def test_by_nothing_gives_the_trust_total(engine_options: dict[str, Any]) -> None:
    # two services, no contacts: at 31 Jan both open, waits 30 (received 1 Jan) and 16
    # (received 15 Jan).  by=() gives one row: open 2, nearest-rank median 16 (1st of 2).
    # This used to fail with a SQL parser error.
    any_service = waits.Standard(
        "any", "any service", waits.StopRule(), thresholds=(waits.Threshold("4w", 28),)
    )
    refs = referrals_frame(
        [
            {"referral_id": 1, "received_date": D(2024, 1, 1)},
            {"referral_id": 2, "service": "cyp_mh", "received_date": D(2024, 1, 15)},
        ]
    )
    res = run(refs, contacts_frame([]), any_service, "2024-01", "2024-01", engine_options, by=())
    assert res.measures.columns[0] == "period_end" and "service" not in res.measures.columns
    assert res.measures.height == 1
    jan = res.measures.row(0, named=True)
    assert (jan["open_count"], jan["open_median_days"], jan["received_count"]) == (2, 16, 2)


def test_a_standard_selecting_no_referral_is_an_error(engine_options: dict[str, Any]) -> None:
    # a trust's extract names its service "Adult CMHT": the built-in standard expects
    # cmh_adult, so nothing is selected.  This used to give an empty table and exit 0.
    refs = referrals_frame(
        [{"referral_id": 1, "service": "Adult CMHT", "received_date": D(2024, 1, 1)}]
    )
    with pytest.raises(DataValidationError) as caught:
        run(refs, contacts_frame([]), "cmh_adult_2nd_contact", "2024-01", "2024-01", engine_options)
    (problem,) = caught.value.problems
    assert problem.code == ErrorCode.WAITS_EMPTY
    assert "'Adult CMHT'" in problem.message and "'cmh_adult'" in (problem.expected or "")
    assert "mapping" in (caught.value.hint or "")


def test_coded_priorities_are_recoded_or_reported(engine_options: dict[str, Any]) -> None:
    # CYP eating disorders with MHSDS priority codes: '2' (urgent/serious) seen after 5 days
    # (met, <= 7), '3' (routine) after 30 days (missed, > 28).  Through the mhsds mapping's
    # recode: 1 of 2 within.  Unmapped, the codes match no threshold: an error naming them
    # (it used to count both and report 0% within).
    refs = pl.DataFrame(
        {
            "UniqServReqID": [1, 2],
            "ServTeamTypeRefToMH": ["ED", "ED"],
            "ClinRespPriorityType": ["2", "3"],
            "ReferralRequestReceivedDate": [D(2024, 1, 1), D(2024, 1, 1)],
        }
    )
    cons = pl.DataFrame(
        {
            "UniqServReqID": [1, 2],
            "CareContDate": [D(2024, 1, 6), D(2024, 1, 31)],
            "AttendOrDNACode": ["5", "5"],
            "ConsMechanismMH": ["01", "01"],
            "Der_ActivityType": ["treatment", "treatment"],
        }
    )
    mhsds = waits.BUILTIN_MAPPINGS["mhsds"]
    trust = waits.ColumnMapping(
        "trust", mhsds.columns, {**mhsds.values, "service": {"ED": "cyp_ed"}}
    )
    res = run(refs, cons, "cyp_ed", "2024-01", "2024-01", engine_options, mapping=trust)
    jan = row(res, D(2024, 1, 31))
    assert (jan["completed_count"], jan["completed_within_threshold"]) == (2, 1)
    assert (jan["completed_within_1w"], jan["completed_within_4w"]) == (1, 0)
    bare = waits.ColumnMapping("bare", mhsds.columns, {"service": {"ED": "cyp_ed"}})
    with pytest.raises(DataValidationError) as caught:
        run(refs, cons, "cyp_ed", "2024-01", "2024-01", engine_options, mapping=bare)
    (problem,) = caught.value.problems
    assert problem.code == ErrorCode.WAITS_UNMAPPED_VALUE
    assert problem.value == "2, 3" and problem.expected == "routine, urgent"


def test_mhsds_mapping_recodes_adult_team_types(engine_options: dict[str, Any]) -> None:
    # team types A06 (CMHT) and C03 (read as C10) are adult core community teams; A14 is EIP.
    refs = pl.DataFrame(
        {
            "UniqServReqID": [1, 2, 3],
            "ServTeamTypeRefToMH": ["A06", "C03", "A14"],
            "ReferralRequestReceivedDate": [D(2024, 1, 1)] * 3,
        }
    )
    any_service = waits.Standard(
        "any", "any service", waits.StopRule(), thresholds=(waits.Threshold("4w", 28),)
    )
    res = run(
        refs, contacts_frame([]), any_service, "2024-01", "2024-01", engine_options, mapping="mhsds"
    )
    counts = dict(zip(res.measures["service"], res.measures["open_count"], strict=True))
    assert counts == {"cmh_adult": 2, "eip": 1}


def test_csds_mapping_recodes_community_team_types(engine_options: dict[str, Any]) -> None:
    # CSDS team types: 12 district nursing (community nursing); 23 occupational therapy,
    # 26 physiotherapy, 33 speech and language therapy, 58 dietetics (community therapies);
    # 04 cardiac is neither.  All received 1 Jan 2024, none seen: on 31 Jan the CHS SitRep
    # list holds 1 nursing and 4 therapies pathways, each waiting 30 days.
    refs = pl.DataFrame(
        {
            "UniqServReqID": [1, 2, 3, 4, 5, 6],
            "Person_ID": [11, 12, 13, 14, 15, 16],
            "ServTeamTypeRefToCommServ": ["12", "23", "26", "33", "58", "04"],
            "ReferralRequestReceivedDate": [date(2024, 1, 1)] * 6,
        }
    )
    res = run(
        refs, contacts_frame([]), "chs_bands", "2024-01", "2024-01", engine_options, mapping="csds"
    )
    counts = dict(zip(res.measures["service"], res.measures["open_count"], strict=True))
    assert counts == {"community_nursing": 1, "community_therapies": 4}
    assert set(res.measures["open_median_days"]) == {30}
    # without the recodes the built-in standard selects nothing, and says so
    csds = waits.BUILTIN_MAPPINGS["csds"]
    bare = waits.ColumnMapping("bare", csds.columns, {})
    with pytest.raises(DataValidationError) as caught:
        run(
            refs,
            contacts_frame([]),
            "chs_bands",
            "2024-01",
            "2024-01",
            engine_options,
            mapping=bare,
        )
    assert caught.value.problems[0].code == ErrorCode.WAITS_EMPTY


def test_talking_therapies_any_mechanism_and_both_standards(
    engine_options: dict[str, Any],
) -> None:
    # three referrals received 1 Jan, each finishing a course (2 treatment sessions) and
    # closed in June.  First treatment: 1 by instant messaging ('10') after 30 days (within
    # 6 and 18 weeks); 2 by video after 60 days (within 18 only); 3 face to face after 130
    # days (neither).  6 weeks: 1 of 3 = 33.3%; 18 weeks: 2 of 3 = 66.7%.  The old rule
    # dropped instant messaging, so referral 1 started at its second session.
    refs = referrals_frame(
        [
            {
                "referral_id": i,
                "service": "talking_therapies",
                "received_date": D(2024, 1, 1),
                "closed_date": D(2024, 6, 20),
                "closure_reason": "completed",
            }
            for i in (1, 2, 3)
        ]
    )
    cons = contacts_frame(
        [
            (1, D(2024, 1, 31), "5", "10", "treatment"),
            (1, D(2024, 5, 1), "5", "10", "treatment"),
            (2, D(2024, 3, 1), "5", "11", "treatment"),
            (2, D(2024, 5, 2), "5", "11", "treatment"),
            (3, D(2024, 5, 10), "5", "01", "treatment"),
            (3, D(2024, 6, 1), "5", "01", "treatment"),
        ]
    )
    res = run(refs, cons, "talking_therapies", "2024-06", "2024-06", engine_options, by=())
    jun = row(res, D(2024, 6, 30))
    assert jun["completed_count"] == 3
    assert jun["completed_within_6w_pct"] == pytest.approx(100 / 3)
    assert jun["completed_within_18w_pct"] == pytest.approx(200 / 3)
    standard = waits.get_standard("talking_therapies")
    assert [t.target_pct for t in standard.thresholds] == [75.0, 95.0]


def test_mechanisms_no_code_list_knows_are_reported(engine_options: dict[str, Any]) -> None:
    # a trust writes mechanisms as words: no contact would qualify and the clock would never
    # stop, silently.  Reported with the value; mapped to code 01 the contact stops the clock
    # after 9 days.
    refs = referrals_frame([{"referral_id": 1, "received_date": D(2024, 1, 1)}])
    cons = contacts_frame(
        [(1, D(2024, 1, 5), "5", "Face to face", "assessment"), (1, D(2024, 1, 10), "5", "01", "a")]
    )
    with pytest.raises(DataValidationError) as caught:
        run(refs, cons, "cmh_adult_2nd_contact", "2024-01", "2024-01", engine_options)
    (problem,) = caught.value.problems
    assert problem.code == ErrorCode.WAITS_UNMAPPED_VALUE and problem.value == "Face to face"
    mapped = waits.ColumnMapping("trust", {}, {"mechanism": {"Face to face": "01"}})
    res = run(
        refs, cons, "cmh_adult_2nd_contact", "2024-01", "2024-01", engine_options, mapping=mapped
    )
    assert row(res, D(2024, 1, 31))["completed_median_days"] == 9
