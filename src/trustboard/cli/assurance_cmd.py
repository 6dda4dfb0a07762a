"""``trustboard assurance``: external assurance as data.

``cqc`` and ``staff-survey`` import the publishers' files (all or nothing, audited, each import
a new revision); ``grid`` prints the CQC ratings grid and ``benchmark`` a trust's staff survey
results against its benchmarking group.
"""

from __future__ import annotations

from pathlib import Path

import typer

__all__ = ["assurance_app", "register"]

assurance_app = typer.Typer(
    help="External assurance: CQC ratings and the NHS Staff Survey against its comparator group."
)

_DATABASE = typer.Option(None, "--database", "-d", help="Store URL or SQLite file.")
_ACTOR = typer.Option(None, "--actor", help="Who is importing (for the audit log).")


@assurance_app.command("cqc")
def cqc(
    path: Path = typer.Argument(..., help="CQC ratings (CSV) in either published layout."),
    database: str | None = _DATABASE,
    actor: str | None = _ACTOR,
) -> None:
    """Import CQC ratings (the 'latest ratings' layout, or a dump of the public API's
    locations) as the next revision."""
    from trustboard.services import store_session
    from trustboard.services.external_assurance import import_cqc

    with store_session(database, actor=actor) as store:
        done = import_cqc(store, path)
    typer.echo(f"CQC ratings: {done.rows} rating(s) kept as revision {done.revision}")


@assurance_app.command("staff-survey")
def staff_survey(
    path: Path = typer.Argument(..., help="NHS Staff Survey organisational results (CSV)."),
    database: str | None = _DATABASE,
    actor: str | None = _ACTOR,
) -> None:
    """Import NHS Staff Survey organisational results as the next revision."""
    from trustboard.services import store_session
    from trustboard.services.external_assurance import import_staff_survey

    with store_session(database, actor=actor) as store:
        done = import_staff_survey(store, path)
    typer.echo(f"staff survey: {done.rows} result(s) kept as revision {done.revision}")


@assurance_app.command("grid")
def grid(
    provider: str | None = typer.Option(
        None, "--provider", help="CQC provider id (needed when the store holds several)."
    ),
    location: str | None = typer.Option(
        None, "--location", help="CQC location id: that location's grid instead."
    ),
    database: str | None = _DATABASE,
) -> None:
    """Print a CQC ratings grid (the trust's, or a location's): each service and the overall
    row on the five key questions and overall, with the month each rating was published
    (* marks an inherited rating)."""
    from trustboard.domain.external_assurance import KEY_QUESTION_LABELS, RATING_LABELS
    from trustboard.services import store_session
    from trustboard.services.external_assurance import GRID_COLUMNS, cqc_grid

    with store_session(database) as store:
        found = cqc_grid(store, provider, location_id=location)
    typer.echo(f"{found.name} ({found.location_id or found.provider_id})")
    for service in found.services:
        typer.echo(service)
        for question in GRID_COLUMNS:
            rating = found.cell(service, question)
            if rating is None:
                shown = "no rating"
            else:
                mark = " *" if rating.inherited else ""
                shown = f"{RATING_LABELS[rating.rating]} ({rating.published:%b %Y}){mark}"
            typer.echo(f"  {KEY_QUESTION_LABELS[question]:<11} {shown}")


@assurance_app.command("changes")
def changes(database: str | None = _DATABASE) -> None:
    """List the CQC ratings that changed between the last two imports: each cell's rating and
    publication month before and after."""
    from trustboard.domain.external_assurance import KEY_QUESTION_LABELS, RATING_LABELS
    from trustboard.services import store_session
    from trustboard.services.external_assurance import cqc_changes

    with store_session(database) as store:
        found = cqc_changes(store)
    if not found:
        typer.echo("no CQC ratings changed between the last two imports")
        return
    for change in found:
        cell = change.after or change.before
        assert cell is not None
        shown = [
            "no rating" if r is None else f"{RATING_LABELS[r.rating]} ({r.published:%b %Y})"
            for r in (change.before, change.after)
        ]
        where = cell.location_id or cell.provider_id
        typer.echo(
            f"{where} {cell.service}, {KEY_QUESTION_LABELS[cell.key_question]}: "
            f"{shown[0]} -> {shown[1]}"
        )


@assurance_app.command("benchmark")
def benchmark(
    org: str = typer.Argument(..., help="The trust's ODS code, e.g. RT5."),
    year: int = typer.Argument(..., help="The survey year, e.g. 2024."),
    database: str | None = _DATABASE,
) -> None:
    """Print a trust's staff survey results against its benchmarking group: best, average and
    worst of the group, the trust's rank and quartile, and the change on the year before."""
    from trustboard.services import store_session
    from trustboard.services.external_assurance import staff_survey_benchmark

    with store_session(database) as store:
        found = staff_survey_benchmark(store, org, year)
    if not found:
        typer.echo(f"no measures with a rate for {org} in {year}")
        return
    first = found[0]
    typer.echo(
        f"{org} {year}: {first.respondents if first.respondents is not None else 'unknown'} "
        f"respondents; benchmarking group {first.benchmarking_group} "
        f"({first.group_size} organisations)"
    )
    for b in found:
        if b.change is None:
            change = "no previous year"
        else:
            verdict = {True: "significant", False: "not significant", None: "not tested"}[
                b.significant
            ]
            change = f"{b.change:+.1f} points on {year - 1} ({verdict})"
        typer.echo(
            f"  {b.measure.label}: {b.rate:.1f}% (best {b.best:.1f}%, average {b.average:.1f}%, "
            f"worst {b.worst:.1f}%); rank {b.rank} of {b.group_size}, quartile {b.quartile}; "
            f"{change}"
        )


def register(app: typer.Typer) -> None:
    """Add ``assurance`` to the ``trustboard`` command."""
    app.add_typer(assurance_app, name="assurance")
