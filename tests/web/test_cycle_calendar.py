"""The control panel's timetable from the meeting calendar (set from the panel: CSRF, roles,
audited, bad dates refused with nothing written) and its new outstanding lists: narrative
awaiting approval and BAF risks awaiting review, each linking to where it is fixed.

Expected facts, from the rules and the store built in ``cycle_store``:

* the Board's meeting for March 2025 set on the panel to: data cut-off 7 April, narrative due
  11 April, papers due 15 April, meeting 24 April 2025;
* narrative: RES01's March narrative submitted by eve and not approved: one item, linking to
  ``/narrative/board/2025-03/RES01``;
* actions: RES01's action A-7, first due 28 February and moved to 10 March 2025, still open:
  on 31 March it is 21 days overdue and has slipped 10 days; one item, linking to
  ``/actions/A-7``;
* BAF: a one-risk register (BAF-01, last reviewed 30 September 2025 with no committee named as
  accepting it): one item,
  linking to ``/baf/risks/BAF-01/edit``.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from cycle_store import PERIOD, build, copy, narrative, paper  # type: ignore[import-not-found]
from fastapi.testclient import TestClient

from baf.builders import make_register, make_risk
from conftest import sign_in
from trustboard.domain import Action
from trustboard.services.meetings import meetings
from trustboard.store import Store
from trustboard.store import baf as store_baf
from trustboard.web import WebSettings, create_app

HERE = f"/cycle/board/{PERIOD}"
DATES = {
    "data_cutoff": "2025-04-07",
    "narrative_due": "2025-04-11",
    "papers_due": "2025-04-15",
    "meeting_date": "2025-04-24",
}


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("cycle-calendar") / "cycle.db"
    build(path)
    return path


@pytest.fixture
def store(template: Path, tmp_path: Path) -> Iterator[Store]:
    opened = copy(template, tmp_path / "cycle.db")
    yield opened
    opened.close()


def _client(store: Store, folder: Path) -> TestClient:
    url = store.engine.url.render_as_string(hide_password=False)
    # the configuration gives no meeting date of its own: the calendar is the source
    settings = WebSettings(
        database=url,
        paper=paper(folder, meeting_date=None, date_submitted=None),
        allow_plain_http=True,
    )
    return TestClient(create_app(settings), follow_redirects=False)


def _section(page: str, anchor: str) -> str:
    start = page.index(f'<h2 id="{anchor}">')
    end = page.find("<h2 ", start + 1)
    return page[start : end if end > 0 else len(page)]


def _count(page: str, anchor: str) -> int:
    marker = f'<a href="#{anchor}"><span class="count">'
    start = page.index(marker) + len(marker)
    return int(page[start : page.index("<", start)])


def test_the_timetable_is_set_from_the_panel_and_read_from_the_calendar(
    store: Store, tmp_path: Path
) -> None:
    client = _client(store, tmp_path)
    token = sign_in(client, "ana")
    before = _section(client.get(HERE).text, "timetable")
    assert before.count("not recorded") == 2  # data cut-off, narrative due
    assert before.count("not set") == 2  # papers due, meeting
    saved = client.post(f"{HERE}/meeting", data={**DATES, "part": "public", "csrf_token": token})
    assert (saved.status_code, saved.headers["location"]) == (303, f"{HERE}#timetable")
    timetable = _section(client.get(HERE).text, "timetable")
    rows = {
        "Data cut-off": "7 April 2025",
        "Narrative due": "11 April 2025",
        "Papers due": "15 April 2025",
        "Meeting": "24 April 2025",
    }
    for step, day in rows.items():
        start = timetable.index(f'<th scope="row">{step}</th>')
        assert day in timetable[start : timetable.index("</tr>", start)], step
    assert "not set" not in timetable and "not recorded" not in timetable
    assert "(public)" in timetable
    (kept,) = meetings(store)
    assert (kept.forum, str(kept.period), kept.set_by) == ("board", PERIOD, "ana")
    (entry,) = store.audit(action="meeting.schedule")
    assert (entry.actor, entry.entity_id) == ("ana", f"board/{PERIOD}")
    # the pack's cover sheet reads the same calendar: the check page shows its meeting date
    cover = _section(client.get(f"/publish/board/{PERIOD}").text, "cover-sheet")
    assert "24 April 2025" in cover and "15 April 2025" in cover


def test_bad_dates_are_refused_naming_each_and_nothing_is_written(
    store: Store, tmp_path: Path
) -> None:
    client = _client(store, tmp_path)
    token = sign_in(client, "ana")
    bad = {**DATES, "narrative_due": "2025-04-16", "meeting_date": "2025-04-31"}
    refused = client.post(f"{HERE}/meeting", data={**bad, "csrf_token": token})
    assert refused.status_code == 400
    summary = refused.text[refused.text.index('id="meeting-problems"') :]
    summary = summary[: summary.index("</div>")]
    assert "the narrative due (2025-04-16) must be on or before the papers due" in summary
    assert "the meeting date is not a real date" in summary
    assert 'value="2025-04-16"' in refused.text  # what was typed is kept in the form
    assert meetings(store) == []
    assert store.audit(action="meeting.schedule") == []


def test_setting_dates_needs_the_form_s_token_and_an_analyst_or_admin(
    store: Store, tmp_path: Path
) -> None:
    client = _client(store, tmp_path)
    sign_in(client, "ana")
    forged = client.post(f"{HERE}/meeting", data=DATES)
    assert forged.status_code == 403
    executive = _client(store, tmp_path)
    token = sign_in(executive, "eve")
    assert executive.post(f"{HERE}/meeting", data={**DATES, "csrf_token": token}).status_code == 403
    assert meetings(store) == []
    assert store.audit(action="meeting.schedule") == []
    refusals = {(a.actor, a.after["reason"]) for a in store.audit(action="web.refused")}
    assert ("ana", "missing or wrong CSRF token") in refusals
    assert ("eve", "role executive not allowed") in refusals
    admin = _client(store, tmp_path)
    token = sign_in(admin, "adam")
    assert admin.post(f"{HERE}/meeting", data={**DATES, "csrf_token": token}).status_code == 303
    assert [m.set_by for m in meetings(store)] == ["adam"]


def test_narrative_actions_and_risks_awaiting_are_listed(store: Store, tmp_path: Path) -> None:
    narrative(store, "submitted")
    store.write_actions(
        [
            Action(
                id="A-7",
                metric_id="RES01",
                description="Recruit two step-2 therapists",
                owner="Chief Operating Officer",
                due=date(2025, 3, 10),
                original_due=date(2025, 2, 28),
                opened=date(2025, 1, 6),
            )
        ]
    )
    with store.transaction() as conn:
        register = make_register(make_risk(key_metrics=("RES01",)))
        store_baf.save_register(conn, register, actor="test", source="test")
    client = _client(store, tmp_path)
    sign_in(client, "ana")
    page = client.get(HERE).text
    assert (_count(page, "approval"), _count(page, "actions"), _count(page, "risks")) == (1, 1, 1)
    approval = _section(page, "approval")
    assert f'href="/narrative/board/{PERIOD}/RES01"' in approval
    assert "Submitted" in approval and "1 by eve" in approval
    assert approval.count("<tr>") == 2  # the header and RES01
    actions = _section(page, "actions")
    assert 'href="/actions/A-7"' in actions and "Recruit two step-2 therapists" in actions
    assert "21 days" in actions and "10 days" in actions
    assert actions.count("<tr>") == 2
    risks = _section(page, "risks")
    assert 'href="/baf/risks/BAF-01/edit"' in risks and "Access to services" in risks
    # its latest review (30 September 2025) names no committee that accepted it
    assert "the 30 Sep 2025 review is not accepted by a committee" in risks
    # the checks page is one link away
    assert f'href="/publish/board/{PERIOD}"' in page


def test_approved_narrative_is_not_awaiting_approval(store: Store, tmp_path: Path) -> None:
    narrative(store, "approved")
    client = _client(store, tmp_path)
    sign_in(client, "ana")
    page = client.get(HERE).text
    assert (_count(page, "approval"), _count(page, "actions"), _count(page, "risks")) == (0, 0, 0)
    assert 'id="nothing-outstanding"' in page
    assert "No narrative is waiting for approval." in page
    assert "No BAF risk is awaiting review." in page
    assert "No action is overdue or slipping." in page
