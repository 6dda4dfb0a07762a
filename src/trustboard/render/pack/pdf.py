"""The pack's HTML as a tagged PDF (WeasyPrint, A4 landscape, PDF/UA-1).

The PDF is made from the very HTML a browser shows: page size, footer (paper title and
"Page N of M") and page breaks come from the stylesheet's print rules, bookmarks from the
headings (levels 1 to 3), and each chart's ``alt`` text becomes the figure's alternate text
in the tagged PDF.
"""

from __future__ import annotations

import re
from typing import Any

from trustboard.errors import MissingExtraError

__all__ = ["PDF_VARIANT", "anchor_pages", "render_pdf"]

#: Tagged PDF with document language, structure and figure alt text (WeasyPrint ≥ 62).
PDF_VARIANT = "pdf/ua-1"

# The charts' data tables are for screen readers and keyboard users of the HTML; the print
# stylesheet hides them (the PDF carries each chart's alt text instead).  Taking them out
# before layout gives the same pages and saves WeasyPrint styling thousands of hidden cells.
_SCREEN_ONLY = re.compile(r'<details class="data-table">.*?</details>', re.S)


def _pack_only_fetcher() -> Any:
    """A WeasyPrint URL fetcher that fetches nothing outside the pack: the pack's resources
    are inline (CSS, SVG, ``data:`` images), so any other URL (a file, a web address, a
    ``<link rel=attachment>``) is refused and left out."""
    try:
        from weasyprint.urls import URLFetcher
    except ImportError:  # older WeasyPrint versions take a plain function
        from weasyprint import default_url_fetcher

        def fetch(url: str, *args: Any, **kwargs: Any) -> Any:
            if not url.lower().startswith("data:"):
                raise ValueError(f"the pack fetches nothing outside itself: {url[:80]}")
            return default_url_fetcher(url, *args, **kwargs)

        return fetch
    return URLFetcher(allowed_protocols={"data"})


def render_pdf(html: str, *, base_url: str | None = None) -> bytes:
    """Render ``html`` (a document from :func:`render_html`) to PDF bytes.

    Raises :class:`~trustboard.errors.MissingExtraError` when WeasyPrint is not installed.
    """
    try:
        from weasyprint import HTML
    except ImportError as missing:  # the pdf extra is optional
        raise MissingExtraError("Writing the board pack as PDF", "pdf", "weasyprint") from missing
    document = HTML(
        string=_SCREEN_ONLY.sub("", html), base_url=base_url, url_fetcher=_pack_only_fetcher()
    )
    result = document.write_pdf(pdf_variant=PDF_VARIANT, uncompressed_pdf=False)
    assert result is not None
    return bytes(result)


def anchor_pages(html: str) -> dict[str, int]:
    """The PDF page (from 1) on which each element with an ``id`` starts, by laying the
    document out as :func:`render_pdf` would (findings and indexes cite these pages)."""
    try:
        from weasyprint import HTML
    except ImportError as missing:
        raise MissingExtraError(
            "Numbering the board pack's pages", "pdf", "weasyprint"
        ) from missing
    document = HTML(string=_SCREEN_ONLY.sub("", html), url_fetcher=_pack_only_fetcher()).render()
    pages: dict[str, int] = {}
    for number, page in enumerate(document.pages, start=1):
        for anchor in page.anchors:
            pages.setdefault(anchor, number)
    return pages
