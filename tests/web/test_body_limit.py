"""Every request's body is bounded (1 MiB) before a route reads it: a form over the limit, with
its length declared or sent chunked, is refused with HTTP 413 (``TB-REQUEST-TOO-LARGE``) and
changes nothing; a normal form still works, and the upload form keeps its own, larger limit.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from urllib.parse import urlencode

from conftest import PASSWORD, csrf_of, make_client, sign_in
from trustboard.services import jobs
from trustboard.store import Store

MIB = 1024 * 1024
FORM = {"content-type": "application/x-www-form-urlencoded"}


def _sign_in_body(token: str, password: str) -> bytes:
    return urlencode({"name": "ana", "password": password, "csrf_token": token}).encode()


def _chunks(body: bytes, size: int = 64 * 1024) -> Iterator[bytes]:
    for start in range(0, len(body), size):
        yield body[start : start + size]


def _refused_413(answer_text: str, status: int) -> None:
    assert status == 413
    assert "TB-REQUEST-TOO-LARGE" in answer_text


def test_a_form_over_the_limit_is_refused_declared_or_chunked_and_changes_nothing(
    app_url: str, web_store: Store
) -> None:
    client = make_client(app_url)
    token = csrf_of(client.get("/sign-in").text)
    before = web_store.fingerprint()
    # the right password, padded past 1 MiB by a field the form does not know
    big = _sign_in_body(token, PASSWORD) + b"&pad=" + b"x" * MIB
    declared = client.post("/sign-in", content=big, headers=FORM)
    _refused_413(declared.text, declared.status_code)
    assert "tb_session" not in declared.headers.get("set-cookie", "")
    # the refusal is the app's error page, with the app's headers
    assert "<html" in declared.text.lower()
    assert "default-src 'none'" in declared.headers["content-security-policy"]
    # no Content-Length: the body is counted while it is read
    chunked = client.post("/sign-in", content=_chunks(big), headers=FORM)
    assert "content-length" not in chunked.request.headers
    _refused_413(chunked.text, chunked.status_code)
    assert "tb_session" not in chunked.headers.get("set-cookie", "")
    assert web_store.fingerprint() == before
    # a normal form still signs in
    good = client.post("/sign-in", content=_sign_in_body(token, PASSWORD), headers=FORM)
    assert good.status_code == 303 and "tb_session" in good.headers["set-cookie"]


def test_a_signed_in_form_over_the_limit_is_refused_and_under_the_limit_works(
    app_url: str, web_store: Store
) -> None:
    client = make_client(app_url)
    token = sign_in(client, "ana")
    before = web_store.fingerprint()
    over = urlencode({"csrf_token": token, "pad": "x" * (MIB + 1)}).encode()
    answer = client.post("/sign-out", content=_chunks(over), headers=FORM)
    _refused_413(answer.text, answer.status_code)
    assert web_store.fingerprint() == before
    assert client.get("/").status_code == 200  # still signed in: the sign-out never ran
    # just under the limit is read as usual
    under = urlencode({"csrf_token": token, "pad": "x" * (MIB - 1024)}).encode()
    assert len(under) <= MIB
    assert client.post("/sign-out", content=under, headers=FORM).status_code == 303
    assert client.get("/").status_code == 303  # signed out


def test_an_api_request_over_the_limit_is_refused_as_json(app_url: str) -> None:
    answer = make_client(app_url).post("/api/v1/forums", content=b"x" * (MIB + 1))
    assert answer.status_code == 413
    assert answer.json()["error"]["code"] == "TB-REQUEST-TOO-LARGE"


def test_an_upload_over_one_mib_keeps_its_own_limit(app_url: str, web_store: Store) -> None:
    client = make_client(app_url)
    token = sign_in(client, "ana")
    rows = b"SAF12,2025-03,RXX,17\n" * (MIB // 20)
    data = b"metric_id,period,org_unit,value\n" + rows
    assert len(data) > MIB
    answer = client.post(
        "/uploads",
        data={"csrf_token": token, "kind": "values", "forum": "board", "period": "2025-03"},
        files={"file": ("big.csv", data, "text/csv")},
    )
    assert answer.status_code == 303, answer.text
    job_id = int(answer.headers["location"].rsplit("/", 1)[1])
    deadline = time.monotonic() + 120
    while jobs.get(web_store, job_id).working and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not jobs.get(web_store, job_id).working
