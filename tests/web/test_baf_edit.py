"""BAF risks edited and reviewed in the browser.

Who may edit (risk leads, admins, the risk's owner), what a save refuses (the import's rules,
each problem beside its field, nothing written), revisions and the second editor's conflict,
the evidence check beside the form, and the register's export and import after an edit giving
back the same risks field for field.  Forms are posted as a browser would post the page's own
form (its fields read from the HTML).
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import date
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from baf.builders import build_baf_store
from cliruns import run
from conftest import PERIOD, make_client, sign_in
from trustboard.domain.baf import BafRisk
from trustboard.store import Store
from trustboard.store import baf as store_baf
from trustboard.store.audit import read_audit

EDIT = "/baf/risks/BAF-01/edit"


class _Form(HTMLParser):
    """The fields a browser posts from the page's edit form (checked boxes, chosen options)."""

    def __init__(self) -> None:
        super().__init__()
        self.fields: list[tuple[str, str]] = []
        self._in_form = False
        self._select: str | None = None
        self._area: str | None = None
        self._text = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form" and "baf-form" in a.get("class", ""):
            self._in_form = True
        if not self._in_form:
            return
        if tag == "input" and (a.get("type") != "checkbox" or "checked" in a):
            self.fields.append((a["name"], a.get("value", "")))
        elif tag == "select":
            self._select = a["name"]
        elif tag == "option" and self._select is not None and "selected" in a:
            self.fields.append((self._select, a["value"]))
        elif tag == "textarea":
            self._area, self._text = a["name"], ""

    def handle_data(self, data: str) -> None:
        if self._area is not None:
            self._text += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._in_form = False
        elif tag == "select":
            self._select = None
        elif tag == "textarea" and self._area is not None:
            self.fields.append((self._area, self._text))
            self._area = None


def form_fields(html: str) -> dict[str, list[str]]:
    """The edit form of ``html`` as posted (every value of each name, in page order)."""
    parser = _Form()
    parser.feed(html)
    out: dict[str, list[str]] = {}
    for name, value in parser.fields:
        out.setdefault(name, []).append(value)
    return out


def _post(client: TestClient, fields: dict[str, list[str]], step: str = "save") -> Any:
    data = [(k, v) for k, values in fields.items() for v in values] + [("step", step)]
    return client.post(EDIT, content=_encode(data), headers=_FORM)  # an httpx Response


_FORM = {"content-type": "application/x-www-form-urlencoded"}


def _encode(data: list[tuple[str, str]]) -> bytes:
    from urllib.parse import urlencode

    return urlencode(data).encode()


@pytest.fixture(scope="module")
def _baf_db(tmp_path_factory: pytest.TempPathFactory, _template_db: Path) -> Path:
    """The store of :func:`build_baf_store`, built once, copied per test."""
    path = tmp_path_factory.mktemp("baf-edit") / "web.db"
    build_baf_store(_template_db, path)
    return path


@pytest.fixture
def url(_baf_db: Path, tmp_path: Path) -> Iterator[str]:
    shutil.copyfile(_baf_db, tmp_path / "web.db")
    yield f"sqlite:///{tmp_path / 'web.db'}"


def _risk(url: str) -> tuple[BafRisk, int]:
    store = Store.open(url, actor="test")
    try:
        with store.reading() as conn:
            return store_baf.load_register(conn).risks[0], store_baf.risk_revision(conn, "BAF-01")
    finally:
        store.close()


def _signed(url: str, name: str) -> TestClient:
    client = make_client(url)
    sign_in(client, name)
    return client


def test_the_edit_form_shows_the_risk_as_stored(url: str) -> None:
    page = _signed(url, "rita").get(EDIT)
    assert page.status_code == 200
    fields = form_fields(page.text)
    # the builders' risk, written out by hand: L3 × C4 now, L2 × C3 target, L4 × C4 initial
    assert fields["current.likelihood"] == ["3"] and fields["current.consequence"] == ["4"]
    assert fields["target.likelihood"] == ["2"] and fields["target.consequence"] == ["3"]
    assert fields["inherent.likelihood"] == ["4"]
    assert fields["assurances[0].line"] == ["second"]
    assert fields["actions[0].due"] == ["2026-01-31"]
    assert fields["key_metrics"] == ["RES01"]
    assert fields["objectives"] == ["GO"]
    assert fields["based_on"] == ["1"]  # the import was revision 1


@pytest.mark.parametrize(
    ("name", "allowed"),
    [("rita", True), ("adam", True), ("eve", True), ("ana", False), ("bella", False)],
)
def test_who_may_edit(url: str, name: str, allowed: bool) -> None:
    client = _signed(url, name)
    assert client.get(EDIT).status_code == (200 if allowed else 403)


