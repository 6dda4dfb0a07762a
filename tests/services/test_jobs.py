"""Jobs: start, claim, progress, finish, fail, a stopped worker, restart and cancel, on every
engine."""

from __future__ import annotations

import hashlib
import io
import threading
import time
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest

from trustboard.errors import ConflictError, DataValidationError, ErrorCode, OptionsError, Problem
from trustboard.services import jobs
from trustboard.services.jobs import JobContext, JobStatus, Step
from trustboard.store import Store, utc_now
from trustboard.store import jobs as stored


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    made, _before, _after = Store.init(store_url, actor="test")
    yield made
    made.close()


def _start(store: Store, data: bytes = b"metric_id,period\nM1,2025-03\n") -> int:
    return jobs.start(
        store,
        kind="upload-values",
        actor="ann",
        forum="board",
        period="2025-03",
        options={"today": "2025-04-10"},
        file_name="march.csv",
        source=io.BytesIO(data),
    )


def _validate(store: Store, job_id: int, work: Callable[[JobContext], Step]) -> None:
    """Run ``work`` as the queued job's validation, in this thread."""
    jobs.run(
        store,
        job_id,
        allowed=[JobStatus.QUEUED],
        working=JobStatus.VALIDATING,
        work=work,
        background=False,
    )


def test_a_job_keeps_its_file_and_moves_through_its_steps(store: Store, tmp_path: Path) -> None:
    data = b"metric_id,period\n" + b"M1,2025-03\n" * 1000
    job_id = _start(store, data)
    job = jobs.get(store, job_id)
    assert (job.status, job.actor, job.kind, job.forum) == (
        "queued",
        "ann",
        "upload-values",
        "board",
    )
    assert (job.file_name, job.file_size) == ("march.csv", len(data))
    assert job.file_sha256 == hashlib.sha256(data).hexdigest()
    seen: list[bytes] = []

    def validate(ctx: JobContext) -> Step:
        with ctx.file_copy(tmp_path) as path:
            assert path.name == "march.csv"
            seen.append(path.read_bytes())
        ctx.progress(1000, 1000, "rows read")
        return Step(JobStatus.AWAITING_CONFIRMATION, result={"rows": 1000}, report=[])

    _validate(store, job_id, validate)
    assert seen == [data]
    job = jobs.get(store, job_id)
    assert job.status is JobStatus.AWAITING_CONFIRMATION
    assert (job.progress_done, job.progress_total, job.progress_note) == (1000, 1000, "rows read")
    assert job.percent == 100
    assert job.result == {"rows": 1000}
    assert job.finished_at is None

    # a second validation of the same job is refused: the step was taken
    with pytest.raises(ConflictError) as refused:
        _validate(store, job_id, validate)
    assert refused.value.code == ErrorCode.JOB_STATE

    jobs.run(
        store,
        job_id,
        allowed=[JobStatus.AWAITING_CONFIRMATION],
        working=JobStatus.COMMITTING,
        work=lambda ctx: Step(JobStatus.DONE, result={"inserted": 1}),
        background=False,
    )
    job = jobs.get(store, job_id)
    assert job.status is JobStatus.DONE and job.finished and job.finished_at is not None
    assert job.result == {"inserted": 1}
    # a finished job's bytes are dropped; its name, size and digest stay on the row
    with store.reading() as conn:
        assert stored.file_size(conn, job_id, "upload") == 0
    assert jobs.get(store, job_id).file_sha256 == hashlib.sha256(data).hexdigest()


def test_an_error_fails_the_job_with_its_problems(store: Store) -> None:
    job_id = _start(store)
    problem = Problem(
        ErrorCode.V_FILE,
        "not a number",
        file="march.csv",
        row=3,
        column="value",
        value="abc",
        expected="a number",
    )

    def refuse(ctx: JobContext) -> Step:
        raise DataValidationError("1 problem found", [problem])

    _validate(store, job_id, refuse)
    job = jobs.get(store, job_id)
    assert job.status is JobStatus.FAILED
    assert (job.error, job.error_code) == ("1 problem found", ErrorCode.DATA)
    assert [(p["row"], p["column"], p["value"]) for p in job.report] == [(3, "value", "abc")]
    # nothing is left to restart from: a failed validation keeps no file
    assert not jobs.restartable(store, job)
    with pytest.raises(ConflictError):
        jobs.restart(store, job_id)


