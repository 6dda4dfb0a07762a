"""Jobs: long work started from the web app, run in a background thread of the worker that
received the request, with its status and progress kept in the store.

A job moves through these statuses (a kind of job uses the steps it needs)::

    queued ──▶ validating ──▶ awaiting-confirmation ──▶ committing ──▶ done
       │            │                  │                     │
       └────────────┴──────────────────┴──▶ cancelled        └──▶ failed (any working step)

The small API:

* :func:`start` records a job (and streams its file, if any, into the store) as ``queued``;
* :func:`run` claims the job for one step (a compare-and-set from the statuses the step may
  start from, so two workers or two clicks never both take it) and runs ``work`` in a
  background thread; a heartbeat thread records every :data:`HEARTBEAT_S` seconds that the
  worker is alive, with the progress ``work`` reported through its :class:`JobContext`;
  ``work`` returns a :class:`Step` (the next status, result and report), or raises: a
  :class:`~trustboard.errors.TrustboardError` fails the job with its message, code and
  problems;
* :func:`get` and :func:`recent` read jobs as any worker sees them; a job in a working
  status whose heartbeat is older than :data:`STALE_AFTER_S` is shown ``failed`` ("the server
  stopped while it ran"), and :func:`restart` puts it back to ``queued`` so its kind can run
  it again;
* :func:`cancel` ends a job that is not running.

No extra server or queue is needed: the store is the queue, and the worker that received the
request does the work.  A worker that stops (a restart, a crash) leaves its job's heartbeat to
go stale; whatever the job was writing was one transaction, so nothing half-done is kept.
"""

from __future__ import annotations

import contextvars
import hashlib
import logging
import os
import socket
import threading
import time
from collections.abc import Callable, Collection, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum
from pathlib import Path
from typing import IO, Any

from sqlalchemy import Connection
from sqlalchemy.exc import OperationalError

from trustboard.errors import (
    ConflictError,
    ErrorCode,
    NotFoundError,
    OptionsError,
    TrustboardError,
)
from trustboard.store import Store, utc_now
from trustboard.store import jobs as stored
from trustboard.store.audit import jsonable, record
from trustboard.store.jobs import StoredJob

__all__ = [
    "FINISHED",
    "HEARTBEAT_S",
    "STALE_AFTER_S",
    "STOPPED_MESSAGE",
    "WORKING",
    "Job",
    "JobContext",
    "JobStatus",
    "Step",
    "cancel",
    "get",
    "recent",
    "restart",
    "restartable",
    "run",
    "start",
]

_log = logging.getLogger(__name__)


class JobStatus(StrEnum):
    """Where a job stands."""

    QUEUED = "queued"
    VALIDATING = "validating"
    AWAITING_CONFIRMATION = "awaiting-confirmation"
    COMMITTING = "committing"
    DONE = "done"
    FAILED = "failed"
    CANCELLED = "cancelled"


#: Statuses in which a worker is (or should be) doing something.
WORKING = frozenset({JobStatus.QUEUED, JobStatus.VALIDATING, JobStatus.COMMITTING})
#: Statuses a job never leaves (except ``failed``, through :func:`restart`).
FINISHED = frozenset({JobStatus.DONE, JobStatus.FAILED, JobStatus.CANCELLED})

#: Seconds between two heartbeats of a running job.
HEARTBEAT_S = 2.0
#: A working job whose last heartbeat is older than this is shown failed: 30 missed beats,
#: far more than a busy machine delays a thread that only writes one row.
STALE_AFTER_S = 60.0
#: The error shown for a job whose worker stopped.
STOPPED_MESSAGE = "the server stopped while it ran"

#: The part of a job's file that holds the upload as it was received.
UPLOAD_PART = "upload"


