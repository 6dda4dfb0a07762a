"""Commentary as Markdown, through one sanitising renderer (packs, papers and the web app).

Authors write commentary in Markdown (paragraphs, lists, emphasis, links).  Two layers keep the
result safe whatever is typed:

1. markdown-it-py parses CommonMark with **raw HTML off**, so ``<script>`` or ``<b onclick>``
   typed by an author is shown as text, never as markup; its link check already refuses
   ``javascript:``, ``vbscript:``, ``file:`` and ``data:`` links.
2. nh3 (the ammonia sanitiser) then cleans the HTML against an allow-list of tags and
   attributes and of link schemes (``http``, ``https``, ``mailto`` and links within the pack),
   so a mistake in the first layer cannot reach a reader.

Headings are not parsed (a ``#`` line stays text): the pack's heading order is part of its
accessibility, and commentary sits under a heading of its own.  Images are shown as their
alternative text, never fetched: a pack must not load anything from elsewhere, and a remote
image would tell its owner who read the pack and when.  Output is deterministic.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from typing import Any

import nh3
from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml
from markdown_it.renderer import RendererHTML
from markdown_it.token import Token
from markupsafe import Markup

__all__ = [
    "ALLOWED_ATTRIBUTES",
    "ALLOWED_TAGS",
    "LINK_SCHEMES",
    "markdown_html",
    "markdown_inline",
    "markdown_text",
    "sanitise_html",
]

#: The HTML the renderer may produce: block and inline text structure, nothing else.
ALLOWED_TAGS: frozenset[str] = frozenset(
    {"a", "blockquote", "br", "code", "em", "hr", "li", "ol", "p", "pre", "strong", "ul"}
)

#: Attributes kept per tag; every other attribute (``on*`` handlers, ``style``) is dropped.
ALLOWED_ATTRIBUTES: dict[str, set[str]] = {"a": {"href", "title"}, "ol": {"start"}}

#: Link schemes kept; a link with any other scheme loses its ``href``.
LINK_SCHEMES: frozenset[str] = frozenset({"http", "https", "mailto"})


def _image_as_text(self: Any, tokens: Sequence[Token], idx: int, options: Any, env: Any) -> str:
    # the alternative text says what the author meant to show, without fetching anything
    children = tokens[idx].children or []
    return escapeHtml(self.renderInlineAsText(children, options, env))


def _is_allowed_link(url: str) -> bool:
    # only absolute links of the allowed schemes, and links within the document: a relative
    # link means nothing in a pack that is one file, and it is how odd schemes hide
    scheme, colon, _ = url.strip().partition(":")
    if url.startswith("#"):
        return True
    return bool(colon) and scheme.lower() in LINK_SCHEMES


@cache
def _parser() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    md.validateLink = _is_allowed_link  # type: ignore[method-assign]
    md.disable(["heading", "lheading", "html_block", "html_inline"])
    md.add_render_rule("image", _image_as_text)
    return md


def sanitise_html(html: str) -> Markup:
    """``html`` cleaned against the allow-list (the second layer, usable on its own)."""
    cleaned = nh3.clean(
        html,
        tags=set(ALLOWED_TAGS),
        attributes={tag: set(names) for tag, names in ALLOWED_ATTRIBUTES.items()},
        url_schemes=set(LINK_SCHEMES),
        link_rel="noopener noreferrer",
        strip_comments=True,
    )
    return Markup(cleaned.strip())


def markdown_html(text: str | None) -> Markup:
    """``text`` (Markdown) as sanitised block HTML: paragraphs, lists, emphasis, links.

    ``None`` and blank text give an empty string.
    """
    if text is None or not text.strip():
        return Markup("")
    return sanitise_html(_parser().render(text))


def markdown_inline(text: str | None) -> Markup:
    """``text`` (Markdown) as sanitised inline HTML, for a table cell or a sentence.

    Emphasis, code and links are rendered; block structure (paragraphs, lists) is not.
    """
    if text is None or not text.strip():
        return Markup("")
    return sanitise_html(_parser().renderInline(text))


def markdown_text(text: str | None) -> str:
    """The words a reader sees of ``text`` (Markdown), without markup, blocks on separate lines.

    For checks that compare what the narrative says with the data: ``**9 months** since
    July`` reads as ``9 months since July``, as it does on the page.
    """
    if text is None or not text.strip():
        return ""
    md = _parser()
    renderer = RendererHTML(md)
    lines = [
        renderer.renderInlineAsText(token.children or [], md.options, {})
        for token in md.parse(text)
        if token.type == "inline"
    ]
    return "\n".join(line for line in lines if line)
