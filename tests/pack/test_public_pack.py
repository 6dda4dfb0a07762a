"""Public packs: no suppressed value reaches the pack in any form, and private items stay out.

The proof is by indistinguishability: two data sets whose values differ only *inside* the
same suppression class (2 vs 4, both "*"; 12 vs 11, both "10") must give byte-identical
public packs.  Then nothing derived from the raw values (table, chart coordinates, alt text,
data table, sparkline, statement, limits) can carry them.  The same change must show in a
private pack, or the test would prove nothing.
"""

from __future__ import annotations

import base64
import re

import polars as pl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from trustboard.domain import DetailLevel, Forum, Period
from trustboard.render.pack import PackInputs, assemble_pack, render_html
from trustboard.services.pack import build_pack

from .builders import months, paper
from .conftest import catalogue

PUBLIC = Forum(id="public", name="Trust Board (public)", public=True, detail=DetailLevel.FULL)
PRIVATE = Forum(id="private", name="Trust Board", public=False, detail=DetailLevel.FULL)


def _twin(raw: float) -> float:
    """Another value that the national rule publishes the same way."""
    if raw < 5:
        return 4.0 if raw != 4.0 else 1.0
    base = (raw // 5) * 5 + (5 if raw % 5 >= 2.5 else 0)  # the published multiple of 5
    if base == 5:  # the class of 5 is [5, 7.5): nothing under 5 belongs to it
        return 7.0 if raw != 7.0 else 6.0
    return base - 2.0 if raw != base - 2.0 else base + 2.0


def _inputs(forum: Forum, counts: list[float]) -> PackInputs:
    metrics = [m for m in catalogue() if m.id in ("SAF12", "WEL01", "SAF11")]
    days = months(len(counts))
    frame = pl.DataFrame(
        {
            "metric_id": ["SAF12"] * len(counts)
            + ["WEL01"] * len(counts)
            + ["SAF11"] * len(counts),
            "period_start": days * 3,
            "value": counts + [0.05] * len(counts) + [5.0 + (i % 3) for i in range(len(counts))],
        }
    )
    return PackInputs(
        forum=forum,
        period=Period.month(2025, 3),
        paper=paper(),
        trust_name="Example",
        metrics=metrics,
        values=frame,
    )


counts_strategy = st.lists(
    st.integers(min_value=0, max_value=60).map(float), min_size=14, max_size=24
)


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(counts_strategy, st.data())
def test_public_pack_cannot_tell_values_inside_a_suppression_class(
    counts: list[float], data: st.DataObject
) -> None:
    # change at least the latest value and one earlier value to their twins
    changed = set(data.draw(st.sets(st.integers(0, len(counts) - 2), min_size=1, max_size=4))) | {
        len(counts) - 1
    }
    twins = [(_twin(v) if i in changed else v) for i, v in enumerate(counts)]
    public_a = render_html(assemble_pack(_inputs(PUBLIC, counts)))
    public_b = render_html(assemble_pack(_inputs(PUBLIC, twins)))
    assert public_a == public_b
    private_a = render_html(assemble_pack(_inputs(PRIVATE, counts)))
    private_b = render_html(assemble_pack(_inputs(PRIVATE, twins)))
    assert private_a != private_b


def _decoded(html: str) -> str:
    svgs = [
        base64.b64decode(m).decode()
        for m in re.findall(r"data:image/svg\+xml;base64,([A-Za-z0-9+/=]+)", html)
    ]
    return html + "".join(svgs)


def test_public_pack_from_the_store_shows_stars_and_leaves_private_metrics_out(
    pack_store, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    result = build_pack(pack_store, "public-full", "2025-03", tmp_path, pdf=False)
    html = _decoded(result.html)
    section = result.model.section("SAF12")
    shown = [p.value for p in section.points if p.value is not None]
    assert shown and all(v >= 5 and v % 5 == 0 for v in shown)
    assert any(p.suppressed and p.display == "*" for p in section.points)
    assert '<td class="num">*</td>' in html
    # the private metric is not in a public pack, in any form
    assert "WEL01" not in html and "Sickness absence" not in html
    assert "values under 5 are shown as “*”" in html
    # the same store gives the real small numbers to the private Board
    private = build_pack(pack_store, "board", "2025-03", tmp_path, pdf=False)
    private_points = private.model.section("SAF12").points
    assert any(p.value is not None and p.value < 5 for p in private_points)
    assert "Sickness absence" in private.html


def test_suppressed_point_is_a_gap_in_the_chart_not_a_mark() -> None:
    counts = [12.0, 3.0, 14.0] * 6
    model = assemble_pack(_inputs(PUBLIC, counts))
    section = model.section("SAF12")
    assert [p.display for p in section.points[:3]] == ["10", "*", "15"]
    assert section.points[1].value is None
    html = render_html(model)
    chart_alt = re.search(r'alt="(SPC chart of Falls with moderate[^"]*)"', html)
    assert chart_alt is not None and "latest value 15" in chart_alt.group(1)
    svgs = [
        base64.b64decode(m).decode()
        for m in re.findall(
            r'src="data:image/svg\+xml;base64,([A-Za-z0-9+/=]+)" alt="SPC chart of Falls', html
        )
    ]
    # 12 shown points, 6 gaps: one marker per shown point
    markers = re.search(r'<g class="points">(.*?)</g>', svgs[0])
    assert markers is not None
    assert len(re.findall(r"<(circle|path|polygon|rect)\b", markers.group(1))) == 12


def test_spc_is_withheld_where_suppression_would_bias_it() -> None:
    # statistics of the published values alone (every small month dropped) would overstate the
    # mean; a public pack shows values and the target, and says why there are no limits
    counts = [12.0, 3.0, 14.0] * 6
    public = assemble_pack(_inputs(PUBLIC, counts)).section("SAF12")
    assert public.summary.mean is None and public.summary.lpl is None and public.summary.upl is None
    assert public.summary.variation_icon is None and public.summary.assurance_icon is None
    assert all(p.mean is None and p.point_type == "common_cause" for p in public.points)
    assert public.statement.startswith("Some values in this series are fewer than 5")
    private = assemble_pack(_inputs(PRIVATE, counts)).section("SAF12")
    assert private.summary.mean is not None and private.summary.variation_icon is not None
    # a public series with nothing to suppress keeps its SPC
    untouched = assemble_pack(_inputs(PUBLIC, [12.0, 15.0, 14.0] * 6)).section("SAF12")
    assert untouched.summary.mean is not None and untouched.summary.variation_icon is not None
