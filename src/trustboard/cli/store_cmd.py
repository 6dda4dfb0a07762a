"""Store commands: ``trustboard store check [--rebuild]``.

The current-value documents are a cache of ``metric_value`` (see docs/store.md); the check
lists every change-tracking trigger not in place and every document that does not match the
rows and exits non-zero (``TB-STORE-STALE``), and ``--rebuild`` recreates the triggers and
rebuilds the documents from the rows in one audited transaction and exits 0.
"""

from __future__ import annotations

import typer
from rich.console import Console

from trustboard.cli.options import ActorOption, DatabaseOption

__all__ = ["register"]

out = Console(highlight=False, soft_wrap=True)

store_app = typer.Typer(
    help="Look after the store: check the change tracking and the current-value documents "
    "against the rows.",
    no_args_is_help=True,
)


@store_app.command("check")
def check(
    rebuild: bool = typer.Option(
        False,
        "--rebuild",
        help="Recreate any missing trigger, and rebuild from the rows every document that "
        "does not match.",
    ),
    database: str | None = DatabaseOption,
    actor: str | None = ActorOption,
) -> None:
    """Check the change tracking and every current-value document; --rebuild repairs them."""
    from trustboard.services.store_check import check_store, raise_for_problems

    result = check_store(database, rebuild=rebuild, actor=actor)
    raise_for_problems(result)
    if result.clean:
        out.print(
            f"store {result.url}: {result.documents} current-value document(s), "
            "each matches metric_value"
        )
        return
    for trigger in result.triggers:
        out.print(f"recreated trigger {trigger.name}: {trigger.kind}: {trigger.detail}")
    for problem in result.problems:
        out.print(f"rebuilt {problem.metric_id}: {problem.kind}: {problem.detail}")
    out.print(
        f"store {result.url}: rebuilt {len({p.metric_id for p in result.problems})} "
        f"document(s) from the rows; {result.documents} current-value document(s) now"
    )


def register(app: typer.Typer) -> None:
    """Add the store commands to ``app``."""
    app.add_typer(store_app, name="store")
