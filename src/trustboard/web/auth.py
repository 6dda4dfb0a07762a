"""Who is asking: session cookies, CSRF tokens and API bearer tokens.

A browser signs in once and holds a session cookie (HttpOnly, SameSite=Lax, expiring with the
session, Secure whenever the request came over HTTPS or plain HTTP is not allowed).  Every
state-changing request carries a CSRF token in its form: before sign-in the token is the
double-submitted one of a short-lived cookie (SameSite=Strict); after it, the session's own,
kept in the store.  Integrations send ``Authorization: Bearer <token>`` from ``users token``.

The client's address (for the per-address sign-in throttle and the audit log) is the socket's
peer.  Only when that peer is one of the configured trusted proxies
(``WebSettings.trusted_proxies``) is ``X-Forwarded-For`` read: the address is then the right-most
one in it that is not itself a trusted proxy, since a client can write anything to the left.
"""

from __future__ import annotations

import hmac
import ipaddress
import secrets
from collections.abc import Iterable
from dataclasses import dataclass

from fastapi import Request, Response

from trustboard.errors import AuthenticationError, ErrorCode, PermissionDeniedError
from trustboard.services.users import (
    SESSION_HOURS,
    User,
    record_refusal,
    session_user,
    token_user,
)
from trustboard.store import Store

__all__ = [
    "CSRF_COOKIE",
    "SESSION_COOKIE",
    "SignInNeeded",
    "Viewer",
    "api_user",
    "check_csrf",
    "clear_session_cookie",
    "client_address",
    "client_of",
    "cookies_secure",
    "request_store",
    "set_session_cookie",
    "set_signin_cookie",
    "signin_token",
    "sso_label",
    "viewer",
]

SESSION_COOKIE = "tb_session"
CSRF_COOKIE = "tb_signin_csrf"
_CSRF_MINUTES = 30


class SignInNeeded(Exception):
    """A page was asked for without a live session (answered with the sign-in page)."""


@dataclass(frozen=True, slots=True)
class Viewer:
    """The signed-in person of a page request, their session and its CSRF token."""

    store: Store
    user: User
    session_secret: str
    csrf_token: str


def request_store(request: Request) -> Store:
    """A store over the app's engine for this request (the engine's pool is shared)."""
    return Store(request.app.state.engine, actor="web")


def _secure(request: Request) -> bool:
    return request.url.scheme == "https" or not request.app.state.settings.allow_plain_http


_Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def _networks(trusted: Iterable[str]) -> list[_Network]:
    found: list[_Network] = []
    for item in trusted:
        try:
            found.append(ipaddress.ip_network(item.strip(), strict=False))
        except ValueError:
            continue  # a host name never matches a socket's address
    return found


def _within(address: str, networks: list[_Network]) -> bool:
    try:
        ip = ipaddress.ip_address(address.strip())
    except ValueError:
        return False
    return any(ip in net for net in networks)


def client_address(
    peer: str | None, forwarded_for: str | None, trusted: Iterable[str]
) -> str | None:
    """The client's address: ``peer`` (the socket's), unless ``peer`` is a trusted proxy
    (an address or network in ``trusted``) and ``forwarded_for`` names one; then the
    right-most address of ``forwarded_for`` that is not a trusted proxy."""
    networks = _networks(trusted)
    if peer is None or not forwarded_for or not _within(peer, networks):
        return peer
    hops = [hop.strip() for hop in forwarded_for.split(",") if hop.strip()]
    for hop in reversed(hops):
        if not _within(hop, networks):
            return hop[:100]
    return hops[0][:100] if hops else peer


def sso_label(request: Request) -> str | None:
    """The name of the single sign-on provider for the sign-in page (``None``: none)."""
    found = getattr(request.app.state, "oidc", None)
    label = getattr(getattr(found, "config", None), "label", None)
    return label if isinstance(label, str) else None


def cookies_secure(request: Request) -> bool:
    """Whether this request's cookies are marked ``Secure``."""
    return _secure(request)


def client_of(request: Request) -> str | None:
    """The client's address (for the sign-in throttle and the audit log)."""
    peer = request.client.host if request.client else None
    trusted = getattr(request.app.state.settings, "trusted_proxies", ())
    return client_address(peer, request.headers.get("x-forwarded-for"), trusted)


def viewer(request: Request) -> Viewer:
    """The signed-in person (raises :class:`SignInNeeded` when there is none)."""
    store = request_store(request)
    secret = request.cookies.get(SESSION_COOKIE)
    found = session_user(store, secret)
    if found is None or secret is None:
        raise SignInNeeded()
    user, csrf = found
    return Viewer(store, user, secret, csrf)


def api_user(request: Request) -> tuple[Store, User]:
    """The account of an API request's bearer token (401 without a valid one)."""
    store = request_store(request)
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    user = token_user(store, token.strip()) if scheme.lower() == "bearer" else None
    if user is None:
        raise AuthenticationError(
            "a valid API token is needed",
            hint="send the header 'Authorization: Bearer <token>' (see: trustboard users token)",
        )
    return store, user


def check_csrf(store: Store, expected: str | None, given: str | None, who: str, what: str) -> None:
    """Refuse (and audit) a state-changing request whose CSRF token is missing or wrong."""
    if not expected or not given or not hmac.compare_digest(expected, given):
        record_refusal(store, who, what, "missing or wrong CSRF token")
        raise PermissionDeniedError(
            "the form has expired or did not come from this site",
            code=ErrorCode.AUTH_CSRF,
            hint="open the page again and resubmit",
        )


def signin_token(request: Request) -> str:
    """The sign-in form's CSRF token: the cookie's when it has one, else a new one."""
    return request.cookies.get(CSRF_COOKIE) or secrets.token_urlsafe(32)


def set_signin_cookie(request: Request, response: Response, token: str) -> None:
    """Give the browser the sign-in form's CSRF cookie (the double-submitted token)."""
    response.set_cookie(
        CSRF_COOKIE,
        token,
        max_age=_CSRF_MINUTES * 60,
        httponly=True,
        samesite="strict",
        secure=_secure(request),
        path="/",
    )


def set_session_cookie(request: Request, response: Response, secret: str) -> None:
    """Give the browser its session cookie (and drop the sign-in CSRF cookie)."""
    response.set_cookie(
        SESSION_COOKIE,
        secret,
        max_age=SESSION_HOURS * 3600,
        httponly=True,
        samesite="lax",
        secure=_secure(request),
        path="/",
    )
    response.delete_cookie(
        CSRF_COOKIE, path="/", secure=_secure(request), httponly=True, samesite="strict"
    )


def clear_session_cookie(request: Request, response: Response) -> None:
    """Remove the session cookie from the browser."""
    response.delete_cookie(
        SESSION_COOKIE, path="/", secure=_secure(request), httponly=True, samesite="lax"
    )
