"""RTT: a did-not-attend at the first appointment nullifies the clock and a new one starts.

RTT rules suite [S12]: "If the patient DNAs their first appointment following the initial
referral that started their waiting time clock ... their clock can be nullified"; a new clock
starts when the patient rebooks, which trustboard dates at the missed appointment (the
contacts carry no booking date).  Every expected wait below is worked out by hand from that
rule; each referral is in a team of its own so that its wait can be read alone.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import polars as pl
import pytest
from waits_helpers import contacts_frame, referrals_frame, row, run

from trustboard import waits
from trustboard.errors import ConfigError
from trustboard.waits.spec import start_day
from trustboard.waits.standards import standard_from_dict

D = date
EPOCH = D(1970, 1, 1)
RTT = "community_paediatrics"


def _day(d: date) -> int:
    return (d - EPOCH).days


@pytest.fixture(
    params=["duckdb_arrays", "duckdb_sql", pytest.param("spark", marks=pytest.mark.spark)]
)
def path(request: pytest.FixtureRequest) -> dict[str, Any]:
    """Each engine path the RTT standard can take."""
    if request.param == "spark":
        return {
            "engine": "spark",
            "engine_options": {"spark": request.getfixturevalue("spark_session")},
        }
    return {"engine": "duckdb", "engine_options": {"arrays": request.param == "duckdb_arrays"}}


def _refs(rows: list[tuple[int, date]]) -> pl.DataFrame:
    return referrals_frame(
        [{"referral_id": i, "service": RTT, "team": f"t{i}", "received_date": r} for i, r in rows]
    )


def test_first_appointment_dna_restarts_the_clock(path: dict[str, Any]) -> None:
    # 1: received 1 Jan 2023, DNA (code 3) 20 Jan at the first appointment, treated 1 Mar:
    #    new clock from 20 Jan; wait 11 (Jan) + 28 (Feb) + 1 = 40 days (old rule: 59).
    # 2: received 1 Jan, attended an assessment 10 Jan, DNA 20 Jan, treated 1 Mar: the DNA
    #    is not at the first appointment, so the clock runs from 1 Jan: 59 days.
    # 5: received 1 Jan, cancelled by the patient (code 2) 10 Jan, DNA 20 Jan, treated 1 Mar:
    #    a cancelled appointment did not take place, so 20 Jan is the first appointment: 40.
    # 6: received 1 Jan, DNA 20 Jan, DNA again 1 Feb, treated 1 Mar: only the first
    #    appointment nullifies, so the clock runs from 20 Jan: 40 days (not 28).
    refs = _refs([(1, D(2023, 1, 1)), (2, D(2023, 1, 1)), (5, D(2023, 1, 1)), (6, D(2023, 1, 1))])
    treated = "treatment"
    cons = contacts_frame(
        [
            (1, D(2023, 1, 20), "3", "01", "assessment"),
            (1, D(2023, 3, 1), "5", "01", treated),
            (2, D(2023, 1, 10), "5", "01", "assessment"),
            (2, D(2023, 1, 20), "3", "01", "assessment"),
            (2, D(2023, 3, 1), "5", "01", treated),
            (5, D(2023, 1, 10), "2", "01", "assessment"),
            (5, D(2023, 1, 20), "3", "01", "assessment"),
            (5, D(2023, 3, 1), "5", "01", treated),
            (6, D(2023, 1, 20), "3", "01", "assessment"),
            (6, D(2023, 2, 1), "3", "01", treated),
            (6, D(2023, 3, 1), "6", "01", treated),
        ]
    )
    res = run(refs, cons, "rtt_18w", "2023-01", "2023-03", path, by=("team",))
    mar = D(2023, 3, 31)
    waits_by_team = {t: row(res, mar, team=t)["completed_median_days"] for t in ("t1", "t2")}
    waits_by_team |= {t: row(res, mar, team=t)["completed_median_days"] for t in ("t5", "t6")}
    assert waits_by_team == {"t1": 40, "t2": 59, "t5": 40, "t6": 40}
    # 28 Feb: 1, 5 and 6 wait 28 Feb - 20 Jan = 39 days; 2 waits 58 days
    feb = {t: row(res, D(2023, 2, 28), team=t)["open_median_days"] for t in ("t1", "t2", "t6")}
    assert feb == {"t1": 39, "t2": 58, "t6": 39}


def test_nullified_clock_leaves_the_open_list_until_the_dna(path: dict[str, Any]) -> None:
    # 3: received 20 Dec 2022, DNA 10 Jan 2023, nothing since.  The clock from the referral
    #    is nullified, so it is not on the 31 Dec list; the new clock from 10 Jan gives
    #    31 Jan - 10 Jan = 21 days (old rule: 42).  The referral still counts as received in
    #    December.
    # 4: received 1 Dec 2022, decision not to treat 15 Dec (clock stopped: 14 days), then a
    #    DNA 20 Dec: the clock had stopped, so nothing restarts.
    refs = _refs([(3, D(2022, 12, 20)), (4, D(2022, 12, 1))])
    cons = contacts_frame(
        [(3, D(2023, 1, 10), "3", "02", "assessment"), (4, D(2022, 12, 20), "3", "01", "x")]
    )
    events = pl.DataFrame(
        {
            "referral_id": [4],
            "event_type": ["decision_not_to_treat"],
            "event_date": [D(2022, 12, 15)],
        }
    )
    res = run(refs, cons, "rtt_18w", "2022-12", "2023-01", path, by=("team",), events=events)
    dec3 = row(res, D(2022, 12, 31), team="t3")
    assert (dec3["open_count"], dec3["received_count"]) == (0, 1)
    jan3 = row(res, D(2023, 1, 31), team="t3")
    assert (jan3["open_count"], jan3["open_median_days"]) == (1, 21)
    dec4 = row(res, D(2022, 12, 31), team="t4")
    assert (dec4["completed_count"], dec4["completed_median_days"], dec4["open_count"]) == (
        1,
        14,
        0,
    )


def test_start_day_is_the_rule() -> None:
    rule = waits.get_standard("rtt_18w").stop
    r = _day(D(2023, 1, 1))
    dna, seen = _day(D(2023, 1, 20)), _day(D(2023, 3, 1))
    assert start_day(rule, r, [seen], [dna], seen) == dna
    assert start_day(rule, r, [_day(D(2023, 1, 10)), seen], [dna], seen) == r
    # an attended contact on the day of the DNA counts first
    assert start_day(rule, r, [dna], [dna], None) == r
    # closed before the DNA, or stopped on or before it: no restart
    assert start_day(rule, r, [], [dna], None, closed=dna - 1) == r
    assert start_day(rule, r, [], [dna], dna) == r
    assert start_day(rule, r, [], [dna, dna + 5], None) == dna
    # a rule without restart codes never restarts
    assert start_day(waits.StopRule(), r, [], [dna], None) == r


def test_restart_codes_must_differ_from_attended_codes() -> None:
    with pytest.raises(ConfigError):
        waits.StopRule(dna_restart_codes=("3", "5"))


def test_a_standard_file_sets_or_clears_the_restart_codes() -> None:
    late = standard_from_dict(
        {"id": "rtt_late", "extends": "rtt_18w", "stop": {"dna_restart_codes": ["3", "7"]}}
    )
    assert late.stop.dna_restart_codes == ("3", "7")
    assert late.stop.event_types == ("decision_not_to_treat", "active_monitoring")
    off = standard_from_dict(
        {"id": "rtt_off", "extends": "rtt_18w", "stop": {"dna_restart_codes": []}}
    )
    assert off.stop.restart_key() is None
