"""A series computed by the SPC engine renders as the engine describes it."""

from __future__ import annotations

from datetime import date

import polars as pl

from trustboard.render.svg import ICON_MEANINGS, spc_chart_svg, spc_data_table
from trustboard.spc import compute

from .frames import SVG, monthly, parse, with_class


def _computed():
    values = [float(50 + (i * 7) % 9 + (8 if i > 24 else 0)) for i in range(30)]
    data = pl.DataFrame({"month": monthly(30, date(2022, 4, 1)), "beds": values})
    return compute(
        data,
        date="month",
        value="beds",
        improvement="increase",
        target=55.0,
        rebase=[date(2023, 4, 1)],
    )


def test_engine_output_renders_point_for_point() -> None:
    result = _computed()
    points = result.points
    summary = result.summary.row(0, named=True)
    svg = spc_chart_svg(
        points,
        chart_id="beds",
        title="Beds open",
        unit="count",
        improvement_direction="increase",
        variation_icon=summary["variation_icon"],
        assurance_icon=summary["assurance_icon"],
    )
    root = parse(svg)
    for point_type, count in points.group_by("point_type").len().iter_rows():
        assert len(with_class(root, f"point-{point_type}")) == count
    groups = points.get_column("rebase_group").n_unique()
    assert groups == 2
    assert len(with_class(root, "mean")) == groups
    assert len(with_class(root, "limit-upper")) == groups
    desc = root.find(f"{SVG}desc").text
    assert ICON_MEANINGS[summary["variation_icon"]] in desc
    table = spc_data_table(points, unit="count", caption="Beds open: data")
    assert table.count("<tr>") == points.height + 1
