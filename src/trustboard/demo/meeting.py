"""The demo trust's Board meeting in public: its agenda and papers, written as files.

The meeting is shaped like the reference trust's public Board meetings: apologies and
declarations taken verbally, the minutes and action log, the Chief Executive's report, the
Integrated Performance Report and the Board Assurance Framework (both generated from the
store), the finance report, the quality and safety report, and questions from the public, with
one item taken in private.  The meeting's date is the demo calendar's Board date for the
period (:func:`~trustboard.demo.paper.meeting_dates`).
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

import yaml

from trustboard.demo.forums import build_forums
from trustboard.demo.meeting_papers import PAPERS
from trustboard.demo.paper import meeting_dates
from trustboard.demo.values import LATEST_PERIOD
from trustboard.domain import Period

__all__ = ["AGENDA_FILE", "write_demo_meeting"]

#: The agenda's file name in the meeting folder.
AGENDA_FILE = "agenda.yaml"

_CEO = {"name": "Dr Helen Marsh", "role": "Chief Executive"}
_FINANCE = {"name": "Mark Ellison", "role": "Director of Finance"}
_NURSE = {"name": "Grace Adeyemi", "role": "Chief Nurse"}
_SECRETARY = {"name": "Ruth Cole", "role": "Director of Corporate Governance"}
_ESTATES = {"name": "Owen Pike", "role": "Head of Estates"}


def _forum_name(forum_id: str) -> str:
    """A forum's name as the catalogue gives it (what a governance table shows)."""
    return next(f.name for f in build_forums() if f.id == forum_id)


def _governance(
    submitted: date,
    sponsor: dict[str, str],
    author: dict[str, str],
    *,
    goals: list[str],
    assurance: str,
    decision: str,
    previous: list[dict[str, Any]] | None = None,
    baf: list[str] | None = None,
    risks: list[dict[str, str]] | None = None,
    appetite: dict[str, Any] | None = None,
    routine: bool = True,
    next_update: str | None = None,
) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "date_submitted": submitted.isoformat(),
        "sponsor": sponsor,
        "author": author,
        "previous_forums": previous or [],
        "assurance_offered": assurance,
        "routine": routine,
        "strategic_goals": goals,
        "baf_links": baf or [],
        "risk_register": risks or [],
        "risk_appetite": appetite or {"consistent": True},
        "fomi": "Figures are taken from the trust's validated reports named in the paper; "
        "none is provisional. THIS PAPER DESCRIBES A SYNTHETIC TRUST.",
        "patient_safety_confirmed": True,
        "equality": "No new impact on any group with a protected characteristic; no equality "
        "impact assessment is needed for this paper.",
        "decision_required": decision,
    }
    if next_update:
        fields["next_update"] = next_update
    return fields


def _figure() -> str:
    """Agency spend by quarter (£000) against the system ceiling, as a small bar chart."""
    spend = [("Q1", 5200), ("Q2", 4900), ("Q3", 4500), ("Q4", 3600)]
    ceiling = 4200
    scale = 0.03
    bars = "".join(
        f'<rect x="{40 + i * 70}" y="{200 - v * scale:.0f}" width="40" height="{v * scale:.0f}" '
        f'fill="#005eb8"/><text x="{60 + i * 70}" y="218" text-anchor="middle" '
        f'font-family="Arial" font-size="12">{q}</text>'
        for i, (q, v) in enumerate(spend)
    )
    line = 200 - ceiling * scale
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" width="330" height="230" '
        'viewBox="0 0 330 230" role="img">'
        f'{bars}<line x1="30" x2="320" y1="{line:.0f}" y2="{line:.0f}" stroke="#d5281b" '
        'stroke-width="2" stroke-dasharray="6 4"/>'
        f'<text x="320" y="{line - 6:.0f}" text-anchor="end" font-family="Arial" '
        'font-size="12" fill="#d5281b">System ceiling</text></svg>'
    )


def _item(
    number: int,
    title: str,
    presenter: str,
    purpose: str,
    time: str,
    paper: Any,
    **more: Any,
) -> dict[str, Any]:
    return {
        "number": f"TB/25/{number:03d}",
        "title": title,
        "presenter": presenter,
        "purpose": purpose,
        "time": time,
        "paper": paper,
        **more,
    }


