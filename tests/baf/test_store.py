"""The register in the store, on SQLite and PostgreSQL: round trips, reviews and the audit log."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pytest
from sqlalchemy import inspect

from trustboard.domain.baf import ReviewEntry, RiskScore
from trustboard.errors import ConflictError, NotFoundError
from trustboard.ingest.baf_register import read_register, write_register
from trustboard.store import Store
from trustboard.store import baf as store_baf
from trustboard.store.engine import head_revision
from trustboard.store.narrative import read_action_history, write_actions

from .builders import make_register, make_risk


@pytest.fixture
def store(store_url: str) -> Store:
    created, _before, after = Store.init(store_url, actor="tester")
    assert after == head_revision()
    yield created
    created.close()


def _load(store: Store):  # type: ignore[no-untyped-def]
    with store.engine.connect() as conn:
        return store_baf.load_register(conn)


def _save(store: Store, register) -> dict[str, int]:  # type: ignore[no-untyped-def]
    with store.transaction() as conn:
        return store_baf.save_register(conn, register, actor="tester", source="test")


def test_migration_creates_the_baf_tables(store: Store) -> None:
    tables = set(inspect(store.engine).get_table_names())
    assert set(store_baf.BAF_TABLES) <= tables


def test_yaml_to_store_to_yaml_is_lossless(
    store: Store, sample_register_path: Path, tmp_path: Path
) -> None:
    register = read_register(sample_register_path)
    assert _save(store, register) == {"added": 8, "changed": 0, "removed": 0, "unchanged": 0}
    back = _load(store)
    assert back == register
    assert read_register(write_register(back, tmp_path / "out.yaml")) == register


def test_excel_to_store_to_excel_is_lossless(
    store: Store, sample_register_path: Path, tmp_path: Path
) -> None:
    workbook = write_register(read_register(sample_register_path), tmp_path / "in.xlsx")
    register = read_register(workbook)
    _save(store, register)
    again = write_register(_load(store), tmp_path / "out.xlsx")
    assert read_register(again) == register


def test_an_empty_store_has_an_empty_register(store: Store) -> None:
    assert _load(store).risks == ()


def test_reimport_counts_and_audits_each_change(store: Store) -> None:
    first = make_register(make_risk(), make_risk(id="BAF-02", title="Finance", actions=()))
    _save(store, first)
    assert _save(store, first) == {"added": 0, "changed": 0, "removed": 0, "unchanged": 2}
    changed = make_register(
        make_risk(title="Access to care"), make_risk(id="BAF-03", title="Digital", actions=())
    )
    assert _save(store, changed) == {"added": 1, "changed": 1, "removed": 1, "unchanged": 0}
    assert _load(store) == changed
    entries = store.audit(entity="baf_risk")
    actions = sorted((e.action, e.entity_id) for e in entries)
    assert ("baf.risk.change", "BAF-01") in actions
    assert ("baf.risk.remove", "BAF-02") in actions
    assert ("baf.risk.add", "BAF-03") in actions
    change = next(e for e in entries if e.action == "baf.risk.change")
    assert (
        change.before["title"] == "Access to services" and change.after["title"] == "Access to care"
    )
    assert change.actor == "tester"


def test_a_review_updates_the_score_and_is_audited(store: Store) -> None:
    _save(store, make_register(make_risk()))
    entry = ReviewEntry(
        date=date(2025, 12, 31),
        current=RiskScore(likelihood=4, consequence=4),
        target=RiskScore(likelihood=2, consequence=4),
        rationale="Waits rising",
        reviewer="FPC",
    )
    with store.transaction() as conn:
        updated = store_baf.record_review(conn, "BAF-01", entry, actor="secretary")
    stored = _load(store).risk("BAF-01")
    assert stored == updated
    assert stored.current.score == 16 and stored.target.score == 8
    assert stored.history[-1] == entry and stored.trend.value == "up"
    audit = store.audit(entity="baf_risk", entity_id="BAF-01", action="baf.review")
    assert len(audit) == 1 and audit[0].actor == "secretary"
    assert audit[0].before["current"] == {"likelihood": 3, "consequence": 4}


def test_reviews_must_be_in_order_and_for_known_risks(store: Store) -> None:
    _save(store, make_register(make_risk()))
    old = ReviewEntry(
        date=date(2025, 9, 30), current=RiskScore(likelihood=2, consequence=2), rationale="dup"
    )
    with pytest.raises(ConflictError), store.transaction() as conn:
        store_baf.record_review(conn, "BAF-01", old)
    with pytest.raises(NotFoundError), store.transaction() as conn:
        store_baf.record_review(conn, "BAF-99", old)
    assert _load(store).risk("BAF-01") == make_risk()


def test_actions_live_in_the_shared_action_table_with_history(store: Store) -> None:
    _save(store, make_register(make_risk()))
    moved = make_risk(
        actions=(
            {
                "id": "A1",
                "description": "Recruit staff",
                "owner": "COO",
                "due": date(2026, 4, 30),
                "status": "at_risk",
            },
        )
    )
    _save(store, make_register(moved))
    action = _load(store).risk("BAF-01").actions[0]
    # the store keeps the first promised date, so the slippage stays visible
    assert action.original_due == date(2026, 1, 31) and action.slippage_days == 89
    with store.engine.connect() as conn:
        changes = read_action_history(conn, "A1")
    assert [c.status.value for c in changes] == ["on_track", "at_risk"]


def test_an_action_id_owned_elsewhere_is_a_conflict(store: Store) -> None:
    with store.transaction() as conn:
        write_actions(
            conn,
            [make_risk().actions[0].model_copy(update={"baf_risk_id": None, "metric_id": None})],
            now=datetime(2025, 1, 1),
            actor="t",
            import_id=None,
        )
    with pytest.raises(ConflictError, match="already exists"):
        _save(store, make_register(make_risk()))
    assert _load(store).risks == ()
