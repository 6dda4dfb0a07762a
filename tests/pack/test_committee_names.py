"""Committees are named as the catalogue names them, wherever a pack names one.

The catalogue here names its committees unusually: the metrics' lead committees are codes
("QSPX7", "FRDX7"), one a forum's id and one listed by a committee forum, and the forums
carry the names.  No pack text, table or index may print a code where the catalogue gives a
name, nor a name the catalogue never gave.
"""

from __future__ import annotations

import re
from datetime import date
from html import unescape
from pathlib import Path

import polars as pl

from trustboard.domain import (
    Commentary,
    Comparator,
    DetailLevel,
    Domain,
    Forum,
    ForumKind,
    MetricDefinition,
    Polarity,
    Target,
    Unit,
)
from trustboard.render.pack import assemble_pack, render_html
from trustboard.render.pack.committees import committee_names, name_committees
from trustboard.render.pack.model import anchor_for
from trustboard.services.pack import gather_inputs
from trustboard.store import Store

from .conftest import UNITS, value_rows

QUALITY = "Quality, Safety & Patient Experience Committee (QSPEC)"
FINANCE = "Finance, Resources and Digital Committee"

FORUMS = [
    Forum(id="BRD", name="Board of Directors", kind=ForumKind.BOARD, detail=DetailLevel.FULL),
    # a committee forum whose id is the code the catalogue's metrics use
    Forum(id="QSPX7", name=QUALITY, kind=ForumKind.COMMITTEE, committees=("QSPX7",)),
    # a committee forum that lists the code the metrics use under another id
    Forum(id="frd", name=FINANCE, kind=ForumKind.COMMITTEE, committees=("FRDX7",)),
    # an executive meeting that lists both: it names neither
    Forum(id="EXE", name="Executive Team", kind=ForumKind.EXECUTIVE, committees=("QSPX7", "FRDX7")),
]


def _metrics() -> list[MetricDefinition]:
    return [
        MetricDefinition(
            id="SAF11",
            name="Inpatient falls per 1,000 occupied bed days",
            domain=Domain.SAFE,
            unit=Unit.RATE_PER_1000_OBD,
            polarity=Polarity.LOWER_IS_BETTER,
            targets=(Target(value=6.0, comparator=Comparator.LE),),
            lead_committees=("QSPX7",),
        ),
        MetricDefinition(
            id="WEL04",
            name="Agency spend as % of pay bill",
            domain=Domain.FINANCE,
            unit=Unit.PERCENT,
            polarity=Polarity.LOWER_IS_BETTER,
            targets=(Target(value=0.037, comparator=Comparator.LE),),
            lead_committees=("FRDX7", "QSPX7"),
        ),
    ]


def test_codes_resolve_to_the_forums_names() -> None:
    names = committee_names(FORUMS)
    assert names["QSPX7"] == QUALITY
    assert names["FRDX7"] == FINANCE
    assert names["frd"] == FINANCE
    # a code nobody names is printed as the catalogue wrote it
    assert name_committees(("FRDX7", "Audit Committee", "frd"), names) == (
        FINANCE,
        "Audit Committee",
    )


def test_every_part_of_the_pack_uses_the_catalogues_names(tmp_path: Path) -> None:
    store, _before, _after = Store.init(tmp_path / "committees.db", actor="test")
    try:
        store.upsert_catalogue(_metrics(), UNITS, FORUMS, effective=date(2020, 1, 1), source="t")
        store.write_values(value_rows().filter(pl.col("metric_id").is_in(["SAF11", "WEL04"])))
        # a deep dive asked for by the committee's code: the reason names the committee
        store.write_commentary(
            [
                Commentary(
                    metric_id="SAF11",
                    period="2025-03",
                    sections={"chart_shows": "Falls rose on two wards."},
                    deep_dive_requested_by="QSPX7",
                )
            ]
        )
        model = assemble_pack(gather_inputs(store, "BRD", "2025-03"))
    finally:
        store.close()
    assert model.section("SAF11").committee_names == (QUALITY,)
    assert model.section("WEL04").committee_names == (FINANCE, QUALITY)
    assert f"Deep dive requested by {QUALITY}" in model.section("SAF11").exception_reasons

    html = render_html(model)
    text = unescape(re.sub(r"<[^>]+>", " ", html))
    # the summary table's "Lead and committee" cell
    row = re.search(rf'<tr id="{anchor_for("WEL04", "row")}">(.*?)</tr>', html, re.S)
    assert row is not None and f"{FINANCE}, {QUALITY}" in unescape(row.group(1))
    # the facts line of each metric's detail
    assert f"Committee: {QUALITY}" in re.sub(r"\s+", " ", text)
    # the exception list, the exception page and the Board's brief page
    assert text.count(f"Deep dive requested by {QUALITY}") >= 2
    # no code is printed where the catalogue gives a name
    assert "QSPX7" not in text
    assert "FRDX7" not in text
