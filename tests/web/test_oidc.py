"""Single sign-on through OpenID Connect, against a fake identity provider in this process.

The provider is a small ASGI app serving discovery, its key set, ``/authorize`` and ``/token``;
it signs ID tokens with a test RSA key and checks the client's credentials and the PKCE
verifier as a real provider does.  A test can make it misbehave (another key, another
audience, an expired token, another nonce).
"""

from __future__ import annotations

import base64
import hashlib
import os
import secrets
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi import FastAPI, Form, Request
from fastapi.responses import JSONResponse, RedirectResponse
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from conftest import PASSWORD, csrf_of, make_client
from trustboard.errors import AuthenticationError, ConfigError
from trustboard.services.users import MAX_ADDRESS_FAILURES, authenticate
from trustboard.store import Store
from trustboard.store.users import WebSessionRow
from trustboard.web import WebSettings, create_app
from trustboard.web.oidc import OidcClient, load_oidc_config

ISSUER = "https://idp.test"
CLIENT_ID = "trustboard-test"
SECRET = "a client secret for the tests"
REDIRECT = "https://testserver/oidc/callback"
SECRET_ENV = "TRUSTBOARD_TEST_OIDC_SECRET"

_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
_OTHER_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)

CONFIG = f"""\
issuer: {ISSUER}
client_id: {CLIENT_ID}
client_secret_env: {SECRET_ENV}
redirect_uri: {REDIRECT}
label: Test Trust login
username_claim: preferred_username
accounts: mapped
roles:
  - claim: groups
    value: tb-public-board
    role: board_member
    forums: [public-board]
  - claim: groups
    value: tb-analysts
    role: analyst
"""


@dataclass
class FakeProvider:
    """What the fake provider does next: whom it signs in, and how it misbehaves."""

    claims: dict[str, Any] = field(
        default_factory=lambda: {"preferred_username": "sam", "groups": ["tb-analysts"]}
    )
    key: Any = _KEY
    audience: str = CLIENT_ID
    lifetime: int = 300
    nonce: str | None = None  # another nonce than the one asked for
    codes: dict[str, dict[str, str]] = field(default_factory=dict)
    token_requests: list[dict[str, str]] = field(default_factory=list)

    def app(self) -> FastAPI:
        idp = FastAPI()
        public = jwt.algorithms.RSAAlgorithm.to_jwk(_KEY.public_key(), as_dict=True)

        @idp.get("/.well-known/openid-configuration")
        def discovery() -> dict[str, Any]:
            return {
                "issuer": ISSUER,
                "authorization_endpoint": f"{ISSUER}/authorize",
                "token_endpoint": f"{ISSUER}/token",
                "jwks_uri": f"{ISSUER}/jwks",
                "id_token_signing_alg_values_supported": ["RS256"],
                "code_challenge_methods_supported": ["S256"],
            }

        @idp.get("/jwks")
        def keys() -> dict[str, Any]:
            return {"keys": [{**public, "kid": "k1", "use": "sig", "alg": "RS256"}]}

        @idp.get("/authorize")
        def authorize(request: Request) -> RedirectResponse:
            q = request.query_params
            assert q["response_type"] == "code" and q["client_id"] == CLIENT_ID
            assert q["redirect_uri"] == REDIRECT and q["code_challenge_method"] == "S256"
            assert "openid" in q["scope"].split()
            code = secrets.token_urlsafe(16)
            self.codes[code] = {"nonce": q["nonce"], "challenge": q["code_challenge"]}
            back = urlencode({"code": code, "state": q["state"]})
            return RedirectResponse(f"{q['redirect_uri']}?{back}", status_code=302)

        @idp.post("/token", response_model=None)
        def token(
            request: Request,
            grant_type: str = Form(),
            code: str = Form(),
            redirect_uri: str = Form(),
            code_verifier: str = Form(),
        ) -> JSONResponse:
            self.token_requests.append({"code": code, "verifier": code_verifier})
            basic = base64.b64encode(f"{CLIENT_ID}:{SECRET}".encode()).decode()
            issued = self.codes.pop(code, None)
            if request.headers.get("authorization") != f"Basic {basic}" or issued is None:
                return JSONResponse({"error": "invalid_client"}, status_code=401)
            digest = hashlib.sha256(code_verifier.encode("ascii")).digest()
            challenge = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
            if grant_type != "authorization_code" or redirect_uri != REDIRECT:
                return JSONResponse({"error": "invalid_request"}, status_code=400)
            if challenge != issued["challenge"]:
                return JSONResponse({"error": "invalid_grant"}, status_code=400)
            now = int(time.time())
            body = {
                "iss": ISSUER,
                "sub": "subject-" + str(self.claims.get("preferred_username")),
                "aud": self.audience,
                "iat": now - (self.lifetime + 600 if self.lifetime < 0 else 0),
                "exp": now + self.lifetime,
                "nonce": self.nonce or issued["nonce"],
                **self.claims,
            }
            signed = jwt.encode(body, self.key, algorithm="RS256", headers={"kid": "k1"})
            return JSONResponse({"access_token": "x", "token_type": "Bearer", "id_token": signed})

        return idp


