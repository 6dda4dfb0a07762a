"""Fixtures of the board-pack tests: a small SQLite store with a catalogue, values and narrative."""

from __future__ import annotations

import math
from datetime import date, datetime
from pathlib import Path

import polars as pl
import pytest

from trustboard.domain import (
    Action,
    ActionStatus,
    AssuranceLevel,
    Commentary,
    DetailLevel,
    Domain,
    Forum,
    ForumKind,
    MetricDefinition,
    OrgLevel,
    OrgUnit,
    Polarity,
    Target,
    TargetType,
    Unit,
)
from trustboard.domain.period import month_end
from trustboard.store import NarrativeVersion, Store
from trustboard.store.narrative_versions import add_version

from .builders import months

#: Small counts that must never reach a public pack (see test_suppression).
SMALL_COUNTS = (1.0, 2.0, 3.0, 4.0)


def catalogue() -> list[MetricDefinition]:
    """Six metrics: a national standard, a rate, a small count, a private one and a
    triangulation."""
    return [
        MetricDefinition(
            id="RES01",
            name="Talking Therapies: entered treatment within 6 weeks",
            short_name="TT 6 weeks",
            domain=Domain.RESPONSIVE,
            unit=Unit.PERCENT,
            polarity=Polarity.HIGHER_IS_BETTER,
            numerator="seen within 6 weeks",
            denominator="finished treatment",
            chart_type="p",
            targets=(Target(value=0.75, type=TargetType.NATIONAL_STANDARD, source="NHS TT"),),
            exec_lead="Chief Operating Officer",
            lead_committees=("FPC",),
            baf_risks=("SR2",),
            data_source="NHS Talking Therapies dataset",
            strategic_goals=("Great Care",),
        ),
        MetricDefinition(
            id="SAF11",
            name="Inpatient falls per 1,000 occupied bed days",
            domain=Domain.SAFE,
            unit=Unit.RATE_PER_1000_OBD,
            polarity=Polarity.LOWER_IS_BETTER,
            targets=(Target(value=6.0, comparator="<="),),
            lead_committees=("QSC",),
            exec_lead="Chief Nurse",
            data_source="Datix",
            strategic_goals=("Great Outcomes",),
        ),
        MetricDefinition(
            id="SAF12",
            name="Falls with moderate or severe harm",
            domain=Domain.SAFE,
            unit=Unit.COUNT,
            polarity=Polarity.LOWER_IS_BETTER,
            suppression="national",
            lead_committees=("QSC",),
            exec_lead="Chief Nurse",
            data_source="Datix",
        ),
        MetricDefinition(
            id="WEL04",
            name="Agency spend as % of pay bill",
            domain=Domain.FINANCE,
            unit=Unit.PERCENT,
            polarity=Polarity.LOWER_IS_BETTER,
            targets=(Target(value=0.037, comparator="<="),),
            lead_committees=("FPC",),
            triangulate_with=("WEL03", "WEL01"),
            exec_lead="Director of Finance",
            data_source="Ledger",
        ),
        MetricDefinition(
            id="WEL03",
            name="Vacancy rate",
            domain=Domain.WELL_LED,
            unit=Unit.PERCENT,
            polarity=Polarity.LOWER_IS_BETTER,
            lead_committees=("FPC",),
            data_source="ESR",
        ),
        MetricDefinition(
            id="WEL01",
            name="Sickness absence",
            domain=Domain.WELL_LED,
            unit=Unit.PERCENT,
            polarity=Polarity.LOWER_IS_BETTER,
            targets=(Target(value=0.045, comparator="<="),),
            lead_committees=("FPC",),
            data_source="ESR",
            private=True,
        ),
    ]


FORUMS = [
    Forum(id="board", name="Trust Board", kind=ForumKind.BOARD, detail=DetailLevel.FULL, order=1),
    Forum(
        id="public-board",
        name="Trust Board (public)",
        kind=ForumKind.BOARD,
        public=True,
        detail=DetailLevel.SUMMARY,
        order=2,
    ),
    Forum(id="fpc", name="Finance and Performance Committee", committees=("FPC",), order=3),
    Forum(
        id="public-full",
        name="Annual public meeting",
        public=True,
        detail=DetailLevel.FULL,
        order=4,
    ),
]

UNITS = [
    OrgUnit(code="RXX", name="Example Partnership NHS Trust", level=OrgLevel.TRUST),
    OrgUnit(code="MH", name="Mental health", level=OrgLevel.DIRECTORATE, parent="RXX"),
]


