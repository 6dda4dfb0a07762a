"""The demo Board meeting's agenda and papers: complete, in the trust's sections, and naming
only goals, risks and forums the demo trust has."""

from __future__ import annotations

from pathlib import Path

import pytest

from trustboard.demo.forums import build_forums
from trustboard.demo.meeting import write_demo_meeting
from trustboard.domain.governance import MeetingPart, PaperKind
from trustboard.services.baf import demo_register
from trustboard.services.meeting_pack import read_agenda
from trustboard.services.papers import References, missing_sections, read_paper


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_demo_meeting(tmp_path_factory.mktemp("demo-meeting")).parent


def _refs() -> References:
    register = demo_register()
    forums = build_forums()
    return References(
        goals=frozenset(
            {o.id for o in register.objectives} | {o.title for o in register.objectives}
        ),
        risks=frozenset(r.id for r in register.risks),
        entries={e.id: e.title for r in register.risks for e in r.crr},
        forums=frozenset({f.id for f in forums} | {f.name for f in forums}),
    )


def test_the_meeting_is_shaped_like_the_reference_trusts(folder: Path) -> None:
    agenda = read_agenda(folder / "agenda.yaml")
    kinds = [item.paper.kind for item in agenda.items]
    assert len(agenda.items) == 10
    assert kinds.count(PaperKind.VERBAL) == 3  # apologies, declarations, public questions
    assert PaperKind.REPORT in kinds and PaperKind.BAF in kinds
    assert agenda.meeting.part is MeetingPart.PUBLIC
    private = [i.title for i in agenda.items if agenda.part_of(i) is MeetingPart.PRIVATE]
    assert private == ["Sale of the former Hollybank clinic site"]


def test_every_paper_is_complete_and_names_what_the_trust_has(folder: Path) -> None:
    agenda = read_agenda(folder / "agenda.yaml")
    refs = _refs()
    for item in agenda.items:
        if item.paper.kind is not PaperKind.MARKDOWN:
            continue
        meeting = {
            "meeting": agenda.meeting.name,
            "meeting_date": agenda.meeting.meeting_date.isoformat(),
            "agenda_item": item.number,
            "purpose": item.purpose.value,
        }
        paper, problems = read_paper(
            folder / str(item.paper.path),
            refs=refs,
            meeting=meeting,
            defaults={"title": item.title},
        )
        assert problems == [], item.number
        assert paper is not None and missing_sections(paper) == []
        assert paper.governance.date_submitted is not None
        assert paper.governance.date_submitted < agenda.meeting.meeting_date


def test_build_records_the_meeting_in_the_calendar(folder: Path, tmp_path: Path) -> None:
    from trustboard.demo import DEFAULT_SEED, build_demo_trust
    from trustboard.services.meeting_pack import build_meeting
    from trustboard.services.meetings import meeting_for
    from trustboard.store import Store

    pytest.importorskip("weasyprint")
    trust = build_demo_trust(DEFAULT_SEED)
    store, _before, _after = Store.init(f"sqlite:///{tmp_path / 'store.db'}", actor="test")
    try:
        store.upsert_catalogue(
            trust.definitions, trust.org_units, trust.forums, source="test", effective=None
        )
        agenda = folder / "calendar.yaml"
        agenda.write_text(
            """\
meeting: {forum: BOARD, name: Trust Board (public), date: 2025-05-08, part: public,
  period: 2025-03, data_cutoff: 2025-04-05, narrative_due: 2025-04-21, papers_due: 2025-04-24}
items:
  - {number: TB/25/050, title: Minutes, purpose: approve, paper: minutes-and-actions.md}
""",
            encoding="utf-8",
        )
        built = build_meeting(agenda, tmp_path / "out", store=store)
        assert built.recorded
        meeting = meeting_for(store, "BOARD", "2025-03")
        assert meeting is not None and meeting.meeting_date.isoformat() == "2025-05-08"
        assert meeting.papers_due.isoformat() == "2025-04-24"
    finally:
        store.close()
