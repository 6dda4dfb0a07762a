"""The main journeys through the web app, end to end in headless Chromium against
``trustboard serve`` on the demo store: sign in (a wrong password refused, then the right
one), find a metric from the summary table (filtered and sorted), drill down to a team,
explain a figure, sign out.  Signing in and finding the metric are done with the keyboard
only (Tab, typing, Enter), and every stop on the way must show where the focus is.

The figures the browser shows are checked against the store: a team's latest value worked out
by hand from its numerator and denominator, and the metric page's mean from the pack's model.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from browser_support import (
    DIRECTORATE,
    FORUM,
    METRIC,
    PERIOD,
    SERVICE,
    TEAM,
    DemoSite,
    axe_violations,
    chromium,
    demo_site,
    sign_in,
)

from trustboard.services.demo import DEMO_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.slow]

USER = "demo-executive"
_SUMMARY = f"/forums/{FORUM}/{PERIOD}"

#: What the focused element looks like, to compare with the same element unfocused.
_LOOK = """el => { const s = getComputedStyle(el);
  return [s.outlineStyle, s.outlineWidth, s.outlineColor, s.boxShadow, s.backgroundColor,
          s.color, s.textDecorationLine].join('|'); }"""


@pytest.fixture(scope="module")
def site(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> DemoSite:
    return demo_site(request, tmp_path_factory)


@pytest.fixture(scope="module")
def browser(site: DemoSite) -> Iterator[tuple[Any, str]]:
    with chromium() as found:
        yield found


@pytest.fixture
def tab(browser: tuple[Any, str]) -> Iterator[Any]:
    """A fresh tab (its own cookies) 1366 px wide."""
    context = browser[0].new_context(viewport={"width": 1366, "height": 900})
    try:
        yield context.new_page()
    finally:
        context.close()


def _focus_visible(tab: Any) -> bool:
    """Whether the focused element looks different from itself unfocused."""
    focused = tab.evaluate_handle("document.activeElement")
    looks = tab.evaluate(_LOOK, focused)
    tab.evaluate("el => el.blur()", focused)
    unfocused = tab.evaluate(_LOOK, focused)
    tab.evaluate("el => el.focus()", focused)
    return bool(looks != unfocused)


def _tab_to(tab: Any, selector: str, limit: int = 150) -> None:
    """Press Tab until ``selector`` has the focus, checking that each stop shows its focus."""
    for _ in range(limit):
        tab.keyboard.press("Tab")
        if tab.evaluate("s => document.activeElement.matches(s)", selector):
            assert _focus_visible(tab), f"no visible focus on {selector}"
            return
        what = tab.evaluate("document.activeElement.outerHTML.slice(0, 120)")
        assert _focus_visible(tab), f"no visible focus on {what}"
    raise AssertionError(f"{selector} never took the focus in {limit} presses of Tab")


def _press_enter_and_wait(tab: Any) -> None:
    with tab.expect_navigation():
        tab.keyboard.press("Enter")


def _fact(tab: Any, label: str) -> str:
    """The figure shown under ``label`` in the page's facts list."""
    found = tab.locator(".facts div", has=tab.locator(f"dt:text-is('{label}')")).locator("dd")
    return str(found.first.inner_text()).strip()


def test_sign_in_with_the_keyboard_refuses_a_wrong_password_then_signs_in(
    tab: Any, site: DemoSite, browser: tuple[Any, str]
) -> None:
    tab.goto(site.url("/"))
    assert tab.url == site.url("/sign-in")  # not signed in: sent to the form
    _tab_to(tab, "#name")
    tab.keyboard.type(USER)
    _tab_to(tab, "#password")
    tab.keyboard.type("not the password at all")
    _press_enter_and_wait(tab)
    assert tab.url == site.url("/sign-in")
    alert = tab.get_by_role("alert")
    assert "the user name or password is not right" in alert.inner_text()
    assert tab.locator(".who").count() == 0
    assert axe_violations(tab, browser[1]) == []

    _tab_to(tab, "#name")
    tab.keyboard.type(USER)
    _tab_to(tab, "#password")
    tab.keyboard.type(DEMO_PASSWORD)
    _tab_to(tab, "form.form button[type=submit]")
    _press_enter_and_wait(tab)
    assert tab.url == site.url("/")
    assert tab.locator(".who").inner_text() == f"{USER} (executive)"


