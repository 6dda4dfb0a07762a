"""The pages: sign in and out, home, a forum's summary table, a metric, published packs, users.

Each route parses the request, finds the viewer, calls one service and renders one template.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse

from trustboard.domain import Domain
from trustboard.errors import AuthenticationError, ThrottledError, http_status_for
from trustboard.services import browse
from trustboard.services.target_history import target_history
from trustboard.services.users import authenticate, end_session, start_session
from trustboard.web.auth import (
    CSRF_COOKIE,
    Viewer,
    check_csrf,
    clear_session_cookie,
    client_of,
    request_store,
    set_session_cookie,
    set_signin_cookie,
    signin_token,
    sso_label,
    viewer,
)
from trustboard.web.views import matrix_rows, page, stylesheet

__all__ = ["router"]

router = APIRouter()
Signed = Annotated[Viewer, Depends(viewer)]


def _html(body: str, status: int = 200) -> HTMLResponse:
    return HTMLResponse(body, status_code=status)


@router.get("/static/web.css", include_in_schema=False)
def css() -> Response:
    """The stylesheet (cached by browsers for an hour)."""
    return Response(
        stylesheet(), media_type="text/css", headers={"Cache-Control": "public, max-age=3600"}
    )


def _sign_in_page(request: Request, message: str | None, status: int) -> Response:
    token = signin_token(request)
    response = _html(
        page(
            "sign_in.html.j2",
            viewer=None,
            csrf=token,
            message=message,
            title="Sign in",
            sso=sso_label(request),
        ),
        status,
    )
    set_signin_cookie(request, response, token)
    return response


@router.get("/sign-in", include_in_schema=False)
def sign_in_form(request: Request) -> Response:
    """The sign-in form."""
    return _sign_in_page(request, None, 200)


@router.post("/sign-in", include_in_schema=False)
def sign_in(
    request: Request,
    name: Annotated[str, Form(max_length=200)] = "",
    password: Annotated[str, Form(max_length=1000)] = "",
    csrf_token: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    """Check the CSRF token, then the name and password; start a session."""
    store = request_store(request)
    check_csrf(store, request.cookies.get(CSRF_COOKIE), csrf_token, name[:200], "sign-in")
    try:
        user = authenticate(store, name, password, client=client_of(request))
    except (AuthenticationError, ThrottledError) as refused:
        text = refused.message + (f" ({refused.hint})" if refused.hint else "")
        return _sign_in_page(request, text, http_status_for(refused))
    signed = start_session(store, user, client=client_of(request))
    response = RedirectResponse("/", status_code=303)
    set_session_cookie(request, response, signed.session_secret)
    return response


@router.post("/sign-out", include_in_schema=False)
def sign_out(
    request: Request, signed: Signed, csrf_token: Annotated[str, Form(max_length=100)] = ""
) -> Response:
    """End the session (the form's CSRF token must be the session's)."""
    check_csrf(signed.store, signed.csrf_token, csrf_token, signed.user.name, "sign-out")
    end_session(signed.store, signed.session_secret, signed.user)
    response = RedirectResponse("/sign-in", status_code=303)
    clear_session_cookie(request, response)
    return response


@router.get("/", include_in_schema=False)
def home(request: Request, signed: Signed, forum: str | None = None) -> Response:
    """The forums and periods the viewer may read, and one forum's latest icon matrix."""
    found = browse.home_view(signed.store, signed.user, forum, request.app.state.config)
    return _html(
        page(
            "home.html.j2",
            viewer=signed,
            title="Home",
            view=found,
            matrix=matrix_rows(found.model.sections) if found.model else [],
        )
    )


@router.get("/forums/{forum_id}/{period}", include_in_schema=False)
def summary(
    request: Request,
    signed: Signed,
    forum_id: str,
    period: str,
    domain: str | None = None,
    directorate: str | None = None,
    icon: str | None = None,
    committee: str | None = None,
    lead: str | None = None,
    sort: str = "pack",
    order: str = "asc",
) -> Response:
    """A forum's summary table for a period, filtered and sorted by the query."""
    chosen = browse.SummaryFilter(
        domain=domain or None,
        directorate=directorate or None,
        icon=icon or None,
        committee=committee or None,
        lead=lead or None,
        sort=sort,
        descending=order == "desc",
    )
    model = browse.forum_pack(signed.store, signed.user, forum_id, period, request.app.state.config)
    rows = browse.summary_sections(model, chosen)
    return _html(
        page(
            "summary.html.j2",
            viewer=signed,
            title=f"{model.forum.name}, {model.period.display()}",
            model=model,
            rows=rows,
            chosen=chosen,
            domains=[d.value for d in Domain],
            directorates=sorted({s.definition.directorate for s in model.sections}),
            committees=sorted({c for s in model.sections for c in s.definition.lead_committees}),
            leads=sorted(
                {s.definition.exec_lead for s in model.sections if s.definition.exec_lead}
            ),
            sort_keys=browse.SORT_KEYS,
        )
    )


@router.get("/forums/{forum_id}/{period}/metrics/{metric_id}", include_in_schema=False)
def metric(
    request: Request, signed: Signed, forum_id: str, period: str, metric_id: str
) -> Response:
    """One metric as the forum's pack shows it: chart, statement, icons, data, narrative."""
    model, section = browse.metric_section(
        signed.store, signed.user, forum_id, period, metric_id, request.app.state.config
    )
    return _html(
        page(
            "metric.html.j2",
            viewer=signed,
            title=f"{section.name}: {model.forum.name}, {model.period.display()}",
            model=model,
            s=section,
            targets=target_history(signed.store, section.metric_id, model.period),
        )
    )


@router.get("/packs", include_in_schema=False)
def packs(request: Request, signed: Signed) -> Response:
    """The published packs of the forums the viewer may read."""
    root = request.app.state.settings.published_root
    found = browse.publications(signed.store, signed.user, root)
    return _html(
        page(
            "packs.html.j2",
            viewer=signed,
            title="Published packs",
            publications=found,
            configured=root is not None,
        )
    )


@router.get("/packs/{forum_id}/{period}", include_in_schema=False)
def publication(request: Request, signed: Signed, forum_id: str, period: str) -> Response:
    """One published pack: its manifest, files, overrides and figures, and whether it still
    verifies as ``trustboard publish --verify`` checks it."""
    root = request.app.state.settings.published_root
    found = browse.publication(signed.store, signed.user, root, forum_id, period)
    checked = browse.verify(signed.store, found, root)
    return _html(
        page(
            "publication.html.j2",
            viewer=signed,
            title=f"Published pack: {found.forum_name}, {found.period}",
            p=found,
            v=checked,
        )
    )


@router.get("/packs/{forum_id}/{period}/files/{name}", include_in_schema=False)
def publication_file(
    request: Request, signed: Signed, forum_id: str, period: str, name: str
) -> Response:
    """A published pack's HTML or PDF as frozen, as a download (refused if it changed)."""
    root = request.app.state.settings.published_root
    data, media = browse.publication_file(signed.store, signed.user, root, forum_id, period, name)
    return Response(
        data,
        media_type=media,
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@router.get("/admin/users", include_in_schema=False)
def users(signed: Signed) -> Response:
    """The accounts (administrators only)."""
    found = browse.users_for_admin(signed.store, signed.user)
    return _html(page("users.html.j2", viewer=signed, title="Users", users=found))
