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


@pytest.fixture(scope="module")
def public(tmp_path_factory: pytest.TempPathFactory) -> Path:
    pytest.importorskip("weasyprint")
    folder = tmp_path_factory.mktemp("meeting-html")
    build_meeting(_meeting_folder(folder / "in"), folder / "out")
    return folder / "out" / "public"


@pytest.fixture(scope="module")
def tab() -> Iterator[Any]:
    from pack.test_browser import axe_tab

    yield from axe_tab()


@pytest.mark.parametrize("name", ["index.html", "item-02.html", "item-04.html"])
def test_the_packs_html_has_no_wcag_22_aa_violations(public: Path, tab: Any, name: str) -> None:
    from pack.test_browser import axe_violations

    tab.goto((public / name).as_uri())
    assert axe_violations(tab) == []
