"""The meeting pack read back from its PDF: page numbers, bookmarks, links, the public part."""

from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import Any

import pytest

from trustboard.domain.governance import MeetingPart
from trustboard.domain.limits import ReaderLimits, use_limits
from trustboard.errors import ConfigError, ErrorCode
from trustboard.services.meeting_pack import MeetingOutput, build_meeting, check_meeting

from .paper_files import spoilt, write_paper

pypdf = pytest.importorskip("pypdf")
pytest.importorskip("weasyprint")

MARKER = "ZZPRIVATEMARKERZZ"
_IN_PACK = ("meeting", "meeting_date", "agenda_item", "purpose")

AGENDA = """\
meeting:
  forum: BOARD
  name: Trust Board
  date: 2025-01-28
  time: "09:30"
  place: Boardroom
  part: public
items:
  - {number: TB/25/001, title: Apologies, presenter: Chair, purpose: note, paper: verbal}
  - {number: TB/25/002, title: Chief Executive's report, presenter: Chief Executive,
     purpose: note, time: "09:40", paper: ceo.md}
  - {number: TB/25/010, title: Questions from the public, presenter: Chair, purpose: note,
     paper: verbal}
  - {number: TB/25/003, title: Finance report, presenter: Director of Finance,
     purpose: assure, paper: supplied/finance.pdf}
  - {number: TB/25/004, title: "Estates disposal MARKER", presenter: Director of Estates,
     purpose: approve, paper: estates.md, part: private}
""".replace("MARKER", MARKER)


def _supplied(path: Path) -> None:
    """A four-page PDF from elsewhere, untagged, with bookmarks of its own: "Summary" on its
    page 1 with "Income" (page 2) under it, and "Capital" on page 4."""
    writer = pypdf.PdfWriter()
    for _ in range(4):
        writer.add_blank_page(width=595, height=842)
    summary = writer.add_outline_item(title="Summary", page_number=0)
    writer.add_outline_item(title="Income", page_number=1, parent=summary)
    writer.add_outline_item(title="Capital", page_number=3)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as out:
        writer.write(out)


def _meeting_folder(folder: Path) -> Path:
    fields = spoilt(**dict.fromkeys(_IN_PACK))
    write_paper(folder, "ceo.md", fields)
    private = spoilt(**dict.fromkeys(_IN_PACK), title=f"Estates disposal {MARKER}")
    write_paper(folder, "estates.md", private)
    _supplied(folder / "supplied" / "finance.pdf")
    agenda = folder / "agenda.yaml"
    agenda.write_text(AGENDA, encoding="utf-8")
    return agenda


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[MeetingOutput, Path]:
    folder = tmp_path_factory.mktemp("meeting")
    agenda = _meeting_folder(folder / "in")
    return build_meeting(agenda, folder / "out"), folder / "out"


def _outline(reader: Any, entries: Any) -> list[Any]:
    out: list[Any] = []
    for entry in entries:
        if isinstance(entry, list):
            out.append(_outline(reader, entry))
        else:
            out.append((entry.title, reader.get_destination_page_number(entry) + 1))
    return out


def _reader(output: MeetingOutput, part: MeetingPart) -> Any:
    pack = output.pack(part)
    assert pack is not None
    return pypdf.PdfReader(pack.pdf_path)


def test_every_page_is_numbered_across_the_pack(built: tuple[MeetingOutput, Path]) -> None:
    reader = _reader(built[0], MeetingPart.PRIVATE)
    # agenda 1 page; the CEO's report 2 (its governance table starts a page); the supplied
    # PDF 4; the private paper 2
    assert len(reader.pages) == 9
    stamps = [re.findall(r"Page \d+ of \d+", page.extract_text())[-1] for page in reader.pages]
    assert stamps == [f"Page {n} of 9" for n in range(1, 10)]
    assert "TB/25/003 · Page 5 of 9" in reader.pages[4].extract_text()


