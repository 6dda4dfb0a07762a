"""Point markers: colour AND shape say what a point means (WCAG 2.2: colour is never alone).

common cause: small grey circle; improvement: blue circle with a dark outline; concern: orange
diamond; neutral high / low: purple triangle pointing up / down.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from trustboard.render.svg._svg import COLOURS, element, num

__all__ = ["LEGEND_LABELS", "point_marker"]

#: Legend wording for each line and point kind.
LEGEND_LABELS: Mapping[str, str] = MappingProxyType(
    {
        "mean": "Mean",
        "limits": "Process limits",
        "target": "Target",
        "trajectory": "Trajectory",
        "common_cause": "Common cause",
        "special_cause_improvement": "Improvement",
        "special_cause_concern": "Concern",
        "special_cause_neutral_high": "Unusually high",
        "special_cause_neutral_low": "Unusually low",
    }
)


def _polygon(points: list[tuple[float, float]], **style: str) -> str:
    text = " ".join(f"{num(x)},{num(y)}" for x, y in points)
    return element("polygon", {"points": text, **style})


def point_marker(
    point_type: str, x: float, y: float, *, scale: float = 1.0, css: str | None = None
) -> str:
    """The marker for one point of the given ``point_type`` centred on (x, y).

    ``css`` is the class attribute (default ``point point-<point_type>``).
    """
    css = css or f"point point-{point_type}"
    if point_type == "special_cause_improvement":
        return element(
            "circle",
            {
                "cx": x,
                "cy": y,
                "r": 5.5 * scale,
                "fill": COLOURS["improvement"],
                "stroke": COLOURS["improvement_outline"],
                "stroke-width": "1.5",
                "class": css,
            },
        )
    if point_type == "special_cause_concern":
        d = 7.0 * scale
        return _polygon(
            [(x, y - d), (x + d, y), (x, y + d), (x - d, y)],
            fill=COLOURS["concern"],
            stroke=COLOURS["concern_outline"],
            **{"stroke-width": "1.5", "class": css},
        )
    if point_type in ("special_cause_neutral_high", "special_cause_neutral_low"):
        d = 6.5 * scale
        up = point_type.endswith("high")
        tip = y - d if up else y + d
        base = y + d * 0.75 if up else y - d * 0.75
        return _polygon(
            [(x, tip), (x + d, base), (x - d, base)],
            fill=COLOURS["neutral"],
            stroke=COLOURS["neutral_outline"],
            **{"stroke-width": "1", "class": css},
        )
    return element(
        "circle", {"cx": x, "cy": y, "r": 3.5 * scale, "fill": COLOURS["common"], "class": css}
    )
