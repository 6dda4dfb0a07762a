"""The current-value cache's own contract (``trustboard.store.current``), worked by hand.

Written for mutants of ``store/current.py`` that the other store tests let survive
(docs/testing.md, mutation testing).
"""

from __future__ import annotations

import io
from datetime import date, datetime

import polars as pl
import pyarrow.parquet as pq
import pytest
from sqlalchemy import text
from store_builders import values_frame

from trustboard.store import Store
from trustboard.store.current import (
    DocumentProblem,
    advance_stamps,
    check_documents,
    compare_documents,
    current_documents,
    read_checked,
    read_current,
    rebuild_documents,
    write_documents,
)

NOW = datetime(2025, 3, 1, 12, 0)


def test_a_problem_reads_as_the_three_keys_the_audit_log_and_json_carry() -> None:
    problem = DocumentProblem("AE01", "stale", "built at change 3; the rows are at change 4")
    assert problem.as_dict() == {
        "metric_id": "AE01",
        "kind": "stale",
        "detail": "built at change 3; the rows are at change 4",
    }


def test_the_full_comparison_goes_on_past_a_metric_with_neither_document_nor_counter(
    store: Store,
) -> None:
    store.write_values(
        values_frame(
            [
                ("RES-4WK", "MH-T1", "2025-01", 40.0, 50.0, 0.8),
                ("RES-4WK", "MH-T2", "2025-01", 10.0, 20.0, 0.5),
                ("RES-4WK", "MH-T1", "2025-02", 30.0, 40.0, 0.75),
                ("SAFE-FALLS", "CHS-T2", "2025-01", None, None, 3.0),
                ("SAFE-FALLS", "MH-T1", "2025-01", None, None, 2.0),
            ]
        )
    )
    with store.engine.begin() as conn:
        if store.dialect == "sqlite":
            for name in ("insert", "update", "delete"):
                conn.execute(text(f"DROP TRIGGER tb_metric_value_{name}"))
        else:
            conn.execute(text("DROP TRIGGER tb_metric_value_changed ON metric_value"))
        # RES-4WK (first in order) loses its document and its counter; SAFE-FALLS (after it)
        # changes behind a watermark that still agrees
        conn.execute(text("DELETE FROM metric_current WHERE metric_id = 'RES-4WK'"))
        conn.execute(text("DELETE FROM metric_value_stamp WHERE metric_id = 'RES-4WK'"))
        conn.execute(
            text(
                "UPDATE metric_value SET value = 7.0 "
                "WHERE metric_id = 'SAFE-FALLS' AND org_unit = 'CHS-T2'"
            )
        )
    with store.engine.connect() as conn:
        assert check_documents(conn) == []
        found = [(p.metric_id, p.kind, p.detail) for p in compare_documents(conn)]
    assert found == [
        ("RES-4WK", "missing", "no document and no change counter for 3 current value(s)"),
        (
            "SAFE-FALLS",
            "content",
            # the MH-T1 value, with no numerator or denominator, is unchanged
            "the document holds 2 value(s) and the table 2; "
            "1 of the document's are not in the table",
        ),
    ]


def test_a_current_read_refuses_a_column_the_documents_do_not_hold(store: Store) -> None:
    with store.engine.connect() as conn, pytest.raises(ValueError) as raised:
        read_current(conn, metric_ids=None, start=None, end=None, columns=["value", "source_file"])
    assert str(raised.value) == "not held in the current-value documents: ['source_file']"


def test_a_current_read_by_period_needs_no_period_column_asked_for(store: Store) -> None:
    store.write_values(
        values_frame(
            [
                ("RES-4WK", "MH-T1", "2025-01", 40.0, 50.0, 0.8),
                ("RES-4WK", "MH-T1", "2025-02", 30.0, 40.0, 0.75),
                ("RES-4WK", "MH-T1", "2025-03", 20.0, 40.0, 0.5),
            ]
        )
    )
    with store.engine.connect() as conn:
        frame = read_current(
            conn,
            metric_ids=["RES-4WK"],
            start=date(2025, 2, 1),
            end=date(2025, 2, 28),
            columns=["metric_id", "value"],
        )
        since = read_current(
            conn, metric_ids=["RES-4WK"], start=date(2025, 2, 1), end=None, columns=["value"]
        )
    # February alone, and only the columns asked for; then February and March
    assert frame.columns == ["metric_id", "value"]
    assert frame.rows() == [("RES-4WK", 0.75)]
    assert since.rows() == [(0.75,), (0.5,)]


