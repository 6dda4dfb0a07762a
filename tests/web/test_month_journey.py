"""One whole month of the reporting cycle, end to end in headless Chromium against
``trustboard serve`` on a fresh demo store, each step checked in the store and its audit log.

The demo store's latest data is March 2025, so the month run here is the next one, April 2025
(``2025-04``), for the public Trust Board (``BOARD``):

1. the analyst fetches the Board's values template for April (the control panel's template),
   fills it with the figures it carries for March, and uploads it twice: first with one cell
   that is not a number (refused whole, the problem shown where it is: no April value written,
   no import recorded), then as it should be (checked, committed: every value stored with the
   file and row it came from, as "explain this figure" shows);
2. every April exception but two is given approved narrative through the store (as
   ``trustboard import commentary --approved-by`` would), so that the month's open findings
   are the two this journey deals with;
3. an executive (``month-writer``, an account added for the journey) starts and edits the
   narrative of ``SAF17-RN-DAY`` while the analyst edits it in a second browser context: the
   later save is refused as a conflict, kept in the audit log, and saved again over the
   analyst's version; it is submitted, the approver told, the control panel lists it;
4. the approver (``demo-executive``, recorded for every executive lead) returns it with a
   comment, the executive is told, revises and submits it again, the approver approves it;
5. the risk owner (``demo-executive`` holds ``BAF-01``'s executive lead's title) records a
   review of ``BAF-01`` accepted by the Board, which the control panel no longer chases;
6. the analyst checks the pack, overrides the one open finding (the narrative of ``WEL01``,
   or another exception while it is not one, deliberately left unapproved) with a reason, and
   publishes it (a job: HTML, PDF, manifest); the approved narrative is locked;
7. the public Board member opens the frozen pack and finds the approved sentence, which no
   page showed them before it was approved, and none of the earlier drafts.

Narrative text is made of marker sentences, so each assertion is exact.  The store is built
once for the module (``run_demo`` without packs, PDF or the waiting-times engine) and served
on its own, since the journey changes it; the steps share one test, run in order, each
printing what it found and how long it took.

A second test moves the Board's March meeting on the control panel; it is expected to fail
(``xfail``, with the reason) until a moved meeting leaves the panel readable.
"""

from __future__ import annotations

import csv
import io
import json
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from browser_support import browser_tools, chromium, serve

from trustboard.domain import Commentary
from trustboard.services import narrative as nv
from trustboard.services.baf import load_register
from trustboard.services.browse import load_config
from trustboard.services.check import run_check, stored_overrides
from trustboard.services.demo import DEMO_PASSWORD, run_demo
from trustboard.services.meetings import meeting_for
from trustboard.services.notify import inbox
from trustboard.services.users import add_user, list_users
from trustboard.store import Store

pytestmark = [pytest.mark.browser, pytest.mark.slow]

FORUM, MONTH, LAST_MONTH = "BOARD", "2025-04", "2025-03"
APRIL = date(2025, 4, 1)
#: the exception whose narrative is written in the browser, and the one left for an override
METRIC, OVERRIDDEN = "SAF17-RN-DAY", "WEL01"
RISK = "BAF-01"
NEXT_REVIEW = date(2025, 8, 31)
WRITER, ANALYST, APPROVER = "month-writer", "demo-analyst", "demo-executive"
BOARD_MEMBER = "demo-board-public"

GOOD_FILE, BAD_FILE = "board-values-2025-04.csv", "board-values-2025-04-draft.csv"
BAD_VALUE = "twelve"
ANALYST_TEXT = "Analyst marker: staffing returns for April were validated on the ward."
WRITER_TEXT = "Writer marker: day shift fill rates held steady across April."
RETURN_COMMENT = "Reviewer marker: say which wards drove the change and by when it recovers."
FINAL_TEXT = "Approved marker: day shift fill rates held steady; three wards recover by June."
RISK_RATIONALE = "Review marker: April staffing evidence reviewed; scores unchanged."
OVERRIDE_REASON = "Override marker: this narrative is presented verbally at the meeting."
SETUP_TEXT = "Narrative for April 2025, approved through the store for this journey."
#: the Board's March meeting as the demo records it, and the day it is moved to
MARCH_MEETING, MOVED_MEETING = date(2025, 5, 1), date(2025, 5, 8)


