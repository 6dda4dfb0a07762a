"""The drill-down pages of a metric (trust → directorate → service → team), the small
multiples of every team, and "explain this figure" (the lineage of one value).

Each route parses the request, calls one service (:mod:`trustboard.services.drill`,
:mod:`trustboard.services.lineage`) and renders one template; the charts are the pack's SVG
renderer, the small multiples at the size of a metric page's narrow drawing.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import HTMLResponse

from trustboard.render.pack import MetricSection
from trustboard.render.pack.charts import chart_uri
from trustboard.services import drill, lineage
from trustboard.web.auth import Viewer, viewer
from trustboard.web.views import NARROW_CHART, page

__all__ = ["router"]

router = APIRouter()
Signed = Annotated[Viewer, Depends(viewer)]

_BASE = "/forums/{forum_id}/{period}/metrics/{metric_id}"
#: the small multiples' size: the narrow drawing of a metric page's chart (a phone's width in
#: units), so that shown about as wide as it is drawn its labels are read at their own size
#: (at the renderer's smallest, 320 × 200, the legend and caption left the plot no height)
SMALL_WIDTH, SMALL_HEIGHT = NARROW_CHART


def small_chart_uri(section: MetricSection, chart_id: str) -> str | None:
    """The section's SPC chart drawn small, with its icons, as a data URI (``None`` with no
    points)."""
    return chart_uri(section, chart_id, size=(SMALL_WIDTH, SMALL_HEIGHT), icons=True)


@router.get(_BASE + "/drill", include_in_schema=False)
def drill_top(
    request: Request, signed: Signed, forum_id: str, period: str, metric_id: str
) -> Response:
    """The trust level of the drill-down, with its directorates."""
    return _drill(request, signed, forum_id, period, metric_id, None)


@router.get(_BASE + "/drill/{unit}", include_in_schema=False)
def drill_unit(
    request: Request, signed: Signed, forum_id: str, period: str, metric_id: str, unit: str
) -> Response:
    """One org unit of the drill-down, with the units below it."""
    return _drill(request, signed, forum_id, period, metric_id, unit)


def _drill(
    request: Request,
    signed: Signed,
    forum_id: str,
    period: str,
    metric_id: str,
    unit: str | None,
) -> Response:
    view = drill.drill_view(
        signed.store, signed.user, forum_id, period, metric_id, unit, request.app.state.config
    )
    return HTMLResponse(
        page(
            "drill.html.j2",
            viewer=signed,
            title=(
                f"{view.pack_section.name}: {view.current.unit.name}, "
                f"{view.model.forum.name}, {view.model.period.display()}"
            ),
            model=view.model,
            view=view,
        )
    )


@router.get(_BASE + "/teams", include_in_schema=False)
def teams(request: Request, signed: Signed, forum_id: str, period: str, metric_id: str) -> Response:
    """Every team's chart of the metric, small, with a table of their figures."""
    view = drill.teams_view(
        signed.store, signed.user, forum_id, period, metric_id, request.app.state.config
    )
    return HTMLResponse(
        page(
            "drill_teams.html.j2",
            viewer=signed,
            title=(
                f"{view.pack_section.name}: every team, {view.model.forum.name}, "
                f"{view.model.period.display()}"
            ),
            model=view.model,
            view=view,
            small_chart=small_chart_uri,
        )
    )


@router.get(_BASE + "/explain", include_in_schema=False)
def explain(
    request: Request,
    signed: Signed,
    forum_id: str,
    period: str,
    metric_id: str,
    unit: str | None = None,
    month: str | None = None,
) -> Response:
    """The lineage of one value: imports, revisions, definition, SPC options, publications."""
    found = lineage.lineage(
        signed.store,
        signed.user,
        forum_id,
        period,
        metric_id,
        unit or None,
        month or None,
        request.app.state.config,
        request.app.state.settings.published_root,
    )
    return HTMLResponse(
        page(
            "explain.html.j2",
            viewer=signed,
            title=(f"Explain: {found.definition.name}, {found.unit.name}, {found.month.display()}"),
            model=found.model,
            l=found,
        )
    )
