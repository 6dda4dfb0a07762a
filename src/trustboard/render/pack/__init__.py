"""The board pack: the monthly Integrated Performance Report of a forum, as HTML and PDF.

:func:`assemble_pack` turns catalogue, values and narrative into a :class:`PackModel`
(suppression, SPC, statements, exceptions); :func:`render_html` makes one self-contained,
accessible HTML document of it and :func:`render_pdf` a tagged A4-landscape PDF of that HTML.
"""

from trustboard.render.pack.assemble import (
    PackInputs,
    assemble_pack,
    published_figures,
    select_metrics,
)
from trustboard.render.pack.html import chart_alt_text, render_html
from trustboard.render.pack.model import (
    ChangeNote,
    DataQualityNote,
    DefinitionNote,
    MetricSection,
    PackModel,
    Revision,
    SeriesPoint,
    SummaryRow,
    Triangulation,
)
from trustboard.render.pack.pdf import render_pdf
from trustboard.render.pack.statement import statement_for
from trustboard.render.pack.suppression import suppress_series, suppress_value
from trustboard.render.pack.triggers import ExceptionRules, exception_reasons

__all__ = [
    "ChangeNote",
    "DataQualityNote",
    "DefinitionNote",
    "ExceptionRules",
    "MetricSection",
    "PackInputs",
    "PackModel",
    "Revision",
    "SeriesPoint",
    "SummaryRow",
    "Triangulation",
    "assemble_pack",
    "chart_alt_text",
    "exception_reasons",
    "published_figures",
    "render_html",
    "render_pdf",
    "select_metrics",
    "statement_for",
    "suppress_series",
    "suppress_value",
]
