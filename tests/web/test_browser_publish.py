"""The check-and-publish pages pass axe-core's WCAG 2.2 AA rules in headless Chromium at a
desktop and a phone width, and nothing is wider than the window: the checks of a published
pack (the demo's Board), the checks of a pack with an open finding and its override form (the
Executive Management Team, whose first exception's narrative is made to await approval), and
a publishing job's page at work and failed.

A copy of the browser tests' demo store (``browser_support``), changed as above and served by
its own ``trustboard serve``, so that the other browser tests' pages stay as they were; read
by ``demo-analyst``.  The jobs are recorded in the copy directly: publishing itself is tested
without a browser (``test_publish_web.py``).
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from browser_support import (
    PERIOD,
    WIDTHS,
    DemoSite,
    axe_violations,
    chromium,
    demo_site,
    serve,
    sign_in,
)

from trustboard.errors import ConflictError
from trustboard.render.pack import assemble_pack
from trustboard.services import jobs
from trustboard.services import narrative as nv
from trustboard.services.browse import load_config
from trustboard.services.demo import DEMO_PASSWORD
from trustboard.services.pack import gather_inputs
from trustboard.store import NarrativeVersion, Store, utc_now
from trustboard.store.narrative_versions import add_version

pytestmark = [pytest.mark.browser, pytest.mark.slow]

KINDS = ("check-published", "check-open-finding", "publish-job-at-work", "publish-job-failed")


def _await_approval(store: Store) -> None:
    """The Executive Management Team's first exception's narrative, submitted again: the
    check's ``narrative-approval`` finds it not approved."""
    config = load_config(None, store)
    model = assemble_pack(gather_inputs(store, "EMT", PERIOD, config=config, baf_html=""))
    metric_id = model.exceptions[0].metric_id
    latest = nv.latest(store, metric_id, PERIOD)
    item = NarrativeVersion(
        metric_id=metric_id,
        period=PERIOD,
        org_unit="",
        version=(latest.version + 1) if latest else 1,
        based_on=latest.version if latest else None,
        state="submitted",
        sections=dict(latest.sections) if latest else {"summary": "Submitted text."},
        author="demo-analyst",
        created_at=utc_now(),
    )
    with store.transaction() as conn:
        add_version(conn, item, action="narrative.submit", before=latest)


def _jobs(store: Store) -> tuple[int, int]:
    waiting = jobs.start(store, kind="publish", actor="demo-analyst", forum="ARC", period=PERIOD)
    failed = jobs.start(store, kind="publish", actor="demo-analyst", forum="PC", period=PERIOD)

    def refuse(_ctx: jobs.JobContext) -> jobs.Step:
        raise ConflictError("the PC pack for 2025-03 is already published")

    jobs.run(
        store,
        failed,
        allowed=[jobs.JobStatus.QUEUED],
        working=jobs.JobStatus.COMMITTING,
        work=refuse,
        background=False,
    )
    return waiting, failed


@pytest.fixture(scope="module")
def own_site(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[DemoSite, dict[str, str]]]:
    shared = demo_site(request, tmp_path_factory)
    folder = tmp_path_factory.mktemp("browser-publish")
    source = Path(shared.database.removeprefix("sqlite:///"))
    copy = folder / source.name
    shutil.copyfile(source, copy)
    root = folder / "out"
    shutil.copytree(shared.published_root, root)
    database = f"sqlite:///{copy}"
    store = Store.open(database, actor="test")
    try:
        _await_approval(store)
        waiting, failed = _jobs(store)
    finally:
        store.close()
    log = folder / "serve.log"
    running = serve(database, root, log)
    base = running.__enter__()
    try:
        site = replace(shared, base=base, database=database, published_root=root, log=log)
        yield (
            site,
            {
                "check-published": f"/publish/BOARD/{PERIOD}",
                "check-open-finding": f"/publish/EMT/{PERIOD}",
                "publish-job-at-work": f"/publish/ARC/{PERIOD}/jobs/{waiting}",
                "publish-job-failed": f"/publish/PC/{PERIOD}/jobs/{failed}",
            },
        )
    finally:
        running.__exit__(None, None, None)


@pytest.fixture(scope="module")
def tabs(own_site: tuple[DemoSite, dict[str, str]]) -> Iterator[tuple[dict[int, Any], str]]:
    with chromium() as (browser, axe):
        contexts = []
        opened: dict[int, Any] = {}
        for width in WIDTHS:
            context = browser.new_context(viewport={"width": width, "height": 900})
            contexts.append(context)
            tab = context.new_page()
            sign_in(tab, own_site[0], "demo-analyst", DEMO_PASSWORD)
            opened[width] = tab
        yield opened, axe
        for context in contexts:
            context.close()


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("kind", KINDS)
def test_publish_pages_pass_axe(
    kind: str,
    width: int,
    own_site: tuple[DemoSite, dict[str, str]],
    tabs: tuple[dict[int, Any], str],
) -> None:
    site, pages = own_site
    tab = tabs[0][width]
    answer = tab.goto(site.url(pages[kind]))
    assert answer is not None and answer.status == 200, kind
    assert tab.locator("h1").count() == 1
    if kind == "check-open-finding":
        findings = tab.locator("main li.card").count()
        assert findings >= 1
        assert tab.locator("main li.card form textarea[name=reason]").count() == findings
    if kind == "check-published":
        assert tab.locator("#published").count() == 1
    if kind == "publish-job-failed":
        assert "already published" in tab.locator("#job-failed").inner_text()
    violations = axe_violations(tab, tabs[1])
    assert violations == [], f"axe-core found WCAG 2.2 AA violations at {width} px: {violations}"
    wide = tab.evaluate("document.documentElement.scrollWidth")
    assert wide <= width, f"the page is {wide} px wide in a {width} px window"
