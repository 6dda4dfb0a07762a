"""The DuckDB engine's array path (integer ids in a dense range) equals its SQL path.

The array path (:mod:`trustboard.waits.engines.arrays`) is what makes the engine fast; the
SQL path is the reference it must match histogram by histogram, and the path every input
with a problem falls back to, so that problems are reported exactly as before.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import pyarrow as pa
import pytest
from waits_helpers import contacts_frame, referrals_frame

from trustboard import waits
from trustboard.errors import DataValidationError
from trustboard.waits import synth
from trustboard.waits.api import month_calendar
from trustboard.waits.engines import arrays
from trustboard.waits.engines.base import WaitsInputs
from trustboard.waits.engines.duckdb_engine import DuckDBEngine
from trustboard.waits.mapping import ColumnMapping
from trustboard.waits.standards import BUILTIN_STANDARDS


@pytest.fixture(scope="module")
def trust() -> synth.SyntheticWaits:
    return synth.generate(4000, months=18, seed=5, start=date(2023, 1, 1))


def _messy(data: synth.SyntheticWaits) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """The synthetic trust with text that needs normalising and some empty values."""
    refs = pl.from_arrow(data.referrals).with_columns(pl.col(pl.Categorical).cast(pl.String))
    cons = pl.from_arrow(data.contacts).with_columns(pl.col(pl.Categorical).cast(pl.String))
    events = pl.from_arrow(data.events)
    n = refs.height
    index = pl.int_range(0, n, eager=True)
    refs = refs.with_columns(
        pl.when(index % 7 == 0)
        .then(pl.lit(" ") + pl.col("service") + pl.lit("  "))
        .otherwise(pl.col("service"))
        .alias("service"),
        pl.when(index % 5 == 0)
        .then(pl.col("priority").str.to_uppercase())
        .otherwise(pl.col("priority"))
        .alias("priority"),
        pl.when(index % 11 == 0).then(None).otherwise(pl.col("team")).alias("team"),
        pl.when(index % 13 == 0).then(pl.lit("")).otherwise(pl.col("age_band")).alias("age_band"),
    )
    contact_index = pl.int_range(0, cons.height, eager=True)
    cons = cons.with_columns(
        pl.when(contact_index % 3 == 0)
        .then(pl.col("mechanism").str.strip_chars_start("0"))
        .otherwise(pl.col("mechanism"))
        .alias("mechanism"),
        pl.when(contact_index % 4 == 0)
        .then(pl.lit(" ") + pl.col("attendance_code"))
        .otherwise(pl.col("attendance_code"))
        .alias("attendance_code"),
    )
    return refs, cons, events


def _histograms(
    inputs: WaitsInputs,
    by: tuple[str, ...],
    use_arrays: bool,
    start: str = "2023-07",
    end: str = "2024-06",
) -> tuple[dict[str, Any], DuckDBEngine]:
    engine = DuckDBEngine(arrays=use_arrays)
    standards = list(BUILTIN_STANDARDS.values())
    return engine.histograms(inputs, standards, month_calendar(start, end), by), engine


def _sorted(table: Any) -> pl.DataFrame:
    frame = pl.from_arrow(table)
    assert isinstance(frame, pl.DataFrame)
    return frame.sort(frame.columns, nulls_last=True)


def _assert_same_histograms(inputs: WaitsInputs, by: tuple[str, ...], **kwargs: Any) -> None:
    fast, engine = _histograms(inputs, by, True, **kwargs)
    slow, reference = _histograms(inputs, by, False, **kwargs)
    assert engine.used_arrays and not reference.used_arrays
    for standard_id, histograms in fast.items():
        for part in ("open", "completed", "flows", "groups"):
            got, want = (
                _sorted(getattr(histograms, part)),
                _sorted(getattr(slow[standard_id], part)),
            )
            assert got.schema == want.schema, (standard_id, part)
            assert got.equals(want), (standard_id, part)


@pytest.mark.parametrize(
    "by", [("service",), ("service", "priority"), ("team", "age_band"), ("priority",)]
)
def test_array_path_histograms_equal_the_sql_path(
    trust: synth.SyntheticWaits, by: tuple[str, ...]
) -> None:
    inputs = WaitsInputs(trust.referrals, trust.contacts, trust.events, ColumnMapping())
    _assert_same_histograms(inputs, by)


def test_array_path_normalises_text_as_the_sql_path_does(trust: synth.SyntheticWaits) -> None:
    refs, cons, events = _messy(trust)
    inputs = WaitsInputs(refs, cons, events, ColumnMapping())
    _assert_same_histograms(inputs, ("service", "team", "priority"))
    _assert_same_histograms(inputs, ("age_band",))


def test_array_path_applies_the_column_mapping(trust: synth.SyntheticWaits) -> None:
    refs, cons, events = _messy(trust)
    refs = refs.rename({"service": "Specialty"}).with_columns(
        pl.col("imd_quintile").cast(pl.Float64), pl.col("priority").replace({"urgent": "U"})
    )
    mapping = ColumnMapping(
        columns={"referrals": {"service": ("Specialty",)}},
        values={"service": {"eip": "cmh_adult", "cyp_ed": "cyp_mh"}, "priority": {"u": "urgent"}},
    )
    inputs = WaitsInputs(refs, cons, events, mapping)
    _assert_same_histograms(inputs, ("service", "imd_quintile"))
    _assert_same_histograms(inputs, ("priority",))


def test_array_path_from_parquet_equals_the_sql_path(
    trust: synth.SyntheticWaits, tmp_path: Path
) -> None:
    refs, cons, events = _messy(trust)
    for name, frame in (("r", refs), ("c", cons), ("e", events)):
        frame.write_parquet(tmp_path / f"{name}.parquet")
    inputs = WaitsInputs(
        tmp_path / "r.parquet", tmp_path / "c.parquet", tmp_path / "e.parquet", ColumnMapping()
    )
    _assert_same_histograms(inputs, ("service", "priority"))


def test_small_chunks_and_sorted_counting_give_the_same_histograms(
    trust: synth.SyntheticWaits, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(arrays, "CHUNK", 700)
    monkeypatch.setattr(arrays, "BATCH", 900)
    monkeypatch.setattr(arrays, "DENSE_CELLS", 300)
    monkeypatch.setattr(arrays, "FLUSH_ROWS", 500)
    inputs = WaitsInputs(trust.referrals, trust.contacts, trust.events, ColumnMapping())
    _assert_same_histograms(inputs, ("service", "priority"))


def test_month_ends_before_1970_and_one_month(trust: synth.SyntheticWaits) -> None:
    refs = pl.from_arrow(trust.referrals)
    shift = pl.duration(days=20000)
    old = WaitsInputs(
        refs.with_columns(pl.col("received_date") - shift, pl.col("closed_date") - shift),
        pl.from_arrow(trust.contacts).with_columns(pl.col("contact_date") - shift),
        pl.from_arrow(trust.events).with_columns(pl.col("event_date") - shift),
        ColumnMapping(),
    )
    _assert_same_histograms(old, ("service",), start="1968-05", end="1969-11")
    inputs = WaitsInputs(trust.referrals, trust.contacts, trust.events, ColumnMapping())
    _assert_same_histograms(inputs, ("service",), start="2024-02", end="2024-02")


def test_sparse_and_text_ids_take_the_sql_path_with_the_same_results(
    trust: synth.SyntheticWaits,
) -> None:
    refs, cons, events = (pl.from_arrow(t) for t in (trust.referrals, trust.contacts, trust.events))
    kwargs: dict[str, Any] = {"start": "2023-07", "end": "2024-06", "by": ("service",)}
    expected = waits.compute_results(refs, cons, events=events, **kwargs)
    for id_expr in (pl.col("referral_id") * 1_000_003, pl.col("referral_id").cast(pl.String)):
        engine = DuckDBEngine()
        got = waits.compute_results(
            refs.with_columns(id_expr),
            cons.with_columns(id_expr),
            events=events.with_columns(id_expr),
            engine=engine,
            **kwargs,
        )
        assert not engine.used_arrays
        for key, result in expected.items():
            assert got[key].measures.equals(result.measures), key
            assert got[key].removals.equals(result.removals), key


def _problems(refs: pl.DataFrame, cons: pl.DataFrame, use_arrays: bool) -> list[tuple[Any, ...]]:
    with pytest.raises(DataValidationError) as caught:
        waits.compute_results(
            refs, cons, start="2024-01", end="2024-02", engine=DuckDBEngine(arrays=use_arrays)
        )
    return [(p.code, p.file, p.row, p.column, p.value) for p in caught.value.problems]


@pytest.mark.parametrize("case", ["unknown", "early", "empty date", "duplicate", "bad referral"])
def test_problems_are_reported_as_by_the_sql_path(case: str) -> None:
    refs = [{"referral_id": i, "received_date": date(2024, 1, 5)} for i in range(1, 6)]
    cons = [(i, date(2024, 1, 9), "5", "01", "x") for i in range(1, 6)]
    if case == "unknown":
        cons.append((9, date(2024, 1, 9), "5", "01", "x"))
    elif case == "early":
        cons.append((2, date(2024, 1, 1), "5", "01", "x"))
    elif case == "duplicate":
        refs.append({"referral_id": 3, "received_date": date(2024, 1, 6)})
        cons.append((9, date(2024, 1, 9), "5", "01", "x"))
    elif case == "bad referral":
        refs.append(
            {"referral_id": 7, "received_date": date(2024, 1, 6), "closed_date": date(2024, 1, 1)}
        )
    frame = contacts_frame(cons)
    if case == "empty date":
        frame = frame.with_columns(
            pl.when(pl.col("referral_id") == 4)
            .then(None)
            .otherwise(pl.col("contact_date"))
            .alias("contact_date")
        )
    found = _problems(referrals_frame(refs), frame, True)
    assert found and found == _problems(referrals_frame(refs), frame, False)


def test_kth_smallest_counts_ties() -> None:
    rng = np.random.default_rng(3)
    slots = rng.integers(0, 50, size=400).astype(np.int32)
    days = rng.integers(0, 30, size=400).astype(np.int32)
    got = arrays.kth_smallest(slots, days, 60, 4)
    for slot in range(60):
        ordered = sorted(days[slots == slot].tolist())
        for rank in range(4):
            want = ordered[rank] if rank < len(ordered) else arrays.NO_DATE
            assert int(got[rank][slot]) == want, (slot, rank)


def test_colliding_kind_hashes_are_refused() -> None:
    assert arrays.kind_table([(1, "a"), (1, "b")], ("service",)) is None
    found = arrays.kind_table([(7, "b"), (3, None), (5, "a")], ("service",))
    assert found is not None
    table, hashes = found
    assert hashes.tolist() == [3, 5, 7]
    assert table.values["service"] == ["a", "b"]
    assert table.codes[:, 0].tolist() == [2, 0, 1]
    assert table.text_columns(("service",), np.array([0, 1, 2]), table.codes)["service"].equals(
        pa.array([None, "a", "b"], type=pa.string())
    )


@pytest.mark.parametrize("count", [1, 200, 70000])
def test_hash_index_finds_kinds_and_refuses_unknown_hashes(count: int) -> None:
    rng = np.random.default_rng(count)
    hashes = np.unique(
        rng.integers(0, 2**63, size=count, dtype=np.int64).astype(np.uint64) * np.uint64(2)
    )
    index = arrays.HashIndex(hashes)
    assert (index.table is None) == (count == 70000)
    picked = rng.integers(0, len(hashes), size=5000)
    found = index.find(hashes[picked])
    assert found is not None and found.tolist() == picked.tolist()
    assert index.find(np.append(hashes[picked], hashes[0] + np.uint64(1))) is None


def test_dense_span_needs_ids_close_together() -> None:
    assert arrays.dense_span(10, 19, 10) == 10
    assert arrays.dense_span(1, 10**9, 10) is None
    assert arrays.dense_span(None, None, 0) is None
