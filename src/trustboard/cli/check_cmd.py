"""``trustboard check``: the pre-publication checks of a forum's pack for a period."""

from __future__ import annotations

from pathlib import Path

import typer

from trustboard.errors import DataValidationError, ErrorCode, Problem

__all__ = ["register"]


def check(
    period: str = typer.Option(..., "--period", help="Reporting period, e.g. 2025-03."),
    forum: str = typer.Option("board", "--forum", help="Forum id (as in the store's forums)."),
    paper: Path | None = typer.Option(
        None, "--paper", help="Paper configuration (YAML) with the cover-sheet fields."
    ),
    database: str | None = typer.Option(None, "--database", "-d", help="Store URL or SQLite file."),
    pages: bool = typer.Option(
        False, "--pages/--no-pages", help="Lay the PDF out to give each finding its page."
    ),
    override: str | None = typer.Option(
        None, "--override", help="Accept the finding with this id (needs --reason)."
    ),
    reason: str | None = typer.Option(
        None, "--reason", help="Why the overridden finding may stand (kept, with who and when)."
    ),
) -> None:
    """Check every statement and authored text of the pack against the data.

    Exits 0 when no finding is open, and 3 (TB-CHECK-FINDINGS) when any is.
    """
    from trustboard.services import store_session
    from trustboard.services.check import override_finding, run_check

    with store_session(database) as store:
        if override is not None:
            done = override_finding(store, forum, period, override, reason or "", config=paper)
            typer.echo(f"overridden by {done.actor}: {done.finding_id} ({done.reason})")
        report = run_check(store, forum, period, config=paper, pages=pages)
    for finding, recorded in report.overridden:
        typer.echo(f"overridden  {finding.id} by {recorded.actor}: {recorded.reason}")
    for finding in report.findings:
        typer.echo(f"finding     {finding.line()}")
    if report.findings:
        raise DataValidationError(
            f"{len(report.findings)} pre-publication check finding(s) in the {forum} pack "
            f"for {report.period}",
            [Problem(ErrorCode.CHECK_FINDINGS, f.id, column=f.field) for f in report.findings],
            code=ErrorCode.CHECK_FINDINGS,
            hint='correct the text or data, or accept one with --override ID --reason "…"',
        )
    typer.echo(
        f"no open findings in the {forum} pack for {report.period} "
        f"({len(report.overridden)} overridden)"
    )


def register(app: typer.Typer) -> None:
    """Add ``check`` to the ``trustboard`` command."""
    app.command("check")(check)
