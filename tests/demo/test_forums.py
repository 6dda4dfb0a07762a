"""Forums of the demo trust: each receives a sensible, non-empty set of metrics."""

from __future__ import annotations

from trustboard.demo import COMMITTEES, FORUM_IDS, build_catalogue, build_forums
from trustboard.demo.forums import BOARD_METRICS
from trustboard.domain import DetailLevel, ForumKind

METRICS = build_catalogue()


def _received(forum_id: str) -> set[str]:
    forum = next(f for f in build_forums() if f.id == forum_id)
    return {m.id for m in METRICS if forum.receives(m.id, m.definition.lead_committees)}


def test_the_reporting_cycle_has_every_forum_in_order() -> None:
    forums = build_forums()
    assert tuple(f.id for f in forums) == FORUM_IDS
    assert [f.order for f in forums] == sorted(f.order for f in forums)
    kinds = {f.kind for f in forums}
    assert kinds == {ForumKind.EXECUTIVE, ForumKind.COMMITTEE, ForumKind.BOARD}
    assert [f.id for f in forums if f.public] == ["BOARD"]


def test_every_forum_gets_a_non_empty_metric_set() -> None:
    for forum_id in FORUM_IDS:
        assert _received(forum_id), forum_id


def test_the_executive_sees_everything_and_committees_their_own() -> None:
    assert _received("EMT") == {m.id for m in METRICS}
    for forum_id, key in (("FPC", "fpc"), ("QC", "quality"), ("PC", "people")):
        expected = {m.id for m in METRICS if COMMITTEES[key] in m.definition.lead_committees}
        assert _received(forum_id) == expected


def test_the_board_sees_a_lean_report_without_private_items() -> None:
    board = _received("BOARD")
    assert board == set(BOARD_METRICS)
    assert 40 <= len(board) <= 60
    private = {m.id for m in METRICS if m.definition.private}
    assert private and not board & private
    assert private <= _received("BOARD-PRIVATE")
    forums = {f.id: f for f in build_forums()}
    assert forums["BOARD"].detail is DetailLevel.SUMMARY
    # the Board sees metrics from every committee and every domain
    domains = {m.definition.domain for m in METRICS if m.id in board}
    assert len(domains) == 7
