"""What each point of a metric's chart says on a web page: the month and the value as the
pack shows it (``*`` when suppressed, never the number behind it), provisional, and the
special-cause signal; the pack's own drawing has no such labels."""

from __future__ import annotations

from datetime import date

from trustboard.render.pack.charts import point_labels
from trustboard.render.pack.model import SeriesPoint


def test_each_point_reads_as_the_pack_shows_it() -> None:
    points = [
        SeriesPoint(date=date(2025, 1, 1), value=12.0, display="12"),
        SeriesPoint(date=date(2025, 2, 1), value=None, display="*", suppressed=True),
        SeriesPoint(date=date(2025, 3, 1), value=None, display="–"),
        SeriesPoint(
            date=date(2025, 4, 1),
            value=31.0,
            display="31",
            point_type="special_cause_concern",
            special_cause_type="Above UCL",
            provisional=True,
        ),
    ]
    assert point_labels(points) == [
        ("Jan 2025: 12",),
        ("Feb 2025: * (suppressed)",),
        (),  # nothing recorded: no point to read
        ("Apr 2025: 31", "provisional, Special cause: concern (Above UCL)"),
    ]
