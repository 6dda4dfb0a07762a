"""The pack's pictures: SPC charts, sparklines and icons from :mod:`trustboard.render.svg`.

The charts are drawn by the product's one chart module; this adapter feeds it the pack's
:class:`~trustboard.render.pack.model.SeriesPoint` tuples (already suppressed for a public
forum), so a chart can only show what the model holds: a suppressed point has no value and
is a gap.  Each picture becomes an SVG data URI for ``<img src alt>`` (the way alt text
reaches a tagged PDF).
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache

import polars as pl

from trustboard.render.pack.formatting import format_month
from trustboard.render.pack.model import MetricSection, SeriesPoint
from trustboard.render.svg import (
    SIGNAL_WORDS,
    icon_svg,
    sparkline_svg,
    spc_chart_svg,
    svg_to_data_uri,
)

__all__ = ["chart_svg", "chart_uri", "icon_uri", "point_labels", "points_frame", "sparkline_uri"]

_SCHEMA = {
    "date": pl.Date(),
    "value": pl.Float64(),
    "rebase_group": pl.Int64(),
    "mean": pl.Float64(),
    "lpl": pl.Float64(),
    "upl": pl.Float64(),
    "point_type": pl.String(),
    "target": pl.Float64(),
    "trajectory": pl.Float64(),
    "short_group_warning": pl.Boolean(),
}


def points_frame(points: Sequence[SeriesPoint]) -> pl.DataFrame:
    """The points as the chart module reads them (the SPC engine's column names)."""
    return pl.DataFrame(
        [
            {
                "date": p.date,
                "value": p.value,
                "rebase_group": p.rebase_group,
                "mean": p.mean,
                "lpl": p.lpl,
                "upl": p.upl,
                "point_type": p.point_type,
                "target": p.target,
                "trajectory": p.trajectory,
                "short_group_warning": p.short_group_warning,
            }
            for p in points
        ],
        schema=_SCHEMA,
        orient="row",
    )


def chart_uri(
    section: MetricSection,
    chart_id: str,
    *,
    size: tuple[float, float] = (680.0, 340.0),
    icons: bool = False,
) -> str | None:
    """The section's SPC chart as a data URI (``None`` when there is nothing to draw).

    ``size`` is the chart's width and height in SVG units; ``icons`` draws the variation and
    assurance icons in the chart's corner (for a chart shown without them beside it).
    """
    svg = chart_svg(section, chart_id, size=size, icons=icons)
    return None if svg is None else svg_to_data_uri(svg)


def point_labels(points: Sequence[SeriesPoint]) -> list[tuple[str, ...]]:
    """What each point says to a reader who hovers over or focuses it: the month and the value
    as shown (``*`` when suppressed, never the number behind it), whether it is provisional,
    and its special-cause signal.  A point with no value that is not suppressed has none."""
    labels: list[tuple[str, ...]] = []
    for p in points:
        if p.value is None and not p.suppressed:
            labels.append(())
            continue
        first = f"{format_month(p.date)}: {p.display}"
        if p.suppressed:
            first += " (suppressed)"
        notes = []
        if p.provisional:
            notes.append("provisional")
        if p.point_type != "common_cause" and not p.suppressed:
            # the signal in the legend's words, with the rule that found it as the pack's data
            # table names it (``Below LCL``, ``Run of 7``)
            notes.append(f"{SIGNAL_WORDS[p.point_type]} ({p.special_cause_type})")
        labels.append((first, ", ".join(notes)) if notes else (first,))
    return labels


def chart_svg(
    section: MetricSection,
    chart_id: str,
    *,
    size: tuple[float, float] = (680.0, 340.0),
    icons: bool = False,
    labelled_points: bool = False,
) -> str | None:
    """The section's SPC chart as SVG text (``None`` when there is nothing to draw), as
    :func:`chart_uri` draws it; ``labelled_points`` makes each point a keyboard stop that shows
    its :func:`point_labels` (for a chart drawn inline in a web page; the pack never asks)."""
    if not section.points:
        return None
    definition = section.definition
    width, height = size
    return spc_chart_svg(
        points_frame(section.points),
        chart_id=chart_id,
        title=definition.short_name or definition.name,
        unit=definition.unit,
        improvement_direction=definition.polarity,
        # a pack page shows both icons, with their alt text, just above the chart: drawn in
        # the chart's corner as well they repeat them and crowd a long title (the chart module
        # sizes the title by an estimate of the font, which the PDF's font can exceed)
        variation_icon=section.summary.variation_icon if icons else None,
        assurance_icon=section.summary.assurance_icon if icons else None,
        description=section.statement,
        width=width,
        height=height,
        # an accepted rebase is drawn with its reason (MDC: recalculate only with one)
        rebase_reasons={r.date: r.reason for r in definition.rebase},
        point_labels=point_labels(section.points) if labelled_points else None,
    )


def sparkline_uri(points: Sequence[SeriesPoint], last: int) -> str | None:
    """A sparkline of the last ``last`` points as a data URI (``None`` with fewer than 2 points)."""
    if len(points) < 2:
        return None
    return svg_to_data_uri(sparkline_svg(points_frame(points), last=max(2, last)))


@cache
def icon_uri(name: str | None, size: float = 36.0) -> str:
    """An MDC icon as a data URI; ``None`` gives the dashed "no icon" circle."""
    return svg_to_data_uri(icon_svg(name or "empty", size))
