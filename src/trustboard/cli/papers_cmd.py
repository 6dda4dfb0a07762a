"""``trustboard paper``: board papers written in Markdown with their governance table."""

from __future__ import annotations

from pathlib import Path

import typer

__all__ = ["paper_app", "register"]

paper_app = typer.Typer(
    help="Board papers: Markdown with the governance table as front matter.",
    no_args_is_help=True,
)


@paper_app.command("render")
def render(
    paper: Path = typer.Argument(..., help="The paper: Markdown with YAML front matter."),
    output: Path = typer.Option(..., "--output", "-o", help="Folder for the HTML and PDF."),
    database: str | None = typer.Option(
        None,
        "--database",
        "-d",
        help="Store URL or SQLite file: check goals, committees and risk numbers against it.",
    ),
    trust_name: str | None = typer.Option(None, "--trust-name", help="The trust's name."),
    pdf: bool = typer.Option(True, "--pdf/--no-pdf", help="Write the tagged PDF as well."),
) -> None:
    """Check a paper and write it as HTML and tagged PDF, with its governance table at the
    end; every problem is listed (file and field) and nothing is written while any remain."""
    from trustboard.services import store_session
    from trustboard.services.papers import render_paper

    if database is None:
        done = render_paper(paper, output, trust_name=trust_name, pdf=pdf)
    else:
        with store_session(database) as store:
            done = render_paper(paper, output, store=store, trust_name=trust_name, pdf=pdf)
    typer.echo(f"wrote {done.html_path}" + (f" and {done.pdf_path}" if done.pdf_path else ""))


def register(app: typer.Typer) -> None:
    """Add ``paper`` to the ``trustboard`` command."""
    app.add_typer(paper_app, name="paper")
