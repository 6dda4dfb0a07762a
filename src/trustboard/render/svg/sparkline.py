"""A sparkline for summary tables: the last 24 points, the mean, the latest point by type."""

from __future__ import annotations

import polars as pl

from trustboard.errors import OptionsError
from trustboard.render.svg._series import finite, read_series
from trustboard.render.svg._svg import COLOURS, element, escape_text, num
from trustboard.render.svg.markers import point_marker

__all__ = ["SPARKLINE_POINTS", "sparkline_svg"]

#: how many of the latest points a sparkline shows (two years of monthly data)
SPARKLINE_POINTS = 24


def sparkline_svg(
    points: pl.DataFrame,
    *,
    width: float = 120.0,
    height: float = 30.0,
    title: str | None = None,
    last: int = SPARKLINE_POINTS,
) -> str:
    """A small SVG of the last ``last`` points of one SPC series.

    The grey line shows the values, the dark line the mean, and the latest point is drawn
    with its point type's colour and shape.  Without ``title`` the sparkline is hidden from
    screen readers (``aria-hidden``): the table row it sits in carries the words.
    """
    if last < 2:
        raise OptionsError(f"a sparkline needs at least 2 points, not {last}")
    series = read_series(points, chart="sparkline")
    start = max(len(series) - last, 0)
    values = series.values[start:]
    means = series.mean[start:]
    kinds = series.point_type[start:]
    present = [*finite(values), *finite(means)]
    low, high = (min(present), max(present)) if present else (0.0, 1.0)
    if high == low:
        low, high = low - 1, high + 1
    pad = 5.0

    def x(index: int) -> float:
        if len(values) == 1:
            return width / 2
        return pad + index * (width - 2 * pad) / (len(values) - 1)

    def y(value: float) -> float:
        return height - pad - (value - low) / (high - low) * (height - 2 * pad)

    def path(column: tuple[float | None, ...]) -> str:
        parts: list[str] = []
        down = False
        for index, value in enumerate(column):
            if value is None:
                down = False
                continue
            parts.append(f"{'L' if down else 'M'}{num(x(index))} {num(y(value))}")
            down = True
        return "".join(parts)

    body: list[str] = []
    if title is not None:
        body.append(element("title", None, escape_text(title)))
    if any(m is not None for m in means):
        body.append(
            element(
                "path",
                {
                    "d": path(means),
                    "fill": "none",
                    "stroke": COLOURS["mean"],
                    "stroke-width": "1",
                    "class": "mean",
                },
            )
        )
    body.append(
        element(
            "path",
            {
                "d": path(values),
                "fill": "none",
                "stroke": COLOURS["common"],
                "stroke-width": "1.5",
                "stroke-linejoin": "round",
                "class": "series",
            },
        )
    )
    latest = next((i for i in range(len(values) - 1, -1, -1) if values[i] is not None), None)
    if latest is not None:
        value = values[latest]
        assert value is not None
        body.append(point_marker(kinds[latest], x(latest), y(value), scale=0.75))
    attributes: dict[str, str | float | None] = {
        "xmlns": "http://www.w3.org/2000/svg",
        "width": float(width),
        "height": float(height),
        "viewBox": f"0 0 {num(width)} {num(height)}",
        "class": "sparkline",
    }
    if title is None:
        attributes["aria-hidden"] = "true"
    else:
        attributes["role"] = "img"
    return element("svg", attributes, body)
