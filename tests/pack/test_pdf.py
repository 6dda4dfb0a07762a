"""The PDF: A4 landscape, tagged (PDF/UA-1), bookmarks from headings, chart alt text inside."""

from __future__ import annotations

import re
import sys
import zlib

import pytest

from hashseeds import render_in_processes
from trustboard.errors import MissingExtraError
from trustboard.render.pack import render_html, render_pdf

from .builders import small_model

pytest.importorskip("weasyprint", reason="the pdf extra (weasyprint) is not installed")


def _objects(pdf: bytes) -> bytes:
    """Every stream of the PDF, inflated (WeasyPrint keeps most objects in object streams)."""
    out = [pdf]
    for match in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", pdf, re.S):
        try:
            out.append(zlib.decompress(match.group(1)))
        except zlib.error:
            continue
    return b"\n".join(out)


@pytest.fixture(scope="module")
def pdf_text() -> bytes:
    html = render_html(small_model(synthetic=True))
    pdf = render_pdf(html)
    assert pdf.startswith(b"%PDF-")
    return _objects(pdf)


def test_pages_are_a4_landscape(pdf_text: bytes) -> None:
    boxes = re.findall(rb"/MediaBox \[0 0 ([\d.]+) ([\d.]+)\]", pdf_text)
    assert boxes
    for width, height in boxes:
        # A4 is 297 × 210 mm = 841.89 × 595.28 pt; landscape puts the long side across
        assert abs(float(width) - 841.89) < 0.5 and abs(float(height) - 595.28) < 0.5


def test_pdf_is_tagged_with_language_and_bookmarks(pdf_text: bytes) -> None:
    assert b"/StructTreeRoot" in pdf_text
    assert b"/Lang (en-GB)" in pdf_text
    assert b"/Outlines" in pdf_text
    titles = re.findall(rb"/Title \(([^)]*)\)", pdf_text)
    assert b"Executive summary" in titles and b"Exception reports" in titles


def test_chart_alt_text_reaches_the_pdf(pdf_text: bytes) -> None:
    model = small_model()
    assert b"/Alt (SPC chart of Inpatient falls per 1,000 occupied bed days" in pdf_text
    assert b"/Alt (Target consistently not met)" in pdf_text
    assert model.section("SAF11").statement.encode() in pdf_text


def test_footer_and_synthetic_label_are_printed(pdf_text: bytes) -> None:
    html = render_html(small_model(synthetic=True))
    assert 'content: "Page " counter(page) " of " counter(pages)' in html
    assert "string-set: paper-title content()" in html
    assert "SYNTHETIC DATA" in html


def test_missing_weasyprint_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "weasyprint", None)
    with pytest.raises(MissingExtraError) as caught:
        render_pdf("<html></html>")
    assert caught.value.extra == "pdf"


def test_printed_pages_carry_page_numbers_and_title(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import shutil
    import subprocess

    tool = shutil.which("pdftotext")
    if tool is None:
        pytest.skip("pdftotext (Debian poppler-utils) is not installed")
    path = tmp_path / "pack.pdf"
    path.write_bytes(render_pdf(render_html(small_model(synthetic=True))))
    text = subprocess.run(
        [tool, "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    pages = text.split("\f")
    pages = [p for p in pages if p.strip()]
    total = len(pages)
    for number, page in enumerate(pages, start=1):
        assert f"Page {number} of {total}" in page
        assert "Integrated Performance Report" in page
        assert "SYNTHETIC DATA" in page


def small_pdf() -> bytes:
    """The small model's PDF (also made in other processes)."""
    return render_pdf(render_html(small_model()))


def test_same_html_gives_the_same_pdf() -> None:
    here = small_pdf()
    assert here.startswith(b"%PDF-")
    # in fresh processes whose string hashes (so set and dict orders) differ
    assert render_in_processes("pack.test_pdf:small_pdf") == [here, here]
