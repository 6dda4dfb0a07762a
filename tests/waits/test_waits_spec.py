"""The pure specification: nearest rank, standards, standard files, mappings, suppression."""

from __future__ import annotations

import math
from datetime import date
from pathlib import Path

import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st
from waits_helpers import contacts_frame

from trustboard import waits
from trustboard.errors import ConfigError
from trustboard.waits.mapping import BUILTIN_MAPPINGS, mapping_from_dict, resolve_mapping
from trustboard.waits.spec import CHS_BANDS, nearest_rank_index
from trustboard.waits.standards import BUILTIN_STANDARDS, standards_from_yaml
from trustboard.waits.suppression import suppress_count, suppress_frame


def test_nearest_rank_hand_cases() -> None:
    # 1..10: median ceil(5) = 5th, 90th ceil(9) = 9th, 92nd ceil(9.2) = 10th, 10th ceil(1) = 1st
    values = list(range(1, 11))
    assert [waits.nearest_rank(values, p) for p in (50, 90, 92, 10)] == [5, 9, 10, 1]
    # one value is every percentile; none gives None
    assert waits.nearest_rank([42], 1) == 42 and waits.nearest_rank([], 50) is None
    # n = 25: 92nd percentile rank ceil(23.0) = 23 exactly (no floating-point round-up to 24)
    assert nearest_rank_index(92, 25) == 23


@given(st.lists(st.integers(0, 2000), min_size=1, max_size=200), st.floats(0.5, 100))
def test_nearest_rank_is_the_smallest_value_covering_p_percent(values: list[int], p: float) -> None:
    v = waits.nearest_rank(values, p)
    assert v in values
    # at least p% of values are <= v, and fewer than p% are < v
    n = len(values)
    assert sum(x <= v for x in values) * 100 >= p * n - 1e-6
    assert sum(x < v for x in values) * 100 < p * n + 1e-6
    assert nearest_rank_index(p, n) == max(1, math.ceil(round(p * 1e6) * n / 1e8))


def test_chs_bands_cover_every_day_once() -> None:
    for day in range(0, 800):
        assert sum(b.contains(day) for b in CHS_BANDS) == 1


def test_builtin_standards_have_sources_and_services() -> None:
    expected = {
        "cmh_adult_4w",
        "cmh_adult_2nd_contact",
        "cmh_cyp_4w",
        "cmh_cyp_1st_contact",
        "talking_therapies",
        "eip_2w",
        "cyp_ed",
        "chs_bands",
        "rtt_18w",
    }
    assert set(BUILTIN_STANDARDS) == expected
    for standard in BUILTIN_STANDARDS.values():
        assert "[S" in standard.source and standard.services
        assert {50.0, 90.0, 92.0} <= set(standard.percentiles)
    # the completed measures stop at the full clock stop, the open lists at the proxies
    assert BUILTIN_STANDARDS["cmh_adult_4w"].stop.combine == "latest"
    assert BUILTIN_STANDARDS["cmh_adult_2nd_contact"].stop.contact_number == 2
    assert BUILTIN_STANDARDS["cmh_cyp_1st_contact"].stop.contact_number == 1
    assert "05" not in BUILTIN_STANDARDS["cmh_adult_4w"].stop.mechanisms
    assert BUILTIN_STANDARDS["cmh_adult_4w"].percentile_method == "linear"
    assert BUILTIN_STANDARDS["rtt_18w"].target_pct == 92.0


def test_standard_file_extends_a_builtin(tmp_path: Path) -> None:
    path = tmp_path / "mine.yaml"
    path.write_text(
        "standards:\n"
        "  - id: north_cmh\n"
        "    extends: cmh_adult_2nd_contact\n"
        "    title: CMHT North second contact\n"
        "    services: [CMHT-North]\n"
        "  - id: memory_6w\n"
        "    title: Memory assessment to diagnosis within 6 weeks\n"
        "    stop: {kind: event, event_types: [diagnosis]}\n"
        "    thresholds: [{label: 6w, days: 42}]\n"
        "    percentiles: [95]\n"
    )
    found = waits.load_standards_file(path)
    assert found["north_cmh"].stop.contact_number == 2
    assert found["north_cmh"].services == ("CMHT-North",)
    assert found["memory_6w"].percentiles == (50.0, 90.0, 92.0, 95.0)
    assert found["memory_6w"].stop.uses_events and not found["memory_6w"].stop.uses_contacts


