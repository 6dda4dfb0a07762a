"""The most a request's body may hold, for every route (ASVS 12.1.1, 13.1.x).

:class:`BodyLimit` is a pure ASGI middleware: a body whose ``Content-Length`` declares more than
:data:`MAX_BODY_BYTES` is refused before any of it is read, and a body sent without a declared
length (chunked) is counted in ``receive`` and refused as soon as it passes the limit, so that
no route parses, or keeps in memory, more than that.  The refusal is HTTP 413 with the code
``TB-REQUEST-TOO-LARGE`` in the app's one error shape (the page, or JSON under ``/api/``), and
whatever the route was doing with the body stops before it changed anything.

The upload form (``POST /uploads``) is left to its own, larger limit
(:func:`trustboard.services.uploads.max_upload_bytes`), read in the same way by
:mod:`trustboard.web.uploads`.
"""

from __future__ import annotations

from collections.abc import Callable

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from trustboard.errors import ErrorCode, OptionsError, TrustboardError

__all__ = ["MAX_BODY_BYTES", "OWN_LIMIT", "BodyLimit", "CountedBody", "too_large"]

#: The most any request's body may hold, but the upload form's.
MAX_BODY_BYTES = 1024 * 1024
#: The (method, path) pairs whose route reads its body against a limit of its own.
OWN_LIMIT: frozenset[tuple[str, str]] = frozenset({("POST", "/uploads")})


def too_large(limit: int) -> OptionsError:
    """The refusal of a body larger than ``limit`` bytes."""
    return OptionsError(
        f"the request is larger than {limit:,} bytes, the most a form may send",
        code=ErrorCode.REQUEST_TOO_LARGE,
        hint="send less: shorten the text, or load large data as an upload",
    )


def _refusal() -> Exception:
    return HTTPException(413)


class CountedBody:
    """``receive`` counting the body's bytes: past ``limit`` it stops reading and raises
    ``refusal()`` (the middleware's 413 here; the upload form's own, for its parser, in
    :mod:`trustboard.web.uploads`)."""

    def __init__(
        self, receive: Receive, limit: int, refusal: Callable[[], Exception] = _refusal
    ) -> None:
        self._receive = receive
        self._limit = limit
        self._refusal = refusal
        self._seen = 0
        self.exceeded = False

    async def receive(self) -> Message:
        if self.exceeded:
            raise self._refusal()
        message = await self._receive()
        if message["type"] == "http.request":
            self._seen += len(message.get("body", b""))
            if self._seen > self._limit:
                self.exceeded = True
                raise self._refusal()
        return message


class BodyLimit:
    """Refuse (HTTP 413) a request whose body is larger than ``limit`` bytes.

    ``answer`` draws the app's error answer for a request and an error (the page, or JSON under
    ``/api/``); the middleware sets its status to 413.
    """

    def __init__(
        self,
        app: ASGIApp,
        answer: Callable[[Request, TrustboardError], Response],
        limit: int = MAX_BODY_BYTES,
    ) -> None:
        self.app = app
        self.answer = answer
        self.limit = limit

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = self.answer(Request(scope), too_large(self.limit))
        response.status_code = 413
        response.headers["Connection"] = "close"
        await response(scope, receive, send)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or (scope["method"], scope["path"]) in OWN_LIMIT:
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length", b"")
        if declared.isdigit() and int(declared) > self.limit:
            await self._refuse(scope, receive, send)
            return
        counted = CountedBody(receive, self.limit)
        started = False

        async def guarded_send(message: Message) -> None:
            nonlocal started
            if counted.exceeded and not started:
                return  # the route's own answer to the broken body gives way to the 413
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted.receive, guarded_send)
        except Exception:
            if not counted.exceeded or started:
                raise
        if counted.exceeded and not started:
            await self._refuse(scope, receive, send)
