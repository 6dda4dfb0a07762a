"""The BAF risk edit page passes axe-core's WCAG 2.2 AA rules in headless Chromium, at a
desktop and a phone width, as opened and with problems marked beside its fields, and nothing
is wider than the window.  Served by ``trustboard serve`` over the web tests' store with the
BAF edit tests' register, read by its risk lead (``rita``).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from browser_support import WIDTHS, axe_violations, browser_tools, chromium, serve

from baf.builders import build_baf_store
from conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.slow]

EDIT = "/baf/risks/BAF-01/edit"


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory, _template_db: Path) -> Iterator[str]:
    browser_tools()  # nothing to build when the browser cannot run
    folder = tmp_path_factory.mktemp("browser-baf-edit")
    build_baf_store(_template_db, folder / "web.db")
    (folder / "published").mkdir()
    with serve(f"sqlite:///{folder / 'web.db'}", folder / "published", folder / "serve.log") as url:
        yield url


@pytest.fixture(scope="module")
def browser(base: str) -> Iterator[tuple[Any, str]]:
    with chromium() as found:
        yield found


def _check(tab: Any, axe: str, width: int) -> None:
    violations = axe_violations(tab, axe)
    assert violations == [], f"axe-core found WCAG 2.2 AA violations at {width} px: {violations}"
    wide = tab.evaluate("document.documentElement.scrollWidth")
    assert wide <= width, f"the page is {wide} px wide in a {width} px window"


@pytest.mark.parametrize("width", WIDTHS)
def test_the_edit_page_passes_axe(width: int, base: str, browser: tuple[Any, str]) -> None:
    context = browser[0].new_context(viewport={"width": width, "height": 900})
    try:
        tab = context.new_page()
        tab.goto(base + "/sign-in")
        tab.fill("#name", "rita")
        tab.fill("#password", PASSWORD)
        tab.click("form.form button[type=submit]")
        tab.wait_for_url(base + "/")
        answer = tab.goto(base + EDIT)
        assert answer is not None and answer.status == 200
        assert tab.locator("h1").count() == 1
        assert tab.locator("#flags-h").count() == 1
        _check(tab, browser[1], width)
        # with problems marked beside their fields (a preview writes nothing)
        tab.fill("#f-title", "")
        tab.fill("#f-review-date", "2025-02-30")
        tab.click("button[value='preview']")
        tab.wait_for_load_state()
        assert tab.locator(".error-summary").count() == 1
        assert tab.locator("#f-title[aria-invalid='true']").count() == 1
        _check(tab, browser[1], width)
    finally:
        context.close()