@dataclass(frozen=True, slots=True)
class Job:
    """A job as every worker sees it.

    ``status`` is what the job shows: a working job whose heartbeat is stale shows
    ``failed`` with :data:`STOPPED_MESSAGE` (``stale`` is then true, and ``stored_status``
    keeps what the row says).  ``report`` lists the validation problems (file, sheet, row,
    column, value, expected, code, message); ``result`` is what the work returned.
    """

    id: int
    kind: str
    forum: str | None
    period: str | None
    actor: str
    status: JobStatus
    stored_status: JobStatus
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    heartbeat_at: datetime | None
    progress_done: int
    progress_total: int
    progress_note: str
    options: dict[str, Any]
    file_name: str | None
    file_size: int | None
    file_sha256: str | None
    report: tuple[dict[str, Any], ...]
    result: dict[str, Any]
    error: str | None
    error_code: str | None
    stale: bool = False

    @property
    def finished(self) -> bool:
        """Whether the job has ended (done, failed or cancelled)."""
        return self.status in FINISHED

    @property
    def working(self) -> bool:
        """Whether a worker is doing (or about to do) something for the job."""
        return self.status in WORKING

    @property
    def percent(self) -> int | None:
        """Progress as a whole percentage, when a total is known."""
        if self.progress_total <= 0:
            return None
        return min(100, int(100 * self.progress_done / self.progress_total))


@dataclass(frozen=True, slots=True)
class Step:
    """What one step of work ended with: the job's next status, its result and report."""

    status: JobStatus
    result: dict[str, Any] | None = None
    report: list[dict[str, Any]] | None = None


def _is_stale(store: Store, row: StoredJob, now: datetime, stale_after: float) -> bool:
    if row.status not in WORKING:
        return False
    last = row.heartbeat_at or row.started_at or row.created_at
    if now - last <= timedelta(seconds=stale_after):
        return False
    # an SQLite store admits one writer: while a large import holds it, the heartbeat of the
    # job doing that import waits; a held lock is no proof the worker stopped
    return not stored.sqlite_writer_busy(store.engine)


def _shown(store: Store, row: StoredJob, *, now: datetime, stale_after: float) -> Job:
    status = JobStatus(row.status)
    stale = _is_stale(store, row, now, stale_after)
    job = Job(
        id=row.id,
        kind=row.kind,
        forum=row.forum,
        period=row.period,
        actor=row.actor,
        status=status,
        stored_status=status,
        created_at=row.created_at,
        started_at=row.started_at,
        finished_at=row.finished_at,
        heartbeat_at=row.heartbeat_at,
        progress_done=row.progress_done,
        progress_total=row.progress_total,
        progress_note=row.progress_note,
        options=dict(row.options or {}),
        file_name=row.file_name,
        file_size=row.file_size,
        file_sha256=row.file_sha256,
        report=tuple(row.report or ()),
        result=dict(row.result or {}),
        error=row.error,
        error_code=row.error_code,
        stale=stale,
    )
    if stale:
        return replace(
            job, status=JobStatus.FAILED, error=STOPPED_MESSAGE, error_code=ErrorCode.JOB_STOPPED
        )
    return job


def start(
    store: Store,
    *,
    kind: str,
    actor: str,
    forum: str | None = None,
    period: str | None = None,
    options: dict[str, Any] | None = None,
    file_name: str | None = None,
    source: IO[bytes] | None = None,
    max_bytes: int | None = None,
) -> int:
    """Record a new ``queued`` job and return its id.

    With ``source``, its bytes are read to the end and kept in the store with the job (their
    size and SHA-256 on the job's row); more than ``max_bytes`` of them refuses the job with
    ``TB-UPLOAD-TOO-LARGE`` and keeps nothing.  The job runs when :func:`run` is called.
    """
    now = utc_now()
    with store.transaction() as conn:
        job_id = stored.create_job(
            conn,
            kind=kind,
            actor=actor,
            status=JobStatus.QUEUED,
            now=now,
            forum=forum,
            period=period,
            options=options,
            file_name=file_name,
        )
        if source is not None:
            digest = hashlib.sha256()
            size = 0
            seq = 0
            while chunk := source.read(stored.CHUNK_BYTES):
                size += len(chunk)
                if max_bytes is not None and size > max_bytes:
                    raise OptionsError(
                        f"the file {file_name or ''} is larger than {max_bytes:,} bytes, the "
                        "most an upload may hold",
                        code=ErrorCode.UPLOAD_TOO_LARGE,
                        hint="split the file, or load it with trustboard import",
                    )
                digest.update(chunk)
                stored.write_chunk(conn, job_id, UPLOAD_PART, seq, chunk)
                seq += 1
            stored.move(
                conn,
                job_id,
                allowed=[JobStatus.QUEUED],
                file_size=size,
                file_sha256=digest.hexdigest(),
            )
    return job_id


