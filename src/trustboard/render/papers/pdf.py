"""A meeting pack as one tagged PDF: trustboard's own parts laid out together, supplied PDFs
merged in, one outline, links from the agenda, and page numbers stamped across the pack.

Every part trustboard renders (the agenda, each paper, the generated reports) is laid out by
WeasyPrint and the pages of all of them written as one tagged PDF, so the pack has one
structure tree, the document language and the agenda's title.  pypdf then puts each supplied
PDF's pages in their place, rebuilds the outline (each item, with its paper's own headings or
the supplied PDF's own bookmarks under it, at their pages in the pack), turns the agenda's
links into links to each paper's first page, and stamps "TB/25/012 · Page 37 of 212" on every
page, marked as a pagination artifact so that a screen reader does not read it as content.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from trustboard.errors import MissingExtraError
from trustboard.render.pack.pdf import PDF_VARIANT, _pack_only_fetcher

__all__ = [
    "ITEM_LINK",
    "Bookmark",
    "LaidOut",
    "PackPart",
    "assemble_pack_pdf",
    "lay_out_html",
    "pdf_is_tagged",
    "supplied_pdf",
]

#: The address an agenda links each item to; the assembly turns it into a link to the page
#: where the item's paper starts.
ITEM_LINK = "https://meeting-pack.invalid/item/"

# a page number that is not part of the content: what PDF/UA asks of running footers
_STAMP = (
    b"/Artifact <</Type /Pagination /Subtype /Footer>> BDC\n"
    b"BT /TBPageNo 8 Tf 0.298 0.384 0.447 rg 1 0 0 1 %.2f %.2f Tm (%s) Tj ET\nEMC\n"
)


@dataclass(frozen=True, slots=True)
class Bookmark:
    """An outline entry: its title, its page (from 0, within its part) and its children."""

    title: str
    page: int
    children: tuple[Bookmark, ...] = ()


@dataclass(frozen=True, slots=True)
class LaidOut:
    """A part's pages: a WeasyPrint document (trustboard's own) or a supplied PDF's bytes."""

    pages: int
    bookmarks: tuple[Bookmark, ...]
    document: Any = None
    data: bytes | None = None
    tagged: bool = True


@dataclass(frozen=True, slots=True)
class PackPart:
    """One part of the pack in order: the agenda or an item's paper."""

    #: the outline entry's title ("TB/25/012 Chief Executive's report")
    title: str
    #: what the page stamp says before the page number (the item number; "" for the agenda)
    stamp: str
    laid_out: LaidOut


def _weasyprint() -> Any:
    try:
        import weasyprint
    except ImportError as missing:
        raise MissingExtraError("Writing the meeting pack as PDF", "pdf", "weasyprint") from missing
    return weasyprint


def _pypdf() -> Any:
    try:
        import pypdf
    except ImportError as missing:
        raise MissingExtraError("Assembling the meeting pack", "pdf", "pypdf") from missing
    return pypdf


def _tree(raw: Sequence[Any]) -> tuple[Bookmark, ...]:
    return tuple(
        Bookmark(str(label), int(target[0]), _tree(children))
        for label, target, children, _state in raw
    )


def lay_out_html(html: str) -> LaidOut:
    """Lay out one of trustboard's documents as the PDF will have it (its pages and its
    headings as bookmarks)."""
    document = (
        _weasyprint()
        .HTML(string=html, url_fetcher=_pack_only_fetcher())
        .render(pdf_variant=PDF_VARIANT)
    )
    return LaidOut(len(document.pages), _tree(document.make_bookmark_tree()), document=document)


def pdf_is_tagged(reader: Any) -> bool:
    """Whether a PDF says it is tagged (a structure tree, and MarkInfo's Marked true)."""
    root = reader.trailer["/Root"]
    mark = root.get("/MarkInfo")
    return "/StructTreeRoot" in root and bool(mark and mark.get_object().get("/Marked"))


def _outline(reader: Any, items: Any) -> tuple[Bookmark, ...]:
    out: list[Bookmark] = []
    for entry in items:
        if isinstance(entry, list):
            if out:
                last = out[-1]
                out[-1] = Bookmark(last.title, last.page, last.children + _outline(reader, entry))
            continue
        page = reader.get_destination_page_number(entry)
        if page is None or page < 0:
            continue
        out.append(Bookmark(str(entry.title), int(page)))
    return tuple(out)


def supplied_pdf(data: bytes) -> LaidOut:
    """A PDF supplied by someone else: its pages, its own bookmarks and whether it is tagged.
    Raises ``ValueError`` saying why when it cannot be read as a PDF, is encrypted or has no
    pages."""
    pypdf = _pypdf()
    with _pypdf_quiet():
        return _read_supplied(pypdf, data)


@contextmanager
def _pypdf_quiet() -> Iterator[None]:
    # pypdf logs what it repairs in a damaged file ("EOF marker not found"); the reader is
    # told once, in the problem that names the file, not in stray lines before it
    logger = logging.getLogger("pypdf")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(level)


