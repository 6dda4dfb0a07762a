"""Import use cases: values, commentary (with actions) and targets, all or nothing.

The readers in :mod:`trustboard.ingest` parse and validate every row and report every problem;
if there is any problem, nothing is written (and the problems go to ``report`` when given).
Otherwise everything is written in one transaction: re-importing an identical file changes
nothing, and a changed value becomes a new revision.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import polars as pl

from trustboard.domain import MetricDefinition, Target
from trustboard.errors import DataValidationError, ErrorCode, NotFoundError, Problem
from trustboard.services._store import store_session
from trustboard.store import CatalogueVersion, Store, WriteSummary

__all__ = [
    "CheckedFiles",
    "CheckedValues",
    "ImportOutcome",
    "check_commentary",
    "check_targets",
    "check_values",
    "import_commentary",
    "import_targets",
    "import_values",
    "merge_targets",
    "write_checked_values",
]

Progress = Callable[[str, int, int], None]


@dataclass(frozen=True, slots=True)
class ImportOutcome:
    """What an import did.

    ``summary`` counts values (or commentary) inserted, revised and unchanged; ``actions``
    counts actions for a commentary import, and ``narrative`` the narrative versions it added
    (drafts, or approved by ``approver``) and the entries whose narrative it left as it was;
    ``metrics_changed`` and ``catalogue`` tell what a targets import changed.  ``files`` lists
    each file with its SHA-256.
    """

    kind: str
    files: tuple[dict[str, Any], ...]
    summary: WriteSummary
    actions: WriteSummary | None = None
    metrics_changed: tuple[str, ...] = ()
    catalogue: CatalogueVersion | None = None
    problems: tuple[Problem, ...] = field(default=())
    narrative: WriteSummary | None = None
    approver: str | None = None


def _paths(paths: Sequence[str | Path]) -> list[Path]:
    out = [Path(p) for p in paths]
    if not out:
        raise NotFoundError("no file was given to import", code=ErrorCode.IMPORT_NO_FILE)
    return out


def _fail_on_problems(kind: str, problems: Sequence[Problem], report: str | Path | None) -> None:
    from trustboard.ingest.report import write_problem_report

    if report is not None:
        write_problem_report(list(problems), report)
    if problems:
        raise DataValidationError(
            f"the {kind} were not imported: {len(problems)} problem(s) found",
            list(problems),
            hint="nothing was loaded; correct the file(s) and import again",
        )


def _catalogue(store: Store) -> tuple[dict[str, MetricDefinition], list[str]]:
    metrics = {m.id: m for m in store.metrics()}
    if not metrics:
        raise NotFoundError(
            "the store has no metric catalogue yet",
            code=ErrorCode.CATALOGUE_EMPTY,
            hint="load one first: trustboard catalogue load CONFIG_FOLDER",
        )
    return metrics, [u.code for u in store.org_units()]


def _file_records(files: dict[str, str], rows: int | None = None) -> tuple[dict[str, Any], ...]:
    out: tuple[dict[str, Any], ...] = tuple(
        {"file": name, "sha256": digest} for name, digest in files.items()
    )
    if rows is not None and len(out) == 1:
        out[0]["rows"] = rows
    return out


@dataclass(frozen=True, slots=True)
class CheckedValues:
    """Value files read and validated but not yet written.

    ``frame`` holds the rows to store (with the sheet and row each was read from), ``files``
    each file with its SHA-256 and row count, ``problems`` every problem found: when there is
    any, nothing may be written.
    """

    frame: pl.DataFrame
    files: tuple[dict[str, Any], ...]
    problems: tuple[Problem, ...]


@dataclass(frozen=True, slots=True)
class CheckedFiles:
    """Commentary or target files read and validated but not written: how many entries of
    each sort they hold (``counts``) and every problem found."""

    kind: str
    counts: dict[str, int]
    problems: tuple[Problem, ...]


def check_values(
    paths: Sequence[str | Path], *, store: Store, today: date | None = None
) -> CheckedValues:
    """Read and validate value files against the store's catalogue; writes nothing.

    The first half of :func:`import_values` (the web app's uploads validate with it too).
    """
    from trustboard.ingest import read_values

    files = _paths(paths)
    catalogue, units = _catalogue(store)
    read = read_values(files, catalogue=catalogue, org_units=units, today=today or date.today())
    records = _file_records(dict(read.files), read.frame.height)
    # each revision keeps the sheet and row it was read from (the row as the file's user
    # sees it, the header being row 1), as the problem reports name them
    frame = read.frame.rename({"sheet": "source_sheet", "row": "source_row"})
    return CheckedValues(frame, records, tuple(read.problems))


def write_checked_values(
    store: Store, checked: CheckedValues, *, progress: Progress | None = None
) -> ImportOutcome:
    """Store values that :func:`check_values` found without problems, in one transaction.

    The second half of :func:`import_values`; refuses (writing nothing) when ``checked``
    holds any problem.
    """
    _fail_on_problems("values", checked.problems, None)
    summary = store.write_values(checked.frame, files=checked.files, progress=progress)
    return ImportOutcome("values", checked.files, summary)


def import_values(
    paths: Sequence[str | Path],
    *,
    database: str | Path | None = None,
    actor: str | None = None,
    today: date | None = None,
    report: str | Path | None = None,
    progress: Progress | None = None,
) -> ImportOutcome:
    """Validate value files (CSV, Excel, Parquet; long or wide) and store them in one
    transaction."""
    files = _paths(paths)
    with store_session(database, actor=actor) as store:
        checked = check_values(files, store=store, today=today)
        _fail_on_problems("values", checked.problems, report)
        return write_checked_values(store, checked, progress=progress)


def import_commentary(
    paths: Sequence[str | Path],
    *,
    database: str | Path | None = None,
    actor: str | None = None,
    report: str | Path | None = None,
    approved_by: str | None = None,
) -> ImportOutcome:
    """Validate commentary files (narrative sections and actions) and store them together.

    Each entry's text also enters the narrative workflow (:mod:`trustboard.services.narrative`)
    as a draft version, or, with ``approved_by``, as an approved version recorded with that
    account, which must approve narrative for every imported metric's executive lead (else
    ``TB-N-APPROVER`` names the file and line, and nothing is written).
    """
    from trustboard.ingest import read_commentary
    from trustboard.services.narrative import add_imported, plan_import

    files = _paths(paths)
    with store_session(database, actor=actor) as store:
        catalogue, units = _catalogue(store)
        read = read_commentary(files, catalogue=catalogue, org_units=units)
        _fail_on_problems("commentary", read.problems, report)
        records = tuple({"file": str(p)} for p in files)
        with store.transaction():
            # planned inside the transaction, so the versions read are the ones written after
            plan = plan_import(
                store, read.commentary, read.sources, author=store.actor, approved_by=approved_by
            )
            _fail_on_problems("commentary", plan.problems, report)
            notes = store.write_commentary(read.commentary, files=records)
            actions = store.write_actions(read.actions, files=records)
            added = add_imported(store, plan)
    narrative = WriteSummary(
        sum(1 for v in added if v.based_on is None),
        sum(1 for v in added if v.based_on is not None),
        plan.unchanged,
    )
    return ImportOutcome(
        "commentary",
        records,
        notes,
        actions=actions,
        narrative=narrative,
        approver=plan.approver,
    )


def merge_targets(metric: MetricDefinition, incoming: Sequence[Target]) -> tuple[Target, ...]:
    """The targets of ``metric`` after an import: the file replaces each target type it gives.

    A trajectory file therefore leaves the national standard alone, and a file of local targets
    replaces the local targets only.
    """
    replaced = {t.type for t in incoming}
    kept = [t for t in metric.targets if t.type not in replaced]
    merged = [*kept, *incoming]
    return tuple(sorted(merged, key=lambda t: (t.type.value, t.valid_from or date.min)))


def import_targets(
    paths: Sequence[str | Path],
    *,
    database: str | Path | None = None,
    actor: str | None = None,
    report: str | Path | None = None,
    effective: date | None = None,
) -> ImportOutcome:
    """Validate target files and store each changed metric as a new definition version."""
    from trustboard.ingest import read_targets

    files = _paths(paths)
    with store_session(database, actor=actor) as store:
        catalogue, _units = _catalogue(store)
        read = read_targets(files, catalogue=catalogue)
        _fail_on_problems("targets", read.problems, report)
        updated = []
        for metric_id, targets in sorted(read.targets.items()):
            metric = catalogue[metric_id]
            merged = merge_targets(metric, targets)
            if merged != metric.targets:
                updated.append(
                    metric.model_copy(
                        update={"targets": merged, "effective_from": None, "change_note": None}
                    )
                )
        names = ", ".join(p.name for p in files)
        records = tuple({"file": str(p)} for p in files)
        changed, version = store.add_metric_versions(
            updated, note=f"targets imported from {names}", effective=effective, source=names
        )
    # for a targets import the counts are of metrics: given a new version, or left as they were
    summary = WriteSummary(0, len(changed), len(read.targets) - len(changed))
    return ImportOutcome(
        "targets", records, summary, metrics_changed=tuple(changed), catalogue=version
    )


def check_commentary(paths: Sequence[str | Path], *, store: Store) -> CheckedFiles:
    """Read and validate commentary files as :func:`import_commentary` does; writes nothing."""
    from trustboard.ingest import read_commentary

    files = _paths(paths)
    catalogue, units = _catalogue(store)
    read = read_commentary(files, catalogue=catalogue, org_units=units)
    counts = {"commentary": len(read.commentary), "actions": len(read.actions)}
    return CheckedFiles("commentary", counts, tuple(read.problems))


def check_targets(paths: Sequence[str | Path], *, store: Store) -> CheckedFiles:
    """Read and validate target files as :func:`import_targets` does; writes nothing."""
    from trustboard.ingest import read_targets

    files = _paths(paths)
    catalogue, _units = _catalogue(store)
    read = read_targets(files, catalogue=catalogue)
    counts = {
        "metrics": len(read.targets),
        "targets": sum(len(targets) for targets in read.targets.values()),
    }
    return CheckedFiles("targets", counts, tuple(read.problems))
