"""The action and notification pages pass axe-core's WCAG 2.2 AA rules in headless Chromium
at a desktop and a phone width, nothing wider than the window: the list, an action's page (as
opened, and shown again with its error after a new date without a reason), and the
notifications page.

The pages are the demo store's, read by ``demo-analyst``, who sees every action.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from browser_support import WIDTHS, DemoSite, axe_violations, chromium, demo_site, sign_in

from trustboard.services.demo import DEMO_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture(scope="module")
def site(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> DemoSite:
    return demo_site(request, tmp_path_factory)


@pytest.fixture(scope="module")
def browser(site: DemoSite) -> Iterator[tuple[Any, str]]:
    with chromium() as found:
        yield found


def _check(tab: Any, axe: str, width: int, what: str) -> None:
    violations = axe_violations(tab, axe)
    assert violations == [], f"{what}: axe-core found violations at {width} px: {violations}"
    wide = tab.evaluate("document.documentElement.scrollWidth")
    assert wide <= width, f"{what}: the page is {wide} px wide in a {width} px window"


@pytest.mark.parametrize("width", WIDTHS)
def test_action_pages_pass_axe(width: int, site: DemoSite, browser: tuple[Any, str]) -> None:
    context = browser[0].new_context(viewport={"width": width, "height": 900})
    try:
        tab = context.new_page()
        sign_in(tab, site, "demo-analyst", DEMO_PASSWORD)
        answer = tab.goto(site.url("/actions"))
        assert answer is not None and answer.status == 200
        assert tab.locator("h1").inner_text() == "Actions"
        _check(tab, browser[1], width, "the list")
        href = tab.locator("main table a[href^='/actions/']").first.get_attribute("href")
        assert href
        answer = tab.goto(site.url(href))
        assert answer is not None and answer.status == 200
        _check(tab, browser[1], width, "an action")
        # a new date without a reason: the page again, with the error, nothing written
        tab.fill("#due", "2031-01-31")
        tab.locator("main form.form button[type='submit']").click()
        tab.wait_for_load_state()
        assert "needs a reason" in tab.locator(".error-summary").inner_text()
        _check(tab, browser[1], width, "an action with an error")
        answer = tab.goto(site.url("/notifications"))
        assert answer is not None and answer.status == 200
        _check(tab, browser[1], width, "notifications")
    finally:
        context.close()
