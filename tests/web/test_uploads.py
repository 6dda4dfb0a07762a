"""Uploads in the browser: a bad file refused with every problem listed and nothing written; a
good file validated, shown, committed once, audited and in the value's lineage; roles, CSRF,
type and size; a job whose worker stopped; two app instances reading the same job.

The store is the web tests' (``conftest._fill``): six metrics at trust level (RXX) for 30
months to March 2025; SAF12 is a count whose March 2025 figure is 2 (``SMALL_COUNTS[29 % 4]``).
"""

from __future__ import annotations

import hashlib
import io
import re
import threading
import time
from datetime import date, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from conftest import make_client, sign_in
from trustboard.errors import ErrorCode
from trustboard.services import jobs
from trustboard.services import uploads as upload_service
from trustboard.services.jobs import JobStatus
from trustboard.store import Store, utc_now
from trustboard.store import jobs as stored

GOOD = b"metric_id,period,org_unit,value\nSAF12,2025-03,RXX,17\nSAF12,2025-03,MH,6\n"
# row 2: the value is not a number; row 3: no such metric; row 4: no such org unit
BAD = (
    b"metric_id,period,org_unit,value\n"
    b"SAF12,2025-03,RXX,lots\n"
    b"NOPE99,2025-03,RXX,4\n"
    b"SAF12,2025-03,ZZZ,4\n"
)


def _data_digest(store: Store) -> tuple[str, int, int]:
    """A digest of every value revision, and the counts of imports and of audit entries that
    record a change of data."""
    with store.engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT metric_id, org_unit, period_start, value, valid_from, valid_to "
                "FROM metric_value ORDER BY metric_id, org_unit, period_start, valid_from"
            )
        ).all()
        imports = conn.execute(text("SELECT count(*) FROM import_batch")).scalar_one()
        writes = conn.execute(
            text(
                "SELECT count(*) FROM audit_log WHERE action NOT IN ('web.refused', 'user.signin')"
            )
        ).scalar_one()
    return hashlib.sha256(repr(rows).encode()).hexdigest(), int(imports), int(writes)


def _wait(store: Store, job_id: int) -> jobs.Job:
    deadline = time.monotonic() + 60
    while True:
        job = jobs.get(store, job_id)
        if not job.working or time.monotonic() > deadline:
            return job
        time.sleep(0.05)


def _upload(
    client: TestClient, csrf: str, name: str, data: bytes, kind: str = "values"
) -> tuple[int, str]:
    answer = client.post(
        "/uploads",
        data={"csrf_token": csrf, "kind": kind, "forum": "board", "period": "2025-03"},
        files={"file": (name, data, "text/csv")},
    )
    location = answer.headers.get("location", "")
    found = re.fullmatch(r"/uploads/(\d+)", location)
    return (int(found.group(1)) if found else 0), answer.text if not found else location


@pytest.fixture
def analyst(app_url: str) -> tuple[TestClient, str]:
    client = make_client(app_url)
    return client, sign_in(client, "ana")


def test_a_bad_file_is_refused_with_every_problem_and_nothing_written(
    web_store: Store, analyst: tuple[TestClient, str]
) -> None:
    client, csrf = analyst
    before = _data_digest(web_store)
    job_id, _ = _upload(client, csrf, "march-bad.csv", BAD)
    assert job_id
    job = _wait(web_store, job_id)
    assert job.status is JobStatus.FAILED and job.error_code == ErrorCode.DATA
    found = {(p["file"], p["row"], p["column"]) for p in job.report}
    assert ("march-bad.csv", 2, "value") in found
    assert ("march-bad.csv", 3, "metric_id") in found
    assert ("march-bad.csv", 4, "org_unit") in found
    page = client.get(f"/uploads/{job_id}").text
    # the report is a table with the file's own name, never the temporary copy's path
    assert 'id="report"' in page and "march-bad.csv" in page and "tb-upload-" not in page
    assert "lots" in page and "NOPE99" in page and "ZZZ" in page
    assert "Commit" not in page and "Check the file again" not in page
    assert _data_digest(web_store) == before
    # a refused file is not kept; it cannot be committed
    with web_store.reading() as conn:
        assert stored.file_size(conn, job_id, "upload") == 0
    refused = client.post(f"/uploads/{job_id}/commit", data={"csrf_token": csrf})
    assert refused.status_code == 409
    assert _data_digest(web_store) == before


