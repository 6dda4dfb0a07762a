"""Opening stores: URLs, missing extras and missing files; and a property test of revisions."""

from __future__ import annotations

import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from store_builders import make_forums, make_metrics, make_org_units, values_frame

from trustboard.errors import MissingExtraError, OptionsError, StoreError
from trustboard.store import Store, create_store_engine, normalise_url


@pytest.mark.parametrize(
    ("given_url", "expected"),
    [
        (None, "sqlite:///trustboard.db"),
        ("data/tb.db", "sqlite:///data/tb.db"),
        ("sqlite:////abs/tb.db", "sqlite:////abs/tb.db"),
        ("postgresql://bi@db/trustboard", "postgresql+psycopg://bi@db/trustboard"),
        ("postgres://bi@db/trustboard", "postgresql+psycopg://bi@db/trustboard"),
        ("postgresql+psycopg://bi@db/tb", "postgresql+psycopg://bi@db/tb"),
    ],
)
def test_urls_are_normalised(given_url: str | None, expected: str) -> None:
    assert normalise_url(given_url) == expected


def test_unsupported_and_in_memory_urls_are_refused() -> None:
    with pytest.raises(OptionsError):
        normalise_url("mysql://x@y/z")
    with pytest.raises(OptionsError):
        create_store_engine("sqlite:///:memory:")


def test_postgres_without_psycopg_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "psycopg", None)
    with pytest.raises(MissingExtraError) as caught:
        create_store_engine("postgresql://bi@db/trustboard")
    assert caught.value.extra == "postgres" and "trustboard[postgres]" in (caught.value.hint or "")


def test_a_missing_sqlite_file_is_not_created_by_open(tmp_path: Path) -> None:
    with pytest.raises(StoreError) as caught:
        Store.open(tmp_path / "nowhere.db")
    assert caught.value.code == "TB-STORE-MISSING"
    assert not (tmp_path / "nowhere.db").exists()


def test_sqlite_runs_in_wal_mode_with_foreign_keys(tmp_path: Path) -> None:
    store, _before, _after = Store.init(tmp_path / "tb.db")
    with store.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    store.close()


KEYS = [
    ("SAFE-FALLS", "MH-T1", "2025-01"),
    ("SAFE-FALLS", "MH-T1", "2025-02"),
    ("SAFE-FALLS", "CHS-T1", "2025-01"),
]
batches = st.lists(
    st.dictionaries(st.sampled_from(range(len(KEYS))), st.integers(0, 3), min_size=1),
    min_size=1,
    max_size=5,
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(batches)
def test_revisions_match_a_reference_model(writes: list[dict[int, int]]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        store, _before, _after = Store.init(Path(folder) / "tb.db")
        store.upsert_catalogue(make_metrics(), make_org_units(), make_forums())
        current: dict[int, int] = {}
        revisions: dict[int, int] = {}
        moments: list[tuple[datetime, dict[int, int]]] = []
        for batch in writes:
            rows = [(*KEYS[k], None, None, float(v)) for k, v in sorted(batch.items())]
            summary = store.write_values(values_frame(rows))
            new = sum(1 for k in batch if k not in current)
            changed = sum(1 for k, v in batch.items() if k in current and current[k] != v)
            assert (summary.inserted, summary.revised) == (new, changed)
            assert summary.unchanged == len(batch) - new - changed
            for k, v in batch.items():
                if current.get(k) != v:
                    revisions[k] = revisions.get(k, 0) + 1
                current[k] = v
            time.sleep(0.002)
            moments.append((datetime.now(UTC), dict(current)))
            time.sleep(0.002)
        frame = store.values()
        got = {
            (r["metric_id"], r["org_unit"], r["period_start"].strftime("%Y-%m")): r
            for r in frame.iter_rows(named=True)
        }
        assert {k: int(got[KEYS[k]]["value"]) for k in current} == current
        assert {k: got[KEYS[k]]["revision"] for k in current} == revisions
        assert store.values(history=True).height == sum(revisions.values())
        for moment, state in moments:
            then = store.values(as_of=moment)
            assert sorted(then.get_column("value").to_list()) == sorted(
                float(v) for v in state.values()
            )
        store.close()
