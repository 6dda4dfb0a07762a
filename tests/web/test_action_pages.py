"""The action and notification pages: my actions and every action by role, filters, the action
page with its due-date history, changes by role with CSRF and audit, and the header's badge.

In the web tests' store P-1 is the private metric's action (owned by the Director of People,
its description carries the private marker).  Below, A-9 is added on RES01 for the Chief
Operating Officer, for whom eve approves, due 15 March 2025; R-9 on BAF risk BAF01.
"""

from __future__ import annotations

from datetime import date

import pytest
from fastapi.testclient import TestClient

from conftest import MARK, make_client, sign_in
from trustboard.domain import Action
from trustboard.services import narrative as nv
from trustboard.services.users import Role, User
from trustboard.store import Store
from trustboard.store import actions as stored

ADAM = User("adam", Role.ADMIN, (), ())
COO = "Chief Operating Officer"


def _setup(store: Store) -> None:
    nv.set_lead(store, ADAM, COO, "eve")
    store.write_actions(
        [
            Action(
                id="A-9",
                metric_id="RES01",
                description="Recruit two therapists",
                owner=COO,
                due=date(2025, 3, 15),
            ),
            Action(
                id="R-9",
                baf_risk_id="BAF01",
                description="Agree the winter plan",
                owner="Chief Executive",
                due=date(2025, 3, 1),
            ),
        ]
    )


def _client(url: str, name: str) -> tuple[TestClient, str]:
    client = make_client(url)
    return client, sign_in(client, name)


def _due(store: Store, action_id: str) -> date:
    return {a.id: a.due for a in store.actions()}[action_id]


def test_my_actions_and_every_action_by_role(app_url: str, web_store: Store) -> None:
    _setup(web_store)
    eve, _ = _client(app_url, "eve")
    mine = eve.get("/actions")
    assert mine.status_code == 200
    assert "Recruit two therapists" in mine.text and 'href="/actions/A-9"' in mine.text
    assert "winter plan" not in mine.text and MARK not in mine.text
    # a board member owns nothing and sees nothing, whatever the filter asks
    bella, _ = _client(app_url, "bella")
    theirs = bella.get("/actions?owner=Director+of+People")
    assert theirs.status_code == 200
    assert "No action matches." in theirs.text and MARK not in theirs.text
    # the analyst sees every action, and filters them
    ana, _ = _client(app_url, "ana")
    every = ana.get("/actions").text
    assert all(x in every for x in ("A-9", "R-9", "P-1"))
    assert "BAF risk BAF01" in every
    only_baf = ana.get("/actions?subject=BAF01").text
    assert "R-9" in only_baf and "A-9" not in only_baf
    by_owner = ana.get("/actions?owner=Chief+Operating+Officer").text
    assert "A-9" in by_owner and "R-9" not in by_owner
    assert "P-1" not in ana.get("/actions?slipping=yes").text
    assert ana.get("/actions?status=finished").status_code == 400


def test_the_owner_moves_a_date_with_a_reason_and_the_page_shows_it(
    app_url: str, web_store: Store
) -> None:
    _setup(web_store)
    eve, csrf = _client(app_url, "eve")
    answer = eve.post(
        "/actions/A-9",
        data={
            "csrf_token": csrf,
            "status": "at_risk",
            "due": "2025-04-30",
            "reason": "Interviews moved to April",
        },
    )
    assert answer.status_code == 303 and answer.headers["location"] == "/actions/A-9"
    assert _due(web_store, "A-9") == date(2025, 4, 30)
    with web_store.reading() as conn:
        [change] = stored.read_due_changes(conn, "A-9")
    assert (change.actor, change.reason) == ("eve", "Interviews moved to April")
    [entry] = web_store.audit(action="action.update")
    assert entry.actor == "eve" and entry.after["status"] == "at_risk"
    page = eve.get("/actions/A-9").text
    assert "Interviews moved to April" in page
    assert "46 days later than first promised" in page  # 15 March to 30 April


