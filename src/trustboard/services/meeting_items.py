"""A meeting's agenda read and each item's paper found, checked and rendered (the first half
of :func:`~trustboard.services.meeting_pack.build_meeting` and all of its check).

The agenda is validated against :class:`~trustboard.domain.governance.Agenda`; each item's
paper is then read: a Markdown paper through :func:`~trustboard.services.papers.read_paper`
(its meeting, date, item number and purpose taken from the agenda), a supplied PDF (its pages,
bookmarks and whether it is tagged), or the performance report or BAF generated from the store
with the governance fields the agenda gives them, checked by the same schema.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from markupsafe import Markup

from trustboard.domain import Period
from trustboard.domain.governance import Agenda, AgendaItem, Governance, MeetingPart, PaperKind
from trustboard.domain.limits import current_limits
from trustboard.errors import ConfigError, ErrorCode, NotFoundError, Problem
from trustboard.ingest.entries import EntryPlace, load_yaml, validate_entry, yaml_error_text
from trustboard.render.papers import render_paper_html, supplied_pdf, without_own_page_numbers
from trustboard.services.papers import (
    PaperFile,
    References,
    governance_problems,
    paper_document,
    read_paper,
    references_from_store,
)
from trustboard.store import Store

__all__ = ["PackItem", "item_label", "read_agenda", "resolve_items"]

_CODES = {"required": ErrorCode.AGENDA, "unknown": ErrorCode.AGENDA, "field": ErrorCode.AGENDA}


def read_agenda(path: str | Path) -> Agenda:
    """Read and validate an agenda file; every problem is named (``TB-AGENDA``)."""
    file = Path(path)
    if not file.is_file():
        raise NotFoundError(f"agenda '{file}' does not exist")
    try:
        document = load_yaml(file)
    except yaml.YAMLError as bad:
        raise ConfigError(
            f"agenda '{file}' is not valid YAML: {yaml_error_text(bad)}", code=ErrorCode.AGENDA
        ) from None
    raw = document.data
    if not isinstance(raw, Mapping):
        raise ConfigError(
            f"agenda '{file}' must be a mapping with 'meeting' and 'items'", code=ErrorCode.AGENDA
        )
    problems: list[Problem] = []
    built = validate_entry(Agenda, raw, EntryPlace(str(file), yaml=document), _CODES, problems)
    if problems or not isinstance(built, Agenda):
        raise ConfigError(
            f"the agenda '{file}' has {len(problems)} problem(s)",
            problems=problems,
            code=ErrorCode.AGENDA,
            hint="the agenda's fields are described in docs/papers.md#the-agenda",
        )
    return built


@dataclass(frozen=True)
class PackItem:
    """An agenda item with its paper read and checked (and, to build, rendered)."""

    item: AgendaItem
    part: MeetingPart
    index: int
    paper: PaperFile | None = None
    #: the HTML trustboard renders for the item (a Markdown paper, the report, the BAF)
    html: str | None = None
    #: a supplied PDF's bytes and where it came from
    pdf: bytes | None = None
    source: Path | None = None
    tagged: bool = True
    governance: Governance | None = None


def _meeting_fields(agenda: Agenda, item: AgendaItem) -> dict[str, Any]:
    return {
        "meeting": agenda.meeting.name,
        "meeting_date": agenda.meeting.meeting_date.isoformat(),
        "agenda_item": item.number,
        "purpose": item.purpose.value,
    }


def item_label(agenda_label: str, number: str) -> str:
    """Where a generated paper's governance problem is: the agenda and the item."""
    return f"{agenda_label}, item {number}"


def _anchor(index: int) -> str:
    return f"item-{index + 1:02d}-"


def _kept_fields(store: Store | None, forum_id: str) -> dict[str, Any]:
    """The forum's governance fields in the paper configuration the store keeps (the one the
    last pack was published with), if it keeps one."""
    if store is None:
        return {}
    from trustboard.services.paper_config import load_paper_config
    from trustboard.store.paper import read_paper_config

    with store.engine.connect() as conn:
        raw = read_paper_config(conn)
    return load_paper_config(raw).for_forum(forum_id) if raw else {}


def _generated_governance(
    agenda: Agenda,
    item: AgendaItem,
    label: str,
    refs: References | None,
    default_title: str,
    store: Store | None,
) -> tuple[Governance | None, list[Problem]]:
    """A generated paper's governance fields: the item's own ``governance`` block, for the
    performance report over the forum's fields in the store's paper configuration (its cover
    sheet's), with the meeting, date, item number and purpose from the agenda."""
    from trustboard.ingest.entries import YamlDocument

    report = item.paper.kind is PaperKind.REPORT
    kept = _kept_fields(store, agenda.meeting.forum) if report else {}
    where = item_label(label, item.number)
    # the kept configuration's meeting date is the last published pack's: the agenda's stands
    kept.pop("meeting_date", None)
    kept.pop("date", None)
    given = item.governance.model_dump(exclude_defaults=True) if item.governance else {}
    fields = {"title": default_title, **kept, **given, **_meeting_fields(agenda, item)}
    built, found = governance_problems(YamlDocument(Path(label), fields), where, fields, refs=refs)
    return built, found


def _forum(store: Store, forum_id: str) -> Any:
    for forum in store.forums():
        if forum.id == forum_id:
            return forum
    return None


def _report_html(
    store: Store, agenda: Agenda, item: AgendaItem, paper: Governance, synthetic: bool
) -> str:
    from trustboard.render.pack import assemble_pack, render_html
    from trustboard.services.pack import gather_inputs
    from trustboard.services.paper_config import load_paper_config

    period = item.paper.period or ""
    config = load_paper_config(None)
    inputs = gather_inputs(
        store, agenda.meeting.forum, period, config=config, synthetic=synthetic, paper=paper
    )
    return without_own_page_numbers(render_html(assemble_pack(inputs)))


