"""The meeting pack: an agenda (YAML) and every paper on it, as one numbered, bookmarked,
tagged PDF and as HTML pages, for the whole meeting and for its part in public.

The agenda (:class:`~trustboard.domain.governance.Agenda`) names the meeting (forum, date,
time, place or link, public or private) and its items in order, each with its paper: a
Markdown paper (:mod:`trustboard.services.papers`), a PDF supplied by someone else, the
generated performance report or BAF for a period, or "verbal".  :func:`build_meeting` checks
everything first and writes nothing while any problem remains; :func:`check_meeting` lists
what is still missing before the papers' deadline.

The agenda's meeting date is the one source of the meeting's date: each paper takes its
meeting, date, item number and purpose from it (a paper that says otherwise is an error), and
with a store and the calendar's dates (``period``, ``data_cutoff``, ``narrative_due``,
``papers_due``) the meeting is recorded in the store's meeting calendar.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from markupsafe import Markup

from trustboard.domain import Period
from trustboard.domain.governance import (
    Agenda,
    Governance,
    MeetingPart,
    PaperKind,
)
from trustboard.errors import ConfigError, ErrorCode
from trustboard.ingest.files import write_atomic
from trustboard.render.papers import (
    ITEM_LINK,
    AgendaRow,
    LaidOut,
    MeetingView,
    NavLink,
    PackNav,
    PackPart,
    assemble_pack_pdf,
    lay_out_html,
    render_agenda_html,
    render_paper_html,
    supplied_pdf,
    with_pack_nav,
)
from trustboard.services.meeting_items import PackItem, item_label, read_agenda, resolve_items
from trustboard.services.papers import (
    missing_sections,
    paper_document,
)
from trustboard.store import Store

__all__ = [
    "Finding",
    "MeetingOutput",
    "PackFiles",
    "build_meeting",
    "check_meeting",
    "read_agenda",
]


@dataclass(frozen=True)
class Finding:
    """Something missing before the deadline: the item, and what."""

    item: str
    what: str

    def __str__(self) -> str:
        return f"{self.item}: {self.what}"


def check_meeting(
    agenda_path: str | Path, *, store: Store | None = None, today: date | None = None
) -> list[Finding]:
    """What is still missing for the meeting: papers not written, governance fields blank or
    wrong, papers whose previous forum has not met yet, generated papers whose period has no
    data in the store, supplied PDFs that are not tagged (not accessible), and Markdown papers
    without the trust's section headings."""
    path = Path(agenda_path)
    agenda = read_agenda(path)
    now = today or date.today()
    items, problems = resolve_items(
        agenda, path, store=store, trust_name=None, synthetic=False, render=False
    )
    numbers = {f"items[{i}].paper": item.number for i, item in enumerate(agenda.items)}
    owners = {item_label(str(path), item.number): item.number for item in agenda.items}
    owners |= {
        str(path.parent / item.paper.path): item.number
        for item in agenda.items
        if item.paper.path is not None
    }
    findings: list[Finding] = []
    for problem in problems:
        name = numbers.get(str(problem.column), "")
        if not name:
            # a paper's own problem names its file, a generated paper's the agenda and its item
            name = owners.get(str(problem.file), "")
        findings.append(Finding(name or "agenda", problem.describe()))
    for entry in items:
        number = entry.item.number
        if entry.pdf is not None and not entry.tagged:
            findings.append(
                Finding(number, f"the supplied PDF {entry.source} is not tagged (not accessible)")
            )
        if entry.paper is not None:
            for section in missing_sections(entry.paper):
                findings.append(Finding(number, f"the paper has no '{section}' section"))
        for forum in entry.governance.previous_forums if entry.governance else ():
            if forum.meeting_date is None or forum.meeting_date > now:
                when = forum.meeting_date.isoformat() if forum.meeting_date else "no date"
                findings.append(
                    Finding(number, f"its previous forum, {forum.name}, has not met yet ({when})")
                )
        period = entry.item.paper.period
        if store is not None and period and entry.item.paper.kind is not PaperKind.VERBAL:
            span = Period.parse(period)
            values = store.values(start=span.start, end=span.end, columns=["metric_id"])
            if values.height == 0:
                findings.append(Finding(number, f"the store has no data for {span.display()}"))
    return findings


@dataclass(frozen=True)
class PackFiles:
    """One pack written: its PDF, its agenda page (HTML) and where each item starts."""

    part: MeetingPart
    pdf_path: Path
    index_path: Path
    #: item number -> (first page, last page) in the PDF
    pages: Mapping[str, tuple[int, int]]
    total_pages: int