def test_bad_standard_file_lists_every_problem() -> None:
    text = (
        "standards:\n"
        "  - id: Bad-Id\n    title: x\n    stop: {kind: contact}\n"
        "    thresholds: [{label: 4w, days: 28}]\n"
        "  - id: ok_id\n    title: y\n    stop: {kind: event}\n"
        "    thresholds: [{label: 4w, days: 28}]\n"
        "  - id: z\n    title: z\n    colour: red\n"
    )
    with pytest.raises(ConfigError) as caught:
        standards_from_yaml(text, file="mine.yaml")
    messages = [p.message for p in caught.value.problems]
    assert len(messages) == 3 and all(p.file == "mine.yaml" for p in caught.value.problems)
    assert any("standard 1" in m for m in messages) and any("standard 3" in m for m in messages)


def test_mhsds_mapping_reads_published_field_names() -> None:
    refs = pl.DataFrame(
        {
            "UniqServReqID": ["R1", "R2"],
            "Person_ID": ["P1", "P2"],
            "ServTeamTypeRefToMH": ["A14", "A14"],
            "ReferralRequestReceivedDate": [date(2024, 1, 2), date(2024, 1, 3)],
            "ServDischDate": [None, None],
            "ReferRejectionDate": [None, date(2024, 1, 4)],
        }
    )
    cons = pl.DataFrame(
        {
            "UniqServReqID": ["R1"],
            "CareContDate": [date(2024, 1, 9)],
            "AttendOrDNACode": ["5"],
            "ConsMechanismMH": ["01"],
            "Der_ActivityType": ["treatment"],
        }
    )
    events = pl.DataFrame(
        {
            "UniqServReqID": ["R1"],
            "event_type": ["care_coordinator_allocated"],
            "event_date": [date(2024, 1, 6)],
        }
    )
    # the built-in mapping recodes team type A14 to the EIP service
    frame = waits.compute(
        refs,
        cons,
        events=events,
        standard="eip_2w",
        start="2024-01",
        end="2024-01",
        mapping="mhsds",
    )
    jan = frame.row(0, named=True)
    # R2 was rejected (it has a rejection date); R1: first contact 9 Jan, care coordinator
    # 6 Jan, so treatment starts at the later, 9 Jan: 7 days
    assert (
        jan["service"],
        jan["received_count"],
        jan["completed_count"],
        jan["completed_median_days"],
    ) == ("eip", 1, 1, 7)
    assert jan["completed_within_threshold"] == 1


def test_mapping_file_and_errors(tmp_path: Path) -> None:
    path = tmp_path / "trust.yaml"
    path.write_text("referrals:\n  referral_id: RefNo\n  received_date: [DateReceived, RecvDate]\n")
    mapping = resolve_mapping(path)
    assert mapping.source_for("referrals", "received_date", ["refno", "RecvDate"]) == "RecvDate"
    assert mapping.source_for("referrals", "referral_id", ["refno"]) == "refno"
    with pytest.raises(ConfigError) as caught:
        mapping_from_dict({"referals": {}, "contacts": {"colour": "x"}})
    assert len(caught.value.problems) == 2
    assert resolve_mapping("MHSDS") is BUILTIN_MAPPINGS["mhsds"]
    assert contacts_frame([]).height == 0


def test_suppression_rules() -> None:
    # under 5 -> '*'; otherwise nearest 5 (12 -> 10, 13 -> 15, 5 -> 5, 0 -> '*')
    assert [suppress_count(v) for v in (0, 4, 5, 7, 12, 13, 1234)] == [
        "*",
        "*",
        "5",
        "5",
        "10",
        "15",
        "1235",
    ]
    assert suppress_count(7, "under_five") == "7" and suppress_count(3, "none") == "3"
    frame = pl.DataFrame(
        {
            "open_count": [3, 12],
            "open_median_days": [10, 40],
            "open_within_threshold_pct": [33.333, 58.333],
            "open_over_52w": [0, 6],
        }
    )
    shown = suppress_frame(frame)
    assert shown.to_dicts() == [
        {
            "open_count": "*",
            "open_median_days": "*",
            "open_within_threshold_pct": "*",
            "open_over_52w": "*",
        },
        {
            "open_count": "10",
            "open_median_days": "40",
            "open_within_threshold_pct": "58.3",
            "open_over_52w": "5",
        },
    ]