@dataclass
class Month:
    """The served store, its folders and one signed-in browser tab per account."""

    base: str
    database: str
    root: Path
    tab: Callable[[str], Any]

    def url(self, path: str) -> str:
        return self.base + path

    def store(self) -> Store:
        return Store.open(self.database, actor="test")


def _build(folder: Path) -> str:
    built = run_demo(folder / "demo", forums=(), pdf=False, waits=False)
    url = f"sqlite:///{Path(built.database)}"
    store = Store.open(url, actor="test")
    try:
        add_user(store, WRITER, "executive", DEMO_PASSWORD)
        admin = next(u for u in list_users(store) if u.name == "demo-admin")
        named = {lead.exec_lead for lead in nv.leads(store, APPROVER)}
        # the approver speaks for every executive lead: the metric's, and the risk's owner
        for lead in sorted({m.exec_lead for m in store.metrics() if m.exec_lead} - named):
            nv.set_lead(store, admin, lead, APPROVER)
    finally:
        store.close()
    return url


@pytest.fixture(scope="module")
def month(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Month]:
    browser_tools()  # nothing to build when the browser cannot run
    folder = tmp_path_factory.mktemp("month-journey")
    database = _build(folder)
    root = folder / "out"
    root.mkdir()
    with serve(database, root, folder / "serve.log") as base, chromium() as (browser, _axe):
        contexts: dict[str, Any] = {}
        tabs: dict[str, Any] = {}

        def tab(name: str) -> Any:
            if name not in tabs:
                context = browser.new_context(viewport={"width": 1366, "height": 900})
                contexts[name] = context
                opened = context.new_page()
                opened.goto(base + "/sign-in")
                opened.fill("#name", name)
                opened.fill("#password", DEMO_PASSWORD)
                opened.click("form.form button[type=submit]")
                opened.wait_for_url(base + "/")
                tabs[name] = opened
            return tabs[name]

        yield Month(base, database, root, tab)
        for context in contexts.values():
            context.close()


# --- helpers -------------------------------------------------------------------------------


def _audit(month: Month, action: str) -> list[Any]:
    store = month.store()
    try:
        return store.audit(action=action)
    finally:
        store.close()


def _versions(month: Month, metric_id: str = METRIC) -> list[Any]:
    store = month.store()
    try:
        return nv.history(store, metric_id, MONTH)
    finally:
        store.close()


def _april_values(month: Month) -> Any:
    store = month.store()
    try:
        return store.values(
            start=APRIL,
            end=APRIL,
            columns=["metric_id", "org_unit", "value", "source_file", "source_row"],
        )
    finally:
        store.close()


def _goto(tab: Any, url: str, status: int = 200) -> None:
    answer = tab.goto(url)
    assert answer is not None and answer.status == status, (url, answer and answer.status)


def _press(tab: Any, target: Any, status: int = 200) -> str:
    """Click ``target`` (a form's button: a selector or a locator), wait for the page its
    answer leads to and check that page's status; the page's address."""
    button = tab.locator(target) if isinstance(target, str) else target
    with tab.expect_navigation() as went:
        button.click()
    answer = went.value
    assert answer is not None and answer.status == status, (
        f"{tab.url} answered {answer and answer.status}: {tab.locator('main').inner_text()}"
    )
    return str(tab.url)


def _wait_for(tab: Any, url: str, done: Callable[[], bool], limit_s: float = 120.0) -> None:
    """Read ``url`` again (its Refresh link) until ``done()`` holds."""
    deadline = time.monotonic() + limit_s
    while not done():
        assert time.monotonic() < deadline, f"{url} did not finish in {limit_s:.0f} s"
        time.sleep(0.5)
        _goto(tab, url)


