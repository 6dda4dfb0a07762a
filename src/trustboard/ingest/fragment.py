"""An HTML fragment given to a pack (``--baf FILE``), cleaned before it reaches any renderer.

A fragment is input like any other file: it may have been edited by anyone.  It is cleaned
against an allow-list of the structure a BAF summary uses (tables, lists, headings, the
heat map as inline SVG or a ``data:`` image) with nh3: scripts, event handlers, ``style``
attributes, frames, objects, ``<link>`` (WeasyPrint embeds ``<link rel=attachment>`` targets
in the PDF) and every URL other than a link within the pack or a ``data:`` image are removed.
A ``<style>`` block is kept only when it can fetch nothing (no ``url(``, ``@import`` or CSS
escapes).
"""

from __future__ import annotations

import re
from functools import cache

import nh3

__all__ = ["FRAGMENT_TAGS", "sanitise_fragment"]

_HTML_TAGS = {
    "a", "abbr", "br", "caption", "code", "col", "colgroup", "dd", "div", "dl", "dt", "em",
    "figcaption", "figure", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "img", "li", "ol", "p",
    "section", "small", "span", "strong", "sub", "sup", "table", "tbody", "td", "tfoot", "th",
    "thead", "tr", "ul",
}  # fmt: skip
_SVG_TAGS = {
    "circle", "defs", "desc", "ellipse", "g", "line", "marker", "path", "polygon", "polyline",
    "rect", "svg", "text", "title", "tspan",
}  # fmt: skip
#: Every tag a fragment may keep.
FRAGMENT_TAGS: frozenset[str] = frozenset(_HTML_TAGS | _SVG_TAGS)

_GENERIC = {
    "aria-describedby", "aria-hidden", "aria-label", "aria-labelledby", "class", "id", "lang",
    "role", "title",
}  # fmt: skip
_SVG_ATTRIBUTES = {
    "cx", "cy", "d", "dominant-baseline", "dx", "dy", "fill", "fill-opacity", "font-size",
    "font-weight", "height", "marker-end", "markerHeight", "markerWidth", "opacity", "orient",
    "points", "preserveAspectRatio", "r", "refX", "refY", "rx", "ry", "stroke",
    "stroke-dasharray", "stroke-width", "text-anchor", "transform", "viewBox", "width", "x",
    "x1", "x2", "xmlns", "y", "y1", "y2",
}  # fmt: skip
_ATTRIBUTES: dict[str, set[str]] = {
    "*": _GENERIC,
    "a": {"href"},
    "img": {"src", "alt", "width", "height"},
    "td": {"colspan", "rowspan", "headers"},
    "th": {"colspan", "rowspan", "scope", "headers"},
    "col": {"span"},
    "ol": {"start"},
    **{tag: set(_SVG_ATTRIBUTES) for tag in _SVG_TAGS},
}

_STYLE = re.compile(r"<style\b[^>]*>(.*?)</style\s*>", re.S | re.I)
_FETCHING_CSS = re.compile(r"url\s*\(|@import|expression\s*\(|\\|image-set|src\s*:", re.I)
#: a link within the pack, or a data: image; nothing else survives
_SAFE_URL = re.compile(r"^(#[\w\-.:]*|data:image/(png|svg\+xml|jpeg|gif)[;,].*)$", re.S | re.I)


@cache
def _cleaner() -> nh3.Cleaner:
    return nh3.Cleaner(
        tags=set(FRAGMENT_TAGS),
        attributes={tag: set(names) for tag, names in _ATTRIBUTES.items()},
        attribute_filter=_keep_attribute,
        url_schemes={"data"},
        link_rel=None,
        strip_comments=True,
    )


def _keep_attribute(tag: str, name: str, value: str) -> str | None:
    if name in ("href", "src") and not _SAFE_URL.match(value.strip()):
        return None
    return value


def sanitise_fragment(html: str) -> str:
    """``html`` with everything outside the allow-list removed (see the module's notes)."""
    styles = [block for block in _STYLE.findall(html) if not _FETCHING_CSS.search(block)]
    body = _cleaner().clean(_STYLE.sub("", html)).strip()
    kept = "".join(f"<style>\n{block.strip()}\n</style>\n" for block in styles)
    return kept + body + "\n"
