"""Charts that fit the data: year-to-date figures, accepted rebases, over-dispersion, gaps."""

from __future__ import annotations

import base64
import dataclasses
from datetime import date
from pathlib import Path

import polars as pl

from trustboard.domain import ChartType, Domain, MetricDefinition, PeriodType, Polarity, Unit
from trustboard.domain.metric import RebasePoint
from trustboard.domain.period import month_end
from trustboard.render.pack import assemble_pack
from trustboard.render.pack.charts import chart_uri
from trustboard.services.check import check_model, run_check
from trustboard.services.pack import gather_inputs
from trustboard.store import Store

from .builders import definition, hand_points, months, section
from .conftest import FORUMS, UNITS
from .test_check import _model

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


def _store(
    tmp_path: Path,
    metric: MetricDefinition,
    figures: list[tuple[float, float | None, float | None]],
) -> Store:
    """A store holding one metric's monthly (value, numerator, denominator) to March 2025."""
    store, _before, _after = Store.init(tmp_path / "fit.db", actor="test")
    store.upsert_catalogue([metric], UNITS, FORUMS, effective=date(2020, 1, 1), source="test")
    rows = [
        {
            "metric_id": metric.id,
            "period_start": day,
            "period_end": month_end(day),
            "org_unit": "RXX",
            "numerator": num,
            "denominator": den,
            "value": value,
            "provisional": False,
            "source_file": "test.csv",
            "source_hash": "x",
        }
        for day, (value, num, den) in zip(months(len(figures)), figures, strict=True)
    ]
    store.write_values(pl.DataFrame(rows))
    return store


def _ytd_store(tmp_path: Path) -> Store:
    figures: list[tuple[float, float | None, float | None]] = []
    running = 0.0
    for day, spend in zip(months(24), IN_MONTH, strict=True):
        running = spend if day.month == 4 else running + spend  # the April reset
        figures.append((running, None, None))
    return _store(tmp_path, _ytd_definition(), figures)


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


def test_a_pack_chart_shows_an_accepted_rebase_with_its_reason() -> None:
    reason = "New triage model from October 2024"
    defn = definition(rebase=(RebasePoint(date=date(2024, 10, 1), reason=reason),))
    points = tuple(
        dataclasses.replace(p, rebase_group=int(p.date >= date(2024, 10, 1)))
        for p in hand_points([0.8, 0.82, 0.79, 0.81] * 3, defn.unit)
    )
    uri = chart_uri(section(defn, points, variation=None, assurance=None), "c1")
    assert uri is not None
    svg = base64.b64decode(uri.split(",", 1)[1]).decode("utf-8")
    assert reason in svg


def _wide_p_chart(chart_type: ChartType) -> MetricDefinition:
    return MetricDefinition(
        id="EFF99",
        name="Discharge summaries sent within 24 hours",
        domain=Domain.EFFECTIVE,
        unit=Unit.PERCENT,
        polarity=Polarity.HIGHER_IS_BETTER,
        numerator="sent within 24 hours",
        denominator="discharges",
        chart_type=chart_type,
        lead_committees=("QSC",),
        exec_lead="Medical Director",
        data_source="EPR",
    )


#: 50% and 52% of 100,000 in turn.  By hand: p-bar = 0.51, sigma = sqrt(0.51 x 0.49 / 100000)
#: = 0.0015808, so z = +/-6.3257, every moving range 12.651 and the ratio 12.651 / 1.128 = 11.2.
ALTERNATING = [(0.50, 50_000.0, 100_000.0), (0.52, 52_000.0, 100_000.0)] * 12


def test_check_reports_an_over_dispersed_p_chart_with_its_ratio(tmp_path: Path) -> None:
    store = _store(tmp_path, _wide_p_chart(ChartType.P), ALTERNATING)  # type: ignore[arg-type]
    report = run_check(store, "board", "2025-03")
    found = [f for f in report.findings if f.rule == "overdispersion"]
    assert [f.id for f in found] == ["overdispersion/EFF99/RXX/2025-03/chart_type"]
    assert found[0].computed == "sigma-z ratio 11.2"
    assert "chart_type: pp" in found[0].message and "XmR" in found[0].message


def test_a_laney_chart_of_the_same_data_is_not_flagged(tmp_path: Path) -> None:
    store = _store(tmp_path, _wide_p_chart(ChartType.PP), ALTERNATING)  # type: ignore[arg-type]
    report = run_check(store, "board", "2025-03")
    assert [f for f in report.findings if f.rule == "overdispersion"] == []


def test_a_run_stops_at_a_missing_month_in_the_check_as_in_the_statement() -> None:
    defn = definition(targets=())
    values = [0.89, 0.91] * 6 + [0.84] * 8
    # by hand: the mean is (6 x 0.89 + 6 x 0.91 + 8 x 0.84) / 20 = 0.876; the last eight are
    # below it (inside the limits), but November 2024 has no row, so the run at the latest
    # point is December 2024 to March 2025: 4 months, not 7
    shift = dict.fromkeys(range(12, 20), "special_cause_concern")
    points = tuple(
        p for p in hand_points(values, defn.unit, point_types=shift) if p.date != date(2024, 11, 1)
    )
    s = section(defn, points, variation="concern_low", assurance=None)
    assert "4 consecutive months below the mean since December 2024" in s.statement
    found = check_model(_model(s)).findings
    assert [f.id for f in found if f.rule.startswith("run")] == []
