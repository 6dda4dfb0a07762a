"""The SPC chart in the Making Data Count style, as hand-written SVG (string in, string out).

Grey data line and points; solid mean and dashed process limits, broken at each rebase;
special-cause points coloured and shaped by meaning (blue circle improvement, orange diamond
concern, purple triangle neutral high/low); red stepped target line, purple dashed trajectory;
the variation and assurance icons in the top-right corner; a caption when limits are trial
limits.  Colours follow NHSRplotthedots/MDC (spc.md §9), darkened where WCAG 2.2 asks for
3:1 contrast for graphics.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

import polars as pl

from trustboard.domain import Polarity, Unit
from trustboard.errors import OptionsError
from trustboard.render.svg._series import (
    SpcSeries,
    direction_phrase,
    finite,
    long_date,
    normalise_direction,
    read_series,
    short_date,
)
from trustboard.render.svg._svg import (
    COLOURS,
    FONT_FAMILY,
    element,
    escape_text,
    num,
    safe_id,
    text_width,
)
from trustboard.render.svg.formatting import axis_title, format_tick, format_value, nice_ticks
from trustboard.render.svg.icons import ASSURANCE_ICONS, ICON_MEANINGS, VARIATION_ICONS, icon_svg
from trustboard.render.svg.markers import LEGEND_LABELS, point_marker

__all__ = ["describe_spc_chart", "spc_chart_svg"]

#: smallest font in chart units: 13 units at the default 680-unit width printed 170 mm wide
#: is 9.2 pt, the smallest size a board pack should carry
_SMALL = 13.0
_TITLE = 17.0
_ICON = 46.0
_TRIAL_CAPTION = (
    "Trial limits: some limits are calculated from too few points to be settled; "
    "read signals with caution."
)


@dataclass(frozen=True, slots=True)
class _Frame:
    left: float
    right: float
    top: float
    bottom: float
    x0: float
    x1: float
    y0: float
    y1: float
    pad: float

    def x(self, ordinal: float) -> float:
        if self.x1 == self.x0:
            return (self.left + self.right) / 2
        usable = self.right - self.left - 2 * self.pad
        return self.left + self.pad + (ordinal - self.x0) / (self.x1 - self.x0) * usable

    def y(self, value: float) -> float:
        return self.bottom - (value - self.y0) / (self.y1 - self.y0) * (self.bottom - self.top)


def _text_width(text: str, size: float) -> float:
    return text_width(text, size)


_CAPTION_LINE = 17.0


def _wrap(text: str, room: float) -> list[str]:
    """``text`` in lines of at most ``room`` units at the small size (one line if it fits)."""
    if _text_width(text, _SMALL) <= room:
        return [text]
    lines: list[str] = []
    for word in text.split(" "):
        if lines and _text_width(f"{lines[-1]} {word}", _SMALL) <= room:
            lines[-1] = f"{lines[-1]} {word}"
        else:
            lines.append(word)
    return lines


def _fit_title(title: str, room: float) -> tuple[str, float]:
    size = _TITLE
    while size > _SMALL and _text_width(title, size) > room:
        size -= 0.5
    if _text_width(title, size) <= room:
        return title, size
    keep = max(int(room / (size * 0.56)) - 1, 1)
    return title[:keep].rstrip() + "…", size


def _check_icons(variation_icon: str | None, assurance_icon: str | None) -> None:
    errors = []
    if variation_icon is not None and variation_icon not in VARIATION_ICONS:
        errors.append(
            f"variation_icon must be one of {', '.join(VARIATION_ICONS)} or None, "
            f"not {variation_icon!r}"
        )
    if assurance_icon is not None and assurance_icon not in ASSURANCE_ICONS:
        errors.append(
            f"assurance_icon must be one of {', '.join(ASSURANCE_ICONS)} or None, "
            f"not {assurance_icon!r}"
        )
    if errors:
        raise OptionsError("; ".join(errors))


def _path(points: Sequence[tuple[float, float] | None]) -> str:
    """Path data through the points, lifting the pen at each ``None``."""
    parts: list[str] = []
    pen_down = False
    for point in points:
        if point is None:
            pen_down = False
            continue
        parts.append(f"{'L' if pen_down else 'M'}{num(point[0])} {num(point[1])}")
        pen_down = True
    return "".join(parts)


def _step_path(xs: Sequence[float], values: Sequence[float | None], frame: _Frame) -> str:
    """A stepped line: each value holds until the next point's date, where it steps."""
    parts: list[str] = []
    previous: float | None = None
    for index, value in enumerate(values):
        if value is None:
            if previous is not None and index > 0:
                parts.append(f"H{num(xs[index])}")
            previous = None
            continue
        y = frame.y(value)
        if previous is None:
            parts.append(f"M{num(xs[index])} {num(y)}")
        else:
            parts.append(f"H{num(xs[index])}V{num(y)}")
        previous = value
    return "".join(parts)


