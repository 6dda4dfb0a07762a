"""The Board Assurance Framework pages: a forum's heat map and risk table, and each risk's page.

The fragments are the pack's own (:mod:`trustboard.render.baf`), drawn from the register as the
forum's pack may show it (:func:`trustboard.services.pack.forum_baf`): a public forum's pages
leave out the risks and field groups the register withholds from the public, exactly as its
public pack does.  Read-only.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import HTMLResponse
from markupsafe import Markup, escape

from trustboard.errors import NotFoundError
from trustboard.render.baf import baf_stylesheet, heat_map_html, risk_page_html, risk_table_html
from trustboard.services import browse
from trustboard.web.auth import Viewer, viewer
from trustboard.web.views import page

__all__ = ["router"]

router = APIRouter()
Signed = Annotated[Viewer, Depends(viewer)]


_RISK_ANCHOR = re.compile(r'href="#baf-risk-([^"]+)"')


def _linked(table: str, base: str) -> str:
    """The risk table with each risk's id linked to its page here (the pack links to the
    risk's section further down the same document)."""
    return _RISK_ANCHOR.sub(lambda m: f'href="{base}/baf/risks/{quote(m[1], safe="")}"', table)


_KEY_METRICS = '<table class="baf-table baf-key-metrics">'


def _metric_links(page: str, base: str, shown: set[str]) -> str:
    """The risk page with each key metric that the forum's pack shows linked to its page."""
    start = page.find(_KEY_METRICS)
    if start < 0:
        return page
    end = page.find("</table>", start)
    table = page[start:end]
    for metric_id in sorted(shown, key=len, reverse=True):
        cell = f'<th scope="row">{escape(metric_id)}'
        link = f'<a href="{base}/metrics/{quote(metric_id, safe="")}">{escape(metric_id)}</a>'
        table = table.replace(cell + " ", f'<th scope="row">{link} ').replace(
            cell + "<", f'<th scope="row">{link}<'
        )
    return page[:start] + table + page[end:]


@cache
def _css() -> str:
    return baf_stylesheet()


@router.get("/static/baf.css", include_in_schema=False)
def css() -> Response:
    """The BAF fragments' stylesheet (the pack's own ``baf-`` classes)."""
    return Response(
        _css(), media_type="text/css", headers={"Cache-Control": "public, max-age=3600"}
    )


@router.get("/forums/{forum_id}/{period}/baf", include_in_schema=False)
def baf(request: Request, signed: Signed, forum_id: str, period: str) -> Response:
    """The heat map and risk table as the forum's pack shows them, with links to each risk."""
    found = browse.forum_baf_view(
        signed.store, signed.user, forum_id, period, request.app.state.config
    )
    heat_map = table = ""
    risks: list[tuple[str, str]] = []
    if found.baf is not None:
        register = found.baf.register.public() if found.baf.public else found.baf.register
        heat_map = heat_map_html(found.baf.register, public=found.baf.public, as_image=True)
        table = _linked(
            risk_table_html(found.baf.register, found.baf.flags, public=found.baf.public),
            f"/forums/{quote(found.model.forum.id, safe='')}/{found.model.period.label()}",
        )
        risks = [(r.id, r.title) for r in register.risks]
    model = found.model
    return HTMLResponse(
        page(
            "baf.html.j2",
            viewer=signed,
            title=f"Board Assurance Framework: {model.forum.name}, {model.period.display()}",
            model=model,
            review_date=found.review_date,
            found=found.baf is not None,
            heat_map=Markup(heat_map),
            table=Markup(table),
            risks=risks,
        )
    )


@router.get("/forums/{forum_id}/{period}/baf/risks/{risk_id}", include_in_schema=False)
def risk(request: Request, signed: Signed, forum_id: str, period: str, risk_id: str) -> Response:
    """One risk's page: scores, controls, assurances, gaps, actions and key metrics' icons,
    as much as the forum's pack may show."""
    found = browse.forum_baf_view(
        signed.store, signed.user, forum_id, period, request.app.state.config
    )
    model = found.model
    missing = NotFoundError(f"the {model.forum.name} pack has no BAF risk '{risk_id}'")
    if found.baf is None:
        raise missing
    try:
        html = risk_page_html(
            found.baf.register,
            risk_id,
            review_date=found.review_date,
            flags=found.baf.flags,
            metrics=found.baf.metrics,
            public=found.baf.public,
            heading_level=2,
        )
    except KeyError:
        raise missing from None
    if not html:  # a risk the register does not publish is absent from a public forum
        raise missing
    base = f"/forums/{quote(model.forum.id, safe='')}/{model.period.label()}"
    html = _metric_links(html, base, {s.metric_id for s in model.sections})
    return HTMLResponse(
        page(
            "baf_risk.html.j2",
            viewer=signed,
            title=f"{risk_id}: {model.forum.name}, {model.period.display()}",
            model=model,
            review_date=found.review_date,
            risk_id=risk_id,
            body=Markup(html),
        )
    )