def get(
    store: Store, job_id: int, *, now: datetime | None = None, stale_after: float = STALE_AFTER_S
) -> Job:
    """The job ``job_id`` as any worker sees it (see :class:`Job` for a stale heartbeat)."""
    with store.reading() as conn:
        row = stored.read_job(conn, job_id)
    if row is None:
        raise NotFoundError(f"there is no job {job_id}", code=ErrorCode.JOB_NOT_FOUND)
    return _shown(store, row, now=now or utc_now(), stale_after=stale_after)


def recent(
    store: Store,
    *,
    kinds: Collection[str] | None = None,
    actor: str | None = None,
    limit: int = 20,
    stale_after: float = STALE_AFTER_S,
) -> list[Job]:
    """Jobs, newest first (of some kinds, or started by one person)."""
    now = utc_now()
    with store.reading() as conn:
        rows = stored.list_jobs(conn, kinds=kinds, actor=actor, limit=limit)
    return [_shown(store, row, now=now, stale_after=stale_after) for row in rows]


class JobContext:
    """What a job's work is given: the job, the store, and a way to report progress.

    :meth:`progress` only notes the figures; the heartbeat thread writes them with the next
    beat, so that reporting progress never waits for the store.
    """

    def __init__(self, store: Store, job: Job, worker: str) -> None:
        self.store = store
        self.job = job
        self.worker = worker
        self._lock = threading.Lock()
        self._progress: tuple[int, int, str] | None = None

    def progress(self, done: int, total: int, note: str) -> None:
        """Report that ``done`` of ``total`` are done, with a short phrase saying what."""
        with self._lock:
            self._progress = (int(done), int(total), note)

    def taken(self) -> tuple[int, int, str] | None:
        """The progress noted since the last beat (and forget it)."""
        with self._lock:
            noted, self._progress = self._progress, None
            return noted

    @contextmanager
    def file_copy(self, folder: Path, part: str = UPLOAD_PART) -> Iterator[Path]:
        """The job's file written to ``folder`` under its own name (readers want a path)."""
        name = Path(self.job.file_name or f"job-{self.job.id}").name
        target = folder / name
        with self.store.reading() as conn, target.open("wb") as out:
            for chunk in stored.read_file(conn, self.job.id, part):
                out.write(chunk)
        yield target

    def keep_file(self, part: str, path: Path) -> None:
        """Keep ``path`` as ``part`` of the job's file (replacing what was kept before)."""
        with stored.writing(self.store.engine) as conn:
            stored.drop_file(conn, self.job.id, part)
            with path.open("rb") as source:
                seq = 0
                while chunk := source.read(stored.CHUNK_BYTES):
                    stored.write_chunk(conn, self.job.id, part, seq, chunk)
                    seq += 1

    def has_file(self, part: str) -> bool:
        """Whether a ``part`` of the job's file is kept."""
        with self.store.reading() as conn:
            return stored.file_size(conn, self.job.id, part) > 0


def _beat(ctx: JobContext, stop: threading.Event) -> None:
    pending: tuple[int, int, str] | None = None
    while not stop.wait(HEARTBEAT_S):
        pending = ctx.taken() or pending
        try:
            # a beat that cannot get the store quickly is skipped, never waited for
            with stored.writing(ctx.store.engine, wait_ms=250) as conn:
                stored.beat(conn, ctx.job.id, now=utc_now(), worker=ctx.worker, progress=pending)
            pending = None
        except OperationalError:
            continue


