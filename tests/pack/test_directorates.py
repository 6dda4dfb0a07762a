"""Directorate codes are explained: group headings name the directorate, and a key under the
summary table's legend gives the name of every code the pack shows."""

from __future__ import annotations

import re
from dataclasses import replace

from trustboard.domain import Domain
from trustboard.render.pack import render_html

from .builders import definition, forum, small_model

NAMES = (
    ("CHS", "Community Health Services"),
    ("FYPC_LDA", "Families, Young People and Children, Learning Disabilities and Autism"),
    ("MH", "Mental Health"),
    ("TRUST", "Northvale NHS Trust"),
)


def _model(by_directorate: bool):  # type: ignore[no-untyped-def]
    model = small_model()
    first, second = model.sections
    # one metric of a directorate, one trust-wide metric whose id ends in a directorate code
    first = replace(first, definition=definition("EFF02", directorate="FYPC_LDA"))
    second = replace(
        second, definition=definition("EFF09-CHS", directorate="TRUST", domain=Domain.EFFECTIVE)
    )
    return replace(
        model,
        sections=(first, second),
        org_unit_names=NAMES,
        forum=forum(group_by_directorate=by_directorate),
    )


def test_group_headings_name_the_directorate() -> None:
    page = render_html(_model(True))
    headings = re.findall(r'<h3 id="summary-\d+"[^>]*>(.*?)</h3>', page)
    assert (
        "Responsive: Families, Young People and Children, Learning Disabilities and Autism "
        "(FYPC_LDA)" in headings
    )
    assert "Effective: trust-wide" in headings
    assert "Responsive: FYPC_LDA" not in headings


def test_the_key_names_each_code_in_headings_and_metric_ids_once() -> None:
    page = render_html(_model(True))
    key = re.search(r'<span id="directorate-key">(.*?)</span>', page, re.S)
    assert key is not None
    assert key.group(1) == (
        "<strong>Directorate codes.</strong> CHS: Community Health Services; FYPC_LDA: "
        "Families, Young People and Children, Learning Disabilities and Autism."
    )
    # by domain only: the headings show no code, but EFF09-CHS still needs its key
    flat = render_html(_model(False))
    key = re.search(r'id="directorate-key">(.*?)</span>', flat, re.S)
    assert key is not None and "CHS: Community Health Services." in key.group(1)
    assert "FYPC_LDA" not in key.group(1)


def test_no_key_without_codes() -> None:
    assert 'id="directorate-key"' not in render_html(small_model())
