"""A :class:`PackModel` as one self-contained, printable, accessible HTML document.

Styles are inlined from ``pack.css``; charts, icons and sparklines are SVG data URIs in
``<img alt>`` elements (the only way alt text reaches a tagged PDF); nothing is fetched from
anywhere.  The same model always gives byte-identical HTML: no clock is read and every list
is in a fixed order.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from importlib.resources import files

from jinja2 import Environment
from markupsafe import Markup

from trustboard.domain import COMMENTARY_SECTIONS, Domain, ForumKind
from trustboard.render.pack.charts import chart_uri, icon_uri, sparkline_uri
from trustboard.render.pack.formatting import (
    ASSURANCE_LABELS,
    VARIATION_LABELS,
    format_date,
    format_month,
    format_value,
)
from trustboard.render.pack.matrix import matrix_sentence
from trustboard.render.pack.model import (
    DOMAIN_ORDER,
    VARIATION_ICONS,
    MetricSection,
    PackModel,
    SeriesPoint,
    anchor_for,
)
from trustboard.render.templating import template_environment

__all__ = ["DOMAIN_TITLES", "MATRIX_ROWS", "chart_alt_text", "period_span", "render_html"]

#: Headings of the domains in the summary table.
DOMAIN_TITLES: dict[Domain, str] = {
    Domain.SAFE: "Safe",
    Domain.EFFECTIVE: "Effective",
    Domain.CARING: "Caring",
    Domain.RESPONSIVE: "Responsive",
    Domain.WELL_LED: "Well-led",
    Domain.FINANCE: "Finance and use of resources",
    Domain.CONTEXT: "Context (activity and demand)",
}

#: Rows of the icon matrix (spc.md C.4): concern at the top, as the Board's focus.
MATRIX_ROWS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("concern", "Special cause concern", ("concern_high", "concern_low")),
    ("common", "Common cause", ("common_cause",)),
    ("improvement", "Special cause improvement", ("improvement_high", "improvement_low")),
    ("neutral", "Special cause, no preferred direction", ("neutral_high", "neutral_low")),
)

#: Columns of the icon matrix: failing first, then hit and miss, passing, no target.
MATRIX_COLUMNS: tuple[tuple[str | None, str], ...] = (
    ("fail", "Consistently failing (F)"),
    ("inconsistent", "Hit and miss (?)"),
    ("pass", "Consistently passing (P)"),
    (None, "No target or no assurance"),
)

#: Chart names as a reader knows them (spc.md Part B).
CHART_NAMES: dict[str, str] = {
    "xmr": "XmR chart",
    "mr": "moving range chart",
    "p": "p-chart",
    "u": "u-chart",
    "pp": "Laney p′ chart",
    "up": "Laney u′ chart",
    "c": "c-chart",
    "g": "g-chart",
    "t": "t-chart",
}

_ACTION_STATUS_LABELS = {
    "on_track": "On track",
    "at_risk": "At risk",
    "off_track": "Off track",
    "complete": "Complete",
    "closed": "Closed",
}


@cache
def _stylesheet() -> str:
    return files("trustboard.render.pack").joinpath("pack.css").read_text(encoding="utf-8")


@cache
def _environment() -> Environment:
    return template_environment(
        "trustboard.render.pack",
        filters={
            "value": format_value,
            "month": format_month,
            "longdate": format_date,
            "comparator": lambda c: {">=": "≥", "<=": "≤"}.get(
                str(c.value if hasattr(c, "value") else c), "="
            ),
        },
        globals={"anchor_for": anchor_for},
    )


def variation_label(name: str | None) -> str:
    """Alt text of a variation icon."""
    return VARIATION_LABELS.get(name or "", "No variation icon (too few points)")


def assurance_label(name: str | None) -> str:
    """Alt text of an assurance icon."""
    return ASSURANCE_LABELS.get(name or "", "No assurance icon (no target)")


def chart_alt_text(section: MetricSection) -> str:
    """The text alternative of a metric's SPC chart: what it shows, then the statement."""
    points = section.points
    if not points:
        return f"SPC chart of {section.name}: no data."
    unit = section.definition.unit
    shown = [p for p in points if p.value is not None]
    text = (
        f"SPC chart of {section.name}, {format_month(points[0].date)} to "
        f"{format_month(points[-1].date)}, {len(points)} points"
    )
    if shown:
        text += f"; latest value {points[-1].display}"
    summary = section.summary
    if summary.mean is not None:
        text += f"; mean {format_value(summary.mean, unit, precise=True)}"
    if summary.lpl is not None and summary.upl is not None:
        text += (
            f", process limits {format_value(summary.lpl, unit, precise=True)} to "
            f"{format_value(summary.upl, unit, precise=True)}"
        )
    if summary.target is not None:
        text += f"; target {format_value(summary.target, unit)}"
    return f"{text}. {section.statement}"


def period_span(points: Sequence[SeriesPoint]) -> str:
    """The periods a chart or sparkline covers, as its label says: "Apr 2021 – Mar 2025"."""
    if not points:
        return "no periods"
    first, last = format_month(points[0].date), format_month(points[-1].date)
    return first if first == last else f"{first} – {last}"


@dataclass(frozen=True, slots=True)
class _SectionView:
    section: MetricSection
    chart_uri: str | None
    chart_alt: str
    sparkline_uri: str | None
    sparkline_alt: str
    variation_uri: str
    variation_alt: str
    assurance_uri: str
    assurance_alt: str
    recent_points: tuple[SeriesPoint, ...]
    #: the periods the chart covers ("Apr 2021 – Mar 2025")
    chart_span: str
    #: the periods the sparkline covers (the same as the chart's)
    sparkline_span: str


