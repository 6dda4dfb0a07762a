"""Check and publish from the browser: every finding with what is stated, what is computed and
a link to its source; an override with a reason (audited); publishing as ``trustboard publish``
does, as a job, for analysts and admins only (CSRF, refusals audited, nothing written); the
published pack listed for the forum's members; approved narrative locked by publishing.

Hand-built store (``cycle_store``): RES01 is the Board pack's one exception and its March
narrative is approved.  With the claim "Twenty metrics show special cause concern." on the
cover sheet, the check finds exactly one thing: the cover sheet's count of concern
(``cover-count``), stated "Twenty" against the one metric (RES01) the icon matrix shows.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from cycle_store import PERIOD, build, copy, narrative, paper  # type: ignore[import-not-found]
from fastapi.testclient import TestClient

from cliruns import run as run_cli
from conftest import sign_in
from trustboard.services import jobs
from trustboard.services import narrative as nv
from trustboard.store import Store
from trustboard.web import WebSettings, create_app

HERE = f"/publish/board/{PERIOD}"
CLAIM = "Twenty metrics show special cause concern."
FINDING = "cover-count/-/RXX/2025-03/assurance_rationale.concern"


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("publish-web") / "cycle.db"
    build(path)
    store = Store.open(f"sqlite:///{path}", actor="test")
    narrative(store, "approved")
    store.close()
    return path


@pytest.fixture
def store(template: Path, tmp_path: Path) -> Iterator[Store]:
    opened = copy(template, tmp_path / "cycle.db")
    yield opened
    opened.close()


def _client(store: Store, paper_file: Path, root: Path | None) -> TestClient:
    url = store.engine.url.render_as_string(hide_password=False)
    settings = WebSettings(
        database=url, paper=paper_file, published_root=root, allow_plain_http=True
    )
    return TestClient(create_app(settings), follow_redirects=False)


def _wait(store: Store, job_id: int, limit_s: float = 180.0) -> jobs.Job:
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline:
        found = jobs.get(store, job_id)
        if found.finished:
            return found
        time.sleep(0.2)
    raise AssertionError(f"job {job_id} did not finish in {limit_s} s")


def test_findings_are_listed_with_their_sources_and_overridden_with_a_reason(
    store: Store, tmp_path: Path
) -> None:
    client = _client(store, paper(tmp_path, assurance_rationale=CLAIM), tmp_path / "out")
    token = sign_in(client, "ana")
    page = client.get(HERE).text
    findings = page[page.index('<h2 id="findings">') : page.index('<h2 id="overrides">')]
    assert findings.count('<li class="card"') == 1
    assert FINDING in findings
    assert "Twenty" in findings and "1 in the icon matrix" in findings  # stated, computed
    assert 'href="#cover-sheet"' in findings  # the cover sheet is its source
    assert CLAIM in page[page.index('<h2 id="cover-sheet">') :]
    assert "Publishing waits until no finding is open." in page
    # an override needs a reason: refused, nothing written
    blank = client.post(
        f"{HERE}/override", data={"finding_id": FINDING, "reason": " ", "csrf_token": token}
    )
    assert blank.status_code == 400
    assert store.audit(action="check.override") == []
    done = client.post(
        f"{HERE}/override",
        data={"finding_id": FINDING, "reason": "Agreed with the chair", "csrf_token": token},
    )
    assert (done.status_code, done.headers["location"]) == (303, f"{HERE}#overrides")
    (entry,) = store.audit(action="check.override")
    assert entry.actor == "ana" and entry.after["reason"] == "Agreed with the chair"
    page = client.get(HERE).text
    assert 'id="no-findings"' in page
    overrides = page[page.index('<h2 id="overrides">') : page.index('<h2 id="publish">')]
    assert FINDING in overrides and "Agreed with the chair" in overrides and "ana" in overrides
    assert f'<form method="post" action="{HERE}">' in page  # the publish button


def test_only_analysts_and_admins_check_and_publish(store: Store, tmp_path: Path) -> None:
    root = tmp_path / "out"
    paper_file = paper(tmp_path)
    for name in ("eve", "bea"):
        client = _client(store, paper_file, root)
        token = sign_in(client, name)
        assert client.get(HERE).status_code == 403
        assert client.post(HERE, data={"csrf_token": token}).status_code == 403
        assert (
            client.post(
                f"{HERE}/override",
                data={"finding_id": FINDING, "reason": "x", "csrf_token": token},
            ).status_code
            == 403
        )
    analyst = _client(store, paper_file, root)
    sign_in(analyst, "ana")
    assert analyst.post(HERE, data={}).status_code == 403  # no CSRF token
    assert not root.exists()
    assert jobs.recent(store, kinds=["publish"]) == []
    assert store.audit(action="check.override") == []
    refused = [(a.actor, a.after["reason"]) for a in store.audit(action="web.refused")]
    assert refused.count(("eve", "role executive not allowed")) == 3
    assert refused.count(("bea", "role board_member not allowed")) == 3
    assert ("ana", "missing or wrong CSRF token") in refused


def test_a_server_without_a_published_root_does_not_publish(store: Store, tmp_path: Path) -> None:
    client = _client(store, paper(tmp_path), None)
    token = sign_in(client, "ana")
    assert "keeps no published packs" in client.get(HERE).text
    refused = client.post(HERE, data={"csrf_token": token})
    assert refused.status_code == 422 and "--published-root" in refused.text
    assert jobs.recent(store, kinds=["publish"]) == []


@pytest.mark.slow  # publishes twice, each with its PDF
def test_publishing_from_the_browser_is_trustboard_publish(
    store: Store, template: Path, tmp_path: Path
) -> None:
    paper_file = paper(tmp_path)
    # the command line publishes a copy of the same store
    cli_store = copy(template, tmp_path / "cli.db")
    cli_url = cli_store.engine.url.render_as_string(hide_password=False)
    cli_store.close()
    cli_root = tmp_path / "cli-out"
    done = run_cli(
        ["publish", "--period", PERIOD, "--forum", "board", "-o", cli_root,
         "--paper", paper_file, "-d", cli_url]
    )  # fmt: skip
    assert done.exit_code == 0, done.output

    root = tmp_path / "web-out"
    client = _client(store, paper_file, root)
    token = sign_in(client, "ana")
    started = client.post(HERE, data={"csrf_token": token})
    assert started.status_code == 303
    location = started.headers["location"]
    assert location.startswith(f"{HERE}/jobs/")
    job = _wait(store, int(location.rsplit("/", 1)[1]))
    assert job.status is jobs.JobStatus.DONE, job.error
    assert job.actor == "ana"
    shown = client.get(location).text
    assert 'id="job-done"' in shown and f'href="/packs/board/{PERIOD}"' in shown

    folder = root / "published" / "board" / PERIOD
    cli_folder = cli_root / "published" / "board" / PERIOD
    web_manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    cli_manifest = json.loads((cli_folder / "manifest.json").read_text(encoding="utf-8"))
    # the frozen inputs are the same: the cover sheet and actions, the exact value revisions
    # read, the catalogue, the options, the figures and the check
    assert (folder / "inputs.json").read_bytes() == (cli_folder / "inputs.json").read_bytes()
    for key in (
        "data_sha256",
        "value_rows",
        "catalogue_version",
        "options",
        "figures",
        "check",
        "forum",
        "period",
        "previous_publication",
    ):
        assert web_manifest[key] == cli_manifest[key], key
    assert sorted(web_manifest["files"]) == sorted(cli_manifest["files"])
    assert any(name.endswith(".pdf") for name in web_manifest["files"])

    # publishing locks the approved narrative it carries
    latest = nv.latest(store, "RES01", PERIOD)
    assert latest is not None and latest.state == "locked" and latest.author == "ana"
    # the page says so, and offers no second publication
    page = client.get(HERE).text
    assert 'id="published"' in page and f'<form method="post" action="{HERE}">' not in page
    again = client.post(HERE, data={"csrf_token": token})
    assert again.status_code == 409
    assert len(jobs.recent(store, kinds=["publish"])) == 1

    # the forum's member finds it on the packs page
    member = _client(store, paper_file, root)
    sign_in(member, "bea")
    packs = member.get("/packs").text
    assert f'href="/packs/board/{PERIOD}"' in packs
    assert member.get(f"/packs/board/{PERIOD}").status_code == 200
