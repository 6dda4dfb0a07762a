"""``trustboard template values``: a values file to fill in for a forum and period."""

from __future__ import annotations

from pathlib import Path

import typer

from trustboard.cli.options import DatabaseOption

__all__ = ["register"]

template_app = typer.Typer(help="Files to fill in and import.", no_args_is_help=True)


@template_app.command("values")
def template_values(
    forum: str = typer.Option(..., "--forum", help="Forum id (as in the store's forums)."),
    period: str = typer.Option(..., "--period", help="Reporting period, e.g. 2025-03."),
    layout: str = typer.Option(
        "long", "--layout", help="long (a row per metric and org unit) or wide (periods across)."
    ),
    fmt: str = typer.Option("csv", "--format", help="csv or xlsx."),
    output: Path = typer.Option(..., "--output", "-o", help="The file to write (.csv or .xlsx)."),
    database: str | None = DatabaseOption,
) -> None:
    """Write the forum's metrics and org units for the period, with last period's figures.

    Fill in the period's figures and load the file with trustboard import values; columns
    whose header starts with # (last period's figures) are not read.
    """
    from trustboard.services import store_session
    from trustboard.services.values_template import write_values_template

    with store_session(database) as store:
        written = write_values_template(store, forum, period, layout, fmt, output)
    typer.echo(
        f"wrote {output}: {len(written.rows)} row(s) for {forum}, "
        f"{written.period.display()} ({written.layout.value} layout)"
    )


def register(app: typer.Typer) -> None:
    """Add ``template`` to the ``trustboard`` command."""
    app.add_typer(template_app, name="template")