def _upload(month: Month, name: str, content: bytes) -> str:
    """Post ``content`` as the values file ``name``; the job page's address."""
    tab = month.tab(ANALYST)
    _goto(tab, month.url(f"/uploads?forum={FORUM}&period={MONTH}"))
    tab.set_input_files(
        "#file-values", files=[{"name": name, "mimeType": "text/csv", "buffer": content}]
    )
    job = _press(tab, "form:has(#file-values) button[type=submit]")
    assert re.search(r"/uploads/\d+$", job), job
    _wait_for(
        tab,
        job,
        lambda: (
            tab.locator("#job-status").inner_text().strip()
            not in ("queued", "validating", "committing")
        ),
    )
    return job


def _inbox(store: Store, name: str) -> list[Any]:
    user = next(u for u in list_users(store) if u.name == name)
    return inbox(store, user)


# --- the month ------------------------------------------------------------------------------


def _panel(month: Month) -> dict[str, list[str]]:
    """The analyst's control panel for the month: the rows of its list of narrative awaiting
    approval and of BAF risks awaiting review."""
    tab = month.tab(ANALYST)
    _goto(tab, month.url(f"/cycle/{FORUM}/{MONTH}"))
    return {
        part: tab.locator(f"#{part} + p + div.scroll tbody tr").all_inner_texts()
        for part in ("approval", "risks")
    }


def _row(rows: list[str], key: str) -> str:
    """The one row of ``rows`` that names ``key`` (empty when none does)."""
    found = [r for r in rows if key in r]
    assert len(found) <= 1, found
    return found[0] if found else ""


def _analyst_uploads_the_month(month: Month) -> int:
    """Phase 1: a refused file writes nothing; the good one is committed with its lineage.
    Returns the number of April values loaded."""
    tab = month.tab(ANALYST)
    _goto(tab, month.url(f"/cycle/{FORUM}/{LAST_MONTH}"))
    answer = tab.request.get(month.url(f"/cycle/{FORUM}/{MONTH}/template?layout=long&format=csv"))
    assert answer.status == 200
    template = list(csv.DictReader(io.StringIO(answer.text())))
    assert template and {r["period"] for r in template} == {MONTH}
    assert any(r["metric_id"] == METRIC and r["org_unit"] == "TRUST" for r in template)
    # April's figures are March's again (the template carries them); rows without a March
    # figure (the waiting-time metrics, not built without the waits engine) are left out
    columns = ("metric_id", "org_unit", "period")
    last = ("# last numerator", "# last denominator", "# last value")
    filled = [
        [*(r[c] for c in columns), *(r[c] for c in last)]
        for r in template
        if r["# last value"] or r["# last numerator"]
    ]
    header = ["metric_id", "org_unit", "period", "numerator", "denominator", "value"]

    def as_csv(rows: list[list[str]]) -> bytes:
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)
        return out.getvalue().encode("utf-8")

    # one cell that is not a number, in the journey's own metric's trust row
    broken = [list(r) for r in filled]
    bad_index = next(i for i, r in enumerate(broken) if r[0] == METRIC and r[1] == "TRUST")
    broken[bad_index][5] = BAD_VALUE
    bad_row = bad_index + 2  # the header is row 1
    imports_before = len(_audit(month, "values.import"))

    job = _upload(month, BAD_FILE, as_csv(broken))
    assert tab.locator("#job-status").inner_text().strip() == "failed"
    problems = [
        [cell.strip() for cell in row.locator("td").all_inner_texts()]
        for row in tab.locator("#report tbody tr").all()
    ]
    # file, sheet, row, column, value: the one problem, where it is
    assert [p[:5] for p in problems] == [[BAD_FILE, "", str(bad_row), "value", BAD_VALUE]], problems
    assert _april_values(month).height == 0, "a refused file wrote values"
    assert len(_audit(month, "values.import")) == imports_before
    print(f"phase 1: {BAD_FILE} refused at row {bad_row} ({job}); no April value written")

    job = _upload(month, GOOD_FILE, as_csv(filled))
    assert tab.locator("#job-status").inner_text().strip() == "awaiting confirmation"
    assert _april_values(month).height == 0, "checking a file wrote values"
    _press(tab, f"form[action='{job.removeprefix(month.base)}/commit'] button")
    _wait_for(
        tab,
        job,
        lambda: tab.locator("#job-status").inner_text().strip() not in ("committing",),
    )
    assert tab.locator("#job-status").inner_text().strip() == "done", tab.content()
    assert tab.locator("#loaded").count() == 1
    values = _april_values(month)
    assert values.height == len(filled)
    assert set(values["source_file"].to_list()) == {GOOD_FILE}
    trust = values.filter((values["metric_id"] == METRIC) & (values["org_unit"] == "TRUST")).row(
        0, named=True
    )
    line = next(i + 2 for i, r in enumerate(filled) if r[0] == METRIC and r[1] == "TRUST")
    assert trust["source_row"] == line
    expected = next(r for r in filled if r[0] == METRIC and r[1] == "TRUST")
    assert trust["value"] == pytest.approx(float(expected[5]))
    # the lineage the analyst reads: "explain this figure" names the file, its row, the import
    _goto(tab, month.url(f"/forums/{FORUM}/{MONTH}/metrics/{METRIC}/explain?unit=TRUST"))
    lineage = tab.locator("main").inner_text()
    assert GOOD_FILE in lineage and f"row {line}" in lineage and f"by {ANALYST}" in lineage
    imports = _audit(month, "values.import")
    assert len(imports) == imports_before + 1
    assert imports[0].actor == ANALYST
    assert GOOD_FILE in json.dumps(imports[0].after)
    print(f"phase 1: {GOOD_FILE} committed: {values.height} April values from {ANALYST}")
    return values.height