def test_a_good_file_is_checked_then_committed_once_audited_and_in_lineage(
    web_store: Store, analyst: tuple[TestClient, str]
) -> None:
    client, csrf = analyst
    digest, imports, _writes = _data_digest(web_store)
    job_id, _ = _upload(client, csrf, "march-saf12.csv", GOOD)
    job = _wait(web_store, job_id)
    assert job.status is JobStatus.AWAITING_CONFIRMATION, job.error
    assert (job.result["rows"], job.result["metrics"], job.result["org_units"]) == (2, 1, 2)
    assert (job.actor, job.forum, job.period) == ("ana", "board", "2025-03")
    # checked, and nothing written yet
    assert _data_digest(web_store)[:2] == (digest, imports)
    page = client.get(f"/uploads/{job_id}").text
    assert "no problems" in page and "Nothing has been written yet" in page
    assert client.post(f"/uploads/{job_id}/commit", data={"csrf_token": csrf}).status_code == 303
    job = _wait(web_store, job_id)
    assert job.status is JobStatus.DONE, job.error
    # RXX's March figure was 2: revised; MH had none: inserted
    assert (job.result["inserted"], job.result["revised"]) == (1, 1)
    # a second commit (a double click) does nothing twice
    again = client.post(f"/uploads/{job_id}/commit", data={"csrf_token": csrf})
    assert again.status_code == 409 and "Nothing was done twice" in again.text
    assert _data_digest(web_store)[1] == imports + 1
    latest = web_store.imports()[0]
    assert latest.actor == "ana"
    assert [f["file"] for f in latest.files] == ["march-saf12.csv"]
    assert latest.files[0]["sha256"] == hashlib.sha256(GOOD).hexdigest()
    audited = [a for a in web_store.audit() if a.action == "values.import"]
    assert audited and audited[0].actor == "ana"
    lineage = client.get("/forums/board/2025-03/metrics/SAF12/explain?month=2025-03")
    assert lineage.status_code == 200
    assert "march-saf12.csv" in lineage.text and "row 2" in lineage.text


