"""``trustboard store check``: are the current-value documents what ``metric_value`` says?

The documents are a cache of the current rows (see :mod:`trustboard.store.current`).  The
check reports every document that is missing, stale, orphaned, in another layout or different
from the rows; with ``rebuild`` it rebuilds those from the rows in one audited transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from trustboard.errors import ErrorCode, Problem, StoreError
from trustboard.services._store import store_session
from trustboard.store import DocumentProblem

__all__ = ["StoreCheckResult", "check_store", "raise_for_problems"]


@dataclass(frozen=True, slots=True)
class StoreCheckResult:
    """What ``store check`` found: the store, the documents that were wrong, whether they were
    rebuilt, and how many documents the store holds now."""

    url: str
    problems: tuple[DocumentProblem, ...]
    rebuilt: bool
    documents: int

    @property
    def clean(self) -> bool:
        """Whether every document matched the rows."""
        return not self.problems


def check_store(
    database: str | Path | None = None, *, rebuild: bool = False, actor: str | None = None
) -> StoreCheckResult:
    """Check every current-value document against ``metric_value`` (reads every current row);
    with ``rebuild``, rebuild the ones that differ (audited as ``values.documents.rebuild``)."""
    with store_session(database, actor=actor) as store:
        problems = store.rebuild_documents() if rebuild else store.check_documents()
        count = store.row_counts().get("metric_current", 0)
        return StoreCheckResult(store.url, tuple(problems), rebuild and bool(problems), count)


def raise_for_problems(result: StoreCheckResult) -> None:
    """Raise :class:`StoreError` (``TB-STORE-STALE``) listing each document found wrong, unless
    they were rebuilt or there were none."""
    if result.clean or result.rebuilt:
        return
    raise StoreError(
        f"{len(result.problems)} current-value document(s) do not match metric_value",
        code=ErrorCode.STORE_STALE,
        problems=[
            Problem(
                ErrorCode.STORE_STALE,
                f"{p.kind}: {p.detail}",
                column="metric_id",
                value=p.metric_id,
            )
            for p in result.problems
        ],
        hint="rebuild them from the rows with: trustboard store check --rebuild",
    )
