"""WCAG 2.2 AA checks of a meeting pack's HTML (the agenda and a paper) with axe-core in
headless Chromium; skipped with the reason when Chromium or axe-core is missing, unless
``TRUSTBOARD_REQUIRE_SERVERS=1`` (then it fails)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from trustboard.services.meeting_pack import build_meeting

from .test_meeting_pack import _meeting_folder

pytestmark = [pytest.mark.browser, pytest.mark.slow]

WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


@pytest.fixture(scope="module")
def public(tmp_path_factory: pytest.TempPathFactory) -> Path:
    pytest.importorskip("weasyprint")
    folder = tmp_path_factory.mktemp("meeting-html")
    build_meeting(_meeting_folder(folder / "in"), folder / "out")
    return folder / "out" / "public"


@pytest.fixture(scope="module")
def tab() -> Iterator[Any]:
    import shutil

    from pack.test_browser import CHROMIUM_FLAGS, _axe_script, _unavailable

    chromium = shutil.which("chromium")
    if chromium is None:
        _unavailable("Chromium is not installed (Debian package 'chromium')")
    axe = _axe_script()
    if axe is None:
        _unavailable("axe-core is not installed (npm install axe-core; set TRUSTBOARD_AXE_JS)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("playwright is not installed (dev extra)")
    with sync_playwright() as play:
        browser = play.chromium.launch(executable_path=chromium, args=CHROMIUM_FLAGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.add_init_script(path=str(axe))
        yield page
        browser.close()


@pytest.mark.parametrize("name", ["index.html", "item-02.html", "item-04.html"])
def test_the_packs_html_has_no_wcag_22_aa_violations(public: Path, tab: Any, name: str) -> None:
    tab.goto((public / name).as_uri())
    result = tab.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", WCAG_TAGS
    )
    violations = [
        {"id": v["id"], "nodes": [n["target"] for n in v["nodes"]][:5]}
        for v in result["violations"]
    ]
    assert violations == []
