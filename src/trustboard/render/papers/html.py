"""A board paper and a meeting pack's agenda as self-contained, accessible HTML.

A paper is its title, its body (Markdown in paper mode, :func:`~trustboard.render.markdown.
paper_html`) and its governance table at the end, as the reference trust's template has it;
the page is the board pack's house style (``pack.css``) on A4 portrait.  The same inputs
always give byte-identical HTML.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from functools import cache
from importlib.resources import files

from jinja2 import Environment
from markupsafe import Markup

from trustboard.domain.governance import Governance
from trustboard.render.pack.formatting import format_date
from trustboard.render.templating import template_environment

__all__ = [
    "AgendaRow",
    "MeetingView",
    "NavLink",
    "PackNav",
    "render_agenda_html",
    "render_paper_html",
]


@dataclass(frozen=True, slots=True)
class NavLink:
    """A link of the pack's navigation."""

    href: str
    label: str


@dataclass(frozen=True, slots=True)
class PackNav:
    """The navigation of one page of a meeting pack's HTML: the agenda, previous and next."""

    agenda: str
    previous: NavLink | None = None
    next: NavLink | None = None


@dataclass(frozen=True, slots=True)
class MeetingView:
    """What the agenda's heading says of the meeting."""

    name: str
    date: date
    time: str | None = None
    place: str | None = None
    link: str | None = None


@dataclass(frozen=True, slots=True)
class AgendaRow:
    """One row of the agenda: the item, and where its paper is ("pages 5 to 12")."""

    number: str
    title: str
    presenter: str | None
    purpose: str
    time: str | None
    pages: str
    href: str | None
    #: taken in the private part of the meeting (shown only in the whole meeting's pack)
    private: bool = False


@cache
def _stylesheet(in_pack: bool) -> str:
    pack = files("trustboard.render.pack").joinpath("pack.css").read_text(encoding="utf-8")
    own = files("trustboard.render.papers").joinpath("papers.css").read_text(encoding="utf-8")
    extra = ""
    if in_pack:
        extra = files("trustboard.render.papers").joinpath("pack_pages.css").read_text("utf-8")
    return f"{pack}\n{own}\n{extra}"


@cache
def _environment() -> Environment:
    return template_environment("trustboard.render.papers", filters={"longdate": format_date})


def render_paper_html(
    paper: Governance,
    body: Markup,
    *,
    trust_name: str | None = None,
    synthetic: bool = False,
    in_pack: bool = False,
    nav: PackNav | None = None,
    prefix: str = "",
) -> str:
    """One paper as an HTML document: masthead, title (with its agenda item), ``body``
    (sanitised HTML from :func:`~trustboard.render.markdown.paper_html` or a rendered
    section) and the governance table at the end.  ``in_pack`` leaves page numbers to the
    pack (stamped across all its papers); ``prefix`` is put before the page's own ids."""
    return (
        _environment()
        .get_template("paper.html.j2")
        .render(
            paper=paper,
            body=body,
            title=(f"{paper.agenda_item} " if paper.agenda_item else "") + (paper.title or ""),
            trust_name=trust_name,
            synthetic=synthetic,
            stylesheet=Markup(_stylesheet(in_pack)),
            nav=nav,
            prefix=prefix,
        )
    )


def render_agenda_html(
    meeting: MeetingView,
    rows: Sequence[AgendaRow],
    *,
    public: bool,
    trust_name: str | None = None,
    synthetic: bool = False,
) -> str:
    """The agenda page of a meeting pack: the meeting, then its items in order with each
    paper's page range and a link to it."""
    part = "public" if public else "private"
    return (
        _environment()
        .get_template("agenda.html.j2")
        .render(
            meeting=meeting,
            rows=list(rows),
            public=public,
            title=f"{meeting.name}, {format_date(meeting.date)}: meeting pack ({part})",
            trust_name=trust_name,
            synthetic=synthetic,
            stylesheet=Markup(_stylesheet(True)),
        )
    )


def without_own_page_numbers(html: str) -> str:
    """A document trustboard rendered on its own (the performance report), made ready for a
    pack: its own "Page N of M" left out, since the pack numbers its pages across papers."""
    own = files("trustboard.render.papers").joinpath("pack_pages.css").read_text("utf-8")
    return html.replace("</head>", f"<style>\n{own}</style>\n</head>", 1)


_PAGE_START = re.compile(r'<body>\s*<div class="page-width[^"]*">')


def with_pack_nav(html: str, nav: PackNav) -> str:
    """A document trustboard rendered on its own (the performance report) with the pack's
    navigation at the top of its page, as every other page of the pack's HTML has it."""
    macro = _environment().get_template("nav.html.j2").module.pack_nav  # type: ignore[attr-defined]
    links = str(macro(nav))
    match = _PAGE_START.search(html)
    if match is None:
        return html
    return html[: match.end()] + "\n" + links + html[match.end() :]
