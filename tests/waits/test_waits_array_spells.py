"""Referral spells joined on the DuckDB engine's array path (``arrays.referral_spells``).

The spell rule (MHSDS 4w_waits_prep: a person's referrals to a service form one spell while
each is received no more than five days after the latest end so far; an open referral is
given the end 1 January 9999, as the SQL path's ``coalesce(closed_date, DATE '9999-01-01')``)
is checked here against a plain loop over each person's referrals, and the whole array path
against the SQL spells (``array_spells=False``) on random data.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import Any

import numpy as np
import polars as pl
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from waits_helpers import contacts_frame, referrals_frame

from trustboard import waits
from trustboard.waits.engines import arrays
from trustboard.waits.engines.base import EPOCH
from trustboard.waits.engines.duckdb_engine import DuckDBEngine

OPEN_END = date(9999, 1, 1)
SERVICES = ("cmh_adult", "eip", None)
REASONS = ("discharged", "moved", None)


def _day(value: date) -> int:
    return (value - EPOCH).days


def reference_spells(
    refs: list[dict[str, Any]], services: set[str], gap: int
) -> dict[int, dict[str, Any]]:
    """The spells by a plain loop: for each referral id, its spell's head id, and for each
    head of a spell of several, the spell's closure and closure reason."""
    groups: dict[tuple[Any, Any], list[dict[str, Any]]] = {}
    for r in refs:
        if r["rejected"] or r["person_id"] is None or r["service"] not in services:
            continue
        groups.setdefault((r["person_id"], r["service"]), []).append(r)
    out: dict[int, dict[str, Any]] = {}
    for members in groups.values():
        members.sort(key=lambda r: (r["received_date"], r["referral_id"]))
        spells: list[list[dict[str, Any]]] = []
        reach: date | None = None
        for r in members:
            if reach is None or r["received_date"] > reach:
                spells.append([])
            spells[-1].append(r)
            end = (r["closed_date"] or OPEN_END) + timedelta(days=gap)
            reach = end if reach is None else max(reach, end)
        for spell in spells:
            head = spell[0]["referral_id"]
            closed = [r for r in spell if r["closed_date"] is not None]
            ender = max(closed, key=lambda r: (r["closed_date"], r["referral_id"]), default=None)
            for r in spell:
                out[r["referral_id"]] = {
                    "head": head,
                    "size": len(spell),
                    "closed": None if len(closed) < len(spell) else ender["closed_date"],  # type: ignore[index]
                    "reason": None if ender is None else ender["closure_reason"],
                }
    return out


def _slots(refs: list[dict[str, Any]], persons: pa.Array) -> arrays.ReferralSlots:
    """Slots for referrals with ids 0 .. n - 1 (read in a shuffled order)."""
    n = len(refs)
    values = {"closure_reason": sorted(v for v in REASONS if v), "service": ["cmh_adult", "eip"]}

    def code(column: str, value: str | None) -> int:
        return len(values[column]) if value is None else values[column].index(value)

    rows = sorted(
        {(code("closure_reason", r["closure_reason"]), code("service", r["service"])) for r in refs}
    )
    kind = np.array(
        [
            rows.index((code("closure_reason", r["closure_reason"]), code("service", r["service"])))
            for r in refs
        ],
        dtype=np.int32,
    )
    kinds = arrays.KindTable(("closure_reason", "service"), values, np.array(rows, dtype=np.int64))
    order = np.array(random.Random(n).sample(range(n), n), dtype=np.int64)
    return arrays.ReferralSlots(
        lowest=0,
        present=np.ones(n, dtype=bool),
        received=np.array([_day(r["received_date"]) for r in refs], dtype=np.int32),
        closed=np.array(
            [arrays.NO_DATE if r["closed_date"] is None else _day(r["closed_date"]) for r in refs],
            dtype=np.int32,
        ),
        rejected=np.array([r["rejected"] for r in refs], dtype=bool),
        kind=kind,
        kinds=kinds,
        first_day=min(_day(r["received_date"]) for r in refs),
        last_day=max(_day(r["received_date"]) for r in refs),
        persons=(order, persons.take(pa.array(order))),
    )


