"""Printed pages: none carries a few lines spilled from the page before; no image covers a
heading; the charts do not draw icons over their titles.

The check reads WeasyPrint's own layout of the pack (the boxes of each page), so it sees the
pages exactly as the PDF has them.  It is first shown to catch a spill made on purpose, then
run over the demo Board pack.
"""

from __future__ import annotations

import base64
from pathlib import Path

import pytest

from trustboard.render.pack import render_html
from trustboard.render.pack.charts import chart_uri

from .builders import small_model

STYLE = """<style>
@page { size: A4 landscape; margin: 16mm; }
body { font-family: Arial, sans-serif; font-size: 10pt; line-height: 1.5; margin: 0; }
h2 { font-size: 14pt; margin: 0 0 8pt; }
.big { display: block; width: 20mm; height: %dmm; }
.cover { position: relative; }
.cover img { position: absolute; top: 0; left: 0; width: 60mm; height: 6mm; }
</style>"""


def _document(filler_mm: int, items: int, heading_breaks: bool = False) -> str:
    """A heading, a picture ``filler_mm`` high, a list of ``items`` one-line items, then a
    heading and a line, and a last page."""
    style = STYLE % filler_mm
    if heading_breaks:
        style += "<style>h2 { break-before: page; }</style>"
    rows = "".join(f"<li>Item {i}</li>" for i in range(items))
    return (
        f"<!DOCTYPE html><html><head>{style}</head><body>"
        f'<h2>First</h2><img class="big" src="{PIXEL}" alt="A chart"><ul>{rows}</ul>'
        "<h2>Second</h2><p>After the list.</p>"
        '<h2 style="break-before: page">Third</h2><p>The last page.</p></body></html>'
    )


PIXEL = "data:image/svg+xml;base64," + base64.b64encode(
    b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"></svg>'
).decode("ascii")


def _svg(uri: str) -> str:
    return base64.b64decode(uri.split(",", 1)[1]).decode("utf-8")


def test_a_list_spilling_two_lines_onto_the_next_page_is_caught() -> None:
    pytest.importorskip("weasyprint")
    from trustboard.render.pack.layout import lay_out, spilled_pages

    # A4 landscape is 210 mm high, 178 mm inside the margins; 10 pt at 1.5 is 5.3 mm a line.
    # 140 mm of filler under a heading leaves room for 4 lines: of 6 items, 2 go over, and
    # page 2 begins with them, before its heading.
    pages = lay_out(_document(140, 6))
    assert len(pages) == 3
    assert pages[1].lead_lines == 2
    assert pages[1].headings == ("Second",)
    assert pages[1].fill < 0.5
    assert [p.number for p in spilled_pages(pages)] == [2]
    # with room for the whole list nothing spills
    assert spilled_pages(lay_out(_document(60, 6))) == []
    # two lines carried over onto a page that then goes on with a full page of content are
    # ordinary pagination, not a spill
    full = lay_out(_document(140, 6).replace("<p>After the list.</p>", "<p>More.</p>" * 12))
    assert full[1].lead_lines == 2 and full[1].fill > 0.5
    assert spilled_pages(full) == []
    # a page that starts with its heading carried nothing over
    fresh = lay_out(_document(60, 6, heading_breaks=True))
    assert fresh[1].lead_lines == 0 and spilled_pages(fresh) == []


def test_a_short_part_alone_before_a_page_break_is_caught() -> None:
    pytest.importorskip("weasyprint")
    from trustboard.render.pack.layout import lay_out, sparse_pages

    # the list fits under 150 mm of picture; the heading and line after it do not, and page
    # 3 starts with a forced break: page 2 holds those 2 lines and is almost empty
    pages = lay_out(_document(150, 2))
    assert [(p.number, p.lines, p.lead_lines) for p in sparse_pages(pages)] == [(2, 2, 0)]
    assert sparse_pages(lay_out(_document(60, 2))) == []


def test_an_image_over_a_heading_is_caught() -> None:
    pytest.importorskip("weasyprint")
    from trustboard.render.pack.layout import lay_out

    html = (
        f"<!DOCTYPE html><html><head>{STYLE % 10}</head><body>"
        f'<div class="cover"><img src="{PIXEL}" alt="Icon: fail"><h2>Covered</h2></div>'
        "<h2>Clear</h2><p>Text.</p></body></html>"
    )
    (page,) = lay_out(html)
    assert page.overlaps == ("image 'Icon: fail' over heading 'Covered'",)


def test_the_pack_s_charts_draw_no_icon_over_their_title() -> None:
    # the icons are on the page above each chart (with alt text); the chart itself has none,
    # so a long title has the chart's whole width
    model = small_model()
    section = model.exceptions[0]
    assert section.summary.variation_icon and section.summary.assurance_icon
    uri = chart_uri(section, "c1")
    assert uri is not None
    svg = _svg(uri)
    assert svg.count("<svg") == 1  # the chart, and no icon drawn inside it
    assert section.definition.short_name is not None
    assert section.definition.short_name in svg
    html = render_html(model)
    assert 'alt="Variation: ' in html and 'alt="Assurance: ' in html


@pytest.mark.slow
def test_the_demo_packs_have_no_spilled_page_and_no_covered_heading(tmp_path: Path) -> None:
    # the Board's pack (summary, one page per exception) and a committee's (a page per
    # metric, full narratives in two columns): the two layouts the packs have
    pytest.importorskip("weasyprint")
    from trustboard.render.pack.layout import lay_out, sparse_pages, spilled_pages
    from trustboard.services.demo import run_demo

    result = run_demo(tmp_path, forums=("BOARD", "PC"), pdf=False, waits=False)
    for html in result.html:
        pages = lay_out(html.read_text(encoding="utf-8"))
        if html.name.startswith("BOARD"):
            assert len(pages) <= 60
        spilled = [(p.number, p.lead_lines, p.fill, p.first_text) for p in spilled_pages(pages)]
        assert spilled == [], html.name
        sparse = [(p.number, p.lines, p.fill, p.first_text) for p in sparse_pages(pages)]
        assert sparse == [], html.name
        assert [(p.number, p.overlaps) for p in pages if p.overlaps] == [], html.name