def _finish(store: Store, ctx: JobContext, working: JobStatus, step: Step) -> None:
    now = utc_now()
    progress = ctx.taken()
    values: dict[str, Any] = {"status": step.status, "heartbeat_at": now}
    if progress is not None:
        values.update(
            progress_done=progress[0], progress_total=progress[1], progress_note=progress[2]
        )
    # dates and other values JSON lacks are kept as text, so a result can always be stored
    if step.result is not None:
        values["result"] = jsonable(step.result)
    if step.report is not None:
        values["report"] = jsonable(step.report)
    if step.status in FINISHED:
        values["finished_at"] = now
    with stored.writing(store.engine) as conn:
        # a job restarted meanwhile (its beats were late) belongs to its new run: left alone
        moved = stored.move(conn, ctx.job.id, allowed=[working], held_by=ctx.worker, **values)
        if moved and step.status in FINISHED:
            stored.drop_file(conn, ctx.job.id)


def _fail(
    store: Store,
    job_id: int,
    working: JobStatus,
    error: BaseException,
    *,
    worker: str,
    keep_file: bool,
) -> None:
    if isinstance(error, TrustboardError):
        message, code = error.message, str(error.code)
        report = jsonable([p.to_dict() for p in error.problems]) or None
    else:
        _log.exception("job %s stopped on an unexpected error", job_id, exc_info=error)
        # the details stay in the server's log: a page shows no internal detail (security.md,
        # ASVS 7.4.1), only when it happened and that the log has it
        message = (
            f"an unexpected error stopped the job at {utc_now():%Y-%m-%d %H:%M:%S} UTC; "
            "the server's log has the details"
        )
        code, report = None, None
    values: dict[str, Any] = {
        "status": JobStatus.FAILED,
        "finished_at": utc_now(),
        "error": message,
        "error_code": code,
    }
    if report is not None:
        values["report"] = report
    with stored.writing(store.engine) as conn:
        moved = stored.move(conn, job_id, allowed=[working], held_by=worker, **values)
        if moved and not keep_file:
            stored.drop_file(conn, job_id)


def _execute(
    store: Store,
    ctx: JobContext,
    working: JobStatus,
    work: Callable[[JobContext], Step],
    keep_file: bool,
) -> None:
    stop = threading.Event()
    beater = threading.Thread(target=_beat, args=(ctx, stop), daemon=True, name="job-heartbeat")
    beater.start()
    try:
        step = work(ctx)
    except BaseException as error:  # every failure is recorded on the job
        stop.set()
        beater.join()
        _fail(store, ctx.job.id, working, error, worker=ctx.worker, keep_file=keep_file)
        if not isinstance(error, Exception):
            raise
        return
    stop.set()
    beater.join()
    _finish(store, ctx, working, step)


def run(
    store: Store,
    job_id: int,
    *,
    allowed: Collection[JobStatus],
    working: JobStatus,
    work: Callable[[JobContext], Step],
    background: bool = True,
    keep_file_on_failure: bool = False,
) -> threading.Thread | None:
    """Claim job ``job_id`` for one step and run ``work`` for it.

    The claim moves the job from one of the ``allowed`` statuses to ``working`` in one
    compare-and-set; when the job is no longer in one of them (another worker or another
    click took the step, or it ended) :class:`~trustboard.errors.ConflictError`
    ``TB-JOB-STATE`` is raised and nothing runs.  With ``background`` (the web app) the work
    runs in a daemon thread of this process, which is returned; without it, here (tests and
    the command line).  A job that fails drops its file, unless ``keep_file_on_failure``
    (a step that may be tried again after :func:`restart`).  The thread runs in a copy of
    the caller's context (the readers' limits in force stay in force).
    """
    now = utc_now()
    # the claim names this process and this run, so a beat from an earlier run cannot count
    worker = f"{socket.gethostname()}:{os.getpid()}:job-{job_id}:{time.monotonic_ns()}"
    with stored.writing(store.engine) as conn:
        claimed = stored.move(
            conn,
            job_id,
            allowed=list(allowed),
            status=working,
            worker=worker,
            started_at=now,
            heartbeat_at=now,
        )
        row = stored.read_job(conn, job_id)
    if row is None:
        raise NotFoundError(f"there is no job {job_id}", code=ErrorCode.JOB_NOT_FOUND)
    if not claimed:
        shown = _shown(store, row, now=now, stale_after=STALE_AFTER_S)
        raise ConflictError(
            f"job {job_id} is {shown.status}: it cannot be {working} now",
            code=ErrorCode.JOB_STATE,
            hint="open the job's page to see where it stands",
        )
    ctx = JobContext(store, _shown(store, row, now=now, stale_after=STALE_AFTER_S), worker)
    if not background:
        _execute(store, ctx, working, work, keep_file_on_failure)
        return None
    context = contextvars.copy_context()
    thread = threading.Thread(
        target=context.run,
        args=(_execute, store, ctx, working, work, keep_file_on_failure),
        daemon=True,
        name=f"job-{job_id}",
    )
    thread.start()
    return thread


