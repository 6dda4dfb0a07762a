"""``trustboard report`` and ``trustboard publish`` through the command line."""

from __future__ import annotations

from pathlib import Path

import pytest
import typer
import yaml

from cliruns import Trustboard
from trustboard.cli.report_cmd import register
from trustboard.errors import ConflictError, DataValidationError

from .conftest import COMPLETE_PAPER


@pytest.fixture
def cli() -> Trustboard:
    """The commands run through the real entry point, ``main(argv)``."""
    return Trustboard()


def _app() -> typer.Typer:
    app = typer.Typer()

    @app.callback()
    def _root() -> None:
        """Test root."""

    register(app)
    return app


def test_report_writes_html(  # type: ignore[no-untyped-def]
    pack_store, tmp_path: Path, cli: Trustboard
) -> None:
    result = cli.invoke(
        [
            "report",
            "--period",
            "2025-03",
            "--forum",
            "board",
            "-o",
            str(tmp_path),
            "--database",
            str(pack_store.url),
            "--no-pdf",
            "--synthetic",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "Trust Board, Mar 2025: 6 metrics, 1 exception report(s)" in result.output
    html = (tmp_path / "board-2025-03.html").read_text(encoding="utf-8")
    assert "SYNTHETIC DATA" in html


def test_publish_verify_and_as_published(  # type: ignore[no-untyped-def]
    pack_store, tmp_path: Path, cli: Trustboard
) -> None:
    paper = tmp_path / "paper.yaml"
    paper.write_text(yaml.safe_dump(COMPLETE_PAPER), encoding="utf-8")
    base = [
        "--period",
        "2025-03",
        "--forum",
        "board",
        "-o",
        str(tmp_path / "out"),
        "--database",
        str(pack_store.url),
        "--no-pdf",
    ]
    published = cli.invoke(["publish", *base, "--paper", str(paper)])
    assert published.exit_code == 0, published.output
    assert "board-2025-03.html  sha256" in published.output
    verified = cli.invoke(["publish", *base, "--verify"])
    assert verified.exit_code == 0, verified.output
    assert "reproduces byte for byte" in verified.output
    again = cli.invoke(["publish", *base, "--paper", str(paper)])
    assert isinstance(again.exception, ConflictError)
    rendered = cli.invoke(["report", *base, "--as-published"])
    assert rendered.exit_code == 0, rendered.output
    frozen = (
        tmp_path / "out" / "published" / "board" / "2025-03" / "board-2025-03.html"
    ).read_bytes()
    assert (tmp_path / "out" / "board-2025-03-as-published.html").read_bytes() == frozen


def test_publish_without_cover_sheet_fields_fails_with_each_field(
    pack_store, tmp_path: Path, cli: Trustboard
) -> None:  # type: ignore[no-untyped-def]
    result = cli.invoke(
        [
            "publish",
            "--period",
            "2025-03",
            "--forum",
            "board",
            "-o",
            str(tmp_path),
            "--database",
            str(pack_store.url),
            "--no-pdf",
        ],
    )
    assert isinstance(result.exception, DataValidationError)
    assert any(p.column == "decision_required" for p in result.exception.problems)


def test_every_option_is_documented() -> None:
    docs = (Path(__file__).parents[2] / "docs" / "board-pack.md").read_text(encoding="utf-8")
    command = typer.main.get_command(_app())
    for name in ("report", "publish"):
        assert f"### `trustboard {name}`" in docs
        for param in command.commands[name].params:  # type: ignore[attr-defined]
            for flag in (*param.opts, *param.secondary_opts):
                assert f"`{flag}" in docs, f"{name} {flag} is not in docs/board-pack.md"
