"""The narrative pages: exceptions needing narrative, the edit form and preview, submit, return
and approve by role, the version history with diffs, the conflict page, and sanitised Markdown.

In the web tests' store RES01 (led by the Chief Operating Officer) is the one exception of the
Board's March 2025 pack; eve (an executive) is recorded as the COO's account below.
"""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from conftest import PERIOD, make_client, sign_in
from trustboard.services import narrative as nv
from trustboard.services.users import Role, User
from trustboard.store import Store

ADAM = User("adam", Role.ADMIN, (), ())
EDIT = f"/narrative/board/{PERIOD}/RES01"
SCRIPT = "<script>alert('x')</script>"


def _client(url: str, name: str) -> tuple[TestClient, str]:
    client = make_client(url)
    return client, sign_in(client, name)


def _form(page: str) -> dict[str, str]:
    """The edit form's hidden fields and textareas, as a browser would post them."""
    forms = [f for f in page.split("<form")[1:] if "<textarea" in f and 'name="section_' in f]
    page = forms[0].split("</form>")[0] if forms else page
    fields = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', page))
    for name, text in re.findall(r'<textarea id="\w+" name="(\w+)"[^>]*>([^<]*)</textarea>', page):
        fields[name] = text.replace("&#39;", "'").replace("&amp;", "&")
    return fields


def _versions(store: Store) -> int:
    return store.row_counts()["narrative_version"]


def test_the_index_lists_the_pack_s_exceptions_with_their_state(
    app_url: str, web_store: Store
) -> None:
    nv.set_lead(web_store, ADAM, "Chief Operating Officer", "eve")
    client, _csrf = _client(app_url, "eve")
    page = client.get(f"/narrative?forum=board&period={PERIOD}")
    assert page.status_code == 200
    assert f'href="{EDIT}"' in page.text
    assert "yours to approve" in page.text and "Not started" in page.text
    assert "Special cause concern at the latest point" in page.text
    # the analyst sees the same exception, not marked as theirs
    other, _ = _client(app_url, "ana")
    assert "yours to approve" not in other.get(f"/narrative?forum=board&period={PERIOD}").text


def test_an_executive_drafts_submits_and_the_lead_returns_then_approves(
    app_url: str, web_store: Store
) -> None:
    nv.set_lead(web_store, ADAM, "Chief Operating Officer", "eve")
    ana, ana_csrf = _client(app_url, "ana")
    first = ana.get(EDIT)
    assert first.status_code == 200 and 'value="start"' in first.text
    assert _versions(web_store) == 0  # opening the page writes nothing
    # what changed in the data is the pack's own: the exception rule that fired
    assert "Exception rule: Special cause concern at the latest point" in first.text
    assert ana.post(EDIT, data={"csrf_token": ana_csrf, "step": "start"}).status_code == 303
    page = ana.get(EDIT).text
    # the draft starts from this period's imported commentary
    assert "Fewer people started treatment within 6 weeks." in page
    form = _form(page)
    assert form["based_on"] == "1"
    form.update(step="save", section_summary="March: **64%** started within 6 weeks.")
    assert ana.post(EDIT, data=form).status_code == 303
    assert (
        ana.post(EDIT, data={"csrf_token": ana_csrf, "step": "submit", "based_on": "2"}).status_code
        == 303
    )
    submitted = ana.get(EDIT).text
    assert "Submitted" in submitted and 'value="approve"' not in submitted  # not Ana's to approve
    # Ana may not approve: refused, nothing changed
    before = web_store.row_counts()
    refused = ana.post(EDIT, data={"csrf_token": ana_csrf, "step": "approve", "based_on": "3"})
    assert refused.status_code == 403
    assert web_store.row_counts()["narrative_version"] == before["narrative_version"]
    assert web_store.row_counts()["commentary"] == before["commentary"]
    # eve, the COO's account, returns it with a comment, then approves the resubmission
    eve, eve_csrf = _client(app_url, "eve")
    assert 'value="approve"' in eve.get(EDIT).text
    back = eve.post(
        EDIT,
        data={"csrf_token": eve_csrf, "step": "return", "based_on": "3", "comment": "Add causes."},
    )
    assert back.status_code == 303
    assert "Returned by eve: Add causes." in ana.get(EDIT).text
    form = _form(ana.get(EDIT).text)
    form.update(step="save", section_root_causes="Two therapists left.")
    assert ana.post(EDIT, data=form).status_code == 303
    ana.post(EDIT, data={"csrf_token": ana_csrf, "step": "submit", "based_on": "5"})
    eve.post(EDIT, data={"csrf_token": eve_csrf, "step": "approve", "based_on": "6"})
    latest = nv.latest(web_store, "RES01", PERIOD)
    assert latest is not None and (latest.version, latest.state, latest.approver) == (
        7,
        "approved",
        "eve",
    )
    # the approved text is what the metric page now shows
    metric = eve.get(f"/forums/board/{PERIOD}/metrics/RES01").text
    assert "<strong>64%</strong>" in metric and "Two therapists left." in metric
    history = eve.get(f"{EDIT}/history").text
    assert history.count("<h2 id=") == 7
    assert "Returned by eve: Add causes." in history and "Approved by eve." in history
    assert "<ins>+ Two therapists left.</ins>" in history