def _other_exceptions_approved(month: Month) -> str:
    """Phase 2 (store API): every April exception but two gets approved narrative, so that
    what stays open is what the browser deals with: ``METRIC``'s, and one left for the
    override (``OVERRIDDEN`` while it is an exception, else the first other).  Returns the
    metric left for the override."""
    store = Store.open(month.database, actor=ANALYST)
    try:
        config = load_config(None, store)
        report = run_check(store, FORUM, MONTH, config=config)
        unapproved = sorted(
            f.metric_id
            for f in report.findings
            if f.rule == "narrative-approval" and f.metric_id is not None
        )
        assert METRIC in unapproved and len(unapproved) >= 2, [f.id for f in report.findings]
        others = [m for m in unapproved if m != METRIC]
        left_open = OVERRIDDEN if OVERRIDDEN in others else others[0]
        items = [
            Commentary(metric_id=m, period=MONTH, sections={"summary": SETUP_TEXT})
            for m in others
            if m != left_open
        ]
        store.write_commentary(items)
        nv.enter_imported(store, items, author=ANALYST, approved_by=APPROVER)
        left = run_check(store, FORUM, MONTH, config=config).findings
    finally:
        store.close()
    assert sorted(f.id for f in left) == sorted(
        f"narrative-approval/{m}/TRUST/{MONTH}/narrative" for m in (METRIC, left_open)
    ), [f.id for f in left]
    print(
        f"phase 2: narrative approved through the store for {len(items)} exceptions; "
        f"{METRIC} and {left_open} left open"
    )
    return left_open


def _board_member_page(month: Month) -> str:
    tab = month.tab(BOARD_MEMBER)
    _goto(tab, month.url(f"/forums/{FORUM}/{MONTH}/metrics/{METRIC}"))
    return str(tab.locator("main").inner_text())


