"""``trustboard report`` and ``trustboard publish``: a forum's board pack for a period."""

from __future__ import annotations

from pathlib import Path

import typer

from trustboard.domain import Period
from trustboard.errors import ConflictError, ErrorCode, OptionsError, Problem

__all__ = ["register"]


def _read_baf(path: Path | None) -> str | None:
    if path is None:
        return None
    if not path.is_file():
        raise OptionsError(f"the BAF fragment '{path}' does not exist")
    from trustboard.services.publish import sanitise_fragment

    # the fragment is input like any other file: scripts, links and URLs never reach a pack
    return sanitise_fragment(path.read_text(encoding="utf-8"))


def report(
    period: str = typer.Option(..., "--period", help="Reporting period, e.g. 2025-03."),
    forum: str = typer.Option("board", "--forum", help="Forum id (as in the store's forums)."),
    output: Path = typer.Option(
        Path("out/pack"), "-o", "--output", help="Folder to write the pack into."
    ),
    paper: Path | None = typer.Option(
        None, "--paper", help="Paper configuration (YAML) with the cover-sheet fields."
    ),
    database: str | None = typer.Option(
        None,
        "--database",
        "-d",
        help="Store URL or SQLite file (default: $TRUSTBOARD_DATABASE_URL or trustboard.db).",
    ),
    pdf: bool = typer.Option(
        True, "--pdf/--no-pdf", help="Also write the PDF (needs the pdf extra)."
    ),
    synthetic: bool = typer.Option(
        False, "--synthetic", help="Label every page as synthetic data."
    ),
    baf: Path | None = typer.Option(
        None, "--baf", help="Pre-rendered BAF summary (HTML fragment) to include."
    ),
    as_published: bool = typer.Option(
        False,
        "--as-published",
        help="Re-render the published pack (values as at its publication) into the output folder.",
    ),
    published_root: Path | None = typer.Option(
        None, "--published-root", help="Folder holding published/ (default: the output folder)."
    ),
) -> None:
    """Build the board pack (HTML and PDF) for one forum and period."""
    from trustboard.services import store_session
    from trustboard.services.pack import build_pack, write_pack
    from trustboard.services.publish import render_as_published

    when = Period.parse(period)
    baf_html = _read_baf(baf)
    with store_session(database) as store:
        if as_published:
            model, _html, _values, manifest = render_as_published(
                store, forum, when, published_root or output, baf_html=baf_html
            )
            result = write_pack(
                model,
                output,
                pdf=pdf,
                stem=f"{forum}-{when.label().replace(' ', '-')}-as-published",
            )
            typer.echo(f"re-rendered the pack published {manifest['published_at']}")
        else:
            result = build_pack(
                store,
                forum,
                when,
                output,
                config=paper,
                pdf=pdf,
                synthetic=synthetic,
                baf_html=baf_html,
            )
            from trustboard.services.check import (
                check_model,
                narrative_standing,
                stored_overrides,
            )

            # the draft's pre-publication findings (those of `trustboard check`, narrative
            # approval included), so they are seen before publish refuses
            checked = check_model(
                result.model,
                overrides=stored_overrides(store, forum, when.label()),
                narrative=narrative_standing(store, result.model),
            )
            for finding in checked.findings:
                typer.echo(f"check finding: {finding.line()}")
            typer.echo(
                f"pre-publication check: {len(checked.findings)} open finding(s), "
                f"{len(checked.overridden)} overridden"
            )
    model = result.model
    if not as_published:
        from trustboard.services.publish import refuse_empty_pack

        refuse_empty_pack(model)
    typer.echo(
        f"{model.forum.name}, {when.display()}: {len(model.sections)} metrics, "
        f"{len(model.exceptions)} exception report(s)"
    )
    typer.echo(f"HTML: {result.html_path}")
    if result.pdf_path:
        typer.echo(f"PDF:  {result.pdf_path}")


def publish(
    period: str = typer.Option(..., "--period", help="Reporting period, e.g. 2025-03."),
    forum: str = typer.Option("board", "--forum", help="Forum id (as in the store's forums)."),
    output: Path = typer.Option(
        Path("out/pack"), "-o", "--output", help="Folder that holds published/."
    ),
    paper: Path | None = typer.Option(
        None,
        "--paper",
        help="Paper configuration (YAML); mandatory cover-sheet fields must be filled.",
    ),
    database: str | None = typer.Option(None, "--database", "-d", help="Store URL or SQLite file."),
    pdf: bool = typer.Option(True, "--pdf/--no-pdf", help="Also freeze the PDF."),
    synthetic: bool = typer.Option(
        False, "--synthetic", help="Label every page as synthetic data."
    ),
    baf: Path | None = typer.Option(
        None, "--baf", help="Pre-rendered BAF summary (HTML fragment) to include."
    ),
    verify: bool = typer.Option(
        False,
        "--verify",
        help="Check every published file against the manifest, the manifest's signature, and "
        "the manifest against the store (re-rendering the HTML).",
    ),
) -> None:
    """Freeze a forum's pack for a period (HTML, PDF and a manifest), or verify a frozen one."""
    from trustboard.services import store_session
    from trustboard.services.publish import publish_pack, verify_publication

    when = Period.parse(period)
    baf_html = _read_baf(baf)
    with store_session(database) as store:
        if verify:
            outcome = verify_publication(store, forum, when, output, baf_html=baf_html)
            if not outcome.ok:
                raise ConflictError(
                    f"the published {forum} pack for {when.label()} does not verify "
                    f"({len(outcome.problems())} difference(s))",
                    code=ErrorCode.PUBLISH_VERIFY,
                    problems=[
                        Problem(ErrorCode.PUBLISH_VERIFY, text) for text in outcome.problems()
                    ],
                )
            typer.echo(
                f"verified: the {forum} pack for {when.label()}: "
                f"{len(outcome.files_checked)} file(s) match the manifest, and the HTML "
                f"re-rendered from the store reproduces byte for byte "
                f"(sha256 {outcome.html_sha256})"
            )
            typer.echo(f"signature: {outcome.signature.detail}")
            return
        done = publish_pack(
            store,
            forum,
            when,
            output,
            config=paper,
            pdf=pdf,
            synthetic=synthetic,
            baf_html=baf_html,
        )
    typer.echo(f"published {done.folder}")
    for name, digest in done.manifest["files"].items():
        typer.echo(f"  {name}  sha256 {digest}")


def keys_init(
    path: Path | None = typer.Argument(
        None,
        help="Where to write the key (default: the configured signing_key, "
        "$TRUSTBOARD_SIGNING_KEY).",
    ),
) -> None:
    """Create the trust's Ed25519 signing key (readable by its owner only)."""
    from trustboard.services.settings import load_settings
    from trustboard.services.signing import create_key

    target = path or load_settings().signing_key
    if target is None:
        raise OptionsError(
            "no path for the signing key",
            hint="give one (trustboard keys init /secure/place/trustboard.key) and name it in "
            "the configuration as signing_key, or set $TRUSTBOARD_SIGNING_KEY",
        )
    fingerprint = create_key(target)
    typer.echo(f"created the signing key {target} (mode 600), public key sha256 {fingerprint}")
    if path is not None:
        typer.echo("name it in the configuration (signing_key) or in $TRUSTBOARD_SIGNING_KEY")


def register(app: typer.Typer) -> None:
    """Add ``report``, ``publish`` and ``keys`` to the ``trustboard`` command."""
    app.command("report")(report)
    app.command("publish")(publish)
    keys = typer.Typer(help="The signing key for published packs.", no_args_is_help=True)
    keys.command("init")(keys_init)
    app.add_typer(keys, name="keys")