def test_a_background_job_beats_and_reports_progress(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(jobs, "HEARTBEAT_S", 0.05)
    job_id = _start(store)
    release = threading.Event()

    def slow(ctx: JobContext) -> Step:
        ctx.progress(5, 10, "half way")
        release.wait(10)
        return Step(JobStatus.AWAITING_CONFIRMATION)

    thread = jobs.run(
        store, job_id, allowed=[JobStatus.QUEUED], working=JobStatus.VALIDATING, work=slow
    )
    assert thread is not None
    deadline = time.monotonic() + 10
    while jobs.get(store, job_id).progress_note != "half way" and time.monotonic() < deadline:
        time.sleep(0.05)
    running = jobs.get(store, job_id)
    assert (running.status, running.progress_done, running.percent) == ("validating", 5, 50)
    assert running.heartbeat_at is not None
    release.set()
    thread.join(10)
    assert jobs.get(store, job_id).status is JobStatus.AWAITING_CONFIRMATION


def test_a_job_whose_worker_stopped_is_shown_failed_and_can_be_restarted(store: Store) -> None:
    job_id = _start(store)
    old = utc_now() - timedelta(minutes=10)
    # a worker claimed the job and stopped beating ten minutes ago
    with stored.writing(store.engine) as conn:
        stored.move(
            conn,
            job_id,
            allowed=["queued"],
            status="validating",
            worker="gone:1:job",
            started_at=old,
            heartbeat_at=old,
        )
    job = jobs.get(store, job_id)
    assert job.stale and job.status is JobStatus.FAILED
    assert job.stored_status is JobStatus.VALIDATING
    assert (job.error, job.error_code) == (jobs.STOPPED_MESSAGE, ErrorCode.JOB_STOPPED)
    assert jobs.restartable(store, job)
    # a recent heartbeat is not stale
    assert not jobs.get(store, job_id, now=old + timedelta(seconds=30)).stale
    again = jobs.restart(store, job_id)
    assert (again.status, again.stale, again.error) == (JobStatus.QUEUED, False, None)
    assert again.file_size is not None and again.file_size > 0
    _validate(store, job_id, lambda ctx: Step(JobStatus.AWAITING_CONFIRMATION))
    assert jobs.get(store, job_id).status is JobStatus.AWAITING_CONFIRMATION
    # a job waiting for confirmation is neither stale nor restartable, but can be cancelled
    with pytest.raises(ConflictError):
        jobs.restart(store, job_id)
    assert jobs.cancel(store, job_id).status is JobStatus.CANCELLED
    with pytest.raises(ConflictError):
        jobs.cancel(store, job_id)


def test_a_file_over_the_limit_keeps_nothing(store: Store) -> None:
    with pytest.raises(OptionsError) as refused:
        jobs.start(
            store,
            kind="upload-values",
            actor="ann",
            file_name="big.csv",
            source=io.BytesIO(b"x" * 100),
            max_bytes=99,
        )
    assert refused.value.code == ErrorCode.UPLOAD_TOO_LARGE
    assert jobs.recent(store) == []


def test_a_run_overtaken_by_a_restart_leaves_the_new_run_alone(store: Store) -> None:
    job_id = _start(store)
    release = threading.Event()

    def slow(ctx: JobContext) -> Step:
        release.wait(10)
        return Step(JobStatus.DONE, result={"from": "the first run"})

    thread = jobs.run(
        store, job_id, allowed=[JobStatus.QUEUED], working=JobStatus.VALIDATING, work=slow
    )
    assert thread is not None
    # its beats seen as late (a stalled worker): the job is restarted while the run goes on
    later = utc_now() + timedelta(minutes=10)
    assert jobs.get(store, job_id, now=later).stale
    with stored.writing(store.engine) as conn:
        stored.move(
            conn, job_id, allowed=["validating"], status="queued", worker=None, heartbeat_at=None
        )
    release.set()
    thread.join(10)
    job = jobs.get(store, job_id)
    # the first run's end changed nothing: the job waits for its new run, with its file
    assert (job.status, job.result, job.finished_at) == (JobStatus.QUEUED, {}, None)
    with store.reading() as conn:
        assert stored.file_size(conn, job_id, "upload") > 0


def test_a_held_sqlite_write_lock_is_seen(tmp_path: Path) -> None:
    store, _before, _after = Store.init(f"sqlite:///{tmp_path / 'lock.db'}", actor="test")
    try:
        assert not stored.sqlite_writer_busy(store.engine)
        with store.transaction():
            # another connection asks while this one holds the write lock
            assert stored.sqlite_writer_busy(store.engine)
        assert not stored.sqlite_writer_busy(store.engine)
    finally:
        store.close()


def test_a_result_with_dates_is_kept_as_text(store: Store) -> None:
    job_id = jobs.start(store, kind="publish", actor="ann", forum="board", period="2025-03")
    jobs.run(
        store,
        job_id,
        allowed=[JobStatus.QUEUED],
        working=JobStatus.COMMITTING,
        work=lambda ctx: Step(JobStatus.DONE, result={"published": date(2025, 4, 30)}),
        background=False,
    )
    job = jobs.get(store, job_id)
    assert (job.status, job.result, job.file_name) == (
        JobStatus.DONE,
        {"published": "2025-04-30"},
        None,
    )