def test_a_rebuild_of_some_metrics_touches_and_reports_those_alone(store: Store) -> None:
    store.write_values(
        values_frame(
            [
                ("RES-4WK", "MH-T1", "2025-01", 40.0, 50.0, 0.8),
                ("SAFE-FALLS", "CHS-T2", "2025-01", None, None, 3.0),
            ]
        )
    )
    with store.engine.begin() as conn:
        conn.execute(text("DELETE FROM metric_current"))
        rebuilt = rebuild_documents(conn, ["RES-4WK"], now=datetime(2025, 3, 1, 12, 0))
    assert [(p.metric_id, p.kind) for p in rebuilt] == [("RES-4WK", "missing")]
    with store.engine.connect() as conn:
        assert [(p.metric_id, p.kind) for p in check_documents(conn)] == [("SAFE-FALLS", "missing")]


def test_the_full_comparison_sees_values_gone_from_either_side(store: Store) -> None:
    store.write_values(
        values_frame(
            [
                ("RES-4WK", "MH-T1", "2025-01", 40.0, 50.0, 0.8),
                ("SAFE-FALLS", "CHS-T2", "2025-01", None, None, 3.0),
            ]
        )
    )
    with store.engine.begin() as conn:
        if store.dialect == "sqlite":
            for name in ("insert", "update", "delete"):
                conn.execute(text(f"DROP TRIGGER tb_metric_value_{name}"))
        else:
            conn.execute(text("DROP TRIGGER tb_metric_value_changed ON metric_value"))
        # RES-4WK's document is emptied, SAFE-FALLS' rows deleted; no counter moves
        conn.execute(text("UPDATE metric_current SET row_count = 0 WHERE metric_id = 'RES-4WK'"))
        conn.execute(text("DELETE FROM metric_value WHERE metric_id = 'SAFE-FALLS'"))
    with store.engine.connect() as conn:
        found = [(p.metric_id, p.kind, p.detail) for p in compare_documents(conn)]
    assert found == [
        (
            "RES-4WK",
            "content",
            "the document holds 0 value(s) and the table 1; "
            "0 of the document's are not in the table",
        ),
        (
            "SAFE-FALLS",
            "content",
            "the document holds 1 value(s) and the table 0; "
            "1 of the document's are not in the table",
        ),
    ]


def _two_metrics(store: Store) -> None:
    store.write_values(
        values_frame(
            [
                ("RES-4WK", "MH-T1", "2025-01", 40.0, 50.0, 0.8),
                ("RES-4WK", "MH-T2", "2025-01", 10.0, 20.0, 0.5),
                ("SAFE-FALLS", "CHS-T2", "2025-01", None, None, 3.0),
            ]
        )
    )


def test_a_missing_or_stale_document_says_at_which_change_it_and_the_rows_stand(
    store: Store,
) -> None:
    _two_metrics(store)
    # a second write moves RES-4WK's counter and document to change 2
    store.write_values(values_frame([("RES-4WK", "MH-T1", "2025-02", 30.0, 40.0, 0.75)]))
    with store.engine.begin() as conn:
        # one row changed behind the cache's back: the trigger moves the counter to 3
        conn.execute(
            text(
                "UPDATE metric_value SET value = 0.6 WHERE metric_id = 'RES-4WK' "
                "AND org_unit = 'MH-T2' AND valid_to IS NULL"
            )
        )
        conn.execute(text("DELETE FROM metric_current WHERE metric_id = 'SAFE-FALLS'"))
    with store.engine.connect() as conn:
        found = [(p.metric_id, p.kind, p.detail) for p in check_documents(conn)]
    assert found == [
        ("RES-4WK", "stale", "built at change 2; the rows are at change 3"),
        ("SAFE-FALLS", "missing", "no document; the rows are at change 1"),
    ]


def test_advancing_counters_returns_those_asked_for_alone(store: Store) -> None:
    _two_metrics(store)
    with store.engine.begin() as conn:
        # RES-4WK was written once (change 1); RES-MEDWAIT has no counter yet
        assert advance_stamps(conn, ["RES-4WK", "RES-MEDWAIT"]) == {"RES-4WK": 2, "RES-MEDWAIT": 1}
        assert advance_stamps(conn, []) == {}


def test_documents_read_for_no_document_column_still_give_a_row_per_value(store: Store) -> None:
    _two_metrics(store)
    with store.engine.connect() as conn:
        frame = current_documents(conn, None, ["metric_id"])
    assert frame.columns == ["metric_id", "org_unit"]
    assert frame.get_column("metric_id").to_list() == ["RES-4WK", "RES-4WK", "SAFE-FALLS"]