def _audit(conn: Connection, actor: str, action: str, job: Job, status: JobStatus) -> None:
    record(
        conn,
        now=utc_now(),
        actor=actor,
        action=action,
        entity="job",
        entity_id=str(job.id),
        before={"kind": job.kind, "status": str(job.status), "started_by": job.actor},
        after={"kind": job.kind, "status": str(status)},
    )


def restartable(store: Store, job: Job) -> bool:
    """Whether :func:`restart` would take ``job``: it failed (or its worker stopped) and its
    file, if it had one, is still kept."""
    if job.status is not JobStatus.FAILED:
        return False
    if job.file_name is None:
        return True
    with store.reading() as conn:
        return stored.file_size(conn, job.id, UPLOAD_PART) > 0


def restart(
    store: Store, job_id: int, *, actor: str | None = None, stale_after: float = STALE_AFTER_S
) -> Job:
    """Put a failed job (or one whose worker stopped) back to ``queued``, with its file.

    Raises ``TB-JOB-STATE`` for a job that is running, waiting or done, and for one whose
    file is no longer kept (a job that failed on its own error drops it: start a new one).
    With ``actor``, the restart is audited (``job.restart``) in the same transaction.
    """
    job = get(store, job_id, stale_after=stale_after)
    with stored.writing(store.engine) as conn:
        has_file = job.file_name is None or stored.file_size(conn, job_id, UPLOAD_PART) > 0
        allowed = [job.stored_status] if job.stale else [JobStatus.FAILED]
        moved = (
            job.status is JobStatus.FAILED
            and has_file
            and stored.move(
                conn,
                job_id,
                allowed=allowed,
                status=JobStatus.QUEUED,
                worker=None,
                started_at=None,
                finished_at=None,
                heartbeat_at=None,
                progress_done=0,
                progress_total=0,
                progress_note="",
                error=None,
                error_code=None,
            )
        )
        if moved and actor is not None:
            _audit(conn, actor, "job.restart", job, JobStatus.QUEUED)
    if not moved:
        raise ConflictError(
            f"job {job_id} is {job.status}: only a job that failed with its file kept can be "
            "restarted",
            code=ErrorCode.JOB_STATE,
            hint="start a new job with the file",
        )
    return get(store, job_id, stale_after=stale_after)


def cancel(
    store: Store, job_id: int, *, actor: str | None = None, stale_after: float = STALE_AFTER_S
) -> Job:
    """Cancel a job waiting for confirmation, or one that failed (its file is dropped).

    A job that a worker is running cannot be cancelled (its work is one transaction and will
    end by itself); ``TB-JOB-STATE`` says so.  With ``actor``, the cancellation is audited
    (``job.cancel``) in the same transaction.
    """
    job = get(store, job_id, stale_after=stale_after)
    allowed = [JobStatus.AWAITING_CONFIRMATION, JobStatus.FAILED]
    if job.stale:
        allowed.append(job.stored_status)
    with stored.writing(store.engine) as conn:
        moved = stored.move(
            conn, job_id, allowed=allowed, status=JobStatus.CANCELLED, finished_at=utc_now()
        )
        if moved:
            stored.drop_file(conn, job_id)
            if actor is not None:
                _audit(conn, actor, "job.cancel", job, JobStatus.CANCELLED)
    job = get(store, job_id, stale_after=stale_after)
    if not moved:
        raise ConflictError(
            f"job {job_id} is {job.status}: it cannot be cancelled now",
            code=ErrorCode.JOB_STATE,
        )
    return job