def _legend_items(series: SpcSeries) -> list[str]:
    items = ["mean", "limits"]
    if any(v is not None for v in series.target):
        items.append("target")
    if any(v is not None for v in series.trajectory):
        items.append("trajectory")
    present = set(series.point_type)
    items.extend(
        t
        for t in (
            "special_cause_improvement",
            "special_cause_concern",
            "special_cause_neutral_high",
            "special_cause_neutral_low",
        )
        if t in present
    )
    return items


def _legend_swatch(item: str, x: float, y: float) -> str:
    line = {"x1": x, "x2": x + 22, "y1": y, "y2": y}
    if item == "mean":
        return element("line", {**line, "stroke": COLOURS["mean"], "stroke-width": "2"})
    if item == "limits":
        return element(
            "line",
            {**line, "stroke": COLOURS["limit"], "stroke-width": "1.5", "stroke-dasharray": "6 4"},
        )
    if item == "target":
        return element("line", {**line, "stroke": COLOURS["target"], "stroke-width": "2.5"})
    if item == "trajectory":
        return element(
            "line",
            {
                **line,
                "stroke": COLOURS["trajectory"],
                "stroke-width": "2",
                "stroke-dasharray": "3 3",
            },
        )
    return point_marker(item, x + 11, y, css=f"legend-marker legend-{item}")


def _legend_rows(items: Sequence[str], width: float) -> list[list[tuple[str, float]]]:
    rows: list[list[tuple[str, float]]] = [[]]
    x = 0.0
    for item in items:
        room = 28 + text_width(LEGEND_LABELS[item], _SMALL) + 18
        if rows[-1] and x + room > width:
            rows.append([])
            x = 0.0
        rows[-1].append((item, x))
        x += room
    return rows


def describe_spc_chart(
    points: pl.DataFrame,
    *,
    title: str,
    unit: Unit | str,
    improvement_direction: str | Polarity,
    variation_icon: str | None = None,
    assurance_icon: str | None = None,
    description: str | None = None,
    rebase_reasons: Mapping[date, str] | None = None,
) -> str:
    """A plain-English description of the chart (the SVG's ``<desc>`` and the ``alt`` text).

    It gives the latest value, the mean and process limits of the latest period, the target,
    the meaning of both icons, why limits were recalculated and whether limits are trial
    limits.
    """
    series = read_series(_with_reasons(points, rebase_reasons))
    direction = normalise_direction(improvement_direction)
    return _describe(
        series,
        title=title,
        unit=unit,
        direction=direction,
        variation_icon=variation_icon,
        assurance_icon=assurance_icon,
        description=description,
    )


