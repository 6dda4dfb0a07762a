"""A paper's front matter: each kind of error named by file and field, nothing written."""

from __future__ import annotations

from pathlib import Path

import pytest

from trustboard.errors import ConfigError, ErrorCode, Problem
from trustboard.services.papers import References, read_paper, render_paper

from .paper_files import GOOD_BODY, spoilt, write_paper

REFS = References(
    goals=frozenset({"GC", "Great Care", "GO", "Great Outcomes"}),
    risks=frozenset({"BAF-01", "BAF-02"}),
    entries={"CRR-087": "Assessment waiting times"},
    forums=frozenset({"Executive Board", "EXEC", "Quality Committee"}),
)


def _problems(folder: Path, fields: dict[str, object], body: str = GOOD_BODY) -> list[Problem]:
    path = write_paper(folder, fields=fields, body=body)
    _paper, problems = read_paper(path, refs=REFS)
    return problems


def _by_field(problems: list[Problem]) -> dict[str, str]:
    return {str(p.column): str(p.code) for p in problems}


def test_a_complete_paper_has_no_problem(tmp_path: Path) -> None:
    path = write_paper(tmp_path, fields=spoilt())
    paper, problems = read_paper(path, refs=REFS)
    assert problems == []
    assert paper is not None
    assert [text for _level, text in paper.headings] == [
        "Purpose of the Report",
        "Analysis of the Issue",
        "Proposal",
        "Decision Required",
    ]


def test_each_required_field_left_out_is_named(tmp_path: Path) -> None:
    problems = _problems(tmp_path, spoilt(equality=None, sponsor=None, fomi="  "))
    assert _by_field(problems) == {
        "equality": ErrorCode.PAPER_BLANK,
        "sponsor": ErrorCode.PAPER_BLANK,
        "fomi": ErrorCode.PAPER_BLANK,
    }
    assert all(p.file == str(tmp_path / "paper.md") for p in problems)


def test_a_date_that_does_not_exist_is_named_with_its_line(tmp_path: Path) -> None:
    problems = _problems(tmp_path, spoilt(date_submitted="2025-02-30"))
    assert _by_field(problems) == {"date_submitted": ErrorCode.PAPER_FIELD}
    # the front matter's fifth field is on the file's sixth line (after the '---')
    assert "(line 6)" in problems[0].message


def test_a_paper_submitted_after_its_meeting_is_refused(tmp_path: Path) -> None:
    problems = _problems(tmp_path, spoilt(date_submitted="2025-01-29"))
    assert _by_field(problems) == {"date_submitted": ErrorCode.PAPER_FIELD}
    assert "after its meeting" in problems[0].message
    # named with its own line: the fifth field, on the file's sixth line
    assert "(line 6)" in problems[0].message


def test_a_previous_forum_after_the_meeting_is_refused(tmp_path: Path) -> None:
    # the meeting is on 28 January 2025: a forum on the 29th cannot have considered it before
    forums = [{"name": "Executive Board", "date": "2025-01-29"}]
    problems = _problems(tmp_path, spoilt(previous_forums=forums))
    assert _by_field(problems) == {"previous_forums": ErrorCode.PAPER_FIELD}
    assert "Executive Board meets (2025-01-29) after the paper's meeting" in problems[0].message
    forums = [{"name": "Executive Board", "date": "2025-01-28"}]
    assert _problems(tmp_path, spoilt(previous_forums=forums)) == []


def test_an_assurance_level_outside_the_allowed_set_is_refused(tmp_path: Path) -> None:
    forums = [{"name": "Executive Board", "date": "2025-01-14", "assurance": "mostly"}]
    problems = _problems(tmp_path, spoilt(assurance_offered="reasonable", previous_forums=forums))
    assert sorted(_by_field(problems)) == ["assurance_offered", "previous_forums[0].assurance"]
    assert all("not_assured" in str(p.expected) for p in problems)


def test_no_to_the_risk_appetite_needs_a_reason(tmp_path: Path) -> None:
    problems = _problems(tmp_path, spoilt(risk_appetite={"consistent": False}))
    assert [p.code for p in problems] == [ErrorCode.PAPER_APPETITE]
    reasoned = spoilt(risk_appetite={"consistent": False, "reason": "Agency spend rises."})
    assert _problems(tmp_path / "b", reasoned) == []


