"""docs/demo.md keeps up with the demo trust."""

from __future__ import annotations

import re
from pathlib import Path

from trustboard.demo import FORUM_IDS, build_catalogue, build_org_units
from trustboard.demo._stories import STORIES
from trustboard.demo.forums import BOARD_METRICS
from trustboard.domain import OrgLevel

DOC = Path(__file__).parents[2] / "docs" / "demo.md"


def _text() -> str:
    return DOC.read_text(encoding="utf-8")


def test_every_metric_is_listed() -> None:
    text = _text()
    listed = set(re.findall(r"^\| ([A-Z]{3}[0-9]{2}[A-Z0-9-]*) \|", text, flags=re.M))
    assert listed == {m.id for m in build_catalogue()}


def test_counts_quoted_match_the_demo() -> None:
    text = _text()
    assert f"{len(build_catalogue())} metrics from every domain" in text
    assert f"a lean report of {len(BOARD_METRICS)} metrics" in text
    services = sum(u.level is OrgLevel.SERVICE for u in build_org_units())
    assert services == 14 and "fourteen services" in text


def test_every_forum_and_story_metric_is_described() -> None:
    text = _text()
    for forum in FORUM_IDS:
        assert f"`{forum}`" in text
    for story in STORIES.values():
        if story.metric_id != "RES07-52W":  # written only when the waits engine supplies it
            assert f"({story.metric_id}" in text or f"{story.metric_id})" in text, story.metric_id


def test_every_demo_error_code_is_documented() -> None:
    source = Path(__file__).parents[2] / "src" / "trustboard"
    texts = [
        p.read_text(encoding="utf-8")
        for p in [*(source / "demo").glob("*.py"), source / "services" / "demo.py"]
    ]
    codes = {
        "TB-" + name.replace("_", "-")
        for text in texts
        for name in re.findall(r"ErrorCode\.(DEMO_[A-Z_]+)", text)
    }
    assert codes == {"TB-DEMO-FORUM", "TB-DEMO-OUTPUT", "TB-DEMO-EXTRA", "TB-DEMO-STORE"}
    for code in codes:
        assert f"`{code}`" in _text(), code
