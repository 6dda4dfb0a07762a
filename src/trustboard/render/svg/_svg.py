"""Small helpers for writing SVG by hand: number formatting, escaping, elements, colours.

Every number goes through :func:`num` (two decimals, trailing zeros dropped) so that the same
input always gives byte-identical output, whatever the platform's float printing.
"""

from __future__ import annotations

import base64
import math
import re
from collections.abc import Iterable, Mapping
from xml.sax.saxutils import escape, quoteattr

__all__ = [
    "COLOURS",
    "FONT_FAMILY",
    "element",
    "escape_text",
    "num",
    "safe_id",
    "svg_to_data_uri",
    "text_width",
]

#: Making Data Count colours (spc.md C.3, NHSRplotthedots' colours in §9), with darker
#: outlines where the MDC fill alone is under WCAG 2.2's 3:1 contrast for graphics on white
#: (#00b0f0 is 2.5:1, #a6a6a6 is 2.4:1).
COLOURS: Mapping[str, str] = {
    "common": "#8c8c8c",  # 3.4:1: MDC's #a6a6a6 darkened for contrast
    "common_outline": "#6e6e6e",
    "improvement": "#00b0f0",
    "improvement_outline": "#0072a3",  # 5.3:1
    "concern": "#e46c0a",
    "concern_outline": "#b35000",  # 5.2:1
    "neutral": "#490092",
    "neutral_outline": "#2e005c",
    "target": "#de1b1b",  # 4.9:1
    "trajectory": "#490092",
    "mean": "#3c3c3c",
    "limit": "#5f5f5f",
    "text": "#231f20",
    "muted_text": "#4d4d4d",  # 8.5:1
    "gridline": "#e8e8e8",
    "axis": "#6e6e6e",
    "background": "#ffffff",
}

#: Arial is the NHS identity's fallback typeface and is present in every PDF toolchain.
FONT_FAMILY = "Arial, Helvetica, sans-serif"

_ID_UNSAFE = re.compile(r"[^A-Za-z0-9_-]")


def num(value: float) -> str:
    """A number as SVG text: at most two decimals, no trailing zeros, never ``-0``."""
    if not math.isfinite(value):
        raise ValueError(f"cannot write a non-finite number into SVG: {value!r}")
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def escape_text(text: str) -> str:
    """Text escaped for an SVG/HTML text node."""
    return escape(text)


def safe_id(text: str) -> str:
    """``text`` made safe for an XML id (letters, digits, ``-`` and ``_``; starts with a letter)."""
    cleaned = _ID_UNSAFE.sub("-", text.strip()) or "chart"
    return cleaned if cleaned[0].isalpha() else f"c-{cleaned}"


def element(
    tag: str,
    attributes: Mapping[str, str | float | None] | None = None,
    children: str | Iterable[str] | None = None,
) -> str:
    """One element; attributes whose value is None are left out; floats go through :func:`num`."""
    parts = [tag]
    for key, value in (attributes or {}).items():
        if value is None:
            continue
        text = num(value) if isinstance(value, float) else str(value)
        parts.append(f"{key}={quoteattr(text)}")
    opening = " ".join(parts)
    if children is None:
        return f"<{opening}/>"
    body = children if isinstance(children, str) else "".join(children)
    return f"<{opening}>{body}</{tag}>"


_NARROW = frozenset("ijlt.,:;'|!() ")
_WIDE = frozenset("mwMW%@")


def text_width(text: str, size: float) -> float:
    """An estimate of the width of ``text`` in Arial at ``size`` (for layout, never exact)."""
    em = 0.0
    for char in text:
        if char in _NARROW:
            em += 0.3
        elif char in _WIDE:
            em += 0.85
        elif char.isupper() or char.isdigit():
            em += 0.64
        else:
            em += 0.53
    return em * size


def svg_to_data_uri(svg: str) -> str:
    """The SVG as a ``data:image/svg+xml;base64,...`` URI, for ``<img src=...>`` in a PDF.

    WeasyPrint carries a picture's alternative text into the PDF only from ``<img alt>``, so
    the board pack embeds charts this way.
    """
    encoded = base64.b64encode(svg.encode("utf-8")).decode("ascii")
    return f"data:image/svg+xml;base64,{encoded}"
