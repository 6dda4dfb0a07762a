"""The demo trust's paper configuration: the governance table of each forum's report (domain.md §6).

Returned as a plain mapping in the layout of the paper configuration file
(``docs/board-pack.md``): ``trust_name``, default cover-sheet fields under ``paper`` and each
forum's own fields under ``forums``.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from trustboard.demo._spec import PROVISIONAL
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


#: Who answers for each forum's report: the executive sponsor, by name and role (the roles are
#: the executive leads of the demo BAF register).
_SPONSORS = {
    "EMT": {"name": "Daniel Okafor", "role": "Chief Operating Officer"},
    "FPC": {"name": "Martin Hale", "role": "Director of Finance"},
    "QC": {"name": "Grace Adeyemi", "role": "Chief Nurse"},
    "PC": {"name": "Sunita Sharma", "role": "Chief People Officer"},
    "ARC": {"name": "Martin Hale", "role": "Director of Finance"},
    "BOARD": {"name": "Dr Helen Marsh", "role": "Chief Executive"},
}
_AUTHOR = {"name": "Priya Raman", "role": "Head of Performance and Business Intelligence"}

#: The corporate risk register entries of the demo BAF register
#: (``services/baf_demo_register.yaml``), by number and title.
_RISK_REGISTER = {
    "CRR-087": "Neurodevelopmental assessment waiting times",
    "CRR-095": "Out-of-area placement costs",
    "CRR-104": "Community mental health team caseloads",
    "CRR-112": "Registered nurse staffing on adult acute wards",
    "CRR-120": "Agency spend above the system ceiling",
    "CRR-131": "Ligature risks at the Bradgate Unit",
}

#: The entries each forum's report bears on (the Boards and the executive team: all of them).
_FORUM_RISKS = {
    "FPC": ("CRR-087", "CRR-095", "CRR-104", "CRR-120"),
    "QC": ("CRR-087", "CRR-104", "CRR-112", "CRR-131"),
    "PC": ("CRR-112", "CRR-120"),
    "ARC": (),
}

_ABOVE_APPETITE = (
    "{risks} score above the tolerance of the Board's appetite for their kind of risk. "
    "The report asks the {forum} to take partial assurance, not to accept that exposure; the "
    "recovery plans in the exception pages are meant to bring each risk within tolerance by "
    "its target date."
)

#: Whether each forum's report is consistent with the risk appetite, and why (domain.md §5.4;
#: the scores and tolerances are those of the demo BAF register).
_APPETITE: dict[str, dict[str, Any]] = {
    "EMT": {
        "consistent": False,
        "reason": _ABOVE_APPETITE.format(
            risks="Safety of inpatient care (BAF-01), access to services (BAF-03) and financial "
            "sustainability (BAF-06)",
            forum="executive team",
        ),
    },
    "FPC": {
        "consistent": False,
        "reason": _ABOVE_APPETITE.format(
            risks="Access to services (BAF-03) and financial sustainability (BAF-06)",
            forum="committee",
        ),
    },
    "QC": {
        "consistent": False,
        "reason": _ABOVE_APPETITE.format(
            risks="Safety of inpatient care (BAF-01) and access to services (BAF-03)",
            forum="committee",
        ),
    },
    "PC": {
        "consistent": True,
        "reason": "Workforce supply (BAF-04) and staff wellbeing (BAF-05) score within the "
        "Board's appetite for workforce risk.",
    },
    "ARC": {
        "consistent": True,
        "reason": "The committee is asked to note the indicators; nothing in the report changes "
        "the trust's exposure to risk.",
    },
    "BOARD": {
        "consistent": False,
        "reason": _ABOVE_APPETITE.format(
            risks="Safety of inpatient care (BAF-01), access to services (BAF-03) and financial "
            "sustainability (BAF-06)",
            forum="Board",
        ),
    },
}

_SUMMARY = (
    "The report sets out performance in {month} against the trust's standards and plans. The "
    "icon matrix and the exception pages show where variation is concerning or a target is at "
    "risk; each exception page gives the recovery plan, its owner and when it is due."
)


def _risks(numbers: tuple[str, ...]) -> list[dict[str, str]]:
    return [{"number": n, "title": _RISK_REGISTER[n]} for n in numbers]


def build_paper_config(latest: Period = LATEST_PERIOD) -> dict[str, Any]:
    """The governance table of every demo forum's report on ``latest``, in the layout of the
    paper configuration file (``docs/board-pack.md``)."""
    dates = meeting_dates(latest)
    month = latest.display()
    long_month = latest.end.strftime("%B %Y")
    common = {
        "sponsor": dict(_SPONSORS["EMT"]),
        "author": dict(_AUTHOR),
        "purpose": "assure",
        "routine": True,
        "next_update": "monthly, with the next month's report",
        "fomi": (
            "Figures come from the trust's clinical, workforce and finance systems and the "
            "national data sets named against each metric. Values are validated on load, "
            "every revision is kept, the latest month is provisional only where the source "
            f"revises it after month end ({', '.join(PROVISIONAL)}), and known data-quality "
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
            "sponsor": dict(_SPONSORS[forum]),
            "previous_forums": _previous(("EMT",), dates) if forum != "EMT" else [],
            "executive_summary": _SUMMARY.format(month=long_month),
            "assurance_offered": "partially_assured",
            "assurance_rationale": (
                "Most metrics show common-cause variation; the exception "
                "pages set out recovery plans where assurance is limited."
            ),
            "decision_required": decision,
            "risk_register": _risks(_FORUM_RISKS.get(forum, tuple(sorted(_RISK_REGISTER)))),
            "risk_appetite": dict(_APPETITE[forum]),
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
            "sponsor": dict(_SPONSORS["BOARD"]),
            "previous_forums": board_previous,
            "executive_summary": _SUMMARY.format(month=long_month)
            + " The committees' escalations are listed under the forums that considered the "
            "report before.",
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
            "risk_register": _risks(tuple(sorted(_RISK_REGISTER))),
            "risk_appetite": dict(_APPETITE["BOARD"]),
        }
    return {
        "trust_name": TRUST_NAME,
        "paper": common,
        "forums": forums,
        # the pack charts the whole history, the same window the commentary was written from
        "history_periods": HISTORY_MONTHS,
    }