def test_the_second_editor_sees_both_versions_and_loses_nothing(
    app_url: str, web_store: Store
) -> None:
    ana, ana_csrf = _client(app_url, "ana")
    eve, _ = _client(app_url, "eve")
    ana.post(EDIT, data={"csrf_token": ana_csrf, "step": "start"})
    ana_form, eve_form = _form(ana.get(EDIT).text), _form(eve.get(EDIT).text)
    ana_form.update(step="save", section_summary="Ana's account of March.")
    assert ana.post(EDIT, data=ana_form).status_code == 303
    eve_form.update(step="save", section_summary="Eve's account of March.")
    answer = eve.post(EDIT, data=eve_form)
    assert answer.status_code == 409
    assert "Ana&#39;s account of March." in answer.text  # the version that was saved
    assert "Eve&#39;s account of March." in answer.text  # the text that was not
    assert "<del>- Ana&#39;s account of March.</del>" in answer.text
    assert "<ins>+ Eve&#39;s account of March.</ins>" in answer.text
    assert _versions(web_store) == 2
    [kept] = web_store.audit(action="narrative.conflict")
    assert kept.actor == "eve" and kept.after["sections"]["summary"] == "Eve's account of March."
    # the conflict page's form is based on the latest version: saving it goes through
    again = _form(answer.text)
    assert again["based_on"] == "2"
    again.update(step="save")
    assert eve.post(EDIT, data=again).status_code == 303
    assert nv.latest(web_store, "RES01", PERIOD).sections["summary"] == (  # type: ignore[union-attr]
        "Eve's account of March."
    )


def test_typed_markup_never_reaches_a_page(app_url: str, web_store: Store) -> None:
    ana, ana_csrf = _client(app_url, "ana")
    ana.post(EDIT, data={"csrf_token": ana_csrf, "step": "start"})
    form = _form(ana.get(EDIT).text)
    typed = f"Text {SCRIPT} and [a link](javascript:alert(1)) and <b onclick=x>b</b>."
    form.update(section_summary=typed)
    preview = ana.post(EDIT, data={**form, "step": "preview"})
    assert preview.status_code == 200 and "Preview (not saved)" in preview.text
    assert _versions(web_store) == 1  # a preview writes nothing
    ana.post(EDIT, data={**form, "step": "save"})
    eve, _ = _client(app_url, "eve")
    eve_form = _form(eve.get(EDIT).text)
    eve_form.update(step="save", section_summary="x", based_on="1")
    conflict = eve.post(EDIT, data=eve_form)
    pages = [preview.text, ana.get(EDIT).text, ana.get(f"{EDIT}/history").text, conflict.text]
    for text in pages:
        # shown as text (in a form field, a diff or a rendered paragraph), never as markup
        assert "<script>alert" not in text
        assert 'href="javascript' not in text
        assert "<b onclick" not in text
    assert "&lt;script&gt;" in preview.text


def test_a_post_without_the_session_s_csrf_token_changes_nothing(
    app_url: str, web_store: Store
) -> None:
    ana, _csrf = _client(app_url, "ana")
    answer = ana.post(EDIT, data={"csrf_token": "wrong", "step": "start"})
    assert answer.status_code == 403
    assert _versions(web_store) == 0
    assert web_store.audit(action="web.refused")[0].actor == "ana"


def test_an_unknown_step_or_version_is_refused(app_url: str, web_store: Store) -> None:
    ana, csrf = _client(app_url, "ana")
    assert ana.post(EDIT, data={"csrf_token": csrf, "step": "publish"}).status_code == 400
    ana.post(EDIT, data={"csrf_token": csrf, "step": "start"})
    bad = ana.post(EDIT, data={"csrf_token": csrf, "step": "submit", "based_on": "one"})
    assert bad.status_code == 400 and "not a version number" in bad.text
    assert _versions(web_store) == 1


