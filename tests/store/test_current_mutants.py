"""The current-value cache's own contract (``trustboard.store.current``), worked by hand.

Written for mutants of ``store/current.py`` that the other store tests let survive
(docs/testing.md, mutation testing).
"""

from __future__ import annotations

from datetime import date, datetime

import pytest
from sqlalchemy import text
from store_builders import values_frame

from trustboard.store import Store
from trustboard.store.current import (
    DocumentProblem,
    check_documents,
    compare_documents,
    read_current,
    rebuild_documents,
)


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
