"""Check and publish a forum's pack from the browser (analysts and administrators).

``/publish/{forum}/{period}`` runs the pre-publication checks exactly as ``trustboard check``
does (:func:`trustboard.services.cycle.check_view`) and lists every finding with what the pack
states, what the data give, and a link to where it is fixed: the metric page, the narrative
page, or the cover sheet (shown on the page, as the paper configuration and the meeting
calendar give it).  Each open finding can be overridden with a reason (the override of
``trustboard check --override``, audited); when nothing is open, the pack is published exactly
as ``trustboard publish`` publishes it (freeze, manifest, HTML and PDF), as a job of the
worker that received the request: its page says where the job stands (a link reads it again;
the page does not refresh itself, which would move a screen reader's place) and links the
published pack.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse

from trustboard.services.cycle import (
    check_view,
    override_from_web,
    publish_from_web,
    publish_job,
)
from trustboard.web.auth import Viewer, check_csrf, viewer
from trustboard.web.views import page

__all__ = ["router"]

router = APIRouter()
Signed = Annotated[Viewer, Depends(viewer)]


def _here(forum_id: str, period: str) -> str:
    return "/publish/" + "/".join(quote(part, safe="") for part in (forum_id, period))


@router.get("/publish/{forum_id}/{period}", include_in_schema=False)
def check_page(request: Request, signed: Signed, forum_id: str, period: str) -> Response:
    """The pre-publication checks of the forum's pack for the period, and publishing."""
    settings = request.app.state.settings
    found = check_view(
        signed.store,
        signed.user,
        forum_id,
        period,
        request.app.state.config,
        settings.published_root,
    )
    return HTMLResponse(
        page(
            "publish.html.j2",
            viewer=signed,
            title=f"Check and publish: {found.model.forum.name}, {found.model.period.display()}",
            view=found,
        )
    )


@router.post("/publish/{forum_id}/{period}/override", include_in_schema=False)
def override(
    request: Request,
    signed: Signed,
    forum_id: str,
    period: str,
    csrf_token: Annotated[str, Form(max_length=100)] = "",
    finding_id: Annotated[str, Form(max_length=300)] = "",
    reason: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    """Accept one finding with a reason (``trustboard check --override ID --reason``)."""
    what = f"overriding a check finding ({forum_id} {period})"
    check_csrf(signed.store, signed.csrf_token, csrf_token, signed.user.name, what)
    override_from_web(
        signed.store,
        signed.user,
        forum_id,
        period,
        finding_id,
        reason,
        request.app.state.config,
    )
    return RedirectResponse(_here(forum_id, period) + "#overrides", status_code=303)


@router.post("/publish/{forum_id}/{period}", include_in_schema=False)
def publish(
    request: Request,
    signed: Signed,
    forum_id: str,
    period: str,
    csrf_token: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    """Publish the pack (``trustboard publish``) as a job; answers with the job's page."""
    what = f"publishing a pack ({forum_id} {period})"
    check_csrf(signed.store, signed.csrf_token, csrf_token, signed.user.name, what)
    job_id = publish_from_web(
        signed.store,
        signed.user,
        forum_id,
        period,
        request.app.state.config,
        request.app.state.settings.published_root,
    )
    return RedirectResponse(f"{_here(forum_id, period)}/jobs/{job_id}", status_code=303)


@router.get("/publish/{forum_id}/{period}/jobs/{job_id}", include_in_schema=False)
def job_page(signed: Signed, forum_id: str, period: str, job_id: int) -> Response:
    """Where a publishing job stands."""
    found = publish_job(signed.store, signed.user, job_id)
    return HTMLResponse(
        page(
            "publish_job.html.j2",
            viewer=signed,
            title=f"Publishing {found.forum} {found.period}",
            job=found,
            back=_here(found.forum or forum_id, found.period or period),
        )
    )
