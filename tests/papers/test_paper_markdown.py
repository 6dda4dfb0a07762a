"""Paper mode of the one Markdown renderer: what papers get that commentary does not."""

from __future__ import annotations

from trustboard.render.markdown import markdown_html, paper_figures, paper_html

TEXT = """# Purpose of the Report

Beds.[^1] See [the plan](https://example.org/plan) or [the file](plan.docx).

| Ward | Beds |
|---|--:|
| Ash | 18 |

![Beds by ward](figures/beds.svg) ![Remote](https://example.org/x.png)

<script>alert(1)</script>

[^1]: As at 20 January.
"""

URI = "data:image/svg+xml;base64,PHN2Zy8+"


def test_headings_sit_below_the_papers_title_with_ids() -> None:
    html = paper_html("# Purpose of the Report\n\n## Beds\n\n# Proposal\n")
    assert '<h2 id="purpose-of-the-report">Purpose of the Report</h2>' in html
    assert '<h3 id="beds">Beds</h3>' in html
    assert "<h1" not in html


def test_tables_and_footnotes_are_rendered() -> None:
    html = paper_html(TEXT)
    assert "<table>" in html and "<th>Ward</th>" in html and "<td>18</td>" in html
    assert '<sup class="footnote-ref"><a href="#fn1"' in html
    assert '<li id="fn1" class="footnote-item">' in html
    # alignment comes from the stylesheet; the sanitiser keeps no style attribute
    assert "style=" not in html


def test_only_figures_the_caller_read_are_shown() -> None:
    html = paper_html(TEXT, figures={"figures/beds.svg": URI})
    assert f'<img src="{URI}" alt="Beds by ward">' in html
    # the remote image is its alternative text, never an img
    assert html.count("<img") == 1 and "Remote" in html
    assert paper_figures(TEXT) == [
        ("figures/beds.svg", "Beds by ward"),
        ("https://example.org/x.png", "Remote"),
    ]


def test_links_keep_commentarys_rules() -> None:
    html = paper_html(TEXT)
    assert '<a href="https://example.org/plan" rel="noopener noreferrer">the plan</a>' in html
    assert "plan.docx" not in html and "the file" in html  # a relative path is text
    assert "<script>" not in html and "&lt;script&gt;" in html


def test_an_id_prefix_keeps_papers_apart_in_one_document() -> None:
    html = paper_html(TEXT, id_prefix="item-4-")
    assert 'id="item-4-purpose-of-the-report"' in html
    assert 'href="#item-4-fn1"' in html and 'id="item-4-fn1"' in html
    assert 'href="https://example.org/plan"' in html


def test_commentary_is_unchanged_by_paper_mode() -> None:
    paper_html(TEXT)  # the paper parser is built; commentary's must be untouched by it
    html = markdown_html(TEXT)
    assert "<h1" not in html and "<h2" not in html and "# Purpose of the Report" in html
    assert "<table" not in html and "<img" not in html and "<sup" not in html
