"""Bad input to the write side's routes is answered with a 4xx naming it, never a server error.

A job or notification id is a row id: a signed 64-bit integer on SQLite and PostgreSQL.  A
larger number in a URL or a form is no such row (404 for a page, nothing marked for the
notifications form), not a database overflow.
"""

from __future__ import annotations

from conftest import make_client, sign_in
from trustboard.store import Store

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
