"""Agreement with NHSRplotthedots 0.2.2 on every stored reference case.

Means and limits agree to 1e-9 relative; every flag, label, point type, trial-limit flag,
target, group summary and icon agrees exactly.  The cases include all 428 provider series
of the NHS England A&E attendances data set.
"""

from __future__ import annotations

import math
from datetime import date
from typing import Any

import polars as pl

from trustboard.spc import compute

_ASSURANCE = {"consistent_pass": "pass", "consistent_fail": "fail", "inconsistent": "inconsistent"}


def _number(value: Any) -> float | None:
    if value is None or value == "NaN":
        return None
    return float(value)


def _input_frame(case: dict[str, Any]) -> pl.DataFrame:
    columns = case["input"]["columns"]
    frame = pl.DataFrame(
        {
            "period": [date.fromisoformat(d) for d in columns["date"]],
            "measure": [_number(v) for v in columns["value"]],
        }
    )
    if "facet" in columns:
        frame = frame.with_columns(pl.Series("org_code_type", columns["facet"]))
    return frame


def _run(case: dict[str, Any]):
    options = case["input"]["options"]
    kwargs: dict[str, Any] = {
        "improvement": options["improvement_direction"],
        "screen_outliers": options["screen_outliers"],
        "fix_after_n_points": options["fix_after_n_points"],
        "preset": "ptd",
    }
    rebase = options["rebase"]
    if isinstance(rebase, list):
        kwargs["rebase"] = [date.fromisoformat(d) for d in rebase]
    elif isinstance(rebase, dict):
        kwargs["rebase"] = {k: [date.fromisoformat(d) for d in v] for k, v in rebase.items()}
    if options["target"] is not None:
        kwargs["target"] = options["target"]
    by = "org_code_type" if options["facet"] else None
    return compute(_input_frame(case), date="period", value="measure", by=by, **kwargs)


def _close(mine: float | None, theirs: Any) -> bool:
    expected = _number(theirs)
    if mine is None or (isinstance(mine, float) and math.isnan(mine)):
        return expected is None
    if expected is None:
        return False
    return math.isclose(mine, expected, rel_tol=1e-9, abs_tol=1e-12)


def test_points_agree(ptd_case: dict[str, Any]) -> None:
    result = _run(ptd_case)
    expected = ptd_case["output"]["columns"]
    points = result.points
    assert points.height == ptd_case["output"]["n_rows"]
    if ptd_case["input"]["options"]["facet"]:
        assert points.get_column("org_code_type").to_list() == expected["f"]
    assert [d.isoformat() for d in points.get_column("date").to_list()] == expected["x"]
    for mine_name, their_name in (("mean", "mean_col"), ("lpl", "lpl"), ("upl", "upl")):
        mine = points.get_column(mine_name).to_list()
        bad = [
            i
            for i, (a, b) in enumerate(zip(mine, expected[their_name], strict=True))
            if not _close(a, b)
        ]
        assert not bad, f"{mine_name} differs at rows {bad[:5]}"
    for name in (
        "outside_limits",
        "close_to_limits",
        "relative_to_mean",
        "special_cause_flag",
        "special_cause_type",
        "point_type",
        "short_group_warning",
        "rebase_group",
    ):
        mine = points.get_column(name).to_list()
        theirs = expected[name]
        bad = [i for i, (a, b) in enumerate(zip(mine, theirs, strict=True)) if a != b]
        assert not bad, (
            f"{name} differs at rows {bad[:5]}: {[(mine[i], theirs[i]) for i in bad[:5]]}"
        )
    targets = points.get_column("target").to_list()
    assert all(
        _close(a, b) if b is not None else a is None
        for a, b in zip(targets, expected["target"], strict=True)
    )


def test_group_summary_agrees(ptd_case: dict[str, Any]) -> None:
    result = _run(ptd_case)
    summary = ptd_case["summary"]
    groups = result.groups
    assert groups.height == len(summary["n"])
    if "f" in summary:
        assert groups.get_column("org_code_type").to_list() == summary["f"]
    if "rebase_group" in summary:
        assert groups.get_column("rebase_group").to_list() == summary["rebase_group"]
    for mine_name, their_name in (("mean", "mean_col"), ("lpl", "lpl"), ("upl", "upl")):
        for a, b in zip(groups.get_column(mine_name).to_list(), summary[their_name], strict=True):
            assert _close(a, b)
    for name in ("n", "common_cause", "special_cause_improvement", "special_cause_concern"):
        assert groups.get_column(name).to_list() == summary[name], name
    assert groups.get_column("last_point_type").to_list() == summary["variation_type"]
    if "assurance_type" in summary:
        expected = [_ASSURANCE.get(x) if x else None for x in summary["assurance_type"]]
        assert groups.get_column("assurance_icon").to_list() == expected
    else:
        assert groups.get_column("assurance_icon").null_count() == groups.height


def test_icons_agree(ptd_case: dict[str, Any]) -> None:
    result = _run(ptd_case)
    icons = ptd_case["icons"]
    summary = result.summary
    assert summary.height == len(icons["f"])
    if ptd_case["input"]["options"]["facet"]:
        assert summary.get_column("org_code_type").to_list() == icons["f"]
    assert summary.get_column("variation_icon").to_list() == icons["variation_icon"]
    assert summary.get_column("assurance_icon").to_list() == icons["assurance_icon"]
    points = result.points
    last_types = points.group_by(result.by or pl.lit(1), maintain_order=True).agg(
        pl.col("point_type").last()
    )
    assert last_types.get_column("point_type").to_list() == icons["last_point_type"]


def test_trial_limit_warning_matches_ptd_warning(ptd_case: dict[str, Any]) -> None:
    result = _run(ptd_case)
    warned = any("trial limits" in w for w in ptd_case["warnings"])
    assert (
        bool(
            result.summary.get_column("short_group_warning").any()
            or result.points.get_column("short_group_warning").any()
        )
        == warned
    )
