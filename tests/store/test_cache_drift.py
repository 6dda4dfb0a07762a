"""``metric_value`` is the truth: edits made behind the cache's back, straight in SQL.

Each test edits the table with plain SQL (no trustboard code), then shows that the next read
and the next import are right, and that ``trustboard store check`` reports the documents that
no longer match and ``--rebuild`` repairs them.  The expected values are written out by hand
from the rows written and the SQL run, not computed by the code under test.  Both engines.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import polars as pl
import pytest
from sqlalchemy import text
from store_builders import values_frame

from trustboard.cli.app import main
from trustboard.store import Store
from trustboard.store.current import check_documents
from trustboard.store.values import read_values

COLUMNS = ["metric_id", "org_unit", "period_start", "numerator", "denominator", "value"]
FIRST = [
    ("RES-4WK", "MH-T1", "2025-01", 40.0, 50.0, 0.8),
    ("RES-4WK", "MH-T2", "2025-01", 10.0, 20.0, 0.5),
    ("RES-4WK", "MH-T1", "2025-02", 30.0, 40.0, 0.75),
    ("SAFE-FALLS", "CHS-T2", "2025-01", None, None, 3.0),
]


def _frame(rows: list[tuple[str, str, date, float | None, float | None, float]]) -> pl.DataFrame:
    return pl.DataFrame(
        rows,
        schema={
            "metric_id": pl.String,
            "org_unit": pl.String,
            "period_start": pl.Date,
            "numerator": pl.Float64,
            "denominator": pl.Float64,
            "value": pl.Float64,
        },
        orient="row",
    )


def _behind_the_back(store: Store) -> None:
    """Update a value, delete a row and insert one, in plain SQL."""
    day: Any = date(2025, 1, 1) if store.dialect == "postgresql" else "2025-01-01"
    feb: Any = date(2025, 2, 1) if store.dialect == "postgresql" else "2025-02-01"
    end: Any = date(2025, 2, 28) if store.dialect == "postgresql" else "2025-02-28"
    with store.engine.begin() as conn:
        conn.execute(
            text(
                "UPDATE metric_value SET numerator = 45, value = 0.9 WHERE metric_id = 'RES-4WK' "
                "AND org_unit = 'MH-T1' AND period_start = :day AND valid_to IS NULL"
            ),
            {"day": day},
        )
        conn.execute(
            text(
                "DELETE FROM metric_value WHERE metric_id = 'RES-4WK' AND org_unit = 'MH-T2' "
                "AND period_start = :day"
            ),
            {"day": day},
        )
        conn.execute(
            text(
                "INSERT INTO metric_value (metric_id, org_unit, period_start, period_end, "
                "numerator, denominator, value, provisional, source_file, source_hash, "
                "extracted_at, revision, valid_from, valid_to, import_id) VALUES ('SAFE-FALLS', "
                "'CHS-T2', :feb, :end, NULL, NULL, 5.0, false, 'by-hand.sql', NULL, "
                "CURRENT_TIMESTAMP, 1, CURRENT_TIMESTAMP, NULL, NULL)"
            ),
            {"feb": feb, "end": end},
        )


#: the current rows after _behind_the_back, by hand: MH-T1 January now 45/50 = 0.9, MH-T2
#: January gone, SAFE-FALLS February added
AFTER_EDITS = _frame(
    [
        ("RES-4WK", "MH-T1", date(2025, 1, 1), 45.0, 50.0, 0.9),
        ("RES-4WK", "MH-T1", date(2025, 2, 1), 30.0, 40.0, 0.75),
        ("SAFE-FALLS", "CHS-T2", date(2025, 1, 1), None, None, 3.0),
        ("SAFE-FALLS", "CHS-T2", date(2025, 2, 1), None, None, 5.0),
    ]
)


def _check(store: Store, capsys: pytest.CaptureFixture[str], *extra: str) -> tuple[int, str]:
    code = main(["store", "check", "--database", store.url, "--actor", "checker", *extra])
    captured = capsys.readouterr()
    return code, captured.out + captured.err


def test_edits_behind_the_cache_are_seen_by_reads_imports_and_the_check(
    store: Store, capsys: pytest.CaptureFixture[str]
) -> None:
    store.write_values(values_frame(FIRST))
    assert _check(store, capsys) == (
        0,
        f"store {store.url}: 2 current-value document(s), each matches metric_value\n",
    )
    _behind_the_back(store)

    # the check names both metrics, says what differs and fails
    code, said = _check(store, capsys)
    assert code == 6
    assert "TB-STORE-STALE" in said and "2 current-value document(s) do not match" in said
    assert "stale: built at change 1; the rows are at change 3" in said  # RES-4WK: 2 edits
    assert "stale: built at change 1; the rows are at change 2" in said  # SAFE-FALLS: 1 insert
    assert "RES-4WK" in said and "SAFE-FALLS" in said

    # the next read says what the table says (the documents are passed over, not trusted)
    with store.engine.connect() as conn:
        read = read_values(conn, columns=COLUMNS)
    assert read.equals(AFTER_EDITS)

    # the next import compares with the table: MH-T1 January as edited is unchanged, and
    # MH-T2 January, deleted, is a new key again
    summary = store.write_values(
        values_frame(
            [
                ("RES-4WK", "MH-T1", "2025-01", 45.0, 50.0, 0.9),
                ("RES-4WK", "MH-T2", "2025-01", 10.0, 20.0, 0.5),
                ("RES-4WK", "MH-T1", "2025-02", 30.0, 40.0, 0.75),
            ]
        )
    )
    assert (summary.inserted, summary.revised, summary.unchanged) == (1, 0, 2)
    assert summary.rebuilt_documents == ("RES-4WK",)
    with store.engine.connect() as conn:
        assert [(p.metric_id, p.kind) for p in check_documents(conn)] == [("SAFE-FALLS", "stale")]

    # --rebuild repairs what is left, exits 0 and is audited
    code, said = _check(store, capsys, "--rebuild")
    assert code == 0
    assert said.startswith("rebuilt SAFE-FALLS: stale: built at change 1; the rows are at change 2")
    assert _check(store, capsys)[0] == 0
    entry = store.audit(action="values.documents.rebuild", limit=1)[0]
    assert entry.actor == "checker" and entry.after == {"rebuilt": ["SAFE-FALLS"]}

    expected = _frame(
        [
            ("RES-4WK", "MH-T1", date(2025, 1, 1), 45.0, 50.0, 0.9),
            ("RES-4WK", "MH-T1", date(2025, 2, 1), 30.0, 40.0, 0.75),
            ("RES-4WK", "MH-T2", date(2025, 1, 1), 10.0, 20.0, 0.5),
            ("SAFE-FALLS", "CHS-T2", date(2025, 1, 1), None, None, 3.0),
            ("SAFE-FALLS", "CHS-T2", date(2025, 2, 1), None, None, 5.0),
        ]
    )
    assert store.values(columns=COLUMNS).equals(expected)
    with store.engine.connect() as conn:
        assert read_values(conn, columns=COLUMNS, documents=False).equals(expected)


def test_a_read_through_the_store_repairs_the_documents_it_uses(store: Store) -> None:
    store.write_values(values_frame(FIRST))
    _behind_the_back(store)
    assert store.values(columns=COLUMNS).equals(AFTER_EDITS)
    with store.engine.connect() as conn:
        assert check_documents(conn) == []
    entry = store.audit(action="values.documents.rebuild", limit=1)[0]
    assert entry.before["cause"] == "read"
    assert entry.after == {"rebuilt": ["RES-4WK", "SAFE-FALLS"]}
    assert store.values(columns=COLUMNS).equals(AFTER_EDITS)


def test_the_full_check_finds_what_the_watermark_cannot(
    store: Store, capsys: pytest.CaptureFixture[str]
) -> None:
    store.write_values(values_frame(FIRST))
    # with the change-tracking triggers gone, an edit leaves the counters where they were
    with store.engine.begin() as conn:
        if store.dialect == "sqlite":
            for name in ("insert", "update", "delete"):
                conn.execute(text(f"DROP TRIGGER tb_metric_value_{name}"))
        else:
            conn.execute(text("DROP TRIGGER tb_metric_value_changed ON metric_value"))
        conn.execute(text("UPDATE metric_value SET value = 7.0 WHERE metric_id = 'SAFE-FALLS'"))
    with store.engine.connect() as conn:
        assert check_documents(conn) == []
    code, said = _check(store, capsys)
    assert code == 6
    assert (
        "SAFE-FALLS" in said and "content: the document holds 1 value(s) and the table 1; " in said
    )
    assert "1 of the document's are not in the table" in said and "RES-4WK" not in said
    dropped = (
        ["tb_metric_value_delete", "tb_metric_value_insert", "tb_metric_value_update"]
        if store.dialect == "sqlite"
        else ["tb_metric_value_changed"]
    )
    for name in dropped:
        assert f"missing: no such trigger on metric_value (value: '{name}')" in said
    code, said = _check(store, capsys, "--rebuild")
    recreated = [
        f"recreated trigger {name}: missing: no such trigger on metric_value" for name in dropped
    ]
    assert code == 0 and said.splitlines()[: len(dropped) + 1] == [
        *recreated,
        "rebuilt SAFE-FALLS: content: the document holds 1 value(s) and the table 1; "
        "1 of the document's are not in the table",
    ]
    assert _check(store, capsys)[0] == 0
    assert store.values(columns=["metric_id", "value"]).filter(pl.col("metric_id") == "SAFE-FALLS")[
        "value"
    ].to_list() == [7.0]


def test_wrong_layout_orphaned_and_missing_documents_are_reported_and_rebuilt(
    store: Store, capsys: pytest.CaptureFixture[str]
) -> None:
    store.write_values(values_frame(FIRST))
    with store.engine.begin() as conn:
        conn.execute(
            text("UPDATE metric_current SET schema_version = 99 WHERE metric_id = 'RES-4WK'")
        )
        conn.execute(text("DELETE FROM metric_value_stamp WHERE metric_id = 'SAFE-FALLS'"))
    code, said = _check(store, capsys)
    assert code == 6
    assert "wrong-schema: document layout 99; this version reads layout 1" in said
    assert "orphaned: a document for a metric with no change counter" in said
    with store.engine.begin() as conn:
        conn.execute(text("DELETE FROM metric_current WHERE metric_id = 'SAFE-FALLS'"))
    code, said = _check(store, capsys)
    assert code == 6 and "missing: no document and no change counter for 1 current value(s)" in said
    code, said = _check(store, capsys, "--rebuild")
    assert code == 0 and "rebuilt RES-4WK: wrong-schema" in said
    assert "rebuilt SAFE-FALLS: missing" in said
    assert _check(store, capsys)[0] == 0
    with store.engine.connect() as conn:
        assert read_values(conn, columns=COLUMNS).equals(
            read_values(conn, columns=COLUMNS, documents=False)
        )
        assert read_values(conn, columns=COLUMNS).height == 4


def test_emptying_the_table_behind_the_cache_is_seen(
    store: Store, capsys: pytest.CaptureFixture[str]
) -> None:
    store.write_values(values_frame(FIRST))
    with store.engine.begin() as conn:
        # PostgreSQL's TRUNCATE fires no row trigger: a statement trigger of its own counts it
        conn.execute(
            text(
                "TRUNCATE metric_value"
                if store.dialect == "postgresql"
                else "DELETE FROM metric_value"
            )
        )
    with store.engine.connect() as conn:
        assert {(p.metric_id, p.kind) for p in check_documents(conn)} == {
            ("RES-4WK", "stale"),
            ("SAFE-FALLS", "stale"),
        }
        assert read_values(conn, columns=COLUMNS).height == 0
    assert _check(store, capsys, "--rebuild")[0] == 0
    assert _check(store, capsys)[0] == 0
    assert store.values(columns=COLUMNS).height == 0


def test_a_write_that_fails_half_way_keeps_the_change_tracking(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    import trustboard.store.values as values_module

    store.write_values(values_frame(FIRST))

    def broken(*_args: object) -> None:
        raise RuntimeError("the disk is full")

    # fails inside the write, after the triggers were paused and the revision closed
    monkeypatch.setattr(values_module, "_insert_rows", broken)
    with pytest.raises(RuntimeError):
        store.write_values(values_frame([("RES-4WK", "MH-T1", "2025-01", 41.0, 50.0, 0.82)]))
    monkeypatch.undo()
    with store.engine.connect() as conn:
        assert check_documents(conn) == []
        assert read_values(conn, columns=COLUMNS).equals(
            read_values(conn, columns=COLUMNS, documents=False)
        )
    # the rollback restored the triggers: an edit in SQL is still counted
    _behind_the_back(store)
    with store.engine.connect() as conn:
        assert [p.metric_id for p in check_documents(conn)] == ["RES-4WK", "SAFE-FALLS"]
    assert store.values(columns=COLUMNS).equals(AFTER_EDITS)


def test_an_import_that_changes_nothing_repairs_a_metric_without_a_counter(store: Store) -> None:
    store.write_values(values_frame(FIRST))
    with store.engine.begin() as conn:
        conn.execute(text("DELETE FROM metric_value_stamp WHERE metric_id = 'SAFE-FALLS'"))
    summary = store.write_values(values_frame([FIRST[3]]))
    assert (summary.inserted, summary.revised, summary.unchanged) == (0, 0, 1)
    assert summary.rebuilt_documents == ("SAFE-FALLS",)
    with store.engine.connect() as conn:
        assert check_documents(conn) == []
    assert store.check_documents() == []