def _sparkline_alt(section: MetricSection, points: Sequence[SeriesPoint]) -> str:
    shown = [p for p in points if p.value is not None]
    if not shown:
        return f"Trend of {section.name}: no values to show."
    return (
        f"Trend of {section.name} over {len(points)} periods: from {shown[0].display} "
        f"({format_month(shown[0].date)}) to {shown[-1].display} ({format_month(shown[-1].date)})."
    )


def _view(section: MetricSection, sparkline_points: int) -> _SectionView:
    recent = section.points[-sparkline_points:]
    return _SectionView(
        section=section,
        chart_uri=chart_uri(section, f"chart-{section.anchor}"),
        chart_alt=chart_alt_text(section),
        sparkline_uri=sparkline_uri(recent, sparkline_points),
        sparkline_alt=_sparkline_alt(section, recent),
        variation_uri=icon_uri(section.summary.variation_icon),
        variation_alt=variation_label(section.summary.variation_icon),
        assurance_uri=icon_uri(section.summary.assurance_icon),
        assurance_alt=assurance_label(section.summary.assurance_icon),
        recent_points=tuple(recent),
        chart_span=period_span(section.points),
        sparkline_span=period_span(recent),
    )


def _matrix(views: Sequence[_SectionView]) -> list[dict[str, object]]:
    rows: list[dict[str, object]] = []
    for key, title, icons in MATRIX_ROWS:
        cells = []
        for assurance, _heading in MATRIX_COLUMNS:
            members = [
                v
                for v in views
                if v.section.summary.variation_icon in icons
                and v.section.summary.assurance_icon == assurance
            ]
            cells.append(
                {
                    "assurance": assurance,
                    "members": members,
                    "focus": key == "concern" and assurance in ("fail", "inconsistent"),
                }
            )
        if key == "neutral" and not any(c["members"] for c in cells):
            continue
        rows.append({"key": key, "title": title, "icon": icons[0], "cells": cells})
    return rows


def _directorate_title(code: str, names: Mapping[str, str]) -> str:
    if code == "TRUST":
        return "trust-wide"
    return f"{names[code]} ({code})" if code in names else code


def directorate_key(model: PackModel) -> list[tuple[str, str]]:
    """The directorate codes the pack shows, with their names: the directorates it groups by
    and the codes that end a metric id (``EFF09-CHS``), in code order."""
    names = dict(model.org_unit_names)
    shown = (
        {s.definition.directorate for s in model.sections}
        if (model.forum.group_by_directorate)
        else set()
    )
    for s in model.sections:
        shown.update(part for part in s.metric_id.split("-")[1:] if part in names)
    return [(code, names[code]) for code in sorted(shown) if code in names and code != "TRUST"]


def _groups(
    views: Sequence[_SectionView], by_directorate: bool, names: Mapping[str, str]
) -> list[dict[str, object]]:
    groups: list[dict[str, object]] = []
    for domain in DOMAIN_ORDER:
        members = [v for v in views if v.section.definition.domain is domain]
        if not members:
            continue
        if by_directorate:
            directorates = sorted(
                {v.section.definition.directorate for v in members}, key=lambda d: (d != "TRUST", d)
            )
            for directorate in directorates:
                groups.append(
                    {
                        "title": f"{DOMAIN_TITLES[domain]}: "
                        f"{_directorate_title(directorate, names)}",
                        "members": [
                            v for v in members if v.section.definition.directorate == directorate
                        ],
                    }
                )
        else:
            groups.append({"title": DOMAIN_TITLES[domain], "members": members})
    return groups


def render_html(model: PackModel, *, stylesheet: str | None = None) -> str:
    """The pack as one HTML document (UTF-8 text, self-contained, deterministic)."""
    views = [_view(s, model.sparkline_points) for s in model.sections]
    charted = [s.points for s in model.sections if s.points]
    by_id = {v.section.metric_id: v for v in views}
    triangulations = []
    for tri in model.triangulations:
        if tri.metric_id not in by_id:
            continue
        partners = [by_id[p] for p in tri.partner_ids if p in by_id]
        if partners:
            triangulations.append({"lead": by_id[tri.metric_id], "partners": partners})
    template = _environment().get_template("pack.html.j2")
    return template.render(
        model=model,
        paper=model.paper,
        views=views,
        by_id=by_id,
        groups=_groups(views, model.forum.group_by_directorate, dict(model.org_unit_names)),
        directorate_key=directorate_key(model),
        matrix=_matrix(views),
        without_icons=[v for v in views if v.section.summary.variation_icon is None],
        matrix_columns=MATRIX_COLUMNS,
        exceptions=[by_id[s.metric_id] for s in model.exceptions],
        triangulations=triangulations,
        stylesheet=Markup(stylesheet if stylesheet is not None else _stylesheet()),
        baf_html=Markup(model.baf_html) if model.baf_html else None,
        commentary_sections=COMMENTARY_SECTIONS,
        variation_label=variation_label,
        assurance_label=assurance_label,
        icon_uri=icon_uri,
        variation_icons=VARIATION_ICONS,
        action_status=_ACTION_STATUS_LABELS,
        chart_names=CHART_NAMES,
        show_sections=model.forum.detail.value == "full",
        # the Board reads an exception's summary and actions; committees the full narrative
        brief_exceptions=model.forum.kind is ForumKind.BOARD,
        matrix_sentence=matrix_sentence(model.sections),
        # the window every chart and sparkline shares (a metric with a shorter history starts
        # at its first value)
        window_span=(
            f"{format_month(min(p[0].date for p in charted))} – "
            f"{format_month(max(p[-1].date for p in charted))}"
            if charted
            else None
        ),
    )