referral = st.fixed_dictionaries(
    {
        "person_id": st.one_of(st.none(), st.integers(0, 2)),
        "service": st.sampled_from((*SERVICES, "cmh_adult", "cmh_adult")),
        # a few days apart, so ties and the 5/6-day boundary come up often
        "received": st.integers(0, 20),
        "length": st.one_of(st.none(), st.integers(0, 8), st.integers(0, 8)),
        "closure_reason": st.sampled_from(REASONS),
        "rejected": st.sampled_from((False, False, False, True)),
    }
)


def _referrals(drawn: list[dict[str, Any]]) -> list[dict[str, Any]]:
    start = date(2024, 1, 1)
    return [
        {
            "referral_id": i,
            "person_id": d["person_id"],
            "service": d["service"],
            "received_date": start + timedelta(days=d["received"]),
            "closed_date": None
            if d["length"] is None
            else start + timedelta(days=d["received"] + d["length"]),
            "closure_reason": d["closure_reason"],
            "rejected": d["rejected"],
        }
        for i, d in enumerate(drawn)
    ]


@settings(max_examples=300, deadline=None)
@given(
    drawn=st.lists(referral, min_size=1, max_size=40),
    gap=st.sampled_from([0, 5, 6]),
    every=st.booleans(),
    person_type=st.sampled_from(["int", "negative", "huge", "text"]),
)
def test_array_spells_equal_a_plain_loop(
    drawn: list[dict[str, Any]], gap: int, every: bool, person_type: str
) -> None:
    refs = _referrals(drawn)
    people = [r["person_id"] for r in refs]
    if person_type == "text":
        persons = pa.array([None if p is None else f"P{p}" for p in people], pa.string())
    elif person_type == "negative":
        persons = pa.array([None if p is None else -1000 * p - 7 for p in people], pa.int64())
    elif person_type == "huge":
        # too large to combine with the service in one number: numbered first
        persons = pa.array([None if p is None else (1 << 62) - p for p in people], pa.int64())
    else:
        persons = pa.array(people, pa.int64())
    slots = _slots(refs, persons)
    services = {"cmh_adult", "eip", None} if every else {"cmh_adult"}
    scope = np.array(
        [
            (slots.kinds.values["service"] + [None])[c] in services
            for c in slots.kinds.code_of("service")
        ]
    )
    spelled, remap = arrays.referral_spells(slots, scope, gap)
    expected = reference_spells(refs, services, gap)  # type: ignore[arg-type]
    joined = {i: e for i, e in expected.items() if e["size"] > 1}
    if not joined:
        assert remap is None and spelled is slots
        return
    assert remap is not None
    kinds = spelled.kinds
    reasons = kinds.values["closure_reason"] + [None]
    for r in refs:
        i = r["referral_id"]
        e = joined.get(i)
        head = i if e is None else e["head"]
        assert remap[i] == head
        assert spelled.present[i] == (head == i)
        if e is not None and head == i:
            closed = None if spelled.closed[i] == arrays.NO_DATE else spelled.closed[i]
            assert closed == (None if e["closed"] is None else _day(e["closed"]))
            assert reasons[kinds.codes[spelled.kind[i], 0]] == e["reason"]
        elif head == i:
            assert spelled.closed[i] == slots.closed[i]
            assert (kinds.codes[spelled.kind[i]] == slots.kinds.codes[slots.kind[i]]).all()
        # the service (and every other column of the kind) is the referral's own
        assert kinds.codes[spelled.kind[i], 1] == slots.kinds.codes[slots.kind[i], 1]


