"""The SPC chart: structure (parsed with xml.etree), accessibility, determinism, golden files."""

from __future__ import annotations

import re
from datetime import date, timedelta

import polars as pl
import pytest

from trustboard.errors import DataValidationError, OptionsError
from trustboard.render.svg import ICON_MEANINGS, describe_spc_chart, spc_chart_svg

from .frames import SVG, parse, spc_frame, with_class

AE_VALUES = [
    0.80,
    0.81,
    0.79,
    0.82,
    0.80,
    0.78,
    0.81,
    0.80,
    0.79,
    0.82,
    0.81,
    0.80,
    0.79,
    0.80,
    0.82,
    0.81,
    0.86,
    0.87,
    0.88,
    0.87,
]
AE_TYPES = ["common_cause"] * 16 + ["special_cause_improvement"] * 4


def _ae_chart(**overrides) -> str:
    frame = overrides.pop("frame", None)
    if frame is None:
        frame = spc_frame(
            AE_VALUES, point_types=AE_TYPES, target=[0.95] * 12 + [0.78] * 8, rebase_at=None
        )
    options = {
        "chart_id": "ae-4h",
        "title": "A&E four-hour performance",
        "unit": "percent",
        "improvement_direction": "increase",
        "variation_icon": "improvement_high",
        "assurance_icon": "inconsistent",
    }
    options.update(overrides)
    return spc_chart_svg(frame, **options)


def test_title_desc_and_role_make_the_chart_accessible() -> None:
    root = parse(_ae_chart())
    assert root.tag == f"{SVG}svg"
    assert root.get("role") == "img"
    assert root.get("aria-labelledby") == "ae-4h-title ae-4h-desc"
    title = root.find(f"{SVG}title")
    desc = root.find(f"{SVG}desc")
    assert title is not None and title.get("id") == "ae-4h-title"
    assert title.text == "A&E four-hour performance"
    assert desc is not None and desc.get("id") == "ae-4h-desc"
    text = desc.text or ""
    # latest value 87% in Nov 2024 (20 months from Apr 2023), the icons' meanings, the target
    assert "Latest value 87.0% in Nov 2024" in text
    assert "Target 78.0%" in text
    assert ICON_MEANINGS["improvement_high"] in text
    assert ICON_MEANINGS["inconsistent"] in text
    assert "Higher is better" in text


def test_points_are_drawn_once_each_with_shape_by_type() -> None:
    types = (
        ["common_cause"] * 10
        + ["special_cause_concern"] * 3
        + ["special_cause_neutral_high", "special_cause_neutral_low"]
        + ["special_cause_improvement"] * 5
    )
    root = parse(_ae_chart(frame=spc_frame(AE_VALUES, point_types=types)))
    counts = {t: len(with_class(root, f"point-{t}")) for t in set(types)}
    assert counts == {t: types.count(t) for t in set(types)}
    assert {e.tag for e in with_class(root, "point-special_cause_improvement")} == {f"{SVG}circle"}
    assert {e.tag for e in with_class(root, "point-special_cause_concern")} == {f"{SVG}polygon"}
    assert {e.tag for e in with_class(root, "point-special_cause_neutral_high")} == {
        f"{SVG}polygon"
    }
    # special-cause points carry an outline so they are not told apart by colour alone
    for element in with_class(root, "point-special_cause_improvement"):
        assert element.get("stroke") and element.get("stroke") != element.get("fill")


def test_missing_values_break_the_line_and_draw_no_point() -> None:
    values = list(AE_VALUES)
    values[7] = None
    root = parse(_ae_chart(frame=spc_frame(values)))
    series = with_class(root, "series")
    assert len(series) == 1
    assert series[0].get("d", "").count("M") == 2
    assert len(with_class(root, "point")) == len(values) - 1


def test_mean_and_limit_lines_break_at_a_rebase() -> None:
    root = parse(_ae_chart(frame=spc_frame(AE_VALUES, rebase_at=16)))
    for css in ("mean", "limit-upper", "limit-lower"):
        paths = with_class(root, css)
        assert [p.get("data-group") for p in paths] == ["0", "1"], css
        # each piece is a single pen stroke within its own group
        assert all(p.get("d", "").count("M") == 1 for p in paths)
    first, second = with_class(root, "limit-upper")
    last_x_first = float(re.findall(r"[ML]([\d.]+) ", first.get("d", ""))[-1])
    first_x_second = float(re.findall(r"M([\d.]+) ", second.get("d", ""))[0])
    assert first_x_second > last_x_first
    assert len(with_class(root, "rebase-marker")) == 1


