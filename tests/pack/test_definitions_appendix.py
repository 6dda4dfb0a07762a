"""The definitions appendix: a wide definition column, and a change to a definition noted under
it only for a metric whose definition changed in the period shown."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date

from trustboard.render.pack import render_html
from trustboard.render.pack.model import DefinitionNote

from .builders import small_model


def _appendix() -> str:
    notes = (
        DefinitionNote(
            "RES01", "TT 6 weeks", date(2021, 4, 1), "TT dataset", "Waits under 6 weeks."
        ),
        DefinitionNote(
            "SAF11",
            "Falls",
            date(2024, 10, 1),
            "Datix",
            "Falls per 1,000 occupied bed days.",
            ((date(2024, 10, 1), "Assisted falls counted from October 2024"),),
        ),
    )
    page = render_html(replace(small_model(), definitions=notes))
    found = re.search(r'<table class="definitions-table">.*?</table>', page, re.S)
    assert found is not None
    return found.group(0)


def test_four_columns_with_the_definition_widest() -> None:
    table = _appendix()
    headers = re.findall(r'<th scope="col">(.*?)</th>', table)
    assert headers == ["Metric", "Definition", "In force from", "Data source"]
    css = render_html(small_model())
    widths = dict(re.findall(r"\.definitions-table col\.c-(\w+) \{ width: (\d+)%; \}", css))
    assert sum(int(w) for w in widths.values()) == 100
    assert int(widths["definition"]) > 50


def test_a_change_is_noted_only_where_the_definition_changed() -> None:
    table = _appendix()
    rows = re.findall(r"<tr><th scope=\"row\">.*?</tr>", table, re.S)
    assert len(rows) == 2
    assert "Changed in the period shown" not in rows[0]
    assert "None in the period shown" not in table
    assert (
        '<p class="definition-change"><strong>Changed in the period shown:</strong> '
        "1 October 2024: Assisted falls counted from October 2024</p>"
    ) in rows[1]