def test_roles_csrf_type_and_size(
    web_store: Store,
    app_url: str,
    analyst: tuple[TestClient, str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    before = _data_digest(web_store)
    for name in ("eve", "bella"):
        other = make_client(app_url)
        token = sign_in(other, name)
        assert other.get("/uploads").status_code == 403
        refused = other.post(
            "/uploads",
            data={"csrf_token": token, "kind": "values"},
            files={"file": ("x.csv", GOOD, "text/csv")},
        )
        assert refused.status_code == 403
        assert any(a.action == "web.refused" and a.actor == name for a in web_store.audit(limit=5))
    client, csrf = analyst
    no_token = client.post(
        "/uploads", data={"kind": "values"}, files={"file": ("x.csv", GOOD, "text/csv")}
    )
    assert no_token.status_code == 403 and ErrorCode.AUTH_CSRF in no_token.text
    wrong_type = client.post(
        "/uploads",
        data={"csrf_token": csrf, "kind": "values"},
        files={"file": ("x.exe", b"MZ", "application/octet-stream")},
    )
    assert wrong_type.status_code == 400 and ErrorCode.UPLOAD_TYPE in wrong_type.text
    monkeypatch.setattr(upload_service, "MAX_UPLOAD_BYTES", 10)
    too_big = client.post(
        "/uploads",
        data={"csrf_token": csrf, "kind": "values"},
        files={"file": ("x.csv", GOOD, "text/csv")},
    )
    assert too_big.status_code == 413 and ErrorCode.UPLOAD_TOO_LARGE in too_big.text
    assert jobs.recent(web_store) == []
    assert _data_digest(web_store)[:2] == before[:2]


def test_a_job_whose_worker_stopped_shows_failed_and_is_checked_again(
    web_store: Store, app_url: str, analyst: tuple[TestClient, str]
) -> None:
    client, csrf = analyst
    job_id, _ = _upload(client, csrf, "march-saf12.csv", GOOD)
    _wait(web_store, job_id)
    # as if a worker took the commit and the server stopped ten minutes ago
    old = utc_now() - timedelta(minutes=10)
    with stored.writing(web_store.engine) as conn:
        stored.move(
            conn,
            job_id,
            allowed=["awaiting-confirmation"],
            status="committing",
            worker="gone:1",
            heartbeat_at=old,
        )
    # a second app instance on the same store (another worker) reads the same job
    other = make_client(app_url)
    sign_in(other, "adam")
    for reader in (client, other):
        page = reader.get(f"/uploads/{job_id}").text
        assert "the server stopped while it ran" in page
        assert "Check the file again" in page
    digest = _data_digest(web_store)
    assert (
        client.post(f"/uploads/{job_id}/revalidate", data={"csrf_token": csrf}).status_code == 303
    )
    assert _wait(web_store, job_id).status is JobStatus.AWAITING_CONFIRMATION
    # no value or import written; the one audit entry added is the check's restart
    assert _data_digest(web_store) == (*digest[:2], digest[2] + 1)
    assert web_store.audit(action="job.restart")[0].actor == "ana"


def test_two_workers_read_the_same_job_and_a_changed_store_refuses_the_commit(
    web_store: Store, app_url: str, analyst: tuple[TestClient, str]
) -> None:
    client, csrf = analyst
    other = make_client(app_url)
    other_csrf = sign_in(other, "adam")
    job_id, _ = _upload(client, csrf, "march-saf12.csv", GOOD)
    _wait(web_store, job_id)
    mine, theirs = client.get(f"/uploads/{job_id}").text, other.get(f"/uploads/{job_id}").text
    for page in (mine, theirs):
        assert "awaiting confirmation" in page and "march-saf12.csv" in page
    # someone else loads SAF12 after the file was checked
    second, _ = _upload(other, other_csrf, "saf12-again.csv", GOOD.replace(b",17", b",18"))
    _wait(web_store, second)
    assert (
        other.post(f"/uploads/{second}/commit", data={"csrf_token": other_csrf}).status_code == 303
    )
    assert _wait(web_store, second).status is JobStatus.DONE
    digest = _data_digest(web_store)
    client.post(f"/uploads/{job_id}/commit", data={"csrf_token": csrf})
    job = _wait(web_store, job_id)
    assert (job.status, job.error_code) == (JobStatus.FAILED, ErrorCode.UPLOAD_CHANGED)
    assert "SAF12" in (job.error or "")
    assert _data_digest(web_store) == digest
    # checked again against the store as it now is, it commits
    client.post(f"/uploads/{job_id}/revalidate", data={"csrf_token": csrf})
    assert _wait(web_store, job_id).status is JobStatus.AWAITING_CONFIRMATION
    client.post(f"/uploads/{job_id}/commit", data={"csrf_token": csrf})
    assert _wait(web_store, job_id).status is JobStatus.DONE


COMMENTARY = b"metric: SAF12\nperiod: 2025-03\nsections:\n  chart_shows: Falls rose in March.\n"
TARGETS = b"metric_id,value,comparator,type,valid_from\nSAF12,10,<=,trajectory,2025-01-01\n"


def test_values_commentary_and_targets_load_on_every_engine(store_url: str) -> None:
    from pack.conftest import FORUMS, UNITS, catalogue, value_rows
    from trustboard.services.users import Role, User

    store, _before, _after = Store.init(store_url, actor="test")
    try:
        store.upsert_catalogue(catalogue(), UNITS, FORUMS, effective=date(2020, 1, 1))
        store.write_values(value_rows())
        ana = User("ana", Role.ANALYST, (), ())
        loaded = {}
        for kind, name, data in (
            ("values", "march.csv", GOOD),
            ("commentary", "march.yaml", COMMENTARY),
            ("targets", "targets.csv", TARGETS),
        ):
            job_id = upload_service.start_upload(
                store, ana, kind, name, io.BytesIO(data), background=False
            )
            checked = jobs.get(store, job_id)
            assert checked.status is JobStatus.AWAITING_CONFIRMATION, checked.report
            loaded[kind] = upload_service.commit(store, ana, job_id, background=False)
        assert {k: j.status for k, j in loaded.items()} == dict.fromkeys(loaded, JobStatus.DONE)
        march = store.values(metric_ids=["SAF12"], org_units=["RXX"], start=date(2025, 3, 1))
        assert march.get_column("value").to_list() == [17.0]
        assert march.get_column("source_file").to_list() == ["march.csv"]
        notes = store.commentary(metric_ids=["SAF12"])
        assert [n.sections.get("chart_shows") for n in notes] == ["Falls rose in March."]
        saf12 = store.metric("SAF12")
        assert saf12 is not None
        assert [(t.type.value, t.value) for t in saf12.targets if t.type.value == "trajectory"] == [
            ("trajectory", 10.0)
        ]
        assert loaded["targets"].result["metrics_changed"] == ["SAF12"]
    finally:
        store.close()


@pytest.mark.browser
@pytest.mark.slow
@pytest.mark.parametrize("width", [1366, 390])
def test_the_upload_pages_pass_axe(
    width: int, request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> None:
    from browser_support import METRIC, PERIOD, axe_violations, chromium, demo_site
    from browser_support import sign_in as browser_sign_in

    from trustboard.services.demo import DEMO_PASSWORD

    site = demo_site(request, tmp_path_factory)
    commentary = f"metric: {METRIC}\nperiod: {PERIOD}\nsections:\n  chart_shows: Text.\n"

    def upload(tab: Any, kind: str, name: str, data: bytes, wanted: str) -> None:
        tab.goto(site.url("/uploads"))
        tab.set_input_files(
            f"#file-{kind}", files=[{"name": name, "mimeType": "text/plain", "buffer": data}]
        )
        tab.click(f"section[aria-labelledby='upload-{kind}'] button[type=submit]")
        tab.wait_for_url(re.compile(r".*/uploads/\d+$"))
        deadline = time.monotonic() + 60
        while wanted not in tab.locator("#job-status").inner_text():
            assert time.monotonic() < deadline, tab.locator("main").inner_text()
            time.sleep(0.2)
            tab.reload()

    with chromium() as (browser, axe):
        context = browser.new_context(viewport={"width": width, "height": 900})
        tab = context.new_page()
        browser_sign_in(tab, site, "demo-analyst", DEMO_PASSWORD)
        pages = []
        tab.goto(site.url("/uploads"))
        pages.append(("uploads", axe_violations(tab, axe)))
        upload(tab, "values", "bad.csv", BAD, "failed")
        assert tab.locator("#report tbody tr").count() >= 3
        pages.append(("refused", axe_violations(tab, axe)))
        upload(tab, "commentary", "note.yaml", commentary.encode(), "awaiting confirmation")
        pages.append(("checked", axe_violations(tab, axe)))
        wide = tab.evaluate("document.documentElement.scrollWidth")
        context.close()
    assert pages == [("uploads", []), ("refused", []), ("checked", [])]
    assert wide <= width


def test_a_checked_upload_is_neither_seen_nor_committed_by_other_roles(
    web_store: Store, app_url: str, analyst: tuple[TestClient, str]
) -> None:
    client, csrf = analyst
    job_id, _ = _upload(client, csrf, "march-saf12.csv", GOOD)
    assert _wait(web_store, job_id).status is JobStatus.AWAITING_CONFIRMATION
    before = _data_digest(web_store)
    for name in ("eve", "dara", "rita"):
        other = make_client(app_url)
        token = sign_in(other, name)
        assert other.get(f"/uploads/{job_id}").status_code == 403
        for step in ("commit", "cancel", "revalidate"):
            answer = other.post(f"/uploads/{job_id}/{step}", data={"csrf_token": token})
            assert answer.status_code == 403, (name, step)
    # a missing token changes nothing either
    assert client.post(f"/uploads/{job_id}/commit").status_code == 403
    assert jobs.get(web_store, job_id).status is JobStatus.AWAITING_CONFIRMATION
    assert _data_digest(web_store)[:2] == before[:2]


def test_the_cycle_control_panel_links_to_its_uploads(analyst: tuple[TestClient, str]) -> None:
    client, _csrf = analyst
    panel = client.get("/cycle/board/2025-03")
    assert panel.status_code == 200
    assert 'href="/uploads?forum=board&amp;period=2025-03"' in panel.text
    page = client.get("/uploads?forum=board&period=2025-03").text
    # the forms carry the forum and month on to the job
    assert page.count('name="forum" value="board"') == 3
    assert page.count('name="period" value="2025-03"') == 3


def test_a_working_job_refreshes_only_when_its_reader_asks(
    web_store: Store, analyst: tuple[TestClient, str]
) -> None:
    client, _csrf = analyst
    job_id = jobs.start(web_store, kind="upload-values", actor="ana", file_name="big.csv")
    now = utc_now()
    with stored.writing(web_store.engine) as conn:
        stored.move(
            conn, job_id, allowed=["queued"], status="committing", worker="w", heartbeat_at=now
        )
        stored.beat(conn, job_id, now=now, worker="w", progress=(250, 1000, "writing: rows"))
    plain = client.get(f"/uploads/{job_id}")
    assert "writing: rows: 250 of 1,000 (25%)" in plain.text
    assert 'http-equiv="refresh"' not in plain.text
    assert f'href="/uploads/{job_id}?auto=1"' in plain.text
    auto = client.get(f"/uploads/{job_id}?auto=1")
    assert '<meta http-equiv="refresh" content="3">' in auto.text
    assert f'href="/uploads/{job_id}">Stop refreshing' in auto.text
    # no script anywhere, and the policy that forbids it
    assert "<script" not in auto.text
    assert "script-src" not in auto.headers["content-security-policy"]
    assert "default-src 'none'" in auto.headers["content-security-policy"]


def test_other_people_are_answered_while_a_file_is_checked(
    web_store: Store,
    app_url: str,
    analyst: tuple[TestClient, str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from trustboard.services import imports

    release = threading.Event()
    checking = imports.check_values

    def slow_check(*args: Any, **kwargs: Any) -> Any:
        release.wait(30)
        return checking(*args, **kwargs)

    monkeypatch.setattr(imports, "check_values", slow_check)
    client, csrf = analyst
    started = time.monotonic()
    job_id, _ = _upload(client, csrf, "march-saf12.csv", GOOD)
    try:
        # the upload is answered at once, and the check is still going on
        assert time.monotonic() - started < 20
        assert jobs.get(web_store, job_id).status is JobStatus.VALIDATING
        reader = make_client(app_url)
        sign_in(reader, "eve")
        for path in ("/", "/forums/board/2025-03", "/status"):
            assert reader.get(path).status_code == 200
        assert "validating" in client.get(f"/uploads/{job_id}").text
    finally:
        release.set()
    assert _wait(web_store, job_id).status is JobStatus.AWAITING_CONFIRMATION
