"""The demo trust's paper configuration: the cover sheet of each forum's report (domain.md §6).

Returned as a plain mapping in the layout of the paper configuration file
(``docs/board-pack.md``): ``trust_name``, default cover-sheet fields under ``paper`` and each
forum's own fields under ``forums``.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from trustboard.demo.organisation import TRUST_NAME
from trustboard.demo.values import HISTORY_MONTHS, LATEST_PERIOD
from trustboard.domain import Period

__all__ = ["build_paper_config", "meeting_dates"]

# Days after the end of the data month on which each forum meets: the executive team first,
# then the committees, then the Board (domain.md §1.2 reporting cycle).
_MEETING_OFFSETS = {
    "EMT": 15,
    "FPC": 22,
    "QC": 24,
    "PC": 24,
    "ARC": 29,
    "BOARD": 31,
    "BOARD-PRIVATE": 31,
}
_NAMES = {
    "EMT": "Executive Management Team",
    "FPC": "Finance & Performance Committee",
    "QC": "Quality Committee",
    "PC": "People Committee",
    "ARC": "Audit & Risk Committee",
}


def meeting_dates(latest: Period = LATEST_PERIOD) -> dict[str, date]:
    """When each forum meets to receive the report for ``latest``."""
    return {forum: latest.end + timedelta(days=days) for forum, days in _MEETING_OFFSETS.items()}


def _previous(forums: tuple[str, ...], dates: dict[str, date]) -> list[dict[str, Any]]:
    outcomes = {
        "EMT": (
            "partially_assured",
            "Report approved for committees; exception narratives for "
            "out-of-area placements and sickness absence strengthened",
        ),
        "FPC": (
            "partially_assured",
            "Out-of-area placement trajectory and payment performance escalated to the Board",
        ),
        "QC": (
            "partially_assured",
            "Inpatient falls and complaints timeliness escalated to the "
            "Board; deep dive on CYP eating disorders received",
        ),
        "PC": ("partially_assured", "Sickness absence escalated to the Board"),
    }
    return [
        {
            "name": _NAMES[f],
            "date": dates[f],
            "assurance": outcomes[f][0],
            "outcome": outcomes[f][1],
        }
        for f in forums
    ]


def build_paper_config(latest: Period = LATEST_PERIOD) -> dict[str, Any]:
    """Cover-sheet fields for every demo forum's report on ``latest``."""
    dates = meeting_dates(latest)
    month = latest.display()
    common = {
        "sponsor": "Daniel Okafor, Chief Operating Officer",
        "author": "Priya Raman, Head of Performance and Business Intelligence",
        "purpose": "assure",
        "routine": True,
        "risk_appetite": (
            "Yes: the actions in the exception pages are within the Board's cautious appetite "
            "for quality and safety risk and its open appetite for finance and partnerships."
        ),
        "fomi": (
            "Figures come from the trust's clinical, workforce and finance systems and the "
            "national data sets named against each metric. Values are validated on load, "
            "every revision is kept, the latest month is provisional, and known data-quality "
            "issues are set out in the data quality notes. THIS PACK USES SYNTHETIC DATA."
        ),
        "patient_safety_confirmed": True,
        "patient_safety_note": (
            "Patient safety implications are set out in the exception pages "
            "for inpatient falls and out-of-area placements."
        ),
        "equality": (
            "Did-not-attend and waiting-time measures are monitored by deprivation "
            "quintile and ethnicity in the health inequalities report; no new equality "
            "impact assessment is required for this routine report."
        ),
    }
    forums: dict[str, dict[str, Any]] = {}
    for forum, agenda, decision in (
        ("EMT", "EMT/25/041", "Approve the report for the committees"),
        (
            "FPC",
            "FPC/25/018",
            "Take assurance on access, flow, workforce supply and finance, "
            "and agree what to escalate to the Board",
        ),
        (
            "QC",
            "QC/25/022",
            "Take assurance on safety, effectiveness and experience, and agree "
            "what to escalate to the Board",
        ),
        ("PC", "PC/25/009", "Take assurance on the workforce metrics and agree escalations"),
        ("ARC", "ARC/25/006", "Note data-quality and governance indicators"),
    ):
        forums[forum] = {
            "title": f"Integrated Performance Report, {month}",
            "meeting": _NAMES[forum],
            "meeting_date": dates[forum],
            "agenda_item": agenda,
            "date_submitted": dates[forum] - timedelta(days=7),
            "previous_forums": _previous(("EMT",), dates) if forum != "EMT" else [],
            "assurance_offered": "partially_assured",
            "assurance_rationale": (
                "Most metrics show common-cause variation; the exception "
                "pages set out recovery plans where assurance is limited."
            ),
            "decision_required": decision,
        }
    board_previous = _previous(("EMT", "FPC", "QC", "PC"), dates)
    for forum, name, item in (
        ("BOARD", "Trust Board (public)", "TB/25/054"),
        ("BOARD-PRIVATE", "Trust Board (private)", "TBP/25/021"),
    ):
        forums[forum] = {
            "title": f"Board Performance Report, {month}",
            "meeting": name,
            "meeting_date": dates[forum],
            "agenda_item": item,
            "date_submitted": dates[forum] - timedelta(days=7),
            "previous_forums": board_previous,
            "assurance_offered": "partially_assured",
            "assurance_rationale": (
                "Each exception page sets out the recovery plan and its owner; the Board "
                "can take assurance where the plans are on track, and limited assurance "
                "on out-of-area placements and inpatient falls, whose plans have slipped."
            ),
            "decision_required": (
                "Receive the report, take partial assurance and note the "
                "escalations from the committees"
            ),
            "sponsor": "Dr Helen Marsh, Chief Executive",
        }
    return {
        "trust_name": TRUST_NAME,
        "paper": common,
        "forums": forums,
        # the pack charts the whole history, the same window the commentary was written from
        "history_periods": HISTORY_MONTHS,
    }
