"""Single sign-on through OpenID Connect: the authorization code flow with PKCE.

Optional, configured in a YAML file (read through the bounded reader) named by
``trustboard serve --oidc-config FILE``::

    issuer: https://login.example.nhs.uk
    client_id: trustboard
    client_secret_env: TRUSTBOARD_OIDC_CLIENT_SECRET   # or client_secret_file: PATH
    redirect_uri: https://trustboard.example.nhs.uk/oidc/callback
    label: NHS login
    username_claim: preferred_username
    accounts: mapped                                   # or: local
    roles:
      - {claim: groups, value: trustboard-analysts, role: analyst}

The client secret is never in the file: it comes from the environment variable or from a file
that only its owner may read.  ``GET /oidc/sign-in`` sends the browser to the provider with a
fresh ``state``, ``nonce`` and PKCE ``code_challenge`` (S256), whose values the browser keeps
in a short-lived HttpOnly cookie; ``GET /oidc/callback`` checks ``state``, exchanges the code
(with the ``code_verifier`` and the client's credentials) for an ID token, verifies its
signature against the provider's published keys (JWKS; asymmetric algorithms only) and its
``iss``, ``aud``, ``azp``, ``exp``, ``iat`` and ``nonce``, then maps the user name claim to an
account (:func:`trustboard.services.users.single_sign_on_user`) and starts a session.  Every
refusal is audited (``web.signin_failed`` with the reason) and answered with one message.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request, Response
from fastapi.responses import RedirectResponse

from trustboard.errors import AuthenticationError, ErrorCode, NotFoundError
from trustboard.services.oidc_config import (
    OidcConfig,
    RoleRule,
    https_or_loopback,
    load_oidc_config,
)
from trustboard.services.users import (
    check_address,
    record_signin_failure,
    single_sign_on_user,
    start_session,
)
from trustboard.web.auth import client_of, cookies_secure, request_store, set_session_cookie

__all__ = [
    "ALGORITHMS",
    "OidcClient",
    "OidcConfig",
    "RoleRule",
    "SignOnRefused",
    "load_oidc_config",
    "router",
]

#: Signature algorithms an ID token may use (asymmetric only: never ``none`` or HMAC).
ALGORITHMS = frozenset(
    {"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"}
)
#: The browser's cookie holding the flow's state, nonce and PKCE verifier.
FLOW_COOKIE = "tb_oidc"
_FLOW_MINUTES = 10
#: Clock difference allowed when checking ``exp`` and ``iat``.
LEEWAY_SECONDS = 60


class SignOnRefused(Exception):
    """A single sign-on that did not succeed; ``reason`` is for the audit log only."""

    def __init__(self, reason: str, actor: str = "oidc") -> None:
        super().__init__(reason)
        self.reason = reason
        self.actor = actor


def _challenge(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


class OidcClient:
    """The relying party: the provider's metadata and keys (fetched when first needed and
    kept; the keys fetched again when a token names one not yet seen), the code exchange and
    the ID token's checks.  ``http`` is the HTTP client it uses (any ``httpx2.Client``)."""

    def __init__(self, config: OidcConfig, http: Any | None = None) -> None:
        self.config = config
        if http is None:
            import httpx2

            http = httpx2.Client(timeout=10.0, follow_redirects=False)
        self.http = http
        self._metadata: dict[str, Any] | None = None
        self._keys: list[dict[str, Any]] | None = None

    def _get_json(self, url: str, what: str) -> dict[str, Any]:
        if not https_or_loopback(url):
            raise SignOnRefused(f"the provider's {what} address is not https: {url}")
        try:
            answer = self.http.get(url, headers={"Accept": "application/json"})
            body = answer.json() if answer.status_code == 200 else None
        except Exception as bad:  # the provider unreachable or not answering JSON
            raise SignOnRefused(f"the provider's {what} could not be read: {bad}") from None
        if not isinstance(body, dict):
            raise SignOnRefused(f"the provider's {what} answered HTTP {answer.status_code}")
        return body

    def metadata(self) -> dict[str, Any]:
        """The provider's discovery document (its ``issuer`` must be the configured one)."""
        if self._metadata is None:
            url = self.config.issuer + "/.well-known/openid-configuration"
            found = self._get_json(url, "discovery document")
            if found.get("issuer") != self.config.issuer:
                raise SignOnRefused(
                    f"the discovery document names issuer {found.get('issuer')!r}, "
                    f"not {self.config.issuer!r}"
                )
            for key in ("authorization_endpoint", "token_endpoint", "jwks_uri"):
                if not isinstance(found.get(key), str):
                    raise SignOnRefused(f"the discovery document has no {key}")
            self._metadata = found
        return self._metadata

    def _key_set(self, refresh: bool) -> list[dict[str, Any]]:
        if self._keys is None or refresh:
            body = self._get_json(str(self.metadata()["jwks_uri"]), "key set")
            keys = body.get("keys")
            if not isinstance(keys, list):
                raise SignOnRefused("the provider's key set has no keys")
            self._keys = [k for k in keys if isinstance(k, dict)]
        return self._keys

    def authorization_url(self, state: str, nonce: str, verifier: str) -> str:
        """Where to send the browser to sign in."""
        endpoint = str(self.metadata()["authorization_endpoint"])
        query = urlencode(
            {
                "response_type": "code",
                "client_id": self.config.client_id,
                "redirect_uri": self.config.redirect_uri,
                "scope": " ".join(self.config.scopes),
                "state": state,
                "nonce": nonce,
                "code_challenge": _challenge(verifier),
                "code_challenge_method": "S256",
            }
        )
        return endpoint + ("&" if "?" in endpoint else "?") + query

    def exchange(self, code: str, verifier: str) -> str:
        """The ID token for an authorization code (client_secret_basic, with PKCE)."""
        import httpx2

        endpoint = str(self.metadata()["token_endpoint"])
        if not https_or_loopback(endpoint):
            raise SignOnRefused(f"the provider's token address is not https: {endpoint}")
        try:
            answer = self.http.post(
                endpoint,
                data={
                    "grant_type": "authorization_code",
                    "code": code,
                    "redirect_uri": self.config.redirect_uri,
                    "code_verifier": verifier,
                },
                auth=httpx2.BasicAuth(self.config.client_id, self.config.client_secret),
                headers={"Accept": "application/json"},
            )
            body = answer.json()
        except Exception as bad:
            raise SignOnRefused(f"the token request failed: {bad}") from None
        if answer.status_code != 200 or not isinstance(body, dict):
            error = body.get("error") if isinstance(body, dict) else None
            raise SignOnRefused(f"the token request was refused: HTTP {answer.status_code} {error}")
        token = body.get("id_token")
        if not isinstance(token, str) or not token:
            raise SignOnRefused("the token answer has no ID token")
        return token

    def verify(self, id_token: str, nonce: str) -> dict[str, Any]:
        """The ID token's claims, once its signature, issuer, audience, expiry and nonce are
        checked (:class:`SignOnRefused` otherwise)."""
        import jwt

        try:
            header = jwt.get_unverified_header(id_token)
        except jwt.PyJWTError as bad:
            raise SignOnRefused(f"the ID token is not a JWT: {bad}") from None
        alg = header.get("alg")
        if alg not in ALGORITHMS:
            raise SignOnRefused(f"the ID token's algorithm {alg!r} is not accepted")
        key = self._find_key(header.get("kid"), str(alg), refresh=False)
        if key is None:
            key = self._find_key(header.get("kid"), str(alg), refresh=True)
        if key is None:
            raise SignOnRefused(f"no key of the provider's key set has kid {header.get('kid')!r}")
        try:
            claims: dict[str, Any] = jwt.decode(
                id_token,
                key=key,
                algorithms=[str(alg)],
                audience=self.config.client_id,
                issuer=self.config.issuer,
                leeway=LEEWAY_SECONDS,
                options={"require": ["iss", "aud", "exp", "iat", "sub", "nonce"]},
            )
        except jwt.InvalidSignatureError:
            raise SignOnRefused("the ID token's signature is not valid") from None
        except jwt.ExpiredSignatureError:
            raise SignOnRefused("the ID token has expired") from None
        except jwt.InvalidAudienceError:
            raise SignOnRefused("the ID token is for another audience") from None
        except jwt.InvalidIssuerError:
            raise SignOnRefused("the ID token is from another issuer") from None
        except jwt.PyJWTError as bad:
            raise SignOnRefused(f"the ID token is not valid: {bad}") from None
        audiences = claims["aud"] if isinstance(claims["aud"], list) else [claims["aud"]]
        if len(audiences) > 1 and claims.get("azp") != self.config.client_id:
            raise SignOnRefused("the ID token has several audiences and another azp")
        if not hmac.compare_digest(str(claims.get("nonce")), nonce):
            raise SignOnRefused("the ID token's nonce is not this sign-in's")
        return claims

    def _find_key(self, kid: object, alg: str, *, refresh: bool) -> Any | None:
        import jwt

        keys = self._key_set(refresh)
        for data in keys:
            if kid is not None and data.get("kid") != kid:
                continue
            if data.get("use", "sig") != "sig" or data.get("alg", alg) != alg:
                continue
            try:
                return jwt.PyJWK(data, algorithm=alg)
            except jwt.PyJWTError:
                continue
        return None


