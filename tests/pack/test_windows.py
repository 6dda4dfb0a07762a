"""Sparklines and charts cover the same periods, and each is labelled with its span.

A pack of 36 months (history_periods 36) to March 2025: the window is April 2022 to March
2025.  Every chart and every sparkline must cover it (a metric whose series starts later,
from its first value), and the labels must say so.
"""

from __future__ import annotations

import re
from datetime import date
from html import unescape

import polars as pl

from trustboard.render.pack import PackInputs, assemble_pack, render_html
from trustboard.render.pack.html import period_span

from .builders import PERIOD, forum, months, paper
from .conftest import catalogue


def _model(history: int) -> object:
    metrics = [m for m in catalogue() if m.id in ("SAF11", "WEL03")]
    days = months(48)  # April 2021 to March 2025
    late = months(20)  # WEL03 starts in August 2023
    frame = pl.DataFrame(
        {
            "metric_id": ["SAF11"] * len(days) + ["WEL03"] * len(late),
            "period_start": days + late,
            "value": [5.0 + (i % 4) * 0.3 for i in range(len(days))]
            + [0.09 + (i % 3) * 0.002 for i in range(len(late))],
        }
    )
    return assemble_pack(
        PackInputs(
            forum=forum(),
            period=PERIOD,
            paper=paper(),
            trust_name="Example",
            metrics=metrics,
            values=frame,
            history_periods=history,
        )
    )


def _chart_alt(html: str, metric_name: str) -> str:
    found = re.search(rf'alt="(SPC chart of {re.escape(metric_name)}, [^"]*)"', html)
    assert found is not None
    return unescape(found.group(1))


def _sparkline_alt(html: str, metric_name: str) -> str:
    found = re.search(rf'alt="(Trend of {re.escape(metric_name)} [^"]*)"', html)
    assert found is not None
    return unescape(found.group(1))


def test_sparkline_and_chart_cover_the_same_periods() -> None:
    model = _model(36)
    html = render_html(model)  # type: ignore[arg-type]
    saf11 = model.section("SAF11")  # type: ignore[attr-defined]
    # 36 months: April 2022 to March 2025
    assert len(saf11.points) == 36
    assert (saf11.points[0].date, saf11.points[-1].date) == (date(2022, 4, 1), date(2025, 3, 1))
    assert _chart_alt(html, saf11.name).startswith(
        f"SPC chart of {saf11.name}, Apr 2022 to Mar 2025, 36 points"
    )
    assert _sparkline_alt(html, saf11.name).startswith(
        f"Trend of {saf11.name} over 36 periods: from "
    )
    assert "(Apr 2022) to " in _sparkline_alt(html, saf11.name)
    # a metric that starts later: both from its first value, August 2023 (20 months)
    wel03 = model.section("WEL03")  # type: ignore[attr-defined]
    assert _chart_alt(html, wel03.name).startswith(
        f"SPC chart of {wel03.name}, Aug 2023 to Mar 2025, 20 points"
    )
    assert _sparkline_alt(html, wel03.name).startswith(f"Trend of {wel03.name} over 20 periods")


def test_each_is_labelled_with_its_span() -> None:
    html = render_html(_model(36))  # type: ignore[arg-type]
    text = re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html)))
    # the summary table's note and the Trend heading give the shared window
    assert "Sparklines (Trend) and charts show the same periods: Apr 2022 – Mar 2025" in text
    assert "Trend Apr 2022 – Mar 2025" in text
    # each chart's caption gives its own span
    assert "(XmR chart), Apr 2022 – Mar 2025." in text
    assert "(XmR chart), Aug 2023 – Mar 2025." in text


def test_a_long_window_is_not_cut_to_24_sparkline_periods() -> None:
    # the old default drew at most 24 periods in the sparkline beside a 48-month chart
    html = render_html(_model(48))  # type: ignore[arg-type]
    assert "over 48 periods" in html
    assert "Apr 2021 – Mar 2025" in unescape(html)


def test_period_span_by_hand() -> None:
    model = _model(36)
    points = model.section("SAF11").points  # type: ignore[attr-defined]
    assert period_span(points) == "Apr 2022 – Mar 2025"
    assert period_span(points[-1:]) == "Mar 2025"
    assert period_span(()) == "no periods"