def _executive_drafts_and_meets_a_concurrent_edit(month: Month) -> None:
    """Phase 3: start, a conflicting save caught and kept, saved again, submitted."""
    assert FINAL_TEXT not in _board_member_page(month)
    page = month.url(f"/narrative/{FORUM}/{MONTH}/{METRIC}")
    writer, analyst = month.tab(WRITER), month.tab(ANALYST)
    _goto(writer, page)
    _press(writer, "button[name=step][value=start]")
    first = _versions(month)
    assert [(v.version, v.state, v.author) for v in first] == [(1, "draft", WRITER)]
    # both have version 1 open; the analyst saves first
    _goto(analyst, page)
    writer.fill("#section_summary", WRITER_TEXT)
    analyst.fill("#section_summary", ANALYST_TEXT)
    _press(analyst, "button[name=step][value=save]")
    assert [(v.version, v.author) for v in _versions(month)][-1] == (2, ANALYST)
    _press(writer, "form.narrative-form button[name=step][value=save]", status=409)
    shown = writer.locator("main").inner_text()
    assert ANALYST in shown and ANALYST_TEXT in shown and WRITER_TEXT in shown
    assert len(_versions(month)) == 2, "the conflicting save was written"
    conflict = _audit(month, "narrative.conflict")
    assert len(conflict) == 1 and conflict[0].actor == WRITER
    assert conflict[0].after["sections"]["summary"] == WRITER_TEXT
    assert conflict[0].after["based_on"] == 1
    # combined over the analyst's version, then submitted
    writer.fill("#section_summary", WRITER_TEXT + "\n\n" + ANALYST_TEXT)
    _press(writer, "button[name=step][value=save]")
    _press(writer, "button[name=step][value=submit]")
    versions = _versions(month)
    assert [(v.version, v.state, v.author, v.based_on) for v in versions] == [
        (1, "draft", WRITER, None),
        (2, "draft", ANALYST, 1),
        (3, "draft", WRITER, 2),
        (4, "submitted", WRITER, 3),
    ]
    assert versions[-1].sections["summary"] == WRITER_TEXT + "\n\n" + ANALYST_TEXT
    assert [e.actor for e in _audit(month, "narrative.submit")] == [WRITER]
    store = month.store()
    try:
        told = [n for n in _inbox(store, APPROVER) if n.kind == "narrative.submitted"]
    finally:
        store.close()
    assert len(told) == 1, told
    assert WRITER_TEXT not in _board_member_page(month)
    panel = _panel(month)
    waiting = _row(panel["approval"], METRIC)
    assert "Submitted" in waiting and f"4 by {WRITER}" in waiting, panel
    assert "is not accepted by a committee" in _row(panel["risks"], RISK), panel
    print("phase 3: drafted, a concurrent save refused (409) and kept, saved again, submitted")


def _approver_returns_then_approves(month: Month) -> None:
    """Phase 4: returned once with a comment, revised, submitted again, approved."""
    page = month.url(f"/narrative/{FORUM}/{MONTH}/{METRIC}")
    approver, writer = month.tab(APPROVER), month.tab(WRITER)
    _goto(approver, page)
    approver.fill("#comment", RETURN_COMMENT)
    _press(approver, "button[name=step][value=return]")
    returned = _versions(month)[-1]
    assert (returned.version, returned.state, returned.reviewer, returned.review_comment) == (
        5,
        "returned",
        APPROVER,
        RETURN_COMMENT,
    )
    store = month.store()
    try:
        told = [n for n in _inbox(store, WRITER) if n.kind == "narrative.returned"]
    finally:
        store.close()
    assert len(told) == 1
    _goto(writer, page)
    assert RETURN_COMMENT in writer.locator("main").inner_text()
    writer.fill("#section_summary", FINAL_TEXT)
    _press(writer, "button[name=step][value=save]")
    _press(writer, "button[name=step][value=submit]")
    assert FINAL_TEXT not in _board_member_page(month)
    _goto(approver, page)
    _press(approver, "button[name=step][value=approve]")
    versions = _versions(month)
    assert [(v.version, v.state, v.author) for v in versions[4:]] == [
        (5, "returned", APPROVER),
        (6, "draft", WRITER),
        (7, "submitted", WRITER),
        (8, "approved", APPROVER),
    ]
    assert versions[-1].approver == APPROVER
    assert versions[-1].sections["summary"] == FINAL_TEXT
    assert versions[-1].sections == versions[-2].sections
    store = month.store()
    try:
        pack_text = store.commentary([METRIC], period=MONTH)
    finally:
        store.close()
    assert [c.sections.get("summary") for c in pack_text if not c.org_unit] == [FINAL_TEXT]
    assert [e.actor for e in _audit(month, "narrative.return")] == [APPROVER]
    approvals = [e for e in _audit(month, "narrative.approve") if e.actor == APPROVER]
    assert any(METRIC in (e.entity_id or "") for e in approvals)
    print("phase 4: returned with a comment, revised, submitted again and approved")


