"""``trustboard demo``: build the synthetic demo trust and its board pack, or write its config."""

from __future__ import annotations

from pathlib import Path

import typer

__all__ = ["demo", "register"]

_DEFAULT_OUTPUT = Path("out/demo")


def demo(
    output: Path = typer.Option(
        _DEFAULT_OUTPUT,
        "-o",
        "--output",
        help="Folder for the store, the packs and the HTML/PDF files.",
    ),
    seed: int | None = typer.Option(
        None, "--seed", help="Seed of the synthetic data (default: 20250331)."
    ),
    database: str | None = typer.Option(
        None,
        "--database",
        help="Store URL (PostgreSQL or SQLite) to load the demo into; default: a fresh SQLite "
        "file in the output folder.",
    ),
    forum: list[str] = typer.Option(
        ["BOARD"],
        "--forum",
        help="Forum whose pack to build (repeatable): EMT, FPC, QC, PC, ARC, BOARD, BOARD-PRIVATE.",
    ),
    all_forums: bool = typer.Option(False, "--all-forums", help="Build every forum's pack."),
    pdf: bool = typer.Option(
        True, "--pdf/--no-pdf", help="Also write the PDF (needs the pdf extra)."
    ),
    write_config: Path | None = typer.Option(
        None,
        "--write-config",
        help="Only write the demo catalogue as a config folder (metrics.yaml, org_units.yaml, "
        "forums.yaml, paper.yaml) into this folder, and stop.",
    ),
) -> None:
    """Build the synthetic demo trust, load it into a store and write its board pack."""
    from trustboard.demo import DEFAULT_SEED, FORUM_IDS
    from trustboard.services.demo import run_demo, write_demo_config

    if write_config is not None:
        written = write_demo_config(write_config)
        typer.echo(f"demo catalogue written to {write_config}:")
        for path in written:
            typer.echo(f"  {path}")
        typer.echo(f"load it with: trustboard catalogue load {write_config}")
        return
    forums = list(FORUM_IDS) if all_forums else forum
    result = run_demo(
        output,
        seed=DEFAULT_SEED if seed is None else seed,
        database=database,
        forums=forums,
        pdf=pdf,
        progress=lambda line: typer.echo(f"  {line}"),
    )
    typer.echo(
        f"Demo trust built in {result.seconds:.0f} s (seed {result.seed}, latest month "
        f"{result.latest}, synthetic data): {result.metrics} metrics, {result.values:,} "
        f"values, {result.commentary} commentaries, {result.actions} open or recent actions."
    )
    typer.echo(f"Store: {result.database}")
    for path in result.html:
        typer.echo(f"HTML:  {path}")
    for path in result.pdf:
        typer.echo(f"PDF:   {path}")
    if result.users:
        from trustboard.services.demo import DEMO_PASSWORD, DEMO_USERS

        typer.echo(
            f"Web accounts (demo only, password '{DEMO_PASSWORD}' for each; never use them "
            "on a real store):"
        )
        for name, role, seats, _directorates in DEMO_USERS:
            if name in result.users:
                where = f" ({', '.join(seats)})" if seats else ""
                typer.echo(f"  {name:<22} {role}{where}")
        typer.echo(
            f"Sign in: trustboard serve --database {result.database}, then open "
            "http://127.0.0.1:8000/ on this machine"
        )


def register(app: typer.Typer) -> None:
    """Add ``trustboard demo`` to ``app``."""
    app.command("demo")(demo)
