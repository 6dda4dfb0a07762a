"""The read-only JSON API under ``/api/v1/`` (bearer tokens from ``trustboard users token``).

Figures are those of the forum's pack model, so a public forum's answer holds only what its
public pack shows (suppressed values are ``null`` with ``"display": "*"``).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request

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


@router.get("/forums/{forum_id}/{period}/metrics")
def metrics(request: Request, caller: Caller, forum_id: str, period: str) -> dict[str, Any]:
    """Each metric of the forum's pack for the period: latest value, limits, icons, statement."""
    store, user = caller
    model = browse.forum_pack(store, user, forum_id, period, request.app.state.config)
    return {
        "forum": model.forum.id,
        "period": model.period.label(),
        "public": model.public,
        "metrics": [
            {
                "id": s.metric_id,
                "name": s.name,
                "domain": s.definition.domain.value,
                "directorate": s.definition.directorate,
                "unit": str(s.definition.unit),
                "latest_date": s.summary.latest_date.isoformat() if s.summary.latest_date else None,
                "value": s.summary.value,
                "display": s.summary.display,
                "mean": s.summary.mean,
                "lower_process_limit": s.summary.lpl,
                "upper_process_limit": s.summary.upl,
                "target": s.summary.target,
                "variation_icon": s.summary.variation_icon,
                "assurance_icon": s.summary.assurance_icon,
                "statement": s.statement,
            }
            for s in model.sections
        ],
    }
