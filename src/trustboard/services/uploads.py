"""Uploads: value, commentary and target files loaded through the web app, as jobs.

An upload is a :mod:`job <trustboard.services.jobs>` of kind ``upload-values``,
``upload-commentary`` or ``upload-targets``, in two steps that an analyst (or an
administrator) takes one after the other:

1. **validate** (``queued`` → ``validating`` → ``awaiting-confirmation``, or ``failed`` with the
   validation report): the file is read and checked by the command line's own code
   (:func:`~trustboard.services.imports.check_values`, ``check_commentary``,
   ``check_targets``); nothing is written to the store's data.  A file with any problem is
   refused, every problem listed (file, sheet, row, column, value, expected).
2. **commit** (``awaiting-confirmation`` → ``committing`` → ``done``): the rows validated are
   written in one transaction, exactly as ``trustboard import`` writes them (values:
   :func:`~trustboard.services.imports.write_checked_values`; commentary and targets:
   :func:`~trustboard.services.imports.import_commentary` and ``import_targets``, which
   validate again and write all or nothing).  The import is recorded in the audit log and the
   import record in the name of the analyst who commits it, and each value's lineage names
   the uploaded file, its sheet and row.

A second commit of the same upload is refused (``TB-JOB-STATE``: the step was taken).  A commit
after someone else changed values of the same metrics, or the catalogue, since the file was
validated is refused with ``TB-UPLOAD-CHANGED`` and writes nothing: the report the analyst
confirmed no longer describes what the commit would do.  The upload's file is kept, and
:func:`revalidate` checks it again against the store as it now is.
"""

from __future__ import annotations

import tempfile
import threading
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date
from functools import partial
from pathlib import Path
from typing import IO, Any

import polars as pl

from trustboard.domain.limits import current_limits
from trustboard.errors import (
    ConflictError,
    DataValidationError,
    ErrorCode,
    NotFoundError,
    OptionsError,
    Problem,
)
from trustboard.services import imports, jobs
from trustboard.services.cycle import require_cycle_role
from trustboard.services.jobs import Job, JobContext, JobStatus, Step
from trustboard.services.users import User
from trustboard.store import Store
from trustboard.store.current import read_stamps

__all__ = [
    "KINDS",
    "MAX_UPLOAD_BYTES",
    "UploadKind",
    "cancel",
    "commit",
    "max_upload_bytes",
    "recent_uploads",
    "revalidate",
    "start_upload",
    "upload_job",
]

#: The most one upload may hold (the readers' ``max_file_bytes`` limit may lower it): the
#: six-million-value benchmark file is 290 MB as CSV and 60 MB as Parquet.
MAX_UPLOAD_BYTES = 1024 * 1024 * 1024

#: The part of a values job's file that holds the validated rows (Parquet), ready to commit.
CHECKED_PART = "checked"


@dataclass(frozen=True, slots=True)
class UploadKind:
    """One sort of upload: its job kind, what the page calls it, the file types it takes."""

    key: str
    label: str
    suffixes: tuple[str, ...]

    @property
    def job_kind(self) -> str:
        """The kind recorded on the job."""
        return f"upload-{self.key}"


def _kinds() -> dict[str, UploadKind]:
    from trustboard.ingest.commentary import COMMENTARY_SUFFIXES
    from trustboard.ingest.tables import TABLE_SUFFIXES

    return {
        "values": UploadKind("values", "Values", tuple(sorted(TABLE_SUFFIXES))),
        "commentary": UploadKind("commentary", "Commentary", tuple(sorted(COMMENTARY_SUFFIXES))),
        "targets": UploadKind(
            "targets", "Targets", tuple(sorted(TABLE_SUFFIXES | {".yaml", ".yml"}))
        ),
    }


#: The sorts of upload, by key: the types each takes are those its command-line import reads.
KINDS: Mapping[str, UploadKind] = _kinds()


def max_upload_bytes() -> int:
    """The most one upload may hold now (:data:`MAX_UPLOAD_BYTES`, or the readers' lower
    ``max_file_bytes`` limit)."""
    return min(MAX_UPLOAD_BYTES, current_limits().max_file_bytes)


def _kind(key: str) -> UploadKind:
    found = KINDS.get(key)
    if found is None:
        raise OptionsError(
            f"there is no upload of {key!r}",
            code=ErrorCode.UPLOAD_TYPE,
            hint="upload values, commentary or targets",
        )
    return found


def _clean_name(file_name: str) -> str:
    # a browser may send a full path (old Internet Explorer) or a name with odd characters;
    # the name is only ever shown and recorded, but it becomes a temporary file's name too
    name = file_name.replace("\\", "/").rsplit("/", 1)[-1].strip()
    name = "".join(ch for ch in name if ch.isprintable())[:200]
    if name in ("", ".", ".."):
        raise OptionsError("no file was chosen", code=ErrorCode.UPLOAD_TYPE)
    return name