def test_an_owner_edits_only_their_own_risks(url: str) -> None:
    store = Store.open(url, actor="test")
    with store.transaction() as conn:
        register = store_baf.load_register(conn)
        other = register.risks[0].model_copy(update={"executive_lead": "Director of Finance"})
        store_baf.save_risk(conn, other, based_on=1, actor="test")
    store.close()
    assert _signed(url, "eve").get(EDIT).status_code == 403


@pytest.mark.parametrize("name", ["ana", "bella", "dara"])
@pytest.mark.parametrize("step", ["save", "preview"])
def test_a_forbidden_write_is_refused_audited_and_changes_nothing(
    url: str, name: str, step: str
) -> None:
    before, revision = _risk(url)
    rita = _signed(url, "rita")
    fields = form_fields(rita.get(EDIT).text)
    fields["title"] = ["Changed by someone who may not"]
    other = make_client(url)
    fields["csrf_token"] = [sign_in(other, name)]
    answer = _post(other, fields, step=step)
    assert answer.status_code == 403
    assert _risk(url) == (before, revision)
    store = Store.open(url, actor="test")
    with store.reading() as conn:
        refusals = [
            e
            for e in read_audit(conn, action="web.refused")
            if e.actor == name and "edit BAF risk BAF-01" in str(e.after)
        ]
    store.close()
    assert len(refusals) == 1


def test_a_save_without_the_csrf_token_is_refused(url: str) -> None:
    client = _signed(url, "rita")
    fields = form_fields(client.get(EDIT).text)
    fields["csrf_token"] = ["forged"]
    fields["title"] = ["Forged"]
    assert _post(client, fields).status_code == 403
    assert _risk(url)[0].title == "Access to services"


def test_a_save_with_problems_shows_each_beside_its_field_and_writes_nothing(url: str) -> None:
    before = _risk(url)
    client = _signed(url, "rita")
    fields = form_fields(client.get(EDIT).text)
    fields["inherent.likelihood"] = ["7"]  # outside 1–5 (a browser could be made to post it)
    fields["assurances[0].date"] = ["2025-02-30"]  # no such day
    answer = _post(client, fields)
    assert answer.status_code == 422
    page = answer.text
    assert 'id="inherent-likelihood-error"' in page and "TB-BAF-SCORE" in page
    assert 'id="assurances-0-date-error"' in page
    assert 'aria-describedby="assurances-0-date-error"' in page
    assert _risk(url) == before
    # checks across the register (as an import's) follow once each field reads
    fields["inherent.likelihood"] = ["4"]
    fields["assurances[0].date"] = ["2025-02-28"]
    fields["appetite_level"] = ["Reckless"]  # not on the scale
    fields["gaps[0].id"] = ["G1"]
    fields["gaps[0].kind"] = ["control"]
    fields["gaps[0].description"] = ["No cover"]
    fields["gaps[0].action_ids"] = ["A9"]  # the risk has no action A9
    page = _post(client, fields).text
    assert 'id="appetite_level-error"' in page and "TB-BAF-APPETITE-LEVEL" in page
    assert 'id="gaps-0-action_ids-error"' in page
    assert "TB-BAF-UNKNOWN-ACTION" in page
    assert _risk(url) == before


def test_a_score_change_needs_a_review_and_a_review_joins_the_history(url: str) -> None:
    client = _signed(url, "eve")
    fields = form_fields(client.get(EDIT).text)
    fields["current.likelihood"] = ["4"]  # 4 × 4 = 16
    refused = _post(client, fields)
    assert refused.status_code == 422
    assert 'id="review-date-error"' in refused.text
    fields["review.date"] = ["2025-12-31"]
    fields["review.rationale"] = ["Vacancies rose in the quarter"]
    fields["review.committee"] = ["fpc"]
    saved = _post(client, fields)
    assert saved.status_code == 303, saved.text
    risk, revision = _risk(url)
    assert revision == 2
    assert risk.current.score == 16
    last = risk.last_review
    assert last is not None
    assert (last.date, last.current.score, last.reviewer, last.committee) == (
        date(2025, 12, 31),
        16,
        "eve",
        "fpc",
    )
    assert [e.date for e in risk.history] == [
        date(2025, 6, 30),
        date(2025, 9, 30),
        date(2025, 12, 31),
    ]
    # a committee outside the catalogue is refused
    fields = form_fields(client.get(EDIT).text)
    fields["accept.committee"] = ["no-such-committee"]
    assert _post(client, fields).status_code == 422