def _describe(
    series: SpcSeries,
    *,
    title: str,
    unit: Unit | str,
    direction: str,
    variation_icon: str | None,
    assurance_icon: str | None,
    description: str | None,
) -> str:
    sentences = [
        f"SPC chart of {title}, {long_date(series.dates[0], series.weekly)} to "
        f"{long_date(series.dates[-1], series.weekly)}."
    ]
    if description:
        sentences.append(description.strip().rstrip(".") + ".")
    latest = series.latest_index()
    if latest is not None:
        value = series.values[latest]
        sentences.append(
            f"Latest value {format_value(value, unit)} in "
            f"{long_date(series.dates[latest], series.weekly)}."
        )
        mean, lower, upper = series.mean[latest], series.lpl[latest], series.upl[latest]
        if mean is not None:
            text = f"Mean {format_value(mean, unit)}"
            if lower is not None and upper is not None:
                text += (
                    f"; process limits {format_value(lower, unit)} to {format_value(upper, unit)}"
                )
            sentences.append(text + ".")
        target = series.target[latest]
        if target is not None:
            sentences.append(f"Target {format_value(target, unit)}.")
        trajectory = series.trajectory[latest]
        if trajectory is not None:
            sentences.append(f"Trajectory {format_value(trajectory, unit)}.")
    sentences.append(direction_phrase(direction) + ".")
    if variation_icon is not None:
        sentences.append(ICON_MEANINGS[variation_icon] + ".")
    if assurance_icon is not None:
        sentences.append(ICON_MEANINGS[assurance_icon] + ".")
    groups = len(series.groups())
    if groups > 1:
        sentences.append(f"Limits were recalculated {groups - 1} time{'s' if groups > 2 else ''}.")
    for group in series.groups()[1:]:
        reason = _reason_at(series, group.start)
        if reason:
            when = long_date(series.dates[group.start], series.weekly)
            sentences.append(f"Limits recalculated from {when}: {reason.rstrip('.')}.")
    if any(series.short_group):
        sentences.append(_TRIAL_CAPTION)
    return " ".join(sentences)