def demo_agenda(latest: Period = LATEST_PERIOD) -> dict[str, Any]:
    """The demo Board meeting's agenda for the report on ``latest``."""
    day = meeting_dates(latest)["BOARD"]
    submitted = day - timedelta(days=8)
    committees = meeting_dates(latest)
    # the rest of the report's governance table is the Board's in the demo's paper
    # configuration, which the demo keeps in the store
    report = {"strategic_goals": ["Great Outcomes", "Great Care", "Great Place to Work"]}
    period = latest.label()
    baf = _governance(
        submitted,
        _CEO,
        _SECRETARY,
        goals=["Great Outcomes", "Great Care", "Great Place to Work", "Part of the Community"],
        assurance="partially assured",
        decision="Receive the Board Assurance Framework and agree the risk scores.",
        previous=[
            {
                "name": _forum_name("ARC"),
                "date": committees["ARC"].isoformat(),
                "assurance": "partially assured",
                "outcome": "Reviewed the BAF's structure and the evidence behind each score",
            }
        ],
        baf=["BAF-01", "BAF-03", "BAF-06"],
        next_update="quarterly",
    )
    return {
        "meeting": {
            "forum": "BOARD",
            "name": "Trust Board (public)",
            "date": day.isoformat(),
            "time": "09:30",
            "place": "Boardroom, Northvale House, and online",
            "part": "public",
        },
        "items": [
            _item(48, "Welcome and apologies for absence", "Chair", "note", "09:30", "verbal"),
            _item(49, "Declarations of interest", "Chair", "note", "09:32", "verbal"),
            _item(
                50,
                "Minutes of the previous meeting and action log",
                "Chair",
                "approve",
                "09:35",
                "minutes-and-actions.md",
            ),
            _item(
                51,
                "Chief Executive's report",
                "Chief Executive",
                "note",
                "09:40",
                "chief-executive-report.md",
            ),
            _item(
                54,
                "Integrated Performance Report",
                "Chief Operating Officer",
                "assure",
                "10:00",
                {"report": period},
                governance=report,
            ),
            _item(
                55,
                "Board Assurance Framework",
                "Director of Corporate Governance",
                "assure",
                "10:30",
                {"baf": period},
                governance=baf,
            ),
            _item(
                56, "Finance report", "Director of Finance", "assure", "10:50", "finance-report.md"
            ),
            _item(
                57,
                "Quality and safety report",
                "Chief Nurse",
                "assure",
                "11:10",
                "quality-and-safety-report.md",
            ),
            _item(58, "Questions from the public", "Chair", "note", "11:30", "verbal"),
            _item(
                59,
                "Sale of the former Hollybank clinic site",
                "Director of Finance",
                "approve",
                "11:45",
                "estates-hollybank.md",
                part="private",
            ),
        ],
    }


def _front_matter(latest: Period) -> dict[str, dict[str, Any]]:
    day = meeting_dates(latest)["BOARD"]
    submitted = day - timedelta(days=8)
    committees = meeting_dates(latest)

    def considered(forum: str, assurance: str, outcome: str) -> dict[str, str]:
        # a committee that took the paper at its meeting in the same month, before the Board
        return {
            "name": _forum_name(forum),
            "date": committees[forum].isoformat(),
            "assurance": assurance,
            "outcome": outcome,
        }

    return {
        "minutes-and-actions.md": _governance(
            submitted,
            _CEO,
            _SECRETARY,
            goals=["Part of the Community"],
            assurance="assured",
            decision="Approve the minutes and note the action log.",
        ),
        "chief-executive-report.md": _governance(
            submitted,
            _CEO,
            {"name": "Sam Whitfield", "role": "Head of Strategy and Communications"},
            goals=["Great Outcomes", "Great Care", "Great Place to Work", "Part of the Community"],
            assurance="partially assured",
            decision="Note the report.",
            previous=[considered("EMT", "partially assured", "Content agreed")],
            risks=[{"number": "CRR-087", "title": "Neurodevelopmental assessment waiting times"}],
            next_update="at each Board meeting in public",
        ),
        "finance-report.md": _governance(
            submitted,
            _FINANCE,
            {"name": "Jo Barker", "role": "Deputy Director of Finance"},
            goals=["Great Outcomes"],
            assurance="assured",
            decision="Take assurance on the financial position.",
            previous=[
                considered("FPC", "assured", "Year-end position and next year's risks reviewed")
            ],
            baf=["BAF-06"],
            risks=[{"number": "CRR-095", "title": "Out-of-area placement costs"}],
            next_update="monthly",
        ),
        "quality-and-safety-report.md": _governance(
            submitted,
            _NURSE,
            {"name": "Dr Femi Lawal", "role": "Deputy Director of Nursing and Quality"},
            goals=["Great Care"],
            assurance="partially assured",
            decision="Take partial assurance from the report.",
            previous=[
                considered(
                    "QC", "partially assured", "Falls and complaints actions to be followed up"
                )
            ],
            baf=["BAF-01"],
            risks=[
                {"number": "CRR-112", "title": "Registered nurse staffing on adult acute wards"}
            ],
            next_update="monthly",
        ),
        "estates-hollybank.md": _governance(
            submitted,
            _FINANCE,
            _ESTATES,
            goals=["Part of the Community"],
            assurance="assured",
            decision="Approve the sale to the preferred bidder.",
            previous=[considered("FPC", "assured", "Recommended to the Board for approval")],
            routine=False,
        ),
    }


def write_demo_meeting(folder: str | Path, latest: Period = LATEST_PERIOD) -> Path:
    """Write the demo Board meeting (agenda, papers, figure) into ``folder``; returns the
    agenda's path."""
    out = Path(folder)
    (out / "figures").mkdir(parents=True, exist_ok=True)
    (out / "figures" / "agency.svg").write_text(_figure(), encoding="utf-8")
    for name, fields in _front_matter(latest).items():
        front = yaml.safe_dump(fields, sort_keys=False, allow_unicode=True)
        (out / name).write_text(f"---\n{front}---\n{PAPERS[name]}", encoding="utf-8")
    agenda = out / AGENDA_FILE
    header = "# The demo trust's Board meeting (synthetic): see docs/papers.md#the-agenda\n"
    agenda.write_text(
        header + yaml.safe_dump(demo_agenda(latest), sort_keys=False, allow_unicode=True),
        encoding="utf-8",
    )
    return agenda
