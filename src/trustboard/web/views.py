"""Rendering pages: one Jinja2 environment over ``web/templates``, with the pack's pictures.

Charts and icons are the pack's own (:mod:`trustboard.render.pack.charts`), drawn from the
same :class:`~trustboard.render.pack.MetricSection`; labels and number formats are the pack's.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from functools import cache
from importlib.resources import files
from typing import Any

from markupsafe import Markup

from trustboard.domain import COMMENTARY_SECTIONS
from trustboard.render.pack.charts import chart_svg, icon_uri
from trustboard.render.pack.formatting import format_date, format_month, format_value
from trustboard.render.pack.html import (
    DOMAIN_TITLES,
    MATRIX_COLUMNS,
    MATRIX_ROWS,
    assurance_label,
    chart_alt_text,
    variation_label,
)
from trustboard.render.pack.model import VARIATION_ICONS, MetricSection
from trustboard.render.templating import template_environment
from trustboard.services.notify import unread_count

__all__ = ["matrix_rows", "page", "stylesheet"]

_ACTION_STATUS = {
    "on_track": "On track",
    "at_risk": "At risk",
    "off_track": "Off track",
    "complete": "Complete",
    "closed": "Closed",
}


_CHARTS_KEPT = 256
_charts_lock = threading.Lock()
#: (id of a section, drawing) -> (the section, its chart): the section is held so its id is
#: not reused
_charts: OrderedDict[tuple[int, bool], tuple[MetricSection, str | None]] = OrderedDict()
#: the narrow drawing of a chart (phones): about as wide in units as a phone's page is in
#: pixels, so its text is read near its own size, and with fewer month labels
NARROW_CHART = (360.0, 330.0)
#: the pack's drawing (the chart renderer's default size)
PACK_CHART = (680.0, 340.0)


def _chart(section: MetricSection, narrow: bool = False) -> Markup | None:
    """The section's chart as inline SVG, each point a keyboard stop that shows its value
    (the pack's drawing, or its narrow drawing for phones)."""
    # a section belongs to a cached pack model, which is replaced (never changed) when the data
    # changes; so its chart, drawn once, is kept with it rather than drawn on every page
    key = (id(section), narrow)
    with _charts_lock:
        found = _charts.get(key)
        if found is not None and found[0] is section:
            _charts.move_to_end(key)
            return None if found[1] is None else Markup(found[1])
    drawn = chart_svg(
        section,
        f"chart-{section.anchor}" + ("-narrow" if narrow else ""),
        size=NARROW_CHART if narrow else PACK_CHART,
        labelled_points=True,
    )
    with _charts_lock:
        _charts[key] = (section, drawn)
        while len(_charts) > _CHARTS_KEPT:
            _charts.popitem(last=False)
    # the SVG is the chart module's own, every text in it escaped there
    return None if drawn is None else Markup(drawn)


@cache
def _environment() -> Any:
    return template_environment(
        "trustboard.web",
        filters={"value": format_value, "month": format_month, "longdate": format_date},
        globals={
            "icon_uri": icon_uri,
            "chart_svg": _chart,
            "chart_alt": chart_alt_text,
            "variation_label": variation_label,
            "assurance_label": assurance_label,
            "domain_titles": {d.value: t for d, t in DOMAIN_TITLES.items()},
            "commentary_sections": COMMENTARY_SECTIONS,
            "action_status": _ACTION_STATUS,
            "variation_icons": VARIATION_ICONS,
            "assurance_icons": ("fail", "inconsistent", "pass"),
            # the header's badge: the signed-in person's unread notifications
            "unread_notifications": unread_count,
        },
    )


def page(name: str, **context: Any) -> str:
    """Render template ``name`` with ``context``."""
    return str(_environment().get_template(name).render(**context))


@cache
def stylesheet() -> str:
    """The app's one stylesheet."""
    return files("trustboard.web").joinpath("static/web.css").read_text(encoding="utf-8")


def matrix_rows(sections: tuple[MetricSection, ...]) -> list[dict[str, Any]]:
    """The icon matrix as the pack draws it: variation rows × assurance columns, with the
    metrics in each cell."""
    rows: list[dict[str, Any]] = []
    for key, title, icons in MATRIX_ROWS:
        cells = []
        for assurance, _heading in MATRIX_COLUMNS:
            members = [
                s
                for s in sections
                if s.summary.variation_icon in icons and s.summary.assurance_icon == assurance
            ]
            cells.append({"assurance": assurance, "members": members})
        if key == "neutral" and not any(c["members"] for c in cells):
            continue
        rows.append({"title": title, "icon": icons[0], "cells": cells})
    return rows
