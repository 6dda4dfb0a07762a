"""Narrative pages: the exceptions of a forum's pack that need narrative, the edit form with a
preview, submission, return and approval, each narrative's version history with diffs, and the
conflict page shown when someone else saved first.

Every page works without script: buttons post forms that carry the session's CSRF token and
the version the writer read, and the preview is rendered by the server through the pack's one
sanitising Markdown renderer.  Only the roles that write narrative (executives, analysts and
admins) open these pages; what each may do follows :mod:`trustboard.services.narrative`.
Reading a page never writes: a draft is started by a button.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse

from trustboard.domain import COMMENTARY_SECTIONS
from trustboard.errors import NotFoundError, OptionsError, PermissionDeniedError
from trustboard.render.pack.model import MetricSection, PackModel
from trustboard.services import browse
from trustboard.services import narrative as nv
from trustboard.services.users import Role, list_users, record_refusal, visible_forums
from trustboard.web.auth import Viewer, check_csrf, viewer
from trustboard.web.views import page

__all__ = ["router"]

router = APIRouter()
Signed = Annotated[Viewer, Depends(viewer)]


def _require_writer(signed: Viewer, what: str) -> None:
    if not nv.may_write(signed.user):
        record_refusal(signed.store, signed.user.name, what, "role does not write narrative")
        raise PermissionDeniedError(
            f"your role ({signed.user.role.value}) does not give access to narrative"
        )


def _base(forum_id: str, period: str, metric_id: str) -> str:
    return "/narrative/" + "/".join(quote(part, safe="") for part in (forum_id, period, metric_id))


def _section(
    request: Request, signed: Viewer, forum_id: str, period: str, metric_id: str
) -> tuple[PackModel, MetricSection]:
    return browse.metric_section(
        signed.store, signed.user, forum_id, period, metric_id, request.app.state.config
    )


@router.get("/narrative", include_in_schema=False)
def index(
    request: Request, signed: Signed, forum: str | None = None, period: str | None = None
) -> Response:
    """A forum's exceptions for a period with where each narrative stands (mine first)."""
    _require_writer(signed, "narrative")
    forums = visible_forums(signed.store, signed.user)
    periods = browse.available_periods(signed.store)
    if not forums or not periods:
        raise NotFoundError("there is no forum or no period with data to write narrative for")
    chosen_forum = forum or forums[0].id
    chosen_period = period or periods[0].label()
    model = browse.forum_pack(
        signed.store, signed.user, chosen_forum, chosen_period, request.app.state.config
    )
    label = model.period.label()
    exceptions = [s for s in model.sections if s.is_exception]
    latest = {
        v.metric_id: v
        for v in nv.latest_for(signed.store, [s.metric_id for s in exceptions], label)
    }
    mine = {lead.exec_lead for lead in nv.leads(signed.store, signed.user.name)}
    ordered = sorted(
        exceptions,
        key=lambda s: not (s.definition.exec_lead and s.definition.exec_lead in mine),
    )
    rows = [
        {
            "s": s,
            "latest": latest.get(s.metric_id),
            "mine": bool(s.definition.exec_lead and s.definition.exec_lead in mine),
            "href": _base(model.forum.id, label, s.metric_id),
        }
        for s in ordered
    ]
    return HTMLResponse(
        page(
            "narrative.html.j2",
            viewer=signed,
            title=f"Narrative: {model.forum.name}, {model.period.display()}",
            model=model,
            rows=rows,
            forums=forums,
            periods=periods,
            chosen_forum=model.forum.id,
            chosen_period=label,
        )
    )


def _edit_page(
    request: Request,
    signed: Viewer,
    forum_id: str,
    period: str,
    metric_id: str,
    *,
    typed: dict[str, str] | None = None,
    preview: bool = False,
    message: str | None = None,
    status: int = 200,
    based_on: int | None = None,
) -> Response:
    model, section = _section(request, signed, forum_id, period, metric_id)
    label = model.period.label()
    latest = nv.latest(signed.store, metric_id, label)
    text = typed if typed is not None else (dict(latest.sections) if latest else {})
    return HTMLResponse(
        page(
            "narrative_edit.html.j2",
            viewer=signed,
            title=f"Narrative: {section.name}, {model.period.display()}",
            model=model,
            s=section,
            latest=latest,
            text=text,
            preview=preview,
            message=message,
            changes=nv.data_changes(model, section),
            may_approve=nv.may_approve(signed.store, signed.user, metric_id),
            base=_base(model.forum.id, label, metric_id),
            # a preview keeps the version the writer opened, so that a save after it is still
            # refused when someone else saved meanwhile
            based_on=based_on if based_on is not None else (latest.version if latest else None),
        ),
        status_code=status,
    )


@router.get("/narrative/{forum_id}/{period}/{metric_id}", include_in_schema=False)
def edit(request: Request, signed: Signed, forum_id: str, period: str, metric_id: str) -> Response:
    """The narrative's latest version in an edit form, what changed in the data beside it,
    and the steps the viewer may take."""
    _require_writer(signed, f"narrative of {metric_id}")
    return _edit_page(request, signed, forum_id, period, metric_id)


def _int(text: str | None, name: str) -> int:
    try:
        return int(text or "")
    except ValueError:
        raise OptionsError(f"the form's '{name}' is not a version number: {text!r}") from None


