"""Board papers and meeting packs: a paper's HTML (body and governance table), the agenda,
and the pack's assembled, tagged PDF."""

from trustboard.render.papers.html import (
    AgendaRow,
    MeetingView,
    NavLink,
    PackNav,
    render_agenda_html,
    render_paper_html,
    with_pack_nav,
    without_own_page_numbers,
)
from trustboard.render.papers.pdf import (
    ITEM_LINK,
    Bookmark,
    LaidOut,
    PackPart,
    assemble_pack_pdf,
    lay_out_html,
    pdf_is_tagged,
    supplied_pdf,
)

__all__ = [
    "ITEM_LINK",
    "AgendaRow",
    "Bookmark",
    "LaidOut",
    "MeetingView",
    "NavLink",
    "PackNav",
    "PackPart",
    "assemble_pack_pdf",
    "lay_out_html",
    "pdf_is_tagged",
    "render_agenda_html",
    "render_paper_html",
    "supplied_pdf",
    "with_pack_nav",
    "without_own_page_numbers",
]
