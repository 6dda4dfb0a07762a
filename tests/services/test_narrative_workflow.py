"""Narrative written and approved: states and steps, the two-editor conflict, approval rights,
the audit log, and the approved text reaching the pack's commentary.

The store holds the board-pack tests' catalogue (RES01 is led by the Chief Operating Officer,
SAF11 by the Chief Nurse) and last month's (February 2025) approved commentary for RES01.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from pack.conftest import FORUMS, UNITS, catalogue, value_rows
from trustboard.domain import Commentary
from trustboard.errors import (
    ConflictError,
    NotFoundError,
    OptionsError,
    PermissionDeniedError,
)
from trustboard.services import narrative as nv
from trustboard.services.users import Role, User, add_user
from trustboard.store import Store

PERIOD = "2025-03"
COO = "Chief Operating Officer"

EVE = User("eve", Role.EXECUTIVE, (), ())  # writes; approves for the COO (set below)
OWEN = User("owen", Role.EXECUTIVE, (), ())  # writes; approves nothing
ANA = User("ana", Role.ANALYST, (), ())
ADAM = User("adam", Role.ADMIN, (), ())
BELLA = User("bella", Role.BOARD_MEMBER, ("public-board",), ())
RITA = User("rita", Role.RISK_LEAD, (), ())


def _made(url: str) -> Store:
    made, _before, _after = Store.init(url, actor="test")
    made.upsert_catalogue(catalogue(), UNITS, FORUMS, effective=date(2020, 1, 1), source="t")
    made.write_values(value_rows())
    made.write_commentary(
        [
            Commentary(
                metric_id="RES01",
                period="2025-02",
                sections={"summary": "February: 70% within 6 weeks.", "actions": "Recruit."},
            )
        ]
    )
    for user in (EVE, OWEN, ADAM):
        add_user(made, user.name, user.role.value, "a long enough passphrase")
    nv.set_lead(made, ADAM, COO, "eve")
    return made


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    made = _made(f"sqlite:///{tmp_path / 'n.db'}")
    yield made
    made.close()


@pytest.fixture
def store_any(store_url: str) -> Iterator[Store]:
    """The same store on each engine (SQLite, and PostgreSQL when a server answers)."""
    made = _made(store_url)
    yield made
    made.close()


def _rows(store: Store) -> dict[str, int]:
    return store.row_counts()


def test_a_draft_starts_from_last_month_s_text_and_is_audited(store: Store) -> None:
    start = nv.start_draft(store, EVE, "RES01", PERIOD)
    assert start.created and start.source == "last period's commentary (2025-02)"
    first = start.version
    assert (first.version, first.based_on, first.state, first.author) == (1, None, "draft", "eve")
    assert first.sections == {"summary": "February: 70% within 6 weeks.", "actions": "Recruit."}
    # a second start changes nothing and says so
    again = nv.start_draft(store, ANA, "RES01", PERIOD)
    assert not again.created and again.version.version == 1
    [entry] = store.audit(action="narrative.start")
    assert (entry.actor, entry.entity, entry.entity_id) == ("eve", "narrative", "RES01/2025-03/")
    assert entry.before is None and entry.after["state"] == "draft"


def test_a_draft_starts_from_last_month_s_approved_narrative_first(store: Store) -> None:
    nv.start_draft(store, EVE, "SAF11", "2025-02")
    nv.save(store, EVE, "SAF11", "2025-02", {"summary": "Falls fell."}, based_on=1)
    nv.submit(store, EVE, "SAF11", "2025-02", based_on=2)
    nv.approve(store, ADAM, "SAF11", "2025-02", based_on=3)
    start = nv.start_draft(store, EVE, "SAF11", PERIOD)
    assert start.source == "the approved narrative of 2025-02 (version 4)"
    assert start.version.sections == {"summary": "Falls fell."}


def test_the_whole_path_draft_submit_return_save_submit_approve_lock(store_any: Store) -> None:
    store = store_any
    nv.start_draft(store, EVE, "RES01", PERIOD)
    v2 = nv.save(store, ANA, "RES01", PERIOD, {"summary": "March: 64%.\r\n"}, based_on=1)
    assert (v2.version, v2.based_on, v2.state, v2.sections) == (
        2,
        1,
        "draft",
        {"summary": "March: 64%."},
    )
    v3 = nv.submit(store, ANA, "RES01", PERIOD, based_on=2)
    assert v3.state == "submitted" and v3.sections == v2.sections
    v4 = nv.return_for_changes(store, EVE, "RES01", PERIOD, "Say why.", based_on=3)
    assert (v4.state, v4.reviewer, v4.review_comment) == ("returned", "eve", "Say why.")
    v5 = nv.save(
        store,
        ANA,
        "RES01",
        PERIOD,
        {"summary": "March: 64%.", "root_causes": "Sickness."},
        based_on=4,
    )
    nv.submit(store, ANA, "RES01", PERIOD, based_on=5)
    v7 = nv.approve(store, EVE, "RES01", PERIOD, based_on=6)
    assert (v7.state, v7.approver, v7.sections) == ("approved", "eve", v5.sections)
    # the approved text is the pack's commentary now, authored by who submitted it
    [commentary] = store.commentary(["RES01"], period=PERIOD)
    assert commentary.sections == {"summary": "March: 64%.", "root_causes": "Sickness."}
    assert commentary.author == "ana"
    locked = nv.lock_published(store, ["RES01", "SAF11"], PERIOD, actor="publish")
    assert [(v.metric_id, v.version, v.state) for v in locked] == [("RES01", 8, "locked")]
    # every version is kept, in order, with its author
    assert [(v.version, v.state, v.author) for v in nv.history(store, "RES01", PERIOD)] == [
        (1, "draft", "eve"),
        (2, "draft", "ana"),
        (3, "submitted", "ana"),
        (4, "returned", "eve"),
        (5, "draft", "ana"),
        (6, "submitted", "ana"),
        (7, "approved", "eve"),
        (8, "locked", "publish"),
    ]
    audited = [a.action for a in reversed(store.audit(entity="narrative"))]
    assert audited == [
        "narrative.start",
        "narrative.save",
        "narrative.submit",
        "narrative.return",
        "narrative.save",
        "narrative.submit",
        "narrative.approve",
        "narrative.lock",
    ]
    # a second lock finds nothing approved and writes nothing
    before = _rows(store)
    assert nv.lock_published(store, ["RES01"], PERIOD, actor="publish") == []
    assert _rows(store) == before


@pytest.mark.parametrize(
    ("path", "step"),
    [
        ([], "approve"),  # a draft is not approved before it is submitted
        ([], "return"),
        (["submit"], "save"),  # a submitted narrative is with the approver
        (["submit"], "submit"),
        (["submit", "approve"], "approve"),
        (["submit", "approve"], "submit"),  # approved text is edited first
        (["submit", "approve", "lock"], "save"),  # locked for ever
        (["submit", "approve", "lock"], "return"),
    ],
)
def test_illegal_steps_are_refused_and_change_nothing(
    store: Store, path: list[str], step: str
) -> None:
    nv.start_draft(store, EVE, "RES01", PERIOD)
    version = 1
    for done in path:
        if done == "submit":
            nv.submit(store, EVE, "RES01", PERIOD, based_on=version)
        elif done == "approve":
            nv.approve(store, EVE, "RES01", PERIOD, based_on=version)
        else:
            nv.lock_published(store, ["RES01"], PERIOD, actor="publish")
        version += 1
    before = _rows(store)
    with pytest.raises(ConflictError) as caught:
        if step == "save":
            nv.save(store, EVE, "RES01", PERIOD, {"summary": "x"}, based_on=version)
        elif step == "submit":
            nv.submit(store, EVE, "RES01", PERIOD, based_on=version)
        elif step == "approve":
            nv.approve(store, EVE, "RES01", PERIOD, based_on=version)
        else:
            nv.return_for_changes(store, EVE, "RES01", PERIOD, "no", based_on=version)
    assert caught.value.code == "TB-CONFLICT"
    assert "cannot be" in caught.value.message
    assert _rows(store) == before


def test_approved_text_edited_again_is_a_new_draft_to_approve(store: Store) -> None:
    nv.start_draft(store, EVE, "RES01", PERIOD)
    nv.submit(store, EVE, "RES01", PERIOD, based_on=1)
    nv.approve(store, EVE, "RES01", PERIOD, based_on=2)
    v4 = nv.save(store, EVE, "RES01", PERIOD, {"summary": "Changed."}, based_on=3)
    assert v4.state == "draft"
    # nothing to lock: the latest text is not approved
    assert nv.lock_published(store, ["RES01"], PERIOD, actor="publish") == []


def test_the_second_of_two_editors_is_refused_and_nothing_is_lost(store_any: Store) -> None:
    store = store_any
    nv.start_draft(store, EVE, "RES01", PERIOD)
    # both opened version 1; Ana saves first
    nv.save(store, ANA, "RES01", PERIOD, {"summary": "Ana's text."}, based_on=1)
    before = _rows(store)
    with pytest.raises(nv.NarrativeConflict) as caught:
        nv.save(store, EVE, "RES01", PERIOD, {"summary": "Eve's text."}, based_on=1)
    conflict = caught.value
    assert conflict.code == "TB-CONFLICT"
    assert conflict.mine == {"summary": "Eve's text."} and conflict.based_on == 1
    assert (conflict.theirs.version, conflict.theirs.author) == (2, "ana")
    assert conflict.theirs.sections == {"summary": "Ana's text."}
    # Ana's version stands; Eve's refused text is kept in the audit log
    assert nv.latest(store, "RES01", PERIOD).sections == {"summary": "Ana's text."}  # type: ignore[union-attr]
    after = _rows(store)
    assert after["narrative_version"] == before["narrative_version"]
    [kept] = store.audit(action="narrative.conflict")
    assert kept.actor == "eve" and kept.after["sections"] == {"summary": "Eve's text."}
    assert kept.after["based_on"] == 1 and kept.before == {"version": 2}
    # based on the latest, Eve's save goes through
    v3 = nv.save(store, EVE, "RES01", PERIOD, {"summary": "Both."}, based_on=2)
    assert v3.version == 3


def test_an_approval_based_on_an_old_version_is_a_conflict(store: Store) -> None:
    nv.start_draft(store, EVE, "RES01", PERIOD)
    nv.submit(store, ANA, "RES01", PERIOD, based_on=1)
    with pytest.raises(nv.NarrativeConflict):
        nv.approve(store, EVE, "RES01", PERIOD, based_on=1)
    assert nv.latest(store, "RES01", PERIOD).state == "submitted"  # type: ignore[union-attr]


def test_only_the_executive_lead_a_delegate_or_an_admin_approves(store: Store) -> None:
    assert nv.may_approve(store, EVE, "RES01")  # the COO's account
    assert not nv.may_approve(store, EVE, "SAF11")  # led by the Chief Nurse
    assert not nv.may_approve(store, OWEN, "RES01")
    assert not nv.may_approve(store, ANA, "RES01")
    assert nv.may_approve(store, ADAM, "SAF11")
    nv.start_draft(store, ANA, "RES01", PERIOD)
    nv.submit(store, ANA, "RES01", PERIOD, based_on=1)
    before = _rows(store)
    for who in (OWEN, ANA):
        with pytest.raises(PermissionDeniedError, match="only Chief Operating Officer"):
            nv.approve(store, who, "RES01", PERIOD, based_on=2)
        with pytest.raises(PermissionDeniedError):
            nv.return_for_changes(store, who, "RES01", PERIOD, "no", based_on=2)
    after = _rows(store)
    assert after["narrative_version"] == before["narrative_version"]
    assert after["commentary"] == before["commentary"]
    refused = [a for a in store.audit(action="web.refused")]
    assert len(refused) == 4 and {a.actor for a in refused} == {"owen", "ana"}
    # a delegate recorded by an admin may approve
    nv.set_lead(store, ADAM, COO, "owen", delegate=True)
    assert nv.approve(store, OWEN, "RES01", PERIOD, based_on=2).approver == "owen"
    [grant] = [a for a in store.audit(action="narrative.lead") if a.after["user_name"] == "owen"]
    assert grant.actor == "adam" and grant.after["delegate"] is True


def test_roles_that_do_not_write_narrative_are_refused(store: Store) -> None:
    before = _rows(store)
    for who in (BELLA, RITA):
        with pytest.raises(PermissionDeniedError):
            nv.start_draft(store, who, "RES01", PERIOD)
    with pytest.raises(PermissionDeniedError):
        nv.set_lead(store, EVE, COO, "eve")
    after = _rows(store)
    assert after["narrative_version"] == before["narrative_version"] == 0
    assert after["narrative_lead"] == before["narrative_lead"]


def test_a_return_needs_a_comment_and_sections_must_be_known(store: Store) -> None:
    nv.start_draft(store, EVE, "RES01", PERIOD)
    with pytest.raises(OptionsError, match="unknown narrative section 'bogus'"):
        nv.save(store, EVE, "RES01", PERIOD, {"bogus": "x"}, based_on=1)
    nv.submit(store, EVE, "RES01", PERIOD, based_on=1)
    with pytest.raises(OptionsError, match="review comment"):
        nv.return_for_changes(store, EVE, "RES01", PERIOD, "   ", based_on=2)
    with pytest.raises(NotFoundError):
        nv.start_draft(store, EVE, "NOPE", PERIOD)
    with pytest.raises(NotFoundError, match="has not been started"):
        nv.submit(store, EVE, "SAF11", PERIOD, based_on=1)


def test_a_diff_shows_each_changed_section_line_by_line() -> None:
    old = {"summary": "One.\nTwo.\nThree.", "actions": "Same."}
    new = {"summary": "One.\nTwo, changed.\nThree.", "actions": "Same.", "risks": "New."}
    diffs = nv.diff_sections(old, new)
    assert [d.key for d in diffs] == ["summary", "risks"]  # the pack's order; actions unchanged
    summary = [(line.kind, line.text) for line in diffs[0].lines if line.kind != "@"]
    assert summary == [(" ", "One."), ("-", "Two."), ("+", "Two, changed."), (" ", "Three.")]
    assert [(line.kind, line.text) for line in diffs[1].lines if line.kind != "@"] == [
        ("+", "New.")
    ]


def test_publishing_the_pack_locks_its_approved_narrative(tmp_path: Path) -> None:
    from pack.conftest import COMPLETE_PAPER, _filled
    from trustboard.services.publish import publish_pack

    filled = _filled(tmp_path / "pack.db")
    store = next(filled)
    # RES01's March narrative is approved (version 1); edited, submitted and approved again
    nv.save(store, ANA, "RES01", PERIOD, {"summary": "Edited after approval."}, based_on=1)
    nv.submit(store, ANA, "RES01", PERIOD, based_on=2)
    nv.approve(store, ADAM, "RES01", PERIOD, based_on=3)
    # SAF11's narrative is still a draft: publishing leaves it as it is
    nv.start_draft(store, ANA, "SAF11", PERIOD)
    publish_pack(store, "board", PERIOD, tmp_path / "out", config=COMPLETE_PAPER, pdf=False)
    assert [(v.version, v.state) for v in nv.history(store, "RES01", PERIOD)][-1] == (5, "locked")
    assert nv.latest(store, "SAF11", PERIOD).state == "draft"  # type: ignore[union-attr]
    with pytest.raises(ConflictError, match="locked"):
        nv.save(store, ANA, "RES01", PERIOD, {"summary": "Later."}, based_on=5)
    store.close()


def test_what_changed_is_read_from_the_pack_s_section() -> None:
    from types import SimpleNamespace

    from trustboard.render.pack.model import MetricSection, Revision, SeriesPoint, SummaryRow

    def summary(variation: str, assurance: str) -> SummaryRow:
        return SummaryRow(
            date(2025, 3, 1), 0.64, "64.0%", 24, 0.7, 0.6, 0.8, 0.75, "up", variation, assurance
        )

    section = MetricSection(
        definition=catalogue()[0],
        points=(
            SeriesPoint(date(2025, 2, 1), 0.7, "70.0%"),
            SeriesPoint(
                date(2025, 3, 1),
                0.64,
                "64.0%",
                special_cause_type="Special Cause Concerning",
                provisional=True,
            ),
        ),
        summary=summary("concern_low", "fail"),
        previous_summary=summary("common_cause", "inconsistent"),
        statement="",
        exception_reasons=("Special cause concern at the latest point",),
    )
    model = SimpleNamespace(
        revisions=(
            Revision("RES01", "TT", "February 2025", "70.0%", "71.0%", "February 2025 pack"),
            Revision("SAF11", "Falls", "February 2025", "5.0", "5.5", "February 2025 pack"),
        )
    )
    assert nv.data_changes(model, section) == [  # type: ignore[arg-type]
        "New point for 2025-03-01: 64.0% (Special Cause Concerning), provisional",
        "Variation icon changed: Common cause variation → Special cause concern (low values)",
        "Assurance icon changed: Target met inconsistently (hit and miss) → "
        "Target consistently not met",
        "Exception rule: Special cause concern at the latest point",
        "Revised figure for February 2025: published 70.0% in February 2025 pack, now 71.0%",
    ]


def test_two_writers_racing_for_one_version_number_get_a_conflict(
    store_any: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = store_any
    # On an engine that does not serialise writers (PostgreSQL), Eve's save may read the
    # narrative before Ana's save commits: simulated here by Eve's first read leaving out
    # Ana's version.  The store's unique version number refuses Eve's write, and the save is
    # read again and refused as a conflict carrying both versions.
    from trustboard.store import narrative_versions as stored

    nv.start_draft(store, EVE, "RES01", PERIOD)
    nv.save(store, ANA, "RES01", PERIOD, {"summary": "Ana's."}, based_on=1)
    fresh = stored.read_versions
    reads: list[int] = []

    def read_before_ana(conn, **kw):  # type: ignore[no-untyped-def]
        found = fresh(conn, **kw)
        reads.append(len(found))
        return found[:1] if len(reads) == 1 else found

    monkeypatch.setattr(stored, "read_versions", read_before_ana)
    with pytest.raises(nv.NarrativeConflict) as caught:
        nv.save(store, EVE, "RES01", PERIOD, {"summary": "Eve's."}, based_on=1)
    monkeypatch.setattr(stored, "read_versions", fresh)
    assert reads == [2, 2]  # read twice: the write in between was refused
    assert caught.value.theirs.sections == {"summary": "Ana's."}
    assert caught.value.mine == {"summary": "Eve's."}
    assert [v.author for v in nv.history(store, "RES01", PERIOD)] == ["eve", "ana"]
    [kept] = store.audit(action="narrative.conflict")
    assert kept.after["sections"] == {"summary": "Eve's."}
