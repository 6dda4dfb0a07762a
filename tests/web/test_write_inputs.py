"""Bad input to the write side's routes is answered with a 4xx naming it, never a server error.

A job or notification id is a row id: a signed 64-bit integer on SQLite and PostgreSQL.  A
larger number in a URL or a form is no such row (404 for a page, nothing marked for the
notifications form), not a database overflow.
"""

from __future__ import annotations

import asyncio
import gc
import shutil
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from baf.builders import build_baf_store
from conftest import make_client, sign_in
from trustboard.services import jobs
from trustboard.services import uploads as upload_service
from trustboard.services.jobs import JobStatus
from trustboard.store import Store
from trustboard.store import jobs as stored
from trustboard.store import notifications as notes

#: One more than the largest signed 64-bit integer (2**63 = 9223372036854775808).
TOO_BIG = "9223372036854775808"


def test_a_job_id_past_the_store_s_range_is_not_found(app_url: str) -> None:
    client = make_client(app_url, raise_server_exceptions=False)
    csrf = sign_in(client, "ana")
    assert client.get(f"/uploads/{TOO_BIG}").status_code == 404
    assert client.get(f"/publish/board/2025-03/jobs/{TOO_BIG}").status_code == 404
    for step in ("commit", "cancel", "revalidate"):
        answer = client.post(f"/uploads/{TOO_BIG}/{step}", data={"csrf_token": csrf})
        assert answer.status_code == 404, (step, answer.status_code)
        assert "TB-JOB-NOT-FOUND" in answer.text


def test_a_notification_id_past_the_store_s_range_marks_nothing(
    app_url: str, web_store: Store
) -> None:
    client = make_client(app_url, raise_server_exceptions=False)
    csrf = sign_in(client, "ana")
    answer = client.post("/notifications", data={"csrf_token": csrf, "notification": TOO_BIG})
    assert answer.status_code == 303
    assert web_store.audit(action="notification.read") == []


GOOD = b"metric_id,period,org_unit,value\nSAF12,2025-03,RXX,17\n"


def _settled(store: Store, job_id: int) -> jobs.Job:
    deadline = time.monotonic() + 60
    job = jobs.get(store, job_id)
    while job.working and time.monotonic() < deadline:
        time.sleep(0.05)
        job = jobs.get(store, job_id)
    return job


def _uploaded(client: TestClient, csrf: str) -> int:
    answer = client.post(
        "/uploads",
        data={"csrf_token": csrf, "kind": "values"},
        files={"file": ("march.csv", GOOD, "text/csv")},
    )
    assert answer.status_code == 303, answer.text
    return int(answer.headers["location"].rsplit("/", 1)[1])


def test_an_upload_is_recorded_in_the_name_of_whoever_commits_cancels_or_rechecks_it(
    app_url: str, web_store: Store
) -> None:
    ana = make_client(app_url)
    ana_csrf = sign_in(ana, "ana")
    adam = make_client(app_url)
    adam_csrf = sign_in(adam, "adam")

    # ana uploads, adam commits: the import and its audit entry name adam
    committed = _uploaded(ana, ana_csrf)
    assert _settled(web_store, committed).status is JobStatus.AWAITING_CONFIRMATION
    done = adam.post(f"/uploads/{committed}/commit", data={"csrf_token": adam_csrf})
    assert done.status_code == 303
    assert _settled(web_store, committed).status is JobStatus.DONE
    assert web_store.imports()[0].actor == "adam"
    assert web_store.audit(action="values.import")[0].actor == "adam"

    # ana uploads, adam cancels: audited in adam's name, with the job's step before and after
    cancelled = _uploaded(ana, ana_csrf)
    assert _settled(web_store, cancelled).status is JobStatus.AWAITING_CONFIRMATION
    assert adam.post(f"/uploads/{cancelled}/cancel", data={"csrf_token": adam_csrf}).is_redirect
    entry = web_store.audit(action="job.cancel")[0]
    assert (entry.actor, entry.entity_id) == ("adam", str(cancelled))
    assert entry.before["status"] == "awaiting-confirmation"
    assert entry.after["status"] == "cancelled"

    # a failed upload with its file kept, checked again by adam: audited in adam's name
    failed = _uploaded(ana, ana_csrf)
    assert _settled(web_store, failed).status is JobStatus.AWAITING_CONFIRMATION
    with stored.writing(web_store.engine) as conn:
        assert stored.move(conn, failed, allowed=["awaiting-confirmation"], status="failed")
    answer = adam.post(f"/uploads/{failed}/revalidate", data={"csrf_token": adam_csrf})
    assert answer.status_code == 303
    entry = web_store.audit(action="job.restart")[0]
    assert (entry.actor, entry.entity_id) == ("adam", str(failed))
    assert (entry.before["status"], entry.after["status"]) == ("failed", "queued")
    _settled(web_store, failed)


