"""Action pages: "my actions", every action for those who follow them all, and one action's
page with its history and the form that changes it.

The list is filtered by query parameters (subject, owner, status, overdue, slipping) through a
form that works without script.  What a person reads and may change follows
:mod:`trustboard.services.actions`: analysts, admins and risk leads read every action, anyone
else their own; a change is posted with the session's CSRF token and refused (and audited) for
someone who may not make it.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, Response
from fastapi.responses import HTMLResponse, RedirectResponse

from trustboard.domain import ActionStatus
from trustboard.errors import OptionsError
from trustboard.services import actions as tracker
from trustboard.store import utc_now
from trustboard.web.auth import Viewer, check_csrf, viewer
from trustboard.web.views import page

__all__ = ["router"]

router = APIRouter()
Signed = Annotated[Viewer, Depends(viewer)]

_STATUS_CHOICES = [("open", "Open (any)"), ("closed", "Complete or closed")] + [
    (s.value, s.value.replace("_", " ").capitalize()) for s in ActionStatus
]


def _names(signed: Viewer) -> dict[str, str]:
    return {m.id: m.name for m in signed.store.metrics()}


@router.get("/actions", include_in_schema=False)
def index(
    signed: Signed,
    subject: str = "",
    owner: str = "",
    status: str = "",
    overdue: str = "",
    slipping: str = "",
    mine: str = "",
) -> Response:
    """My actions, and every action for analysts, admins and risk leads, filtered."""
    follows_all = signed.user.role in tracker.ALL_ACTIONS_ROLES
    chosen = tracker.ActionFilter(
        subject=subject[:64] or None,
        owner=owner[:200] or None,
        status=status[:20] or None,
        overdue=overdue == "yes",
        slipping=slipping == "yes",
        mine=mine == "yes" or not follows_all,
    )
    items = tracker.list_actions(signed.store, signed.user, chosen)
    every = (
        tracker.list_actions(signed.store, signed.user, tracker.ActionFilter(mine=chosen.mine))
        if follows_all
        else items
    )
    return HTMLResponse(
        page(
            "actions.html.j2",
            viewer=signed,
            title="My actions" if chosen.mine else "Actions",
            items=items,
            names=_names(signed),
            follows_all=follows_all,
            chosen=chosen,
            owners=tracker.owners_of(every),
            subjects=sorted({i.subject_id for i in every}),
            statuses=_STATUS_CHOICES,
            today=utc_now().date(),
        )
    )


def _action_page(
    signed: Viewer, action_id: str, *, message: str | None = None, status: int = 200
) -> Response:
    found = tracker.action_page(signed.store, signed.user, action_id)
    return HTMLResponse(
        page(
            "action.html.j2",
            viewer=signed,
            title=f"Action {found.item.action.id}",
            found=found,
            a=found.item.action,
            names=_names(signed),
            statuses=[(s.value, s.value.replace("_", " ").capitalize()) for s in ActionStatus],
            message=message,
            today=utc_now().date(),
        ),
        status_code=status,
    )


@router.get("/actions/{action_id}", include_in_schema=False)
def action(signed: Signed, action_id: str) -> Response:
    """One action: subject, owner, first and current due dates, status, evidence, and every
    change of due date with its reason."""
    return _action_page(signed, action_id)


def _day(text: str) -> date | None:
    if not text.strip():
        return None
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise OptionsError(
            f"the new due date {text.strip()!r} is not a date", hint="write it as YYYY-MM-DD"
        ) from None


@router.post("/actions/{action_id}", include_in_schema=False)
def change(
    signed: Signed,
    action_id: str,
    csrf_token: Annotated[str, Form(max_length=100)] = "",
    status: Annotated[str, Form(max_length=20)] = "",
    evidence: Annotated[str, Form(max_length=tracker.MAX_EVIDENCE_LENGTH)] = "",
    due: Annotated[str, Form(max_length=20)] = "",
    reason: Annotated[str, Form(max_length=tracker.MAX_EVIDENCE_LENGTH)] = "",
) -> Response:
    """Change the action's status, evidence or due date (a new due date needs a reason)."""
    check_csrf(signed.store, signed.csrf_token, csrf_token, signed.user.name, f"action {action_id}")
    try:
        tracker.update_action(
            signed.store,
            signed.user,
            action_id,
            status=status or None,
            evidence=evidence,
            due=_day(due),
            reason=reason,
        )
    except OptionsError as problem:
        # the form is shown again with what was wrong; nothing was written
        return _action_page(signed, action_id, message=problem.message, status=400)
    return RedirectResponse("/actions/" + quote(action_id, safe=""), status_code=303)
