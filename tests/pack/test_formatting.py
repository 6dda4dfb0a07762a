"""How figures read in a pack: one style for negative money, fixed precision per unit."""

from __future__ import annotations

from trustboard.demo._facts import format_value as demo_format
from trustboard.domain import Unit
from trustboard.render.pack.formatting import format_value
from trustboard.render.svg.formatting import format_value as chart_format


def test_negative_money_has_one_style_in_statements_narrative_and_charts() -> None:
    assert format_value(-655.0, Unit.GBP_000) == "\u2212£655k"
    assert format_value(-655.34, Unit.GBP_000, precise=True) == "\u2212£655.3k"
    assert demo_format(-655.0, Unit.GBP_000) == "\u2212£655k"
    assert chart_format(-655.0, Unit.GBP_000) == "\u2212£655k"
    # a figure that rounds to nothing carries no sign
    assert format_value(-0.4, Unit.GBP_000) == "£0k"
    assert demo_format(-0.4, Unit.GBP_000) == "£0k"
    assert format_value(763.0, Unit.GBP_000) == "£763k"


def test_precision_is_fixed_per_unit() -> None:
    assert format_value(0.9234, Unit.PERCENT) == "92.3%"
    assert format_value(0.9234, Unit.PERCENT, precise=True) == "92.34%"
    assert format_value(1240.0, Unit.COUNT) == "1,240"
    assert format_value(5.759, Unit.RATE_PER_1000_OBD) == "5.76"