def test_a_rebase_shows_its_reason_on_the_chart_and_in_the_description() -> None:
    frame = spc_frame(AE_VALUES, rebase_at=16)
    reason = [None] * 16 + ["New streaming model in ED"] + [None] * 3
    frame = frame.with_columns(pl.Series("rebase_reason", reason, dtype=pl.String))
    svg = _ae_chart(frame=frame)
    root = parse(svg)
    (marker,) = with_class(root, "rebase-marker")
    title = marker.find(f"{SVG}title")
    assert title is not None and title.text == "Limits recalculated: New streaming model in ED"
    (label,) = with_class(root, "rebase-reason")
    # the rebase is in the right half of the plot (point 17 of 20): the label reads leftwards
    assert label.get("text-anchor") == "end"
    assert label.text == "Limits recalculated: New streaming model in ED"
    desc = root.find(f"{SVG}desc")
    assert desc is not None and "Limits recalculated from Aug 2024: New streaming model in ED." in (
        desc.text or ""
    )
    # without a reason the line is drawn alone, as before
    plain = parse(_ae_chart(frame=spc_frame(AE_VALUES, rebase_at=16)))
    assert with_class(plain, "rebase-reason") == []
    # the reason may come as a mapping from the group's first date (as a definition holds it);
    # a date that starts no group labels nothing
    first = spc_frame(AE_VALUES, rebase_at=16)["date"][16]
    mapped = parse(
        _ae_chart(
            frame=spc_frame(AE_VALUES, rebase_at=16),
            rebase_reasons={first: "New streaming model in ED", date(2023, 5, 1): "not a rebase"},
        )
    )
    labels = [t.text for t in with_class(mapped, "rebase-reason")]
    assert labels == ["Limits recalculated: New streaming model in ED"]


def test_target_is_a_stepped_line_that_steps_where_the_target_changes() -> None:
    root = parse(_ae_chart())
    (target,) = with_class(root, "target")
    d = target.get("d", "")
    assert d.startswith("M")
    assert d.count("V") == 19  # one step command per following point
    heights = {float(v) for v in re.findall(r"V([\d.]+)", d)}
    assert len(heights) == 2  # 95% then 78%


def test_no_target_means_no_target_line_and_no_legend_entry() -> None:
    root = parse(_ae_chart(frame=spc_frame(AE_VALUES), assurance_icon=None))
    assert with_class(root, "target") == []
    legend_text = [t.text for t in with_class(root, "legend")[0].iter(f"{SVG}text")]
    assert "Target" not in legend_text
    assert "Mean" in legend_text and "Process limits" in legend_text


def test_trajectory_is_dashed_and_distinct_from_the_target() -> None:
    trajectory = [None] * 10 + [0.80 + 0.01 * i for i in range(10)]
    root = parse(_ae_chart(frame=spc_frame(AE_VALUES, target=0.95, trajectory=trajectory)))
    (line,) = with_class(root, "trajectory")
    (target,) = with_class(root, "target")
    assert line.get("stroke-dasharray")
    assert line.get("stroke") != target.get("stroke")
    assert line.get("d", "").count("M") == 1


def test_percent_values_are_labelled_as_percentages() -> None:
    root = parse(_ae_chart())
    labels = [t.text for t in with_class(root, "y-axis")[0].iter(f"{SVG}text")][:-1]
    assert labels and all(label.endswith("%") for label in labels)
    numbers = [float(label.rstrip("%")) for label in labels]
    assert min(numbers) <= 78 and max(numbers) >= 95  # values are fractions, shown as %


def test_money_ticks_and_month_labels() -> None:
    values = [1200.0 + 35 * (i % 5) for i in range(24)]
    root = parse(
        spc_chart_svg(
            spc_frame(values),
            chart_id="pay",
            title="Agency spend",
            unit="gbp_000",
            improvement_direction="decrease",
        )
    )
    labels = [t.text for t in with_class(root, "y-axis")[0].iter(f"{SVG}text")][:-1]
    assert all(re.fullmatch(r"£[\d,]+k", label or "") for label in labels)
    months = [t.text for t in with_class(root, "x-axis")[0].iter(f"{SVG}text")]
    assert "Mar 25" in months  # the latest of 24 months from Apr 23 is always labelled
    assert all(re.fullmatch(r"[A-Z][a-z]{2} \d{2}", m or "") for m in months)


def test_icons_sit_in_the_top_right_corner() -> None:
    root = parse(_ae_chart())
    icons = [e for e in root if e.tag == f"{SVG}svg"]
    assert [e.get("class") for e in icons] == [
        "icon icon-improvement_high",
        "icon icon-inconsistent",
    ]
    width = float(root.get("width", "0"))
    assert all(float(e.get("x", "0")) > width / 2 and float(e.get("y", "99")) < 20 for e in icons)


def test_trial_limits_caption_only_for_short_groups() -> None:
    assert with_class(parse(_ae_chart()), "trial-limits-caption") == []
    short = spc_frame(AE_VALUES[:9], short_group=True)
    (caption,) = with_class(parse(_ae_chart(frame=short)), "trial-limits-caption")
    assert "Trial limits" in (caption.text or "")


