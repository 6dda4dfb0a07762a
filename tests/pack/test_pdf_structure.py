"""Every image in the tagged PDF has alternative text: read from the PDF's structure tree."""

from __future__ import annotations

import re

import pytest

from trustboard.render.pack import render_html
from trustboard.render.pack.pdf import _SCREEN_ONLY, PDF_VARIANT

from .builders import small_model

#: One indirect object of the PDF, as written without compression.
_OBJECT = re.compile(rb"\n(\d+) 0 obj\n(.*?)\nendobj", re.S)


def _figures(pdf: bytes) -> list[bytes]:
    """The structure elements of type Figure (what a screen reader announces as an image)."""
    return [body for _n, body in _OBJECT.findall(pdf) if re.search(rb"/S\s*/Figure\b", body)]


def test_every_figure_in_the_tagged_pdf_has_alternative_text() -> None:
    weasyprint = pytest.importorskip("weasyprint")
    html = render_html(small_model())
    pdf = weasyprint.HTML(string=_SCREEN_ONLY.sub("", html)).write_pdf(
        pdf_variant=PDF_VARIANT, uncompressed_pdf=True
    )
    assert b"/StructTreeRoot" in pdf
    figures = _figures(pdf)
    # the chart, two icons beside it and in the summary table, the sparkline, the matrix's
    # eight heading icons: far more than a handful
    assert len(figures) >= 10
    missing = [f[:200] for f in figures if not re.search(rb"/Alt\s*[(<]", f)]
    assert missing == []
    # an empty alternative text is as bad as none
    assert not [f for f in figures if re.search(rb"/Alt\s*\(\)", f)]
