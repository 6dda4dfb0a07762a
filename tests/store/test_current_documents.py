"""The current-value documents always say what the current rows of ``metric_value`` say."""

from __future__ import annotations

import random
from datetime import date

import polars as pl
import pytest
from store_builders import make_org_units, values_frame

from trustboard.errors import DataValidationError
from trustboard.store import Store
from trustboard.store.current import CURRENT_COLUMNS, check_documents
from trustboard.store.engine import _alembic_config, head_revision, migrate
from trustboard.store.values import read_values

COLUMNS = sorted(CURRENT_COLUMNS)
METRICS = ["RES-4WK", "SAFE-FALLS", "RES-MEDWAIT"]
MONTHS = [f"2024-{m:02d}" for m in range(4, 13)] + [f"2025-{m:02d}" for m in range(1, 4)]


def _random_rows(
    rng: random.Random,
) -> list[tuple[str, str, str, float | None, float | None, float]]:
    units = [u.code for u in make_org_units()]
    keys = rng.sample(
        [(m, u, p) for m in METRICS for u in units for p in MONTHS], rng.randint(1, 40)
    )
    rows = []
    for metric, unit, month in keys:
        if metric == "RES-4WK":
            den = float(rng.randint(1, 60))
            num = float(rng.randint(0, int(den)))
            rows.append((metric, unit, month, num, den, num / den))
        else:
            rows.append((metric, unit, month, None, None, float(rng.randint(0, 9))))
    return rows


def _both_ways(store: Store, **filters: object) -> tuple[pl.DataFrame, pl.DataFrame]:
    with store.engine.connect() as conn:
        documents = read_values(conn, columns=COLUMNS, **filters)  # type: ignore[arg-type]
        rows = read_values(conn, columns=COLUMNS, documents=False, **filters)  # type: ignore[arg-type]
    return documents, rows


@pytest.mark.parametrize("seed", [3, 17, 2024])
def test_documents_follow_every_write(store: Store, seed: int) -> None:
    rng = random.Random(seed)
    for _ in range(6):
        rows = _random_rows(rng)
        if rng.random() < 0.3:
            # the same keys again, some figures changed: revisions and unchanged rows together
            rows = [
                (m, u, p, n, d, v + 1.0 if rng.random() < 0.5 and n is None else v)
                for m, u, p, n, d, v in rows
            ]
        store.write_values(values_frame(rows, provisional=rng.random() < 0.5))
        documents, from_rows = _both_ways(store)
        assert documents.height == store.values_count()
        assert documents.equals(from_rows)
        # the store's own write leaves every document marked as built from the rows it holds
        with store.engine.connect() as conn:
            assert check_documents(conn) == []
    for filters in (
        {"metric_ids": ["RES-4WK"]},
        {"metric_ids": ["SAFE-FALLS", "RES-MEDWAIT"]},
        {"start": date(2024, 9, 1)},
        {"end": date(2024, 12, 1)},
        {"metric_ids": ["RES-4WK"], "start": date(2024, 6, 1), "end": date(2025, 1, 1)},
    ):
        documents, from_rows = _both_ways(store, **filters)
        assert documents.equals(from_rows), filters
    # the store's own bulk read of these columns says the same
    _documents, everything = _both_ways(store)
    assert store.values(columns=["metric_id", "org_unit", "period_start", "value"]).equals(
        everything.select("metric_id", "org_unit", "period_start", "value")
    )


def test_a_refused_write_leaves_the_documents_as_they_were(store: Store) -> None:
    store.write_values(values_frame([("RES-4WK", "MH-T1", "2025-01", 40.0, 50.0, 0.8)]))
    before = store.fingerprint()
    with pytest.raises(DataValidationError):
        store.write_values(
            values_frame(
                [
                    ("RES-4WK", "MH-T1", "2025-02", 40.0, 50.0, 0.8),
                    ("NOPE", "MH-T1", "2025-02", None, None, 1.0),
                ]
            )
        )
    assert store.fingerprint() == before
    documents, from_rows = _both_ways(store)
    assert documents.equals(from_rows) and documents.height == 1


def test_after_an_upgrade_the_first_read_makes_the_documents_from_the_rows(store: Store) -> None:
    from alembic import command

    rows = [
        ("RES-4WK", "MH-T1", "2025-01", 40.0, 50.0, 0.8),
        ("SAFE-FALLS", "CHS-T2", "2025-02", None, None, 3.0),
        ("RES-4WK", "MH-T2", "2024-12", 10.0, 20.0, 0.5),
    ]
    store.write_values(values_frame(rows))
    store.write_values(values_frame([("RES-4WK", "MH-T1", "2025-01", 41.0, 50.0, 0.82)]))
    expected, _ = _both_ways(store)
    # a store from before the documents existed: the upgrade leaves them to the first use
    config = _alembic_config(store.engine)
    with store.engine.connect() as conn:
        conn.info["tb_write"] = True
        with conn.begin():
            config.attributes["connection"] = conn
            command.downgrade(config, "0002_baf")
    before, after = migrate(store.engine, "head")
    assert (before, after) == ("0002_baf", head_revision())
    with store.engine.connect() as conn:
        problems = check_documents(conn)
    assert [(p.metric_id, p.kind) for p in problems] == [
        ("RES-4WK", "missing"),
        ("SAFE-FALLS", "missing"),
    ]
    # the read is right before any document exists, and makes them
    read = store.values(columns=COLUMNS)
    assert read.equals(expected)
    assert read.filter(pl.col("org_unit") == "MH-T1")["value"].to_list() == [0.82]
    with store.engine.connect() as conn:
        assert check_documents(conn) == []
    documents, from_rows = _both_ways(store)
    assert documents.equals(expected) and from_rows.equals(expected)
    # a full check of documents that are right finds nothing and rebuilds nothing
    assert store.check_documents() == [] and store.rebuild_documents() == []
    assert _both_ways(store)[0].equals(expected)