def _baf_html(
    store: Store,
    agenda: Agenda,
    item: AgendaItem,
    paper: Governance,
    trust_name: str | None,
    synthetic: bool,
    prefix: str,
) -> str | None:
    from trustboard.domain import OrgLevel
    from trustboard.services.pack import baf_from_store

    forum = _forum(store, agenda.meeting.forum)
    trust = [u.code for u in store.org_units() if u.level is OrgLevel.TRUST]
    # the register as reviewed for the meeting, read at the trust's level
    section = baf_from_store(
        store,
        forum,
        agenda.meeting.meeting_date,
        org_unit=trust[0] if trust else None,
        risk_pages=False,
    )
    if section is None:
        return None
    return render_paper_html(
        paper,
        Markup(section),
        trust_name=trust_name,
        synthetic=synthetic,
        in_pack=True,
        prefix=prefix,
    )


def resolve_items(
    agenda: Agenda,
    agenda_path: Path,
    *,
    store: Store | None,
    trust_name: str | None,
    synthetic: bool,
    render: bool,
) -> tuple[list[PackItem], list[Problem]]:
    """Every item with its paper read, checked and (``render``) rendered; every problem."""
    refs = references_from_store(store) if store is not None else None
    folder = agenda_path.parent
    label = str(agenda_path)
    problems: list[Problem] = []
    items: list[PackItem] = []
    if store is not None and _forum(store, agenda.meeting.forum) is None:
        problems.append(
            Problem(
                ErrorCode.AGENDA,
                f"forum '{agenda.meeting.forum}' is not in the store's catalogue",
                file=label,
                column="meeting.forum",
                value=agenda.meeting.forum,
                expected="one of " + ", ".join(sorted(f.id for f in store.forums())),
            )
        )
    for index, item in enumerate(agenda.items):
        part = agenda.part_of(item)
        source = item.paper
        where = f"items[{index}].paper"
        prefix = _anchor(index)
        if source.kind is PaperKind.VERBAL:
            items.append(PackItem(item, part, index))
            continue
        if source.kind in (PaperKind.MARKDOWN, PaperKind.PDF):
            path = folder / (source.path or "")
            if not path.is_file():
                problems.append(
                    Problem(
                        ErrorCode.AGENDA,
                        f"the paper of item {item.number} has not been written",
                        file=label,
                        column=where,
                        value=source.path,
                        expected="a file, relative to the agenda's folder",
                    )
                )
                continue
            size, most = path.stat().st_size, current_limits().max_file_bytes
            if size > most:
                problems.append(
                    Problem(
                        ErrorCode.FILE_LIMIT,
                        f"the paper of item {item.number} is {size:,} bytes",
                        file=label,
                        column=where,
                        value=source.path,
                        expected=f"at most {most:,} (max_file_bytes, see docs/security.md)",
                    )
                )
                continue
            if source.kind is PaperKind.PDF:
                try:
                    laid = supplied_pdf(path.read_bytes())
                except ValueError as bad:
                    problems.append(
                        Problem(
                            ErrorCode.AGENDA,
                            f"the PDF of item {item.number} cannot be read: {bad}",
                            file=label,
                            column=where,
                            value=source.path,
                        )
                    )
                    continue
                items.append(
                    PackItem(item, part, index, pdf=laid.data, source=path, tagged=laid.tagged)
                )
                continue
            paper, found = read_paper(
                path,
                refs=refs,
                meeting=_meeting_fields(agenda, item),
                defaults={"title": item.title},
            )
            problems += found
            # a check goes on to the forums and sections of a paper with problems; a build stops
            if paper is not None and (not found or not render):
                html = None
                if render:
                    html = paper_document(
                        paper,
                        trust_name=trust_name,
                        synthetic=synthetic,
                        in_pack=True,
                        prefix=prefix,
                    )
                items.append(
                    PackItem(item, part, index, paper=paper, html=html, governance=paper.governance)
                )
            continue
        # the generated papers: the performance report and the BAF, from the store
        try:
            shown = Period.parse(source.period or "").display()
        except ValueError:
            shown = str(source.period)
        default = (
            f"Integrated Performance Report, {shown}"
            if source.kind is PaperKind.REPORT
            else f"Board Assurance Framework, {shown}"
        )
        governance, found = _generated_governance(agenda, item, label, refs, default, store)
        problems += found
        if store is None:
            problems.append(
                Problem(
                    ErrorCode.AGENDA,
                    f"item {item.number} is generated from the store: give --database",
                    file=label,
                    column=where,
                )
            )
            continue
        try:
            period = Period.parse(source.period or "")
        except ValueError as bad:
            problems.append(
                Problem(ErrorCode.AGENDA, str(bad), file=label, column=where, value=source.period)
            )
            continue
        # as for a Markdown paper: a check goes on to the forums and the period's data
        if governance is None or (found and render):
            continue
        html = None
        if render and source.kind is PaperKind.REPORT:
            html = _report_html(store, agenda, item, governance, synthetic)
        elif render:
            html = _baf_html(store, agenda, item, governance, trust_name, synthetic, prefix)
            if html is None:
                problems.append(
                    Problem(
                        ErrorCode.AGENDA,
                        f"item {item.number}: the store holds no BAF register or no SPC results "
                        f"for {period.display()}",
                        file=label,
                        column=where,
                    )
                )
                continue
        items.append(PackItem(item, part, index, html=html, governance=governance))
    return items, problems
