"""Options shared by the command modules, written once."""

from __future__ import annotations

import typer

__all__ = ["ActorOption", "DatabaseOption"]

DatabaseOption = typer.Option(
    None,
    "--database",
    "-d",
    envvar="TRUSTBOARD_DATABASE_URL",
    show_envvar=True,
    help="Store URL: sqlite:///file.db, a file path, or postgresql://user@host/db.",
)
ActorOption = typer.Option(
    None,
    "--actor",
    envvar="TRUSTBOARD_ACTOR",
    show_envvar=True,
    help="Who is making the change (for the audit log).",
)