def start_upload(
    store: Store,
    user: User,
    kind: str,
    file_name: str,
    source: IO[bytes],
    *,
    forum: str | None = None,
    period: str | None = None,
    today: date | None = None,
    background: bool = True,
) -> int:
    """Keep an uploaded file as a new job and start validating it; returns the job's id.

    Only analysts and administrators upload (others are refused and the refusal audited).
    The file's type must be one its import reads (``TB-UPLOAD-TYPE``) and its size at most
    :func:`max_upload_bytes` (``TB-UPLOAD-TOO-LARGE``); either refusal keeps nothing.
    """
    chosen = _kind(kind)
    require_cycle_role(store, user, f"{chosen.label.lower()} uploads")
    name = _clean_name(file_name)
    suffix = Path(name).suffix.lower()
    if suffix not in chosen.suffixes:
        raise OptionsError(
            f"'{name}' is not a {chosen.label.lower()} file this page takes",
            code=ErrorCode.UPLOAD_TYPE,
            hint=f"upload one of: {', '.join(chosen.suffixes)}",
            problems=[
                Problem(
                    ErrorCode.UPLOAD_TYPE,
                    "the file's type is not read",
                    file=name,
                    value=suffix or "(none)",
                    expected=", ".join(chosen.suffixes),
                )
            ],
        )
    options: dict[str, Any] = {"today": (today or date.today()).isoformat()}
    job_id = jobs.start(
        store,
        kind=chosen.job_kind,
        actor=user.name,
        forum=forum,
        period=period,
        options=options,
        file_name=name,
        source=source,
        max_bytes=max_upload_bytes(),
    )
    _validate(store, job_id, background=background)
    return job_id


def upload_job(store: Store, user: User, job_id: int) -> Job:
    """One upload job (analysts and administrators only)."""
    require_cycle_role(store, user, "uploads")
    job = jobs.get(store, job_id)
    if not job.kind.startswith("upload-"):
        raise NotFoundError(f"there is no upload {job_id}", code=ErrorCode.JOB_NOT_FOUND)
    return job


def recent_uploads(store: Store, user: User, *, limit: int = 20) -> list[Job]:
    """The latest uploads of everyone, newest first (analysts and administrators only)."""
    require_cycle_role(store, user, "uploads")
    return jobs.recent(store, kinds=[k.job_kind for k in KINDS.values()], limit=limit)


def revalidate(store: Store, user: User, job_id: int, *, background: bool = True) -> Job:
    """Validate a failed upload's file again against the store as it now is (its file is
    kept when a commit was refused, or when the worker stopped)."""
    upload_job(store, user, job_id)
    jobs.restart(store, job_id, actor=user.name)
    _validate(store, job_id, background=background)
    return jobs.get(store, job_id)


def cancel(store: Store, user: User, job_id: int) -> Job:
    """Cancel an upload waiting for its commit (or one that failed): its file is dropped and
    nothing is written."""
    upload_job(store, user, job_id)
    return jobs.cancel(store, job_id, actor=user.name)


def commit(store: Store, user: User, job_id: int, *, background: bool = True) -> Job:
    """Commit a validated upload (see the module's notes on a second commit and on values
    changed since validation).  The import is recorded in the name of ``user``, who commits
    it, whoever uploaded the file."""
    upload_job(store, user, job_id)
    jobs.run(
        store,
        job_id,
        allowed=[JobStatus.AWAITING_CONFIRMATION],
        working=JobStatus.COMMITTING,
        work=partial(_commit_work, committer=user.name),
        background=background,
        keep_file_on_failure=True,
    )
    return jobs.get(store, job_id)


# -- the work, run by the job's thread ------------------------------------------------------


def _validate(store: Store, job_id: int, *, background: bool) -> threading.Thread | None:
    return jobs.run(
        store,
        job_id,
        allowed=[JobStatus.QUEUED],
        working=JobStatus.VALIDATING,
        work=_validate_work,
        background=background,
    )


def _named(problems: tuple[Problem, ...], temp: Path, name: str) -> list[Problem]:
    # the readers name the temporary copy they read; the analyst knows the file by its name
    return [
        replace(
            problem,
            file=name if problem.file is not None else None,
            message=problem.message.replace(str(temp), name),
        )
        for problem in problems
    ]


def _catalogue_sha(store: Store) -> str | None:
    version = store.catalogue_version()
    return None if version is None else f"{version.seq}:{version.content_hash}"


