"""The other roles' journeys, end to end in headless Chromium against ``trustboard serve`` on
the demo store: a public and a private Board member, a directorate lead (with the keyboard
alone), a risk lead and an administrator; and a metric chart's points, read by hover and by
focus, in its desktop and phone drawings.  axe-core (WCAG 2.2 AA) checks every page these
journeys open.

The facts are the demo trust's, written out here: the public Board's pack leaves out
``FIN02`` (a private metric: the private Board's pack has it) and suppresses the count of
suspected suicides (``SAF05``); ``demo-board-private`` reads the private Board
(``BOARD-PRIVATE``) only, and as a Board member edits nothing (no narrative, uploads, reporting
cycle or publishing); ``demo-directorate-lead`` reads the ``EMT`` forum and the Mental Health
directorate (``MH``) only.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from browser_support import (
    DIRECTORATE,
    METRIC,
    PERIOD,
    DemoSite,
    axe_violations,
    chromium,
    demo_site,
    sign_in,
)

from trustboard.services.demo import DEMO_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.slow]

#: the private metric and its name: never on a public Board member's page
PRIVATE_METRIC, PRIVATE_NAME = "FIN02", "Forecast outturn variance to plan"
#: a count the public pack suppresses (most of its months are under 5)
SUPPRESSED_METRIC = "SAF05"
OTHER_DIRECTORATE = "CHS"

_LOOK = """el => { const s = getComputedStyle(el);
  return [s.outlineStyle, s.outlineWidth, s.outlineColor, s.boxShadow, s.backgroundColor,
          s.color, s.textDecorationLine].join('|'); }"""
#: a chart point shows its focus by its ring (an SVG group draws no outline of its own)
_RING = """el => el.matches('.point-focus')
  ? getComputedStyle(el.querySelector('.point-ring')).visibility : ''"""


@pytest.fixture(scope="module")
def site(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> DemoSite:
    return demo_site(request, tmp_path_factory)


@pytest.fixture(scope="module")
def browser(site: DemoSite) -> Iterator[tuple[Any, str]]:
    with chromium() as found:
        yield found


def _tab(browser: tuple[Any, str], width: int = 1366) -> Any:
    return browser[0].new_context(viewport={"width": width, "height": 900})


def _open(tab: Any, site: DemoSite, path: str, axe: str, status: int = 200) -> str:
    """Open ``path``, check its status and axe-core's verdict; the page's HTML."""
    answer = tab.goto(site.url(path))
    assert answer is not None and answer.status == status, path
    _no_violations(tab, axe)
    return str(tab.content())


def _no_violations(tab: Any, axe: str) -> None:
    violations = axe_violations(tab, axe)
    assert violations == [], f"axe-core: WCAG 2.2 AA violations on {tab.url}: {violations}"
    wide = tab.evaluate("document.documentElement.scrollWidth")
    width = tab.viewport_size["width"]
    assert wide <= width, f"{tab.url} is {wide} px wide in a {width} px window"


def _focus_shows(tab: Any) -> bool:
    """Whether the focused element looks different from itself unfocused."""
    focused = tab.evaluate_handle("document.activeElement")
    looks = (tab.evaluate(_LOOK, focused), tab.evaluate(_RING, focused))
    tab.evaluate("el => el.blur()", focused)
    unfocused = (tab.evaluate(_LOOK, focused), tab.evaluate(_RING, focused))
    tab.evaluate("el => el.focus()", focused)
    return looks != unfocused


def _tab_to(tab: Any, selector: str, limit: int = 120) -> None:
    """Press Tab until ``selector`` has the focus; every stop on the way must show it."""
    stops = []
    for _ in range(limit):
        tab.keyboard.press("Tab")
        what = tab.evaluate("document.activeElement.outerHTML.slice(0, 80)")
        assert _focus_shows(tab), f"no visible focus on {what}"
        if tab.evaluate("s => document.activeElement.matches(s)", selector):
            return
        stops.append(what)
    raise AssertionError(f"{selector} never took the focus in {limit} presses of Tab: {stops}")


def _enter(tab: Any) -> None:
    with tab.expect_navigation():
        tab.keyboard.press("Enter")


def test_a_public_board_member_sees_only_what_the_public_pack_shows(
    site: DemoSite, browser: tuple[Any, str]
) -> None:
    context = _tab(browser)
    try:
        tab = context.new_page()
        sign_in(tab, site, "demo-board-public", DEMO_PASSWORD)
        axe = browser[1]
        pages = [_open(tab, site, "/", axe)]
        # the one forum on the account, and nothing of the private Board
        forums = tab.locator("main table").first.locator("tbody th a").all_inner_texts()
        assert forums == ["Trust Board (public)"]
        summary = _open(tab, site, f"/forums/BOARD/{PERIOD}", axe)
        pages.append(summary)
        assert f"/metrics/{METRIC}" in summary
        assert f"/metrics/{SUPPRESSED_METRIC}" in summary
        # the private metric is not found in the public forum, as a metric that does not exist
        pages.append(_open(tab, site, f"/forums/BOARD/{PERIOD}/metrics/{PRIVATE_METRIC}", axe, 404))
        # the suppressed count: `*` in the facts, the data table and every point of the chart
        pages.append(_open(tab, site, f"/forums/BOARD/{PERIOD}/metrics/{SUPPRESSED_METRIC}", axe))
        latest = tab.locator(".facts div", has=tab.locator("dt:text-is('Latest')")).locator("dd")
        assert latest.inner_text().startswith("*")
        cells = tab.locator("#chart-data tbody td.num:nth-of-type(1)").all_inner_texts()
        starred = [c for c in cells if c.startswith("*")]
        assert len(starred) > len(cells) // 2  # most months are under 5
        names = tab.locator(".chart-wide .point-focus").evaluate_all(
            "els => els.map(e => e.getAttribute('aria-label'))"
        )
        assert len(names) == len(cells)
        assert sum(": * (suppressed)" in n for n in names) == len(starred)
        pages.append(_open(tab, site, f"/forums/BOARD/{PERIOD}/metrics/{METRIC}/teams", axe))
        pages.append(_open(tab, site, f"/forums/BOARD/{PERIOD}/baf", axe))
        pages.append(_open(tab, site, "/status", axe))
        # the private Board's forum is refused
        pages.append(_open(tab, site, f"/forums/BOARD-PRIVATE/{PERIOD}", axe, 403))
        for html in pages:
            assert PRIVATE_NAME not in html
            assert f'/metrics/{PRIVATE_METRIC}"' not in html
    finally:
        context.close()


def test_a_private_board_member_reads_the_private_board_whole_and_nothing_else(
    site: DemoSite, browser: tuple[Any, str]
) -> None:
    context = _tab(browser)
    try:
        tab = context.new_page()
        sign_in(tab, site, "demo-board-private", DEMO_PASSWORD)
        axe = browser[1]
        _open(tab, site, "/", axe)
        forums = tab.locator("main table").first.locator("tbody th a").all_inner_texts()
        assert forums == ["Trust Board (private)"]
        # the public-only restrictions do not apply: no public notice, the private metric is
        # listed and read, the count the public pack suppresses is shown as it is
        summary = _open(tab, site, f"/forums/BOARD-PRIVATE/{PERIOD}", axe)
        assert "meets in public" not in summary
        assert f'/metrics/{PRIVATE_METRIC}"' in summary
        private = _open(tab, site, f"/forums/BOARD-PRIVATE/{PERIOD}/metrics/{PRIVATE_METRIC}", axe)
        assert PRIVATE_NAME in tab.locator("main h1").inner_text()
        assert "suppressed" not in private
        _open(tab, site, f"/forums/BOARD-PRIVATE/{PERIOD}/metrics/{SUPPRESSED_METRIC}", axe)
        latest = tab.locator(".facts div", has=tab.locator("dt:text-is('Latest')")).locator("dd")
        assert latest.inner_text()[0].isdigit()
        cells = tab.locator("#chart-data tbody td.num:nth-of-type(1)").all_inner_texts()
        assert cells and not any(c.startswith("*") for c in cells)
        baf = _open(tab, site, f"/forums/BOARD-PRIVATE/{PERIOD}/baf", axe)
        assert "meets in public" not in baf
        assert tab.locator("main a[href*='/baf/risks/']").count() >= 1
        _open(tab, site, "/status", axe)
        # other forums are refused, the public Board's included
        for forum in ("BOARD", "EMT"):
            _open(tab, site, f"/forums/{forum}/{PERIOD}", axe, 403)
        # a Board member reads; the pages that change the store are refused
        for path in ("/narrative", "/uploads", f"/cycle/BOARD-PRIVATE/{PERIOD}"):
            _open(tab, site, path, axe, 403)
        _open(tab, site, f"/publish/BOARD-PRIVATE/{PERIOD}", axe, 403)
        # at a phone's width the home page's matrix is stacked: it fits without scrolling
        tab.set_viewport_size({"width": 390, "height": 900})
        _open(tab, site, "/", axe)
        matrix = tab.locator("table.matrix")
        box = matrix.bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390
        assert matrix.evaluate("el => el.scrollWidth <= el.clientWidth")
    finally:
        context.close()


def test_a_directorate_lead_drills_into_their_directorate_with_the_keyboard_alone(
    site: DemoSite, browser: tuple[Any, str]
) -> None:
    context = _tab(browser)
    try:
        tab = context.new_page()
        axe = browser[1]
        tab.goto(site.url("/sign-in"))
        _tab_to(tab, "#name")
        tab.keyboard.type("demo-directorate-lead")
        _tab_to(tab, "#password")
        tab.keyboard.type(DEMO_PASSWORD)
        _enter(tab)
        assert tab.url == site.url("/")
        _no_violations(tab, axe)

        summary = f"/forums/EMT/{PERIOD}"
        _tab_to(tab, f'main a[href="{summary}"]')
        _enter(tab)
        assert tab.url == site.url(summary)
        _no_violations(tab, axe)
        _tab_to(tab, f'table.summary a[href="{summary}/metrics/{METRIC}"]')
        _enter(tab)
        assert tab.url == site.url(f"{summary}/metrics/{METRIC}")
        _no_violations(tab, axe)

        # the chart: the skip link, then its first point, which shows its month and value
        _tab_to(tab, ".chart-skip")
        tab.keyboard.press("Tab")
        point = tab.evaluate_handle("document.activeElement")
        assert tab.evaluate("el => el.matches('.chart-wide .point-focus')", point)
        label = str(tab.evaluate("el => el.getAttribute('aria-label')", point))
        assert re.match(r"[A-Z][a-z]{2} \d{4}: \d+(\.\d)?%", label), label
        tip = tab.locator(".chart-wide .point-focus:focus .point-tip")
        assert tip.evaluate("el => getComputedStyle(el).visibility") == "visible"
        assert str(tip.text_content()).startswith(label.split(";")[0])
        # back to the skip link, past the points to the data table, and on to the drill-down
        tab.keyboard.press("Shift+Tab")
        assert tab.evaluate("document.activeElement.matches('.chart-skip')")
        tab.keyboard.press("Enter")
        _tab_to(tab, f'a[href="{summary}/metrics/{METRIC}/drill"]', limit=20)
        _enter(tab)
        assert tab.url == site.url(f"{summary}/metrics/{METRIC}/drill")
        _no_violations(tab, axe)
        units = tab.locator("table.drill tbody th a").evaluate_all(
            "els => els.map(e => e.getAttribute('href').split('/').pop())"
        )
        assert units == [DIRECTORATE]  # the one directorate on the account
        _tab_to(tab, ".chart-skip")
        tab.keyboard.press("Enter")
        # (axe-core opened the data table: its rows' links come first)
        _tab_to(tab, f'table.drill a[href$="/drill/{DIRECTORATE}"]', limit=80)
        _enter(tab)
        assert tab.url == site.url(f"{summary}/metrics/{METRIC}/drill/{DIRECTORATE}")
        _no_violations(tab, axe)
        # their directorate in full: every service below it, each with its figures
        rows = tab.locator("table.drill tbody tr")
        assert rows.count() > 1
        assert all(
            "MH-" in h
            for h in rows.locator("th a").evaluate_all(
                "els => els.map(e => e.getAttribute('href'))"
            )
        )

        # another directorate is refused, and its teams are not in the small multiples
        _open(tab, site, f"{summary}/metrics/{METRIC}/drill/{OTHER_DIRECTORATE}", axe, 403)
        teams = _open(tab, site, f"{summary}/metrics/{METRIC}/teams", axe)
        assert "/drill/CHS-" not in teams and "/drill/MH-" in teams
    finally:
        context.close()


def test_a_risk_lead_reads_the_board_assurance_framework(
    site: DemoSite, browser: tuple[Any, str]
) -> None:
    for width in (1366, 390):
        context = _tab(browser, width)
        try:
            tab = context.new_page()
            sign_in(tab, site, "demo-risk-lead", DEMO_PASSWORD)
            axe = browser[1]
            _open(tab, site, f"/forums/BOARD-PRIVATE/{PERIOD}/baf", axe)
            # one drawing of the heat map per width (the other not displayed, so not read
            # twice); it fits the window: no sideways scrolling at a phone's width
            shown, hidden = (
                (".baf-heat-map-wide", ".baf-heat-map-narrow")
                if width > 700
                else (".baf-heat-map-narrow", ".baf-heat-map-wide")
            )
            assert tab.locator(hidden).evaluate("el => getComputedStyle(el).display") == "none"
            heat = tab.locator(f"{shown} .baf-heat-map-image")
            box = heat.bounding_box()
            assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width
            if width == 390:
                # the narrow drawing is drawn about as wide as the page: its text near its size
                assert box["width"] >= 300
            risks = tab.locator("main a[href*='/baf/risks/']")
            assert risks.count() >= 1
            first = str(risks.first.get_attribute("href"))
            _open(tab, site, first, axe)
            assert first.rsplit("/", 1)[1] in tab.locator("main").inner_text()
        finally:
            context.close()


def test_an_administrator_reads_the_accounts(site: DemoSite, browser: tuple[Any, str]) -> None:
    context = _tab(browser)
    try:
        tab = context.new_page()
        sign_in(tab, site, "demo-admin", DEMO_PASSWORD)
        _open(tab, site, "/admin/users", browser[1])
        names = tab.locator("main table tbody tr > :first-child").all_inner_texts()
        for role in ("admin", "analyst", "board-public", "directorate-lead", "risk-lead"):
            assert f"demo-{role}" in names
        _open(tab, site, f"/forums/BOARD-PRIVATE/{PERIOD}/metrics/{PRIVATE_METRIC}", browser[1])
    finally:
        context.close()


def test_a_metric_chart_has_one_drawing_per_width_and_shows_a_point_on_hover(
    site: DemoSite, browser: tuple[Any, str]
) -> None:
    path = f"/forums/BOARD/{PERIOD}/metrics/{METRIC}"
    for width, shown, hidden in (
        (1366, ".chart-wide", ".chart-narrow"),
        (390, ".chart-narrow", ".chart-wide"),
    ):
        context = _tab(browser, width)
        try:
            tab = context.new_page()
            sign_in(tab, site, "demo-board-public", DEMO_PASSWORD)
            _open(tab, site, path, browser[1])
            # the other drawing is not displayed: neither seen, read nor a keyboard stop
            assert tab.locator(hidden).evaluate("el => getComputedStyle(el).display") == "none"
            assert tab.locator(shown).is_visible()
            stops = tab.locator(f"{shown} .point-focus")
            assert stops.count() == tab.locator("#chart-data tbody tr").count()
            last = stops.last
            tip = last.locator(".point-tip")
            assert tip.evaluate("el => getComputedStyle(el).visibility") == "hidden"
            last.locator("circle").first.hover()  # the point's own target, over its marker
            assert tip.evaluate("el => getComputedStyle(el).visibility") == "visible"
            # the label box lies inside the window
            box = tip.bounding_box()
            assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width
            assert str(tip.text_content()).startswith("Mar 2025: ")
        finally:
            context.close()
