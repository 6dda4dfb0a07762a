"""Every page type of the web app passes axe-core's WCAG 2.2 AA rules in headless Chromium, at
a desktop width (1366 px) and a phone width (390 px), and nothing is wider than the window.

The pages are the demo store's, served by ``trustboard serve`` and read by ``demo-analyst``
(who may read every forum but not the accounts, so ``/admin/users`` is the 403 page).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from browser_support import (
    DIRECTORATE,
    FORUM,
    METRIC,
    PERIOD,
    TEAM,
    WIDTHS,
    DemoSite,
    axe_violations,
    chromium,
    demo_site,
    sign_in,
)

from trustboard.services.demo import DEMO_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.slow]

_P = f"/forums/{FORUM}/{PERIOD}"
_M = f"{_P}/metrics/{METRIC}"
#: page type → (path, HTTP status); ``risk`` is found on the heat map's page.
PAGES: dict[str, tuple[str, int]] = {
    "home": ("/", 200),
    "summary": (_P, 200),
    "summary-filtered": (f"{_P}?domain=SAFE&sort=name&order=desc", 200),
    "metric": (_M, 200),
    "drill-down": (f"{_M}/drill", 200),
    "drill-down-directorate": (f"{_M}/drill/{DIRECTORATE}", 200),
    "drill-down-team": (f"{_M}/drill/{TEAM}", 200),
    "small-multiples": (f"{_M}/teams", 200),
    "explain": (f"{_M}/explain", 200),
    "explain-team": (f"{_M}/explain?unit={TEAM}&month=2025-01", 200),
    "packs": ("/packs", 200),
    "pack": (f"/packs/{FORUM}/{PERIOD}", 200),
    "data-status": ("/status", 200),
    "reporting-cycle": (f"/cycle/{FORUM}/{PERIOD}", 200),
    "narrative": (f"/narrative?forum={FORUM}&period={PERIOD}", 200),
    "narrative-edit": (f"/narrative/{FORUM}/{PERIOD}/{METRIC}", 200),
    "narrative-history": (f"/narrative/{FORUM}/{PERIOD}/{METRIC}/history", 200),
    "baf-heat-map": (f"{_P}/baf", 200),
    "baf-risk": ("", 200),
    "error-403": ("/admin/users", 403),
    "error-404": ("/no-such-page", 404),
}


@pytest.fixture(scope="module")
def site(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> DemoSite:
    return demo_site(request, tmp_path_factory)


@pytest.fixture(scope="module")
def browser(site: DemoSite) -> Iterator[tuple[Any, str]]:
    with chromium() as found:
        yield found


@pytest.fixture(scope="module")
def tabs(site: DemoSite, browser: tuple[Any, str]) -> Iterator[dict[int, Any]]:
    """One tab per width, signed in as ``demo-analyst``."""
    opened: dict[int, Any] = {}
    contexts = []
    for width in WIDTHS:
        context = browser[0].new_context(viewport={"width": width, "height": 900})
        contexts.append(context)
        tab = context.new_page()
        sign_in(tab, site, "demo-analyst", DEMO_PASSWORD)
        opened[width] = tab
    yield opened
    for context in contexts:
        context.close()


def _risk_path(tab: Any, site: DemoSite) -> str:
    tab.goto(site.url(f"{_P}/baf"))
    href = tab.locator("main a[href*='/baf/risks/']").first.get_attribute("href")
    assert href and re.fullmatch(rf"{_P}/baf/risks/[^/]+", href), href
    return str(href)


def _start_narrative(tab: Any, site: DemoSite, path: str) -> None:
    tab.goto(site.url(path))
    start = tab.locator("main button[value='start']")
    if start.count():
        start.click()
        tab.wait_for_load_state()
    assert tab.locator("main textarea").count() > 1


def _check(tab: Any, axe: str, width: int) -> None:
    violations = axe_violations(tab, axe)
    assert violations == [], f"axe-core found WCAG 2.2 AA violations at {width} px: {violations}"
    wide = tab.evaluate("document.documentElement.scrollWidth")
    assert wide <= width, f"the page is {wide} px wide in a {width} px window"


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("kind", list(PAGES))
def test_page_passes_axe(
    kind: str, width: int, site: DemoSite, tabs: dict[int, Any], browser: tuple[Any, str]
) -> None:
    tab = tabs[width]
    path, status = PAGES[kind]
    if kind == "baf-risk":
        path = _risk_path(tab, site)
    if kind == "narrative-edit":
        _start_narrative(tab, site, path)  # the edit form is shown once a draft is started
    answer = tab.goto(site.url(path))
    assert answer is not None and answer.status == status, (kind, path)
    # the page is what it claims: its own heading, the site's header, no error shown instead
    assert tab.locator("h1").count() == 1
    if status == 200:
        assert tab.locator(".error-summary").count() == 0
    else:
        assert f"(HTTP {status})" in tab.locator(".error-summary").inner_text()
    _check(tab, browser[1], width)


@pytest.mark.parametrize("width", WIDTHS)
def test_sign_in_page_passes_axe(width: int, site: DemoSite, browser: tuple[Any, str]) -> None:
    context = browser[0].new_context(viewport={"width": width, "height": 900})
    try:
        tab = context.new_page()
        answer = tab.goto(site.url("/"))  # not signed in: sent to the form
        assert answer is not None and answer.status == 200
        assert tab.url == site.url("/sign-in")
        _check(tab, browser[1], width)
    finally:
        context.close()
