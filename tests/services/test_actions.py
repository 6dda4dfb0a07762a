"""The action tracker: one source for actions of commentary imports and the BAF register,
slippage recorded on re-import, overdue and slipping worked out by hand, who may read and
change an action, and the owners' notifications.

The store holds the board-pack tests' catalogue: RES01 is led by the Chief Operating Officer
(eve approves for that lead), SAF11 by the Chief Nurse.  The Trust Board is a Board forum
(every metric, and the BAF); the Finance and Performance Committee receives the metrics led by
FPC (RES01 among them, not SAF11, led by the Quality and Safety Committee).
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from pack.conftest import FORUMS, UNITS, catalogue
from trustboard.domain import Action, ActionStatus
from trustboard.errors import NotFoundError, OptionsError, PermissionDeniedError
from trustboard.services import actions as tracker
from trustboard.services import narrative as nv
from trustboard.services.users import Role, User, add_user
from trustboard.store import Store
from trustboard.store import actions as stored

COO = "Chief Operating Officer"
EVE = User("eve", Role.EXECUTIVE, (), ())  # approves for the COO: owns the COO's actions
OWEN = User("owen", Role.EXECUTIVE, (), ())  # owns nothing
ANA = User("ana", Role.ANALYST, (), ())
ADAM = User("adam", Role.ADMIN, (), ())
RITA = User("rita", Role.RISK_LEAD, (), ())
BELLA = User("bella", Role.BOARD_MEMBER, ("board",), ())

FIRST = Action(
    id="A-1",
    metric_id="RES01",
    description="Recruit two therapists",
    owner=COO,
    due=date(2025, 3, 15),
    opened=date(2025, 1, 10),
)
LATE = Action(
    id="N-1",
    metric_id="SAF11",
    description="Audit falls assessments",
    owner="Chief Nurse",
    due=date(2025, 3, 10),
    opened=date(2025, 1, 10),
)
DONE = Action(
    id="D-1",
    metric_id="RES01",
    description="Open the waiting-list clinic",
    owner=COO,
    due=date(2025, 2, 1),
    status=ActionStatus.COMPLETE,
    opened=date(2025, 1, 10),
    completed=date(2025, 1, 30),
)
RISK = Action(
    id="R-1",
    baf_risk_id="BAF01",
    description="Agree the winter plan",
    owner=COO,
    due=date(2025, 3, 1),
    opened=date(2025, 1, 10),
)


def _made(url: str) -> Store:
    made, _before, _after = Store.init(url, actor="test")
    made.upsert_catalogue(catalogue(), UNITS, FORUMS, effective=date(2020, 1, 1), source="t")
    for user in (EVE, OWEN, ANA, ADAM, RITA, BELLA):
        add_user(made, user.name, user.role.value, "a long enough passphrase", forums=user.forums)
    nv.set_lead(made, ADAM, COO, "eve")
    made.write_actions([FIRST, LATE, DONE, RISK])
    return made


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The store built once; each test works on its own copy of the file."""
    path = tmp_path_factory.mktemp("actions") / "a.db"
    _made(f"sqlite:///{path}").close()
    return path


@pytest.fixture
def store(built: Path, tmp_path: Path) -> Iterator[Store]:
    copy = tmp_path / "a.db"
    shutil.copyfile(built, copy)
    opened = Store.open(f"sqlite:///{copy}", actor="test")
    yield opened
    opened.close()


def _changes(store: Store, action_id: str) -> list[stored.DueChange]:
    with store.reading() as conn:
        return stored.read_due_changes(conn, action_id)


def test_slipping_and_overdue_are_counted_in_days_by_hand() -> None:
    moved = FIRST.model_copy(update={"due": date(2025, 4, 30), "original_due": date(2025, 3, 15)})
    # 16 days left of March after the 15th, then 30 of April
    assert tracker.slipping_days(moved) == 46
    assert tracker.slipping_days(FIRST) == 0
    # due 30 April, open: on 1 May one day overdue, on 31 May 31 days; not on the day itself
    assert tracker.overdue_days(moved, date(2025, 5, 1)) == 1
    assert tracker.overdue_days(moved, date(2025, 5, 31)) == 31
    assert tracker.overdue_days(moved, date(2025, 4, 30)) == 0
    # a completed action is never overdue
    assert tracker.overdue_days(DONE, date(2025, 5, 31)) == 0


