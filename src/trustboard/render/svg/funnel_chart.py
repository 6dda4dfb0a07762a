"""Drawing of a funnel plot (:class:`trustboard.spc.funnel.FunnelResult`) as SVG.

Units are points at their precision; the target is a solid line; the narrowest limits are
dashed and the widest solid; units outside the widest limits are marked as special cause
(by direction when one is given, otherwise purple high/low) and labelled by name.
"""

from __future__ import annotations

from collections.abc import Sequence

from trustboard.domain import Polarity, Unit
from trustboard.errors import OptionsError
from trustboard.render.svg._series import normalise_direction
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
from trustboard.render.svg.markers import LEGEND_LABELS, point_marker
from trustboard.spc.funnel import FunnelResult

__all__ = ["describe_funnel_chart", "funnel_chart_svg"]

_SMALL = 13.0


def _default_unit(result: FunnelResult) -> Unit:
    return Unit.PERCENT if result.options.kind == "proportion" else Unit.RATIO


def _level_label(level: float) -> str:
    return f"{level * 100:.10g}% limits"


def _point_kind(side: str | None, direction: str) -> str:
    if side is None:
        return "common_cause"
    if direction == "neutral":
        return f"special_cause_neutral_{side}"
    good = "high" if direction == "increase" else "low"
    return "special_cause_improvement" if side == good else "special_cause_concern"


def _subtitle(result: FunnelResult, unit: Unit) -> str:
    outside = int(result.points.get_column(f"outside_{result.limit_names[-1]}").sum())
    widest = f"{result.options.limits[-1] * 100:.10g}%"
    return (
        f"Target {format_value(result.target, unit)} · {outside} of {result.points.height} "
        f"units outside the {widest} limits"
    )


def describe_funnel_chart(
    result: FunnelResult,
    *,
    title: str,
    unit: Unit | str | None = None,
    label_column: str | None = None,
) -> str:
    """A plain-English description of the funnel plot: units, target and outliers by name."""
    kind = _default_unit(result) if unit is None else Unit(unit)
    label_column = label_column or result.options.by[0]
    points = result.points
    widest = result.options.limits[-1]
    outer = f"outside_{result.limit_names[-1]}"
    inner = f"outside_{result.limit_names[0]}"
    sentences = [
        f"Funnel plot of {title}: {points.height} units compared with a target of "
        f"{format_value(result.target, kind)}."
    ]
    for side, word in (("high", "above"), ("low", "below")):
        names = [
            str(n)
            for n, out, s in zip(
                points.get_column(label_column).to_list(),
                points.get_column(outer).to_list(),
                points.get_column("side").to_list(),
                strict=True,
            )
            if out and s == side
        ]
        if names:
            sentences.append(
                f"{len(names)} {'unit is' if len(names) == 1 else 'units are'} "
                f"{word} the {widest * 100:.10g}% limits: {', '.join(names)}."
            )
    if len(result.options.limits) > 1:
        count = int(points.get_column(inner).sum())
        sentences.append(
            f"{count} {'unit is' if count == 1 else 'units are'} outside the "
            f"{result.options.limits[0] * 100:.10g}% limits."
        )
    if result.options.overdispersion is not None:
        sentences.append(
            f"Limits are adjusted for over-dispersion ({result.options.overdispersion})."
        )
    return " ".join(sentences)