def _risk_owner_reviews_a_risk(month: Month) -> None:
    """Phase 5: the risk's owner records a review accepted by the Board."""
    owner = month.tab(APPROVER)
    page = month.url(f"/baf/risks/{RISK}/edit")
    _goto(owner, page)
    owner.fill("#f-review-date", "2025-05-20")
    owner.fill("#f-next_review", NEXT_REVIEW.isoformat())
    owner.fill("#f-review-rationale", RISK_RATIONALE)
    owner.select_option("#f-review-committee", FORUM)
    _press(owner, "button[name=step][value=save]")
    assert "Problems to correct" not in owner.locator("main").inner_text(), owner.content()
    register = load_register(database=month.database)
    risk = next(r for r in register.risks if r.id == RISK)
    last = risk.last_review
    assert last is not None
    assert (last.date, last.reviewer, last.committee, last.rationale) == (
        date(2025, 5, 20),
        APPROVER,
        FORUM,
        RISK_RATIONALE,
    )
    assert risk.next_review == NEXT_REVIEW
    changes = [e for e in _audit(month, "baf.risk.change") if e.entity_id == RISK]
    assert changes and changes[0].actor == APPROVER
    panel = _panel(month)
    # accepted now; its next review date is before today's, so it may still be listed as due
    assert "is not accepted by a committee" not in _row(panel["risks"], RISK), panel
    assert "is not accepted by a committee" in _row(panel["risks"], "BAF-02"), panel
    assert _row(panel["approval"], METRIC) == "", panel
    print(f"phase 5: {RISK} reviewed by {APPROVER}, accepted by {FORUM}")


def _analyst_checks_overrides_and_publishes(month: Month, left_open: str) -> Path:
    """Phase 6: one finding overridden with a reason, the pack published as a job."""
    tab = month.tab(ANALYST)
    here = month.url(f"/publish/{FORUM}/{MONTH}")
    _goto(tab, here)
    findings = tab.locator("#findings ~ ol li.card, #findings ~ ul li.card")
    assert findings.count() == 1, tab.locator("main").inner_text()
    card = findings.first
    assert left_open in card.inner_text()
    card.locator("textarea[name=reason]").fill(OVERRIDE_REASON)
    _press(tab, card.locator("button[type=submit]"))
    assert tab.locator("#no-findings").count() == 1
    store = month.store()
    try:
        overrides = stored_overrides(store, FORUM, MONTH)
    finally:
        store.close()
    assert len(overrides) == 1
    recorded = _audit(month, "check.override")
    assert len(recorded) == 1 and recorded[0].actor == ANALYST
    assert OVERRIDE_REASON in json.dumps(recorded[0].after)
    job = _press(tab, f"form[action$='/publish/{FORUM}/{MONTH}'] button[type=submit]")
    assert re.search(r"/jobs/\d+$", job), job
    _wait_for(
        tab,
        job,
        lambda: tab.locator("#job-done, #job-failed").count() > 0,
        limit_s=180,
    )
    assert tab.locator("#job-done").count() == 1, tab.locator("main").inner_text()
    folder = month.root / "published" / FORUM / MONTH
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["forum"] == FORUM and manifest["period"] == MONTH
    assert set(manifest["files"]) >= {f"{FORUM}-{MONTH}.html", f"{FORUM}-{MONTH}.pdf"}
    assert manifest["check"]["open_findings"] == 0
    assert OVERRIDE_REASON in json.dumps(manifest["check"])
    assert manifest["value_rows"] > 0
    locked = _versions(month)[-1]
    assert (locked.version, locked.state, locked.approver) == (9, "locked", APPROVER)
    assert _versions(month, left_open) == []
    assert any(METRIC in (e.entity_id or "") for e in _audit(month, "narrative.lock"))
    print(f"phase 6: overridden with a reason by {ANALYST}, published to {folder}")
    return folder


