"""A store that may only be read can still be read, and says so when a command must write.

SQLite: the store opened with ``?mode=ro`` or ``?immutable=1`` (tests run as root, where file
permissions do not bite, so the read-only open is made by SQLite itself).  PostgreSQL: a role
given only ``SELECT``.  In each, one current-value document is made stale behind the cache's
back first, so that a read would want to rebuild it: the read must take the rows instead,
write nothing, and a write must fail with ``TB-STORE-READ-ONLY`` (exit 6), not a traceback.
The expected figures are written out by hand from the rows written and the SQL run.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import make_url
from store_builders import make_forums, make_metrics, make_org_units, values_frame

from trustboard.cli.app import main
from trustboard.errors import ErrorCode, OptionsError, StoreError
from trustboard.store import Store

COLUMNS = ["metric_id", "org_unit", "period_start", "numerator", "denominator", "value"]
WRITTEN = [
    ("RES-4WK", "MH-T1", "2025-01", 40.0, 50.0, 0.8),
    ("RES-4WK", "MH-T2", "2025-01", 10.0, 20.0, 0.5),
    ("SAFE-FALLS", "CHS-T2", "2025-01", None, None, 3.0),
]


#: after the edit behind the cache's back: MH-T1 January is 45/50 = 0.9 (built when a test
#: asks: no test module may do Polars work when it is imported; see docs/testing.md)
def _expected() -> pl.DataFrame:
    return pl.DataFrame(
        [
            ("RES-4WK", "MH-T1", date(2025, 1, 1), 45.0, 50.0, 0.9),
            ("RES-4WK", "MH-T2", date(2025, 1, 1), 10.0, 20.0, 0.5),
            ("SAFE-FALLS", "CHS-T2", date(2025, 1, 1), None, None, 3.0),
        ],
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


def _stale_store(store: Store) -> None:
    """Write the values, an SPC run and a pack's worth of data, then edit one value in SQL."""
    store.write_values(values_frame(WRITTEN))
    assert main(["spc", "refresh", "--database", store.url]) == 0
    day: Any = date(2025, 1, 1) if store.dialect == "postgresql" else "2025-01-01"
    with store.engine.begin() as conn:
        conn.execute(
            text(
                "UPDATE metric_value SET numerator = 45, value = 0.9 WHERE metric_id = 'RES-4WK' "
                "AND org_unit = 'MH-T1' AND period_start = :day AND valid_to IS NULL"
            ),
            {"day": day},
        )