def funnel_chart_svg(
    result: FunnelResult,
    *,
    chart_id: str,
    title: str,
    unit: Unit | str | None = None,
    label_column: str | None = None,
    improvement_direction: str | Polarity = "neutral",
    precision_label: str | None = None,
    width: float = 680.0,
    height: float = 400.0,
) -> str:
    """A funnel plot as an SVG document.

    ``unit`` formats the y axis (default: percent for proportions, ratio otherwise);
    ``label_column`` names units in labels and the description (default: the first ``by``
    column); ``improvement_direction`` colours outliers as improvement or concern.
    """
    if width < 320 or height < 240:
        raise OptionsError(
            f"a funnel chart needs at least 320 x 240 units, not {width:g} x {height:g}"
        )
    kind = _default_unit(result) if unit is None else Unit(unit)
    direction = normalise_direction(improvement_direction)
    label_column = label_column or result.options.by[0]
    if label_column not in result.points.columns:
        raise OptionsError(f"label_column {label_column!r} is not a column of the funnel points")
    ident = safe_id(chart_id)
    points = result.points
    curve = result.curve
    names = result.limit_names
    precision = points.get_column("denominator").to_list()
    values = points.get_column("value").to_list()
    smallest = min(range(len(precision)), key=lambda i: precision[i])
    outer_low = points.get_column(f"lower_{names[-1]}")[smallest]
    outer_high = points.get_column(f"upper_{names[-1]}")[smallest]
    span = [*values, result.target, outer_low, outer_high]
    low, high = min(span), max(span)
    margin = (high - low) * 0.05  # keep the most extreme unit off the plot's edge
    low, high = low - margin, high + margin
    if kind is Unit.PERCENT:
        low, high = max(low, 0.0), min(high, 1.0)
    else:
        low = max(low, 0.0)
    y_ticks = nice_ticks(low, high)
    # the x axis ends where the computed curve ends, so the funnel reaches the plot's edge
    x_end = float(max(float(curve.get_column("precision").max()), *precision))  # type: ignore[arg-type]
    x_ticks = [t for t in nice_ticks(0.0, x_end) if t <= x_end]
    y_labels = [format_tick(t, kind, y_ticks) for t in y_ticks]
    x_labels = [format_tick(t, Unit.COUNT, x_ticks) for t in x_ticks]
    left = 30 + max(text_width(s, _SMALL) for s in y_labels) + 8
    right, top, bottom = width - 24, 60.0, height - 78

    def sx(value: float) -> float:
        return left + value / x_end * (right - left)

    def sy(value: float) -> float:
        return bottom - (value - y_ticks[0]) / (y_ticks[-1] - y_ticks[0]) * (bottom - top)

    desc = describe_funnel_chart(result, title=title, unit=kind, label_column=label_column)
    body: list[str] = [
        element("title", {"id": f"{ident}-title"}, escape_text(title)),
        element("desc", {"id": f"{ident}-desc"}, escape_text(desc)),
        element(
            "defs",
            None,
            element(
                "clipPath",
                {"id": f"{ident}-plot"},
                element(
                    "rect", {"x": left, "y": top, "width": right - left, "height": bottom - top}
                ),
            ),
        ),
        element(
            "rect", {"width": float(width), "height": float(height), "fill": COLOURS["background"]}
        ),
        element(
            "text",
            {
                "x": "10",
                "y": "24",
                "font-size": "17",
                "font-weight": "bold",
                "fill": COLOURS["text"],
                "class": "chart-title",
            },
            escape_text(title),
        ),
        element(
            "text",
            {
                "x": "10",
                "y": "44",
                "font-size": _SMALL,
                "fill": COLOURS["muted_text"],
                "class": "chart-subtitle",
            },
            escape_text(_subtitle(result, kind)),
        ),
    ]
    axes: list[str] = []
    for tick, label in zip(y_ticks, y_labels, strict=True):
        axes.append(
            element(
                "line",
                {
                    "x1": left,
                    "x2": right,
                    "y1": sy(tick),
                    "y2": sy(tick),
                    "stroke": COLOURS["gridline"],
                },
            )
        )
        axes.append(
            element(
                "text",
                {
                    "x": left - 6,
                    "y": sy(tick) + 4.5,
                    "text-anchor": "end",
                    "font-size": _SMALL,
                    "fill": COLOURS["text"],
                },
                escape_text(label),
            )
        )
    for tick, label in zip(x_ticks, x_labels, strict=True):
        axes.append(
            element(
                "line",
                {
                    "x1": sx(tick),
                    "x2": sx(tick),
                    "y1": bottom,
                    "y2": bottom + 4,
                    "stroke": COLOURS["axis"],
                },
            )
        )
        axes.append(
            element(
                "text",
                {
                    "x": sx(tick),
                    "y": bottom + 18,
                    "text-anchor": "middle",
                    "font-size": _SMALL,
                    "fill": COLOURS["text"],
                },
                escape_text(label),
            )
        )
    axes.append(
        element(
            "line", {"x1": left, "x2": right, "y1": bottom, "y2": bottom, "stroke": COLOURS["axis"]}
        )
    )
    x_title = precision_label or (
        "Expected count" if result.options.kind == "standardised_ratio" else "Denominator"
    )
    axes.append(
        element(
            "text",
            {
                "x": (left + right) / 2,
                "y": bottom + 36,
                "text-anchor": "middle",
                "font-size": _SMALL,
                "fill": COLOURS["muted_text"],
            },
            escape_text(x_title),
        )
    )
    middle = (top + bottom) / 2
    axes.append(
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
            escape_text(axis_title(kind)),
        )
    )
    body.append(element("g", {"class": "axes"}, axes))

    grid = curve.get_column("precision").to_list()
    lines: list[str] = [
        element(
            "line",
            {
                "x1": left,
                "x2": right,
                "y1": sy(result.target),
                "y2": sy(result.target),
                "stroke": COLOURS["mean"],
                "stroke-width": "2",
                "class": "target",
            },
        )
    ]
    for index, name in enumerate(names):
        dash = None if index == len(names) - 1 else "6 4"
        for side in ("lower", "upper"):
            column = curve.get_column(f"{side}_{name}").to_list()
            d = "".join(
                f"{'L' if i else 'M'}{num(sx(p))} {num(sy(v))}"
                for i, (p, v) in enumerate(zip(grid, column, strict=True))
            )
            lines.append(
                element(
                    "path",
                    {
                        "d": d,
                        "fill": "none",
                        "stroke": COLOURS["limit"],
                        "stroke-width": "1.5",
                        "stroke-dasharray": dash,
                        "class": f"limit limit-{name} limit-{side}",
                    },
                )
            )
    body.append(element("g", {"class": "funnel", "clip-path": f"url(#{ident}-plot)"}, lines))

    outer = points.get_column(f"outside_{names[-1]}").to_list()
    sides = points.get_column("side").to_list()
    labels = points.get_column(label_column).to_list()
    markers: list[str] = []
    texts: list[str] = []
    order = sorted(range(points.height), key=lambda i: (outer[i], i))  # outliers drawn on top
    kinds_drawn: set[str] = set()
    for i in order:
        point_type = _point_kind(sides[i] if outer[i] else None, direction)
        kinds_drawn.add(point_type)
        x, y = sx(precision[i]), sy(values[i])
        markers.append(point_marker(point_type, x, y))
        if outer[i]:
            anchor_end = x > right - 80
            texts.append(
                element(
                    "text",
                    {
                        "x": x - 9 if anchor_end else x + 9,
                        "y": y + 4.5,
                        "text-anchor": "end" if anchor_end else "start",
                        "font-size": _SMALL,
                        "fill": COLOURS["text"],
                        "class": "outlier-label",
                    },
                    escape_text(str(labels[i])),
                )
            )
    body.append(element("g", {"class": "points"}, markers))
    body.append(element("g", {"class": "labels"}, texts))
    shown = [
        t
        for t in (
            "special_cause_improvement",
            "special_cause_concern",
            "special_cause_neutral_high",
            "special_cause_neutral_low",
        )
        if t in kinds_drawn
    ]
    body.append(_legend(result.options.limits, shown, height - 22))
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
            "class": "funnel-chart",
        },
        body,
    )


