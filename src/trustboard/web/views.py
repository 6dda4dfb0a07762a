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

from trustboard.domain import COMMENTARY_SECTIONS
from trustboard.render.pack.charts import chart_uri, icon_uri
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

__all__ = ["matrix_rows", "page", "stylesheet"]

_ACTION_STATUS = {
    "on_track": "On track",
    "at_risk": "At risk",
    "off_track": "Off track",
    "complete": "Complete",
    "closed": "Closed",
}


_CHARTS_KEPT = 128
_charts_lock = threading.Lock()
#: id of a section -> (the section, its chart): the section is held so its id is not reused
_charts: OrderedDict[int, tuple[MetricSection, str | None]] = OrderedDict()


def _chart(section: MetricSection) -> str | None:
    # a section belongs to a cached pack model, which is replaced (never changed) when the data
    # changes; so its chart, drawn once, is kept with it rather than drawn on every page
    key = id(section)
    with _charts_lock:
        found = _charts.get(key)
        if found is not None and found[0] is section:
            _charts.move_to_end(key)
            return found[1]
    drawn = chart_uri(section, f"chart-{section.anchor}")
    with _charts_lock:
        _charts[key] = (section, drawn)
        while len(_charts) > _CHARTS_KEPT:
            _charts.popitem(last=False)
    return drawn


@cache
def _environment() -> Any:
    return template_environment(
        "trustboard.web",
        filters={"value": format_value, "month": format_month, "longdate": format_date},
        globals={
            "icon_uri": icon_uri,
            "chart_uri": _chart,
            "chart_alt": chart_alt_text,
            "variation_label": variation_label,
            "assurance_label": assurance_label,
            "domain_titles": {d.value: t for d, t in DOMAIN_TITLES.items()},
            "commentary_sections": COMMENTARY_SECTIONS,
            "action_status": _ACTION_STATUS,
            "variation_icons": VARIATION_ICONS,
            "assurance_icons": ("fail", "inconsistent", "pass"),
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