@router.post("/narrative/{forum_id}/{period}/{metric_id}", include_in_schema=False)
async def step(
    request: Request, signed: Signed, forum_id: str, period: str, metric_id: str
) -> Response:
    """One step: start, preview, save, submit, approve or return (the button pressed)."""
    form = await request.form(max_files=0, max_fields=len(COMMENTARY_SECTIONS) + 8)
    fields = {k: v for k, v in form.items() if isinstance(v, str)}
    what = f"narrative of {metric_id} for {period}"
    check_csrf(signed.store, signed.csrf_token, fields.get("csrf_token"), signed.user.name, what)
    _require_writer(signed, what)
    model, section = _section(request, signed, forum_id, period, metric_id)
    label = model.period.label()
    chosen = fields.get("step", "")
    typed = {
        key: fields.get(f"section_{key}", "")
        for key in COMMENTARY_SECTIONS
        if f"section_{key}" in fields
    }
    base = _base(model.forum.id, label, metric_id)

    def based_on() -> int:
        # the version the form was opened on (every step but start carries it)
        return _int(fields.get("based_on"), "based_on")

    store, user = signed.store, signed.user
    try:
        if chosen == "start":
            nv.start_draft(store, user, metric_id, label)
        elif chosen == "preview":
            opened = based_on()
            return _edit_page(
                request,
                signed,
                forum_id,
                period,
                metric_id,
                typed=typed,
                preview=True,
                based_on=opened,
            )
        elif chosen == "save":
            nv.save(store, user, metric_id, label, typed, based_on=based_on())
        elif chosen in ("submit", "approve"):
            move = nv.submit if chosen == "submit" else nv.approve
            move(store, user, metric_id, label, based_on=based_on())
        elif chosen == "return":
            comment = fields.get("comment", "")
            nv.return_for_changes(store, user, metric_id, label, comment, based_on=based_on())
        else:
            raise OptionsError(f"there is no narrative step {chosen!r}")
    except nv.NarrativeConflict as conflict:
        return HTMLResponse(
            page(
                "narrative_conflict.html.j2",
                viewer=signed,
                title=f"Narrative changed meanwhile: {section.name}",
                model=model,
                s=section,
                conflict=conflict,
                diffs=nv.diff_sections(conflict.theirs.sections, conflict.mine),
                base=base,
            ),
            status_code=409,
        )
    return RedirectResponse(base, status_code=303)


@router.get("/narrative/{forum_id}/{period}/{metric_id}/history", include_in_schema=False)
def history(
    request: Request, signed: Signed, forum_id: str, period: str, metric_id: str
) -> Response:
    """Every version, newest first, with who made it, when, and what it changed."""
    _require_writer(signed, f"narrative history of {metric_id}")
    model, section = _section(request, signed, forum_id, period, metric_id)
    label = model.period.label()
    versions = nv.history(signed.store, metric_id, label)
    entries = []
    previous: dict[str, str] | None = None
    for item in versions:
        entries.append({"v": item, "diffs": nv.diff_sections(previous, item.sections)})
        previous = item.sections
    entries.reverse()
    return HTMLResponse(
        page(
            "narrative_history.html.j2",
            viewer=signed,
            title=f"Narrative history: {section.name}, {model.period.display()}",
            model=model,
            s=section,
            entries=entries,
            base=_base(model.forum.id, label, metric_id),
        )
    )


def _require_admin(signed: Viewer, what: str) -> None:
    if signed.user.role is not Role.ADMIN:
        record_refusal(signed.store, signed.user.name, what, "only an admin names approvers")
        raise PermissionDeniedError(
            f"your role ({signed.user.role.value}) does not give access to {what}"
        )


def _approvers_page(signed: Viewer, message: str | None = None, status: int = 200) -> Response:
    leads = sorted({m.exec_lead for m in signed.store.metrics() if m.exec_lead})
    return HTMLResponse(
        page(
            "narrative_approvers.html.j2",
            viewer=signed,
            title="Narrative approvers",
            approvers=nv.leads(signed.store),
            exec_leads=leads,
            accounts=[u for u in list_users(signed.store) if not u.disabled],
            message=message,
        ),
        status_code=status,
    )


@router.get("/narrative/approvers", include_in_schema=False)
def approvers(signed: Signed) -> Response:
    """Who approves narrative for each executive lead (administrators only)."""
    _require_admin(signed, "narrative approvers")
    return _approvers_page(signed)


@router.post("/narrative/approvers", include_in_schema=False)
def change_approvers(
    signed: Signed,
    csrf_token: Annotated[str, Form(max_length=100)] = "",
    step: Annotated[str, Form(max_length=20)] = "",
    exec_lead: Annotated[str, Form(max_length=200)] = "",
    user_name: Annotated[str, Form(max_length=200)] = "",
    delegate: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    """Name (``step=add``) or remove (``step=remove``) an approver for an executive lead."""
    check_csrf(signed.store, signed.csrf_token, csrf_token, signed.user.name, "narrative approvers")
    _require_admin(signed, "narrative approvers")
    if step == "add":
        nv.set_lead(signed.store, signed.user, exec_lead, user_name, delegate=delegate == "yes")
    elif step == "remove":
        nv.remove_lead(signed.store, signed.user, exec_lead, user_name)
    else:
        raise OptionsError(f"there is no approvers step {step!r}")
    return RedirectResponse("/narrative/approvers", status_code=303)
