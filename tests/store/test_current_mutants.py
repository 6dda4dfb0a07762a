"""The current-value cache's own contract (``trustboard.store.current``), worked by hand.

Written for mutants of ``store/current.py`` that the other store tests let survive
(docs/testing.md, mutation testing).
"""

from __future__ import annotations

from trustboard.store.current import DocumentProblem


def test_a_problem_reads_as_the_three_keys_the_audit_log_and_json_carry() -> None:
    problem = DocumentProblem("AE01", "stale", "built at change 3; the rows are at change 4")
    assert problem.as_dict() == {
        "metric_id": "AE01",
        "kind": "stale",
        "detail": "built at change 3; the rows are at change 4",
    }
