"""WCAG 2.2 AA checks of the HTML pack with axe-core in headless Chromium.

Needs Debian ``chromium`` and axe-core from npm (``npm install axe-core``); point
``TRUSTBOARD_AXE_JS`` at ``axe.min.js`` when it is not under ``npm root -g``.  Skipped with the
reason when either is missing, unless ``TRUSTBOARD_REQUIRE_SERVERS=1`` (then it fails).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from trustboard.render.pack import render_html

from .builders import small_model

pytestmark = pytest.mark.browser

CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


def _unavailable(message: str) -> None:
    if os.environ.get("TRUSTBOARD_REQUIRE_SERVERS") == "1":
        pytest.fail(f"{message} (TRUSTBOARD_REQUIRE_SERVERS=1, so this is a failure)")
    pytest.skip(message)


def _axe_script() -> Path | None:
    configured = os.environ.get("TRUSTBOARD_AXE_JS")
    if configured:
        return Path(configured) if Path(configured).is_file() else None
    npm = shutil.which("npm")
    if npm is None:
        return None
    try:
        root = subprocess.run(
            [npm, "root", "-g"], capture_output=True, text=True, timeout=20
        ).stdout.strip()
    except (OSError, subprocess.TimeoutExpired):
        return None
    candidate = Path(root) / "axe-core" / "axe.min.js"
    return candidate if candidate.is_file() else None


def axe_tab() -> Iterator[Any]:
    """A headless Chromium tab (1280 by 900) that loads axe-core into every page; skips (or,
    with ``TRUSTBOARD_REQUIRE_SERVERS=1``, fails) naming what is missing."""
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
        tab = browser.new_page(viewport={"width": 1280, "height": 900})
        tab.add_init_script(path=str(axe))
        yield tab
        browser.close()


@pytest.fixture(scope="module")
def page() -> Iterator[Any]:
    yield from axe_tab()


def axe_violations(tab: Any) -> list[dict[str, Any]]:
    """The WCAG 2.2 AA violations axe-core finds in the tab's page (rule, help, first nodes)."""
    result = tab.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", WCAG_TAGS
    )
    return [
        {"id": v["id"], "help": v["help"], "nodes": [n["target"] for n in v["nodes"]][:5]}
        for v in result["violations"]
    ]


def _violations(tab, html: str, tmp_path: Path) -> list[dict]:  # type: ignore[no-untyped-def]
    path = tmp_path / "pack.html"
    path.write_text(html, encoding="utf-8")
    tab.goto(path.as_uri())
    tab.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
    return axe_violations(tab)


def test_pack_has_no_wcag_22_aa_violations(page, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    assert _violations(page, render_html(small_model()), tmp_path) == []


def test_synthetic_public_summary_pack_has_no_violations(page, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from trustboard.domain import DetailLevel

    from .builders import forum

    model = small_model(synthetic=True, forum=forum(public=True, detail=DetailLevel.SUMMARY))
    assert _violations(page, render_html(model), tmp_path) == []


def test_store_pack_has_no_violations(page, pack_store, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from trustboard.services.pack import build_pack

    from .conftest import COMPLETE_PAPER

    out = build_pack(
        pack_store, "board", "2025-03", tmp_path / "out", config=COMPLETE_PAPER, pdf=False
    )
    assert _violations(page, out.html, tmp_path) == []