def test_the_second_editor_is_told_of_the_conflict_and_nothing_is_lost(url: str) -> None:
    first, second = _signed(url, "rita"), _signed(url, "eve")
    mine = form_fields(first.get(EDIT).text)
    theirs = form_fields(second.get(EDIT).text)
    mine["title"] = ["Access to community services"]
    assert _post(first, mine).status_code == 303
    theirs["controls[0].id"] = ["C9"]
    theirs["controls[0].description"] = ["Daily huddle on the waiting list"]
    answer = _post(second, theirs)
    assert answer.status_code == 409
    assert "TB-BAF-EDIT-CONFLICT" in answer.text
    # both versions are on the page: the latest title and eve's typed control
    assert "Access to community services" in answer.text
    assert "Daily huddle on the waiting list" in answer.text
    shown = form_fields(answer.text)
    assert shown["based_on"] == ["2"]
    assert shown["controls[0].description"] == ["Daily huddle on the waiting list"]
    risk, revision = _risk(url)
    assert (risk.title, risk.controls, revision) == ("Access to community services", (), 2)
    store = Store.open(url, actor="test")
    with store.reading() as conn:
        kept = read_audit(conn, action="baf.risk.conflict")
    store.close()
    assert len(kept) == 1 and "Daily huddle" in str(kept[0].after)
    # saving again over the latest writes eve's control (and keeps the title she was shown)
    shown["title"] = ["Access to community services"]
    assert _post(second, shown).status_code == 303
    risk, revision = _risk(url)
    assert revision == 3
    assert [c.description for c in risk.controls] == ["Daily huddle on the waiting list"]


def test_the_evidence_check_sits_beside_the_form_and_follows_the_edit(url: str) -> None:
    client = _signed(url, "rita")
    page = client.get(EDIT).text
    assert 'id="flags-h"' in page
    assert "TB-BAF-NO-KEY-METRICS" not in page
    fields = form_fields(page)
    fields.pop("key_metrics")
    preview = _post(client, fields, step="preview")
    assert preview.status_code == 200
    flags = preview.text.split('id="flags-h"')[1].split("</aside>")[0]
    assert "For the risk as edited" in flags
    assert "TB-BAF-NO-KEY-METRICS" in flags
    assert _risk(url)[0].key_metrics == ("RES01",)  # a preview writes nothing


def test_an_edit_survives_export_and_import_field_for_field(url: str, tmp_path: Path) -> None:
    client = _signed(url, "rita")
    fields = form_fields(client.get(EDIT).text)
    fields.update(
        {
            "controls[0].id": ["C1"],
            "controls[0].description": ["Weekly waiting list review"],
            "assurances[1].id": ["AS2"],
            "assurances[1].line": ["third"],
            "assurances[1].source": ["Internal audit"],
            "assurances[1].date": ["2025-11-14"],
            "assurances[1].result": ["mixed"],
            "gaps[0].id": ["G1"],
            "gaps[0].kind": ["assurance"],
            "gaps[0].description": ["No audit of triage"],
            "gaps[0].action_ids": ["A1"],
            "actions[0].due": ["2026-03-31"],  # slipped from 31 Jan 2026
            "key_metrics": ["RES01", "WEL01"],
            "target.likelihood": ["2"],
            "target.consequence": ["4"],
            "target_rationale": ["Consequence stays major while the list is long"],
            "current_rationale": ["Recruitment behind plan"],
            "review.date": ["2025-12-31"],
            "review.rationale": ["Target reset with the committee"],
            "review.committee": ["fpc"],
            "withhold": ["controls"],
        }
    )
    assert _post(client, fields).status_code == 303
    edited, _revision = _risk(url)
    assert edited.actions[0].original_due == date(2026, 1, 31)
    assert edited.target.score == 8
    assert edited.target_rationale == "Consequence stays major while the list is long"
    for suffix in ("yaml", "xlsx"):
        out = tmp_path / f"register.{suffix}"
        result = run(["baf", "export", str(out), "--database", url])
        assert result.exit_code == 0, result.output
        fresh = f"sqlite:///{tmp_path / f'fresh-{suffix}.db'}"
        Store.init(fresh, actor="test")[0].close()
        result = run(["baf", "import", str(out), "--database", fresh])
        assert result.exit_code == 0, result.output
        again = Store.open(fresh, actor="test")
        with again.reading() as conn:
            back = store_baf.load_register(conn).risks[0]
        again.close()
        assert back.model_dump() == edited.model_dump()
        assert back.history[-1].committee == "fpc"


@pytest.mark.parametrize(("name", "linked"), [("rita", True), ("eve", True), ("ana", False)])
def test_the_risk_page_links_to_the_form_only_for_its_editors(
    url: str, name: str, linked: bool
) -> None:
    page = _signed(url, name).get(f"/forums/board/{PERIOD}/baf/risks/BAF-01")
    assert page.status_code == 200
    assert (f'href="{EDIT}"' in page.text) is linked
