"""The example in docs/charts.md runs and draws what it says (docs must not fall behind)."""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

DOC = Path(__file__).resolve().parents[3] / "docs" / "charts.md"


def test_charts_doc_example_runs() -> None:
    blocks = re.findall(r"```python\n(.*?)```", DOC.read_text(encoding="utf-8"), flags=re.S)
    assert blocks, "docs/charts.md has no python example"
    namespace: dict[str, object] = {}
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        for block in blocks:
            exec(compile(block, str(DOC), "exec"), namespace)
    assert printed.getvalue().strip() == "84.0%"
    assert str(namespace["svg"]).startswith("<svg")
    assert "<caption>A&amp;E 4-hour performance: data</caption>" in str(namespace["table"])
    assert 'class="funnel-chart"' in str(namespace["funnel_svg"])
    assert str(namespace["image"]).startswith('<img src="data:image/svg+xml;base64,')


def test_charts_doc_lists_every_icon() -> None:
    from trustboard.render.svg import ICON_MEANINGS

    text = DOC.read_text(encoding="utf-8")
    for name in ICON_MEANINGS:
        assert f"| `{name}` |" in text


def test_charts_doc_lists_every_problem_code() -> None:
    sources = [
        Path(__file__).resolve().parents[3] / "src" / "trustboard" / p
        for p in ("spc/funnel.py", "render/svg/_series.py")
    ]
    codes = {
        "TB-" + name.replace("_", "-")
        for path in sources
        for name in re.findall(
            r"ErrorCode\.((?:FUNNEL|CHART)_[A-Z_]+)", path.read_text(encoding="utf-8")
        )
    }
    assert len(codes) == 16
    text = DOC.read_text(encoding="utf-8")
    assert sorted(c for c in codes if f"`{c}`" not in text) == []