@pytest.fixture
def provider() -> FakeProvider:
    return FakeProvider()


@pytest.fixture
def config_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv(SECRET_ENV, SECRET)
    path = tmp_path / "oidc.yaml"
    path.write_text(CONFIG, encoding="utf-8")
    return path


def _client(url: str, config: Path, provider: FakeProvider) -> TestClient:
    app = create_app(WebSettings(database=url, oidc_config=config))
    app.state.oidc.http = TestClient(provider.app(), base_url=ISSUER)
    return TestClient(app, base_url="https://testserver", follow_redirects=False)


def _sign_on(browser: TestClient, provider: FakeProvider, *, state: str | None = None) -> Any:
    """Through the flow as a browser would: the app, the provider, back to the app."""
    start = browser.get("/oidc/sign-in")
    assert start.status_code == 303, start.text
    to_idp = urlsplit(start.headers["location"])
    assert f"{to_idp.scheme}://{to_idp.netloc}" == ISSUER
    idp = TestClient(provider.app(), base_url=ISSUER, follow_redirects=False)
    back = idp.get(to_idp.path + "?" + to_idp.query)
    assert back.status_code == 302
    target = urlsplit(back.headers["location"])
    query = {k: v[0] for k, v in parse_qs(target.query).items()}
    if state is not None:
        query["state"] = state
    return browser.get(target.path + "?" + urlencode(query))


def _sessions(store: Store) -> int:
    with store.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(WebSessionRow)).scalar_one())


def _last_failure(store: Store) -> Any:
    return next(iter(store.audit(action="web.signin_failed")))


def test_a_good_sign_in_makes_a_session_with_the_mapped_role(
    app_url: str, web_store: Store, config_file: Path, provider: FakeProvider
) -> None:
    browser = _client(app_url, config_file, provider)
    assert "Sign in with Test Trust login" in browser.get("/sign-in").text
    answer = _sign_on(browser, provider)
    assert (answer.status_code, answer.headers["location"]) == (303, "/")
    cookie = next(c for c in answer.headers.get_list("set-cookie") if c.startswith("tb_session="))
    assert "HttpOnly" in cookie and "Secure" in cookie and "SameSite=lax" in cookie
    home = browser.get("/")
    assert home.status_code == 200 and "sam" in home.text
    account = next(u for u in web_store.audit(action="user.add") if u.entity_id == "sam")
    assert account.actor == "oidc"
    assert account.after["role"] == "analyst" and account.after["forums"] == []
    signin = next(a for a in web_store.audit(action="web.signin") if a.actor == "sam")
    assert signin.after["method"] == "oidc"
    # the PKCE verifier went to the token endpoint (the provider checked it against the
    # challenge), and an account made this way has no password
    assert len(provider.token_requests) == 1 and len(provider.token_requests[0]["verifier"]) >= 43
    with pytest.raises(AuthenticationError, match="not right"):
        authenticate(web_store, "sam", "!sso")


def test_the_role_follows_the_provider_s_groups(
    app_url: str, web_store: Store, config_file: Path, provider: FakeProvider
) -> None:
    provider.claims = {"preferred_username": "sam", "groups": ["tb-public-board", "other"]}
    browser = _client(app_url, config_file, provider)
    assert _sign_on(browser, provider).status_code == 303
    # a board member of the public board only: another forum is refused
    assert browser.get("/forums/board/2025-03").status_code == 403
    provider.claims = {"preferred_username": "sam", "groups": ["tb-analysts"]}
    second = _client(app_url, config_file, provider)
    assert _sign_on(second, provider).status_code == 303
    changed = next(iter(web_store.audit(action="user.update")))
    assert (changed.before["role"], changed.after["role"]) == ("board_member", "analyst")
    assert changed.before["forums"] == ["public-board"] and changed.after["forums"] == []