def spc_chart_svg(
    points: pl.DataFrame,
    *,
    chart_id: str,
    title: str,
    unit: Unit | str,
    improvement_direction: str | Polarity,
    variation_icon: str | None = None,
    assurance_icon: str | None = None,
    description: str | None = None,
    width: float = 680.0,
    height: float = 340.0,
    rebase_reasons: Mapping[date, str] | None = None,
    point_labels: Sequence[Sequence[str]] | None = None,
) -> str:
    """One series' SPC chart as an SVG document.

    ``points`` holds the SPC engine's output for ONE series (``date``, ``value``,
    ``rebase_group``, ``mean``, ``lpl``, ``upl``, ``point_type``, ``target``, ``trajectory``,
    ``short_group_warning``, ``rebase_reason``; missing optional columns are treated as
    empty).  ``rebase_reasons`` maps the first date of a rebased group to why the limits were
    recalculated (the catalogue's or the store's reason), instead of a ``rebase_reason``
    column.  ``chart_id`` prefixes every element id so that many charts can share a page.
    The same input always gives the same bytes.

    ``point_labels`` (for a chart drawn inline in a web page, never in the pack) gives each
    row of ``points``, in the frame's date order, the lines that describe it to a reader; a
    row with lines becomes a keyboard stop (``tabindex``) named by them, whose lines show
    beside the point on hover and on focus through the page's stylesheet (classes
    ``point-focus``, ``point-ring``, ``point-tip``).  A row without a value but with lines (a
    suppressed one) is a stop on the axis.  Without it the chart is exactly the pack's.
    """
    _check_icons(variation_icon, assurance_icon)
    if width < 320 or height < 200:
        raise OptionsError(f"a chart needs at least 320 x 200 units, not {width:g} x {height:g}")
    if point_labels is not None and len(point_labels) != points.height:
        raise OptionsError(
            f"point_labels needs one entry for each of the {points.height} points, "
            f"not {len(point_labels)}"
        )
    kind = unit if isinstance(unit, Unit) else Unit(unit)
    direction = normalise_direction(improvement_direction)
    series = read_series(_with_reasons(points, rebase_reasons))
    ident = safe_id(chart_id)
    desc = _describe(
        series,
        title=title,
        unit=kind,
        direction=direction,
        variation_icon=variation_icon,
        assurance_icon=assurance_icon,
        description=description,
    )

    values = [
        *finite(series.values),
        *finite(series.mean),
        *finite(series.lpl),
        *finite(series.upl),
        *finite(series.target),
        *finite(series.trajectory),
    ]
    ticks = nice_ticks(min(values), max(values)) if values else [0.0, 1.0]
    tick_labels = [format_tick(t, kind, ticks) for t in ticks]
    label_room = max(_text_width(label, _SMALL) for label in tick_labels)

    legend = _legend_rows(_legend_items(series), width - 24)
    caption = any(series.short_group)
    # the caption is one line where it fits (the pack's size), else wrapped to the width
    caption_lines = _wrap(_TRIAL_CAPTION, width - 20) if caption else []
    bottom = (
        height
        - 34
        - 20 * len(legend)
        - (22 + _CAPTION_LINE * (len(caption_lines) - 1) if caption else 0)
    )
    ordinals = [d.toordinal() for d in series.dates]
    frame = _Frame(
        left=30 + label_room + 8,
        right=width - 14,
        top=72,
        bottom=bottom,
        x0=min(ordinals),
        x1=max(ordinals),
        y0=ticks[0],
        y1=ticks[-1],
        pad=min(12.0, (width - label_room) * 0.02),
    )
    xs = [frame.x(o) for o in ordinals]

    body: list[str] = [
        element("title", {"id": f"{ident}-title"}, escape_text(title)),
        element("desc", {"id": f"{ident}-desc"}, escape_text(desc)),
        element(
            "rect", {"width": float(width), "height": float(height), "fill": COLOURS["background"]}
        ),
    ]
    icons = [name for name in (variation_icon, assurance_icon) if name is not None]
    icons_width = len(icons) * (_ICON + 6)
    fitted, size = _fit_title(title, width - 20 - icons_width)
    body.append(
        element(
            "text",
            {
                "x": "10",
                "y": "24",
                "font-size": size,
                "font-weight": "bold",
                "fill": COLOURS["text"],
                "class": "chart-title",
            },
            escape_text(fitted),
        )
    )
    subtitle = direction_phrase(direction)
    latest = series.latest_index()
    if latest is not None:
        subtitle += (
            f" · latest {short_date(series.dates[latest], series.weekly)}: "
            f"{format_value(series.values[latest], kind)}"
        )
    body.append(
        element(
            "text",
            {
                "x": "10",
                "y": "46",
                "font-size": _SMALL,
                "fill": COLOURS["muted_text"],
                "class": "chart-subtitle",
            },
            escape_text(subtitle),
        )
    )
    for index, name in enumerate(icons):
        body.append(
            icon_svg(name, _ICON, x=width - 8 - (len(icons) - index) * (_ICON + 6) + 6, y=6.0)
        )

    body.append(_y_axis(frame, ticks, tick_labels, kind))
    body.append(_x_axis(series, xs, frame))
    body.append(_rebase_markers(series, xs, frame))
    body.append(_process_lines(series, xs, frame))
    if any(v is not None for v in series.target):
        body.append(
            element(
                "path",
                {
                    "d": _step_path(xs, series.target, frame),
                    "fill": "none",
                    "stroke": COLOURS["target"],
                    "stroke-width": "2.5",
                    "class": "target",
                },
            )
        )
    if any(v is not None for v in series.trajectory):
        body.append(
            element(
                "path",
                {
                    "d": _step_path(xs, series.trajectory, frame),
                    "fill": "none",
                    "stroke": COLOURS["trajectory"],
                    "stroke-width": "2",
                    "stroke-dasharray": "3 3",
                    "class": "trajectory",
                },
            )
        )
    line = [None if v is None else (x, frame.y(v)) for x, v in zip(xs, series.values, strict=True)]
    body.append(
        element(
            "path",
            {
                "d": _path(line),
                "fill": "none",
                "stroke": COLOURS["common"],
                "stroke-width": "1.75",
                "stroke-linejoin": "round",
                "class": "series",
            },
        )
    )
    body.append(
        element(
            "g",
            {"class": "points"},
            [
                point_marker(kind_, x, frame.y(v))
                for x, v, kind_ in zip(xs, series.values, series.point_type, strict=True)
                if v is not None
            ],
        )
    )
    body.append(_legend(legend, frame.bottom + 40))
    for number, caption_line in enumerate(caption_lines):
        body.append(
            element(
                "text",
                {
                    "x": "10",
                    "y": float(height - 10 - _CAPTION_LINE * (len(caption_lines) - 1 - number)),
                    "font-size": _SMALL,
                    "font-style": "italic",
                    "fill": COLOURS["muted_text"],
                    "class": "trial-limits-caption",
                },
                escape_text(caption_line),
            )
        )
    if point_labels is not None:
        ordered = _in_date_order(points, point_labels)
        body.append(_focus_layer(series, ordered, xs, frame, width))
        # a chart with keyboard stops inside is a group, not one picture (the children of an
        # image are presentational, so its points could not carry their own names)
        return element(
            "svg",
            {
                "xmlns": "http://www.w3.org/2000/svg",
                "width": float(width),
                "height": float(height),
                "viewBox": f"0 0 {num(width)} {num(height)}",
                "role": "group",
                "id": ident,
                "aria-labelledby": f"{ident}-title",
                "aria-describedby": f"{ident}-desc",
                "font-family": FONT_FAMILY,
                "class": "spc-chart spc-chart-points",
            },
            body,
        )
    return element(
        "svg",
        {
            "xmlns": "http://www.w3.org/2000/svg",
            "width": float(width),
            "height": float(height),
            "viewBox": f"0 0 {num(width)} {num(height)}",
            "role": "img",
            "id": ident,
            "aria-labelledby": f"{ident}-title {ident}-desc",
            "font-family": FONT_FAMILY,
            "class": "spc-chart",
        },
        body,
    )


