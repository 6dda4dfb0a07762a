"""The data-table alternative to an SPC chart, for the pack to place under the chart.

WCAG asks for the information in a chart to be available as text; a table with a
``<caption>`` and ``<th scope>`` headers lets screen-reader users move through it by period.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

import polars as pl

from trustboard.domain import Unit
from trustboard.render.svg._series import long_date, read_series
from trustboard.render.svg._svg import element, escape_text, safe_id
from trustboard.render.svg.formatting import format_value

__all__ = ["SIGNAL_WORDS", "spc_data_table", "spc_table_rows"]

#: How each point type reads in words.
SIGNAL_WORDS: Mapping[str, str] = MappingProxyType(
    {
        "common_cause": "Common cause",
        "special_cause_improvement": "Special cause: improvement",
        "special_cause_concern": "Special cause: concern",
        "special_cause_neutral_high": "Special cause: unusually high",
        "special_cause_neutral_low": "Special cause: unusually low",
    }
)


def spc_table_rows(points: pl.DataFrame, *, unit: Unit | str) -> list[dict[str, str]]:
    """One dict per point (date order), header -> formatted text.

    Headers: ``Period``, ``Value``, ``Mean``, ``Lower process limit``, ``Upper process
    limit``, then ``Target`` and ``Trajectory`` when the series has them, then ``Signal``.
    A period where limits were recalculated says so in ``Signal``.
    """
    series = read_series(points, chart="data table")
    has_target = any(v is not None for v in series.target)
    has_trajectory = any(v is not None for v in series.trajectory)
    starts = {group.start for group in series.groups()[1:]}
    rows: list[dict[str, str]] = []
    for index, day in enumerate(series.dates):
        row = {
            "Period": long_date(day, series.weekly),
            "Value": format_value(series.values[index], unit),
            "Mean": format_value(series.mean[index], unit),
            "Lower process limit": format_value(series.lpl[index], unit),
            "Upper process limit": format_value(series.upl[index], unit),
        }
        if has_target:
            row["Target"] = format_value(series.target[index], unit)
        if has_trajectory:
            row["Trajectory"] = format_value(series.trajectory[index], unit)
        signal = SIGNAL_WORDS[series.point_type[index]]
        if series.values[index] is None:
            signal = "No data"
        if index in starts:
            signal += "; limits recalculated from this period"
        row["Signal"] = signal
        rows.append(row)
    return rows


def spc_data_table(
    points: pl.DataFrame, *, unit: Unit | str, caption: str, chart_id: str | None = None
) -> str:
    """The points as an HTML ``<table>`` fragment with a ``<caption>`` and scoped headers."""
    rows = spc_table_rows(points, unit=unit)
    headers = list(rows[0]) if rows else []
    head = element(
        "thead",
        None,
        element("tr", None, [element("th", {"scope": "col"}, escape_text(h)) for h in headers]),
    )
    body = element(
        "tbody",
        None,
        [
            element(
                "tr",
                None,
                [
                    element("th", {"scope": "row"}, escape_text(row[h]))
                    if h == "Period"
                    else element("td", None, escape_text(row[h]))
                    for h in headers
                ],
            )
            for row in rows
        ],
    )
    return element(
        "table",
        {
            "class": "spc-data-table",
            "id": None if chart_id is None else f"{safe_id(chart_id)}-table",
        },
        element("caption", None, escape_text(caption)) + head + body,
    )
