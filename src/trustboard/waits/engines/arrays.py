"""The NumPy core of the DuckDB engine for integer referral ids in a dense range.

Most extracts number referrals with integers that are close together.  Then a referral's
id minus the smallest id is its *slot* in plain arrays, and matching 30 million contacts to
10 million referrals needs no hash table at all: each contact's slot is one subtraction, its
referral's received date one array read, and each referral's first qualifying contact one
``np.minimum.at``.  DuckDB still reads and normalises the files (and lists offending rows when
something is wrong); this module only consumes its Arrow batches, which are streamed so that
the process never holds a copy of the contacts (only, for rules that stop the clock at the
k-th contact, the slots and dates of the qualifying ones).

Everything here gives exactly the numbers of the SQL path (see
:mod:`trustboard.waits.engines.duckdb_engine`), which the tests check histogram by histogram.
When the data are anything but clean (an unknown referral, an empty or early date, a
duplicate id, an infinite date) the functions say so and the engine falls back to the SQL
path, which finds and lists the problems.

Conventions: dates are ``int32`` day numbers since 1970-01-01 and :data:`NO_DATE` stands for
"no date" (it is larger than every real date, so ``np.minimum`` skips it as SQL's ``min`` and
``least`` skip NULL).  Month ends are numbered ``0 .. M - 1``; a date's *month* is clipped to
``-1 .. M`` (before the first month, after the last), which is all the histograms look at.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from trustboard.waits.engines.base import EPOCH, MonthCalendar
from trustboard.waits.spec import Combine, StopRule

__all__ = [
    "NO_DATE",
    "DatedStops",
    "HashIndex",
    "KindTable",
    "ReferralSlots",
    "StandardArrays",
    "combine_stop",
    "dense_span",
    "histogram_tables",
    "kind_table",
    "kth_smallest",
    "read_dated",
    "read_referrals",
    "referral_spells",
    "restart_start",
]

#: "no date": larger than any real day number (DuckDB's ``infinity`` date is refused)
NO_DATE = np.iinfo(np.int32).max
#: ids may leave at most this many unused slots per referral (plus a small allowance)
SLACK = 4
#: rows per Arrow batch read from DuckDB
BATCH = 1 << 16
#: referral slots handled at once when counting (keeps temporaries small and in cache)
CHUNK = 1 << 18
#: keys gathered before they are counted
FLUSH_ROWS = 1 << 20
#: histograms with at most this many cells are counted with ``np.bincount``; larger ones by
#: sorting the keys, a million or so at a time
DENSE_CELLS = 1 << 22
#: the end an open referral is given when spells are joined (the SQL path's
#: ``coalesce(closed_date, DATE '9999-01-01')``), as a day number
SPELL_OPEN_END = (date(9999, 1, 1) - EPOCH).days


def dense_span(lowest: int | None, highest: int | None, count: int) -> int | None:
    """The number of slots for ids ``lowest .. highest``, or None when too sparse to use."""
    if lowest is None or highest is None or count == 0:
        return None
    span = int(highest) - int(lowest) + 1
    if span > SLACK * count + 4096 or span >= np.iinfo(np.int32).max:
        return None
    return span


def _days(column: Any) -> np.ndarray:
    """A date32 Arrow column without nulls as ``int32`` day numbers (no copy)."""
    return np.asarray(column.view(pa.int32()).to_numpy(zero_copy_only=False), dtype=np.int32)


def _days_or_none(column: Any) -> np.ndarray:
    """A date32 Arrow column as ``int32`` day numbers, nulls as :data:`NO_DATE`."""
    days = column.view(pa.int32())
    if days.null_count:
        days = days.fill_null(NO_DATE)
    return np.asarray(days.to_numpy(zero_copy_only=False), dtype=np.int32)


@dataclass
class KindTable:
    """The distinct combinations ("kinds") of the text columns the histograms need.

    ``columns`` are the column names, ``values[c]`` the distinct non-null values of column
    ``c`` (code ``len(values[c])`` is NULL) and ``codes`` one row of column codes per kind.
    """

    columns: tuple[str, ...]
    values: dict[str, list[str]]
    codes: np.ndarray

    def code_of(self, column: str) -> np.ndarray:
        """Each kind's code in ``column``."""
        return self.codes[:, self.columns.index(column)]

    def dense(self, columns: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """Number the kinds' distinct combinations of ``columns``.

        Returns (index of each kind's combination, one row of column codes per combination).
        """
        if not columns:
            return np.zeros(len(self.codes), dtype=np.int64), np.zeros((1, 0), dtype=np.int64)
        picked = self.codes[:, [self.columns.index(c) for c in columns]]
        unique, inverse = np.unique(picked, axis=0, return_inverse=True)
        return inverse.reshape(-1).astype(np.int64), unique

    def text_columns(
        self, columns: Sequence[str], rows: np.ndarray, combos: np.ndarray
    ) -> dict[str, Any]:
        """Arrow string columns for ``columns`` of the combinations ``combos[rows]``."""
        out = {}
        for i, column in enumerate(columns):
            labels = pa.array([*self.values[column], None], type=pa.string())
            out[column] = labels.take(
                pa.array(combos[rows, i] if rows.size else np.zeros(0, np.int64))
            )
        return out


@dataclass
class ReferralSlots:
    """The referrals, one slot per id from ``lowest``: whether present, dates and kind.

    ``first_day`` and ``last_day`` bound the received dates.  ``persons``, read only when
    referral spells are joined, is (slots in the order read, each one's person id as an Arrow
    array, NULL where there is none).
    """

    lowest: int
    present: np.ndarray
    received: np.ndarray
    closed: np.ndarray
    rejected: np.ndarray
    kind: np.ndarray
    kinds: KindTable
    first_day: int
    last_day: int
    persons: tuple[np.ndarray, Any] | None = None

    @property
    def span(self) -> int:
        """Number of slots."""
        return len(self.present)

    @property
    def accepted(self) -> np.ndarray:
        """Slots holding a referral that was not rejected."""
        accepted: np.ndarray = self.present & ~self.rejected
        return accepted


class HashIndex:
    """Finds the kind of each of many hashes.

    For up to a thousand or so kinds, some 20 bits of the hashes tell the kinds apart, and
    then one look-up in a table of that size finds a kind (several times quicker than a
    binary search over the sorted hashes, which is the fallback).
    """

    def __init__(self, hashes: np.ndarray) -> None:
        self.hashes = hashes
        self.shift = self.mask = np.uint64(0)
        self.table: np.ndarray | None = None
        count = len(hashes)
        bits = max(8, 2 * count.bit_length() + 1)
        if bits > 22:
            return
        mask = np.uint64((1 << bits) - 1)
        for shift in range(0, 64 - bits + 1, 4):
            picked = (hashes >> np.uint64(shift)) & mask
            if len(np.unique(picked)) == count:
                self.table = np.zeros(1 << bits, dtype=np.int32)
                self.table[picked] = np.arange(count, dtype=np.int32)
                self.shift, self.mask = np.uint64(shift), mask
                return

    def find(self, hashed: np.ndarray) -> np.ndarray | None:
        """The kind of each hash, or None when one is not a known kind's."""
        if self.table is not None:
            found = self.table[(hashed >> self.shift) & self.mask]
        else:
            found = np.minimum(np.searchsorted(self.hashes, hashed), len(self.hashes) - 1).astype(
                np.int32
            )
        return found if bool((self.hashes[found] == hashed).all()) else None


def kind_table(
    rows: Sequence[tuple[Any, ...]], columns: tuple[str, ...]
) -> tuple[KindTable, np.ndarray] | None:
    """The kinds from distinct (hash, value of each column) rows, and their sorted hashes.

    Returns None when two kinds share a hash (then hashes cannot stand for kinds).
    """
    ordered = sorted(rows, key=lambda row: row[0])
    hashes = np.array([row[0] for row in ordered], dtype=np.uint64)
    if len(np.unique(hashes)) != len(hashes):
        return None
    values = {
        c: sorted({row[1 + i] for row in ordered if row[1 + i] is not None})
        for i, c in enumerate(columns)
    }
    position = {c: {v: j for j, v in enumerate(values[c])} for c in columns}
    codes = np.array(
        [
            [position[c].get(row[1 + i], len(values[c])) for i, c in enumerate(columns)]
            for row in ordered
        ],
        dtype=np.int64,
    ).reshape(len(ordered), len(columns))
    return KindTable(columns, values, codes), hashes


def read_referrals(
    batches: Iterable[Any],
    lowest: int,
    span: int,
    kinds: KindTable,
    hashes: np.ndarray,
    days: tuple[int, int],
) -> ReferralSlots | None:
    """Fill the slots from batches of (id, received, closed, rejected as 0/1, kind hash), with
    a sixth column, the person id, when the batches have one (see :func:`referral_spells`).

    ``hashes`` are the kinds' hashes, sorted; ``days`` the first and last received dates.
    Returns None when an id repeats or a hash is not a known kind's.
    """
    index = HashIndex(hashes)
    person_slots: list[np.ndarray] = []
    person_ids: list[Any] = []
    present = np.zeros(span, dtype=bool)
    received = np.zeros(span, dtype=np.int32)
    closed = np.full(span, NO_DATE, dtype=np.int32)
    rejected = np.zeros(span, dtype=bool)
    kind = np.zeros(span, dtype=np.int32)
    rows = 0
    for batch in batches:
        slot = np.asarray(batch.column(0).to_numpy(), dtype=np.int64) - lowest
        present[slot] = True
        received[slot] = _days(batch.column(1))
        closed[slot] = _days_or_none(batch.column(2))
        rejected[slot] = batch.column(3).to_numpy().view(bool)
        found = index.find(batch.column(4).to_numpy())
        if found is None:
            return None
        kind[slot] = found
        rows += len(slot)
        if batch.num_columns > 5:
            person_slots.append(slot)
            person_ids.append(batch.column(5))
    if int(np.count_nonzero(present)) != rows:
        return None
    persons = None
    if person_ids:
        persons = (np.concatenate(person_slots), pa.chunked_array(person_ids))
    return ReferralSlots(
        lowest, present, received, closed, rejected, kind, kinds, days[0], days[1], persons
    )


def _person_numbers(persons: Any, take: np.ndarray) -> np.ndarray:
    """The person ids of the rows ``take`` as non-negative integers, one per distinct id."""
    if pa.types.is_integer(persons.type):
        numbers: np.ndarray = np.asarray(persons.fill_null(0).to_numpy(), dtype=np.int64)[take]
        if numbers.size and int(numbers.min()) >= 0:
            return numbers
        ranked: np.ndarray = np.unique(numbers, return_inverse=True)[1]
        return ranked.reshape(-1).astype(np.int64)
    # text: numbered by a dictionary (nulls are not taken, so any code will do for them)
    if isinstance(persons, pa.ChunkedArray):
        persons = persons.combine_chunks()
    codes = pc.dictionary_encode(persons).indices.fill_null(0)
    coded: np.ndarray = np.asarray(codes.to_numpy(zero_copy_only=False), dtype=np.int64)[take]
    return coded


def _unique_rows(rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The distinct rows of a small non-negative integer matrix, and each row's index among
    them (one number per row where the codes fit in 62 bits: far quicker than rows)."""
    radix = rows.max(axis=0, initial=0).astype(np.int64) + 1
    if float(np.prod(radix.astype(float))) < 2.0**62:
        weights = np.cumprod(np.append(radix[1:], 1)[::-1])[::-1]
        _, index, inverse = np.unique(rows @ weights, return_index=True, return_inverse=True)
        return rows[index], inverse.reshape(-1).astype(np.int32)
    unique, inverse = np.unique(rows, axis=0, return_inverse=True)
    return unique, inverse.reshape(-1).astype(np.int32)


def _bits(count: int) -> int:
    """Bits needed for the numbers ``0 .. count - 1``."""
    return max(int(count - 1).bit_length(), 1)


def _person_runs(
    person: np.ndarray, service: np.ndarray, slot: np.ndarray, referrals: ReferralSlots
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The rows whose person has another referral to the same service, ordered by (person,
    service, received date, slot): (slots, received dates as int64, first of its group).

    One unstable sort of (person, service) numbers finds the groups of two or more; only
    those rows are then sorted by group, date and slot (ids are unique, so the order is
    total and needs no stable sort).
    """
    width = int(service.max(initial=0)) + 1
    if int(person.max(initial=0)) >= (1 << 62) // max(width, 1):
        person = np.unique(person, return_inverse=True)[1].reshape(-1).astype(np.int64)
    key = person * width + service
    row_bits = _bits(len(key))
    if _bits(int(key.max()) + 1) + row_bits <= 63:
        # sorting the numbers with each row's index in the low bits is several times
        # quicker than an argsort, and gives the same order
        packed = np.sort((key << row_bits) | np.arange(len(key), dtype=np.int64))
        ordered, order = packed >> row_bits, packed & ((1 << row_bits) - 1)
    else:
        order = np.argsort(key)
        ordered = key[order]
    same = ordered[1:] == ordered[:-1]
    repeated = np.zeros(len(key), dtype=bool)
    repeated[1:] = same
    repeated[:-1] |= same
    rows = order[repeated]
    empty = np.zeros(0, np.int64)
    if not rows.size:
        return empty, empty, np.zeros(0, dtype=bool)
    starts = np.ones(rows.size, dtype=bool)
    starts[1:] = ordered[repeated][1:] != ordered[repeated][:-1]
    group = np.cumsum(starts) - 1
    slots = slot[rows].astype(np.int64)
    got = referrals.received[slots].astype(np.int64)
    low = int(got.min())
    date_bits = _bits(int(got.max()) - low + 1)
    slot_bits = _bits(referrals.span)
    if _bits(int(group[-1]) + 1) + date_bits + slot_bits <= 63:
        # (group, date, slot) packed in one number: sorting the numbers sorts the rows
        packed = np.sort((group << (date_bits + slot_bits)) | ((got - low) << slot_bits) | slots)
        slots = packed & ((1 << slot_bits) - 1)
        got = ((packed >> slot_bits) & ((1 << date_bits) - 1)) + low
        group = packed >> (date_bits + slot_bits)
    else:
        final = np.lexsort((slots, got, group))
        slots, got, group = slots[final], got[final], group[final]
    first = np.ones(rows.size, dtype=bool)
    first[1:] = group[1:] != group[:-1]
    return slots, got, first


def referral_spells(
    referrals: ReferralSlots, in_scope: np.ndarray, gap: int
) -> tuple[ReferralSlots, np.ndarray | None]:
    """Join referrals into spells as the SQL path does (``duckdb_spells.apply_spells``).

    ``in_scope`` says, per kind, whether the referral's service is one the spells cover.
    Among the accepted in-scope referrals with a person id, those of one person and service,
    ordered by received date then id, form one spell while each is received no more than
    ``gap`` days after the latest end so far (an open referral ends on 1 January 9999).  A
    spell of several referrals lives in its first referral's slot, with the latest closure
    (none while any member is open) and the closure reason of the member that closed last
    (ties: the largest id); the other members' slots are emptied.

    Returns the slots of the spells and ``remap`` (each slot's spell slot, for moving
    contacts and events), or the slots unchanged and None when no referral joins another.
    """
    if referrals.persons is None:
        raise ValueError("referral spells need the person ids (read_referrals' sixth column)")
    order_slots, persons = referrals.persons
    kinds = referrals.kinds
    service = kinds.code_of("service")
    kind = referrals.kind[order_slots]
    take = referrals.accepted[order_slots] & in_scope[kind]
    if persons.null_count:
        take &= persons.is_valid().to_numpy(zero_copy_only=False)
    if not take.any():
        return referrals, None
    slots, got, first = _person_runs(
        _person_numbers(persons, take), service[kind[take]], order_slots[take], referrals
    )
    if not len(slots):
        return referrals, None
    shut = referrals.closed[slots]
    base = int(got.min())
    # the running latest end (+ gap) of the referrals before each one of its person and
    # service: every group is raised above the ones before it, so one running maximum over
    # all of them never carries an end from one group into the next
    ends = np.where(shut == NO_DATE, SPELL_OPEN_END, shut).astype(np.int64) + int(gap) - base
    lift = np.int64(1) << 36
    if int(ends.max()) >= lift or int(ends.min()) < 0:
        raise ValueError("spell end dates out of range")
    group = np.cumsum(first) - 1
    reach = np.maximum.accumulate(group * lift + ends)
    starts = first.copy()
    starts[1:] |= (got[1:] - base) > (reach[:-1] - group[1:] * lift)
    spell = np.cumsum(starts) - 1
    heads = np.flatnonzero(starts)
    size = np.diff(np.append(heads, len(starts)))
    moved = (size[spell] > 1) & ~starts
    if not moved.any():
        return referrals, None
    several = size > 1
    head_slots = slots[heads[several]]
    # latest closure: NO_DATE (open) is larger than every date, so one open member wins
    spell_closed = np.maximum.reduceat(shut, heads)[several]
    # the member that closed last, ties to the largest id (slot): closure day, then slot
    last = np.where(shut != NO_DATE, ((shut.astype(np.int64) - base) << 31) | slots, -1)
    ender = np.maximum.reduceat(last, heads)[several]
    reason_column = kinds.columns.index("closure_reason")
    no_reason = len(kinds.values["closure_reason"])
    ender_kind = referrals.kind[np.where(ender >= 0, ender & ((1 << 31) - 1), head_slots)]
    rows = kinds.codes[referrals.kind[head_slots]].copy()
    rows[:, reason_column] = np.where(ender >= 0, kinds.codes[ender_kind, reason_column], no_reason)
    # the spells' kinds join the table (a head may now combine values no referral had)
    codes, inverse = _unique_rows(np.vstack([kinds.codes, rows]))
    new_kind = inverse[: len(kinds.codes)][referrals.kind]
    new_kind[head_slots] = inverse[len(kinds.codes) :]
    present = referrals.present.copy()
    present[slots[moved]] = False
    closed = referrals.closed.copy()
    closed[head_slots] = spell_closed
    remap = np.arange(referrals.span, dtype=np.int32)
    remap[slots[moved]] = slots[heads[spell[moved]]]
    spelled = ReferralSlots(
        referrals.lowest,
        present,
        referrals.received,
        closed,
        referrals.rejected,
        new_kind,
        KindTable(kinds.columns, kinds.values, codes),
        referrals.first_day,
        referrals.last_day,
    )
    return spelled, remap


@dataclass
class DatedStops:
    """Per filter, the first ``depth`` qualifying dates of each slot, and the latest date seen."""

    dates: list[list[np.ndarray]]
    last_day: int


def read_dated(
    batches: Iterable[Any],
    referrals: ReferralSlots,
    depths: Sequence[int],
    remap: np.ndarray | None = None,
) -> DatedStops | None:
    """Check dated rows (contacts or events) against the referrals and find their stops.

    Batches hold (referral id, date, one 0/1 column per filter).  ``depths[f]`` is how many
    qualifying dates of filter ``f`` each referral needs (the k-th contact).  Returns None as
    soon as a row has no date, names an unknown referral, is dated before its referral or has
    an infinite date.  With ``remap`` (from :func:`referral_spells`), rows are checked against
    their own referral and then count for the slot ``remap`` gives (their spell's).
    """
    span, lowest = referrals.span, referrals.lowest
    firsts = [np.full(span, NO_DATE, dtype=np.int32) if depth == 1 else None for depth in depths]
    kept: list[list[tuple[np.ndarray, np.ndarray]]] = [[] for _ in depths]
    last_day = referrals.first_day
    for batch in batches:
        ids, dates = batch.column(0), batch.column(1)
        if not len(ids):
            continue
        if ids.null_count or dates.null_count:
            return None
        slot = np.asarray(ids.to_numpy(), dtype=np.int64) - lowest
        if int(slot.min()) < 0 or int(slot.max()) >= span or not referrals.present[slot].all():
            return None
        day = _days(dates)
        top = int(day.max())
        # no date before its referral's (so none is -infinity), nor +infinity
        if top >= NO_DATE or bool((day < referrals.received[slot]).any()):
            return None
        last_day = max(last_day, top)
        if remap is not None:
            slot = remap[slot]
        for f, first in enumerate(firsts):
            keep = batch.column(2 + f).to_numpy().view(bool)
            if first is not None:
                # cheaper than selecting the qualifying rows: the others offer "no date"
                np.minimum.at(first, slot, np.where(keep, day, NO_DATE))
            else:
                kept[f].append((slot[keep].astype(np.int32), day[keep]))
    dates = []
    for f, (depth, first) in enumerate(zip(depths, firsts, strict=True)):
        if first is not None:
            dates.append([first])
        else:
            slots = np.concatenate([s for s, _ in kept[f]]) if kept[f] else np.zeros(0, np.int32)
            days = np.concatenate([d for _, d in kept[f]]) if kept[f] else np.zeros(0, np.int32)
            dates.append(kth_smallest(slots, days, span, depth))
    return DatedStops(dates, last_day)


def kth_smallest(slots: np.ndarray, days: np.ndarray, span: int, depth: int) -> list[np.ndarray]:
    """For each slot, its 1st, 2nd, ... ``depth``-th smallest day, ties counted (as SQL's
    ``min(x, k)[k]``); :data:`NO_DATE` where a slot has fewer days."""
    prev = np.full(span, NO_DATE, dtype=np.int32)
    np.minimum.at(prev, slots, days)
    out = [prev]
    if depth == 1:
        return out
    # covered[s]: how many of slot s's days are <= its current value
    covered = np.bincount(slots[days == prev[slots]], minlength=span)
    for rank in range(2, depth + 1):
        need = covered < rank
        later = need[slots] & (days > prev[slots])
        following = np.full(span, NO_DATE, dtype=np.int32)
        np.minimum.at(following, slots[later], days[later])
        current = np.where(need, following, prev)
        if rank < depth:
            covered += np.bincount(slots[later & (days == following[slots])], minlength=span)
        out.append(current)
        prev = current
    return out


@dataclass
class StandardArrays:
    """What one standard's histograms need: scope by kind and per-slot stop dates.

    ``stop`` is each slot's clock-stop date before closure is applied (:data:`NO_DATE`:
    none); ``course`` the date that completes a course of treatment (finished-course cohort
    only); ``start`` each slot's clock start when it can differ from the received date
    (None: the received date).
    """

    in_scope: np.ndarray
    stop: np.ndarray
    course: np.ndarray | None
    start: np.ndarray | None = None


def restart_start(
    referrals: ReferralSlots, attended: np.ndarray, missed: np.ndarray, stop: np.ndarray
) -> np.ndarray:
    """NumPy form of :func:`trustboard.waits.spec.start_day` over every slot at once.

    ``attended`` and ``missed`` are each slot's first attended and first missed appointment
    (:data:`NO_DATE`: none), ``stop`` its clock stop before closure.
    """
    restart = (
        (missed != NO_DATE) & (missed < attended) & (stop > missed) & (referrals.closed >= missed)
    )
    start: np.ndarray = np.where(restart, missed, referrals.received).astype(np.int32)
    return start


def combine_stop(
    rule: StopRule,
    received: np.ndarray,
    contact: np.ndarray | None,
    events: dict[tuple[str, ...], np.ndarray],
) -> np.ndarray:
    """NumPy form of :func:`trustboard.waits.spec.stop_day` over every slot at once.

    ``contact`` is the contact part's date per slot, ``events`` the first date of each event
    part; :data:`NO_DATE` (larger than any day) means "not happened", so ``np.minimum`` skips
    it and ``np.maximum`` keeps it, which is exactly "earliest of" and "latest of".
    """
    parts: list[np.ndarray] = [contact] if contact is not None else []
    for part in rule.event_parts():
        column = events[part]
        since = rule.required_from(part)
        if since is not None:
            cut = (since - EPOCH).days
            skip = received < cut
            if contact is not None:
                skip &= contact < cut
            column = np.where(skip, received, column)
        parts.append(column)
    if not parts:
        return np.full(received.shape, NO_DATE, np.int32)
    out = parts[0]
    reduce = np.minimum if rule.combine is Combine.EARLIEST else np.maximum
    for column in parts[1:]:
        out = reduce(out, column)
    return out


class _Counter:
    """Counts of integer keys in ``0 .. cells - 1``, fed chunk by chunk.

    Keys are gathered and counted a million or so at a time: by ``np.bincount`` into a dense
    array when there are at most :data:`DENSE_CELLS` cells, else by sorting.
    """

    def __init__(self, cells: int) -> None:
        self.cells = cells
        self.dense = np.zeros(cells, dtype=np.int64) if cells <= DENSE_CELLS else None
        self.pending: list[np.ndarray] = []
        self.pending_rows = 0
        self.parts: list[tuple[np.ndarray, np.ndarray]] = []

    def add(self, keys: np.ndarray) -> None:
        if keys.size:
            self.pending.append(keys)
            self.pending_rows += keys.size
            if self.pending_rows >= FLUSH_ROWS:
                self._flush()

    def _flush(self) -> None:
        if not self.pending:
            return
        keys = np.concatenate(self.pending)
        self.pending, self.pending_rows = [], 0
        if self.dense is not None:
            self.dense += np.bincount(keys, minlength=self.cells)
        else:
            self.parts.append(np.unique(keys, return_counts=True))

    def merge(self, other: _Counter) -> None:
        """Add ``other``'s counts to these."""
        other._flush()
        self._flush()
        if self.dense is not None and other.dense is not None:
            self.dense += other.dense
        self.parts.extend(other.parts)

    def result(self) -> tuple[np.ndarray, np.ndarray]:
        """(keys, counts) of the keys seen, keys ascending."""
        self._flush()
        if self.dense is not None:
            keys = np.flatnonzero(self.dense)
            return keys, self.dense[keys]
        if not self.parts:
            return np.zeros(0, np.int64), np.zeros(0, np.int64)
        return _sum_by(
            np.concatenate([k for k, _ in self.parts]), np.concatenate([c for _, c in self.parts])
        )


class _Tally:
    """One standard's counters: open list, completed, flows per kind and month, kinds seen."""

    def __init__(self, open_cells: int, done_cells: int, kinds: int, months: int) -> None:
        self.open = _Counter(open_cells)
        self.done = _Counter(done_cells)
        self.received = _Counter(kinds * months)
        self.stopped = _Counter(kinds * months)
        self.removed = _Counter(kinds * months)
        self.kind_seen = np.zeros(kinds, dtype=bool)

    def merge(self, other: _Tally) -> None:
        """Add ``other``'s counts to these."""
        for name in ("open", "done", "received", "stopped", "removed"):
            getattr(self, name).merge(getattr(other, name))
        self.kind_seen |= other.kind_seen


def _sum_by(keys: np.ndarray, counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distinct ``keys`` ascending, with the sum of ``counts`` for each."""
    unique, inverse = np.unique(keys, return_inverse=True)
    total = np.zeros(len(unique), dtype=np.int64)
    np.add.at(total, inverse.reshape(-1), counts)
    return unique, total


def _month_table(calendar: MonthCalendar) -> tuple[int, int, np.ndarray]:
    """(first day, last day, table): a day's month is ``table[clip(day, first, last) - first]``."""
    starts = [(end.replace(day=1) - EPOCH).days for end in calendar.period_ends]
    after = (calendar.period_ends[-1] - EPOCH).days + 1
    first, last = starts[0] - 1, after
    table = np.empty(last - first + 1, dtype=np.int32)
    table[0] = -1
    for m, start in enumerate(starts):
        stop = starts[m + 1] if m + 1 < len(starts) else after
        table[start - first : stop - first] = m
    table[-1] = calendar.months
    return first, last, table


def histogram_tables(
    referrals: ReferralSlots,
    standard: StandardArrays,
    cohort_is_course: bool,
    calendar: MonthCalendar,
    by: tuple[str, ...],
    last_day: int,
    workers: int = 1,
) -> tuple[Any, Any, Any, Any]:
    """The four histogram tables of one standard (see :mod:`trustboard.waits.engines.base`),
    counted by ``workers`` threads."""
    months = calendar.months
    first, last, table = _month_table(calendar)
    day0 = referrals.first_day
    # each slot's clock start (the received date unless a first-appointment DNA restarted it)
    starts = referrals.received if standard.start is None else standard.start
    last_start = referrals.last_day
    if standard.start is not None:
        restarted = standard.start[referrals.present]
        last_start = max(last_start, int(restarted.max()) if restarted.size else last_start)

    # every day handled is NO_DATE or at least day0, so ``day - first`` fits in int32 then
    shift_fits = first >= 0 and day0 >= -(1 << 30)

    def month(days: np.ndarray) -> np.ndarray:
        found: np.ndarray = (
            np.take(table, days - first, mode="clip")
            if shift_fits
            else np.take(table, np.clip(days, first, last) - first)
        )
        return found

    kinds = referrals.kinds
    kind_gp, gp_codes = kinds.dense((*by, "priority"))
    kind_g, g_codes = kinds.dense(by)
    kind_gr, gr_codes = kinds.dense((*by, "closure_reason"))
    n_gp, n_kinds = len(gp_codes), len(kinds.codes)
    days = last_start - day0 + 1
    waits = max(last_day - day0 + 1, 1)
    # each key starts from its kind's part, so one gather and two additions make a key
    open_base = kind_gp * (days * (months + 1)) - day0 * (months + 1)
    done_base = kind_gp * (months * waits)
    flow_base = np.arange(n_kinds, dtype=np.int64) * months
    wide_months, wide_waits = np.int64(months + 1), np.int64(waits)
    accepted = referrals.accepted

    def tally(start: int, step: int) -> _Tally:
        """Count the chunks ``start, start + step, ...`` of the slots."""
        out = _Tally(n_gp * days * (months + 1), n_gp * months * waits, n_kinds, months)
        for a in range(start * CHUNK, referrals.span, step * CHUNK):
            b = min(a + CHUNK, referrals.span)
            kind_all = referrals.kind[a:b]
            take = np.flatnonzero(accepted[a:b] & standard.in_scope[kind_all])
            if not take.size:
                continue
            kind = kind_all[take]
            out.kind_seen[kind] = True
            got = referrals.received[a:b][take]
            clock = got if standard.start is None else starts[a:b][take]
            shut = referrals.closed[a:b][take]
            raw = standard.stop[a:b][take]
            # a stop after the closure does not count; no stop and no closure read as
            # NO_DATE, whose month is ``months``, so the month the referral leaves the list
            # is the smaller of its stop's and its closure's
            stop = np.where(raw <= shut, raw, NO_DATE)
            start_m, stop_m, shut_m = month(got), month(stop), month(shut)
            clock_m = start_m if standard.start is None else month(clock)
            close_m = np.maximum(np.minimum(stop_m, shut_m), 0)
            is_open = np.maximum(clock_m, 0) < close_m
            out.open.add((open_base[kind] + clock * wide_months + close_m)[is_open])
            # months outside 0 .. months - 1 (including -1) are large as unsigned numbers
            stop_in = stop_m.view(np.uint32) < months
            shut_in = shut_m.view(np.uint32) < months
            if cohort_is_course and standard.course is not None:
                # a course date after the closure, or no closure, does not finish the course
                finished = (stop != NO_DATE) & (standard.course[a:b][take] <= shut) & shut_in
                done_m = shut_m
            else:
                finished, done_m = stop_in, stop_m
            out.done.add((done_base[kind] + done_m * wide_waits + (stop - clock))[finished])
            base = flow_base[kind]
            out.received.add((base + start_m)[start_m.view(np.uint32) < months])
            out.stopped.add((base + stop_m)[stop_in])
            out.removed.add((base + shut_m)[(stop == NO_DATE) & shut_in])
        return out

    # NumPy releases the GIL inside its loops, so threads share the counting
    workers = max(1, min(workers, -(-referrals.span // CHUNK)))
    if workers == 1:
        counts = tally(0, 1)
    else:
        with ThreadPoolExecutor(workers) as pool:
            parts = list(pool.map(lambda w: tally(w, workers), range(workers)))
        counts = parts[0]
        for part in parts[1:]:
            counts.merge(part)
    open_count, done_count = counts.open, counts.done
    received_count, stop_count, removed_count = counts.received, counts.stopped, counts.removed
    kind_seen = counts.kind_seen

    def regroup(counter: _Counter, kind_to: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Counts per (kind, month) summed to counts per (``kind_to[kind]``, month)."""
        keys, n = counter.result()
        kind, m = np.divmod(keys, months)
        return _sum_by(kind_to[kind] * months + m, n)

    keys, n = open_count.result()
    gp_row, start, close = np.unravel_index(keys, (n_gp, days, months + 1))
    start_day = start + day0
    open_table = pa.table(
        {
            **kinds.text_columns(by, gp_row, gp_codes),
            "_priority": kinds.text_columns(("priority",), gp_row, gp_codes[:, len(by) :])[
                "priority"
            ],
            "start_day": pa.array(start_day.astype(np.int32)),
            "first_m": pa.array(np.maximum(month(start_day.astype(np.int32)), 0).astype(np.int64)),
            "close_m": pa.array(close.astype(np.int64)),
            "n": pa.array(n),
        }
    )
    keys, n = done_count.result()
    gp_row, done_m, wait = np.unravel_index(keys, (n_gp, months, waits))
    completed_table = pa.table(
        {
            **kinds.text_columns(by, gp_row, gp_codes),
            "_priority": kinds.text_columns(("priority",), gp_row, gp_codes[:, len(by) :])[
                "priority"
            ],
            "m": pa.array(done_m.astype(np.int64)),
            "wait_days": pa.array(wait.astype(np.int32)),
            "n": pa.array(n),
        }
    )
    parts = []
    for kind_name, counter in (("received", received_count), ("clock_stop", stop_count)):
        keys, n = regroup(counter, kind_g)
        g_row, m = np.divmod(keys, months)
        parts.append(
            pa.table(
                {
                    **kinds.text_columns(by, g_row, g_codes),
                    "m": pa.array(m.astype(np.int64)),
                    "kind": pa.array([kind_name] * len(keys), type=pa.string()),
                    "reason": pa.nulls(len(keys), type=pa.string()),
                    "n": pa.array(n),
                }
            )
        )
    keys, n = regroup(removed_count, kind_gr)
    gr_row, m = np.divmod(keys, months)
    parts.append(
        pa.table(
            {
                **kinds.text_columns(by, gr_row, gr_codes),
                "m": pa.array(m.astype(np.int64)),
                "kind": pa.array(["removed"] * len(keys), type=pa.string()),
                "reason": kinds.text_columns(("closure_reason",), gr_row, gr_codes[:, len(by) :])[
                    "closure_reason"
                ],
                "n": pa.array(n),
            }
        )
    )
    flows_table = pa.concat_tables(parts)
    groups_table = pa.table(kinds.text_columns(by, np.unique(kind_g[kind_seen]), g_codes))
    return open_table, completed_table, flows_table, groups_table
