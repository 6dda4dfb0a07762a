"""Each metric's SPC points are stored as one document, whatever order they arrive in."""

from __future__ import annotations

import polars as pl
from hypothesis import given
from hypothesis import strategies as st

from trustboard.store._frames import blocks


@given(
    st.lists(
        st.tuples(st.sampled_from(["EFF01", "SAF04", "A1", "Z9"]), st.integers(0, 99)),
        min_size=0,
        max_size=60,
    )
)
def test_one_document_per_metric_with_all_its_points(rows: list[tuple[str, int]]) -> None:
    points = pl.DataFrame(rows, schema={"metric_id": pl.String, "k": pl.Int64}, orient="row")
    parts = blocks(points, "metric_id")
    names = [name for name, _ in parts]
    assert names == sorted(set(points.get_column("metric_id").to_list()))
    for name, part in parts:
        assert part.get_column("metric_id").unique().to_list() == [name]
        expected = [k for m, k in rows if m == name]
        # the points of one metric keep the order they came in
        assert part.get_column("k").to_list() == expected
    assert sum(part.height for _, part in parts) == points.height
