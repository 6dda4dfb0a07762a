"""What each printed page of a pack holds, read from WeasyPrint's layout: for checking pages.

A page that carries one to four lines spilled from the page before (the end of a list, the
last row of a table) is a page a reader turns for nothing; a heading with an image drawn over
it cannot be read.  :func:`lay_out` lays the pack's HTML out exactly as
:func:`~trustboard.render.pack.pdf.render_pdf` does and reports, page by page, how many lines
of text it holds, how many of them come before its first heading (the part carried over from
the page before) and which images overlap a heading.  :func:`spilled_pages` names the pages
whose carried-over part is only a few lines.

The page boxes are WeasyPrint's layout tree (``page._page_box``); the running header and
footer (page margin boxes) and a table's header row repeated on a continued page are not
counted as content.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from trustboard.errors import MissingExtraError
from trustboard.render.pack.pdf import _SCREEN_ONLY, _pack_only_fetcher

__all__ = [
    "SPILL_FILL",
    "SPILL_LINES",
    "PageLayout",
    "lay_out",
    "sparse_pages",
    "spilled_pages",
]

#: A page whose carried-over part has fewer lines than this has spilled (the defect seen was
#: one to four lines).
SPILL_LINES = 5
#: ... and whose content ends above this fraction of the page's height (the rest is empty).
SPILL_FILL = 0.5

_HEADINGS = frozenset({"h1", "h2", "h3", "h4"})


@dataclass(frozen=True, slots=True)
class PageLayout:
    """One printed page: its lines of text, the carried-over part, headings and overlaps."""

    number: int
    #: lines of text (or of pictures) on the page, not counting margins or repeated headers
    lines: int
    #: of those, the lines before the page's first heading: what the page before spilled
    lead_lines: int
    #: the text of each heading that starts on the page
    headings: tuple[str, ...]
    #: "image over heading" descriptions, one per image whose box overlaps a heading's
    overlaps: tuple[str, ...]
    #: the first words of the page's first line (to name the page in a failure)
    first_text: str
    #: how far down the page's content area its last line ends (0 to 1)
    fill: float = 1.0
    #: how far down the carried-over part ends (0 when nothing is carried over)
    lead_fill: float = 0.0


def _boxes() -> Any:
    from weasyprint.formatting_structure import boxes

    return boxes


def _walk(box: Any, boxes: Any, skip_thead: bool = True) -> Iterator[Any]:
    """The boxes under ``box`` in document order (a continued table's repeated header and
    page margin boxes left out)."""
    if type(box).__name__ == "AbsolutePlaceholder":
        # WeasyPrint keeps an absolutely positioned box inside a wrapper in the tree: read the box
        box = box._box
    yield box
    if not isinstance(box, boxes.ParentBox):
        return
    for child in box.children:
        if isinstance(child, boxes.MarginBox):
            continue
        if skip_thead and getattr(child, "element_tag", None) == "thead":
            continue
        if str(getattr(child, "element_tag", "")).endswith("::marker"):
            continue  # a list item's bullet is not a line of its own
        yield from _walk(child, boxes, skip_thead)


def _line_text(line: Any, boxes: Any) -> tuple[bool, str]:
    """Whether a line box holds text or a picture of its own (not one nested in an inline
    block, which has lines of its own), and its text."""
    words: list[str] = []
    shows = False
    stack = list(line.children)
    while stack:
        child = stack.pop(0)
        if isinstance(child, boxes.TextBox):
            if child.text.strip():
                shows = True
                words.append(child.text.strip())
        elif isinstance(child, boxes.InlineReplacedBox):
            shows = True
        elif isinstance(child, boxes.InlineBox):
            stack[:0] = list(child.children)
    return shows, " ".join(words)


def _text_of(box: Any, boxes: Any) -> str:
    return " ".join(
        b.text.strip() for b in _walk(box, boxes) if isinstance(b, boxes.TextBox) and b.text.strip()
    )


def _rect(box: Any) -> tuple[float, float, float, float]:
    x, y = box.border_box_x(), box.border_box_y()
    return x, y, x + box.border_width(), y + box.border_height()


def _overlap(a: tuple[float, float, float, float], b: tuple[float, float, float, float]) -> bool:
    # more than a pixel each way, so that boxes that only touch do not count
    return min(a[2], b[2]) - max(a[0], b[0]) > 1 and min(a[3], b[3]) - max(a[1], b[1]) > 1


def _page(number: int, page_box: Any, boxes: Any) -> PageLayout:
    lines = lead = 0
    seen_heading = False
    headings: list[str] = []
    heading_rects: list[tuple[str, tuple[float, float, float, float]]] = []
    images: list[tuple[str, tuple[float, float, float, float]]] = []
    first_text = ""
    bottom = top = lead_bottom = page_box.content_box_y()
    for box in _walk(page_box, boxes):
        tag = getattr(box, "element_tag", None)
        if isinstance(box, boxes.BlockBox) and tag in _HEADINGS:
            seen_heading = True
            text = _text_of(box, boxes)
            headings.append(text)
            heading_rects.append((text, _rect(box)))
        elif isinstance(box, boxes.ReplacedBox):
            if tag == "img":
                alt = str(box.element.get("alt") or "")[:60] if box.element is not None else ""
                images.append((alt, _rect(box)))
            if isinstance(box, boxes.BlockReplacedBox):
                # a picture on a line of its own (a chart) is content as a line of text is
                bottom = max(bottom, _rect(box)[3])
                lines += 1
                lead += not seen_heading
                if not seen_heading:
                    lead_bottom = bottom
        elif isinstance(box, boxes.LineBox):
            shows, text = _line_text(box, boxes)
            if shows:
                bottom = max(bottom, box.position_y + box.height)
                lines += 1
                lead += not seen_heading
                if not seen_heading:
                    lead_bottom = bottom
                first_text = first_text or text[:80]
    overlaps = tuple(
        f"image {alt!r} over heading {heading!r}"
        for alt, rect in images
        for heading, heading_rect in heading_rects
        if _overlap(rect, heading_rect)
    )
    height = page_box.height or 1.0
    return PageLayout(
        number,
        lines,
        lead,
        tuple(headings),
        overlaps,
        first_text,
        round((bottom - top) / height, 3),
        round((lead_bottom - top) / height, 3),
    )


def lay_out(html: str) -> list[PageLayout]:
    """Lay ``html`` (a pack from :func:`~trustboard.render.pack.render_html`) out as the PDF
    is, and describe each page.  Needs the ``pdf`` extra (WeasyPrint)."""
    try:
        from weasyprint import HTML
    except ImportError as missing:
        raise MissingExtraError("Laying out the board pack", "pdf", "weasyprint") from missing
    document = HTML(string=_SCREEN_ONLY.sub("", html), url_fetcher=_pack_only_fetcher()).render()
    boxes = _boxes()
    return [
        _page(number, page._page_box, boxes) for number, page in enumerate(document.pages, start=1)
    ]


def sparse_pages(
    pages: Sequence[PageLayout], fewest: int = SPILL_LINES, emptiest: float = SPILL_FILL
) -> list[PageLayout]:
    """The pages, other than the last, that hold fewer than ``fewest`` lines in all and are
    mostly empty: a short part (a heading and a line) left alone before a page break."""
    return [p for p in pages[:-1] if p.lines < fewest and p.fill < emptiest]


def spilled_pages(
    pages: Sequence[PageLayout], fewest: int = SPILL_LINES, emptiest: float = SPILL_FILL
) -> list[PageLayout]:
    """The pages, other than the first and the last, that carry fewer than ``fewest`` lines
    over from the page before and are otherwise mostly empty (their content ends in the top
    ``emptiest`` of the page): the end of a list or section that did not fit, left on a page
    of its own or above a short part.  A page that goes on with more content after a couple
    of carried-over lines is ordinary pagination and is not named.  (A few rows of a table
    carried over hold more lines than that, one per cell: :attr:`PageLayout.lead_fill` says
    how much of the page they take.)"""
    return [p for p in pages[1:-1] if 0 < p.lead_lines < fewest and p.fill < emptiest]
