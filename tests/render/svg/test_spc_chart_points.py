"""The SPC chart's labelled points (a web page's inline chart): one keyboard stop per labelled
point, named by its lines, with a ring and a label box hidden until the page's stylesheet
shows them; without labels the chart is the pack's, byte for byte."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from trustboard.errors import OptionsError
from trustboard.render.svg import spc_chart_svg

from .frames import SVG, parse, spc_frame, with_class

VALUES = [10.0, 12.0, None, 11.0, 30.0]
TYPES = ["common_cause"] * 4 + ["special_cause_concern"]
LABELS = [
    ("Apr 2023: 10",),
    ("May 2023: 12",),
    ("Jun 2023: * (suppressed)",),
    (),
    ("Aug 2023: 30", "provisional, Special Cause Concern"),
]


def _chart(labels: list[tuple[str, ...]] | None = None, **options: float) -> str:
    return spc_chart_svg(
        spc_frame(VALUES, point_types=TYPES),
        chart_id="m",
        title="Falls",
        unit="count",
        improvement_direction="decrease",
        point_labels=labels,
        **options,  # type: ignore[arg-type]
    )


def _stops(root: ET.Element) -> list[ET.Element]:
    return with_class(root, "point-focus")


def test_without_labels_the_chart_is_the_packs() -> None:
    plain = spc_chart_svg(
        spc_frame(VALUES, point_types=TYPES),
        chart_id="m",
        title="Falls",
        unit="count",
        improvement_direction="decrease",
    )
    assert _chart(None) == plain
    root = parse(plain)
    assert root.get("role") == "img"
    assert _stops(root) == [] and "tabindex" not in plain


def test_each_labelled_point_is_a_named_keyboard_stop() -> None:
    root = parse(_chart(LABELS))
    stops = _stops(root)
    # the fourth row has no lines: four stops, in date order
    assert [s.get("aria-label") for s in stops] == [
        "Apr 2023: 10",
        "May 2023: 12",
        "Jun 2023: * (suppressed)",
        "Aug 2023: 30; provisional, Special Cause Concern",
    ]
    assert all(s.get("tabindex") == "0" and s.get("role") == "img" for s in stops)
    # stops inside: the chart is a group named by its title and described by its desc
    assert root.get("role") == "group"
    assert root.get("aria-labelledby") == "m-title"
    assert root.get("aria-describedby") == "m-desc"


def test_a_label_box_shows_its_lines_and_is_hidden_until_hover_or_focus() -> None:
    root = parse(_chart(LABELS))
    last = _stops(root)[-1]
    (tip,) = with_class(last, "point-tip")
    (ring,) = with_class(last, "point-ring")
    assert tip.get("visibility") == "hidden" and ring.get("visibility") == "hidden"
    assert tip.get("pointer-events") == "none"
    assert [t.text for t in tip.iter(f"{SVG}text")] == [
        "Aug 2023: 30",
        "provisional, Special Cause Concern",
    ]


def test_the_stops_are_drawn_over_everything_else() -> None:
    root = parse(_chart(LABELS))
    layers = [child.get("class") for child in root]
    assert layers[-1] == "point-stops"


def test_a_stop_sits_on_its_point_and_a_suppressed_one_on_the_axis() -> None:
    root = parse(_chart(LABELS))
    markers = with_class(root, "point")
    stops = _stops(root)
    # the first marker (a common-cause circle) and the first stop share a centre
    first = markers[0]
    target = stops[0].find(f"{SVG}circle")
    assert target is not None
    assert (target.get("cx"), target.get("cy")) == (first.get("cx"), first.get("cy"))
    # the suppressed June point has no marker; its stop is on the x axis (the plot's bottom)
    (axis,) = [e for e in root.iter(f"{SVG}g") if e.get("class") == "x-axis"]
    baseline = axis.find(f"{SVG}line")
    suppressed = stops[2].find(f"{SVG}circle")
    assert baseline is not None and suppressed is not None
    assert suppressed.get("cy") == baseline.get("y1")


def test_the_label_box_stays_inside_the_chart() -> None:
    root = parse(_chart(LABELS, width=320.0, height=200.0))
    for stop in _stops(root):
        (tip,) = with_class(stop, "point-tip")
        box = tip.find(f"{SVG}rect")
        assert box is not None
        left, width = float(box.get("x", "-1")), float(box.get("width", "0"))
        top = float(box.get("y", "-1"))
        assert left >= 0 and left + width <= 320 and top >= 0


def test_labels_must_match_the_points() -> None:
    with pytest.raises(OptionsError, match="one entry for each of the 5 points"):
        _chart(LABELS[:3])


def test_labels_follow_their_rows_whatever_the_row_order() -> None:
    frame = spc_frame(VALUES, point_types=TYPES)
    reversed_frame = frame.reverse()
    options = {
        "chart_id": "m",
        "title": "Falls",
        "unit": "count",
        "improvement_direction": "decrease",
    }
    forward = spc_chart_svg(frame, point_labels=LABELS, **options)  # type: ignore[arg-type]
    backward = spc_chart_svg(
        reversed_frame,
        point_labels=list(reversed(LABELS)),
        **options,  # type: ignore[arg-type]
    )
    assert forward == backward


def test_a_caption_too_long_for_a_narrow_chart_wraps() -> None:
    short = spc_frame([*VALUES[:2], 11.0], short_group=True)
    options = {
        "chart_id": "m",
        "title": "Falls",
        "unit": "count",
        "improvement_direction": "decrease",
    }
    wide = with_class(parse(spc_chart_svg(short, **options)), "trial-limits-caption")  # type: ignore[arg-type]
    narrow = with_class(
        parse(spc_chart_svg(short, width=360.0, height=330.0, **options)),  # type: ignore[arg-type]
        "trial-limits-caption",
    )
    # one line at the pack's width; at 360 units (340 of room) the caption, about 595 units
    # long at 13 units a character's 0.3 to 0.64 em, needs two lines of the same words
    assert len(wide) == 1 and len(narrow) == 2
    assert " ".join(t.text or "" for t in narrow) == wide[0].text
    # lines stacked upwards from the chart's foot, 17 units apart
    assert [float(t.get("y", "0")) for t in narrow] == [330 - 10 - 17, 330 - 10]
