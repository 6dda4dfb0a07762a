"""Sparkline, data-table alternative and the data URI."""

from __future__ import annotations

import base64
import re
import subprocess
import sys
import xml.etree.ElementTree as ET

import pytest

from trustboard.errors import OptionsError
from trustboard.render.svg import (
    SIGNAL_WORDS,
    sparkline_svg,
    spc_data_table,
    spc_table_rows,
    svg_to_data_uri,
)

from .frames import SVG, parse, spc_frame, with_class

VALUES = [float(30 + (i * 7) % 11) for i in range(30)]


def test_sparkline_shows_the_last_24_points_and_the_latest_point_type() -> None:
    types = ["common_cause"] * 29 + ["special_cause_concern"]
    root = parse(sparkline_svg(spc_frame(VALUES, point_types=types)))
    (series,) = with_class(root, "series")
    assert series.get("d", "").count("L") == 23  # 24 points: one move, 23 line segments
    markers = with_class(root, "point")
    assert [m.get("class") for m in markers] == ["point point-special_cause_concern"]
    # the latest point is at the right-hand end
    xs = [float(x) for x in re.findall(r"[ML]([\d.]+) ", series.get("d", ""))]
    top = max(float(v) for v in markers[0].get("points").replace(",", " ").split()[0::2])
    assert top >= xs[-1]
    assert root.get("aria-hidden") == "true" and root.find(f"{SVG}title") is None


def test_sparkline_with_title_is_an_image() -> None:
    root = parse(sparkline_svg(spc_frame(VALUES[:5]), title="Falls, last 5 months"))
    assert root.get("role") == "img" and root.find(f"{SVG}title").text == "Falls, last 5 months"
    assert root.get("aria-hidden") is None
    with pytest.raises(OptionsError):
        sparkline_svg(spc_frame(VALUES), last=1)


def test_golden_sparkline(golden) -> None:
    types = ["common_cause"] * 29 + ["special_cause_improvement"]
    golden("sparkline.svg", sparkline_svg(spc_frame(VALUES, point_types=types)))


def test_table_rows_in_words_with_rebase_note() -> None:
    types = ["common_cause"] * 3 + ["special_cause_improvement"]
    frame = spc_frame([0.80, 0.82, None, 0.90], point_types=types, rebase_at=3, target=0.85)
    rows = spc_table_rows(frame, unit="percent")
    assert [r["Period"] for r in rows] == ["Apr 2023", "May 2023", "Jun 2023", "Jul 2023"]
    assert rows[0]["Value"] == "80.0%" and rows[2]["Value"] == "–"
    assert rows[0]["Mean"] == "81.0%"  # (0.80 + 0.82) / 2
    assert rows[0]["Target"] == "85.0%"
    assert "Trajectory" not in rows[0]
    assert rows[2]["Signal"] == "No data"
    assert rows[3]["Signal"] == (
        SIGNAL_WORDS["special_cause_improvement"] + "; limits recalculated from this period"
    )


def test_data_table_is_an_accessible_html_table(golden) -> None:
    frame = spc_frame([12.0, 15.0, 11.0, 14.0], target=[10.0, 10.0, 12.0, 12.0])
    html = spc_data_table(frame, unit="days", caption="Length of stay: data", chart_id="los")
    root = ET.fromstring(html)
    assert root.tag == "table" and root.get("id") == "los-table"
    assert root.find("caption").text == "Length of stay: data"
    headers = root.findall("thead/tr/th")
    assert all(h.get("scope") == "col" for h in headers)
    assert [h.text for h in headers][0:2] == ["Period", "Value"]
    body_rows = root.findall("tbody/tr")
    assert len(body_rows) == 4
    assert all(r.find("th").get("scope") == "row" for r in body_rows)
    assert body_rows[0].findall("td")[0].text == "12.0 days"
    golden("data_table.html", html)


def test_data_uri_round_trips() -> None:
    svg = '<svg xmlns="http://www.w3.org/2000/svg"><title>£ and –</title></svg>'
    uri = svg_to_data_uri(svg)
    prefix = "data:image/svg+xml;base64,"
    assert uri.startswith(prefix)
    assert base64.b64decode(uri[len(prefix) :]).decode("utf-8") == svg


def test_render_package_import_is_light() -> None:
    code = (
        "import sys, trustboard.render; "
        "print(any(m.split('.')[0] in ('jinja2', 'weasyprint') for m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
