"""Charts that fit the data: year-to-date figures, accepted rebases, over-dispersion, gaps."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import polars as pl

from trustboard.domain import Domain, MetricDefinition, PeriodType, Polarity, Unit
from trustboard.domain.period import month_end
from trustboard.render.pack import assemble_pack
from trustboard.services.pack import gather_inputs
from trustboard.store import Store

from .builders import months
from .conftest import FORUMS, UNITS

#: In-month spend (£k) for April 2023 to March 2025: a repeating 100, 110, 120 pattern.
IN_MONTH = [100.0 + 10.0 * (i % 3) for i in range(24)]


def _ytd_definition() -> MetricDefinition:
    return MetricDefinition(
        id="FIN09",
        name="Agency spend, year to date",
        domain=Domain.FINANCE,
        unit=Unit.COUNT,
        polarity=Polarity.LOWER_IS_BETTER,
        period_type=PeriodType.YTD,
        lead_committees=("FPC",),
        exec_lead="Chief Finance Officer",
        data_source="Ledger",
    )


def _ytd_store(tmp_path: Path) -> Store:
    store, _before, _after = Store.init(tmp_path / "ytd.db", actor="test")
    store.upsert_catalogue(
        [_ytd_definition()], UNITS, FORUMS, effective=date(2020, 1, 1), source="test"
    )
    rows, running = [], 0.0
    for day, spend in zip(months(24), IN_MONTH, strict=True):
        running = spend if day.month == 4 else running + spend  # the April reset
        rows.append(
            {
                "metric_id": "FIN09",
                "period_start": day,
                "period_end": month_end(day),
                "org_unit": "RXX",
                "numerator": None,
                "denominator": None,
                "value": running,
                "provisional": False,
                "source_file": "ledger.csv",
                "source_hash": "x",
            }
        )
    store.write_values(pl.DataFrame(rows))
    return store


def test_a_year_to_date_metric_is_charted_as_in_month_values(tmp_path: Path) -> None:
    store = _ytd_store(tmp_path)
    model = assemble_pack(gather_inputs(store, "board", "2025-03"))
    section = next(s for s in model.sections if s.definition.id == "FIN09")
    # by hand: each point is that month's spend, so March 2024 (cumulative 1,320) is 120 and
    # April 2024 starts again at 100; the mean of 100, 110, 120 repeated is 110
    assert [p.value for p in section.points] == IN_MONTH
    assert section.points[-1].mean == 110.0
    assert "XmR chart of in-month values" in section.statement
    assert "April reset" in section.statement
