"""The read-only JSON API: bearer tokens, the pack's figures, the forums an account reads."""

from __future__ import annotations

from sqlalchemy import select

from conftest import PERIOD, make_client
from trustboard.services.users import disable_user, issue_token
from trustboard.store import Store
from trustboard.store.users import ApiTokenRow


def test_a_token_is_shown_once_and_stored_as_its_hash(web_store: Store) -> None:
    token = issue_token(web_store, "ana")
    assert token.startswith("tb_") and len(token) > 40
    with web_store.engine.connect() as conn:
        kept = conn.execute(select(ApiTokenRow.token_sha256)).scalars().all()
    import hashlib

    assert kept == [hashlib.sha256(token.encode()).hexdigest()]
    assert token not in str([a.after for a in web_store.audit()])


def test_the_metrics_of_a_forum(app_url: str, web_store: Store) -> None:
    client = make_client(app_url)
    auth = {"Authorization": f"Bearer {issue_token(web_store, 'ana')}"}
    answer = client.get(f"/api/v1/forums/board/{PERIOD}/metrics", headers=auth)
    assert answer.status_code == 200
    body = answer.json()
    assert (body["forum"], body["period"], body["public"]) == ("board", PERIOD, False)
    # the private Board receives all six metrics of the test catalogue, the private one too
    ids = sorted(m["id"] for m in body["metrics"])
    assert ids == ["RES01", "SAF11", "SAF12", "WEL01", "WEL03", "WEL04"]
    res01 = next(m for m in body["metrics"] if m["id"] == "RES01")
    # RES01 for March 2025 is 66 of 100 seen within 6 weeks (tests/pack/conftest.py:
    # 80 + round(6 sin(29 × 1.3)) − 14 = 80 − 0 − 14; sin(37.7) = 0.0057)
    assert res01["value"] == 0.66 and res01["display"] == "66.0%"
    assert res01["latest_date"] == "2025-03-01"


def test_forums_lists_only_what_the_account_reads(app_url: str, web_store: Store) -> None:
    client = make_client(app_url)
    auth = {"Authorization": f"Bearer {issue_token(web_store, 'bella')}"}
    body = client.get("/api/v1/forums", headers=auth).json()
    assert [f["id"] for f in body["forums"]] == ["public-board"]
    assert body["periods"][0] == PERIOD and len(body["periods"]) == 12
    refused = client.get(f"/api/v1/forums/board/{PERIOD}/metrics", headers=auth)
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "TB-AUTH-FORBIDDEN"


def test_a_wrong_or_revoked_token_is_refused(app_url: str, web_store: Store) -> None:
    client = make_client(app_url)
    token = issue_token(web_store, "eve")
    assert client.get("/api/v1/forums", headers={"Authorization": f"Bearer {token}"}).is_success
    for header in (f"Bearer {token}x", f"Basic {token}", token):
        assert client.get("/api/v1/forums", headers={"Authorization": header}).status_code == 401
    disable_user(web_store, "eve")
    answer = client.get("/api/v1/forums", headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 401
