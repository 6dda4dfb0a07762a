"""One contract for the clock rules: every engine path equals the specification.

:func:`trustboard.waits.spec.stop_day` defines the clock stop; the DuckDB SQL path, its NumPy
array path and the Spark engine each compute it their own way.  Here each runs on the same
random pathways (each referral in a group of its own, so its completed wait is readable),
for rules covering the k-th contact, "earliest of", "latest of", the April 2024 requirement,
indirect activity and the first-appointment DNA restart (:func:`.spec.start_day`), and must
give exactly the wait the specification gives.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import numpy as np
import polars as pl
import pytest

from trustboard import waits
from trustboard.waits.spec import start_day, stop_day

EPOCH = date(1970, 1, 1)
TYPES = ("baseline_outcome", "meaningful_assessment", "care_plan_or_intervention")

RULES = {
    "second_contact": waits.StopRule(contact_number=2, mechanisms=("01", "02")),
    "earliest": waits.StopRule(kind=waits.StopKind.CONTACT_OR_EVENT, event_types=TYPES[:2]),
    "adult_full": waits.get_standard("cmh_adult_4w").stop,
    "cyp_full": waits.get_standard("cmh_cyp_4w").stop,
    "events_latest": waits.StopRule(
        kind=waits.StopKind.EVENT, event_types=TYPES, combine=waits.Combine.LATEST
    ),
    "dna_restart": waits.StopRule(
        kind=waits.StopKind.CONTACT_OR_EVENT,
        mechanisms=("01", "02"),
        event_types=TYPES[:1],
        dna_restart_codes=("3",),
    ),
    "rtt": waits.get_standard("rtt_18w").stop,
}


def _data(seed: int) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    rng = np.random.default_rng(seed)
    n = 120
    received = [date(2024, 1, 1) + timedelta(days=int(d)) for d in rng.integers(0, 200, n)]
    refs = pl.DataFrame(
        {
            "referral_id": np.arange(1, n + 1),
            "service": ["cmh_adult"] * n,
            "team": [f"t{i}" for i in range(1, n + 1)],
            "received_date": received,
            "closed_date": [
                r + timedelta(days=int(rng.integers(5, 90))) if rng.random() < 0.2 else None
                for r in received
            ],
        }
    )
    cons = []
    events = []
    for i, start in enumerate(received, start=1):
        for _ in range(int(rng.integers(0, 5))):
            day = start + timedelta(days=int(rng.integers(0, 60)))
            indirect = rng.random() < 0.15
            cons.append(
                (
                    i,
                    day,
                    None if indirect else str(rng.choice(["5", "6", "3"])),
                    None if indirect else str(rng.choice(["01", "02", "05", "11"])),
                    "indirect" if indirect else str(rng.choice(["assessment", "treatment"])),
                )
            )
        for kind in TYPES:
            if rng.random() < 0.7:
                events.append((i, kind, start + timedelta(days=int(rng.integers(0, 60)))))
    contacts = pl.DataFrame(
        cons,
        schema={
            "referral_id": pl.Int64,
            "contact_date": pl.Date,
            "attendance_code": pl.String,
            "mechanism": pl.String,
            "activity_type": pl.String,
        },
        orient="row",
    )
    event_frame = pl.DataFrame(
        events,
        schema={"referral_id": pl.Int64, "event_type": pl.String, "event_date": pl.Date},
        orient="row",
    )
    return refs, contacts, event_frame


def _expected(
    rule: waits.StopRule, refs: pl.DataFrame, cons: pl.DataFrame, events: pl.DataFrame
) -> set[tuple[str, int]]:
    """(team, wait) of every pathway whose clock stopped, by the specification."""
    out = set()
    for ref in refs.iter_rows(named=True):
        rid = ref["referral_id"]
        mine = cons.filter(pl.col("referral_id") == rid)
        days = [
            (c["contact_date"] - EPOCH).days
            for c in mine.iter_rows(named=True)
            if rule.contact_qualifies(c["attendance_code"], c["mechanism"], c["activity_type"])
        ]
        by_type: dict[str, list[int]] = {}
        for e in events.filter(pl.col("referral_id") == rid).iter_rows(named=True):
            by_type.setdefault(e["event_type"], []).append((e["event_date"] - EPOCH).days)
        received = (ref["received_date"] - EPOCH).days
        stop = stop_day(rule, received, days, by_type)
        closed = ref["closed_date"]
        if stop is None or (closed is not None and stop > (closed - EPOCH).days):
            continue
        attended, missed = (
            [
                (c["contact_date"] - EPOCH).days
                for c in mine.iter_rows(named=True)
                if c["attendance_code"] in codes
            ]
            for codes in (rule.attendance_codes, rule.dna_restart_codes)
        )
        shut = None if closed is None else (closed - EPOCH).days
        out.add((ref["team"], stop - start_day(rule, received, attended, missed, stop, shut)))
    return out


@pytest.fixture(
    params=["duckdb_arrays", "duckdb_sql", pytest.param("spark", marks=pytest.mark.spark)]
)
def engine_path(request: pytest.FixtureRequest) -> dict[str, Any]:
    """Each engine path under the contract."""
    if request.param == "spark":
        return {
            "engine": "spark",
            "engine_options": {"spark": request.getfixturevalue("spark_session")},
        }
    return {"engine": "duckdb", "engine_options": {"arrays": request.param == "duckdb_arrays"}}


@pytest.mark.parametrize("seed", [1, 2])
def test_every_engine_path_gives_the_specified_stop(engine_path: dict[str, Any], seed: int) -> None:
    refs, cons, events = _data(seed)
    standards = [
        waits.Standard(name, name, rule, thresholds=(waits.Threshold("4w", 28),))
        for name, rule in RULES.items()
    ]
    results = waits.compute_results(
        refs,
        cons,
        events=events,
        standards=standards,
        start="2024-01",
        end="2024-12",
        by=("team",),
        **engine_path,
    )
    for name, rule in RULES.items():
        done = results[name].measures.filter(pl.col("completed_count") > 0)
        assert (done["completed_count"] == 1).all()
        got = set(zip(done["team"], done["completed_median_days"].cast(pl.Int64), strict=True))
        expected = _expected(rule, refs, cons, events)
        assert got == expected, name
        assert len(expected) > 10, name  # the case is not vacuous
    # the restart happens in these data: its waits differ from those from the referral
    plain = waits.StopRule(
        kind=waits.StopKind.CONTACT_OR_EVENT, mechanisms=("01", "02"), event_types=TYPES[:1]
    )
    assert _expected(RULES["dna_restart"], refs, cons, events) != _expected(
        plain, refs, cons, events
    )
