"""The web app's factory: settings, security headers, the one error shape, the routes.

Every answer carries a strict Content-Security-Policy (nothing inline, nothing from elsewhere;
charts and icons are ``data:`` images), ``X-Content-Type-Options``, ``Referrer-Policy``,
``frame-ancestors 'none'`` and ``Cache-Control: no-store`` for signed-in pages.  Every error,
whatever the route, is a :class:`~trustboard.errors.TrustboardError` answered with
:func:`~trustboard.errors.http_status_for`: JSON (``TrustboardError.to_dict``) under
``/api/``, the error page elsewhere.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

from fastapi import FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from starlette.exceptions import HTTPException as StarletteHTTPException

from trustboard import __version__
from trustboard.errors import (
    ErrorCode,
    NotFoundError,
    OptionsError,
    Problem,
    StoreError,
    TrustboardError,
    http_status_for,
)
from trustboard.services import open_store
from trustboard.services.browse import load_config, warm_models
from trustboard.services.drill import warm_drill
from trustboard.services.pack import PaperConfig
from trustboard.store import Store
from trustboard.web import actions as action_pages
from trustboard.web import api, drill, oidc, pages
from trustboard.web import baf as baf_pages
from trustboard.web import cycle as cycle_pages
from trustboard.web import narrative as narrative_pages
from trustboard.web import notifications as notification_pages
from trustboard.web import publish as publish_pages
from trustboard.web import status as status_pages
from trustboard.web import uploads as upload_pages
from trustboard.web.auth import SignInNeeded, Viewer, viewer
from trustboard.web.bodylimit import BodyLimit
from trustboard.web.views import page

__all__ = ["SECURITY_HEADERS", "WebSettings", "app_from_environment", "create_app"]

_log = logging.getLogger(__name__)

#: Environment variables through which ``trustboard serve`` hands settings to its workers.
ENV_PAPER = "TRUSTBOARD_WEB_PAPER"
ENV_PUBLISHED_ROOT = "TRUSTBOARD_WEB_PUBLISHED_ROOT"
ENV_ALLOW_PLAIN_HTTP = "TRUSTBOARD_WEB_ALLOW_PLAIN_HTTP"
ENV_TRUSTED_PROXIES = "TRUSTBOARD_WEB_TRUSTED_PROXIES"
ENV_OIDC_CONFIG = "TRUSTBOARD_WEB_OIDC_CONFIG"

#: Seconds a client is asked to wait (``Retry-After``) when every database connection is busy.
BUSY_RETRY_AFTER_S = 5

#: Headers on every answer (OWASP secure headers; nothing inline, nothing from elsewhere).
SECURITY_HEADERS: dict[str, str] = {
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; "
        "frame-ancestors 'none'; base-uri 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}


@dataclass(frozen=True, slots=True)
class WebSettings:
    """How the app is run.

    ``allow_plain_http`` lets session cookies go without ``Secure`` over plain HTTP (local
    use on a loopback address only; ``trustboard serve`` refuses it on any other address).
    ``trusted_proxies`` are the addresses (or networks) of reverse proxies whose
    ``X-Forwarded-For`` names the client; from anyone else it is ignored.  ``oidc_config`` is
    the single sign-on configuration file (:mod:`trustboard.web.oidc`), if any.
    """

    database: str | Path | None = None
    paper: str | Path | None = None
    published_root: str | Path | None = None
    allow_plain_http: bool = False
    trusted_proxies: tuple[str, ...] = ()
    oidc_config: str | Path | None = None
    #: build the latest month's pack models and drill-down inputs in the background as the
    #: app starts (each ``trustboard serve`` worker does), so that its first readers do not
    #: wait for them
    warm: bool = False


def _error_response(request: Request, error: TrustboardError) -> Response:
    status = http_status_for(error)
    if request.url.path.startswith("/api/"):
        return JSONResponse(error.to_dict(), status_code=status)
    try:
        # a signed-in person keeps the site's navigation on an error page
        who: Viewer | None = viewer(request)
    except (SignInNeeded, TrustboardError):
        who = None
    body = page("error.html.j2", error=error, status=status, viewer=who, title="Error")
    return HTMLResponse(body, status_code=status)


def create_app(settings: WebSettings | None = None) -> FastAPI:
    """The web app over the store of ``settings.database`` (it must exist at the latest
    schema: ``trustboard init``)."""
    chosen = settings or WebSettings()
    store = open_store(chosen.database)
    app = FastAPI(
        title="trustboard",
        version=__version__,
        docs_url=None,
        redoc_url=None,
        openapi_url="/api/v1/openapi.json",
    )
    app.state.settings = chosen
    app.state.engine = store.engine
    app.state.config = load_config(chosen.paper, store)
    app.state.oidc = (
        oidc.OidcClient(oidc.load_oidc_config(chosen.oidc_config)) if chosen.oidc_config else None
    )

    # every body is bounded before a route reads it (inside the headers: the 413 carries them)
    app.add_middleware(BodyLimit, answer=_error_response)

    @app.middleware("http")
    async def _headers(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        response = await call_next(request)
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        if request.url.scheme == "https":
            # browsers that have seen the site over HTTPS never try plain HTTP again
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        if not request.url.path.startswith("/static/"):
            response.headers.setdefault("Cache-Control", "no-store")
        if request.url.path.startswith("/api/"):
            # an API answer opened in a browser is a download, never a page (ASVS 14.4.2)
            response.headers.setdefault("Content-Disposition", 'attachment; filename="api.json"')
        return response

    @app.exception_handler(TrustboardError)
    async def _trustboard_error(request: Request, error: Exception) -> Response:
        assert isinstance(error, TrustboardError)
        return _error_response(request, error)

    @app.exception_handler(PoolTimeoutError)
    async def _busy(request: Request, error: Exception) -> Response:
        # every connection of the pool is in use: a clean 503 (the error page is drawn without
        # the viewer, whose session would need another connection)
        busy = StoreError(
            "the server is busy: every database connection is in use",
            code=ErrorCode.STORE_BUSY,
            hint=f"try again in {BUSY_RETRY_AFTER_S} seconds",
        )
        response: Response
        if request.url.path.startswith("/api/"):
            response = JSONResponse(busy.to_dict(), status_code=503)
        else:
            body = page("error.html.j2", error=busy, status=503, viewer=None, title="Error")
            response = HTMLResponse(body, status_code=503)
        response.headers["Retry-After"] = str(BUSY_RETRY_AFTER_S)
        return response

    @app.exception_handler(SignInNeeded)
    async def _sign_in(request: Request, error: Exception) -> Response:
        return RedirectResponse("/sign-in", status_code=303)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, error: Exception) -> Response:
        assert isinstance(error, StarletteHTTPException)
        wrapped: TrustboardError
        if error.status_code == 404:
            wrapped = NotFoundError(f"there is no page at {request.url.path}")
        else:
            wrapped = OptionsError(str(error.detail))
        response = _error_response(request, wrapped)
        if error.status_code != 404:
            response.status_code = error.status_code
        return response

    @app.exception_handler(RequestValidationError)
    async def _bad_request(request: Request, error: Exception) -> Response:
        assert isinstance(error, RequestValidationError)
        problems = [
            Problem(
                ErrorCode.OPTIONS,
                str(item.get("msg", "not valid")),
                column=".".join(str(p) for p in item.get("loc", ())),
            )
            for item in error.errors()
        ]
        return _error_response(request, OptionsError("the request is not valid", problems=problems))

    app.include_router(pages.router)
    app.include_router(drill.router)
    app.include_router(baf_pages.router)
    app.include_router(narrative_pages.router)
    app.include_router(status_pages.router)
    app.include_router(cycle_pages.router)
    app.include_router(action_pages.router)
    app.include_router(notification_pages.router)
    app.include_router(publish_pages.router)
    app.include_router(upload_pages.router)
    app.include_router(api.router)
    app.include_router(oidc.router)
    if chosen.warm:
        threading.Thread(
            target=_warm, args=(store, app.state.config), name="trustboard-warm", daemon=True
        ).start()
    return app


def _warm(store: Store, config: PaperConfig) -> None:
    """Build the pages' shared answers before the first reader asks (a failure here is the
    first reader's to meet and report: it is logged, never raised in the thread)."""
    started = time.monotonic()
    try:
        models = warm_models(store, config)
        warm_drill(store, config, models)
    except Exception:  # the reader's own request reports what went wrong
        _log.exception("trustboard: building the pages' answers at start failed")
        return
    _log.info(
        "trustboard: %d forums' pages built at start in %.1f s",
        len(models),
        time.monotonic() - started,
    )


def app_from_environment() -> FastAPI:
    """The app with settings from the environment (each ``trustboard serve`` worker calls
    this; the database comes from ``TRUSTBOARD_DATABASE_URL``)."""
    return create_app(
        WebSettings(
            database=None,
            paper=os.environ.get(ENV_PAPER) or None,
            published_root=os.environ.get(ENV_PUBLISHED_ROOT) or None,
            allow_plain_http=os.environ.get(ENV_ALLOW_PLAIN_HTTP) == "1",
            trusted_proxies=tuple(
                p for p in os.environ.get(ENV_TRUSTED_PROXIES, "").split(",") if p.strip()
            ),
            oidc_config=os.environ.get(ENV_OIDC_CONFIG) or None,
            warm=True,
        )
    )