def _validate_work(ctx: JobContext) -> Step:
    job = ctx.job
    kind = job.kind.removeprefix("upload-")
    store = Store(ctx.store.engine, actor=job.actor)
    name = job.file_name or f"upload-{job.id}"
    with tempfile.TemporaryDirectory(prefix=f"tb-upload-{job.id}-") as folder:
        ctx.progress(0, 1, "reading and checking the file")
        with ctx.file_copy(Path(folder)) as path:
            result: dict[str, Any] = {"catalogue": _catalogue_sha(store)}
            if kind == "values":
                today = date.fromisoformat(str(job.options.get("today") or date.today()))
                checked = imports.check_values([path], store=store, today=today)
                problems = checked.problems
                if not problems:
                    frame = checked.frame.with_columns(pl.lit(name).alias("source_file"))
                    metric_ids = sorted(frame.get_column("metric_id").unique().to_list())
                    with store.reading() as conn:
                        result["stamps"] = read_stamps(conn, metric_ids)
                    result.update(
                        rows=frame.height,
                        metrics=len(metric_ids),
                        org_units=frame.get_column("org_unit").n_unique(),
                        periods=sorted(
                            {d.isoformat() for d in frame.get_column("period_start").unique()}
                        ),
                        files=[{**f, "file": name} for f in checked.files],
                    )
                    ctx.progress(1, 2, "keeping the validated rows")
                    kept = Path(folder) / "checked.parquet"
                    frame.write_parquet(kept)
                    ctx.keep_file(CHECKED_PART, kept)
            elif kind == "commentary":
                found = imports.check_commentary([path], store=store)
                problems, result = found.problems, {**result, **found.counts}
            else:
                found = imports.check_targets([path], store=store)
                problems, result = found.problems, {**result, **found.counts}
            named = _named(problems, path, name)
    if named:
        raise DataValidationError(
            f"the {kind} were not loaded: {len(named)} problem(s) found",
            named,
            hint="nothing was loaded; correct the file and upload it again",
        )
    ctx.progress(1, 1, "checked: waiting for the analyst to commit")
    return Step(JobStatus.AWAITING_CONFIRMATION, result=result, report=[])


def _refuse_changed(store: Store, job: Job) -> None:
    validated = job.result
    changed: list[str] = []
    if _catalogue_sha(store) != validated.get("catalogue"):
        changed.append("the catalogue")
    stamps = validated.get("stamps")
    if isinstance(stamps, dict):
        with store.reading() as conn:
            now = read_stamps(conn, sorted(stamps))
        moved = sorted(m for m in stamps if now.get(m) != stamps[m])
        if moved:
            shown = ", ".join(moved[:10]) + (
                f" and {len(moved) - 10} more" if len(moved) > 10 else ""
            )
            changed.append(f"the values of {shown}")
    if changed:
        raise ConflictError(
            f"since this file was validated, {' and '.join(changed)} changed: nothing was written",
            code=ErrorCode.UPLOAD_CHANGED,
            hint="validate the file again, look at the new report, then commit",
        )


def _commit_work(ctx: JobContext, *, committer: str) -> Step:
    job = ctx.job
    kind = job.kind.removeprefix("upload-")
    store = Store(ctx.store.engine, actor=committer)
    if kind == "values":
        files = tuple(dict(f) for f in job.result.get("files", ()))
        with tempfile.TemporaryDirectory(prefix=f"tb-upload-{job.id}-") as folder:
            ctx.progress(0, 1, "reading the validated rows")
            with ctx.file_copy(Path(folder), CHECKED_PART) as path:
                frame = pl.read_parquet(path)
            checked = imports.CheckedValues(frame, files, ())

            def progress(stage: str, done: int, total: int) -> None:
                ctx.progress(done, total, f"writing: {stage}")

            with store.transaction():
                # checked and written in one transaction (on SQLite it holds the write lock)
                _refuse_changed(store, job)
                outcome = imports.write_checked_values(store, checked, progress=progress)
        summary = outcome.summary
        result = {
            **job.result,
            "inserted": summary.inserted,
            "revised": summary.revised,
            "unchanged": summary.unchanged,
            "import_id": summary.import_id,
        }
        return Step(JobStatus.DONE, result=result)
    _refuse_changed(store, job)
    database = store.engine.url.render_as_string(hide_password=False)
    with tempfile.TemporaryDirectory(prefix=f"tb-upload-{job.id}-") as folder:
        ctx.progress(0, 1, "writing")
        with ctx.file_copy(Path(folder)) as path:
            if kind == "commentary":
                done = imports.import_commentary([path], database=database, actor=committer)
            else:
                done = imports.import_targets([path], database=database, actor=committer)
    result = {
        **job.result,
        "inserted": done.summary.inserted,
        "revised": done.summary.revised,
        "unchanged": done.summary.unchanged,
    }
    if done.metrics_changed:
        result["metrics_changed"] = list(done.metrics_changed)
    return Step(JobStatus.DONE, result=result)
