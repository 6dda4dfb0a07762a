"""The cover sheet's account of the icons is written from the icon matrix, never typed."""

from __future__ import annotations

from trustboard.domain import Unit
from trustboard.render.pack import render_html
from trustboard.render.pack.matrix import matrix_counts, matrix_sentence
from trustboard.render.pack.model import PackModel

from .builders import PERIOD, definition, forum, hand_points, paper, section


def _sections():  # type: ignore[no-untyped-def]
    pts = hand_points([0.9, 0.91, 0.92, 0.9], Unit.PERCENT, target=0.95)
    return (
        section(definition("A1"), pts, variation="concern_low", assurance="fail"),
        section(definition("A2"), pts, variation="concern_high", assurance=None),
        section(definition("A3"), pts, variation="common_cause", assurance="inconsistent"),
        section(definition("A4"), pts, variation="improvement_high", assurance="pass"),
        section(definition("A5"), pts, variation=None, assurance=None),
    )


def test_counts_and_sentence_worked_by_hand() -> None:
    counts = matrix_counts(_sections())
    assert (counts.total, counts.concern, counts.improvement, counts.common) == (5, 2, 1, 1)
    assert (counts.fail, counts.inconsistent, counts.passing, counts.focus) == (1, 1, 1, 1)
    assert matrix_sentence(_sections()) == (
        "Of 5 metrics, variation: 2 special cause concern; 1 special cause improvement; "
        "1 common cause; 1 without icons. Against their targets: 1 consistently failing, "
        "1 hit and miss, 1 consistently passing and 2 without a target or assurance icon. "
        "1 metric combines concern with a target at risk (the Board's focus)."
    )


def test_the_cover_sheet_prints_the_generated_sentence() -> None:
    model = PackModel(
        paper=paper(), forum=forum(), period=PERIOD, trust_name="T", sections=_sections()
    )
    html = render_html(model)
    assert "What the icons show" in html
    assert "Of 5 metrics, variation: 2 special cause concern" in html
