"""What a person reads when the store refuses values (``trustboard.store.values``), by hand.

Written for mutants of ``store/values.py`` that the other store tests let survive
(docs/testing.md, mutation testing): each expected message is written from the rule.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime

import polars as pl
import pytest
from sqlalchemy import text
from store_builders import values_frame

from trustboard.errors import DataValidationError, ErrorCode, Problem
from trustboard.store import Store
from trustboard.store.values import to_utc_naive


def _refusal(store: Store, frame: pl.DataFrame) -> DataValidationError:
    with pytest.raises(DataValidationError) as caught:
        store.write_values(frame)
    return caught.value


def test_a_frame_lacking_columns_names_each_missing_one_in_the_store_s_order(
    store: Store,
) -> None:
    frame = values_frame([("RES-4WK", "MH-T1", "2025-01", 40.0, 50.0, 0.8)])
    error = _refusal(store, frame.drop("source_hash", "value"))
    assert error.message == "the values frame lacks columns the store needs"
    assert error.problems == (
        Problem("TB-STORE-COLUMNS", "column 'value' is missing", column="value"),
        Problem("TB-STORE-COLUMNS", "column 'source_hash' is missing", column="source_hash"),
    )


def test_rows_without_a_key_or_value_are_counted_by_column(store: Store) -> None:
    frame = values_frame(
        [
            ("RES-4WK", "MH-T1", "2025-01", 40.0, 50.0, 0.8),
            ("RES-4WK", "MH-T2", "2025-01", 10.0, 20.0, 0.5),
            ("RES-4WK", "CHS-T1", "2025-01", 30.0, 40.0, 0.75),
        ]
    ).with_columns(
        org_unit=pl.Series(["MH-T1", None, "CHS-T1"], dtype=pl.String),
        value=pl.Series([None, None, 0.75], dtype=pl.Float64),
    )
    error = _refusal(store, frame)
    assert error.message == "the values cannot be stored"
    assert error.problems == (
        Problem(ErrorCode.STORE_NULL, "1 row(s) have no org_unit", column="org_unit"),
        Problem(ErrorCode.STORE_NULL, "2 row(s) have no value", column="value"),
    )


def test_duplicate_keys_are_counted_and_the_first_one_named(store: Store) -> None:
    frame = values_frame(
        [
            ("SAFE-FALLS", "CHS-T2", "2025-02", None, None, 3.0),
            ("RES-4WK", "MH-T1", "2025-01", 40.0, 50.0, 0.8),
            ("SAFE-FALLS", "CHS-T2", "2025-02", None, None, 4.0),
            ("RES-4WK", "MH-T1", "2025-01", 41.0, 50.0, 0.82),
            ("RES-4WK", "MH-T2", "2025-01", 10.0, 20.0, 0.5),
        ]
    )
    error = _refusal(store, frame)
    assert error.message == "the values cannot be stored"
    assert error.problems == (
        Problem(
            "TB-V-DUPLICATE",
            "4 rows share a metric, org unit and period with another row",
            value="SAFE-FALLS / CHS-T2 / 2025-02-01",
            expected="one row per metric, org unit and period",
        ),
    )


def test_unknown_metrics_and_org_units_are_each_named_with_the_way_out(store: Store) -> None:
    frame = values_frame(
        [
            ("RES-4WK", "MH-T9", "2025-01", 40.0, 50.0, 0.8),
            ("NOT-A-METRIC", "MH-T1", "2025-01", None, None, 2.0),
        ]
    )
    error = _refusal(store, frame)
    assert error.message == "the values name metrics or org units the store does not hold"
    assert error.hint == "load the catalogue that defines them first"
    assert error.problems == (
        Problem(
            "TB-V-UNKNOWN-METRIC",
            "'NOT-A-METRIC' is not in the store's catalogue",
            column="metric_id",
            value="NOT-A-METRIC",
            expected="a code loaded with the catalogue",
        ),
        Problem(
            "TB-V-UNKNOWN-ORG",
            "'MH-T9' is not in the store's catalogue",
            column="org_unit",
            value="MH-T9",
            expected="a code loaded with the catalogue",
        ),
    )


def test_no_more_than_fifty_unknown_codes_of_a_column_are_listed(store: Store) -> None:
    unknown = [f"X{n:03d}" for n in range(51)]
    frame = values_frame([(m, "MH-T1", "2025-01", None, None, 1.0) for m in unknown])
    error = _refusal(store, frame)
    assert [p.value for p in error.problems] == unknown[:50]


def test_an_empty_frame_changes_nothing_and_keeps_its_import(store: Store) -> None:
    summary = store.write_values(values_frame([]))
    assert (summary.inserted, summary.revised, summary.unchanged) == (0, 0, 0)
    assert isinstance(summary.import_id, int)


def test_rows_written_again_unchanged_keep_their_import(store: Store) -> None:
    frame = values_frame([("SAFE-FALLS", "CHS-T2", "2025-01", None, None, 3.0)])
    store.write_values(frame)
    summary = store.write_values(frame)
    assert (summary.inserted, summary.revised, summary.unchanged) == (0, 0, 1)
    assert isinstance(summary.import_id, int)


def test_a_revision_is_sampled_with_its_figures_before_and_after(store: Store) -> None:
    store.write_values(
        values_frame([("RES-4WK", "MH-T1", "2025-01", 40.0, 50.0, 0.8)], provisional=True)
    )
    summary = store.write_values(
        values_frame(
            [
                ("RES-4WK", "MH-T1", "2025-01", 45.0, 60.0, 0.75),
                ("RES-4WK", "MH-T2", "2025-01", 10.0, 20.0, 0.5),
            ],
            provisional=True,
        )
    )
    assert (summary.inserted, summary.revised, summary.unchanged) == (1, 1, 0)
    assert isinstance(summary.import_id, int)
    assert summary.revisions == (
        {
            "metric_id": "RES-4WK",
            "org_unit": "MH-T1",
            "period_start": "2025-01-01",
            "before": {
                "numerator": 40.0,
                "denominator": 50.0,
                "value": 0.8,
                "provisional": True,
            },
            "after": {
                "numerator": 45.0,
                "denominator": 60.0,
                "value": 0.75,
                "provisional": True,
            },
        },
    )


def test_an_aware_moment_is_stored_as_utc_whatever_the_local_zone(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("TZ", "Europe/London")
    time.tzset()
    try:
        # 12:00 UTC in July is 13:00 in London (BST)
        assert to_utc_naive(datetime(2025, 7, 1, 12, 0, tzinfo=UTC)) == datetime(2025, 7, 1, 12, 0)
    finally:
        monkeypatch.undo()
        time.tzset()


def test_a_write_reports_its_progress_by_stage(store: Store) -> None:
    store.write_values(
        values_frame(
            [
                ("RES-4WK", "MH-T1", "2025-01", 40.0, 50.0, 0.8),
                ("RES-4WK", "MH-T2", "2025-01", 10.0, 20.0, 0.5),
            ]
        )
    )
    calls: list[tuple[str, int, int]] = []
    store.write_values(
        values_frame(
            [
                ("RES-4WK", "MH-T1", "2025-01", 41.0, 50.0, 0.82),  # revised
                ("RES-4WK", "MH-T2", "2025-01", 10.0, 20.0, 0.5),  # unchanged
                ("RES-4WK", "CHS-T1", "2025-01", 30.0, 40.0, 0.75),  # new
                ("SAFE-FALLS", "CHS-T2", "2025-01", None, None, 3.0),  # new
            ]
        ),
        progress=lambda stage, done, total: calls.append((stage, done, total)),
    )
    # four rows compared; three (two new, one revised) written in one block
    assert calls == [("comparing", 0, 4), ("writing", 0, 3), ("writing", 3, 3), ("written", 3, 3)]


def test_reads_by_unit_in_history_or_as_of_a_moment_keep_to_what_was_asked(
    store: Store,
) -> None:
    store.write_values(values_frame([("RES-4WK", "MH-T1", "2025-01", 40.0, 50.0, 0.8)]))
    between = datetime.now(UTC).replace(tzinfo=None)
    time.sleep(0.01)
    store.write_values(
        values_frame(
            [
                ("RES-4WK", "MH-T1", "2025-01", 45.0, 50.0, 0.9),
                ("RES-4WK", "MH-T2", "2025-01", 10.0, 20.0, 0.5),
            ]
        )
    )
    columns = ["metric_id", "org_unit", "value"]
    by_unit = store.values(org_units=["MH-T2"], columns=columns)
    assert by_unit.rows() == [("RES-4WK", "MH-T2", 0.5)]
    history = store.values(history=True, columns=columns)
    assert sorted(history.get_column("value").to_list()) == [0.5, 0.8, 0.9]
    then = store.values(as_of=between, columns=columns)
    assert then.rows() == [("RES-4WK", "MH-T1", 0.8)]


def test_each_row_written_carries_its_import(store: Store) -> None:
    summary = store.write_values(
        values_frame([("SAFE-FALLS", "CHS-T2", "2025-01", None, None, 3.0)])
    )
    with store.engine.connect() as conn:
        stored = conn.execute(text("SELECT import_id FROM metric_value")).scalars().all()
    assert stored == [summary.import_id]


def test_a_row_with_no_provisional_flag_is_stored_as_final(store: Store) -> None:
    frame = values_frame([("SAFE-FALLS", "CHS-T2", "2025-01", None, None, 3.0)])
    store.write_values(frame.with_columns(provisional=pl.lit(None, dtype=pl.Boolean)))
    stored = store.values(history=True, columns=["metric_id", "provisional"])
    assert stored.rows() == [("SAFE-FALLS", False)]
