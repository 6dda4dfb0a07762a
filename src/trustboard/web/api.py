"""The read-only JSON API under ``/api/v1/`` (bearer tokens from ``trustboard users token``).

Figures are those of the forum's pack model, so a public forum's answer holds only what its
public pack shows (suppressed values are ``null`` with ``"display": "*"``; private metrics
are not found; private commentary sections are left out).  The OpenAPI description is at
``/api/v1/openapi.json``.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request

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


@router.get("/forums")
def forums(caller: Caller) -> dict[str, Any]:
    """The forums the token's account may read, and the periods with data."""
    store, user = caller
    return {
        "forums": [
            {"id": f.id, "name": f.name, "public": f.public} for f in visible_forums(store, user)
        ],
        "periods": [p.label() for p in browse.available_periods(store)],
    }


def _day(value: date | None) -> str | None:
    return value.isoformat() if value else None


def _summary(s: MetricSection) -> dict[str, Any]:
    return {
        "id": s.metric_id,
        "name": s.name,
        "domain": s.definition.domain.value,
        "directorate": s.definition.directorate,
        "unit": str(s.definition.unit),
        "latest_date": _day(s.summary.latest_date),
        "value": s.summary.value,
        "display": s.summary.display,
        "provisional": s.provisional,
        "mean": s.summary.mean,
        "lower_process_limit": s.summary.lpl,
        "upper_process_limit": s.summary.upl,
        "target": s.summary.target,
        "variation_icon": s.summary.variation_icon,
        "assurance_icon": s.summary.assurance_icon,
        "statement": s.statement,
    }


def _point(p: SeriesPoint) -> dict[str, Any]:
    return {
        "date": p.date.isoformat(),
        "value": None if p.suppressed else p.value,
        "display": p.display,
        "provisional": p.provisional,
        "mean": p.mean,
        "lower_process_limit": p.lpl,
        "upper_process_limit": p.upl,
        "target": p.target,
        "point_type": p.point_type,
        "special_cause": p.special_cause_type,
        "relative_to_mean": p.relative_to_mean,
        "rebase_group": p.rebase_group,
    }


def _scope(model: PackModel) -> dict[str, Any]:
    return {"forum": model.forum.id, "period": model.period.label(), "public": model.public}


@router.get("/forums/{forum_id}/{period}/metrics")
def metrics(request: Request, caller: Caller, forum_id: str, period: str) -> dict[str, Any]:
    """Each metric of the forum's pack for the period: latest value, limits, icons, statement."""
    store, user = caller
    model = browse.forum_pack(store, user, forum_id, period, request.app.state.config)
    return {**_scope(model), "metrics": [_summary(s) for s in model.sections]}


@router.get("/forums/{forum_id}/{period}/metrics/{metric_id}")
def metric(
    request: Request, caller: Caller, forum_id: str, period: str, metric_id: str
) -> dict[str, Any]:
    """One metric as the forum's pack shows it: the summary, and every charted point with its
    value, the SPC mean and process limits in force, the target and the special-cause flag."""
    store, user = caller
    model, section = browse.metric_section(
        store, user, forum_id, period, metric_id, request.app.state.config
    )
    return {
        **_scope(model),
        "metric": _summary(section),
        "exception_reasons": list(section.exception_reasons),
        "points": [_point(p) for p in section.points],
    }


@router.get("/forums/{forum_id}/{period}/exceptions")
def exceptions(request: Request, caller: Caller, forum_id: str, period: str) -> dict[str, Any]:
    """The metrics that have an exception page in the forum's pack, and why."""
    store, user = caller
    model = browse.forum_pack(store, user, forum_id, period, request.app.state.config)
    return {
        **_scope(model),
        "exceptions": [
            {**_summary(s), "reasons": list(s.exception_reasons)} for s in model.exceptions
        ],
    }


@router.get("/forums/{forum_id}/{period}/commentary")
def commentary(request: Request, caller: Caller, forum_id: str, period: str) -> dict[str, Any]:
    """The commentary of the forum's pack for the period, metric by metric (a public forum's
    without its private sections), and each metric's open actions."""
    store, user = caller
    model = browse.forum_pack(store, user, forum_id, period, request.app.state.config)
    out = []
    for s in model.sections:
        c = s.commentary
        if c is None and not s.actions:
            continue
        out.append(
            {
                "metric_id": s.metric_id,
                "author": c.author if c else None,
                "assurance_level": c.assurance_level.value if c and c.assurance_level else None,
                "sections": {
                    key: c.sections[key] for key in COMMENTARY_SECTIONS if key in c.sections
                }
                if c
                else {},
                "actions": [
                    {
                        "id": a.id,
                        "description": a.description,
                        "owner": a.owner,
                        "due": a.due.isoformat(),
                        "status": a.status.value,
                    }
                    for a in s.actions
                ],
            }
        )
    return {**_scope(model), "commentary": out}