def test_a_re_import_updates_the_one_action_and_records_the_slippage(store: Store) -> None:
    moved = FIRST.model_copy(update={"due": date(2025, 4, 30), "note": "Two posts re-advertised"})
    summary = store.write_actions([moved])
    assert (summary.inserted, summary.revised) == (0, 1)
    [action] = store.actions(["RES01"], include_closed=False)
    assert (action.id, action.original_due, action.due) == (
        "A-1",
        date(2025, 3, 15),
        date(2025, 4, 30),
    )
    [change] = _changes(store, "A-1")
    assert (change.old_due, change.new_due) == (date(2025, 3, 15), date(2025, 4, 30))
    assert change.reason == "Two posts re-advertised"
    assert change.import_id == summary.import_id
    # the same file again: nothing new, no second action, no second change
    again = store.write_actions([moved])
    assert (again.inserted, again.revised, again.unchanged) == (0, 0, 1)
    assert len(store.actions()) == 4
    assert len(_changes(store, "A-1")) == 1


def test_an_action_imported_already_moved_explains_its_slippage(store: Store) -> None:
    store.write_actions(
        [
            Action(
                id="M-1",
                metric_id="RES01",
                description="Validate the list",
                owner=COO,
                due=date(2025, 5, 31),
                original_due=date(2025, 4, 30),
            )
        ]
    )
    [change] = _changes(store, "M-1")
    assert (change.old_due, change.new_due) == (date(2025, 4, 30), date(2025, 5, 31))


def test_needing_attention_for_a_board_in_march(store: Store) -> None:
    store.write_actions([FIRST.model_copy(update={"due": date(2025, 4, 30)})])
    found = tracker.actions_needing_attention(store, "board", "2025-03")
    by_id = {a.action_id: a for a in found}
    # reporting date 31 March: N-1 (due 10 March) 21 days overdue; R-1 (BAF, due 1 March) 30
    # days; A-1 not overdue (due 30 April) but slipping 46 days; D-1 completed in January
    assert set(by_id) == {"N-1", "R-1", "A-1"}
    assert (by_id["R-1"].overdue_days, by_id["R-1"].subject_kind) == (30, "baf_risk")
    assert (by_id["N-1"].overdue_days, by_id["N-1"].slipping_days) == (21, 0)
    assert (by_id["A-1"].overdue_days, by_id["A-1"].slipping_days) == (0, 46)
    assert (by_id["A-1"].first_due, by_id["A-1"].current_due) == (
        date(2025, 3, 15),
        date(2025, 4, 30),
    )
    assert by_id["A-1"].link == "/actions/A-1"
    # most overdue first
    assert [a.action_id for a in found] == ["R-1", "N-1", "A-1"]


def test_needing_attention_for_a_committee_leaves_out_other_metrics_and_the_baf(
    store: Store,
) -> None:
    agenda = set(store.forum_metrics()["fpc"])
    found = tracker.actions_needing_attention(store, "fpc", "2025-03")
    assert "R-1" not in {a.action_id for a in found}
    assert all(a.subject_id in agenda for a in found)
    with pytest.raises(NotFoundError):
        tracker.actions_needing_attention(store, "nowhere", "2025-03")


def test_my_actions_follow_the_approver_mapping_and_others_see_only_theirs(store: Store) -> None:
    mine = {i.action.id for i in tracker.list_actions(store, EVE, tracker.ActionFilter())}
    assert mine == {"A-1", "D-1", "R-1"}  # the COO's, through eve's approver record
    assert tracker.list_actions(store, OWEN, tracker.ActionFilter()) == []
    # a board member asking for every action still gets only their own (none)
    assert tracker.list_actions(store, BELLA, tracker.ActionFilter(owner=COO)) == []
    every = {i.action.id for i in tracker.list_actions(store, ANA, tracker.ActionFilter())}
    assert every == {"A-1", "D-1", "N-1", "R-1"}


