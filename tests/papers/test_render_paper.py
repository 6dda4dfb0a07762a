"""A paper written as HTML and tagged PDF: governance table at the end, figures with alt text."""

from __future__ import annotations

import pytest

from trustboard.services.papers import PaperOutput, render_paper

from .paper_files import write_paper

pypdf = pytest.importorskip("pypdf")
pytest.importorskip("weasyprint")


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> PaperOutput:
    folder = tmp_path_factory.mktemp("paper")
    return render_paper(write_paper(folder / "in"), folder / "out", trust_name="Demo Trust")


def test_the_governance_table_comes_after_the_body(written: PaperOutput) -> None:
    html = written.html_path.read_text(encoding="utf-8")
    assert html.index("Decision Required</h2>") < html.index("Governance table</h2>")
    assert "<caption>For Board and Board committees</caption>" in html
    assert "Executive Board: Partially assured" in html


def test_the_pdf_is_tagged_with_language_title_and_figure_text(written: PaperOutput) -> None:
    assert written.pdf_path is not None
    reader = pypdf.PdfReader(written.pdf_path)
    root = reader.trailer["/Root"]
    assert root["/Lang"] == "en-GB"
    assert root["/MarkInfo"]["/Marked"]
    assert reader.metadata is not None
    assert reader.metadata.title == "TB/25/004 Chief Executive's report"

    def figures(element: object) -> list[str]:
        node = element.get_object()  # type: ignore[attr-defined]
        found = [str(node.get("/Alt"))] if node.get("/S") == "/Figure" else []
        kids = node.get("/K")
        for kid in kids if isinstance(kids, list) else [kids]:
            if hasattr(kid, "get_object") and hasattr(kid.get_object(), "get"):
                found += figures(kid)
        return found

    assert figures(root["/StructTreeRoot"]) == ["Bar chart of beds open on each ward"]