def _read_supplied(pypdf: Any, data: bytes) -> LaidOut:
    try:
        reader = pypdf.PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            # even one that opens without a password carries its author's restrictions, and
            # the pack cannot be stamped and merged without lifting them
            raise ValueError(
                "it is encrypted (protected by a password or restrictions); ask for a copy "
                "saved without protection"
            )
        pages = len(reader.pages)
        marks = _outline(reader, reader.outline)
        tagged = pdf_is_tagged(reader)
    except (pypdf.errors.PyPdfError, *_UNREADABLE) as bad:
        raise ValueError(
            f"it is not a PDF that can be read ({bad or type(bad).__name__})"
        ) from None
    if pages == 0:
        raise ValueError("it has no pages")
    return LaidOut(pages, marks, data=data, tagged=tagged)


# what pypdf raises on a damaged file besides its own errors: a damaged object table or
# outline surfaces as a missing key, a wrong type or a recursion through itself
_UNREADABLE: tuple[type[Exception], ...] = (
    KeyError,
    TypeError,
    AttributeError,
    IndexError,
    RecursionError,
)


def _pdf_text(text: str) -> bytes:
    safe = text.encode("latin-1", "replace")
    return safe.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)")


def _stamp(pypdf: Any, page: Any, text: str) -> None:
    generic = pypdf.generic
    box = page.mediabox
    width = 8 * 0.5 * len(text)  # Helvetica's figures and letters average half an em
    x = float(box.right) - 40 - width
    y = float(box.bottom) + 20
    resources = page.get("/Resources")
    if resources is None:
        resources = generic.DictionaryObject()
        page[generic.NameObject("/Resources")] = resources
    resources = resources.get_object()
    fonts = resources.get("/Font")
    if fonts is None:
        fonts = generic.DictionaryObject()
        resources[generic.NameObject("/Font")] = fonts
    fonts = fonts.get_object()
    fonts[generic.NameObject("/TBPageNo")] = generic.DictionaryObject(
        {
            generic.NameObject("/Type"): generic.NameObject("/Font"),
            generic.NameObject("/Subtype"): generic.NameObject("/Type1"),
            generic.NameObject("/BaseFont"): generic.NameObject("/Helvetica"),
            generic.NameObject("/Encoding"): generic.NameObject("/WinAnsiEncoding"),
        }
    )
    contents = page.get_contents()
    original = contents.get_data() if contents is not None else b""
    stream = generic.DecodedStreamObject()
    stream.set_data(b"q\n" + original + b"\nQ\n" + _STAMP % (x, y, _pdf_text(text)))
    page.replace_contents(stream.flate_encode())


def _add_bookmarks(writer: Any, marks: Sequence[Bookmark], offset: int, parent: Any) -> None:
    for mark in marks:
        node = writer.add_outline_item(
            title=mark.title, page_number=offset + mark.page, parent=parent
        )
        _add_bookmarks(writer, mark.children, offset, node)


def _own_bookmarks(part: PackPart) -> tuple[Bookmark, ...]:
    # a paper's title heading is the item's own entry: its headings go under the item
    marks = part.laid_out.bookmarks
    if len(marks) == 1 and marks[0].page == 0:
        return marks[0].children
    return marks


def assemble_pack_pdf(parts: Sequence[PackPart], *, title: str) -> tuple[bytes, tuple[int, ...]]:
    """The pack's PDF, and the page (from 1) on which each part starts.

    ``parts[0]`` is the agenda: its links to :data:`ITEM_LINK` followed by a part's index
    become links to that part's first page.
    """
    pypdf = _pypdf()
    generic = pypdf.generic
    own = [p for p in parts if p.laid_out.document is not None]
    first = own[0].laid_out.document
    pages = [page for p in own for page in p.laid_out.document.pages]
    tagged = first.copy(pages).write_pdf(pdf_variant=PDF_VARIANT, uncompressed_pdf=False)
    # incremental: the tagged PDF is kept as written and only what changes is added to it
    # (cloning every object of a 300-page document costs as much as laying it out)
    writer = pypdf.PdfWriter(io.BytesIO(tagged), incremental=True)
    starts: list[int] = []
    at = 0
    for part in parts:
        starts.append(at)
        data = part.laid_out.data
        if data is not None:
            with _pypdf_quiet():
                reader = pypdf.PdfReader(io.BytesIO(data))
                for index, page in enumerate(reader.pages):
                    writer.insert_page(page, at + index)
        at += part.laid_out.pages
    total = len(writer.pages)
    if "/Outlines" in writer.root_object:
        del writer.root_object["/Outlines"]
    for index, part in enumerate(parts):
        node = writer.add_outline_item(title=part.title, page_number=starts[index])
        _add_bookmarks(writer, _own_bookmarks(part) if index else (), starts[index], node)
    for page in writer.pages[: parts[0].laid_out.pages]:
        for annotation in page.get("/Annots") or ():
            link = annotation.get_object()
            action = link.get("/A")
            uri = str(action.get_object().get("/URI", "")) if action is not None else ""
            if not uri.startswith(ITEM_LINK):
                continue
            target = starts[int(uri[len(ITEM_LINK) :])]
            del link["/A"]
            link[generic.NameObject("/Dest")] = generic.ArrayObject(
                [writer.pages[target].indirect_reference, generic.NameObject("/Fit")]
            )
    for index, part in enumerate(parts):
        for number in range(starts[index], starts[index] + part.laid_out.pages):
            text = f"Page {number + 1} of {total}"
            _stamp(
                pypdf, writer.pages[number], f"{part.stamp} \u00b7 {text}" if part.stamp else text
            )
    writer.add_metadata({"/Title": title})
    writer.page_mode = "/UseOutlines"
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue(), tuple(s + 1 for s in starts)