def test_the_outline_nests_and_points_at_the_pages(built: tuple[MeetingOutput, Path]) -> None:
    reader = _reader(built[0], MeetingPart.PRIVATE)
    sections = [
        ("Purpose of the Report", 2),
        ("Analysis of the Issue", 2),
        ("Proposal", 2),
        ("Decision Required", 2),
        ("Governance table", 3),
    ]
    assert _outline(reader, reader.outline) == [
        ("Agenda", 1),
        ("TB/25/002 Chief Executive's report", 2),
        sections,
        ("TB/25/003 Finance report", 4),
        # the supplied PDF's own bookmarks, moved by the three pages before it
        [("Summary", 4), [("Income", 5)], ("Capital", 7)],
        (f"TB/25/004 Estates disposal {MARKER}", 8),
        [(title, page + 6) for title, page in sections],
    ]


def test_the_agenda_gives_each_papers_pages_and_links_to_it(
    built: tuple[MeetingOutput, Path],
) -> None:
    output, _out = built
    pack = output.pack(MeetingPart.PRIVATE)
    assert pack is not None
    assert dict(pack.pages) == {
        "TB/25/002": (2, 3),
        "TB/25/003": (4, 7),
        "TB/25/004": (8, 9),
    }
    reader = pypdf.PdfReader(pack.pdf_path)
    text = " ".join(reader.pages[0].extract_text().split())
    for pages in ("pages 2 to 3", "pages 4 to 7", "pages 8 to 9", "Verbal"):
        assert pages in text
    targets = [
        reader.get_page_number(annotation.get_object()["/Dest"][0].get_object()) + 1
        for annotation in reader.pages[0]["/Annots"]
        if "/Dest" in annotation.get_object()
    ]
    assert targets == [2, 4, 8]


def test_the_public_pack_leaves_the_private_item_out_everywhere(
    built: tuple[MeetingOutput, Path],
) -> None:
    output, out = built
    reader = _reader(output, MeetingPart.PUBLIC)
    assert len(reader.pages) == 7
    text = "\n".join(page.extract_text() for page in reader.pages)
    assert MARKER not in text and "TB/25/004" not in text
    assert "Page 7 of 7" in text
    assert MARKER not in repr(_outline(reader, reader.outline))
    public = out / "public"
    for path in public.iterdir():
        assert MARKER.encode() not in path.read_bytes(), path.name
    assert sorted(p.name for p in public.iterdir()) == [
        "index.html",
        "item-02.html",
        "item-04.html",
        "item-04.pdf",
        "pack.pdf",
    ]
    # the whole meeting's pack has it, marked as taken in private
    whole = (out / "private" / "index.html").read_text(encoding="utf-8")
    assert MARKER in whole and "(taken in private)" in whole


def test_a_rebuild_leaves_no_page_of_an_item_since_taken_in_private(tmp_path: Path) -> None:
    agenda = _meeting_folder(tmp_path / "in")
    text = agenda.read_text(encoding="utf-8")
    agenda.write_text(text.replace(", part: private}", "}"), encoding="utf-8")
    build_meeting(agenda, tmp_path / "out")
    # the estates paper was item 5 in public: its page was written beside the public pack
    assert MARKER in (tmp_path / "out" / "public" / "item-05.html").read_text(encoding="utf-8")
    agenda.write_text(text, encoding="utf-8")
    build_meeting(agenda, tmp_path / "out")
    public = tmp_path / "out" / "public"
    assert sorted(p.name for p in public.iterdir()) == [
        "index.html",
        "item-02.html",
        "item-04.html",
        "item-04.pdf",
        "pack.pdf",
    ]
    for path in public.iterdir():
        assert MARKER.encode() not in path.read_bytes(), path.name
    assert (tmp_path / "out" / "private" / "item-05.html").is_file()


def test_the_pack_is_tagged_with_language_and_title(built: tuple[MeetingOutput, Path]) -> None:
    reader = _reader(built[0], MeetingPart.PUBLIC)
    root = reader.trailer["/Root"]
    assert "/StructTreeRoot" in root and root["/MarkInfo"]["/Marked"]
    assert root["/Lang"] == "en-GB"
    assert reader.metadata.title == "Trust Board, 2025-01-28: meeting pack (public)"
    # the page numbers are artifacts, outside the structure tree
    assert b"/Artifact <</Type /Pagination" in reader.pages[1].get_contents().get_data()
    assert built[0].inaccessible == ("TB/25/003",)


