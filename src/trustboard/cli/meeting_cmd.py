"""``trustboard meeting``: the meeting calendar and the meetings' papers.

``schedule`` and ``list`` keep the calendar, the one source of meeting dates that the web
app's timetable, the paper configuration and the agendas read.
"""

from __future__ import annotations

from pathlib import Path

import typer

__all__ = ["meeting_app", "register"]

meeting_app = typer.Typer(
    help="Meetings: the calendar of meeting dates and what is due before each meeting."
)

_DATABASE = typer.Option(None, "--database", "-d", help="Store URL or SQLite file.")


@meeting_app.command("schedule")
def schedule(
    forum: str = typer.Argument(..., help="Forum id (as in the store's forums)."),
    period: str = typer.Argument(..., help="The reporting period the meeting considers."),
    meeting_date: str = typer.Option(..., "--date", help="The meeting's date (YYYY-MM-DD)."),
    data_cutoff: str = typer.Option(
        ..., "--data-cutoff", help="Last day for the period's figures (YYYY-MM-DD)."
    ),
    narrative_due: str = typer.Option(
        ..., "--narrative-due", help="Approved narrative due by (YYYY-MM-DD)."
    ),
    papers_due: str = typer.Option(
        ..., "--papers-due", help="Papers due to the members by (YYYY-MM-DD)."
    ),
    part: str | None = typer.Option(None, "--part", help="public or private."),
    time: str | None = typer.Option(None, "--time", help="The meeting's time, e.g. 10:00."),
    place: str | None = typer.Option(None, "--place", help="Where it meets, or the link."),
    database: str | None = _DATABASE,
) -> None:
    """Set the forum's meeting for a period: its date, the data cut-off and the narrative
    and papers due dates (in that order: cut-off ≤ narrative ≤ papers < meeting)."""
    from trustboard.services import store_session
    from trustboard.services.meetings import record_meeting

    with store_session(database) as store:
        done = record_meeting(
            store,
            forum,
            period,
            meeting_date=meeting_date,
            data_cutoff=data_cutoff,
            narrative_due=narrative_due,
            papers_due=papers_due,
            part=part,
            time=time,
            place=place,
        )
    typer.echo(
        f"{done.forum} meets on {done.meeting_date.isoformat()} for {done.period.display()}: "
        + "; ".join(f"{name} {day.isoformat()}" for name, day in done.timetable()[:-1])
    )


@meeting_app.command("list")
def list_(
    forum: str | None = typer.Option(None, "--forum", help="Only this forum's meetings."),
    database: str | None = _DATABASE,
) -> None:
    """List the calendar's meetings by date: forum, period and the four dates."""
    from trustboard.services import store_session
    from trustboard.services.meetings import meetings

    with store_session(database) as store:
        found = meetings(store, forum)
    if not found:
        typer.echo("no meetings in the calendar")
        return
    typer.echo("meeting     forum        period    data cut-off narrative   papers      part")
    for m in found:
        typer.echo(
            f"{m.meeting_date.isoformat()}  {m.forum:<12} {m.period!s:<9} "
            f"{m.data_cutoff.isoformat()}   {m.narrative_due.isoformat()}  "
            f"{m.papers_due.isoformat()}  {m.part or '-'}"
        )


@meeting_app.command("build")
def build(
    agenda: Path = typer.Argument(..., help="The meeting's agenda (YAML)."),
    output: Path = typer.Option(..., "--output", "-o", help="Folder for the packs."),
    database: str | None = typer.Option(
        None, "--database", "-d", help="Store URL or SQLite file (generated papers, checks)."
    ),
    trust_name: str | None = typer.Option(None, "--trust-name", help="The trust's name."),
) -> None:
    """Build the meeting pack (PDF and HTML): the agenda, then every paper in order, with
    page numbers, bookmarks and links; the part in public as a pack of its own."""
    from trustboard.services.meeting_pack import build_meeting

    if database is None:
        done = build_meeting(agenda, output, trust_name=trust_name)
    else:
        from trustboard.services import store_session

        with store_session(database) as store:
            done = build_meeting(agenda, output, store=store, trust_name=trust_name)
    for pack in done.packs:
        typer.echo(
            f"{pack.part.value} pack: {pack.pdf_path} ({pack.total_pages} pages), "
            f"agenda {pack.index_path}"
        )
    for number in done.inaccessible:
        typer.echo(f"item {number}: the supplied PDF is not tagged (not accessible)")
    if done.recorded:
        typer.echo("the meeting is recorded in the store's calendar")


@meeting_app.command("check")
def check(
    agenda: Path = typer.Argument(..., help="The meeting's agenda (YAML)."),
    database: str | None = typer.Option(
        None, "--database", "-d", help="Store URL or SQLite file (generated papers, checks)."
    ),
    strict: bool = typer.Option(False, "--strict", help="Exit non-zero when anything is missing."),
) -> None:
    """List what is missing before the papers' deadline: papers not written, governance fields
    blank, previous forums not yet met, periods without data, supplied PDFs not accessible."""
    from trustboard.services.meeting_pack import check_meeting

    if database is None:
        found = check_meeting(agenda)
    else:
        from trustboard.services import store_session

        with store_session(database) as store:
            found = check_meeting(agenda, store=store)
    for finding in found:
        typer.echo(str(finding))
    typer.echo(f"{len(found)} thing(s) missing" if found else "nothing missing")
    if found and strict:
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    """Add ``meeting`` to the ``trustboard`` command."""
    app.add_typer(meeting_app, name="meeting")