def _legend(levels: Sequence[float], point_types: Sequence[str], y: float) -> str:
    items: list[tuple[str, dict[str, str | float | None] | None, str | None]] = [
        ("Target", {"stroke": COLOURS["mean"], "stroke-width": "2"}, None)
    ]
    for index, level in enumerate(levels):
        items.append(
            (
                _level_label(level),
                {
                    "stroke": COLOURS["limit"],
                    "stroke-width": "1.5",
                    "stroke-dasharray": None if index == len(levels) - 1 else "6 4",
                },
                None,
            )
        )
    items.extend((LEGEND_LABELS[kind], None, kind) for kind in point_types)
    parts: list[str] = []
    x = 10.0
    for label, style, marker in items:
        if marker is not None:
            parts.append(point_marker(marker, x + 11, y, css=f"legend-marker legend-{marker}"))
        else:
            parts.append(
                element("line", {"x1": x, "x2": x + 22, "y1": y, "y2": y, **(style or {})})
            )
        parts.append(
            element(
                "text",
                {"x": x + 28, "y": y + 4.5, "font-size": _SMALL, "fill": COLOURS["text"]},
                escape_text(label),
            )
        )
        x += 28 + text_width(label, _SMALL) + 18
    return element("g", {"class": "legend"}, parts)
