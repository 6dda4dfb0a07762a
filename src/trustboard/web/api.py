"""The read-only JSON API under ``/api/v1/`` (bearer tokens from ``trustboard users token``).

Figures are those of the forum's pack model, so a public forum's answer holds only what its
public pack shows (suppressed values are ``null`` with ``"display": "*"``; private metrics
are not found; private commentary sections are left out).  The OpenAPI description, with the
shape of every answer below, is at ``/api/v1/openapi.json``.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field

from trustboard.domain import COMMENTARY_SECTIONS
from trustboard.render.pack import MetricSection, PackModel
from trustboard.render.pack.model import SeriesPoint
from trustboard.services import browse
from trustboard.services.users import User, visible_forums
from trustboard.store import Store
from trustboard.web.auth import api_user

__all__ = ["router"]

router = APIRouter(prefix="/api/v1")
Caller = Annotated[tuple[Store, User], Depends(api_user)]

_FORBIDDEN: dict[int | str, dict[str, Any]] = {
    401: {"description": "no valid bearer token (`TB-AUTH-REQUIRED`)"},
    403: {"description": "the forum is not on the account (`TB-AUTH-FORBIDDEN`)"},
    404: {"description": "no such forum, period or metric in the forum's pack (`TB-NOT-FOUND`)"},
}


class ForumOut(BaseModel):
    """A forum the account may read."""

    id: str
    name: str
    public: bool = Field(description="meets in public: answers hold what its public pack shows")


class ForumsOut(BaseModel):
    """The forums the account may read, and the months with data (newest first)."""

    forums: list[ForumOut]
    periods: list[str] = Field(description="months as YYYY-MM")


class Scope(BaseModel):
    """Which pack an answer comes from."""

    forum: str
    period: str = Field(description="the month, YYYY-MM")
    public: bool = Field(description="a public forum's pack (suppression applied)")


class MetricSummary(BaseModel):
    """One metric's row of the pack's summary table."""

    id: str
    name: str
    domain: str
    directorate: str
    unit: str
    latest_date: dt.date | None = Field(description="first day of the latest month with a value")
    value: float | None = Field(description="latest value; null when suppressed")
    display: str = Field(description="the value as the pack prints it ('*' when suppressed)")
    provisional: bool
    mean: float | None
    lower_process_limit: float | None
    upper_process_limit: float | None
    target: float | None
    variation_icon: str | None = Field(description="SPC variation icon (spc.md vocabulary)")
    assurance_icon: str | None = Field(description="SPC assurance icon; null without target")
    statement: str = Field(description="the pack's sentence about the chart")


class MetricsOut(Scope):
    """Every metric of the forum's pack for the month."""

    metrics: list[MetricSummary]


class PointOut(BaseModel):
    """One point of a metric's SPC chart, as the pack draws it."""

    date: dt.date
    value: float | None = Field(description="null when suppressed")
    display: str
    provisional: bool
    mean: float | None
    lower_process_limit: float | None
    upper_process_limit: float | None
    target: float | None
    point_type: str = Field(description="common_cause, or the kind of special cause")
    special_cause: str = Field(description="the special-cause flag in words")
    relative_to_mean: int = Field(description="1 above the mean, -1 below, 0 on it")
    rebase_group: int = Field(description="which set of limits the point belongs to")


class MetricOut(Scope):
    """One metric: its summary, why it has an exception page, and every charted point."""

    metric: MetricSummary
    exception_reasons: list[str]
    points: list[PointOut]


class ExceptionOut(MetricSummary):
    """A metric with an exception page, and the reasons the exception rules gave."""

    reasons: list[str]


class ExceptionsOut(Scope):
    """The pack's exception pages, in pack order."""

    exceptions: list[ExceptionOut]


class ActionOut(BaseModel):
    """An open action on a metric."""

    id: str
    description: str
    owner: str
    due: dt.date
    status: str


class CommentaryOut(BaseModel):
    """One metric's commentary for the month and its open actions."""

    metric_id: str
    author: str | None
    assurance_level: str | None
    sections: dict[str, str] = Field(description="commentary sections by key, in pack order")
    actions: list[ActionOut]


class CommentaryListOut(Scope):
    """The commentary of the forum's pack, metric by metric."""

    commentary: list[CommentaryOut]


