"""``trustboard users``: accounts of the web app (add, list, disable, API tokens)."""

from __future__ import annotations

import sys

import typer

from trustboard.errors import ErrorCode, OptionsError

__all__ = ["register"]

users_app = typer.Typer(help="Accounts of the web app: add, list, disable, API tokens.")

_DATABASE = typer.Option(None, "--database", "-d", help="Store URL or SQLite file.")


@users_app.command("add")
def add(
    name: str = typer.Argument(..., help="User name (letters, digits and . _ - @)."),
    role: str = typer.Option(
        ...,
        "--role",
        help="board_member, executive, directorate_lead, analyst, risk_lead or admin.",
    ),
    forum: list[str] = typer.Option(
        [], "--forum", help="A forum the user sits on (repeatable; needed for board members)."
    ),
    directorate: list[str] = typer.Option(
        [], "--directorate", help="A directorate the user leads (repeatable)."
    ),
    password_stdin: bool = typer.Option(
        False, "--password-stdin", help="Read the password from the first line of stdin."
    ),
    database: str | None = _DATABASE,
) -> None:
    """Add an account; the password is read from standard input, never from the command."""
    from trustboard.services import store_session
    from trustboard.services.users import add_user

    if not password_stdin:
        raise OptionsError(
            "the password must come from standard input",
            code=ErrorCode.USER_PASSWORD,
            hint="echo the password into: trustboard users add NAME --role ROLE --password-stdin",
        )
    password = sys.stdin.readline().rstrip("\r\n")
    with store_session(database) as store:
        user = add_user(
            store, name, role, password, forums=tuple(forum), directorates=tuple(directorate)
        )
    typer.echo(f"added {user.name} ({user.role.value})")


@users_app.command("list")
def list_(database: str | None = _DATABASE) -> None:
    """List the accounts: name, role, forums, directorates, state."""
    from trustboard.services import store_session
    from trustboard.services.users import list_users

    with store_session(database) as store:
        found = list_users(store)
    if not found:
        typer.echo("no users")
        return
    for user in found:
        typer.echo(
            f"{user.name}\t{user.role.value}\tforums={','.join(user.forums) or 'all'}\t"
            f"directorates={','.join(user.directorates) or '-'}\t"
            f"{'disabled' if user.disabled else 'active'}"
        )


@users_app.command("disable")
def disable(
    name: str = typer.Argument(..., help="User name."), database: str | None = _DATABASE
) -> None:
    """Disable an account: its sessions end at once and its API tokens stop working."""
    from trustboard.services import store_session
    from trustboard.services.users import disable_user

    with store_session(database) as store:
        disable_user(store, name)
    typer.echo(f"disabled {name}")


@users_app.command("token")
def token(
    name: str = typer.Argument(..., help="User name."), database: str | None = _DATABASE
) -> None:
    """Issue an API token for the user: printed once, only its hash is kept."""
    from trustboard.services import store_session
    from trustboard.services.users import issue_token

    with store_session(database) as store:
        secret = issue_token(store, name)
    typer.echo(secret)
    typer.echo("keep this token now: it is not stored and cannot be shown again", err=True)


def register(app: typer.Typer) -> None:
    """Add ``users`` to the ``trustboard`` command."""
    app.add_typer(users_app, name="users")