def test_find_a_metric_from_the_summary_with_the_keyboard(tab: Any, site: DemoSite) -> None:
    sign_in(tab, site, USER, DEMO_PASSWORD)
    tab.goto(site.url(f"/?forum={FORUM}"))
    _tab_to(tab, f'main a[href="{_SUMMARY}"]')
    _press_enter_and_wait(tab)
    assert tab.url == site.url(_SUMMARY)
    everything = tab.locator("table.summary tbody tr").count()

    # filter to the Safe domain, sorted by name, Z to A: typing picks a closed list's option
    _tab_to(tab, "#domain")
    tab.keyboard.type("Safe")
    _tab_to(tab, "#sort")
    tab.keyboard.type("name")
    _tab_to(tab, "#order")
    tab.keyboard.type("desc")
    _tab_to(tab, "form.filters button[type=submit]")
    _press_enter_and_wait(tab)
    assert tab.url == site.url(
        f"{_SUMMARY}?domain=SAFE&directorate=&committee=&lead=&icon=&sort=name&order=desc"
    )
    rows = tab.locator("table.summary tbody tr")
    shown = rows.count()
    assert 0 < shown < everything
    assert tab.locator(".count-line").inner_text() == f"{shown} of {everything} metrics shown."
    domains = [rows.nth(i).locator("td").first.inner_text() for i in range(shown)]
    assert set(domains) == {"Safe"}
    names = [rows.nth(i).locator("th a").inner_text() for i in range(shown)]
    assert names == sorted(names, key=str.lower, reverse=True)
    assert tab.locator('th[aria-sort="descending"]').inner_text() == "Metric"

    _tab_to(tab, f'table.summary a[href="{_SUMMARY}/metrics/{METRIC}"]')
    _press_enter_and_wait(tab)
    assert tab.url == site.url(f"{_SUMMARY}/metrics/{METRIC}")
    assert (
        tab.locator("h1")
        .inner_text()
        .startswith("Safer staffing fill rate: registered nurses, day")
    )
    assert _fact(tab, "Mean") == _pack_mean(site)


def _pack_mean(site: DemoSite) -> str:
    """The metric's mean as the Board's pack computes and prints it."""
    from trustboard.demo import build_paper_config
    from trustboard.render.pack import assemble_pack
    from trustboard.render.pack.formatting import format_value
    from trustboard.services.pack import gather_inputs, load_paper_config
    from trustboard.store import Store

    store = Store.open(site.database)
    try:
        inputs = gather_inputs(store, FORUM, PERIOD, config=load_paper_config(build_paper_config()))
    finally:
        store.close()
    section = assemble_pack(inputs).section(METRIC)
    return format_value(section.summary.mean, section.definition.unit, precise=True)


def _team_value(site: DemoSite) -> tuple[float, float, str]:
    """The team's numerator, denominator and source file for the month, from the store."""
    from trustboard.store import Store

    store = Store.open(site.database)
    try:
        rows = store.values(
            metric_ids=[METRIC], org_units=[TEAM], start=date(2025, 3, 1), end=date(2025, 3, 1)
        )
    finally:
        store.close()
    assert rows.height == 1
    row = rows.row(0, named=True)
    return float(row["numerator"]), float(row["denominator"]), str(row["source_file"])


def test_drill_down_to_a_team_explain_its_figure_and_sign_out(tab: Any, site: DemoSite) -> None:
    numerator, denominator, source = _team_value(site)
    # a percentage is shown to one decimal place: numerator over denominator, by hand
    expected = f"{100 * numerator / denominator:.1f}%"
    sign_in(tab, site, USER, DEMO_PASSWORD)
    tab.goto(site.url(f"{_SUMMARY}/metrics/{METRIC}"))
    tab.get_by_role("link", name="Drill down: trust, directorates, services, teams").click()
    assert tab.url == site.url(f"{_SUMMARY}/metrics/{METRIC}/drill")
    for code in (DIRECTORATE, SERVICE, TEAM):
        tab.locator(f'table.drill a[href$="/drill/{code}"]').first.click()
        assert tab.url == site.url(f"{_SUMMARY}/metrics/{METRIC}/drill/{code}")
    assert re.search(rf"· {TEAM}$", tab.locator("h1 .metric-id").inner_text())
    trail = tab.get_by_role("navigation", name="Breadcrumb").inner_text()
    assert "Mental Health" in trail or DIRECTORATE in trail
    assert _fact(tab, "Latest").split(" (")[0] == expected
    # the team's row at the service level showed the same figure
    tab.go_back()
    row = tab.locator("table.drill tbody tr", has=tab.locator(f'a[href$="/drill/{TEAM}"]'))
    assert expected in row.inner_text()
    tab.go_forward()

    tab.get_by_role("link", name=re.compile(r"^Explain this figure \(")).click()
    assert tab.url.startswith(site.url(f"{_SUMMARY}/metrics/{METRIC}/explain?unit={TEAM}"))
    revisions = tab.locator("table.lineage tbody tr")
    assert revisions.count() == 1
    text = revisions.first.inner_text()
    assert expected in text and "current" in text.lower()
    assert source in text

    tab.get_by_role("button", name="Sign out").click()
    tab.wait_for_url(site.url("/sign-in"))
    tab.goto(site.url(f"{_SUMMARY}/metrics/{METRIC}"))
    assert tab.url == site.url("/sign-in")