def test_a_new_date_without_a_reason_is_shown_again_and_nothing_changes(
    app_url: str, web_store: Store
) -> None:
    _setup(web_store)
    before = web_store.row_counts()
    eve, csrf = _client(app_url, "eve")
    answer = eve.post("/actions/A-9", data={"csrf_token": csrf, "due": "2025-04-30"})
    assert answer.status_code == 400 and "needs a reason" in answer.text
    assert eve.post("/actions/A-9", data={"csrf_token": csrf, "due": "30/04"}).status_code == 400
    after = web_store.row_counts()
    assert {k: v for k, v in after.items() if k not in ("audit_log", "web_session")} == {
        k: v for k, v in before.items() if k not in ("audit_log", "web_session")
    }
    assert _due(web_store, "A-9") == date(2025, 3, 15)


@pytest.mark.parametrize(
    ("name", "action_id", "expected"),
    [
        # who may not read the action is told "not found", as its page tells them
        ("bella", "A-9", 404),  # a board member owns nothing
        ("dara", "A-9", 404),
        ("rita", "A-9", 403),  # a risk lead reads every action, changes BAF actions only
        ("eve", "R-9", 404),  # not the Chief Executive's account
        ("rita", "R-9", 303),
        ("ana", "A-9", 303),
        ("adam", "R-9", 303),
    ],
)
def test_who_may_change_an_action(
    app_url: str, web_store: Store, name: str, action_id: str, expected: int
) -> None:
    _setup(web_store)
    client, csrf = _client(app_url, name)
    before = {a.id: a for a in web_store.actions()}
    answer = client.post(f"/actions/{action_id}", data={"csrf_token": csrf, "status": "complete"})
    assert answer.status_code == expected
    after = {a.id: a for a in web_store.actions()}
    if expected in (403, 404):
        assert after == before
        assert web_store.audit(action="web.refused")[0].actor == name
    else:
        assert after[action_id].status.value == "complete"


def test_a_post_without_the_csrf_token_is_refused_and_changes_nothing(
    app_url: str, web_store: Store
) -> None:
    _setup(web_store)
    ana, _csrf = _client(app_url, "ana")
    for token in ("", "wrong"):
        answer = ana.post("/actions/A-9", data={"csrf_token": token, "status": "complete"})
        assert answer.status_code == 403
    assert {a.id: a.status.value for a in web_store.actions()}["A-9"] == "on_track"
    assert ana.post("/notifications", data={"csrf_token": "wrong"}).status_code == 403
    refused = web_store.audit(action="web.refused")
    assert len(refused) == 3 and refused[0].after["reason"] == "missing or wrong CSRF token"


def test_someone_else_s_action_page_is_not_found(app_url: str, web_store: Store) -> None:
    _setup(web_store)
    eve, _ = _client(app_url, "eve")
    answer = eve.get("/actions/P-1")
    assert answer.status_code == 404 and MARK not in answer.text
    assert eve.get("/actions/A-9").status_code == 200
    # the owner's page offers the form; the analyst's too
    assert 'name="reason"' in eve.get("/actions/A-9").text


def test_the_badge_counts_unread_notifications_until_they_are_read(
    app_url: str, web_store: Store
) -> None:
    _setup(web_store)
    eve, eve_csrf = _client(app_url, "eve")
    assert "unread</span>" not in eve.get("/").text
    ana, csrf = _client(app_url, "ana")
    ana.post("/actions/A-9", data={"csrf_token": csrf, "due": "2025-04-30", "reason": "Panel"})
    home = eve.get("/").text
    assert '<span class="tag">1<span class="visually-hidden"> unread</span></span>' in home
    listed = eve.get("/notifications").text
    assert 'href="/actions/A-9"' in listed and "46 days after its first due date" in listed
    # the analyst who moved it is not told; reading another's list is not possible
    assert "A-9" not in ana.get("/notifications").text
    answer = eve.post("/notifications", data={"csrf_token": eve_csrf})
    assert answer.status_code == 303
    assert "unread</span>" not in eve.get("/").text
    [entry] = web_store.audit(action="notification.read")
    assert entry.actor == "eve" and entry.after["count"] == 1
