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

A board paper's body is rendered in **paper mode** (:func:`paper_html`), the same two layers
with a wider allow-list: headings (a ``#`` heading is the paper's level-2 heading, below its
title, and gets an ``id`` for the outline and links), tables, footnotes and figures.  A figure
is shown only when the caller has read it from the paper's own folder and passes it in
``figures`` (its path as written, to a ``data:`` URI); any other image is its alternative
text.  Commentary's rules are unchanged by paper mode.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
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
    "PAPER_ATTRIBUTES",
    "PAPER_TAGS",
    "markdown_html",
    "markdown_inline",
    "markdown_text",
    "paper_figures",
    "paper_headings",
    "paper_html",
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


#: The HTML a paper's body may hold: commentary's, with headings, tables, figures, footnotes.
PAPER_TAGS: frozenset[str] = ALLOWED_TAGS | frozenset(
    {"h2", "h3", "h4", "h5", "h6", "img", "section", "sup", "table", "tbody", "td", "th"}
    | {"thead", "tr"}
)

#: Attributes kept per tag in a paper: ids for headings and footnotes (the outline and the
#: footnote links), a figure's source and alternative text, the footnotes' classes.
PAPER_ATTRIBUTES: dict[str, set[str]] = {
    **ALLOWED_ATTRIBUTES,
    "a": {"href", "title", "id", "class"},
    **{f"h{level}": {"id"} for level in range(2, 7)},
    "img": {"src", "alt"},
    "li": {"id", "class"},
    "ol": {"start", "class"},
    "section": {"class"},
    "sup": {"class"},
    "hr": {"class"},
}

# a figure's place in the sanitised HTML until the caller's data URI takes it (the sanitiser
# never sees a data: URI, and an author can never write one)
_FIGURE_MARK = "#tb-figure-"


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


def _slug(text: str) -> str:
    words = re.findall(r"[a-z0-9]+", text.lower())
    return "-".join(words)[:60] or "section"


def _paper_rules(state: Any) -> None:
    """Headings one level down, each with an id; links that commentary would refuse (a
    relative path) turned back into their text (paper mode lets relative paths through the
    parser for figures only)."""
    seen: dict[str, int] = {}
    tokens = state.tokens
    for index, token in enumerate(tokens):
        if token.type in ("heading_open", "heading_close"):
            token.tag = f"h{min(int(token.tag[1]) + 1, 6)}"
            if token.type == "heading_open":
                inline = tokens[index + 1]
                slug = _slug(inline.content)
                seen[slug] = seen.get(slug, 0) + 1
                token.attrSet("id", slug if seen[slug] == 1 else f"{slug}-{seen[slug]}")
        if token.type != "inline":
            continue
        refused: list[bool] = []
        for child in token.children or []:
            if child.type == "link_open":
                bad = not _is_allowed_link(str(child.attrGet("href") or ""))
                refused.append(bad)
                if bad:
                    child.type, child.tag, child.attrs = "text", "", {}
            elif child.type == "link_close" and refused and refused.pop():
                child.type, child.tag = "text", ""


def _figure_mark(self: Any, tokens: Sequence[Token], idx: int, options: Any, env: Any) -> str:
    token = tokens[idx]
    alt = escapeHtml(self.renderInlineAsText(token.children or [], options, env))
    source = str(token.attrGet("src") or "")
    figures: list[str] = env.setdefault("figures", [])
    if source not in env.get("known", ()):
        return alt
    figures.append(source)
    return f'<img src="{_FIGURE_MARK}{len(figures) - 1}" alt="{alt}">'


@cache
def _paper_parser() -> MarkdownIt:
    from mdit_py_plugins.footnote import footnote_plugin

    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    md.enable("table").use(footnote_plugin)
    md.disable(["html_block", "html_inline"])
    md.validateLink = _is_paper_link  # type: ignore[method-assign]
    md.core.ruler.push("paper_rules", _paper_rules)
    md.add_render_rule("image", _figure_mark)
    return md


def _is_paper_link(url: str) -> bool:
    # a relative path without a scheme is let through for figures (and links to it are
    # turned back to text by the paper rules); every other scheme as for commentary
    colon = ":" in url
    return _is_allowed_link(url) or (not colon and not url.strip().startswith("//"))


def paper_figures(text: str) -> list[tuple[str, str]]:
    """Every figure of a paper's Markdown as (source as written, alternative text), in order
    (for the caller to check and read before :func:`paper_html`)."""
    md = _paper_parser()
    renderer = RendererHTML(md)
    out: list[tuple[str, str]] = []
    for token in md.parse(text):
        for child in token.children or []:
            if child.type == "image":
                alt = renderer.renderInlineAsText(child.children or [], md.options, {})
                out.append((str(child.attrGet("src") or ""), alt.strip()))
    return out


def paper_headings(text: str) -> list[tuple[int, str]]:
    """The headings of a paper's Markdown as (HTML level, text), in order."""
    md = _paper_parser()
    tokens = md.parse(text)
    return [
        (int(token.tag[1]), tokens[index + 1].content)
        for index, token in enumerate(tokens)
        if token.type == "heading_open"
    ]


def paper_html(
    text: str, *, figures: Mapping[str, str] | None = None, id_prefix: str = ""
) -> Markup:
    """A paper's body (Markdown) as sanitised HTML, in paper mode (see the module).

    ``figures`` maps a figure's source as written to the ``data:`` URI the caller read from
    the paper's folder; a figure not in it is shown as its alternative text.  ``id_prefix``
    is put before every id and in-paper link, so that papers can share one document.
    """
    if not text.strip():
        return Markup("")
    known = dict(figures or {})
    env: dict[str, Any] = {"known": known}
    html = _paper_parser().render(text, env)
    cleaned = _clean(html, PAPER_TAGS, PAPER_ATTRIBUTES)
    if id_prefix:
        cleaned = re.sub(r'\b(id|href)="(#?)', lambda m: _prefixed(m, id_prefix), cleaned)
    used: list[str] = env.get("figures", [])

    def figure(match: re.Match[str]) -> str:
        return f'src="{escapeHtml(known[used[int(match.group(1))]])}"'

    return Markup(re.sub(r'src="' + re.escape(_FIGURE_MARK) + r'(\d+)"', figure, cleaned))


def _prefixed(match: re.Match[str], prefix: str) -> str:
    attribute, hash_ = match.group(1), match.group(2)
    if attribute == "href" and not hash_:
        return match.group(0)  # a link out of the paper keeps its address
    return f'{attribute}="{hash_}{prefix}'


def _clean(html: str, tags: frozenset[str], attributes: Mapping[str, set[str]]) -> str:
    """The second layer: ``html`` cleaned against an allow-list of tags and attributes, with
    the link schemes every mode shares."""
    return nh3.clean(
        html,
        tags=set(tags),
        attributes={tag: set(names) for tag, names in attributes.items()},
        url_schemes=set(LINK_SCHEMES),
        link_rel="noopener noreferrer",
        strip_comments=True,
    ).strip()


def sanitise_html(html: str) -> Markup:
    """``html`` cleaned against the allow-list (the second layer, usable on its own)."""
    return Markup(_clean(html, ALLOWED_TAGS, ALLOWED_ATTRIBUTES))


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