router = APIRouter()


def _client(request: Request) -> OidcClient:
    found = getattr(request.app.state, "oidc", None)
    if not isinstance(found, OidcClient):
        raise NotFoundError("single sign-on is not configured on this server")
    return found


def _refused(request: Request, refused: SignOnRefused) -> AuthenticationError:
    record_signin_failure(
        request_store(request),
        refused.actor,
        "oidc: " + refused.reason,
        client=client_of(request),
    )
    return AuthenticationError(
        "single sign-on did not succeed",
        code=ErrorCode.AUTH_FAILED,
        hint="try again from the sign-in page, or ask an administrator",
    )


@router.get("/oidc/sign-in", include_in_schema=False)
def oidc_sign_in(request: Request) -> Response:
    """Send the browser to the identity provider (a new state, nonce and PKCE verifier)."""
    oidc = _client(request)
    check_address(request_store(request), client_of(request), "oidc")
    state, nonce, verifier = (secrets.token_urlsafe(32) for _ in range(3))
    try:
        target = oidc.authorization_url(state, nonce, verifier)
    except SignOnRefused as refused:
        raise _refused(request, refused) from None
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(
        FLOW_COOKIE,
        f"{state}.{nonce}.{verifier}",
        max_age=_FLOW_MINUTES * 60,
        httponly=True,
        samesite="lax",  # the provider's redirect back is a top-level navigation from its site
        secure=cookies_secure(request),
        path="/oidc/",
    )
    return response