#: the point labels' box: text size (the chart's smallest), line height and padding
_TIP_LINE = 17.0
_TIP_PAD = 6.0
_TIP_GAP = 12.0
_TIP_FILL = "#212b32"
_TIP_TEXT = "#ffffff"


def _in_date_order(
    points: pl.DataFrame, labels: Sequence[Sequence[str]]
) -> tuple[tuple[str, ...], ...]:
    """The labels in the order :func:`read_series` puts the rows (by date)."""
    if "date" not in points.columns or points.height == 0:
        return tuple(tuple(lines) for lines in labels)
    order = points.with_row_index("_row").sort("date", maintain_order=True)["_row"].to_list()
    return tuple(tuple(labels[row]) for row in order)


def _focus_layer(
    series: SpcSeries,
    labels: Sequence[Sequence[str]],
    xs: Sequence[float],
    frame: _Frame,
    width: float,
) -> str:
    """One keyboard stop per labelled point, drawn over the chart: an invisible target over the
    marker, a focus ring and the label box (both hidden until the stylesheet shows them).

    The layer comes after everything else so that a shown label is never painted over by a
    later marker: the only visible things in it are the hovered or focused point's ring and box.
    """
    stops: list[str] = []
    for index, lines in enumerate(labels):
        if not lines:
            continue
        value = series.values[index]
        x = xs[index]
        y = frame.bottom if value is None else frame.y(value)
        box_w = max(text_width(line, _SMALL) for line in lines) + 2 * _TIP_PAD
        box_h = _TIP_LINE * len(lines) + _TIP_PAD
        box_x = min(max(x - box_w / 2, 2.0), width - box_w - 2)
        box_y = y - _TIP_GAP - box_h
        if box_y < 2:
            box_y = y + _TIP_GAP
        tip = [
            element(
                "rect",
                {
                    "x": box_x,
                    "y": box_y,
                    "width": box_w,
                    "height": box_h,
                    "rx": "3",
                    "fill": _TIP_FILL,
                },
            ),
            *(
                element(
                    "text",
                    {
                        "x": box_x + _TIP_PAD,
                        "y": box_y + _TIP_LINE * (number + 1) - 3,
                        "font-size": _SMALL,
                        "font-weight": "bold" if number == 0 else None,
                        "fill": _TIP_TEXT,
                    },
                    escape_text(line),
                )
                for number, line in enumerate(lines)
            ),
        ]
        stops.append(
            element(
                "g",
                {
                    "class": "point-focus",
                    "tabindex": "0",
                    "role": "img",
                    "aria-label": "; ".join(lines),
                },
                [
                    element(
                        "circle",
                        {"cx": x, "cy": y, "r": "9", "fill": "#ffffff", "fill-opacity": "0"},
                    ),
                    element(
                        "circle",
                        {
                            "cx": x,
                            "cy": y,
                            "r": "9",
                            "fill": "none",
                            "stroke": _TIP_FILL,
                            "stroke-width": "3",
                            "visibility": "hidden",
                            "class": "point-ring",
                        },
                    ),
                    element(
                        "g",
                        {"class": "point-tip", "visibility": "hidden", "pointer-events": "none"},
                        tip,
                    ),
                ],
            )
        )
    return element("g", {"class": "point-stops"}, stops)


