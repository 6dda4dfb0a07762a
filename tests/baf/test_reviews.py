"""Reviews accepted by a committee, revisions of a risk, and the risks awaiting review."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from trustboard.domain.baf import ReviewEntry, RiskScore
from trustboard.errors import ConflictError, ErrorCode, OptionsError
from trustboard.ingest.baf_register import read_register, write_register
from trustboard.services.baf import awaiting_review, record_review, risks_awaiting_review
from trustboard.store import Store
from trustboard.store import baf as store_baf
from trustboard.store.audit import read_audit

from .builders import make_register, make_risk

ACCEPTED = (
    {
        "date": date(2025, 6, 30),
        "current": {"likelihood": 3, "consequence": 4},
        "rationale": "Set",
        "reviewer": "Chief Operating Officer",
        "committee": "fpc",
    },
)


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    """A fresh store on each engine (SQLite, PostgreSQL)."""
    created, _before, _after = Store.init(store_url, actor="tester")
    yield created
    created.close()


def test_a_review_s_committee_survives_yaml_excel_and_the_store(
    store: Store, tmp_path: Path
) -> None:
    register = make_register(make_risk(history=ACCEPTED))
    for suffix in ("yaml", "xlsx"):
        assert read_register(write_register(register, tmp_path / f"r.{suffix}")) == register
    with store.transaction() as conn:
        store_baf.save_register(conn, register, actor="tester")
    with store.reading() as conn:
        back = store_baf.load_register(conn)
    last = back.risks[0].last_review
    assert last is not None and last.committee == "fpc"


def test_awaiting_review_names_overdue_and_unaccepted_risks() -> None:
    register = make_register(
        # accepted, next review in the future: not awaiting
        make_risk(id="BAF-01", history=ACCEPTED, next_review=date(2025, 9, 30)),
        # accepted, but the next review date passed
        make_risk(id="BAF-02", history=ACCEPTED, next_review=date(2025, 7, 31)),
        # the latest review names no committee (builders' two reviews have none)
        make_risk(id="BAF-03", next_review=date(2025, 12, 31)),
        # never reviewed
        make_risk(id="BAF-04", history=(), next_review=None),
    )
    found = awaiting_review(register, date(2025, 8, 1))
    assert [(r.risk_id, r.overdue, r.unaccepted) for r in found] == [
        ("BAF-02", True, False),
        ("BAF-03", False, True),
        ("BAF-04", False, True),
    ]
    assert found[0].reasons == ("review was due on 31 Jul 2025",)
    assert found[1].reasons == ("the 30 Sep 2025 review is not accepted by a committee",)
    assert found[2].reasons == ("never reviewed",)
    # a review due on the day itself is not yet overdue
    assert [r.risk_id for r in awaiting_review(register, date(2025, 7, 31))] == [
        "BAF-03",
        "BAF-04",
    ]


def test_risks_awaiting_review_reads_the_store(store: Store) -> None:
    with store.transaction() as conn:
        store_baf.save_register(
            conn, make_register(make_risk(history=ACCEPTED, next_review=date(2025, 9, 30)))
        )
    assert risks_awaiting_review(store, date(2025, 9, 30)) == []
    assert [r.risk_id for r in risks_awaiting_review(store, date(2025, 10, 1))] == ["BAF-01"]


def test_each_change_is_a_revision_and_a_stale_save_changes_nothing(store: Store) -> None:
    risk = make_risk()
    with store.transaction() as conn:
        store_baf.save_register(conn, make_register(risk), actor="importer", source="r.yaml")
    with store.reading() as conn:
        assert store_baf.risk_revision(conn, "BAF-01") == 1
    edited = risk.model_copy(update={"title": "Access to community services"})
    with store.transaction() as conn:
        assert store_baf.save_risk(conn, edited, based_on=1, actor="rita", source="web") == 2
    stale = risk.model_copy(update={"title": "Waiting for community services"})
    with pytest.raises(ConflictError) as refused, store.transaction() as conn:
        store_baf.save_risk(conn, stale, based_on=1, actor="eve", source="web")
    assert refused.value.code == ErrorCode.BAF_EDIT_CONFLICT
    with store.reading() as conn:
        revisions = store_baf.read_revisions(conn, "BAF-01")
        stored = store_baf.load_register(conn).risks[0]
    assert [(r.revision, r.actor, r.source, r.risk.title) for r in revisions] == [
        (1, "importer", "r.yaml", "Access to services"),
        (2, "rita", "web", "Access to community services"),
    ]
    assert stored.title == "Access to community services"
    with store.reading() as conn:
        changes = read_audit(conn, action="baf.risk.change")
    assert len(changes) == 1 and changes[0].actor == "rita"
    # a review is a revision too
    review = ReviewEntry(
        date=date(2025, 12, 31),
        current=RiskScore(likelihood=3, consequence=3),
        rationale="Recruitment complete",
        committee="fpc",
    )
    with store.transaction() as conn:
        store_baf.record_review(conn, "BAF-01", review, actor="rita")
        assert store_baf.risk_revision(conn, "BAF-01") == 3


def test_a_review_s_committee_must_be_a_forum_of_the_catalogue(tmp_path: Path) -> None:
    from pack.conftest import FORUMS, UNITS, catalogue

    url = f"sqlite:///{tmp_path / 'catalogue.db'}"
    store, _before, _after = Store.init(url, actor="tester")
    store.upsert_catalogue(catalogue(), UNITS, FORUMS, effective=date(2020, 1, 1), source="test")
    with store.transaction() as conn:
        store_baf.save_register(conn, make_register(make_risk()), actor="tester")
    store.close()
    review = {
        "likelihood": 3,
        "consequence": 3,
        "rationale": "Recruitment complete",
        "review_date": date(2025, 12, 31),
        "database": url,
    }
    with pytest.raises(OptionsError) as refused:
        record_review("BAF-01", committee="audit", **review)  # type: ignore[arg-type]
    assert refused.value.code == ErrorCode.BAF_REVIEW
    risk = record_review("BAF-01", committee="fpc", **review)  # type: ignore[arg-type]
    assert risk.history[-1].committee == "fpc"