@router.get("/oidc/callback", include_in_schema=False)
def oidc_callback(request: Request, code: str = "", state: str = "", error: str = "") -> Response:
    """The provider's answer: check it, map the person to an account, start a session."""
    oidc = _client(request)
    store = request_store(request)
    client = client_of(request)
    check_address(store, client, "oidc")
    try:
        flow = request.cookies.get(FLOW_COOKIE, "").split(".")
        if len(flow) != 3 or not all(flow):
            raise SignOnRefused("no sign-in was started from this browser (no flow cookie)")
        expected_state, nonce, verifier = flow
        if not state or not hmac.compare_digest(state[:100], expected_state):
            raise SignOnRefused("the state does not match this browser's sign-in")
        if error:
            raise SignOnRefused(f"the provider answered error {error[:100]!r}")
        if not code:
            raise SignOnRefused("the provider's answer has no code")
        claims = oidc.verify(oidc.exchange(code[:2000], verifier), nonce)
        name = claims.get(oidc.config.username_claim)
        if not isinstance(name, str) or not name:
            raise SignOnRefused(f"the ID token has no '{oidc.config.username_claim}' claim")
        grant = oidc.config.grant(claims) if oidc.config.accounts == "mapped" else None
        try:
            user = single_sign_on_user(
                store, name, grant, local_only=oidc.config.accounts == "local"
            )
        except AuthenticationError as refused:
            raise SignOnRefused(refused.message, actor=name) from None
    except SignOnRefused as refused:
        raise _refused(request, refused) from None
    signed = start_session(store, user, client=client, method="oidc")
    response = RedirectResponse("/", status_code=303)
    set_session_cookie(request, response, signed.session_secret)
    response.delete_cookie(
        FLOW_COOKIE, path="/oidc/", secure=cookies_secure(request), httponly=True, samesite="lax"
    )
    return response
