"""Sign-in, sessions, CSRF, throttling, headers, audit and the one error shape."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select, update

from conftest import PASSWORD, PERIOD, csrf_of, make_client, sign_in
from trustboard.errors import AuthenticationError, OptionsError
from trustboard.services.users import (
    ADDRESS_WINDOW_MINUTES,
    LOCK_MINUTES,
    MAX_ADDRESS_FAILURES,
    MAX_FAILED_SIGNINS,
    add_user,
    authenticate,
    disable_user,
)
from trustboard.store import Store, utc_now
from trustboard.store.users import AppUserRow, SigninFailureRow, WebSessionRow
from trustboard.web import WebSettings, create_app
from trustboard.web.auth import client_address

CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'"
)


def _sessions(store: Store) -> int:
    with store.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(WebSessionRow)).scalar_one())


def _actions(store: Store, name: str) -> list[str]:
    return [a.action for a in reversed(store.audit()) if a.actor == name]


def test_sign_in_without_or_with_a_wrong_csrf_token_is_refused_and_changes_nothing(
    app_url: str, web_store: Store
) -> None:
    client = make_client(app_url)
    form = client.get("/sign-in")
    good = csrf_of(form.text)
    # a wrong token: the good one with its first character changed (never to itself)
    for token in ("", ("y" if good[0] == "x" else "x") + good[1:]):
        answer = client.post(
            "/sign-in", data={"name": "ana", "password": PASSWORD, "csrf_token": token}
        )
        assert answer.status_code == 403
        assert "TB-AUTH-CSRF" in answer.text
        assert "tb_session" not in answer.headers.get("set-cookie", "")
    assert _sessions(web_store) == 0
    assert "web.signin" not in _actions(web_store, "ana")
    assert _actions(web_store, "ana").count("web.refused") == 2
    # the token from the form, sent back with its cookie, is accepted
    answer = client.post("/sign-in", data={"name": "ana", "password": PASSWORD, "csrf_token": good})
    assert answer.status_code == 303 and _sessions(web_store) == 1


def test_a_token_without_its_cookie_is_refused(app_url: str, web_store: Store) -> None:
    token = csrf_of(make_client(app_url).get("/sign-in").text)
    stranger = make_client(app_url)  # another browser: no sign-in cookie of its own
    answer = stranger.post(
        "/sign-in", data={"name": "ana", "password": PASSWORD, "csrf_token": token}
    )
    assert answer.status_code == 403 and _sessions(web_store) == 0


def test_sign_out_needs_the_session_s_csrf_token(app_url: str, web_store: Store) -> None:
    client = make_client(app_url)
    token = sign_in(client, "ana")
    for wrong in ("", token[::-1]):
        answer = client.post("/sign-out", data={"csrf_token": wrong})
        assert answer.status_code == 403 and "TB-AUTH-CSRF" in answer.text
        assert client.get("/").status_code == 200  # still signed in
    assert _sessions(web_store) == 1
    answer = client.post("/sign-out", data={"csrf_token": token})
    assert (answer.status_code, answer.headers["location"]) == (303, "/sign-in")
    assert _sessions(web_store) == 0
    assert client.get("/").status_code == 303
    assert _actions(web_store, "ana")[-3:] == ["web.refused", "web.refused", "web.signout"]


def test_the_session_cookie_is_http_only_same_site_and_expiring(app_url: str) -> None:
    client = make_client(app_url)
    form = client.get("/sign-in")
    signin_cookie = form.headers["set-cookie"]
    assert "HttpOnly" in signin_cookie and "SameSite=strict" in signin_cookie
    answer = client.post(
        "/sign-in", data={"name": "ana", "password": PASSWORD, "csrf_token": csrf_of(form.text)}
    )
    session = next(c for c in answer.headers.get_list("set-cookie") if c.startswith("tb_session="))
    assert "HttpOnly" in session and "SameSite=lax" in session
    assert "Max-Age=28800" in session
    assert "Secure" not in session  # plain HTTP allowed: the local setting


def test_cookies_are_secure_over_https_and_when_plain_http_is_not_allowed(app_url: str) -> None:
    for base, plain in (("https://testserver", True), ("https://testserver", False)):
        client = make_client(app_url, allow_plain_http=plain, base_url=base)
        form = client.get("/sign-in")
        assert "Secure" in form.headers["set-cookie"]
        answer = client.post(
            "/sign-in",
            data={"name": "ana", "password": PASSWORD, "csrf_token": csrf_of(form.text)},
        )
        assert all("Secure" in c for c in answer.headers.get_list("set-cookie"))
        assert answer.headers["strict-transport-security"] == "max-age=31536000"
    client = make_client(app_url, allow_plain_http=False)  # plain HTTP, not allowed
    assert "Secure" in client.get("/sign-in").headers["set-cookie"]
    assert "strict-transport-security" not in client.get("/sign-in").headers


def test_wrong_passwords_lock_the_account(app_url: str, web_store: Store) -> None:
    client = make_client(app_url)
    token = csrf_of(client.get("/sign-in").text)
    for _ in range(MAX_FAILED_SIGNINS):
        answer = client.post(
            "/sign-in", data={"name": "ana", "password": "not the password", "csrf_token": token}
        )
        assert answer.status_code == 401 and "not right" in answer.text
    # now even the right password is refused until the lock ends
    answer = client.post(
        "/sign-in", data={"name": "ana", "password": PASSWORD, "csrf_token": token}
    )
    assert answer.status_code == 429 and "locked" in answer.text
    assert _sessions(web_store) == 0
    actions = _actions(web_store, "ana")
    assert actions.count("web.signin_failed") == MAX_FAILED_SIGNINS
    assert actions[-1] == "web.signin_throttled"
    # the lock lasts LOCK_MINUTES: move it into the past and the right password works
    with web_store.engine.begin() as conn:
        locked = conn.execute(select(AppUserRow.locked_until).where(AppUserRow.name == "ana"))
        until = locked.scalar_one()
        assert until is not None
        assert (
            timedelta(minutes=LOCK_MINUTES - 1)
            < until - utc_now()
            <= timedelta(minutes=LOCK_MINUTES)
        )
        conn.execute(
            update(AppUserRow)
            .where(AppUserRow.name == "ana")
            .values(locked_until=utc_now() - timedelta(seconds=1))
        )
    answer = client.post(
        "/sign-in", data={"name": "ana", "password": PASSWORD, "csrf_token": token}
    )
    assert answer.status_code == 303


def test_fewer_failures_than_the_limit_do_not_lock(app_url: str) -> None:
    client = make_client(app_url)
    token = csrf_of(client.get("/sign-in").text)
    for _ in range(MAX_FAILED_SIGNINS - 1):
        client.post("/sign-in", data={"name": "ana", "password": "wrong", "csrf_token": token})
    answer = client.post(
        "/sign-in", data={"name": "ana", "password": PASSWORD, "csrf_token": token}
    )
    assert answer.status_code == 303


def test_an_unknown_name_gets_the_same_answer_as_a_wrong_password(app_url: str) -> None:
    client = make_client(app_url)
    token = csrf_of(client.get("/sign-in").text)
    unknown = client.post(
        "/sign-in", data={"name": "nobody", "password": PASSWORD, "csrf_token": token}
    )
    wrong = client.post("/sign-in", data={"name": "ana", "password": "wrong", "csrf_token": token})
    assert unknown.status_code == wrong.status_code == 401
    assert unknown.text == wrong.text


def test_sign_in_and_its_failure_are_audited(app_url: str, web_store: Store) -> None:
    client = make_client(app_url)
    token = csrf_of(client.get("/sign-in").text)
    client.post("/sign-in", data={"name": "eve", "password": "wrong", "csrf_token": token})
    client.post("/sign-in", data={"name": "eve", "password": PASSWORD, "csrf_token": token})
    assert _actions(web_store, "eve")[-2:] == ["web.signin_failed", "web.signin"]
    failed = next(a for a in web_store.audit(action="web.signin_failed") if a.actor == "eve")
    assert failed.after["reason"] == "wrong password"
    assert "password_hash" not in str([a.after for a in web_store.audit()])


def test_disabling_an_account_ends_its_session(app_url: str, web_store: Store) -> None:
    client = make_client(app_url)
    sign_in(client, "rita")
    disable_user(web_store, "rita")
    assert client.get("/").status_code == 303
    token = csrf_of(client.get("/sign-in").text)
    answer = client.post(
        "/sign-in", data={"name": "rita", "password": PASSWORD, "csrf_token": token}
    )
    assert answer.status_code == 401


def test_an_expired_session_is_not_accepted(app_url: str, web_store: Store) -> None:
    client = make_client(app_url)
    sign_in(client, "ana")
    with web_store.engine.begin() as conn:
        conn.execute(update(WebSessionRow).values(expires_at=utc_now() - timedelta(seconds=1)))
    assert client.get("/").status_code == 303


def test_every_answer_carries_the_security_headers(app_url: str) -> None:
    client = make_client(app_url)
    answers = [client.get("/sign-in"), client.get("/"), client.get("/nowhere")]
    answers.append(client.get("/api/v1/forums"))
    sign_in(client, "ana")
    answers += [client.get("/"), client.get(f"/forums/board/{PERIOD}/metrics/RES01")]
    for answer in answers:
        assert answer.headers["content-security-policy"] == CSP
        assert answer.headers["x-content-type-options"] == "nosniff"
        assert answer.headers["referrer-policy"] == "no-referrer"
        assert answer.headers["x-frame-options"] == "DENY"
        assert answer.headers["cache-control"] == "no-store"


def test_pages_need_no_inline_script_or_style(app_url: str) -> None:
    client = make_client(app_url)
    sign_in(client, "ana")
    for path in ("/", f"/forums/board/{PERIOD}", f"/forums/board/{PERIOD}/metrics/RES01"):
        page = client.get(path).text
        assert "<script" not in page and "<style" not in page and " style=" not in page, path
        assert " on" + "click=" not in page
    css = client.get("/static/web.css")
    assert css.status_code == 200 and css.headers["content-type"].startswith("text/css")


def test_one_error_shape_for_every_route(app_url: str, web_store: Store) -> None:
    client = make_client(app_url)
    api_missing = client.get("/api/v1/nowhere")
    assert api_missing.status_code == 404
    assert api_missing.json()["error"]["code"] == "TB-NOT-FOUND"
    no_token = client.get("/api/v1/forums")
    assert no_token.status_code == 401
    assert set(no_token.json()["error"]) == {"code", "message", "hint", "problems"}
    assert no_token.json()["error"]["code"] == "TB-AUTH-REQUIRED"
    page_missing = client.get("/nowhere")
    assert page_missing.status_code == 404 and "TB-NOT-FOUND" in page_missing.text
    sign_in(client, "ana")
    bad_sort = client.get(f"/forums/board/{PERIOD}?sort=colour")
    assert bad_sort.status_code == 400 and "TB-OPTIONS" in bad_sort.text
    wrong_method = client.put("/")
    assert wrong_method.status_code == 405 and "TB-OPTIONS" in wrong_method.text
    # a signed-in person's error page keeps the navigation and the sign-out form
    refused = client.get("/forums/nope/2025-03")
    assert refused.status_code == 404 and 'action="/sign-out"' in refused.text


def _from(url: str, address: str, *, proxies: tuple[str, ...] = ()) -> TestClient:
    """A client whose socket address is ``address``, of an app trusting ``proxies``."""
    settings = WebSettings(database=url, allow_plain_http=True, trusted_proxies=proxies)
    return TestClient(create_app(settings), follow_redirects=False, client=(address, 40000))


def _try(client: TestClient, name: str, password: str, **headers: str) -> int:
    token = csrf_of(client.get("/sign-in").text)
    answer = client.post(
        "/sign-in",
        data={"name": name, "password": password, "csrf_token": token},
        headers=headers,
    )
    return answer.status_code


def _wrong_names(count: int) -> list[str]:
    # spread over accounts, none of which reaches its own lock (fewer than 5 each)
    names = ["ana", "eve", "adam", "rita"] * (MAX_FAILED_SIGNINS - 1)
    names += [f"nobody{i}" for i in range(count)]
    return names[:count]


def test_failures_from_one_address_across_accounts_are_throttled(
    app_url: str, web_store: Store
) -> None:
    attacker = _from(app_url, "192.0.2.7")
    for name in _wrong_names(MAX_ADDRESS_FAILURES):
        assert _try(attacker, name, "one guessed password") == 401
    # the next sign-in from that address is refused, even with the right password
    answer_code = _try(attacker, "bella", PASSWORD)
    assert answer_code == 429
    assert _sessions(web_store) == 0
    throttled = next(iter(web_store.audit(action="web.signin_throttled")))
    assert throttled.actor == "bella"
    assert throttled.after == {
        "client": "192.0.2.7",
        "scope": "address",
        "failures": MAX_ADDRESS_FAILURES,
    }
    # no account is locked: the same account from another address signs in
    assert _try(_from(app_url, "192.0.2.8"), "bella", PASSWORD) == 303
    failed = [a for a in web_store.audit(action="web.signin_failed")]
    assert len(failed) == MAX_ADDRESS_FAILURES
    assert {a.after["client"] for a in failed} == {"192.0.2.7"}


def test_fewer_failures_than_the_address_limit_do_not_throttle(app_url: str) -> None:
    client = _from(app_url, "192.0.2.7")
    for name in _wrong_names(MAX_ADDRESS_FAILURES - 1):
        assert _try(client, name, "wrong") == 401
    assert _try(client, "bella", PASSWORD) == 303


def test_the_address_window_slides(app_url: str, web_store: Store) -> None:
    client = _from(app_url, "192.0.2.7")
    for name in _wrong_names(MAX_ADDRESS_FAILURES):
        _try(client, name, "wrong")
    assert _try(client, "bella", PASSWORD) == 429
    # the oldest failure leaves the window: one under the limit, so sign-in works again
    with web_store.engine.begin() as conn:
        oldest = conn.execute(select(func.min(SigninFailureRow.id))).scalar_one()
        conn.execute(
            update(SigninFailureRow)
            .where(SigninFailureRow.id == oldest)
            .values(at=utc_now() - timedelta(minutes=ADDRESS_WINDOW_MINUTES, seconds=1))
        )
    assert _try(client, "bella", PASSWORD) == 303


def test_forwarded_for_counts_only_from_a_trusted_proxy(app_url: str, web_store: Store) -> None:
    proxy = _from(app_url, "10.0.0.1", proxies=("10.0.0.0/24",))
    for name in _wrong_names(MAX_ADDRESS_FAILURES):
        assert _try(proxy, name, "wrong", **{"X-Forwarded-For": "203.0.113.5"}) == 401
    assert _try(proxy, "bella", PASSWORD, **{"X-Forwarded-For": "203.0.113.5"}) == 429
    # another client behind the same proxy is not held back
    assert _try(proxy, "bella", PASSWORD, **{"X-Forwarded-For": "203.0.113.6"}) == 303
    # a client that is not a trusted proxy cannot choose its address
    direct = _from(app_url, "192.0.2.9", proxies=("10.0.0.0/24",))
    assert _try(direct, "ana", "wrong", **{"X-Forwarded-For": "203.0.113.77"}) == 401
    newest = next(iter(web_store.audit(action="web.signin_failed")))
    assert newest.after["client"] == "192.0.2.9"


def test_the_client_address_rule() -> None:
    proxies = ["10.0.0.0/24", "::1"]
    assert client_address("192.0.2.7", "203.0.113.5", proxies) == "192.0.2.7"
    assert client_address("10.0.0.1", "203.0.113.5", proxies) == "203.0.113.5"
    # what a client writes to the left of the proxy's own entry is not believed
    assert client_address("10.0.0.1", "198.51.100.1, 203.0.113.5", proxies) == "203.0.113.5"
    assert client_address("10.0.0.1", "203.0.113.5, 10.0.0.2", proxies) == "203.0.113.5"
    assert client_address("::1", "2001:db8::5", proxies) == "2001:db8::5"
    assert client_address("10.0.0.1", None, proxies) == "10.0.0.1"
    assert client_address("10.0.0.1", "203.0.113.5", []) == "10.0.0.1"
    assert client_address(None, "203.0.113.5", proxies) is None


def test_long_unicode_passwords_are_kept_whole(web_store: Store) -> None:
    # 64 characters with spaces, accents and an emoji (ASVS 2.1.2 to 2.1.4)
    password = "Ceci n'est pas une pipe 🐈 — über straße, ねこ and a long tail!!!"
    password = (password + "x" * 64)[:64]
    assert len(password) == 64
    add_user(web_store, "una", "analyst", password)
    assert authenticate(web_store, "una", password).name == "una"
    # one character changed at the very end: refused, so nothing was cut short
    with pytest.raises(AuthenticationError):
        authenticate(web_store, "una", password[:-1] + "y")
    # 128 characters are accepted, 129 refused
    add_user(web_store, "ulla", "analyst", "p" * 128)
    with pytest.raises(OptionsError, match="longer than 128"):
        add_user(web_store, "uma", "analyst", "p" * 129)


def test_passwords_are_hashed_with_argon2id_at_least_as_strong_as_asvs_asks(
    web_store: Store,
) -> None:
    with web_store.engine.connect() as conn:
        stored = conn.execute(
            select(AppUserRow.password_hash).where(AppUserRow.name == "ana")
        ).scalar_one()
    kind, version, params, salt, _digest = stored.split("$")[1:]
    assert (kind, version) == ("argon2id", "v=19")
    values = dict(item.split("=") for item in params.split(","))
    # ASVS 2.4.5: at least 15 MiB of memory, 2 iterations, 1 degree of parallelism
    assert int(values["m"]) >= 15 * 1024 and int(values["t"]) >= 2 and int(values["p"]) >= 1
    assert len(salt) >= 6  # base64 of at least 32 bits of salt (2.4.2)


def test_each_sign_in_gets_a_new_random_session_kept_out_of_urls(app_url: str) -> None:
    secrets_seen = []
    for _ in range(2):
        client = make_client(app_url)
        form = client.get("/sign-in")
        answer = client.post(
            "/sign-in",
            data={"name": "ana", "password": PASSWORD, "csrf_token": csrf_of(form.text)},
        )
        assert answer.headers["location"] == "/"
        session = next(
            c for c in answer.headers.get_list("set-cookie") if c.startswith("tb_session=")
        )
        secret = session.split(";")[0].removeprefix("tb_session=")
        assert len(secret) >= 43  # 32 random bytes, URL-safe base64
        assert secret not in client.get("/").text
        secrets_seen.append(secret)
    assert secrets_seen[0] != secrets_seen[1]


def test_a_password_never_reaches_the_audit_log(app_url: str, web_store: Store) -> None:
    client = make_client(app_url)
    token = csrf_of(client.get("/sign-in").text)
    typed = "zq-a-password-typed-wrong-zq"
    client.post("/sign-in", data={"name": "ana", "password": typed, "csrf_token": token})
    client.post("/sign-in", data={"name": typed, "password": typed, "csrf_token": token})
    logged = str([(a.actor, a.entity_id, a.before, a.after) for a in web_store.audit()])
    assert logged.count(typed) == 2  # the second one typed as a name: kept as the name only
    assert "web.signin_failed" in [a.action for a in web_store.audit()]
    failed = [a for a in web_store.audit(action="web.signin_failed")]
    assert all(typed not in str(a.after) for a in failed)


def test_no_directory_listing_no_cors_and_typed_answers(app_url: str) -> None:
    client = make_client(app_url)
    for path in ("/static/", "/static", "/.git/config", "/templates/base.html.j2"):
        assert client.get(path).status_code == 404, path
    sign_in(client, "ana")
    for path in ("/", "/api/v1/forums", "/static/web.css"):
        answer = client.get(path, headers={"Origin": "https://elsewhere.example"})
        assert "access-control-allow-origin" not in answer.headers, path
    assert client.get("/").headers["content-type"] == "text/html; charset=utf-8"
    assert client.get("/nowhere").headers["content-type"] == "text/html; charset=utf-8"
    assert client.get("/api/v1/forums").headers["content-type"] == "application/json"
    for path in ("/api/v1/forums", "/api/v1/nowhere", "/api/v1/openapi.json"):
        answer = client.get(path)
        assert answer.headers["content-disposition"] == 'attachment; filename="api.json"', path
    assert "content-disposition" not in client.get("/").headers
    assert "server" not in client.get("/").headers


def test_the_asvs_review_cites_real_tests_and_adds_up() -> None:
    root = Path(__file__).resolve().parents[2]
    text = (root / "docs" / "security.md").read_text(encoding="utf-8")
    review = text[text.index("## OWASP ASVS level 2") :]
    cited = re.findall(r"`(tests/[^`:]+\.py)::([a-z0-9_]+)`", review)
    assert len(cited) > 50
    missing = [
        f"{path}::{name}"
        for path, name in cited
        if f"def {name}(" not in (root / path).read_text(encoding="utf-8")
    ]
    assert missing == []
    statuses = ("met", "partly met", "not met", "n/a")
    rows = re.findall(r"^\| [0-9][0-9.–]* \| [^|]+ \| ([a-z/ ]+) \|", review, flags=re.M)
    assert set(rows) <= set(statuses)
    total = re.search(r"^\| \*\*all\*\* \| (.+) \|$", review, flags=re.M)
    assert total is not None
    stated = [int(n.strip("* ")) for n in total.group(1).split("|")]
    assert stated == [rows.count(s) for s in statuses]
