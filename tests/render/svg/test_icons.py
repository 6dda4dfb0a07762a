"""The MDC icon set: every icon, its meaning, its non-colour mark, and the engine's names."""

from __future__ import annotations

import pytest

from trustboard.errors import OptionsError
from trustboard.render.svg import ASSURANCE_ICONS, ICON_MEANINGS, VARIATION_ICONS, icon_svg
from trustboard.spc import AssuranceIcon, VariationIcon

from .frames import SVG, parse

# the mark that makes each icon readable without colour (spc.md C.3)
MARKS = {
    "improvement_high": "H",
    "improvement_low": "L",
    "concern_high": "H",
    "concern_low": "L",
    "pass": "P",
    "fail": "F",
    "inconsistent": "?",
}
# ring colours by meaning: blue improvement/pass, orange concern/fail, grey common/hit-or-miss,
# purple neutral
RINGS = {
    "common_cause": "#8c8c8c",
    "improvement_high": "#00b0f0",
    "improvement_low": "#00b0f0",
    "concern_high": "#e46c0a",
    "concern_low": "#e46c0a",
    "neutral_high": "#490092",
    "neutral_low": "#490092",
    "pass": "#00b0f0",
    "fail": "#e46c0a",
    "inconsistent": "#8c8c8c",
}


def test_icon_names_are_the_engine_enum_values() -> None:
    assert set(VARIATION_ICONS) == {v.value for v in VariationIcon}
    assert set(ASSURANCE_ICONS) == {a.value for a in AssuranceIcon}
    assert set(ICON_MEANINGS) == {*VARIATION_ICONS, *ASSURANCE_ICONS, "empty"}


@pytest.mark.parametrize("name", sorted(ICON_MEANINGS))
def test_each_icon_is_a_titled_image(name: str) -> None:
    root = parse(icon_svg(name, size=48))
    assert root.get("role") == "img"
    assert root.get("width") == "48" and root.get("viewBox") == "0 0 100 100"
    assert root.find(f"{SVG}title").text == ICON_MEANINGS[name]
    assert root.get("aria-label") == ICON_MEANINGS[name]


@pytest.mark.parametrize("name", sorted(MARKS))
def test_letter_icons_carry_their_letter(name: str) -> None:
    texts = [t.text for t in parse(icon_svg(name)).iter(f"{SVG}text")]
    assert texts == [MARKS[name]]


@pytest.mark.parametrize("name", sorted(RINGS))
def test_ring_colour_follows_the_meaning(name: str) -> None:
    ring = parse(icon_svg(name)).find(f"{SVG}circle")
    assert ring.get("stroke") == RINGS[name]


def test_neutral_icons_carry_an_arrow_pointing_their_way() -> None:
    up = parse(icon_svg("neutral_high")).find(f"{SVG}path").get("d")
    down = parse(icon_svg("neutral_low")).find(f"{SVG}path").get("d")
    # path "M50 base V tip ...": the tip is above the base for high, below it for low
    up_base, up_tip = (float(v) for v in up[3:].split("M")[0].split("V"))
    down_base, down_tip = (float(v) for v in down[3:].split("M")[0].split("V"))
    assert up_tip < up_base and down_tip > down_base


def test_assurance_icons_place_the_target_line_by_meaning() -> None:
    def target_height(name: str) -> float:
        (line,) = parse(icon_svg(name)).iter(f"{SVG}line")
        return float(line.get("y1"))

    # pass: target below the process; fail: above it; hit-or-miss: through it (y grows down)
    assert target_height("fail") < target_height("inconsistent") < target_height("pass")


def test_common_cause_has_no_mark_and_empty_is_dashed() -> None:
    assert list(parse(icon_svg("common_cause")).iter(f"{SVG}text")) == []
    (circle,) = parse(icon_svg("empty")).iter(f"{SVG}circle")
    assert circle.get("stroke-dasharray")


def test_nested_icon_has_position_and_no_namespace_declaration() -> None:
    text = icon_svg("pass", 40, x=100, y=5)
    assert text.startswith('<svg x="100" y="5" ')
    assert "xmlns" not in text


def test_unknown_icon_is_an_options_error() -> None:
    with pytest.raises(OptionsError, match="unknown icon"):
        icon_svg("improving")


@pytest.mark.parametrize("name", sorted(ICON_MEANINGS))
def test_golden_icons(golden, name: str) -> None:
    golden(f"icon_{name}.svg", icon_svg(name))
