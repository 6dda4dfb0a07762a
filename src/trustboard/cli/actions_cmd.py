"""``trustboard actions``: the action tracker from the command line (list, remind)."""

from __future__ import annotations

from datetime import date

import typer

from trustboard.errors import OptionsError

__all__ = ["register"]

actions_app = typer.Typer(help="Actions across metrics and BAF risks: list them, remind owners.")

_DATABASE = typer.Option(None, "--database", "-d", help="Store URL or SQLite file.")
_ON = typer.Option(None, "--on", help="The day that decides what is overdue (YYYY-MM-DD; today).")


def _day(text: str | None) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise OptionsError(f"--on {text!r} is not a date", hint="write it as YYYY-MM-DD") from None


@actions_app.command("list")
def list_(
    subject: str | None = typer.Option(None, "--subject", help="A metric id or BAF risk id."),
    owner: str | None = typer.Option(None, "--owner", help="The owner as the action names it."),
    status: str | None = typer.Option(
        None, "--status", help="open, closed, or a status (on_track, at_risk, ...)."
    ),
    overdue: bool = typer.Option(False, "--overdue", help="Only actions past their due date."),
    slipping: bool = typer.Option(
        False, "--slipping", help="Only actions due later than first promised."
    ),
    on: str | None = _ON,
    database: str | None = _DATABASE,
) -> None:
    """List actions, one a line: id, metric or risk, owner, first due, due, days slipped, days
    overdue, status."""
    from trustboard.services import store_session
    from trustboard.services.actions import ActionFilter, tracked_actions

    chosen = ActionFilter(
        subject=subject, owner=owner, status=status, overdue=overdue, slipping=slipping
    )
    with store_session(database) as store:
        found = tracked_actions(store, chosen, on=_day(on))
    if not found:
        typer.echo("no actions")
        return
    for item in found:
        a = item.action
        subject_text = ("risk " if item.subject_kind == "baf_risk" else "") + item.subject_id
        typer.echo(
            f"{a.id}\t{subject_text}\t{a.owner}\tfirst due {(a.original_due or a.due).isoformat()}"
            f"\tdue {a.due.isoformat()}\tslipped {item.slipping_days} days"
            f"\toverdue {item.overdue_days} days\t{a.status.value}"
        )


@actions_app.command("remind")
def remind(on: str | None = _ON, database: str | None = _DATABASE) -> None:
    """Tell the owners of overdue and slipping actions (notifications, and e-mail through the
    configured relay); each notice once per due date, so this may run every day."""
    from trustboard.services import store_session
    from trustboard.services.actions import remind as remind_owners

    with store_session(database) as store:
        added = remind_owners(store, _day(on))
    typer.echo(f"{len(added)} notification{'' if len(added) == 1 else 's'} added")


def register(app: typer.Typer) -> None:
    """Add ``actions`` to the ``trustboard`` command."""
    app.add_typer(actions_app, name="actions")
