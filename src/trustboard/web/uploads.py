"""Upload pages: value, commentary and target files loaded in the browser, as jobs.

``/uploads`` holds the three upload forms and the latest uploads; a file posted there is kept
with a new job and validated in the background (:mod:`trustboard.services.uploads`), and the
browser is sent to the job's page, ``/uploads/{id}``.  That page reads the job from the store
(so any worker answers it the same), shows its status and progress, the validation report as
a table (file, sheet, row, column, value, expected) before anything is written, and the
buttons the job's status allows: commit, cancel, validate again.

Every page works without script.  While a job is working its page offers a refresh link, and
a second link that turns on a ``<meta http-equiv="refresh">`` every few seconds (chosen by the
reader, as WCAG 2.2.1 asks of a page that refreshes itself; the CSP does not govern it).
Only analysts and administrators open these pages (others get 403, audited); every form
carries the session's CSRF token.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException
from starlette.formparsers import MultiPartException

from trustboard.errors import ConflictError, ErrorCode, OptionsError, TrustboardError
from trustboard.services import jobs, uploads
from trustboard.services.cycle import require_cycle_role
from trustboard.services.jobs import Job
from trustboard.services.users import visible_forums
from trustboard.web.auth import Viewer, check_csrf, viewer
from trustboard.web.bodylimit import CountedBody
from trustboard.web.views import page

__all__ = ["REFRESH_SECONDS", "router"]

router = APIRouter()
Signed = Annotated[Viewer, Depends(viewer)]

#: Seconds between refreshes of a job's page when its reader turns them on.
REFRESH_SECONDS = 3
#: Room for the form's other fields and the multipart framing around the file.
_FORM_OVERHEAD = 64 * 1024


def _job_page(
    signed: Viewer, job: Job, *, auto: bool, status: int = 200, note: str = ""
) -> Response:
    return HTMLResponse(
        page(
            "upload.html.j2",
            viewer=signed,
            title=f"Upload {job.id}: {job.file_name or job.kind}",
            job=job,
            kind=uploads.KINDS.get(job.kind.removeprefix("upload-")),
            auto=auto and job.working,
            again=jobs.restartable(signed.store, job),
            refresh_seconds=REFRESH_SECONDS,
            note=note,
        ),
        status_code=status,
    )


def _too_large(limit: int) -> OptionsError:
    return OptionsError(
        f"the file is larger than {limit:,} bytes, the most an upload may hold",
        code=ErrorCode.UPLOAD_TOO_LARGE,
        hint="split the file, or load it with trustboard import",
    )


def _too_much() -> Exception:
    # the form parser closes the files it holds on its own exception
    return MultiPartException("the upload is larger than the most it may hold")


def _refused(signed: Viewer, error: TrustboardError, status: int) -> Response:
    body = page("error.html.j2", error=error, status=status, viewer=signed, title="Error")
    return HTMLResponse(body, status_code=status)


@router.get("/uploads", include_in_schema=False)
def index(signed: Signed, forum: str | None = None, period: str | None = None) -> Response:
    """The upload forms and the latest uploads."""
    require_cycle_role(signed.store, signed.user, "uploads")
    return HTMLResponse(
        page(
            "uploads.html.j2",
            viewer=signed,
            title="Upload files",
            kinds=list(uploads.KINDS.values()),
            recent=uploads.recent_uploads(signed.store, signed.user),
            forums=visible_forums(signed.store, signed.user),
            forum=forum or "",
            period=period or "",
            max_bytes=uploads.max_upload_bytes(),
        )
    )


@router.post("/uploads", include_in_schema=False)
async def upload(request: Request, signed: Signed) -> Response:
    """Keep the posted file as a new job, start validating it, and show the job."""
    # the role is checked before the body is read: a refused account never sends a file in
    require_cycle_role(signed.store, signed.user, "uploads")
    limit = uploads.max_upload_bytes()
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit + _FORM_OVERHEAD:
        return _refused(signed, _too_large(limit), 413)
    # the body read no further than the file's limit (and the form around it): a body sent
    # without a declared length stops being read, and is refused, once it passes that
    body = CountedBody(request.receive, limit + _FORM_OVERHEAD, _too_much)
    try:
        form = await Request(request.scope, body.receive).form(max_files=1, max_fields=8)
    except HTTPException:
        if not body.exceeded:
            raise
        return _refused(signed, _too_large(limit), 413)
    try:
        given = form.get("csrf_token")
        check_csrf(
            signed.store,
            signed.csrf_token,
            given if isinstance(given, str) else None,
            signed.user.name,
            "an upload",
        )
        chosen = form.get("file")
        kind, forum, period = (str(form.get(k) or "").strip() for k in ("kind", "forum", "period"))
        # the forum and period only label the job (a values file names its own periods)
        known = {f.id for f in visible_forums(signed.store, signed.user)}
        if not isinstance(chosen, UploadFile) or not chosen.filename:
            raise OptionsError("no file was chosen", code=ErrorCode.UPLOAD_TYPE)
        try:
            job_id = await run_in_threadpool(
                uploads.start_upload,
                signed.store,
                signed.user,
                kind,
                chosen.filename,
                chosen.file,
                forum=forum if forum in known else None,
                period=period[:16] or None,
            )
        except OptionsError as error:
            if error.code == ErrorCode.UPLOAD_TOO_LARGE:
                return _refused(signed, error, 413)
            raise
    finally:
        await form.close()
    return RedirectResponse(f"/uploads/{job_id}", status_code=303)


@router.get("/uploads/{job_id}", include_in_schema=False)
def job_page(signed: Signed, job_id: int, auto: int = 0) -> Response:
    """Where the upload stands (read from the store: any worker answers the same)."""
    job = uploads.upload_job(signed.store, signed.user, job_id)
    return _job_page(signed, job, auto=auto == 1)


@router.post("/uploads/{job_id}/{step}", include_in_schema=False)
def job_step(
    signed: Signed,
    job_id: int,
    step: str,
    csrf_token: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    """Commit, cancel or validate again."""
    check_csrf(signed.store, signed.csrf_token, csrf_token, signed.user.name, f"upload {job_id}")
    try:
        if step == "commit":
            uploads.commit(signed.store, signed.user, job_id)
        elif step == "cancel":
            uploads.cancel(signed.store, signed.user, job_id)
        elif step == "revalidate":
            uploads.revalidate(signed.store, signed.user, job_id)
        else:
            raise OptionsError(f"there is no upload step {step!r}")
    except ConflictError as error:
        if error.code != ErrorCode.JOB_STATE:
            raise
        # a second click, or a second person: nothing is done twice; the page says where the
        # job stands
        job = uploads.upload_job(signed.store, signed.user, job_id)
        return _job_page(signed, job, auto=False, status=409, note=error.message)
    return RedirectResponse(f"/uploads/{job_id}", status_code=303)
