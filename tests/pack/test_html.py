"""The HTML pack: structure, accessibility basics, determinism and the golden file."""

from __future__ import annotations

import base64
import itertools
import os
import re
from dataclasses import replace
from html.parser import HTMLParser
from importlib.resources import files
from pathlib import Path

from hashseeds import render_in_processes
from trustboard.domain import DetailLevel, ForumKind
from trustboard.render.pack import render_html
from trustboard.render.pack.model import Revision

from .builders import forum, small_model

GOLDEN = Path(__file__).parent.parent / "fixtures" / "pack" / "golden_small.html"
_STYLE = re.compile(r"(<style>)(.*?)(</style>)", flags=re.S)


class _Outline(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.headings: list[tuple[int, str]] = []
        self.images: list[dict[str, str | None]] = []
        self.tables = 0
        self.tables_with_headers = 0
        self.links: list[str] = []
        self.ids: list[str] = []
        self._in_table = False
        self._table_has_th = False
        self._heading: int | None = None
        self._text = ""
        self.lang: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if attributes.get("id"):
            self.ids.append(str(attributes["id"]))
        if tag == "html":
            self.lang = attributes.get("lang")
        if re.fullmatch(r"h[1-6]", tag):
            self._heading, self._text = int(tag[1]), ""
        if tag == "img":
            self.images.append(attributes)
        if tag == "table":
            self.tables += 1
            self._table_has_th = False
        if tag == "th":
            self._table_has_th = True
        if tag == "a" and attributes.get("href"):
            self.links.append(str(attributes["href"]))

    def handle_endtag(self, tag: str) -> None:
        if self._heading is not None and tag == f"h{self._heading}":
            self.headings.append((self._heading, self._text.strip()))
            self._heading = None
        if tag == "table" and self._table_has_th:
            self.tables_with_headers += 1

    def handle_data(self, data: str) -> None:
        if self._heading is not None:
            self._text += data


def _outline(html: str) -> _Outline:
    parser = _Outline()
    parser.feed(html)
    return parser


def full_html() -> str:
    """The small model's whole pack (also called in other processes)."""
    return render_html(small_model())


def golden_html() -> str:
    """The small model's pack as the golden file pins it (also called in other processes).

    The pictures are the chart module's (it has its own golden files) and the stylesheet is
    pack.css (compared once, below): the golden file pins the pack's own HTML, with each
    embedded SVG replaced by a marker and the stylesheet by its name.
    """
    html = re.sub(
        r"data:image/svg\+xml;base64,[A-Za-z0-9+/=]+",
        "data:image/svg+xml;base64,SVG",
        full_html(),
    )
    return _STYLE.sub(r"\1/* pack.css */\3", html, count=1)


def test_same_model_gives_byte_identical_html() -> None:
    here = full_html()
    assert here == full_html()
    # and in fresh processes whose string hashes (so set and dict orders) differ
    elsewhere = render_in_processes("pack.test_html:full_html")
    assert all(out == here.encode("utf-8") for out in elsewhere)


def test_the_pack_carries_pack_css_whole() -> None:
    style = _STYLE.search(full_html())
    assert style is not None, "the pack has no <style> element"
    css = files("trustboard.render.pack").joinpath("pack.css").read_text(encoding="utf-8")
    assert css.strip() and style.group(2).strip() == css.strip()


def test_golden_file_in_processes_with_other_hash_seeds() -> None:
    golden = GOLDEN.read_bytes()
    assert render_in_processes("pack.test_html:golden_html") == [golden, golden]


def test_golden_file() -> None:
    html = golden_html()
    if os.environ.get("TRUSTBOARD_UPDATE_GOLDEN") == "1":
        GOLDEN.write_text(html, encoding="utf-8", newline="\n")
    assert html == GOLDEN.read_text(encoding="utf-8"), (
        "the pack HTML changed; "
        "if on purpose, run with TRUSTBOARD_UPDATE_GOLDEN=1 and review the diff"
    )


def test_headings_never_skip_a_level_and_sections_come_in_order() -> None:
    outline = _outline(render_html(small_model()))
    levels = [level for level, _ in outline.headings]
    assert levels[0] == 1 and levels.count(1) == 1
    for before, after in itertools.pairwise(levels):
        assert after <= before + 1, outline.headings
    top = [text for level, text in outline.headings if level == 2]
    assert top == [
        "Cover sheet",
        "Contents",
        "Executive summary",
        "Summary table",
        "Metric detail",
        "Exception reports",
        "Definitions",
        "Data quality notes",
    ]


def test_every_table_has_headers_and_every_image_has_alt_text() -> None:
    outline = _outline(render_html(small_model()))
    assert outline.tables and outline.tables == outline.tables_with_headers
    assert outline.lang == "en-GB"
    for image in outline.images:
        assert "alt" in image
        assert str(image["src"]).startswith("data:image/svg+xml;base64,")
    charts = [i for i in outline.images if str(i["alt"]).startswith("SPC chart of")]
    # one chart per metric section and one per exception page
    assert len(charts) == 3


def test_the_document_is_self_contained_and_its_links_resolve() -> None:
    html = render_html(small_model())
    outline = _outline(html)
    assert "<link" not in html and "<script" not in html and "@import" not in html
    assert not re.search(r"""(src|href)=["'](?!data:|#)""", html)
    assert "url(" not in html
    for link in outline.links:
        assert link.startswith("#") and link[1:] in outline.ids, link
    assert len(outline.ids) == len(set(outline.ids))


def test_chart_alt_text_and_svg_carry_the_statement_and_figures() -> None:
    model = small_model()
    html = render_html(model)
    res01 = model.section("RES01")
    assert res01.statement in html
    outline = _outline(html)
    alt = next(
        str(i["alt"]) for i in outline.images if str(i["alt"]).startswith("SPC chart of Talking")
    )
    assert "latest value 84.0%" in alt and res01.statement in alt
    svgs = [
        base64.b64decode(m).decode()
        for m in re.findall(r"data:image/svg\+xml;base64,([A-Za-z0-9+/=]+)", html)
    ]
    assert any('class="target"' in svg for svg in svgs)  # the target line


def test_icons_carry_letters_so_colour_is_not_the_only_signal() -> None:
    html = render_html(small_model())
    svgs = [
        base64.b64decode(m).decode()
        for m in re.findall(r"data:image/svg\+xml;base64,([A-Za-z0-9+/=]+)", html)
    ]
    letters = {m for svg in svgs for m in re.findall(r">([HLPF?])</text>", svg)}
    assert {"L", "F", "?"} <= letters
    assert 'alt="Special cause concern (low values)"' in html
    assert 'alt="Target consistently not met"' in html


def test_exception_page_has_the_narrative_structure_and_slipped_actions() -> None:
    # a committee reads the full narrative
    html = render_html(small_model(forum=forum(id="fpc", name="FPC", kind=ForumKind.COMMITTEE)))
    for heading in (
        "What the chart shows",
        "Root causes and underlying issues",
        "Actions",
        "Level of assurance",
    ):
        assert f">{heading}</h4>" in html
    # a section nobody wrote takes no space (no "Not provided" headings)
    for unwritten in ("Assumptions", "Data quality note", "Background and context"):
        assert f">{unwritten}</h4>" not in html
    assert "Two vacancies in step 2 services." in html
    assert "30 days later" in html  # 31 May → 30 June
    assert "Partially assured." in html


def test_the_board_reads_an_exception_as_summary_chart_statement_and_open_actions() -> None:
    model = small_model()
    section = model.exceptions[0]
    assert section.commentary is not None
    note = section.commentary.model_copy(
        update={"sections": {**section.commentary.sections, "summary": "Waits fell short."}}
    )
    model = replace(
        model,
        sections=tuple(
            replace(s, commentary=note) if s.metric_id == section.metric_id else s
            for s in model.sections
        ),
    )
    html = render_html(model)
    page = html[html.index('class="exception-page') :]
    assert ">Summary</h4>" in page and "Waits fell short." in page
    assert ">Open actions</h4>" in page and "30 days later" in page
    assert section.statement in page and 'class="chart"' in page
    assert "Data table for" in page
    # the full narrative is for the committee, not the Board
    assert "Root causes and underlying issues" not in page
    assert "Two vacancies in step 2 services." not in page


def test_summary_forum_shows_no_metric_sections_but_keeps_exceptions() -> None:
    model = small_model(forum=forum(detail=DetailLevel.SUMMARY))
    outline = _outline(render_html(model))
    top = [text for level, text in outline.headings if level == 2]
    assert "Metric detail" not in top and "Exception reports" in top


def test_synthetic_flag_labels_every_page() -> None:
    html = render_html(small_model(synthetic=True))
    assert "@top-center" in html and "SYNTHETIC DATA" in html
    assert 'class="synthetic-banner"' in html
    assert "SYNTHETIC" not in render_html(small_model())


def test_revisions_table_lists_each_revised_figure() -> None:
    model = replace(
        small_model(),
        revisions=(Revision("RES01", "TT", "Feb 2025", "85.0%", "86.0%", "Feb 2025"),),
        previous_publication="Feb 2025",
    )
    html = render_html(model)
    assert "Figures published earlier that have since been revised" in html
    assert '<td class="num">85.0%</td><td class="num">86.0%</td>' in html


def test_baf_fragment_is_included_as_given() -> None:
    html = render_html(small_model(baf_html="<p>SR2: score 16, target 8.</p>"))
    assert "<p>SR2: score 16, target 8.</p>" in html
    assert ">Board Assurance Framework</h2>" in html
