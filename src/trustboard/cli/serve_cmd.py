"""``trustboard serve``: the web app over a store (see docs/web.md)."""

from __future__ import annotations

import os
from pathlib import Path

import typer

from trustboard.errors import ErrorCode, MissingExtraError, OptionsError

__all__ = ["LOOPBACK_HOSTS", "register"]

#: Addresses from which only this machine can connect: plain HTTP cookies are allowed there.
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})


def serve(
    database: str | None = typer.Option(None, "--database", "-d", help="Store URL or SQLite file."),
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on."),
    port: int = typer.Option(8000, "--port", min=1, max=65535, help="Port to listen on."),
    workers: int = typer.Option(1, "--workers", min=1, max=64, help="Worker processes."),
    paper: Path | None = typer.Option(
        None, "--paper", help="Paper configuration (YAML), as for trustboard report."
    ),
    published_root: Path | None = typer.Option(
        None, "--published-root", help="Folder holding published/ (the published packs page)."
    ),
    secure_cookies: bool = typer.Option(
        False,
        "--secure-cookies",
        help="Mark cookies Secure even on a loopback address (always so on any other).",
    ),
    forwarded_allow_ips: str = typer.Option(
        "127.0.0.1",
        "--forwarded-allow-ips",
        help="Reverse proxies whose X-Forwarded-Proto/-For headers are trusted.",
    ),
    oidc_config: Path | None = typer.Option(
        None, "--oidc-config", help="Single sign-on (OpenID Connect) configuration (YAML)."
    ),
) -> None:
    """Serve the web app (stop it with Ctrl+C)."""
    try:
        import uvicorn
    except ImportError:
        raise MissingExtraError("trustboard serve", "web", "uvicorn") from None
    from trustboard.services import database_url, open_store
    from trustboard.store import DEFAULT_DATABASE_FILE

    url = str(database_url(database) or DEFAULT_DATABASE_FILE)
    if paper is not None and not paper.is_file():
        raise OptionsError(f"paper configuration '{paper}' does not exist", code=ErrorCode.OPTIONS)
    store = open_store(url)  # refuse now, with a clear error, a store that cannot be opened
    try:
        from trustboard.services.browse import load_config

        load_config(paper, store)  # and a paper configuration that does not read
        if host not in LOOPBACK_HOSTS:
            from trustboard.services.demo import demo_accounts

            published = demo_accounts(store)
            if published:
                raise OptionsError(
                    f"the store has demo accounts whose password is published "
                    f"({', '.join(published)}); it is not served beyond this machine",
                    code=ErrorCode.OPTIONS,
                    hint="serve on 127.0.0.1, or disable them first: trustboard users disable NAME",
                )
    finally:
        store.close()
    if oidc_config is not None:
        from trustboard.services.oidc_config import load_oidc_config

        load_oidc_config(oidc_config)  # refuse now, with a clear error, a file that is not right
    plain_http = host in LOOPBACK_HOSTS and not secure_cookies
    os.environ["TRUSTBOARD_DATABASE_URL"] = url
    os.environ["TRUSTBOARD_WEB_PAPER"] = str(paper or "")
    os.environ["TRUSTBOARD_WEB_PUBLISHED_ROOT"] = str(published_root or "")
    os.environ["TRUSTBOARD_WEB_ALLOW_PLAIN_HTTP"] = "1" if plain_http else ""
    os.environ["TRUSTBOARD_WEB_TRUSTED_PROXIES"] = forwarded_allow_ips
    os.environ["TRUSTBOARD_WEB_OIDC_CONFIG"] = str(oidc_config or "")
    typer.echo(f"trustboard serving on http://{host}:{port}/ ({workers} worker(s))")
    uvicorn.run(
        "trustboard.web.app:app_from_environment",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        proxy_headers=True,
        forwarded_allow_ips=forwarded_allow_ips,
        server_header=False,
        log_level="info",
    )


def register(app: typer.Typer) -> None:
    """Add ``serve`` to the ``trustboard`` command."""
    app.command("serve")(serve)