@dataclass(frozen=True)
class MeetingOutput:
    """What :func:`build_meeting` wrote: the whole meeting's pack and its public part's."""

    packs: tuple[PackFiles, ...]
    recorded: bool = False
    inaccessible: tuple[str, ...] = field(default_factory=tuple)

    def pack(self, part: MeetingPart) -> PackFiles | None:
        """The pack of ``part`` (``private`` is the whole meeting), if written."""
        return next((p for p in self.packs if p.part is part), None)


def _pages_text(first: int, last: int) -> str:
    return f"page {first}" if first == last else f"pages {first} to {last}"


def _agenda_rows(
    items: Sequence[PackItem], ranges: Mapping[int, tuple[int, int]], html_links: bool
) -> list[AgendaRow]:
    # the PDF's links name the part (the agenda is part 0, then each paper in order)
    parts = {index: n + 1 for n, index in enumerate(ranges)}
    rows = []
    for entry in items:
        item = entry.item
        span = ranges.get(entry.index)
        href = None
        if span is not None:
            href = _page_name(entry) if html_links else f"{ITEM_LINK}{parts[entry.index]}"
        rows.append(
            AgendaRow(
                number=item.number,
                title=item.title,
                presenter=item.presenter,
                purpose=item.purpose.label,
                time=item.time,
                pages=_pages_text(*span) if span else "Verbal",
                href=href,
                private=entry.part is MeetingPart.PRIVATE,
            )
        )
    return rows


def _page_name(entry: PackItem) -> str:
    return f"item-{entry.index + 1:02d}.html"


def _write_pack(
    agenda: Agenda,
    items: Sequence[PackItem],
    part: MeetingPart,
    out: Path,
    laid: dict[int, LaidOut],
    *,
    trust_name: str | None,
    synthetic: bool,
) -> PackFiles:
    meeting = MeetingView(
        name=agenda.meeting.name,
        date=agenda.meeting.meeting_date,
        time=agenda.meeting.time,
        place=agenda.meeting.place,
        link=agenda.meeting.link,
    )
    public = part is MeetingPart.PUBLIC
    with_paper = [e for e in items if e.html is not None or e.pdf is not None]
    agenda_pages = 1
    while True:
        ranges: dict[int, tuple[int, int]] = {}
        at = agenda_pages + 1
        for entry in with_paper:
            count = laid[entry.index].pages
            ranges[entry.index] = (at, at + count - 1)
            at += count
        html = render_agenda_html(
            meeting,
            _agenda_rows(items, ranges, html_links=False),
            public=public,
            trust_name=trust_name,
            synthetic=synthetic,
        )
        agenda_laid = lay_out_html(html)
        if agenda_laid.pages == agenda_pages:
            break
        agenda_pages = agenda_laid.pages
    title = f"{meeting.name}, {meeting.date.isoformat()}: meeting pack ({part.value})"
    parts = [PackPart("Agenda", "", agenda_laid)] + [
        PackPart(f"{e.item.number} {e.item.title}", e.item.number, laid[e.index])
        for e in with_paper
    ]
    pdf, starts = assemble_pack_pdf(parts, title=title)
    out.mkdir(parents=True, exist_ok=True)
    pdf_path = write_atomic(out / "pack.pdf", pdf)
    # the HTML: the agenda as the index, one page per paper, each with the same navigation
    index = render_agenda_html(
        meeting,
        _agenda_rows(items, ranges, html_links=True),
        public=public,
        trust_name=trust_name,
        synthetic=synthetic,
    )
    index_path = write_atomic(out / "index.html", index)
    written = {"pack.pdf", "index.html"}
    for position, entry in enumerate(with_paper):
        before = with_paper[position - 1] if position else None
        after = with_paper[position + 1] if position + 1 < len(with_paper) else None
        nav = PackNav(
            "index.html",
            NavLink(_page_name(before), before.item.number) if before else None,
            NavLink(_page_name(after), after.item.number) if after else None,
        )
        page = _item_page(entry, nav, trust_name=trust_name, synthetic=synthetic)
        write_atomic(out / _page_name(entry), page)
        written.add(_page_name(entry))
        if entry.pdf is not None:
            write_atomic(out / f"item-{entry.index + 1:02d}.pdf", entry.pdf)
            written.add(f"item-{entry.index + 1:02d}.pdf")
    # an item's page from an earlier build (an item since taken in private, or dropped from
    # the agenda) must not stay beside the pack it no longer belongs to
    for stale in out.glob("item-*"):
        if stale.name not in written and stale.is_file():
            stale.unlink()
    pages = {
        e.item.number: (starts[n + 1], starts[n + 1] + laid[e.index].pages - 1)
        for n, e in enumerate(with_paper)
    }
    total = sum(p.laid_out.pages for p in parts)
    return PackFiles(part, pdf_path, index_path, pages, total)