def test_unknown_goals_committees_and_risks_are_errors(tmp_path: Path) -> None:
    problems = _problems(
        tmp_path,
        spoilt(
            strategic_goals=["Great Care", "Great Parking"],
            baf_links=["BAF-09"],
            risk_register=[{"number": "CRR-999", "title": "Nothing"}],
            previous_forums=[{"name": "Parking Committee", "date": "2025-01-10"}],
        ),
    )
    assert _by_field(problems) == {
        "strategic_goals[1]": ErrorCode.PAPER_REFERENCE,
        "baf_links[0]": ErrorCode.PAPER_REFERENCE,
        "risk_register[0].number": ErrorCode.PAPER_REFERENCE,
        "previous_forums[0].name": ErrorCode.PAPER_REFERENCE,
    }
    values = {p.value for p in problems}
    assert values == {"Great Parking", "BAF-09", "CRR-999", "Parking Committee"}


def test_an_unknown_field_is_an_error_not_a_blank(tmp_path: Path) -> None:
    problems = _problems(tmp_path, {**spoilt(), "sponser": "Amara Osei"})
    assert _by_field(problems) == {"sponser": ErrorCode.PAPER_KEY}


@pytest.mark.parametrize(
    ("source", "why"),
    [
        ("https://example.org/chart.png", "never fetched"),
        ("../chart.svg", "outside the paper's folder"),
        ("figures/beds.gif", "not SVG or PNG"),
        ("figures/missing.svg", "does not exist"),
    ],
)
def test_a_figure_from_elsewhere_is_refused(tmp_path: Path, source: str, why: str) -> None:
    body = GOOD_BODY.replace("figures/beds.svg", source)
    problems = _problems(tmp_path, spoilt(), body)
    assert [p.code for p in problems] == [ErrorCode.PAPER_FIGURE]
    assert why in problems[0].message
    assert problems[0].value == source


def test_a_figure_without_alternative_text_is_refused(tmp_path: Path) -> None:
    body = GOOD_BODY.replace("Bar chart of beds open on each ward", "")
    problems = _problems(tmp_path, spoilt(), body)
    assert [p.code for p in problems] == [ErrorCode.PAPER_FIGURE]
    assert "alternative text" in problems[0].message


def test_a_paper_without_front_matter_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "paper.md"
    path.write_text("# Purpose of the Report\n\nText.\n", encoding="utf-8")
    _paper, problems = read_paper(path)
    assert [(p.code, p.row) for p in problems] == [(ErrorCode.PAPER_FRONT_MATTER, 1)]


def test_front_matter_that_is_not_yaml_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "paper.md"
    path.write_text("---\ntitle: [unclosed\n---\nText.\n", encoding="utf-8")
    _paper, problems = read_paper(path)
    assert [p.code for p in problems] == [ErrorCode.PAPER_FRONT_MATTER]


def test_a_purpose_written_in_capitals_agrees_with_the_agendas(tmp_path: Path) -> None:
    # the schema reads "Note" as note, so the paper and its agenda item ask the same thing
    path = write_paper(tmp_path, fields=spoilt(purpose="Note"))
    paper, problems = read_paper(path, refs=REFS, meeting={"purpose": "note"})
    assert problems == [] and paper is not None and paper.governance.purpose == "note"
    path = write_paper(tmp_path, fields=spoilt(purpose="Approve"))
    _paper, problems = read_paper(path, refs=REFS, meeting={"purpose": "note"})
    assert _by_field(problems) == {"purpose": ErrorCode.PAPER_FIELD}


def test_the_agenda_decides_the_meeting_date(tmp_path: Path) -> None:
    path = write_paper(tmp_path, fields=spoilt())
    _paper, problems = read_paper(path, refs=REFS, meeting={"meeting_date": "2025-01-30"})
    assert _by_field(problems) == {"meeting_date": ErrorCode.PAPER_FIELD}
    assert "2025-01-30" in str(problems[0].expected)


def test_nothing_is_written_while_a_problem_remains(tmp_path: Path) -> None:
    path = write_paper(tmp_path / "in", fields=spoilt(equality=None, purpose="decide"))
    with pytest.raises(ConfigError) as raised:
        render_paper(path, tmp_path / "out", pdf=False)
    assert {p.column for p in raised.value.problems} == {"equality", "purpose"}
    assert not (tmp_path / "out").exists()
