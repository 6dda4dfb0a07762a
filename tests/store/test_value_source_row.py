"""The sheet and row each value revision was read from (migration ``0010_value_source_row``).

A store made before the migration keeps its values through the upgrade, with no sheet or row;
a write records the sheet and row it is given, and nothing where it is given none.
"""

from __future__ import annotations

from datetime import date

import polars as pl
from sqlalchemy import text
from store_builders import make_forums, make_metrics, make_org_units, values_frame

from trustboard.store import VALUE_FRAME_SCHEMA, Store
from trustboard.store.engine import create_store_engine, current_revision, head_revision, migrate

COLUMNS = [*VALUE_FRAME_SCHEMA, "source_sheet", "source_row"]

#: two revisions of one value and one other value, as a store at 0009 holds them
OLD_ROWS = [
    ("RES-4WK", "MH-T1", "2025-01-01", "2025-01-31", 40.0, 50.0, 0.8, "jan.xlsx", 1,
     "2025-02-03 09:00:00.000000", "2025-02-10 09:00:00.000000"),
    ("RES-4WK", "MH-T1", "2025-01-01", "2025-01-31", 41.0, 50.0, 0.82, "jan-revised.csv", 2,
     "2025-02-10 09:00:00.000000", None),
    ("SAFE-FALLS", "CHS-T2", "2025-01-01", "2025-01-31", None, None, 3.0, "falls.csv", 1,
     "2025-02-03 09:00:00.000000", None),
]  # fmt: skip


def _old_store(url: str) -> None:
    """A store at ``0009_signin_failures`` holding :data:`OLD_ROWS`."""
    engine = create_store_engine(url)
    try:
        migrate(engine, "0009_signin_failures")
        assert current_revision(engine) == "0009_signin_failures"
        with engine.connect() as conn, conn.begin():
            for row in OLD_ROWS:
                conn.execute(
                    text(
                        "INSERT INTO metric_value (metric_id, org_unit, period_start, "
                        "period_end, numerator, denominator, value, provisional, source_file, "
                        "source_hash, extracted_at, revision, valid_from, valid_to, import_id) "
                        "VALUES (:m, :u, :s, :e, :n, :d, :v, :p, :f, :h, :x, :r, :a, :b, NULL)"
                    ),
                    {
                        "m": row[0],
                        "u": row[1],
                        "s": row[2],
                        "e": row[3],
                        "n": row[4],
                        "d": row[5],
                        "v": row[6],
                        "p": False,
                        "f": row[7],
                        "h": "0" * 64,
                        "x": row[9],
                        "r": row[8],
                        "a": row[9],
                        "b": row[10],
                    },
                )
    finally:
        engine.dispose()


def test_an_upgrade_keeps_the_values_stored_before_it_with_no_sheet_or_row(
    store_url: str,
) -> None:
    _old_store(store_url)
    store, before, after = Store.init(store_url, actor="tester")
    try:
        assert (before, after) == ("0009_signin_failures", head_revision())
        history = store.values(history=True, columns=COLUMNS)
        assert history.select(
            "metric_id", "org_unit", "numerator", "value", "revision", "source_file"
        ).rows() == [
            ("RES-4WK", "MH-T1", 40.0, 0.8, 1, "jan.xlsx"),
            ("RES-4WK", "MH-T1", 41.0, 0.82, 2, "jan-revised.csv"),
            ("SAFE-FALLS", "CHS-T2", None, 3.0, 1, "falls.csv"),
        ]
        assert history.get_column("source_sheet").null_count() == 3
        assert history.get_column("source_row").null_count() == 3
        assert history.schema["source_row"] == pl.Int64
        # a revision written after the upgrade records the sheet and row it is given
        store.upsert_catalogue(
            make_metrics(), make_org_units(), make_forums(), source="t", effective=date(2024, 4, 1)
        )
        frame = values_frame([("SAFE-FALLS", "CHS-T2", "2025-01", None, None, 4.0)]).with_columns(
            pl.lit("Falls, by ward's team").alias("source_sheet"), pl.lit(9).alias("source_row")
        )
        assert store.write_values(frame).revised == 1
        falls = store.values(["SAFE-FALLS"], ["CHS-T2"], history=True, columns=COLUMNS)
        assert falls.select("revision", "value", "source_sheet", "source_row").rows() == [
            (1, 3.0, None, None),
            (2, 4.0, "Falls, by ward's team", 9),
        ]
    finally:
        store.close()


def test_values_given_without_a_sheet_or_row_record_none(store: Store) -> None:
    # the frame of a reader that has no rows to name (the demo trust, a model's output)
    frame = values_frame([("RES-4WK", "MH-T1", "2025-01", 40.0, 50.0, 0.8)]).drop("sheet", "row")
    store.write_values(frame)
    read = store.values(history=True, columns=COLUMNS)
    assert read.select("value", "source_sheet", "source_row").rows() == [(0.8, None, None)]
    # the columns are read only when named
    assert "source_row" not in store.values(history=True).columns


def test_a_sheet_name_with_any_character_reads_back_as_written(store: Store) -> None:
    # a sheet's name is the file's own text: line breaks, the unit separator, quotes, commas
    sheet = "Q1\nwards\x1f\"North\", 'South'\\"
    frame = values_frame(
        [
            ("RES-4WK", "MH-T1", "2025-01", 40.0, 50.0, 0.8),
            ("RES-4WK", "MH-T2", "2025-01", 1, 2, 0.5),
        ]
    ).with_columns(pl.lit(sheet).alias("source_sheet"), pl.Series("source_row", [3, 4]))
    store.write_values(frame)
    for units in (["MH-T1", "MH-T2"], None):  # a narrow read, and a bulk one
        read = store.values(["RES-4WK"], units, history=True, columns=COLUMNS)
        assert read.select("org_unit", "source_sheet", "source_row").rows() == [
            ("MH-T1", sheet, 3),
            ("MH-T2", sheet, 4),
        ]
