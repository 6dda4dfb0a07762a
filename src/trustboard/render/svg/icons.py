"""The Making Data Count summary icons, drawn from their published description (spc.md C.3).

Variation icons say what the latest point shows; assurance icons say whether the process, as
it is, will meet the target.  Each icon carries a letter or an arrow as well as its colour (H,
L, P, F, ?, up or down arrow), so that colour is never the only signal, and a ``<title>``
with its meaning.  Icon names equal the SPC engine's ``variation_icon`` and
``assurance_icon`` values.  These are trustboard's own drawings, not the official assets.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from types import MappingProxyType

from trustboard.errors import OptionsError
from trustboard.render.svg._svg import COLOURS, FONT_FAMILY, element, escape_text

__all__ = [
    "ASSURANCE_ICONS",
    "ICON_MEANINGS",
    "VARIATION_ICONS",
    "icon_svg",
]

VARIATION_ICONS: tuple[str, ...] = (
    "common_cause",
    "improvement_high",
    "improvement_low",
    "concern_high",
    "concern_low",
    "neutral_high",
    "neutral_low",
)
ASSURANCE_ICONS: tuple[str, ...] = ("pass", "fail", "inconsistent")

#: The meaning of each icon in Making Data Count's words (spc.md C.3).
ICON_MEANINGS: Mapping[str, str] = MappingProxyType(
    {
        "common_cause": "Common cause variation — no significant change",
        "improvement_high": "Special cause improving variation — high values",
        "improvement_low": "Special cause improving variation — low values",
        "concern_high": "Special cause concerning variation — high values",
        "concern_low": "Special cause concerning variation — low values",
        "neutral_high": "Special cause variation — high values, where neither direction is better",
        "neutral_low": "Special cause variation — low values, where neither direction is better",
        "pass": "Assurance: the process limits are on the passing side of the target — "
        "the target will be consistently met",
        "fail": "Assurance: the process limits are on the failing side of the target — "
        "the target will consistently be missed without change",
        "inconsistent": "Assurance: the target lies between the process limits — "
        "it will be hit and missed by random variation",
        "empty": "No icon: no target, or not enough data to judge",
    }
)

# (ring colour, mark colour, mark) per icon; marks are a letter, "up", "down" or None.  The
# ring keeps the MDC colour; the mark uses the darker shade so it reaches 4.5:1 on white.
_STYLE: Mapping[str, tuple[str, str, str | None]] = {
    "common_cause": (COLOURS["common"], COLOURS["common_outline"], None),
    "improvement_high": (COLOURS["improvement"], COLOURS["improvement_outline"], "H"),
    "improvement_low": (COLOURS["improvement"], COLOURS["improvement_outline"], "L"),
    "concern_high": (COLOURS["concern"], COLOURS["concern_outline"], "H"),
    "concern_low": (COLOURS["concern"], COLOURS["concern_outline"], "L"),
    "neutral_high": (COLOURS["neutral"], COLOURS["neutral"], "up"),
    "neutral_low": (COLOURS["neutral"], COLOURS["neutral"], "down"),
    "pass": (COLOURS["improvement"], COLOURS["improvement_outline"], "P"),
    "fail": (COLOURS["concern"], COLOURS["concern_outline"], "F"),
    "inconsistent": (COLOURS["common"], COLOURS["common_outline"], "?"),
}

_DOT_X = (26.0, 34.0, 42.0, 50.0, 58.0, 66.0, 74.0)
# heights of the seven little points, in a 100-unit box: a flat process, or one whose last
# three points break high or low
_FLAT = (66.0, 71.0, 64.0, 70.0, 65.0, 71.0, 67.0)
_HIGH = (72.0, 76.0, 70.0, 75.0, 60.0, 57.0, 55.0)
_LOW = (60.0, 64.0, 58.0, 62.0, 71.0, 73.0, 75.0)


def _dots(heights: Sequence[float], colour_last: str | None) -> str:
    line = " ".join(f"{x:g},{y:g}" for x, y in zip(_DOT_X, heights, strict=True))
    parts = [
        element(
            "polyline",
            {"points": line, "fill": "none", "stroke": COLOURS["common"], "stroke-width": "2"},
        )
    ]
    for index, (x, y) in enumerate(zip(_DOT_X, heights, strict=True)):
        special = colour_last is not None and index >= 4
        parts.append(
            element(
                "circle",
                {
                    "cx": x,
                    "cy": y,
                    "r": "4" if special else "3.2",
                    "fill": colour_last if special else COLOURS["common"],
                },
            )
        )
    return "".join(parts)


def _mark(mark: str | None, colour: str) -> str:
    if mark is None:
        return ""
    if mark in ("up", "down"):
        tip, base, barb = (22.0, 50.0, 34.0) if mark == "up" else (50.0, 22.0, 38.0)
        return element(
            "path",
            {
                "d": f"M50 {base:g}V{tip:g}M40 {barb:g}L50 {tip:g}L60 {barb:g}",
                "fill": "none",
                "stroke": colour,
                "stroke-width": "6",
                "stroke-linecap": "round",
                "stroke-linejoin": "round",
            },
        )
    return element(
        "text",
        {
            "x": "50",
            "y": "47",
            "text-anchor": "middle",
            "font-family": FONT_FAMILY,
            "font-size": "32",
            "font-weight": "bold",
            "fill": colour,
        },
        escape_text(mark),
    )


def _body(name: str) -> str:
    if name == "empty":
        return element(
            "circle",
            {
                "cx": "50",
                "cy": "50",
                "r": "44",
                "fill": COLOURS["background"],
                "stroke": COLOURS["common"],
                "stroke-width": "5",
                "stroke-dasharray": "9 7",
            },
        )
    ring, mark_colour, mark = _STYLE[name]
    parts = [
        element(
            "circle",
            {
                "cx": "50",
                "cy": "50",
                "r": "44",
                "fill": COLOURS["background"],
                "stroke": ring,
                "stroke-width": "7",
            },
        )
    ]
    if name in ASSURANCE_ICONS:
        # the target line: below the process (pass), above it (fail) or through it (?)
        target_y = {"pass": 80.0, "fail": 55.0, "inconsistent": 68.0}[name]
        parts.append(_dots(_FLAT, None))
        parts.append(
            element(
                "line",
                {
                    "x1": "24",
                    "x2": "76",
                    "y1": target_y,
                    "y2": target_y,
                    "stroke": COLOURS["target"],
                    "stroke-width": "3",
                    "stroke-dasharray": "6 4",
                },
            )
        )
    elif name in ("improvement_high", "concern_high", "neutral_high"):
        parts.append(_dots(_HIGH, ring))
    elif name in ("improvement_low", "concern_low", "neutral_low"):
        parts.append(_dots(_LOW, ring))
    else:
        parts.append(_dots(_FLAT, None))
    parts.append(_mark(mark, mark_colour))
    return "".join(parts)


def icon_svg(
    name: str, size: float = 40.0, *, x: float | None = None, y: float | None = None
) -> str:
    """One icon as SVG, ``size`` units square, with a ``<title>`` giving its meaning.

    ``name`` is a variation icon (``common_cause``, ``improvement_high`` ...), an assurance
    icon (``pass``, ``fail``, ``inconsistent``) or ``empty``.  Without ``x``/``y`` the result is
    a standalone SVG document; with them it is an element to place inside a chart.
    """
    if name not in ICON_MEANINGS:
        known = ", ".join(ICON_MEANINGS)
        raise OptionsError(f"unknown icon {name!r}; icons are {known}")
    nested = x is not None or y is not None
    attributes: dict[str, str | float | None] = {
        "xmlns": None if nested else "http://www.w3.org/2000/svg",
        "x": None if x is None else float(x),
        "y": None if y is None else float(y),
        "width": float(size),
        "height": float(size),
        "viewBox": "0 0 100 100",
        "role": "img",
        "aria-label": ICON_MEANINGS[name],
        "class": f"icon icon-{name}",
    }
    return element(
        "svg", attributes, element("title", None, escape_text(ICON_MEANINGS[name])) + _body(name)
    )
