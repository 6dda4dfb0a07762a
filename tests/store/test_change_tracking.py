"""The change-tracking triggers: ``store check`` finds them missing, disabled or altered, and
``--rebuild`` puts back exactly what migration ``0004_current_watermark`` made.

Each test damages the triggers with plain SQL, then shows the check's report, the repair, that
the repaired triggers are the ones a freshly made store has, and that they count again: one
UPDATE of one row after the repair moves that metric's counter by exactly one.  Both engines.
"""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import Connection, text
from store_builders import make_forums, make_metrics, make_org_units, values_frame

from trustboard.cli.app import main
from trustboard.store import Store
from trustboard.store.triggers import TRIGGERS_DEFINED_BY

ROWS = [
    ("RES-4WK", "MH-T1", "2025-01", 40.0, 50.0, 0.8),
    ("SAFE-FALLS", "CHS-T2", "2025-01", None, None, 3.0),
]


def _definitions(conn: Connection) -> dict[str, str]:
    """Each trigger on metric_value as the database holds it (and whether it is enabled)."""
    if conn.dialect.name == "sqlite":
        rows = conn.execute(
            text(
                "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' "
                "AND tbl_name = 'metric_value'"
            )
        )
        return {str(name): str(sql) for name, sql in rows}
    rows = conn.execute(
        text(
            "SELECT tgname, tgenabled::text || ' ' || pg_get_triggerdef(oid) FROM pg_trigger "
            "WHERE tgrelid = 'metric_value'::regclass AND NOT tgisinternal"
        )
    )
    found = {str(name): str(sql) for name, sql in rows}
    function = conn.execute(
        text("SELECT prosrc FROM pg_proc WHERE proname = 'tb_metric_value_changed'")
    ).scalar()
    if function is not None:
        found["tb_metric_value_changed()"] = str(function)
    return found


def _check(store: Store, capsys: pytest.CaptureFixture[str], *extra: str) -> tuple[int, str]:
    code = main(["store", "check", "--database", store.url, "--actor", "checker", *extra])
    captured = capsys.readouterr()
    return code, captured.out + captured.err


def _counts_again(store: Store) -> None:
    """One UPDATE of one SAFE-FALLS row moves its counter by one, and RES-4WK's not at all."""
    with store.engine.begin() as conn:
        query = text("SELECT metric_id, stamp FROM metric_value_stamp")
        before = {str(m): int(n) for m, n in conn.execute(query)}
        conn.execute(text("UPDATE metric_value SET value = 4.0 WHERE metric_id = 'SAFE-FALLS'"))
        after = {str(m): int(n) for m, n in conn.execute(query)}
    assert after == {"RES-4WK": before["RES-4WK"], "SAFE-FALLS": before["SAFE-FALLS"] + 1}


def test_missing_and_altered_triggers_are_reported_and_made_again_as_the_migration_made_them(
    store: Store, capsys: pytest.CaptureFixture[str]
) -> None:
    store.write_values(values_frame(ROWS))
    with store.engine.connect() as conn:
        fresh = _definitions(conn)
    assert _check(store, capsys)[0] == 0
    assert store.check_triggers() == []

    with store.engine.begin() as conn:
        if store.dialect == "sqlite":
            conn.execute(text("DROP TRIGGER tb_metric_value_delete"))
            # the update trigger replaced by one that counts nothing
            conn.execute(text("DROP TRIGGER tb_metric_value_update"))
            conn.execute(
                text(
                    "CREATE TRIGGER tb_metric_value_update AFTER UPDATE ON metric_value "
                    "BEGIN SELECT 1; END"
                )
            )
            expected = [
                ("tb_metric_value_delete", "missing"),
                ("tb_metric_value_update", "altered"),
            ]
        else:
            # the function goes, and both triggers with it
            conn.execute(text("DROP FUNCTION tb_metric_value_changed() CASCADE"))
            expected = [
                ("tb_metric_value_changed()", "missing"),
                ("tb_metric_value_changed", "missing"),
                ("tb_metric_value_truncated", "missing"),
            ]
    assert [(p.name, p.kind) for p in store.check_triggers()] == expected
    code, said = _check(store, capsys)
    assert code == 6 and "TB-STORE-STALE" in said
    assert f"{len(expected)} change-tracking trigger(s) are not in place" in said
    for name, kind in expected:
        assert f"{kind}: " in said and f"(value: '{name}')" in said

    code, said = _check(store, capsys, "--rebuild")
    assert code == 0, said
    assert [line.split(":")[0] for line in said.splitlines()[: len(expected)]] == [
        f"recreated trigger {name}" for name, _kind in expected
    ]
    with store.engine.connect() as conn:
        assert _definitions(conn) == fresh
    assert store.check_triggers() == []
    assert _check(store, capsys)[0] == 0
    repairs = store.audit(action="store.triggers.repair")
    assert len(repairs) == 1 and repairs[0].actor == "checker"
    _counts_again(store)


def test_a_disabled_postgresql_trigger_is_reported_and_enabled(
    postgres_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    # PostgreSQL only: SQLite has no disabled triggers
    store, _before, _after = Store.init(postgres_url, actor="tester")
    store.upsert_catalogue(
        make_metrics(), make_org_units(), make_forums(), source="tests", effective=date(2024, 4, 1)
    )
    store.write_values(values_frame(ROWS))
    with store.engine.connect() as conn:
        fresh = _definitions(conn)
    with store.engine.begin() as conn:
        conn.execute(text("ALTER TABLE metric_value DISABLE TRIGGER tb_metric_value_changed"))
    code, said = _check(store, capsys)
    assert code == 6
    assert "disabled: the trigger is disabled (value: 'tb_metric_value_changed')" in said
    code, said = _check(store, capsys, "--rebuild")
    assert code == 0
    assert said.startswith("recreated trigger tb_metric_value_changed: disabled")
    with store.engine.connect() as conn:
        assert _definitions(conn) == fresh
    _counts_again(store)
    store.close()


def test_the_repair_reads_the_sql_of_the_migration_that_made_the_triggers() -> None:
    # one definition: the repair's SQL is the migration module's, not a copy of it
    from importlib import import_module

    from trustboard.store import triggers

    migration = import_module(f"trustboard.store.migrations.versions.{TRIGGERS_DEFINED_BY}")
    assert triggers._definitions() is migration
    assert migration.revision == TRIGGERS_DEFINED_BY
    assert sorted(migration.sqlite_trigger_sql()) == [
        "tb_metric_value_delete",
        "tb_metric_value_insert",
        "tb_metric_value_update",
    ]
    assert sorted(migration.PG_TRIGGERS) == ["tb_metric_value_changed", "tb_metric_value_truncated"]