@pytest.mark.parametrize(
    ("misbehave", "reason"),
    [
        ({"key": _OTHER_KEY}, "oidc: the ID token's signature is not valid"),
        ({"audience": "another-client"}, "oidc: the ID token is for another audience"),
        ({"lifetime": -300}, "oidc: the ID token has expired"),
        ({"nonce": "not-the-nonce"}, "oidc: the ID token's nonce is not this sign-in's"),
    ],
)
def test_a_bad_id_token_is_refused_and_audited(
    app_url: str,
    web_store: Store,
    config_file: Path,
    provider: FakeProvider,
    misbehave: dict[str, Any],
    reason: str,
) -> None:
    for name, value in misbehave.items():
        setattr(provider, name, value)
    browser = _client(app_url, config_file, provider)
    answer = _sign_on(browser, provider)
    assert answer.status_code == 401 and "TB-AUTH-FAILED" in answer.text
    assert "single sign-on did not succeed" in answer.text
    assert "tb_session" not in answer.headers.get("set-cookie", "")
    assert _sessions(web_store) == 0
    failed = _last_failure(web_store)
    assert failed.after["reason"] == reason
    assert failed.after["client"] == "testclient"
    assert not [u for u in web_store.audit(action="user.add") if u.entity_id == "sam"]


def test_a_wrong_state_is_refused_before_the_code_is_used(
    app_url: str, web_store: Store, config_file: Path, provider: FakeProvider
) -> None:
    browser = _client(app_url, config_file, provider)
    answer = _sign_on(browser, provider, state="a-state-from-elsewhere")
    assert answer.status_code == 401 and _sessions(web_store) == 0
    assert _last_failure(web_store).after["reason"] == (
        "oidc: the state does not match this browser's sign-in"
    )
    assert provider.token_requests == []  # the code was never exchanged


def test_a_callback_without_a_started_sign_in_is_refused(
    app_url: str, web_store: Store, config_file: Path, provider: FakeProvider
) -> None:
    browser = _client(app_url, config_file, provider)
    answer = browser.get("/oidc/callback?code=abc&state=def")
    assert answer.status_code == 401 and _sessions(web_store) == 0
    assert "no flow cookie" in _last_failure(web_store).after["reason"]


def test_an_unmapped_person_is_refused(
    app_url: str, web_store: Store, config_file: Path, provider: FakeProvider
) -> None:
    provider.claims = {"preferred_username": "stranger", "groups": ["tb-somebody-else"]}
    browser = _client(app_url, config_file, provider)
    answer = _sign_on(browser, provider)
    assert answer.status_code == 401 and _sessions(web_store) == 0
    failed = _last_failure(web_store)
    assert failed.actor == "stranger"
    assert failed.after["reason"] == "oidc: no rule maps this person to a role"
    assert [u.entity_id for u in web_store.audit(action="user.add")].count("stranger") == 0


def test_a_password_account_is_not_taken_over(
    app_url: str, web_store: Store, config_file: Path, provider: FakeProvider
) -> None:
    provider.claims = {"preferred_username": "adam", "groups": ["tb-analysts"]}
    answer = _sign_on(_client(app_url, config_file, provider), provider)
    assert answer.status_code == 401 and _sessions(web_store) == 0
    assert "password account" in _last_failure(web_store).after["reason"]