def test_an_upload_sent_without_a_declared_length_is_read_no_further_than_the_limit(
    app_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # a 100,000-byte limit; the form's framing may add 64 KiB (web.uploads._FORM_OVERHEAD)
    monkeypatch.setattr(upload_service, "max_upload_bytes", lambda: 100_000)
    client = make_client(app_url)
    sign_in(client, "ana")
    cookie = "; ".join(f"{k}={v}" for k, v in client.cookies.items())
    boundary = "tbboundary"
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="kind"\r\n\r\nvalues\r\n'
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.csv"\r\n'
        "Content-Type: text/csv\r\n\r\n"
    ).encode()
    chunk = b"a" * 65_536
    total_chunks = 320  # 20 MiB, sent chunked: no Content-Length
    pulled = 0
    answered: dict[str, Any] = {}

    async def receive() -> dict[str, Any]:
        nonlocal pulled
        pulled += 1
        if pulled == 1:
            return {"type": "http.request", "body": head, "more_body": True}
        return {"type": "http.request", "body": chunk, "more_body": pulled <= total_chunks}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            answered["status"] = message["status"]

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/uploads",
        "raw_path": b"/uploads",
        "root_path": "",
        "query_string": b"",
        "headers": [
            (b"host", b"testserver"),
            (b"cookie", cookie.encode()),
            (b"content-type", f"multipart/form-data; boundary={boundary}".encode()),
            (b"transfer-encoding", b"chunked"),
        ],
        "client": ("127.0.0.1", 50000),
        "server": ("testserver", 80),
    }
    asyncio.run(client.app(scope, receive, send))  # type: ignore[arg-type]
    assert answered["status"] == 413
    # 100,000 + 65,536 bytes is three chunks of 64 KiB: the body is left after a few more
    assert pulled * len(chunk) < 400_000, pulled
    gc.collect()  # a file part left open would warn here, and warnings are errors


@pytest.fixture(scope="module")
def _baf_db(tmp_path_factory: pytest.TempPathFactory, _template_db: Path) -> Path:
    path = tmp_path_factory.mktemp("baf-refusals") / "web.db"
    build_baf_store(_template_db, path)  # one risk, BAF-01
    return path


def test_a_role_that_edits_no_risk_is_answered_alike_for_a_risk_that_exists_or_not(
    _baf_db: Path, tmp_path: Path
) -> None:
    shutil.copyfile(_baf_db, tmp_path / "web.db")
    url = f"sqlite:///{tmp_path / 'web.db'}"
    for name in ("bella", "dara"):
        client = make_client(url)
        csrf = sign_in(client, name)
        for risk_id in ("BAF-01", "NOPE-99"):
            page = client.get(f"/baf/risks/{risk_id}/edit")
            posted = client.post(
                f"/baf/risks/{risk_id}/edit",
                data={"csrf_token": csrf, "step": "preview", "based_on": "1"},
            )
            assert (page.status_code, posted.status_code) == (403, 403), (name, risk_id)
            assert "TB-AUTH-FORBIDDEN" in page.text and "TB-AUTH-FORBIDDEN" in posted.text
    store = Store.open(url, actor="test")
    refused = [a for a in store.audit(action="web.refused") if "BAF risk" in str(a.after)]
    store.close()
    assert len(refused) == 8


def test_the_notifications_page_says_when_it_lists_only_the_newest(
    app_url: str, web_store: Store
) -> None:
    client = make_client(app_url)
    sign_in(client, "ana")

    def add(count: int, start: int) -> None:
        with web_store.transaction() as conn:
            for n in range(start, start + count):
                notes.add_notification(
                    conn,
                    recipient="ana",
                    kind="action.overdue",
                    subject=f"Notice number {n:03d}",
                    link="/actions",
                    now=datetime(2025, 4, 1, 9, 0) + timedelta(minutes=n),
                )

    add(200, 0)  # exactly the 200 the page lists: all of them shown, nothing said
    page = client.get("/notifications").text
    assert page.count("Notice number") == 400  # each in its link and its button's label
    assert 'id="older-notifications"' not in page
    add(1, 200)  # one more: the oldest drops off the list, and the page says so
    page = client.get("/notifications").text
    assert "Notice number 200" in page and "Notice number 000" not in page
    assert 'id="older-notifications"' in page


def test_a_job_stopped_by_an_unexpected_error_shows_no_internal_detail(
    app_url: str, web_store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    job_id = jobs.start(web_store, kind="upload-values", actor="ana", file_name="march.csv")
    internal = "SELECT secret FROM app_user WHERE name = 'ana' [parameters: ('hunter2',)]"

    def work(ctx: jobs.JobContext) -> jobs.Step:
        raise RuntimeError(internal)

    jobs.run(
        web_store,
        job_id,
        allowed=[JobStatus.QUEUED],
        working=JobStatus.VALIDATING,
        work=work,
        background=False,
    )
    failed = jobs.get(web_store, job_id)
    assert failed.status is JobStatus.FAILED
    assert failed.error is not None and "the server's log has the details" in failed.error
    assert "secret" not in failed.error and "hunter2" not in failed.error
    client = make_client(app_url)
    sign_in(client, "ana")
    page = client.get(f"/uploads/{job_id}").text
    assert "log has the details" in page
    assert "secret" not in page and "hunter2" not in page
    # the log keeps what happened
    assert internal in caplog.text