def test_a_checked_read_gives_the_columns_asked_for_whether_or_not_it_reads_the_rows(
    store: Store,
) -> None:
    _two_metrics(store)
    with store.engine.connect() as conn:
        good = read_checked(conn, ["RES-4WK"], ["value"])
    with store.engine.begin() as conn:
        conn.execute(text("DELETE FROM metric_current WHERE metric_id = 'SAFE-FALLS'"))
    with store.engine.connect() as conn:
        # no document column asked for: org_unit is read, so that there is a row per value
        fresh = read_checked(conn, ["SAFE-FALLS"], ["metric_id"])
    assert good.problems == ()
    assert good.frame.columns == ["metric_id", "value"]
    assert good.frame.rows() == [("RES-4WK", 0.8), ("RES-4WK", 0.5)]
    assert fresh.rebuilt == ["SAFE-FALLS"]
    assert fresh.frame.rows() == [("SAFE-FALLS", "CHS-T2")]


def test_a_document_is_not_written_for_values_without_a_change_counter(store: Store) -> None:
    current = values_frame([("RES-4WK", "MH-T1", "2025-01", 40.0, 50.0, 0.8)]).select(
        "metric_id",
        "org_unit",
        "period_start",
        "period_end",
        "numerator",
        "denominator",
        "value",
        "provisional",
        pl.lit(1, dtype=pl.Int64).alias("revision"),
    )
    with store.engine.begin() as conn, pytest.raises(ValueError) as raised:
        write_documents(conn, current, ["RES-4WK"], stamps={}, now=NOW)
    assert str(raised.value) == "no change counter for metric 'RES-4WK', which has values"


def test_a_rebuild_removes_an_orphaned_document_and_goes_on_to_the_next(store: Store) -> None:
    _two_metrics(store)
    with store.engine.begin() as conn:
        # RES-4WK (first in order) loses its rows and its counter; SAFE-FALLS its document
        conn.execute(text("DELETE FROM metric_value WHERE metric_id = 'RES-4WK'"))
        conn.execute(text("DELETE FROM metric_value_stamp WHERE metric_id = 'RES-4WK'"))
        conn.execute(text("DELETE FROM metric_current WHERE metric_id = 'SAFE-FALLS'"))
    with store.engine.begin() as conn:
        rebuilt = rebuild_documents(conn, None, now=NOW)
    assert [(p.metric_id, p.kind) for p in rebuilt] == [
        ("RES-4WK", "orphaned"),
        ("SAFE-FALLS", "missing"),
    ]
    with store.engine.connect() as conn:
        assert check_documents(conn) == []
        held = conn.execute(text("SELECT metric_id, row_count FROM metric_current")).all()
    assert [tuple(row) for row in held] == [("SAFE-FALLS", 1)]


def test_documents_carry_the_layout_this_version_writes(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    # a later layout: the documents written now say so, and the check accepts them
    monkeypatch.setattr("trustboard.store.current.DOCUMENT_VERSION", 2)
    _two_metrics(store)
    with store.engine.connect() as conn:
        versions = conn.execute(
            text("SELECT metric_id, schema_version FROM metric_current ORDER BY metric_id")
        ).all()
        assert check_documents(conn) == []
    assert [tuple(row) for row in versions] == [("RES-4WK", 2), ("SAFE-FALLS", 2)]


def test_documents_are_zstd_compressed_parquet_without_statistics(store: Store) -> None:
    _two_metrics(store)
    with store.engine.connect() as conn:
        stored = conn.execute(
            text("SELECT parquet FROM metric_current WHERE metric_id = 'RES-4WK'")
        ).scalar_one()
    meta = pq.ParquetFile(io.BytesIO(stored)).metadata
    chunks = [meta.row_group(0).column(i) for i in range(meta.num_columns)]
    assert meta.num_rows == 2
    assert {chunk.compression for chunk in chunks} == {"ZSTD"}
    assert [chunk.is_stats_set for chunk in chunks] == [False] * 8


def test_a_checked_read_mixing_good_and_stale_documents_needs_no_key_column_asked_for(
    store: Store,
) -> None:
    _two_metrics(store)
    with store.engine.begin() as conn:
        # SAFE-FALLS edited behind the cache: its document is stale, RES-4WK's good
        conn.execute(
            text(
                "UPDATE metric_value SET value = 4.0 WHERE metric_id = 'SAFE-FALLS' "
                "AND valid_to IS NULL"
            )
        )
    with store.engine.connect() as conn:
        mixed = read_checked(conn, None, ["value"])
    # the document's rows and the table's, in key order (metric, org unit), and only the
    # columns asked for
    assert mixed.rebuilt == ["SAFE-FALLS"]
    assert mixed.frame.columns == ["metric_id", "value"]
    assert mixed.frame.rows() == [("RES-4WK", 0.8), ("RES-4WK", 0.5), ("SAFE-FALLS", 4.0)]