def test_local_accounts_only(
    app_url: str, web_store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(SECRET_ENV, SECRET)
    local = tmp_path / "local.yaml"
    local.write_text(CONFIG.split("accounts:")[0] + "accounts: local\n", encoding="utf-8")
    provider = FakeProvider(claims={"preferred_username": "eve"})
    browser = _client(app_url, local, provider)
    assert _sign_on(browser, provider).status_code == 303
    assert "eve" in browser.get("/").text  # the executive's own account, its own role
    provider.claims = {"preferred_username": "nobody-here", "groups": ["tb-analysts"]}
    other = _client(app_url, local, provider)
    assert _sign_on(other, provider).status_code == 401
    assert _last_failure(web_store).after["reason"] == "oidc: there is no account with this name"


def test_refusals_count_against_the_address(
    app_url: str, web_store: Store, config_file: Path, provider: FakeProvider
) -> None:
    provider.key = _OTHER_KEY
    browser = _client(app_url, config_file, provider)
    for _ in range(MAX_ADDRESS_FAILURES):
        assert _sign_on(browser, provider).status_code == 401
    provider.key = _KEY
    assert browser.get("/oidc/sign-in").status_code == 429
    # and the password form from the same address is held back too
    password_form = make_client(app_url)
    token = csrf_of(password_form.get("/sign-in").text)
    answer = password_form.post(
        "/sign-in", data={"name": "ana", "password": PASSWORD, "csrf_token": token}
    )
    assert answer.status_code == 429 and "this address" in answer.text
    assert _sessions(web_store) == 0


def test_single_sign_on_is_absent_unless_configured(app_url: str) -> None:
    browser = make_client(app_url)
    assert "Sign in with" not in browser.get("/sign-in").text
    assert browser.get("/oidc/sign-in").status_code == 404


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (("client_secret_env: " + SECRET_ENV, "client_secret: written-here"), "must not be"),
        (("client_secret_env: " + SECRET_ENV, "client_secret_env: TB_UNSET_ENV"), "not set"),
        (("issuer: https://idp.test", "issuer: http://idp.test"), "must be an https://"),
        (("role: analyst", "role: superuser"), "'superuser' is not a role"),
        (("label:", "colour: red\nlabel:"), "unknown key(s) colour"),
        (("accounts: mapped\nroles:", "accounts: mapped\nroles: []\nx_roles:"), "unknown key"),
    ],
)
def test_a_wrong_configuration_is_refused_with_its_file_and_key(
    tmp_path: Path, config_file: Path, change: tuple[str, str], message: str
) -> None:
    os.environ.pop("TB_UNSET_ENV", None)
    old, new = change
    assert old in CONFIG
    path = tmp_path / "wrong.yaml"
    path.write_text(CONFIG.replace(old, new), encoding="utf-8")
    with pytest.raises(ConfigError) as refused:
        load_oidc_config(path)
    assert str(path) in refused.value.message and message in refused.value.message


def test_a_secret_file_readable_by_others_is_refused(tmp_path: Path) -> None:
    secret = tmp_path / "secret"
    secret.write_text(SECRET, encoding="utf-8")
    secret.chmod(0o644)
    path = tmp_path / "file.yaml"
    path.write_text(
        CONFIG.replace(f"client_secret_env: {SECRET_ENV}", f"client_secret_file: {secret}"),
        encoding="utf-8",
    )
    with pytest.raises(ConfigError, match="can be read by others"):
        load_oidc_config(path)
    secret.chmod(0o600)
    assert load_oidc_config(path).client_secret == SECRET


def test_an_alias_bomb_in_the_configuration_is_refused(tmp_path: Path) -> None:
    lines = ['a0: &a0 ["x", "x", "x", "x", "x", "x", "x", "x", "x", "x"]']
    for n in range(1, 9):
        lines.append(f"a{n}: &a{n} [" + ", ".join([f"*a{n - 1}"] * 10) + "]")
    path = tmp_path / "bomb.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(Exception) as refused:
        load_oidc_config(path)
    assert getattr(refused.value, "code", None) == "TB-FILE-LIMIT"


def test_the_provider_must_name_the_configured_issuer(
    config_file: Path, provider: FakeProvider
) -> None:
    client = OidcClient(load_oidc_config(config_file))
    client.http = TestClient(provider.app(), base_url="https://idp.test")
    assert client.metadata()["issuer"] == ISSUER
    wrong = OidcClient(load_oidc_config(config_file))
    impostor = FastAPI()

    @impostor.get("/.well-known/openid-configuration")
    def discovery() -> dict[str, str]:
        return {"issuer": "https://elsewhere.test", "authorization_endpoint": "x"}

    wrong.http = TestClient(impostor, base_url=ISSUER)
    with pytest.raises(Exception, match=r"names issuer 'https://elsewhere\.test'"):
        wrong.metadata()


def test_the_example_in_the_documentation_is_a_valid_configuration(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    doc = (Path(__file__).resolve().parents[2] / "docs" / "web.md").read_text(encoding="utf-8")
    section = doc[doc.index("## Single sign-on (OpenID Connect)") :]
    start = section.index("```yaml\n") + len("```yaml\n")
    example = section[start : section.index("\n```", start)]
    path = tmp_path / "documented.yaml"
    path.write_text(example, encoding="utf-8")
    monkeypatch.setenv("TRUSTBOARD_OIDC_CLIENT_SECRET", "the secret")
    config = load_oidc_config(path)
    assert config.client_secret == "the secret" and config.accounts == "mapped"
    assert [rule.role.value for rule in config.roles] == [
        "board_member",
        "directorate_lead",
        "analyst",
    ]
    mh = config.grant({"groups": ["trustboard-mental-health", "trustboard-analysts"]})
    assert mh is not None and (mh.role.value, mh.directorates) == ("directorate_lead", ("MH",))
    assert config.grant({"groups": ["somebody-else"]}) is None