def _item_page(entry: PackItem, nav: PackNav, *, trust_name: str | None, synthetic: bool) -> str:
    """An item's HTML page: the paper with the pack's navigation; a supplied PDF's page links
    to the PDF."""
    if entry.paper is not None:
        return paper_document(entry.paper, trust_name=trust_name, synthetic=synthetic, nav=nav)
    if entry.pdf is not None:
        name = f"item-{entry.index + 1:02d}.pdf"
        governance = Governance(
            title=entry.item.title, agenda_item=entry.item.number, purpose=entry.item.purpose
        )
        body = Markup(f'<p>This paper was supplied as a PDF: <a href="{name}">{name}</a>.</p>')
        return render_paper_html(
            governance, body, trust_name=trust_name, synthetic=synthetic, nav=nav
        )
    return with_pack_nav(entry.html or "", nav)


def build_meeting(
    agenda_path: str | Path,
    output_dir: str | Path,
    *,
    store: Store | None = None,
    trust_name: str | None = None,
    synthetic: bool = False,
) -> MeetingOutput:
    """Check the agenda and every paper, then write the meeting's packs into ``output_dir``:
    ``private/`` (the whole meeting) and, for a meeting held in public, ``public/`` (every
    private item left out of the agenda, the papers, the bookmarks and the page numbers).

    Raises :class:`~trustboard.errors.ConfigError` with every problem and writes nothing while
    any remains.  With ``store``, generated papers come from it, references are checked
    against it and the meeting is recorded in its calendar when the agenda gives the
    calendar's dates.
    """
    path = Path(agenda_path)
    agenda = read_agenda(path)
    items, problems = resolve_items(
        agenda, path, store=store, trust_name=trust_name, synthetic=synthetic, render=True
    )
    if problems:
        raise ConfigError(
            f"the meeting pack cannot be built: {len(problems)} problem(s)",
            problems=problems,
            code=ErrorCode.AGENDA,
            hint="trustboard meeting check lists what is missing",
        )
    # the calendar first: a date it refuses stops the build before anything is written
    recorded = _record(store, agenda) if store is not None else False
    laid: dict[int, LaidOut] = {}
    for entry in items:
        if entry.html is not None:
            laid[entry.index] = lay_out_html(entry.html)
        elif entry.pdf is not None:
            laid[entry.index] = supplied_pdf(entry.pdf)
    out = Path(output_dir)
    packs = [
        _write_pack(
            agenda,
            items,
            MeetingPart.PRIVATE,
            out / "private",
            laid,
            trust_name=trust_name,
            synthetic=synthetic,
        )
    ]
    if agenda.meeting.part is MeetingPart.PUBLIC:
        public = [e for e in items if e.part is MeetingPart.PUBLIC]
        if public:
            packs.append(
                _write_pack(
                    agenda,
                    public,
                    MeetingPart.PUBLIC,
                    out / "public",
                    laid,
                    trust_name=trust_name,
                    synthetic=synthetic,
                )
            )
    inaccessible = tuple(e.item.number for e in items if e.pdf is not None and not e.tagged)
    return MeetingOutput(tuple(packs), recorded, inaccessible)


def _record(store: Store, agenda: Agenda) -> bool:
    """Record the meeting in the store's calendar when the agenda gives its period and the
    calendar's dates (the agenda is the one source of the meeting's date)."""
    meeting = agenda.meeting
    if not (
        meeting.period and meeting.data_cutoff and meeting.narrative_due and meeting.papers_due
    ):
        return False
    try:
        from trustboard.services.meetings import record_meeting
    except ImportError:  # a store without the meeting calendar
        return False
    record_meeting(
        store,
        meeting.forum,
        meeting.period,
        meeting_date=meeting.meeting_date,
        data_cutoff=meeting.data_cutoff,
        narrative_due=meeting.narrative_due,
        papers_due=meeting.papers_due,
        part=meeting.part.value,
        time=meeting.time,
        place=meeting.place or meeting.link,
    )
    return True