def test_five_days_join_six_do_not_and_an_open_referral_never_ends() -> None:
    # person 1: A 1-10 Jan, B received 15 Jan (5 days after A's end): one spell to B's end
    # 20 Jan; C received 26 Jan (6 days after): a spell of its own.  Person 2: D open from
    # 1 Jan, E received a year later: one spell, open.  Person 3: F and G received the same
    # day: one spell headed by the smaller id.
    D = date
    refs: list[dict[str, Any]] = [
        {
            "referral_id": 0,
            "person_id": 1,
            "received_date": D(2024, 1, 1),
            "closed_date": D(2024, 1, 10),
            "closure_reason": "discharged",
        },
        {
            "referral_id": 1,
            "person_id": 1,
            "received_date": D(2024, 1, 15),
            "closed_date": D(2024, 1, 20),
            "closure_reason": "moved",
        },
        {
            "referral_id": 2,
            "person_id": 1,
            "received_date": D(2024, 1, 26),
            "closed_date": None,
            "closure_reason": None,
        },
        {
            "referral_id": 3,
            "person_id": 2,
            "received_date": D(2024, 1, 1),
            "closed_date": None,
            "closure_reason": None,
        },
        {
            "referral_id": 4,
            "person_id": 2,
            "received_date": D(2025, 1, 1),
            "closed_date": D(2025, 2, 1),
            "closure_reason": "discharged",
        },
        {
            "referral_id": 6,
            "person_id": 3,
            "received_date": D(2024, 3, 1),
            "closed_date": None,
            "closure_reason": None,
        },
        {
            "referral_id": 5,
            "person_id": 3,
            "received_date": D(2024, 3, 1),
            "closed_date": None,
            "closure_reason": None,
        },
    ]
    refs.sort(key=lambda r: r["referral_id"])
    for r in refs:
        r.update(service="cmh_adult", rejected=False)
    slots = _slots(refs, pa.array([r["person_id"] for r in refs], pa.int64()))
    spelled, remap = arrays.referral_spells(slots, np.ones(len(slots.kinds.codes), bool), 5)
    assert remap is not None
    assert remap.tolist() == [0, 0, 2, 3, 3, 5, 5]
    assert spelled.present.tolist() == [True, False, True, True, False, True, False]
    assert spelled.closed[0] == _day(D(2024, 1, 20))
    reasons = spelled.kinds.values["closure_reason"] + [None]
    assert reasons[spelled.kinds.codes[spelled.kind[0], 0]] == "moved"
    # D is open, so the spell is open; its reason is E's, the only member that closed
    assert spelled.closed[3] == arrays.NO_DATE
    assert reasons[spelled.kinds.codes[spelled.kind[3], 0]] == "discharged"


def _random_trust(
    seed: int, text_people: bool
) -> tuple[pl.DataFrame, pl.DataFrame, list[dict[str, Any]]]:
    rng = random.Random(seed)
    rows: list[dict[str, Any]] = []
    for i in range(1, 121):
        received = date(2024, 1, 1) + timedelta(days=rng.randrange(0, 150))
        closed = None if rng.random() < 0.4 else received + timedelta(days=rng.randrange(0, 40))
        rows.append(
            {
                "referral_id": i,
                "person_id": None if rng.random() < 0.05 else rng.randrange(0, 25),
                "service": rng.choice(["cmh_adult", "cmh_adult", "cyp_mh", "eip"]),
                "team": rng.choice(["t1", "t2"]),
                "received_date": received,
                "closed_date": closed,
                "closure_reason": None if closed is None else rng.choice(["discharged", None]),
                "rejected": rng.random() < 0.05,
            }
        )
    refs = referrals_frame(rows)
    if text_people:
        refs = refs.with_columns(pl.format("P{}", pl.col("person_id")).alias("person_id"))
    contacts = []
    for r in rows:
        for _ in range(rng.randrange(0, 4)):
            day = r["received_date"] + timedelta(days=rng.randrange(0, 60))
            contacts.append((r["referral_id"], day, rng.choice(["5", "3"]), "01", "assessment"))
    return refs, contacts_frame(contacts), rows


@pytest.mark.parametrize("seed", range(6))
def test_array_spells_give_the_sql_spells_figures(seed: int) -> None:
    refs, cons, rows = _random_trust(seed, text_people=seed % 2 == 1)
    # the random trust does join referrals into spells
    assert any(e["size"] > 1 for e in reference_spells(rows, {"cmh_adult"}, 5).values())
    standards = ["cmh_adult_2nd_contact", "cmh_adult_4w", "cmh_cyp_1st_contact"]
    kwargs: dict[str, Any] = {"standards": standards, "start": "2024-02", "end": "2024-07"}
    results = {}
    for flag in (True, False):
        engine = DuckDBEngine(array_spells=flag)
        results[flag] = waits.compute_results(refs, cons, by=("team",), engine=engine, **kwargs)
        assert engine.used_arrays
    for standard in standards:
        assert results[True][standard].measures.equals(results[False][standard].measures)
        assert results[True][standard].removals.equals(results[False][standard].removals)