def test_filters(store: Store) -> None:
    on = date(2025, 3, 31)

    def ids(**chosen: object) -> set[str]:
        items = tracker.list_actions(store, RITA, tracker.ActionFilter(**chosen), on=on)  # type: ignore[arg-type]
        return {i.action.id for i in items}

    # on 31 March: A-1 (due 15 March), N-1 (10 March) and R-1 (1 March) are open and past due
    assert ids(overdue=True) == {"A-1", "N-1", "R-1"}
    assert ids(status="closed") == {"D-1"}
    assert ids(status="open") == {"A-1", "N-1", "R-1"}
    assert ids(subject="BAF01") == {"R-1"}
    assert ids(owner="Chief Nurse") == {"N-1"}
    assert ids(slipping=True) == set()
    with pytest.raises(OptionsError):
        ids(status="finished")


def test_the_owner_moves_a_date_with_a_reason_and_it_is_kept(store: Store) -> None:
    after = tracker.update_action(
        store, EVE, "A-1", due=date(2025, 4, 30), reason="Interviews moved to April"
    )
    assert after.slipping_days == 46
    [change] = _changes(store, "A-1")
    assert (change.actor, change.reason) == ("eve", "Interviews moved to April")
    [entry] = store.audit(action="action.update")
    assert entry.actor == "eve" and entry.entity_id == "A-1"
    assert entry.before["due"] == "2025-03-15" and entry.after["due"] == "2025-04-30"
    page = tracker.action_page(store, EVE, "A-1")
    assert [c.new_due for c in page.due_changes] == [date(2025, 4, 30)]
    assert page.history[-1].due == date(2025, 4, 30)


def test_a_new_date_without_a_reason_is_refused_and_changes_nothing(store: Store) -> None:
    before = store.row_counts()
    with pytest.raises(OptionsError, match="needs a reason"):
        tracker.update_action(store, EVE, "A-1", due=date(2025, 4, 30), reason="  ")
    assert store.row_counts() == before
    assert {a.id: a.due for a in store.actions(["RES01"])}["A-1"] == date(2025, 3, 15)


def test_forbidden_changes_change_nothing_and_are_audited(store: Store) -> None:
    before = store.row_counts()
    # Owen may not read A-1: told "not found", so the refusal does not confirm that it exists
    with pytest.raises(NotFoundError):
        tracker.update_action(store, OWEN, "A-1", status="complete")
    # a risk lead reads every action but changes BAF actions only
    with pytest.raises(PermissionDeniedError):
        tracker.update_action(store, RITA, "N-1", evidence="done")
    after = store.row_counts()
    assert after["audit_log"] == before["audit_log"] + 2
    assert {k: v for k, v in after.items() if k != "audit_log"} == {
        k: v for k, v in before.items() if k != "audit_log"
    }
    assert [e.action for e in store.audit()[:2]] == ["web.refused", "web.refused"]
    # a non-owner cannot read the action's page either
    with pytest.raises(NotFoundError):
        tracker.action_page(store, OWEN, "A-1")


def test_status_and_evidence_complete_an_action(store: Store) -> None:
    done = tracker.update_action(
        store, RITA, "R-1", status="complete", evidence="Plan agreed at Board, 2 March"
    )
    assert done.action.status is ActionStatus.COMPLETE
    assert done.action.completed is not None and done.evidence == "Plan agreed at Board, 2 March"
    with pytest.raises(OptionsError):
        tracker.update_action(store, ANA, "R-1", status="finished")


