"""The hand-built trust of the drill-down and explain-this-figure tests: two directorates,
each with one service of two teams, 24 months of team-level values, and a two-metric catalogue
(one public metric with a target and national suppression, one private)."""

from __future__ import annotations

from datetime import date

import polars as pl

from trustboard.domain import (
    Comparator,
    DetailLevel,
    Domain,
    Forum,
    ForumKind,
    MetricDefinition,
    OrgLevel,
    OrgUnit,
    Polarity,
    SuppressionRule,
    Target,
    Unit,
)

PERIOD = "2025-03"
MONTHS = pl.date_range(date(2023, 4, 1), date(2025, 3, 1), "1mo", eager=True).to_list()

UNITS = [
    OrgUnit(code="RXX", name="Example Trust", level=OrgLevel.TRUST),
    OrgUnit(code="ADU", name="Adult Services", level=OrgLevel.DIRECTORATE, parent="RXX"),
    OrgUnit(code="CHI", name="Children's Services", level=OrgLevel.DIRECTORATE, parent="RXX"),
    OrgUnit(code="ADU-CMH", name="Community Mental Health", level=OrgLevel.SERVICE, parent="ADU"),
    OrgUnit(code="CHI-CAM", name="CAMHS", level=OrgLevel.SERVICE, parent="CHI"),
    OrgUnit(code="ADU-CMH-N", name="North Team", level=OrgLevel.TEAM, parent="ADU-CMH"),
    OrgUnit(code="ADU-CMH-S", name="South Team", level=OrgLevel.TEAM, parent="ADU-CMH"),
    OrgUnit(code="CHI-CAM-E", name="East Team", level=OrgLevel.TEAM, parent="CHI-CAM"),
    OrgUnit(code="CHI-CAM-W", name="West Team", level=OrgLevel.TEAM, parent="CHI-CAM"),
]

FORUMS = [
    Forum(id="board", name="Trust Board", kind=ForumKind.BOARD, detail=DetailLevel.FULL, order=1),
    Forum(
        id="public-board",
        name="Trust Board (public)",
        kind=ForumKind.BOARD,
        public=True,
        detail=DetailLevel.FULL,
        order=2,
    ),
]

#: North: 10 and 12 in turn for 23 months, then 30 (far above its upper limit)
NORTH = [10.0 if i % 2 == 0 else 12.0 for i in range(23)] + [30.0]
#: South: 20 and 22 in turn (no signal; every value far above the target of 5)
SOUTH = [20.0 if i % 2 == 0 else 22.0 for i in range(24)]
#: East: 8 and 9 in turn
EAST = [8.0 if i % 2 == 0 else 9.0 for i in range(24)]
#: West: small counts (1, 2, 3), suppressed in a public pack
WEST = [float(1 + i % 3) for i in range(24)]
TEAMS = {"ADU-CMH-N": NORTH, "ADU-CMH-S": SOUTH, "CHI-CAM-E": EAST, "CHI-CAM-W": WEST}


def catalogue() -> list[MetricDefinition]:
    """CON01 (public, target ≥ 5, national suppression) and PRV01 (private)."""
    return [
        MetricDefinition(
            id="CON01",
            name="Contacts within 7 days of discharge",
            domain=Domain.EFFECTIVE,
            unit=Unit.COUNT,
            polarity=Polarity.HIGHER_IS_BETTER,
            targets=(Target(value=5.0, comparator=Comparator.GE),),
            suppression=SuppressionRule.NATIONAL,
            data_source="Patient record",
        ),
        MetricDefinition(
            id="PRV01",
            name="Staff grievances open",
            domain=Domain.WELL_LED,
            unit=Unit.COUNT,
            polarity=Polarity.LOWER_IS_BETTER,
            private=True,
            data_source="HR",
        ),
    ]