def test_the_html_pages_share_one_navigation(built: tuple[MeetingOutput, Path]) -> None:
    page = (built[1] / "public" / "item-02.html").read_text(encoding="utf-8")
    assert '<a href="index.html">Agenda</a>' in page
    # the verbal item between them has no page
    assert '<a href="item-04.html" rel="next">Next: TB/25/003</a>' in page
    index = (built[1] / "public" / "index.html").read_text(encoding="utf-8")
    assert '<a href="item-02.html">Chief Executive&#39;s report</a>' in index


def test_check_lists_what_is_missing(tmp_path: Path) -> None:
    agenda = _meeting_folder(tmp_path)
    (tmp_path / "estates.md").unlink()
    found = [str(f) for f in check_meeting(agenda)]
    assert any(f.startswith("TB/25/004: ") and "has not been written" in f for f in found)
    assert "TB/25/003: the supplied PDF" in found[-1] and "not tagged" in found[-1]
    assert len(found) == 2


def test_a_bad_agenda_names_every_problem_and_writes_nothing(tmp_path: Path) -> None:
    agenda = _meeting_folder(tmp_path / "in")
    text = agenda.read_text(encoding="utf-8")
    text = text.replace("purpose: assure", "purpose: rubber-stamp").replace(
        'time: "09:40"', 'time: "25:00"'
    )
    agenda.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as raised:
        build_meeting(agenda, tmp_path / "out")
    assert {(p.code, p.column) for p in raised.value.problems} == {
        (ErrorCode.AGENDA, "items[3].purpose"),
        (ErrorCode.AGENDA, "items[1].time"),
    }
    assert not (tmp_path / "out").exists()


def _encrypted(path: Path, user_password: str) -> None:
    writer = pypdf.PdfWriter()
    writer.add_blank_page(width=595, height=842)
    writer.encrypt(user_password, owner_password="owner", algorithm="AES-128")
    with path.open("wb") as out:
        writer.write(out)


@pytest.mark.parametrize(
    ("spoil", "code", "says"),
    [
        # opens without a password, but carries its author's restrictions all the same
        (lambda p: _encrypted(p, ""), ErrorCode.AGENDA, "it is encrypted"),
        (lambda p: _encrypted(p, "secret"), ErrorCode.AGENDA, "it is encrypted"),
        (lambda p: p.write_bytes(p.read_bytes()[:300]), ErrorCode.AGENDA, "not a PDF that can"),
        (lambda p: p.write_bytes(b"finance report"), ErrorCode.AGENDA, "not a PDF that can"),
        (lambda p: pypdf.PdfWriter().write(p), ErrorCode.AGENDA, "it has no pages"),
        (lambda p: p.write_bytes(b"%PDF-1.7\n" * 20_000), ErrorCode.FILE_LIMIT, "180,000 bytes"),
    ],
    ids=["encrypted-no-password", "encrypted", "truncated", "not-pdf", "no-pages", "over-limit"],
)
def test_a_supplied_pdf_that_cannot_be_merged_is_named_and_nothing_is_written(
    tmp_path: Path, spoil: Any, code: ErrorCode, says: str
) -> None:
    agenda = _meeting_folder(tmp_path / "in")
    spoil(tmp_path / "in" / "supplied" / "finance.pdf")
    with use_limits(ReaderLimits(max_file_bytes=100_000)), pytest.raises(ConfigError) as raised:
        build_meeting(agenda, tmp_path / "out")
    (problem,) = raised.value.problems
    assert (problem.code, problem.column, problem.value) == (
        code,
        "items[3].paper",
        "supplied/finance.pdf",
    )
    assert says in problem.message and "TB/25/003" in problem.message
    assert not (tmp_path / "out").exists()


