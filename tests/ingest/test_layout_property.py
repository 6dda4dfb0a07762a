"""Property: the long and the wide layout of the same figures read to the same frame."""

from __future__ import annotations

import tempfile
from pathlib import Path

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from trustboard.domain import Period
from trustboard.ingest import read_values

from .conftest import TODAY

MONTHS = [Period.month(2023, 4).shift(k) for k in range(24)]
ORGS = ["TRUST", "MH", "CHS"]
# count metric (value only), percentage and rate (numerator and denominator)
METRICS = ["SAF04", "EFF01", "SAF11"]
HEADER_FORMS = [
    lambda p: p.label(),  # 2024-04
    lambda p: p.start.strftime("%b-%y"),  # Apr-24
    lambda p: p.start.strftime("%b %Y"),  # Apr 2024
    lambda p: p.start.isoformat(),  # 2024-04-01
]


@st.composite
def figures(draw):
    keys = draw(
        st.sets(
            st.tuples(
                st.sampled_from(METRICS), st.sampled_from(ORGS), st.integers(0, len(MONTHS) - 1)
            ),
            min_size=1,
            max_size=25,
        )
    )
    out = {}
    for metric, org, month in sorted(keys):
        if metric == "SAF04":
            out[(metric, org, month)] = (None, None, float(draw(st.integers(0, 60))))
        else:
            den = float(draw(st.integers(1, 5000)))
            num = float(draw(st.integers(0, int(den))))
            out[(metric, org, month)] = (num, den, None)
    return out, draw(st.sampled_from(range(len(HEADER_FORMS))))


def _cell(x: float | None) -> str:
    return "" if x is None else repr(x)


def _write_long(path: Path, data) -> None:
    lines = ["metric_id,period,org_unit,numerator,denominator,value"]
    for (metric, org, month), (num, den, val) in data.items():
        lines.append(
            f"{metric},{MONTHS[month].label()},{org},{_cell(num)},{_cell(den)},{_cell(val)}"
        )
    path.write_text("\n".join(lines) + "\n")


def _write_wide(path: Path, data, form: int) -> None:
    months = sorted({k[2] for k in data})
    header = ["metric_id", "org_unit", "measure"] + [HEADER_FORMS[form](MONTHS[m]) for m in months]
    lines = [",".join(header)]
    for metric, org in sorted({(k[0], k[1]) for k in data}):
        measures = ["value"] if metric == "SAF04" else ["numerator", "denominator"]
        for measure in measures:
            index = {"numerator": 0, "denominator": 1, "value": 2}[measure]
            cells = [
                _cell(data[(metric, org, m)][index]) if (metric, org, m) in data else ""
                for m in months
            ]
            lines.append(",".join([metric, org, measure, *cells]))
    path.write_text("\n".join(lines) + "\n")


def _key(frame: pl.DataFrame) -> list[tuple]:
    return (
        frame.select(
            "metric_id",
            "period_start",
            "period_end",
            "org_unit",
            "numerator",
            "denominator",
            "value",
            "provisional",
        )
        .sort("metric_id", "org_unit", "period_start")
        .rows()
    )


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(figures())
def test_long_and_wide_layouts_read_to_the_same_frame(catalogue, org_units, drawn):
    data, form = drawn
    with tempfile.TemporaryDirectory() as tmp:
        long_path, wide_path = Path(tmp) / "long.csv", Path(tmp) / "wide.csv"
        _write_long(long_path, data)
        _write_wide(wide_path, data, form)
        long = read_values(long_path, catalogue=catalogue, org_units=org_units, today=TODAY)
        wide = read_values(wide_path, catalogue=catalogue, org_units=org_units, today=TODAY)
    assert long.problems == [] and wide.problems == []
    assert long.frame.height == len(data)
    assert _key(long.frame) == _key(wide.frame)
    # values of ratio metrics are numerator / denominator x multiplier, computed here independently
    # (to within rounding: the reader may evaluate the product in another order, a 1-ulp difference)
    multiplier = {"EFF01": 1.0, "SAF11": 1000.0}
    for metric, _start, _end, _org, num, den, value, _prov in _key(long.frame):
        if metric in multiplier:
            assert value == pytest.approx(num / den * multiplier[metric], rel=1e-12, abs=0)
