"""Hand-built SPC output frames (the columns ``trustboard.spc.compute`` produces)."""

from __future__ import annotations

import itertools
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from datetime import date

import polars as pl

SVG = "{http://www.w3.org/2000/svg}"


def monthly(n: int, start: date = date(2023, 4, 1)) -> list[date]:
    """``n`` first-of-month dates from ``start``."""
    index = start.year * 12 + start.month - 1
    return [date((index + i) // 12, (index + i) % 12 + 1, 1) for i in range(n)]


def spc_frame(
    values: Sequence[float | None],
    *,
    point_types: Sequence[str] | None = None,
    rebase_at: int | None = None,
    target: Sequence[float | None] | float | None = None,
    trajectory: Sequence[float | None] | None = None,
    short_group: bool = False,
    dates: Sequence[date] | None = None,
) -> pl.DataFrame:
    """A one-series frame whose mean and limits are worked out here per rebase group (XmR)."""
    n = len(values)
    groups = [0 if rebase_at is None or i < rebase_at else 1 for i in range(n)]
    mean: list[float | None] = [None] * n
    lpl: list[float | None] = [None] * n
    upl: list[float | None] = [None] * n
    for group in sorted(set(groups)):
        members = [i for i in range(n) if groups[i] == group and values[i] is not None]
        centre = sum(values[i] for i in members) / len(members)  # type: ignore[misc]
        ranges = [abs(values[b] - values[a]) for a, b in itertools.pairwise(members)]  # type: ignore[operator]
        average_range = sum(ranges) / len(ranges) if ranges else 0.0
        for i in range(n):
            if groups[i] == group:
                mean[i], lpl[i], upl[i] = (
                    centre,
                    centre - 2.66 * average_range,
                    centre + 2.66 * average_range,
                )
    if target is None or isinstance(target, float):
        targets: list[float | None] = [target] * n
    else:
        targets = list(target)
    return pl.DataFrame(
        {
            "date": list(dates) if dates is not None else monthly(n),
            "value": list(values),
            "rebase_group": groups,
            "mean": mean,
            "lpl": lpl,
            "upl": upl,
            "point_type": list(point_types) if point_types is not None else ["common_cause"] * n,
            "target": targets,
            "trajectory": list(trajectory) if trajectory is not None else [None] * n,
            "short_group_warning": [short_group] * n,
        },
        schema_overrides={"target": pl.Float64, "trajectory": pl.Float64, "value": pl.Float64},
    )


def parse(svg: str) -> ET.Element:
    """The SVG parsed (raises if it is not well-formed XML)."""
    return ET.fromstring(svg)


def with_class(root: ET.Element, css: str) -> list[ET.Element]:
    """Elements whose class list contains ``css``."""
    return [e for e in root.iter() if css in (e.get("class") or "").split()]