def _board_member_reads_the_frozen_pack(month: Month, folder: Path) -> None:
    """Phase 7: the published pack on the member's packs page, with the approved text."""
    tab = month.tab(BOARD_MEMBER)
    _goto(tab, month.url("/packs"))
    assert f"/packs/{FORUM}/{MONTH}" in tab.content()
    _goto(tab, month.url(f"/packs/{FORUM}/{MONTH}"))
    assert "Verified" in tab.locator("main").inner_text()
    link = tab.locator(f"a[href$='/files/{FORUM}-{MONTH}.html']").first
    answer = tab.request.get(month.url(str(link.get_attribute("href"))))
    assert answer.status == 200
    frozen = answer.text()
    assert frozen.encode("utf-8") == (folder / f"{FORUM}-{MONTH}.html").read_bytes()
    assert FINAL_TEXT in frozen
    for earlier in (WRITER_TEXT, ANALYST_TEXT, RETURN_COMMENT):
        assert earlier not in frozen
    assert FINAL_TEXT in _board_member_page(month)
    print("phase 7: the Board member reads the approved sentence in the frozen pack")


def test_one_month_of_reporting_in_the_browser(month: Month) -> None:
    began = time.monotonic()

    def timed(phase: Callable[[], Any]) -> Any:
        start = time.monotonic()
        result = phase()
        print(f"  ({time.monotonic() - start:.1f} s; {time.monotonic() - began:.1f} s in all)")
        return result

    timed(lambda: _analyst_uploads_the_month(month))
    left_open = timed(lambda: _other_exceptions_approved(month))
    timed(lambda: _executive_drafts_and_meets_a_concurrent_edit(month))
    timed(lambda: _approver_returns_then_approves(month))
    timed(lambda: _risk_owner_reviews_a_risk(month))
    folder = timed(lambda: _analyst_checks_overrides_and_publishes(month, left_open))
    timed(lambda: _board_member_reads_the_frozen_pack(month, folder))


def test_the_control_panel_opens_after_its_meeting_is_moved(month: Month) -> None:
    """The analyst moves the Board's March meeting a week on from the control panel: the
    calendar holds the new date, the change is audited, and the panel shows it."""
    tab = month.tab(ANALYST)
    _goto(tab, month.url(f"/cycle/{FORUM}/{LAST_MONTH}"))
    tab.locator("summary", has_text="Change the meeting's dates").click()
    assert tab.input_value("#meeting-meeting_date") == MARCH_MEETING.isoformat()
    tab.fill("#meeting-meeting_date", MOVED_MEETING.isoformat())
    with tab.expect_navigation() as went:
        tab.locator("form:has(#meeting-meeting_date) button[type=submit]").click()
    store = month.store()
    try:
        meeting = meeting_for(store, FORUM, LAST_MONTH)
    finally:
        store.close()
    assert meeting is not None and meeting.meeting_date == MOVED_MEETING
    moved = [e for e in _audit(month, "meeting.schedule") if e.actor == ANALYST]
    assert len(moved) == 1 and MOVED_MEETING.isoformat() in json.dumps(moved[0].after)
    answer = went.value
    shown = tab.locator("main").inner_text()
    print(f"the panel after moving the meeting: HTTP {answer and answer.status}: {shown[:400]}")
    assert answer is not None and answer.status == 200, shown
    _goto(tab, month.url(f"/publish/{FORUM}/{LAST_MONTH}"))