def _shows_reads_work_and_writes_are_refused(
    reader: Store, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """What every read-only store must do (``reader`` is opened read-only)."""
    before = reader.check_documents(full=False)
    assert [(p.metric_id, p.kind) for p in before] == [("RES-4WK", "stale")]
    audits = len(reader.audit())

    # the bulk read wants to rebuild the stale document, cannot, and reads the rows instead
    read = reader.values(columns=COLUMNS)
    assert read.equals(_expected())
    assert reader.values(metric_ids=["RES-4WK"], org_units=["MH-T1"]).get_column(
        "value"
    ).to_list() == [0.9]
    # nothing was written: the document is as stale as before, no audit entry
    assert reader.check_documents(full=False) == before
    assert len(reader.audit()) == audits

    # a write says why it cannot, with its code
    with pytest.raises(StoreError) as refused:
        reader.write_values(values_frame([("RES-4WK", "MH-T1", "2025-02", 1.0, 2.0, 0.5)]))
    assert refused.value.code == ErrorCode.STORE_READ_ONLY
    with pytest.raises(StoreError) as refused:
        reader.rebuild_documents()
    assert refused.value.code == ErrorCode.STORE_READ_ONLY

    # the commands that read work; those that must write exit 6 with the code, no traceback
    url = reader.url if reader.dialect == "sqlite" else _unmasked(reader)
    capsys.readouterr()
    assert main(["status", "--database", url, "--today", "2025-02-10"]) == 0
    out = tmp_path / "export.csv"
    assert main(["export", "--period", "2025-01", "-o", str(out), "--database", url]) == 0
    exported = pl.read_csv(out)
    edited = exported.filter((pl.col("metric_id") == "RES-4WK") & (pl.col("org_unit") == "MH-T1"))
    assert edited.get_column("value").to_list() == [0.9]
    pack = tmp_path / "pack"
    report = ["report", "--period", "2025-01", "--forum", "BOARD", "-o", str(pack)]
    code = main([*report, "--database", url, "--no-pdf"])
    said = capsys.readouterr()
    assert code == 0, said.out + said.err
    assert (pack / "BOARD-2025-01.html").exists()
    for command in (["store", "check", "--rebuild"], ["spc", "refresh"]):
        assert main([*command, "--database", url]) == 6
        said = capsys.readouterr()
        assert "TB-STORE-READ-ONLY" in said.err and "Traceback" not in said.err, said.err
    assert reader.check_documents(full=False) == before
    assert len(reader.audit()) == audits


def _unmasked(store: Store) -> str:
    return store.engine.url.render_as_string(hide_password=False)


def _file_hash(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.parametrize("parameter", ["mode=ro", "immutable=1"])
def test_an_sqlite_store_opened_read_only_is_read_and_never_written(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], parameter: str
) -> None:
    path = tmp_path / "store.db"
    writer, _before, _after = Store.init(f"sqlite:///{path}", actor="tester")
    writer.upsert_catalogue(
        make_metrics(), make_org_units(), make_forums(), source="tests", effective=date(2024, 4, 1)
    )
    _stale_store(writer)
    writer.close()  # the last writer folds the write-ahead log into the file
    assert not Path(f"{path}-wal").exists()
    content = _file_hash(path)

    reader = Store.open(f"sqlite:///{path}?{parameter}", actor="reader")
    try:
        assert reader.url.endswith(f"?{parameter}")
        _shows_reads_work_and_writes_are_refused(reader, tmp_path, capsys)
    finally:
        reader.close()
    assert _file_hash(path) == content

    # init (which would upgrade the schema) says so too
    assert main(["init", "--database", f"sqlite:///{path}?{parameter}"]) == 6
    assert "TB-STORE-READ-ONLY" in capsys.readouterr().err
    assert _file_hash(path) == content


def test_an_sqlite_url_with_another_parameter_is_refused(tmp_path: Path) -> None:
    with pytest.raises(OptionsError) as refused:
        Store.open(f"sqlite:///{tmp_path / 'store.db'}?mode=rwc")
    assert refused.value.code == ErrorCode.STORE_URL


@pytest.fixture
def reader_url(postgres_url: str) -> Iterator[str]:
    """A login role on ``postgres_url``'s database that may only SELECT (dropped afterwards)."""
    role = f"tb_reader_{uuid.uuid4().hex[:10]}"
    admin = create_engine(postgres_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE ROLE "{role}" LOGIN'))
        yield make_url(postgres_url).set(username=role).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP OWNED BY "{role}"'))
            conn.execute(text(f'DROP ROLE IF EXISTS "{role}"'))
        admin.dispose()


def test_a_postgresql_role_that_may_only_select_reads_and_never_writes(
    postgres_url: str, reader_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    writer, _before, _after = Store.init(postgres_url, actor="tester")
    writer.upsert_catalogue(
        make_metrics(), make_org_units(), make_forums(), source="tests", effective=date(2024, 4, 1)
    )
    _stale_store(writer)
    role = make_url(reader_url).username
    with writer.engine.begin() as conn:
        conn.execute(text(f'GRANT SELECT ON ALL TABLES IN SCHEMA public TO "{role}"'))
    content = writer.fingerprint()

    reader = Store.open(reader_url, actor="reader")
    try:
        _shows_reads_work_and_writes_are_refused(reader, tmp_path, capsys)
    finally:
        reader.close()
    assert writer.fingerprint() == content
    writer.close()


def test_an_sqlite_file_that_refuses_writes_is_read_from_the_rows(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # a file SQLite may not write (a read-only mount, opened without ?mode=ro) fails each write
    # with SQLITE_READONLY; as root, file permissions do not bite, so SQLite's query_only
    # switch makes every connection refuse writes in the same way
    path = tmp_path / "store.db"
    writer, _before, _after = Store.init(f"sqlite:///{path}", actor="tester")
    writer.upsert_catalogue(
        make_metrics(), make_org_units(), make_forums(), source="tests", effective=date(2024, 4, 1)
    )
    _stale_store(writer)
    writer.close()
    content = _file_hash(path)

    reader = Store.open(f"sqlite:///{path}", actor="reader")
    event.listen(
        reader.engine,
        "connect",
        lambda dbapi_connection, _record: dbapi_connection.execute("PRAGMA query_only = ON"),
    )
    reader.engine.dispose()  # the connection Store.open pooled was made before the switch
    try:
        before = reader.check_documents(full=False)
        assert reader.values(columns=COLUMNS).equals(_expected())
        assert reader.check_documents(full=False) == before
        with pytest.raises(StoreError) as refused:
            reader.rebuild_documents()
        assert refused.value.code == ErrorCode.STORE_READ_ONLY
    finally:
        reader.close()
    assert _file_hash(path) == content