def _y_axis(frame: _Frame, ticks: Sequence[float], labels: Sequence[str], unit: Unit) -> str:
    parts: list[str] = []
    for tick, label in zip(ticks, labels, strict=True):
        y = frame.y(tick)
        parts.append(
            element(
                "line",
                {
                    "x1": frame.left,
                    "x2": frame.right,
                    "y1": y,
                    "y2": y,
                    "stroke": COLOURS["gridline"],
                    "stroke-width": "1",
                },
            )
        )
        parts.append(
            element(
                "text",
                {
                    "x": frame.left - 6,
                    "y": y + 4.5,
                    "text-anchor": "end",
                    "font-size": _SMALL,
                    "fill": COLOURS["text"],
                },
                escape_text(label),
            )
        )
    middle = (frame.top + frame.bottom) / 2
    parts.append(
        element(
            "text",
            {
                "x": "16",
                "y": middle,
                "transform": f"rotate(-90 16 {num(middle)})",
                "text-anchor": "middle",
                "font-size": _SMALL,
                "fill": COLOURS["muted_text"],
            },
            escape_text(axis_title(unit)),
        )
    )
    return element("g", {"class": "y-axis"}, parts)


def _x_axis(series: SpcSeries, xs: Sequence[float], frame: _Frame) -> str:
    parts = [
        element(
            "line",
            {
                "x1": frame.left,
                "x2": frame.right,
                "y1": frame.bottom,
                "y2": frame.bottom,
                "stroke": COLOURS["axis"],
                "stroke-width": "1",
            },
        )
    ]
    label_width = _text_width(short_date(series.dates[0], series.weekly), _SMALL) + 12
    room = max(int((frame.right - frame.left) // label_width), 1)
    every = max(math.ceil(len(xs) / room), 1)
    # count back from the latest point so the most recent period is always labelled
    for index in range(len(xs) - 1, -1, -every):
        x = xs[index]
        parts.append(
            element(
                "line",
                {
                    "x1": x,
                    "x2": x,
                    "y1": frame.bottom,
                    "y2": frame.bottom + 4,
                    "stroke": COLOURS["axis"],
                },
            )
        )
        parts.append(
            element(
                "text",
                {
                    "x": x,
                    "y": frame.bottom + 18,
                    "text-anchor": "middle",
                    "font-size": _SMALL,
                    "fill": COLOURS["text"],
                },
                escape_text(short_date(series.dates[index], series.weekly)),
            )
        )
    return element("g", {"class": "x-axis"}, parts)


def _with_reasons(points: pl.DataFrame, reasons: Mapping[date, str] | None) -> pl.DataFrame:
    if not reasons or "date" not in points.columns:
        return points
    table = pl.DataFrame(
        {"date": list(reasons), "_reason": list(reasons.values())},
        schema={"date": points.schema["date"], "_reason": pl.String},
    )
    joined = points.join(table, on="date", how="left")
    if "rebase_reason" in points.columns:
        joined = joined.with_columns(pl.coalesce("_reason", "rebase_reason").alias("_reason"))
    return joined.drop("rebase_reason", strict=False).rename({"_reason": "rebase_reason"})


def _reason_at(series: SpcSeries, index: int) -> str | None:
    return series.rebase_reason[index] if index < len(series.rebase_reason) else None


def _rebase_markers(series: SpcSeries, xs: Sequence[float], frame: _Frame) -> str:
    parts = []
    groups = series.groups()[1:]
    for number, group in enumerate(groups):
        x = (xs[group.start - 1] + xs[group.start]) / 2
        reason = _reason_at(series, group.start)
        line: dict[str, str | float | None] = {
            "x1": x,
            "x2": x,
            "y1": frame.top,
            "y2": frame.bottom,
            "stroke": COLOURS["axis"],
            "stroke-width": "1",
            "stroke-dasharray": "2 3",
            "class": "rebase-marker",
        }
        if not reason:
            parts.append(element("line", line))
            continue
        label = f"Limits recalculated: {reason}"
        parts.append(element("line", line, element("title", {}, escape_text(label))))
        # the label sits just above the plot, on the side of the line with more room, and is
        # shortened to that room; the full reason is in the line's title and the chart's desc
        right = x < (frame.left + frame.right) / 2
        room = (frame.right - x - 4) if right else (x - frame.left - 4)
        if len(groups) > 1:
            following = groups[number + 1] if number + 1 < len(groups) else None
            if right and following is not None:
                room = min(room, (xs[following.start - 1] + xs[following.start]) / 2 - x - 8)
        text, _ = _fit_label(label, room)
        if not text:
            continue
        parts.append(
            element(
                "text",
                {
                    "x": x + 3 if right else x - 3,
                    "y": frame.top - 4,
                    "font-size": _SMALL,
                    "fill": COLOURS["muted_text"],
                    "text-anchor": "start" if right else "end",
                    "class": "rebase-reason",
                },
                escape_text(text),
            )
        )
    return element("g", {"class": "rebases"}, parts)


def _fit_label(text: str, room: float) -> tuple[str, float]:
    if _text_width(text, _SMALL) <= room:
        return text, _SMALL
    keep = int(room / (_SMALL * 0.56)) - 1
    if keep < 8:
        return "", _SMALL
    return text[:keep].rstrip() + "…", _SMALL


def _process_lines(series: SpcSeries, xs: Sequence[float], frame: _Frame) -> str:
    parts = []
    styles = (
        ("mean", series.mean, {"stroke": COLOURS["mean"], "stroke-width": "2"}),
        (
            "limit limit-upper",
            series.upl,
            {"stroke": COLOURS["limit"], "stroke-width": "1.5", "stroke-dasharray": "6 4"},
        ),
        (
            "limit limit-lower",
            series.lpl,
            {"stroke": COLOURS["limit"], "stroke-width": "1.5", "stroke-dasharray": "6 4"},
        ),
    )
    for group in series.groups():
        for css, column, style in styles:
            line = [
                None if column[i] is None else (xs[i], frame.y(column[i]))  # type: ignore[arg-type]
                for i in group
            ]
            if sum(p is not None for p in line) == 1:
                # a one-point group still shows its level as a short tick
                x, y = next(p for p in line if p is not None)
                line = [(x - 5, y), (x + 5, y)]
            if any(p is not None for p in line):
                parts.append(
                    element(
                        "path",
                        {
                            "d": _path(line),
                            "fill": "none",
                            **style,
                            "class": css,
                            "data-group": str(series.rebase_group[group.start]),
                        },
                    )
                )
    return element("g", {"class": "process"}, parts)


def _legend(rows: Sequence[Sequence[tuple[str, float]]], top: float) -> str:
    parts = []
    for row_index, row in enumerate(rows):
        y = top + row_index * 20
        for item, offset in row:
            x = 10 + offset
            parts.append(_legend_swatch(item, x, y))
            parts.append(
                element(
                    "text",
                    {"x": x + 28, "y": y + 4.5, "font-size": _SMALL, "fill": COLOURS["text"]},
                    escape_text(LEGEND_LABELS[item]),
                )
            )
    return element("g", {"class": "legend"}, parts)
