"""The Board Assurance Framework pages: a forum's heat map and risk table, and each risk's page.

The fragments are the pack's own (:mod:`trustboard.render.baf`), drawn from the register as the
forum's pack may show it (:func:`trustboard.services.pack.forum_baf`): a public forum's pages
leave out the risks and field groups the register withholds from the public, exactly as its
public pack does.

A risk's editors (risk leads, admins and the risk's owner: :mod:`trustboard.services.baf_edit`)
also edit it at ``/baf/risks/{id}/edit``: one form for its scores, description, controls,
assurances, gaps, actions and key metrics, and a review (date, reviewer, rationale, the
committee that accepted it).  The form works without script; Preview checks it and recomputes
the evidence check's findings without writing; Save writes a new revision, or shows every
problem beside its field, or, when someone saved meanwhile, both versions.
"""

from __future__ import annotations

import re
from functools import cache
from importlib.resources import files
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse
from markupsafe import Markup, escape

from trustboard.domain.baf import AssuranceLine, AssuranceResult, FieldGroup, GapKind
from trustboard.domain.narrative import ActionStatus
from trustboard.errors import NotFoundError, OptionsError
from trustboard.render.baf import baf_stylesheet, heat_map_html, risk_page_html, risk_table_html
from trustboard.services import baf_edit, browse
from trustboard.store import utc_now
from trustboard.web.auth import Viewer, check_csrf, viewer
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


@cache
def _edit_css() -> str:
    return files("trustboard.web").joinpath("static/baf-edit.css").read_text(encoding="utf-8")


@router.get("/static/baf-edit.css", include_in_schema=False)
def edit_css() -> Response:
    """The edit page's own few rules (its layout and the problems beside fields)."""
    return Response(
        _edit_css(), media_type="text/css", headers={"Cache-Control": "public, max-age=3600"}
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
        heat_map = heat_map_html(
            found.baf.register, public=found.baf.public, as_image=True, narrow=True
        )
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
    stored = found.baf.register.risk(risk_id)
    editable = stored is not None and baf_edit.may_edit(signed.store, signed.user, stored)
    return HTMLResponse(
        page(
            "baf_risk.html.j2",
            viewer=signed,
            title=f"{risk_id}: {model.forum.name}, {model.period.display()}",
            model=model,
            review_date=found.review_date,
            risk_id=risk_id,
            body=Markup(html),
            edit_url=_edit_url(risk_id) if editable else None,
        )
    )


def _edit_url(risk_id: str) -> str:
    return f"/baf/risks/{quote(risk_id, safe='')}/edit"


def _rows(fields: dict[str, list[str]], kind: str) -> int:
    """How many rows of ``kind`` the form shows: every row filled in, and blank ones to add."""
    found = [
        int(name[len(kind) + 1 : name.index("]")])
        for name in fields
        if name.startswith(kind + "[") and "]" in name
    ]
    return (max(found) + 1 if found else 0) + baf_edit.NEW_ROWS


def _edit_page(
    signed: Viewer,
    state: baf_edit.EditState,
    fields: dict[str, list[str]],
    *,
    checked: baf_edit.Validated | None = None,
    based_on: int,
    message: str | None = None,
    conflict: baf_edit.BafEditConflict | None = None,
    status: int = 200,
) -> Response:
    risk = checked.risk if checked is not None and checked.risk is not None else state.risk
    day = baf_edit.parse_day((fields.get("review.date") or [""])[0]) or utc_now().date()
    flags = baf_edit.evidence_flags(signed.store, state.register, risk, day)
    scale = state.register.appetite
    return HTMLResponse(
        page(
            "baf_edit.html.j2",
            viewer=signed,
            title=f"Edit {state.risk.id}: {state.risk.title}",
            state=state,
            risk=state.risk,
            fields=fields,
            problems=checked.problems if checked is not None else {},
            flags=flags,
            flags_on=day,
            flags_of_edit=checked is not None and checked.risk is not None,
            based_on=based_on,
            message=message,
            conflict=conflict,
            latest_fields=baf_edit.form_of(state.risk) if conflict is not None else {},
            rows={kind: _rows(fields, kind) for kind in baf_edit.ITEM_FIELDS},
            choices={
                "appetite_level": list(scale.names),
                "appetite_category": list(scale.categories),
                "line": [(v.value, v.label) for v in AssuranceLine],
                "result": [v.value for v in AssuranceResult],
                "kind": [v.value for v in GapKind],
                "status": [v.value for v in ActionStatus],
                "withhold": [g.value for g in FieldGroup],
            },
            edit_url=_edit_url(state.risk.id),
        ),
        status_code=status,
    )


@router.get("/baf/risks/{risk_id}/edit", include_in_schema=False)
def edit(signed: Signed, risk_id: str, saved: int | None = None) -> Response:
    """The risk in an edit form, its evidence-check findings beside it, and its revisions."""
    state = baf_edit.open_for_edit(signed.store, signed.user, risk_id)
    message = f"Saved as revision {saved}." if saved is not None else None
    return _edit_page(
        signed, state, baf_edit.form_of(state.risk), based_on=state.revision, message=message
    )


#: The most fields a form may post: every list's rows at their largest, and the rest.
_MAX_FIELDS = 2000


@router.post("/baf/risks/{risk_id}/edit", include_in_schema=False)
async def save(request: Request, signed: Signed, risk_id: str) -> Response:
    """Preview (check and recompute the findings; nothing written) or save the form."""
    form = await request.form(max_files=0, max_fields=_MAX_FIELDS)
    fields: dict[str, list[str]] = {}
    for key, value in form.multi_items():
        if isinstance(value, str):
            fields.setdefault(key, []).append(value)
    what = f"edit BAF risk {risk_id}"
    given = (fields.pop("csrf_token", None) or [""])[0]
    check_csrf(signed.store, signed.csrf_token, given, signed.user.name, what)
    step = (fields.pop("step", None) or [""])[0]
    try:
        based_on = int((fields.pop("based_on", None) or [""])[0])
    except ValueError:
        raise OptionsError("the form does not say which revision it was opened on") from None
    if step == "preview":
        state = baf_edit.open_for_edit(signed.store, signed.user, risk_id)
        checked = baf_edit.validate(signed.store, state, fields, by=signed.user)
        message = (
            "Preview: the form holds no problem (nothing saved yet)."
            if not checked.problems
            else "Preview: correct the problems marked below (nothing saved)."
        )
        return _edit_page(
            signed, state, fields, checked=checked, based_on=based_on, message=message
        )
    if step != "save":
        raise OptionsError(f"there is no BAF edit step {step!r}")
    try:
        state, checked, number = baf_edit.save(
            signed.store, signed.user, risk_id, fields, based_on=based_on
        )
    except baf_edit.BafEditConflict as conflict:
        state = baf_edit.open_for_edit(signed.store, signed.user, risk_id)
        return _edit_page(
            signed,
            state,
            conflict.mine,
            based_on=state.revision,
            conflict=conflict,
            status=409,
        )
    if number is None:
        return _edit_page(
            signed,
            state,
            fields,
            checked=checked,
            based_on=based_on,
            message="Nothing was saved: correct the problems marked below.",
            status=422,
        )
    return RedirectResponse(f"{_edit_url(risk_id)}?saved={number}", status_code=303)