def test_a_damaged_pdf_is_told_once_in_its_problem_not_in_stray_log_lines(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    agenda = _meeting_folder(tmp_path / "in")
    (tmp_path / "in" / "supplied" / "finance.pdf").write_bytes(b"finance report")
    with caplog.at_level(logging.WARNING), pytest.raises(ConfigError):
        build_meeting(agenda, tmp_path / "out")
    assert [r.getMessage() for r in caplog.records if r.name.startswith("pypdf")] == []
    # the level the caller set is left as it was
    assert logging.getLogger("pypdf").level == logging.NOTSET


def _figure_alts(element: Any) -> list[str]:
    node = element.get_object()
    found = [str(node.get("/Alt"))] if node.get("/S") == "/Figure" else []
    kids = node.get("/K")
    for kid in kids if isinstance(kids, list) else [kids]:
        if hasattr(kid, "get_object") and hasattr(kid.get_object(), "get"):
            found += _figure_alts(kid)
    return found


def test_every_page_trustboard_renders_is_tagged(built: tuple[MeetingOutput, Path]) -> None:
    reader = _reader(built[0], MeetingPart.PRIVATE)
    tagged = ["/StructParents" in page for page in reader.pages]
    # the agenda and the two papers are tagged; the supplied PDF's pages 4 to 7 are not
    assert tagged == [True, True, True, False, False, False, False, True, True]
    alt = "Bar chart of beds open on each ward"
    assert _figure_alts(reader.trailer["/Root"]["/StructTreeRoot"]) == [alt, alt]


def test_check_lists_blank_fields_and_forums_not_yet_met(tmp_path: Path) -> None:
    from datetime import date

    agenda = _meeting_folder(tmp_path)
    write_paper(tmp_path, "ceo.md", spoilt(**dict.fromkeys((*_IN_PACK, "equality"))))
    # the CEO's report went to the Executive Board on 14 January; on the 10th it has not met
    found = [str(f) for f in check_meeting(agenda, today=date(2025, 1, 10))]
    ceo = [f for f in found if f.startswith("TB/25/002: ")]
    assert len(ceo) == 2
    assert "'equality' is required and is blank" in ceo[0]
    assert ceo[1] == (
        "TB/25/002: its previous forum, Executive Board, has not met yet (2025-01-14)"
    )
    assert not any("not met" in str(f) for f in check_meeting(agenda, today=date(2025, 1, 14)))


def test_check_goes_on_to_a_generated_papers_forums_and_data_when_a_field_is_blank(
    tmp_path: Path,
) -> None:
    from datetime import date

    from trustboard.demo import DEFAULT_SEED, build_demo_trust
    from trustboard.store import Store

    trust = build_demo_trust(DEFAULT_SEED)
    store, _before, _after = Store.init(f"sqlite:///{tmp_path / 'store.db'}", actor="test")
    agenda = tmp_path / "agenda.yaml"
    # no sponsor, and the store holds the catalogue but no values for March 2025
    agenda.write_text(
        """\
meeting: {forum: BOARD, name: Trust Board (public), date: 2025-05-08, part: public}
items:
  - number: TB/25/054
    title: Integrated Performance Report
    purpose: assure
    paper: {report: 2025-03}
    governance:
      date_submitted: 2025-04-30
      author: {name: Ruth Cole, role: Head of Performance}
      previous_forums: [{name: Finance & Performance Committee, date: 2025-04-29}]
      assurance_offered: partially assured
      strategic_goals: [Great Care]
      risk_appetite: {consistent: true}
      fomi: None.
      patient_safety_confirmed: true
      equality: None.
      decision_required: Receive the report.
""",
        encoding="utf-8",
    )
    try:
        store.upsert_catalogue(
            trust.definitions, trust.org_units, trust.forums, source="test", effective=None
        )
        found = [str(f) for f in check_meeting(agenda, store=store, today=date(2025, 4, 20))]
    finally:
        store.close()
    assert len(found) == 3, found
    assert found[0].startswith("TB/25/054: ") and "'sponsor' is required and is blank" in found[0]
    assert found[1:] == [
        "TB/25/054: its previous forum, Finance & Performance Committee, has not met yet "
        "(2025-04-29)",
        "TB/25/054: the store has no data for Mar 2025",
    ]
