"""``trustboard store check``: are the current-value documents what ``metric_value`` says?

The documents are a cache of the current rows (see :mod:`trustboard.store.current`), kept
honest by change-tracking triggers on ``metric_value``.  The check reports every trigger that is
missing, disabled or altered and every document that is missing, stale, orphaned, in another
layout or different from the rows; with ``rebuild`` it recreates the triggers from their
migration's SQL and then rebuilds the documents from the rows, in one audited transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from trustboard.errors import ErrorCode, Problem, StoreError
from trustboard.services._store import store_session
from trustboard.store import DocumentProblem, TriggerProblem

__all__ = ["StoreCheckResult", "check_store", "raise_for_problems"]


@dataclass(frozen=True, slots=True)
class StoreCheckResult:
    """What ``store check`` found: the store, the documents that were wrong, whether they (and
    the triggers) were repaired, how many documents the store holds now, and the change-tracking
    triggers that were wrong."""

    url: str
    problems: tuple[DocumentProblem, ...]
    rebuilt: bool
    documents: int
    triggers: tuple[TriggerProblem, ...] = ()

    @property
    def clean(self) -> bool:
        """Whether every trigger was in place and every document matched the rows."""
        return not self.problems and not self.triggers


def check_store(
    database: str | Path | None = None, *, rebuild: bool = False, actor: str | None = None
) -> StoreCheckResult:
    """Check every current-value document against ``metric_value`` (reads every current row);
    with ``rebuild``, rebuild the ones that differ (audited as ``values.documents.rebuild``)."""
    with store_session(database, actor=actor) as store:
        if rebuild:
            # the triggers first: the documents are then rebuilt with the full comparison,
            # which finds the changes made while a trigger was missing
            with store.transaction():
                triggers = store.repair_triggers()
                problems = store.rebuild_documents()
        else:
            triggers = store.check_triggers()
            problems = store.check_documents()
        count = store.row_counts().get("metric_current", 0)
        repaired = rebuild and bool(problems or triggers)
        return StoreCheckResult(store.url, tuple(problems), repaired, count, tuple(triggers))


def raise_for_problems(result: StoreCheckResult) -> None:
    """Raise :class:`StoreError` (``TB-STORE-STALE``) listing each document found wrong, unless
    they were rebuilt or there were none."""
    if result.clean or result.rebuilt:
        return
    found = []
    if result.triggers:
        found.append(f"{len(result.triggers)} change-tracking trigger(s) are not in place")
    if result.problems:
        found.append(f"{len(result.problems)} current-value document(s) do not match metric_value")
    raise StoreError(
        "; ".join(found),
        code=ErrorCode.STORE_STALE,
        problems=[
            Problem(ErrorCode.STORE_STALE, f"{t.kind}: {t.detail}", column="trigger", value=t.name)
            for t in result.triggers
        ]
        + [
            Problem(
                ErrorCode.STORE_STALE,
                f"{p.kind}: {p.detail}",
                column="metric_id",
                value=p.metric_id,
            )
            for p in result.problems
        ],
        hint="repair them with: trustboard store check --rebuild",
    )
