"""The data status page: late, missing and provisional data per metric, as ``trustboard status``
works it out (:func:`trustboard.services.status.status_of`, the same code), cut to the metrics
the viewer's forums receive."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Response
from fastapi.responses import HTMLResponse

from trustboard.services import browse
from trustboard.web.auth import Viewer, viewer
from trustboard.web.views import page

__all__ = ["router"]

router = APIRouter()
Signed = Annotated[Viewer, Depends(viewer)]


@router.get("/status", include_in_schema=False)
def status(signed: Signed) -> Response:
    """Where each metric's data stands: late, never loaded, provisional, or up to date."""
    found = browse.data_status(signed.store, signed.user)
    return HTMLResponse(page("status.html.j2", viewer=signed, title="Data status", view=found))
