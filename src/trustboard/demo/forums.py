"""The demo trust's forums: who receives the report, with what detail (domain.md §1.2)."""

from __future__ import annotations

from trustboard.demo._spec import COMMITTEES
from trustboard.domain import DetailLevel, Forum, ForumKind

__all__ = ["BOARD_METRICS", "FORUM_IDS", "build_forums"]

#: Forum ids in the order of the reporting cycle: executive first, then committees, then Board.
FORUM_IDS: tuple[str, ...] = ("EMT", "FPC", "QC", "PC", "ARC", "BOARD", "BOARD-PRIVATE")


#: The Board's lean report (domain.md §3.7: a Board report typically shows 40-60 metrics;
#: committees see the full set): the metrics behind the Board's strategic risks and the
#: national standards, with demand for context.
BOARD_METRICS: tuple[str, ...] = (
    "SAF01",
    "SAF02",
    "SAF04",
    "SAF05",
    "SAF06",
    "SAF07",
    "SAF09",
    "SAF11",
    "SAF13",
    "SAF17-RN-DAY",
    "SAF17-RN-NIGHT",
    "SAF19",
    "EFF01",
    "EFF02",
    "EFF03",
    "EFF06",
    "EFF07",
    "EFF09-MH",
    "EFF10",
    "EFF12",
    "EFF13",
    "EFF19",
    "EFF20",
    "CAR01",
    "CAR03",
    "CAR05",
    "CAR09",
    "RES01",
    "RES02",
    "RES04",
    "RES05",
    "RES06-LIST",
    "RES07-52W",
    "RES08-4W",
    "RES11-52W",
    "RES12",
    "RES13",
    "RES15",
    "RES19",
    "RES21-NBV",
    "RES25-52W",
    "RES26",
    "WEL01",
    "WEL02",
    "WEL03",
    "WEL04",
    "WEL07",
    "WEL08",
    "FIN01",
    "FIN03",
    "FIN04",
    "FIN06",
    "FIN07",
    "FIN08-NONNHS",
    "FIN09",
    "FIN10",
    "RES22",
    "CTX02",
)
#: The Board is not a lead committee of any metric: it receives exactly its chosen list.
_BOARD = "Trust Board"


def build_forums() -> tuple[Forum, ...]:
    """The forums of the demo trust's reporting cycle.

    The Executive Management Team sees every metric, grouped by directorate; each committee
    sees the metrics it leads on; the public Board sees its lean report
    (:data:`BOARD_METRICS`) as a summary with exception pages, with small numbers suppressed
    and private items left out; the private Board sees the same with its private items.
    """
    fpc, quality, people, audit = (COMMITTEES[k] for k in ("fpc", "quality", "people", "audit"))
    return (
        Forum(
            id="EMT",
            name="Executive Management Team",
            kind=ForumKind.EXECUTIVE,
            detail=DetailLevel.FULL,
            group_by_directorate=True,
            order=1,
        ),
        Forum(
            id="FPC",
            name=fpc,
            kind=ForumKind.COMMITTEE,
            committees=(fpc,),
            detail=DetailLevel.FULL,
            order=2,
        ),
        Forum(
            id="QC",
            name=quality,
            kind=ForumKind.COMMITTEE,
            committees=(quality,),
            detail=DetailLevel.FULL,
            order=3,
        ),
        Forum(
            id="PC",
            name=people,
            kind=ForumKind.COMMITTEE,
            committees=(people,),
            detail=DetailLevel.FULL,
            order=4,
        ),
        Forum(
            id="ARC",
            name=audit,
            kind=ForumKind.COMMITTEE,
            committees=(audit,),
            include_metrics=("FIN01", "FIN08-NONNHS", "FIN08-NHS", "FIN11"),
            detail=DetailLevel.FULL,
            order=5,
        ),
        Forum(
            id="BOARD",
            name="Trust Board (public)",
            kind=ForumKind.BOARD,
            public=True,
            committees=(_BOARD,),
            include_metrics=BOARD_METRICS,
            detail=DetailLevel.SUMMARY,
            order=6,
        ),
        Forum(
            id="BOARD-PRIVATE",
            name="Trust Board (private)",
            kind=ForumKind.BOARD,
            public=False,
            committees=(_BOARD,),
            include_metrics=(*BOARD_METRICS, "FIN02"),
            detail=DetailLevel.SUMMARY,
            order=7,
        ),
    )