@router.get("/forums", responses={401: _FORBIDDEN[401]})
def forums(caller: Caller) -> ForumsOut:
    """The forums the token's account may read, and the periods with data."""
    store, user = caller
    return ForumsOut(
        forums=[
            ForumOut(id=f.id, name=f.name, public=f.public) for f in visible_forums(store, user)
        ],
        periods=[p.label() for p in browse.available_periods(store)],
    )


def _summary(s: MetricSection) -> MetricSummary:
    return MetricSummary(
        id=s.metric_id,
        name=s.name,
        domain=s.definition.domain.value,
        directorate=s.definition.directorate,
        unit=str(s.definition.unit),
        latest_date=s.summary.latest_date,
        value=s.summary.value,
        display=s.summary.display,
        provisional=s.provisional,
        mean=s.summary.mean,
        lower_process_limit=s.summary.lpl,
        upper_process_limit=s.summary.upl,
        target=s.summary.target,
        variation_icon=s.summary.variation_icon,
        assurance_icon=s.summary.assurance_icon,
        statement=s.statement,
    )


def _point(p: SeriesPoint) -> PointOut:
    return PointOut(
        date=p.date,
        value=None if p.suppressed else p.value,
        display=p.display,
        provisional=p.provisional,
        mean=p.mean,
        lower_process_limit=p.lpl,
        upper_process_limit=p.upl,
        target=p.target,
        point_type=p.point_type,
        special_cause=p.special_cause_type,
        relative_to_mean=p.relative_to_mean,
        rebase_group=p.rebase_group,
    )


def _scope(model: PackModel) -> dict[str, object]:
    return {"forum": model.forum.id, "period": model.period.label(), "public": model.public}


@router.get("/forums/{forum_id}/{period}/metrics", responses=_FORBIDDEN)
def metrics(request: Request, caller: Caller, forum_id: str, period: str) -> MetricsOut:
    """Each metric of the forum's pack for the period: latest value, limits, icons, statement."""
    store, user = caller
    model = browse.forum_pack(store, user, forum_id, period, request.app.state.config)
    return MetricsOut.model_validate(
        {**_scope(model), "metrics": [_summary(s) for s in model.sections]}
    )


@router.get("/forums/{forum_id}/{period}/metrics/{metric_id}", responses=_FORBIDDEN)
def metric(
    request: Request, caller: Caller, forum_id: str, period: str, metric_id: str
) -> MetricOut:
    """One metric as the forum's pack shows it: the summary, and every charted point with its
    value, the SPC mean and process limits in force, the target and the special-cause flag."""
    store, user = caller
    model, section = browse.metric_section(
        store, user, forum_id, period, metric_id, request.app.state.config
    )
    return MetricOut.model_validate(
        {
            **_scope(model),
            "metric": _summary(section),
            "exception_reasons": list(section.exception_reasons),
            "points": [_point(p) for p in section.points],
        }
    )


@router.get("/forums/{forum_id}/{period}/exceptions", responses=_FORBIDDEN)
def exceptions(request: Request, caller: Caller, forum_id: str, period: str) -> ExceptionsOut:
    """The metrics that have an exception page in the forum's pack, and why."""
    store, user = caller
    model = browse.forum_pack(store, user, forum_id, period, request.app.state.config)
    return ExceptionsOut.model_validate(
        {
            **_scope(model),
            "exceptions": [
                ExceptionOut(**_summary(s).model_dump(), reasons=list(s.exception_reasons))
                for s in model.exceptions
            ],
        }
    )


def _commentary(s: MetricSection) -> CommentaryOut:
    c = s.commentary
    return CommentaryOut(
        metric_id=s.metric_id,
        author=c.author if c else None,
        assurance_level=c.assurance_level.value if c and c.assurance_level else None,
        sections={k: c.sections[k] for k in COMMENTARY_SECTIONS if k in c.sections} if c else {},
        actions=[
            ActionOut(
                id=a.id,
                description=a.description,
                owner=a.owner,
                due=a.due,
                status=a.status.value,
            )
            for a in s.actions
        ],
    )


@router.get("/forums/{forum_id}/{period}/commentary", responses=_FORBIDDEN)
def commentary(request: Request, caller: Caller, forum_id: str, period: str) -> CommentaryListOut:
    """The commentary of the forum's pack for the period, metric by metric (a public forum's
    without its private sections), and each metric's open actions."""
    store, user = caller
    model = browse.forum_pack(store, user, forum_id, period, request.app.state.config)
    return CommentaryListOut.model_validate(
        {
            **_scope(model),
            "commentary": [
                _commentary(s) for s in model.sections if s.commentary is not None or s.actions
            ],
        }
    )
