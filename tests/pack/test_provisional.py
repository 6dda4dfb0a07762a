"""The provisional flag shows only where the stored value is provisional, in every part of a pack.

A store holds March 2025 for two metrics: Talking Therapies (RES01) loaded as provisional,
inpatient falls (SAF11) loaded as final.  Every earlier month of both is final.  The summary
table's "P", the facts line's "(provisional)", the data table and the data-quality note must
name RES01 and never SAF11.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import polars as pl

from trustboard.render.pack import assemble_pack, render_html
from trustboard.render.pack.model import anchor_for
from trustboard.services.pack import gather_inputs, load_paper_config
from trustboard.store import Store

from .conftest import FORUMS, UNITS, catalogue, value_rows

LATEST = date(2025, 3, 1)


def _store(tmp_path: Path) -> Store:
    store, _before, _after = Store.init(tmp_path / "provisional.db", actor="test")
    metrics = [m for m in catalogue() if m.id in ("RES01", "SAF11")]
    store.upsert_catalogue(metrics, UNITS, FORUMS, effective=date(2020, 1, 1), source="test")
    rows = value_rows().filter(pl.col("metric_id").is_in(["RES01", "SAF11"]))
    # only RES01's latest month is provisional; everything else is final
    rows = rows.with_columns(
        provisional=(pl.col("metric_id") == "RES01") & (pl.col("period_start") == LATEST)
    )
    store.write_values(rows)
    return store


def _row_html(html: str, metric_id: str) -> str:
    match = re.search(rf'<tr id="{anchor_for(metric_id, "row")}">(.*?)</tr>', html, re.S)
    assert match is not None, f"no summary-table row for {metric_id}"
    return match.group(1)


def _section_html(html: str, metric_id: str) -> str:
    start = html.index(f'<h3 id="{anchor_for(metric_id)}">')
    end = html.find('<section class="metric-section"', start)
    return html[start : end if end != -1 else html.index("</main>")]


def test_only_the_provisional_value_is_flagged_everywhere(tmp_path: Path) -> None:
    store = _store(tmp_path)
    try:
        inputs = gather_inputs(store, "board", "2025-03", config=load_paper_config(None))
    finally:
        store.close()
    model = assemble_pack(inputs)
    res01, saf11 = model.section("RES01"), model.section("SAF11")
    assert res01.points[-1].date == saf11.points[-1].date == LATEST
    # the model: the latest point of RES01 alone, and no earlier point of either
    assert res01.provisional and not saf11.provisional
    assert [p.date for p in res01.points if p.provisional] == [LATEST]
    assert [p.date for p in saf11.points if p.provisional] == []

    html = render_html(model)
    # summary table: "Mar 2025 P" for RES01 only
    assert '<abbr title="provisional">P</abbr>' in _row_html(html, "RES01")
    assert "provisional" not in _row_html(html, "SAF11")
    # metric detail: the facts line and the data table
    res01_html, saf11_html = _section_html(html, "RES01"), _section_html(html, "SAF11")
    assert '<span class="provisional">(provisional)</span>' in res01_html
    assert "Mar 2025 (provisional)" in res01_html
    assert "Feb 2025 (provisional)" not in res01_html
    assert "provisional" not in saf11_html
    # data-quality notes: the provisional list names RES01 and not SAF11
    notes = [n.text for n in model.data_quality_notes if "provisional" in n.text]
    assert notes == [
        "The Mar 2025 values of these metrics are provisional and may be revised: "
        "Talking Therapies: entered treatment within 6 weeks."
    ]
    assert "Inpatient falls" not in html[html.index('id="data-quality"') :]


def test_no_provisional_value_no_note(tmp_path: Path) -> None:
    store, _before, _after = Store.init(tmp_path / "final.db", actor="test")
    try:
        metrics = [m for m in catalogue() if m.id == "SAF11"]
        store.upsert_catalogue(metrics, UNITS, FORUMS, effective=date(2020, 1, 1), source="test")
        store.write_values(
            value_rows()
            .filter(pl.col("metric_id") == "SAF11")
            .with_columns(provisional=pl.lit(False))
        )
        model = assemble_pack(gather_inputs(store, "board", "2025-03"))
    finally:
        store.close()
    assert not model.section("SAF11").provisional
    assert not [n for n in model.data_quality_notes if "provisional" in n.text]
    assert '<abbr title="provisional">' not in render_html(model)
