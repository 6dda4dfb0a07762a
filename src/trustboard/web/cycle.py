"""The reporting cycle's control panel and its data-in templates (analysts and administrators).

``/cycle/{forum}/{period}`` shows the forum's timetable for the period (the meeting calendar's
data cut-off, narrative due, papers due and meeting dates, set from the page's form) and what
is outstanding, each item linking to where it is fixed: metrics whose data is missing or late,
exception pages without narrative, narrative awaiting approval, BAF risks awaiting review,
``trustboard check`` findings and the overrides recorded
(:func:`trustboard.services.cycle.cycle_view`).  ``/cycle/{forum}/{period}/template`` downloads
the values file to fill in, as ``trustboard template values`` writes it.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, Query, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse

from trustboard.errors import DataValidationError, NotFoundError
from trustboard.services import browse
from trustboard.services.cycle import cycle_view, require_cycle_role, schedule_meeting
from trustboard.services.meetings import DATE_FIELDS, MEETING_PARTS
from trustboard.services.users import require_forum, visible_forums
from trustboard.services.values_template import (
    TemplateFormat,
    TemplateLayout,
    template_bytes,
    values_template,
)
from trustboard.web.auth import Viewer, check_csrf, viewer
from trustboard.web.views import page

__all__ = ["router"]

router = APIRouter()
Signed = Annotated[Viewer, Depends(viewer)]


@router.get("/cycle", include_in_schema=False)
def cycle_home(signed: Signed, forum: str | None = None, period: str | None = None) -> Response:
    """The control panel chosen in the form (else the first forum's latest period)."""
    require_cycle_role(signed.store, signed.user, "the reporting cycle's control panel")
    forums = visible_forums(signed.store, signed.user)
    periods = browse.available_periods(signed.store)
    if not forums or not periods:
        raise NotFoundError(
            "there is no forum or no data yet, so there is no reporting cycle to show",
            hint="load a catalogue and import values (trustboard catalogue load, import values)",
        )
    chosen_forum = forum or forums[0].id
    chosen_period = period or periods[0].label()
    target = f"/cycle/{quote(chosen_forum, safe='')}/{quote(chosen_period, safe='')}"
    return RedirectResponse(target, status_code=303)


def _panel(
    request: Request,
    signed: Viewer,
    forum_id: str,
    period: str,
    *,
    refused: DataValidationError | None = None,
    typed: dict[str, str] | None = None,
) -> Response:
    found = cycle_view(signed.store, signed.user, forum_id, period, request.app.state.config)
    meeting = found.timetable.meeting
    shown = typed or (
        {name: getattr(meeting, name).isoformat() for name in DATE_FIELDS}
        | {"part": meeting.part or "", "time": meeting.time or "", "place": meeting.place or ""}
        if meeting is not None
        else {}
    )
    return HTMLResponse(
        page(
            "cycle.html.j2",
            viewer=signed,
            title=f"Reporting cycle: {found.model.forum.name}, {found.model.period.display()}",
            view=found,
            forums=visible_forums(signed.store, signed.user),
            periods=browse.available_periods(signed.store),
            layouts=[layout.value for layout in TemplateLayout],
            formats=[fmt.value for fmt in TemplateFormat],
            typed=shown,
            parts=MEETING_PARTS,
            refused=refused,
        ),
        status_code=400 if refused is not None else 200,
    )


@router.get("/cycle/{forum_id}/{period}", include_in_schema=False)
def cycle(request: Request, signed: Signed, forum_id: str, period: str) -> Response:
    """The forum's timetable for the period, and what is outstanding."""
    return _panel(request, signed, forum_id, period)


@router.post("/cycle/{forum_id}/{period}/meeting", include_in_schema=False)
def set_meeting(
    request: Request,
    signed: Signed,
    forum_id: str,
    period: str,
    csrf_token: Annotated[str, Form(max_length=100)] = "",
    data_cutoff: Annotated[str, Form(max_length=40)] = "",
    narrative_due: Annotated[str, Form(max_length=40)] = "",
    papers_due: Annotated[str, Form(max_length=40)] = "",
    meeting_date: Annotated[str, Form(max_length=40)] = "",
    part: Annotated[str, Form(max_length=20)] = "",
    time: Annotated[str, Form(max_length=20)] = "",
    place: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    """Set the forum's meeting for the period in the meeting calendar (as ``trustboard
    meeting schedule``); refused dates are shown in the form with every problem named."""
    what = f"the meeting calendar ({forum_id} {period})"
    check_csrf(signed.store, signed.csrf_token, csrf_token, signed.user.name, what)
    fields = {
        "data_cutoff": data_cutoff,
        "narrative_due": narrative_due,
        "papers_due": papers_due,
        "meeting_date": meeting_date,
        "part": part,
        "time": time,
        "place": place,
    }
    try:
        schedule_meeting(signed.store, signed.user, forum_id, period, fields)
    except DataValidationError as refused:
        return _panel(request, signed, forum_id, period, refused=refused, typed=fields)
    here = f"/cycle/{quote(forum_id, safe='')}/{quote(period, safe='')}#timetable"
    return RedirectResponse(here, status_code=303)


@router.get("/cycle/{forum_id}/{period}/template", include_in_schema=False)
def cycle_template(
    signed: Signed,
    forum_id: str,
    period: str,
    layout: str = "long",
    fmt: Annotated[str, Query(alias="format", max_length=10)] = "csv",
) -> Response:
    """The values file to fill in for the forum and period (``trustboard template values``)."""
    require_cycle_role(signed.store, signed.user, "the data-in templates")
    require_forum(signed.store, signed.user, forum_id)
    template = values_template(signed.store, forum_id, period, layout)
    data = template_bytes(template, fmt)  # refuses a format it does not write
    chosen = TemplateFormat(fmt.strip().lower())
    return Response(
        data,
        media_type=chosen.media_type,
        headers={
            "Content-Disposition": f'attachment; filename="{template.file_name}.{chosen.value}"'
        },
    )