def test_ids_are_prefixed_so_charts_can_share_a_page() -> None:
    first, second = _ae_chart(chart_id="m1"), _ae_chart(chart_id="m2")
    ids = re.findall(r' id="([^"]+)"', first + second)
    assert len(ids) == len(set(ids))
    assert all(i.startswith(("m1", "m2")) for i in ids)


def test_same_input_gives_the_same_bytes_whatever_the_row_order() -> None:
    frame = spc_frame(AE_VALUES, point_types=AE_TYPES, target=0.95)
    shuffled = frame.sample(fraction=1.0, shuffle=True, seed=7)
    assert _ae_chart(frame=frame) == _ae_chart(frame=frame) == _ae_chart(frame=shuffled)


def _texts_outside_icons(element):
    for child in element:
        if child.tag == f"{SVG}svg":
            continue  # icons are drawings with their own scale
        if child.tag == f"{SVG}text":
            yield child
        yield from _texts_outside_icons(child)


def test_text_is_not_smaller_than_nine_points_at_board_pack_size() -> None:
    root = parse(_ae_chart(frame=spc_frame(AE_VALUES[:9], short_group=True)))
    points_per_unit = (170 / 25.4 * 72) / float(root.get("width", "0"))  # printed 170 mm wide
    sizes = [float(t.get("font-size", "0")) for t in _texts_outside_icons(root)]
    assert len(sizes) > 10
    assert min(sizes) * points_per_unit >= 9


def test_bad_input_is_reported() -> None:
    with pytest.raises(DataValidationError) as caught:
        spc_chart_svg(
            pl.DataFrame({"x": [1]}),
            chart_id="x",
            title="t",
            unit="count",
            improvement_direction="increase",
        )
    assert {p.column for p in caught.value.problems} == {"date", "value"}
    with pytest.raises(OptionsError):
        _ae_chart(variation_icon="improving")
    with pytest.raises(OptionsError):
        _ae_chart(improvement_direction="up")
    doubled = pl.concat([spc_frame(AE_VALUES[:3]), spc_frame(AE_VALUES[:3])])
    with pytest.raises(DataValidationError):
        _ae_chart(frame=doubled)


def test_description_function_matches_the_embedded_desc() -> None:
    frame = spc_frame(AE_VALUES, point_types=AE_TYPES, target=0.95)
    text = describe_spc_chart(
        frame,
        title="A&E four-hour performance",
        unit="percent",
        improvement_direction="higher_is_better",
        variation_icon="improvement_high",
        assurance_icon="fail",
    )
    root = parse(_ae_chart(frame=frame, assurance_icon="fail"))
    assert root.find(f"{SVG}desc").text == text


def test_golden_percent_chart_with_rebase_target_and_trajectory(golden) -> None:
    frame = spc_frame(
        AE_VALUES,
        point_types=AE_TYPES,
        rebase_at=12,
        target=[0.95] * 12 + [0.90] * 8,
        trajectory=[None] * 12 + [0.82 + 0.01 * i for i in range(8)],
    )
    golden("spc_chart_percent.svg", _ae_chart(frame=frame, assurance_icon="fail"))


def test_golden_short_count_chart(golden) -> None:
    values = [41.0, 38.0, 45.0, 52.0, 39.0, 36.0, 44.0, 61.0, 40.0]
    types = ["common_cause"] * 7 + ["special_cause_concern", "common_cause"]
    frame = spc_frame(values, point_types=types, short_group=True)
    golden(
        "spc_chart_count_short.svg",
        spc_chart_svg(
            frame,
            chart_id="falls",
            title="Inpatient falls",
            unit="count",
            improvement_direction="decrease",
            variation_icon="common_cause",
            description="Falls reported on inpatient wards each month",
        ),
    )


def test_single_point_with_nan_limits_draws_no_limit_lines() -> None:
    frame = pl.DataFrame(
        {
            "date": [date(2024, 1, 1)],
            "value": [5.0],
            "mean": [5.0],
            "lpl": [float("nan")],
            "upl": [float("nan")],
            "point_type": ["common_cause"],
            "rebase_group": [0],
        }
    )
    root = parse(
        spc_chart_svg(
            frame, chart_id="one", title="One point", unit="count", improvement_direction="neutral"
        )
    )
    assert with_class(root, "limit") == []
    assert len(with_class(root, "mean")) == 1
    assert len(with_class(root, "point")) == 1
    assert "process limits" not in root.find(f"{SVG}desc").text


def test_weekly_points_are_labelled_with_the_day() -> None:
    days = [date(2024, 1, 1) + timedelta(days=7 * i) for i in range(10)]
    root = parse(
        spc_chart_svg(
            spc_frame([float(i) for i in range(10)], dates=days),
            chart_id="wk",
            title="Weekly",
            unit="hours",
            improvement_direction="decrease",
        )
    )
    labels = [t.text for t in with_class(root, "x-axis")[0].iter(f"{SVG}text")]
    assert "04 Mar 24" in labels  # the latest week
    assert all(re.fullmatch(r"\d{2} [A-Z][a-z]{2} \d{2}", label or "") for label in labels)