def value_rows(n: int = 30, end: date = date(2025, 3, 1)) -> pl.DataFrame:
    """Deterministic monthly values for every metric at trust level."""
    rows = []
    for i, day in enumerate(months(n, end)):
        wave = math.sin(i * 1.3)
        seen = 80 + round(6 * wave) - (14 if i >= n - 8 else 0)
        figures: list[tuple[str, float, float | None, float | None]] = [
            ("RES01", seen / 100, float(seen), 100.0),
            ("SAF11", 5.0 + 0.4 * wave, None, None),
            ("SAF12", SMALL_COUNTS[i % 4] if i % 3 else 12.0 + i % 5, None, None),
            ("WEL04", 0.04 + 0.002 * wave, None, None),
            ("WEL03", 0.09 + 0.004 * math.cos(i), None, None),
            ("WEL01", 0.05 + 0.003 * wave, None, None),
        ]
        for metric, value, num, den in figures:
            rows.append(
                {
                    "metric_id": metric,
                    "period_start": day,
                    "period_end": month_end(day),
                    "org_unit": "RXX",
                    "numerator": num,
                    "denominator": den,
                    "value": value,
                    "provisional": i == n - 1,
                    "source_file": "test.csv",
                    "source_hash": "x",
                }
            )
    return pl.DataFrame(rows)


def approve_narrative(
    store: Store, metric_id: str, period: str, sections: dict[str, str] | None = None
) -> None:
    """Record the metric's narrative for ``period`` as approved (version 1), as an import
    approved by the executive lead's account leaves it (``trustboard check`` then finds no
    ``narrative-approval``)."""
    approved = NarrativeVersion(
        metric_id=metric_id,
        period=period,
        org_unit="",
        version=1,
        based_on=None,
        state="approved",
        sections=sections or {"summary": "Approved text."},
        author="test",
        created_at=datetime(2025, 4, 10, 9, 0),
        approver="coo",
    )
    with store.transaction() as conn:
        add_version(conn, approved, action="narrative.import", before=None)


@pytest.fixture
def pack_store(tmp_path: Path) -> Store:
    """A SQLite store at the latest schema with the test catalogue, values and narrative."""
    yield from _filled(tmp_path / "pack.db")


@pytest.fixture
def pack_store_any(store_url: str) -> Store:
    """The same content in each store engine (SQLite, and PostgreSQL when a server answers)."""
    yield from _filled(store_url)


def _filled(url: str | Path):  # type: ignore[no-untyped-def]
    store, _before, _after = Store.init(url, actor="test")
    store.upsert_catalogue(catalogue(), UNITS, FORUMS, effective=date(2020, 1, 1), source="test")
    store.write_values(value_rows())
    sections = {
        "chart_shows": "Fewer people started treatment within 6 weeks since August.",
        "root_causes": "Two step-2 therapist vacancies.",
        "data_quality": "March data are provisional.",
    }
    store.write_commentary(
        [
            Commentary(
                metric_id="RES01",
                period="2025-03",
                author="Head of Psychological Therapies",
                sections=sections,
                assurance_level=AssuranceLevel.PARTIALLY_ASSURED,
            )
        ]
    )
    # RES01 is the Board pack's exception: its narrative is approved, as publishing needs
    approve_narrative(store, "RES01", "2025-03", sections)
    store.write_actions(
        [
            Action(
                id="A-1",
                metric_id="RES01",
                description="Recruit two therapists",
                owner="Service Director",
                due=date(2025, 6, 30),
                original_due=date(2025, 5, 31),
                status=ActionStatus.AT_RISK,
                opened=date(2025, 1, 10),
            )
        ]
    )
    yield store
    store.close()


COMPLETE_PAPER = {
    "trust_name": "Example Partnership NHS Trust",
    "paper": {
        "meeting_date": "2025-04-24",
        "sponsor": {"name": "Amara Osei", "role": "Director of Finance"},
        "author": {"name": "Tom Reid", "role": "Head of Performance"},
        "risk_appetite": {"consistent": True, "reason": "The report proposes no new risk."},
        "date_submitted": "2025-04-15",
        "assurance_offered": "partially assured",
        "equality": "No adverse impact identified.",
        "patient_safety_confirmed": True,
        "decision_required": (
            "Take assurance on performance and the actions in the exception reports."
        ),
        "previous_forums": [
            {
                "name": "Executive Management Team",
                "date": "2025-04-08",
                "assurance": "partially assured",
            }
        ],
    },
}