def test_slipping_tells_the_owner_but_not_the_one_who_moved_it(store: Store) -> None:
    tracker.update_action(store, ANA, "A-1", due=date(2025, 4, 30), reason="Interviews moved")
    from trustboard.services import notify

    [told] = notify.inbox(store, EVE)
    assert (told.kind, told.link) == ("action.slipping", "/actions/A-1")
    assert "2025-04-30" in told.subject and "46 days" in told.subject
    assert notify.inbox(store, ANA) == []
    # eve moving her own action is not told of it
    tracker.update_action(store, EVE, "A-1", due=date(2025, 5, 15), reason="Again")
    assert len(notify.inbox(store, EVE)) == 1


def test_reminders_are_sent_once_per_due_date(store: Store) -> None:
    from trustboard.services import notify

    added = tracker.remind(store, on=date(2025, 3, 31))
    # eve owns the COO's open actions: A-1 (due 15 March, 16 days) and R-1 (due 1 March)
    assert sorted((n.recipient, n.kind, n.link) for n in added) == [
        ("eve", "action.overdue", "/actions/A-1"),
        ("eve", "action.overdue", "/actions/R-1"),
    ]
    assert tracker.remind(store, on=date(2025, 4, 1)) == []
    assert notify.unread_count(store, "eve") == 2
    assert notify.mark_read(store, OWEN) == 0  # nobody marks another's notifications
    assert notify.unread_count(store, "eve") == 2
    assert notify.mark_read(store, EVE, [added[0].id]) == 1
    assert notify.unread_count(store, "eve") == 1


def test_the_command_line_lists_and_reminds(store: Store) -> None:
    from cliruns import run

    url = store.engine.url.render_as_string(hide_password=False)
    listed = run(["actions", "list", "--overdue", "--on", "2025-03-31", "-d", url])
    assert listed.exit_code == 0, listed.output
    lines = sorted(listed.stdout.splitlines())
    assert lines == [
        "A-1\tRES01\tChief Operating Officer\tfirst due 2025-03-15\tdue 2025-03-15"
        "\tslipped 0 days\toverdue 16 days\ton_track",
        "N-1\tSAF11\tChief Nurse\tfirst due 2025-03-10\tdue 2025-03-10"
        "\tslipped 0 days\toverdue 21 days\ton_track",
        "R-1\trisk BAF01\tChief Operating Officer\tfirst due 2025-03-01\tdue 2025-03-01"
        "\tslipped 0 days\toverdue 30 days\ton_track",
    ]
    reminded = run(["actions", "remind", "--on", "2025-03-31", "-d", url])
    assert reminded.exit_code == 0 and reminded.stdout.strip() == "2 notifications added"
    bad = run(["actions", "list", "--status", "finished", "-d", url])
    assert bad.exit_code != 0 and "no action status 'finished'" in bad.stderr


def test_the_pack_shows_a_date_an_import_moved_as_first_and_current_due(tmp_path: Path) -> None:
    from pack.conftest import COMPLETE_PAPER, _filled
    from trustboard.services.pack import build_pack

    filled = _filled(tmp_path / "pack.db")
    pack_store = next(filled)
    # the fixture's A-1 was first due 31 May 2025 and is now due 30 June; a file moves it again
    [fixture_action] = [a for a in pack_store.actions() if a.id == "A-1"]
    moved = fixture_action.model_copy(
        update={"due": date(2025, 7, 31), "note": "Second round of interviews"}
    )
    pack_store.write_actions([moved])
    out = build_pack(
        pack_store, "board", "2025-03", tmp_path / "out", config=COMPLETE_PAPER, pdf=False
    )
    row = out.html[out.html.index("Recruit two therapists") :]
    row = row[: row.index("</tr>")]
    # 31 May to 31 July: 30 days of June and 31 of July
    assert "31 May 2025" in row and "31 July 2025" in row and "61 days later" in row
    assert "Second round of interviews" in row
    # the first change explains the slippage the fixture's file already carried
    assert [(c.old_due, c.new_due) for c in _changes(pack_store, "A-1")] == [
        (date(2025, 5, 31), date(2025, 6, 30)),
        (date(2025, 6, 30), date(2025, 7, 31)),
    ]
    pack_store.close()