def test_an_admin_names_an_approver_who_then_may_approve(app_url: str, web_store: Store) -> None:
    eve, _ = _client(app_url, "eve")
    assert not nv.may_approve(web_store, User("eve", Role.EXECUTIVE, (), ()), "RES01")
    refused = eve.get("/narrative/approvers")
    assert refused.status_code == 403
    adam, csrf = _client(app_url, "adam")
    page = adam.get("/narrative/approvers").text
    assert "<option>Chief Operating Officer</option>" in page and "<option>eve</option>" in page
    named = adam.post(
        "/narrative/approvers",
        data={
            "csrf_token": csrf,
            "step": "add",
            "exec_lead": "Chief Operating Officer",
            "user_name": "eve",
            "delegate": "yes",
        },
    )
    assert named.status_code == 303
    [lead] = nv.leads(web_store)
    assert (lead.exec_lead, lead.user_name, lead.delegate, lead.granted_by) == (
        "Chief Operating Officer",
        "eve",
        True,
        "adam",
    )
    assert nv.may_approve(web_store, User("eve", Role.EXECUTIVE, (), ()), "RES01")
    assert "delegate" in adam.get("/narrative/approvers").text
    gone = adam.post(
        "/narrative/approvers",
        data={
            "csrf_token": csrf,
            "step": "remove",
            "exec_lead": "Chief Operating Officer",
            "user_name": "eve",
        },
    )
    assert gone.status_code == 303 and nv.leads(web_store) == []
    assert [a.action for a in web_store.audit(entity="narrative_lead")] == [
        "narrative.lead_remove",
        "narrative.lead",
    ]
    # an account that does not exist is not named
    nobody = adam.post(
        "/narrative/approvers",
        data={"csrf_token": csrf, "step": "add", "exec_lead": "Chief Nurse", "user_name": "zed"},
    )
    assert nobody.status_code == 404 and nv.leads(web_store) == []


def test_the_navigation_links_the_narrative_pages_for_writers_only(app_url: str) -> None:
    for name, shown in (("eve", True), ("ana", True), ("adam", True), ("bella", False)):
        client, _ = _client(app_url, name)
        assert ('href="/narrative"' in client.get("/").text) is shown, name
        # without a forum or period: the first forum the viewer reads, at the latest month
        assert client.get("/narrative").status_code == (200 if shown else 403)


def test_a_preview_keeps_the_version_opened_so_a_later_save_still_conflicts(
    app_url: str, web_store: Store
) -> None:
    ana, ana_csrf = _client(app_url, "ana")
    eve, _ = _client(app_url, "eve")
    ana.post(EDIT, data={"csrf_token": ana_csrf, "step": "start"})
    eve_form = _form(eve.get(EDIT).text)  # eve opens version 1
    ana_form = _form(ana.get(EDIT).text)
    ana.post(EDIT, data={**ana_form, "step": "save", "section_summary": "Ana's."})
    eve_form.update(section_summary="Eve's.")
    preview = eve.post(EDIT, data={**eve_form, "step": "preview"})
    assert preview.status_code == 200
    again = _form(preview.text)
    assert again["based_on"] == "1" and again["section_summary"] == "Eve's."
    assert eve.post(EDIT, data={**again, "step": "save"}).status_code == 409
    latest = nv.latest(web_store, "RES01", PERIOD)
    assert latest is not None and (latest.version, latest.sections["summary"]) == (2, "Ana's.")


def test_nobody_signed_in_is_sent_to_sign_in_and_nothing_is_written(
    app_url: str, web_store: Store
) -> None:
    client = make_client(app_url)
    for path in ("/narrative", EDIT, f"{EDIT}/history", "/narrative/approvers"):
        answer = client.get(path)
        assert (answer.status_code, answer.headers["location"]) == (303, "/sign-in"), path
    posted = client.post(EDIT, data={"step": "start"})
    assert (posted.status_code, posted.headers["location"]) == (303, "/sign-in")
    assert _versions(web_store) == 0


def test_narrative_imported_approved_shows_its_approver_and_opens_as_approved(
    app_url: str, web_store: Store
) -> None:
    nv.set_lead(web_store, ADAM, "Chief Operating Officer", "eve")
    (note,) = [c for c in web_store.commentary(["RES01"], period=PERIOD) if not c.org_unit]
    nv.enter_imported(web_store, [note], author="ana", approved_by="eve")
    client, _csrf = _client(app_url, "eve")
    page = client.get(EDIT).text
    assert 'class="narrative-state">Approved</strong>, version 1 by ana' in page
    assert 'approved by <span class="narrative-approver">eve</span>' in page
    listed = client.get(f"/narrative?forum=board&period={PERIOD}").text
    assert "Approved (version 1, ana)" in listed
    history = client.get(f"{EDIT}/history").text
    assert "Version 1: Approved" in history and "Approved by eve." in history
