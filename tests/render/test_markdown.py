"""Commentary renders as Markdown through one sanitising renderer, in the pack and the BAF."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest

from baf.builders import make_register, make_risk
from pack.builders import small_model
from trustboard.render.baf import risk_page_html
from trustboard.render.markdown import (
    markdown_html,
    markdown_inline,
    markdown_text,
    sanitise_html,
)
from trustboard.render.pack import render_html
from trustboard.render.templating import template_environment

HOSTILE = [
    "<script>alert(1)</script>",
    '<b onclick="steal()">bold</b>',
    "<img src=x onerror=alert(1)>",
    "[click](javascript:alert(1))",
    "[click](JaVaScRiPt:alert(1))",
    "[click](data:text/html;base64,PHNjcmlwdD4=)",
    "![tracker](https://tracker.example/pixel.png)",
    '<a href="https://example.org" onmouseover="x()">a</a>',
    "<iframe src=https://example.org></iframe>",
    "<!-- hidden -->",
    "[click](<jav   ascript:alert(1)>)",
    "[click](jav&#x09;ascript:alert(1))",
    "[click](/etc/passwd)",
]


def _no_live_markup(html: str) -> None:
    """No tag but the allowed ones, no event attribute, no script URL, no image."""
    tags = set(re.findall(r"<\s*([a-zA-Z][a-zA-Z0-9]*)", html))
    assert tags <= {"p", "a", "em", "strong", "code", "ul", "ol", "li", "br", "pre"}, tags
    assert not re.search(r"<[^>]*\son[a-z]+\s*=", html, re.IGNORECASE)
    assert not re.search(r'href="(?!https?:|mailto:|#)', html)
    assert "<img" not in html and "<script" not in html and "<iframe" not in html


def test_paragraphs_lists_and_emphasis_render() -> None:
    text = (
        "Waits rose in *March*.\n\nCauses:\n\n- two **vacancies**\n- sickness\n\n"
        "1. recruit\n2. review"
    )
    assert str(markdown_html(text)) == (
        "<p>Waits rose in <em>March</em>.</p>\n<p>Causes:</p>\n"
        "<ul>\n<li>two <strong>vacancies</strong></li>\n<li>sickness</li>\n</ul>\n"
        "<ol>\n<li>recruit</li>\n<li>review</li>\n</ol>"
    )


def test_links_are_kept_with_a_safe_rel() -> None:
    html = str(markdown_html("See [the guidance](https://www.england.nhs.uk/)."))
    assert html == (
        '<p>See <a href="https://www.england.nhs.uk/" rel="noopener noreferrer">'
        "the guidance</a>.</p>"
    )


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_input_is_neutralised(text: str) -> None:
    for render in (markdown_html, markdown_inline):
        html = str(render(text))
        _no_live_markup(html)


def test_raw_html_is_shown_as_text_not_dropped() -> None:
    # an author who types a tag sees it; nothing is silently lost
    assert str(markdown_html("<script>alert(1)</script>")) == (
        "<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>"
    )


def test_only_web_mail_and_in_pack_links_are_links() -> None:
    assert "<a" not in str(markdown_html("[click](javascript:alert(1))"))
    # a scheme broken up by spaces or a tab, and relative paths, stay text
    assert "<a" not in str(markdown_html("[click](<jav   ascript:alert(1)>)"))
    assert "<a" not in str(markdown_html("[notes](../notes.html)"))
    assert str(markdown_html("[RES01](#metric-RES01) or [mail](mailto:pmo@trust.nhs.uk)")) == (
        '<p><a href="#metric-RES01" rel="noopener noreferrer">RES01</a> or '
        '<a href="mailto:pmo@trust.nhs.uk" rel="noopener noreferrer">mail</a></p>'
    )


def test_a_remote_image_becomes_its_alternative_text() -> None:
    assert str(markdown_html("![a chart of waits](https://tracker.example/p.png)")) == (
        "<p>a chart of waits</p>"
    )


def test_headings_stay_text_so_the_pack_keeps_its_heading_order() -> None:
    assert str(markdown_html("# Big news")) == "<p># Big news</p>"


def test_the_sanitiser_on_its_own_removes_what_markdown_could_never_make() -> None:
    html = str(
        sanitise_html(
            '<p onclick="x()">a<script>b</script><img src="https://e.example/i.png">'
            '<a href="javascript:alert(1)">c</a><a href="vbscript:x">d</a>'
            '<a href="https://ok.example" style="color:red">e</a></p>'
        )
    )
    assert html == (
        '<p>a<a rel="noopener noreferrer">c</a><a rel="noopener noreferrer">d</a>'
        '<a href="https://ok.example" rel="noopener noreferrer">e</a></p>'
    )


def test_inline_rendering_makes_no_blocks() -> None:
    assert str(markdown_inline("an *urgent* action")) == "an <em>urgent</em> action"
    assert str(markdown_inline(None)) == "" and str(markdown_html("  ")) == ""


def test_every_environment_has_the_same_settings_and_filters() -> None:
    pack = template_environment("trustboard.render.pack")
    baf = template_environment("trustboard.render.baf")
    for env in (pack, baf):
        assert env.filters["markdown"] is markdown_html
        assert env.filters["markdown_inline"] is markdown_inline
        assert env.from_string("{{ x }}").render(x="<b>") == "&lt;b&gt;"
    with pytest.raises(Exception, match="undefined"):
        pack.from_string("{{ missing }}").render()


def test_pack_commentary_renders_as_markdown_and_stays_safe() -> None:
    model = small_model()
    index, section = next((i, s) for i, s in enumerate(model.sections) if s.commentary)
    assert section.commentary is not None
    commentary = section.commentary.model_copy(
        update={
            "sections": {
                **section.commentary.sections,
                "chart_shows": "Waits rose:\n\n- *two* vacancies\n- <script>alert(1)</script>",
            }
        }
    )
    sections = list(model.sections)
    sections[index] = replace(section, commentary=commentary)
    html = render_html(replace(model, sections=tuple(sections)))
    assert (
        "<ul>\n<li><em>two</em> vacancies</li>\n<li>&lt;script&gt;alert(1)&lt;/script&gt;</li>"
        in html
    )
    assert "<script>alert(1)" not in html


def test_baf_narrative_renders_inline_markdown_and_stays_safe() -> None:
    risk = make_risk(
        cause="demand *exceeds* capacity <img src=x onerror=alert(1)>",
        controls=({"id": "C1", "description": "**Weekly** harm review [policy](javascript:x)"},),
    )
    html = risk_page_html(make_register(risk), risk.id, review_date=risk.last_reviewed)
    assert "If demand <em>exceeds</em> capacity &lt;img src=x onerror=alert(1)&gt;," in html
    assert "<li><strong>Weekly</strong> harm review [policy](javascript:x)</li>" in html
    assert "<img src=x" not in html


def test_the_text_a_reader_sees_has_no_markup() -> None:
    text = "**9 months** below the mean since *July 2024*.\n\n- see [the plan](https://x.example)"
    assert markdown_text(text) == "9 months below the mean since July 2024.\nsee the plan"
    assert markdown_text("<b>typed</b> ![a chart](https://e.example/c.png)") == (
        "<b>typed</b> a chart"
    )
