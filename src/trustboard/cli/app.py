"""The ``trustboard`` command: one Typer app, one error handler, one exit-code table.

Each command family lives in its own module with a ``register(app)`` function; this module
only assembles them and turns :class:`~trustboard.errors.TrustboardError` into one clear line
per problem on standard error and the exit code from :data:`trustboard.errors.EXIT_CODES`.
"""

from __future__ import annotations

import os
import sys
from importlib import import_module

import typer
from rich.console import Console

from trustboard import __version__
from trustboard.errors import TrustboardError, exit_code_for

#: Command modules, each with ``register(app: typer.Typer) -> None``.
COMMAND_MODULES: tuple[str, ...] = (
    "trustboard.cli.spc_cmd",
    "trustboard.cli.data_cmd",
    "trustboard.cli.waits_cmd",
    "trustboard.cli.report_cmd",
    "trustboard.cli.check_cmd",
    "trustboard.cli.baf_cmd",
    "trustboard.cli.demo_cmd",
    "trustboard.cli.store_cmd",
    "trustboard.cli.serve_cmd",
    "trustboard.cli.users_cmd",
    "trustboard.cli.template_cmd",
    "trustboard.cli.papers_cmd",
    "trustboard.cli.meeting_cmd",
    "trustboard.cli.actions_cmd",
    "trustboard.cli.assurance_cmd",
)

app = typer.Typer(
    name="trustboard",
    help="Board performance and assurance reporting for NHS trusts.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

err_console = Console(stderr=True, highlight=False, soft_wrap=True)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"trustboard {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    debug: bool = typer.Option(False, "--debug", help="Show a traceback when something fails."),
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version and exit."
    ),
) -> None:
    """Board performance and assurance reporting for NHS trusts."""
    if debug:
        os.environ["TRUSTBOARD_DEBUG"] = "1"


for _name in COMMAND_MODULES:
    import_module(_name).register(app)


def print_error(error: TrustboardError) -> None:
    """Print ``error`` as one line per problem on standard error."""
    for line in error.lines():
        err_console.print(line, markup=False)


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``trustboard`` command; returns the exit code."""
    try:
        from trustboard.services.settings import reader_limits

        # the readers' limits from the configuration hold for the whole command
        with reader_limits():
            # without standalone mode a command's typer.Exit(code) comes back as a return
            # value instead of being raised, so the code is taken from there
            outcome = app(args=argv, standalone_mode=False)
    except TrustboardError as error:
        if os.environ.get("TRUSTBOARD_DEBUG") == "1":
            raise
        print_error(error)
        return exit_code_for(error)
    except typer.Exit as done:
        return int(done.exit_code or 0)
    except typer.Abort:
        err_console.print("aborted")
        return 130
    except Exception as usage:
        # Typer carries its own copy of click, so usage errors may come from either.
        exit_code = getattr(usage, "exit_code", None)
        if hasattr(usage, "show") and isinstance(exit_code, int):
            usage.show(file=sys.stderr)
            return exit_code
        raise
    return outcome if isinstance(outcome, int) and not isinstance(outcome, bool) else 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
