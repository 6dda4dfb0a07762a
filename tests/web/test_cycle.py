"""The reporting cycle's control panel and its values templates, on hand-built stores.

The store with work outstanding holds the board-pack tests' catalogue and 30 months of values
to March 2025, less the falls rate's (SAF11) March figure; no narrative for March; and a paper
configuration whose assurance rationale claims twenty metrics with special cause concern
(the Board's pack has six metrics).  Counted by hand from those rules:

* data: SAF11 alone lacks March; its data was due 20 days after 31 March (the catalogue's
  default lag): 20 April 2025;
* narrative: RES01 is the one exception page (its last 8 months are 14 points lower, below
  the 75% national standard: missed for 8 consecutive periods), and it has no narrative;
* check: two findings, the cover sheet's count of concern (``cover-count``) and RES01's
  narrative, never started so not approved (``narrative-approval``); on the clean store RES01's
  narrative is imported approved by eve, recorded as the Chief Operating Officer's approver;
* overrides: none until one is recorded.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import polars as pl
import pytest
import yaml
from fastapi.testclient import TestClient

from conftest import PASSWORD, sign_in
from pack.conftest import COMPLETE_PAPER, FORUMS, UNITS, catalogue, value_rows
from trustboard.domain import AssuranceLevel, Commentary
from trustboard.services import narrative as nv
from trustboard.services.check import override_finding
from trustboard.services.users import Role, User, add_user
from trustboard.store import Store
from trustboard.web import WebSettings, create_app

PERIOD = "2025-03"
CLAIM = "Twenty metrics show special cause concern."
FINDING = "cover-count/-/RXX/2025-03/assurance_rationale.concern"
NARRATIVE_FINDING = "narrative-approval/RES01/RXX/2025-03/narrative"
SAF11_DUE = date(2025, 4, 20)


def _paper(tmp_path: Path, claim: str | None) -> Path:
    paper = dict(COMPLETE_PAPER["paper"])  # type: ignore[arg-type]
    if claim:
        paper["assurance_rationale"] = claim
    path = tmp_path / "paper.yaml"
    path.write_text(yaml.safe_dump({**COMPLETE_PAPER, "paper": paper}), encoding="utf-8")
    return path


def _store(tmp_path: Path, *, clean: bool) -> Store:
    store, _before, _after = Store.init(f"sqlite:///{tmp_path / 'cycle.db'}", actor="test")
    store.upsert_catalogue(catalogue(), UNITS, FORUMS, effective=date(2020, 1, 1), source="t")
    values = value_rows()
    if not clean:
        values = values.filter(
            ~((pl.col("metric_id") == "SAF11") & (pl.col("period_start") == date(2025, 3, 1)))
        )
    store.write_values(values)
    add_user(store, "ana", "analyst", PASSWORD)
    add_user(store, "eve", "executive", PASSWORD)
    if clean:
        note = Commentary(
            metric_id="RES01",
            period=PERIOD,
            sections={
                "chart_shows": "Fewer people started treatment within 6 weeks since August.",
                "root_causes": "Two step-2 therapist vacancies.",
            },
            assurance_level=AssuranceLevel.PARTIALLY_ASSURED,
        )
        store.write_commentary([note])
        nv.set_lead(store, User("adam", Role.ADMIN, (), ()), "Chief Operating Officer", "eve")
        nv.enter_imported(store, [note], author="ana", approved_by="eve")
    return store


def _client(store: Store, paper: Path | None) -> TestClient:
    url = store.engine.url.render_as_string(hide_password=False)
    app = create_app(WebSettings(database=url, paper=paper, allow_plain_http=True))
    return TestClient(app, follow_redirects=False)


@pytest.fixture
def outstanding(tmp_path: Path) -> Iterator[tuple[Store, Path]]:
    store = _store(tmp_path, clean=False)
    yield store, _paper(tmp_path, CLAIM)
    store.close()


def _count(page: str, anchor: str) -> int:
    start = page.index(f'<a href="#{anchor}"><span class="count">') + len(
        f'<a href="#{anchor}"><span class="count">'
    )
    return int(page[start : page.index("<", start)])


def _section(page: str, anchor: str) -> str:
    start = page.index(f'<h2 id="{anchor}">')
    end = page.find("<h2 ", start + 1)
    return page[start : end if end > 0 else len(page)]


def test_what_is_outstanding_is_counted_and_linked(outstanding: tuple[Store, Path]) -> None:
    store, paper = outstanding
    client = _client(store, paper)
    sign_in(client, "ana")
    answer = client.get(f"/cycle/board/{PERIOD}")
    assert answer.status_code == 200, answer.text
    page = answer.text
    counts = {a: _count(page, a) for a in ("data", "narrative", "findings", "overrides")}
    assert counts == {"data": 1, "narrative": 1, "findings": 2, "overrides": 0}
    assert 'id="nothing-outstanding"' not in page

    data = _section(page, "data")
    assert f'href="/forums/board/{PERIOD}/metrics/SAF11"' in data
    late = (date.today() - SAF11_DUE).days
    assert f"late by {late} days" in data
    assert "Mar 2025 by 20 April 2025" in data
    assert "2025-02" in data  # the latest data loaded
    for other in ("RES01", "SAF12", "WEL01", "WEL03", "WEL04"):
        assert f"/metrics/{other}" not in data

    narrative = _section(page, "narrative")
    assert f'href="/forums/board/{PERIOD}/metrics/RES01"' in narrative
    assert "The national standard has been missed for 8 consecutive periods" in narrative
    assert "Chief Operating Officer" in narrative
    assert narrative.count("/metrics/") == 1

    findings = _section(page, "findings")
    assert FINDING in findings
    assert f'href="/forums/board/{PERIOD}"' in findings  # the cover sheet is the pack's
    # stated: the claim; computed: RES01 alone shows concern (its exception's first reason)
    assert "Twenty metrics show special cause concern" in findings
    assert "1 in the icon matrix" in findings

    timetable = _section(page, "timetable")
    assert "24 April 2025" in timetable  # meeting_date
    assert "15 April 2025" in timetable  # date_submitted
    assert "20 April 2025" in timetable  # every metric's lag is the default 20 days
    assert "Narrative due" in timetable and "not recorded" in timetable


def test_an_override_moves_the_finding_to_the_record(outstanding: tuple[Store, Path]) -> None:
    store, paper = outstanding
    client = _client(store, paper)
    sign_in(client, "ana")
    assert _count(client.get(f"/cycle/board/{PERIOD}").text, "findings") == 2
    # recorded while the app runs: the page built before it is not shown again
    override_finding(store, "board", PERIOD, FINDING, "Agreed with the chair", config=paper)
    page = client.get(f"/cycle/board/{PERIOD}").text
    assert (_count(page, "findings"), _count(page, "overrides")) == (1, 1)
    record = _section(page, "overrides")
    assert FINDING in record and "Agreed with the chair" in record and ">test<" in record
    still_open = _section(page, "findings")
    assert NARRATIVE_FINDING in still_open and FINDING not in still_open


def test_a_clean_store_says_nothing_is_outstanding(tmp_path: Path) -> None:
    store = _store(tmp_path, clean=True)
    try:
        client = _client(store, _paper(tmp_path, None))
        sign_in(client, "ana")
        page = client.get(f"/cycle/board/{PERIOD}").text
    finally:
        store.close()
    counts = {a: _count(page, a) for a in ("data", "narrative", "findings", "overrides")}
    assert counts == {"data": 0, "narrative": 0, "findings": 0, "overrides": 0}
    assert 'id="nothing-outstanding"' in page
    assert "Every metric has its data for Mar 2025." in page
    assert "Every exception page has narrative." in page


def test_dates_the_paper_configuration_lacks_are_shown_as_not_set(
    outstanding: tuple[Store, Path],
) -> None:
    store, _paper_file = outstanding
    client = _client(store, None)  # no paper configuration: the defaults, with no dates
    sign_in(client, "ana")
    timetable = _section(client.get(f"/cycle/board/{PERIOD}").text, "timetable")
    assert timetable.count("not set") == 2  # paper submitted, meeting
    assert "20 April 2025" in timetable  # the data's due date is the catalogue's


def test_the_panel_and_templates_are_for_analysts_only(outstanding: tuple[Store, Path]) -> None:
    store, paper = outstanding
    client = _client(store, paper)
    sign_in(client, "eve")
    for path in (
        "/cycle",
        f"/cycle/board/{PERIOD}",
        f"/cycle/board/{PERIOD}/template?layout=wide&format=xlsx",
    ):
        assert client.get(path).status_code == 403, path
    refused = [a for a in store.audit(action="web.refused") if a.actor == "eve"]
    assert len(refused) == 3
    assert 'href="/cycle"' not in client.get("/").text  # no link where it is refused
    analyst = _client(store, paper)
    sign_in(analyst, "ana")
    assert '<a href="/cycle">Reporting cycle</a>' in analyst.get("/").text


def test_the_chooser_and_the_template_download(outstanding: tuple[Store, Path]) -> None:
    store, paper = outstanding
    client = _client(store, paper)
    sign_in(client, "ana")
    chosen = client.get("/cycle", params={"forum": "fpc", "period": "2025-02"})
    assert (chosen.status_code, chosen.headers["location"]) == (303, "/cycle/fpc/2025-02")
    page = client.get(f"/cycle/board/{PERIOD}").text
    link = f"/cycle/board/{PERIOD}/template?layout=wide&amp;format=csv"
    assert link in page
    got = client.get(link.replace("&amp;", "&"))
    assert got.status_code == 200
    assert got.headers["content-disposition"] == (
        f'attachment; filename="values-board-{PERIOD}-wide.csv"'
    )
    frame = pl.read_csv(io.BytesIO(got.content), infer_schema=False)
    assert frame.columns[-2:] == ["# Feb 2025 (last period)", PERIOD]
    # RES01 (numerator, denominator) and the five other metrics, all at trust level
    assert frame.height == 7
    saf11 = frame.filter(pl.col("metric_id") == "SAF11")
    assert saf11["# Feb 2025 (last period)"].null_count() == 0  # February was loaded
    assert saf11[PERIOD].null_count() == 1  # March is left to fill in
    bad = client.get(f"/cycle/board/{PERIOD}/template?layout=tall")
    assert bad.status_code == 400 and "--layout must be one of long, wide" in bad.text
    assert client.get(f"/cycle/nope/{PERIOD}/template").status_code == 404
