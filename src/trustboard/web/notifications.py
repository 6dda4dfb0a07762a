"""The notifications page: what a person has been told, newest first, each with its link, and
a form to mark one or all read.  The header's badge counts the unread ones
(:func:`trustboard.services.notify.unread_count`)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Response
from fastapi.responses import HTMLResponse, RedirectResponse

from trustboard.errors import OptionsError
from trustboard.services import notify
from trustboard.web.auth import Viewer, check_csrf, viewer
from trustboard.web.views import page

__all__ = ["router"]

router = APIRouter()
Signed = Annotated[Viewer, Depends(viewer)]


@router.get("/notifications", include_in_schema=False)
def index(signed: Signed) -> Response:
    """The signed-in person's notifications (the newest :data:`~notify.INBOX_LIMIT`; the page
    says so when there are more)."""
    found = notify.inbox(signed.store, signed.user, limit=notify.INBOX_LIMIT + 1)
    return HTMLResponse(
        page(
            "notifications.html.j2",
            viewer=signed,
            title="Notifications",
            items=found[: notify.INBOX_LIMIT],
            more=len(found) > notify.INBOX_LIMIT,
            limit=notify.INBOX_LIMIT,
        )
    )


@router.post("/notifications", include_in_schema=False)
def mark_read(
    signed: Signed,
    csrf_token: Annotated[str, Form(max_length=100)] = "",
    notification: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    """Mark one notification (``notification``) or, with none named, all of them read."""
    check_csrf(signed.store, signed.csrf_token, csrf_token, signed.user.name, "notifications")
    ids: list[int] | None = None
    if notification:
        try:
            ids = [int(notification)]
        except ValueError:
            raise OptionsError(f"{notification!r} is not a notification") from None
    notify.mark_read(signed.store, signed.user, ids)
    return RedirectResponse("/notifications", status_code=303)
