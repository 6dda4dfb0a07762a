"""Drawing a funnel plot: limits, target, labelled outliers, description, golden file."""

from __future__ import annotations

import polars as pl
import pytest

from trustboard.errors import OptionsError
from trustboard.render.svg import describe_funnel_chart, funnel_chart_svg
from trustboard.spc.funnel import funnel

from .frames import SVG, parse, with_class


def _readmissions() -> pl.DataFrame:
    spells = [120, 340, 560, 800, 950, 1200, 1500, 1800, 2100, 400, 650, 1000]
    readmitted = [13, 36, 54, 82, 90, 124, 150, 175, 205, 80, 30, 101]
    return pl.DataFrame(
        {
            "trust": [f"Trust {chr(65 + i)}" for i in range(12)],
            "readmitted": readmitted,
            "spells": spells,
        }
    )


def _result():
    return funnel(_readmissions(), numerator="readmitted", denominator="spells", by="trust")


def test_outliers_are_marked_and_labelled_by_name() -> None:
    result = _result()
    outliers = result.outliers()
    assert outliers.height >= 1  # Trust J (80/400) and Trust K (30/650) stand out
    svg = funnel_chart_svg(
        result,
        chart_id="readm",
        title="Readmissions within 30 days",
        improvement_direction="decrease",
    )
    root = parse(svg)
    labels = sorted(t.text for t in with_class(root, "outlier-label"))
    assert labels == sorted(outliers.get_column("trust").to_list())
    high = outliers.filter(pl.col("side") == "high").height
    low = outliers.filter(pl.col("side") == "low").height
    # lower is better: high outliers are concerns, low ones improvements
    assert len(with_class(root, "point-special_cause_concern")) == high
    assert len(with_class(root, "point-special_cause_improvement")) == low
    assert len(with_class(root, "point")) == 12
    legend = [e.get("class") for e in with_class(root, "legend-marker")]
    assert legend == [
        f"legend-marker legend-special_cause_{kind}"
        for kind, count in (("improvement", low), ("concern", high))
        if count
    ]


def test_limits_and_target_are_drawn_for_each_level() -> None:
    root = parse(funnel_chart_svg(_result(), chart_id="f", title="t"))
    assert len(with_class(root, "target")) == 1
    for name in ("95", "998"):
        assert len(with_class(root, f"limit-{name}")) == 2  # lower and upper
    (dashed,) = [p for p in with_class(root, "limit-95") if "limit-upper" in p.get("class")]
    (solid,) = [p for p in with_class(root, "limit-998") if "limit-upper" in p.get("class")]
    assert dashed.get("stroke-dasharray") and not solid.get("stroke-dasharray")
    assert root.find(f"{SVG}defs/{SVG}clipPath").get("id") == "f-plot"
    labels = [t.text for t in with_class(root, "axes")[0].iter(f"{SVG}text")]
    assert "Denominator" in labels and any(label.endswith("%") for label in labels)


def test_description_names_the_outliers() -> None:
    result = _result()
    text = describe_funnel_chart(result, title="Readmissions")
    assert text.startswith("Funnel plot of Readmissions: 12 units")
    for name in result.outliers().get_column("trust").to_list():
        assert name in text


def test_bad_label_column() -> None:
    with pytest.raises(OptionsError):
        funnel_chart_svg(_result(), chart_id="f", title="t", label_column="site")


def test_golden_funnel_chart(golden) -> None:
    result = funnel(
        _readmissions(),
        numerator="readmitted",
        denominator="spells",
        by="trust",
        overdispersion="additive",
    )
    golden(
        "funnel_chart.svg",
        funnel_chart_svg(
            result,
            chart_id="readmissions",
            title="Readmissions within 30 days by trust",
            improvement_direction="decrease",
        ),
    )


def test_standardised_ratio_chart_uses_expected_count_axis() -> None:
    data = pl.DataFrame(
        {
            "trust": ["A", "B", "C", "D"],
            "observed": [30, 12, 55, 20],
            "expected": [25.0, 20.0, 40.0, 21.0],
        }
    )
    result = funnel(
        data, numerator="observed", denominator="expected", by="trust", kind="standardised_ratio"
    )
    root = parse(funnel_chart_svg(result, chart_id="shmi", title="SHMI"))
    labels = [t.text for t in with_class(root, "axes")[0].iter(f"{SVG}text")]
    assert "Expected count" in labels and "Ratio" in labels
