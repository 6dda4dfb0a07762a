"""The documentation keeps up with the code: codes, commands and the README's examples."""

from __future__ import annotations

import re
from pathlib import Path

import typer.main

from trustboard.cli.app import app

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
CODE = re.compile(r'"((?:TB|SPC)-[A-Z0-9]+(?:-[A-Z0-9]+)*)"')


def _all_docs() -> str:
    return "\n".join(p.read_text(encoding="utf-8") for p in sorted(DOCS.glob("*.md")))


def _commands(command: object, prefix: tuple[str, ...] = ()) -> list[str]:
    subs = getattr(command, "commands", None)
    if not subs:
        return [" ".join(prefix)]
    found: list[str] = []
    for name, sub in sorted(subs.items()):
        found.extend(_commands(sub, (*prefix, name)))
    return found


def test_every_error_code_in_the_code_is_documented() -> None:
    codes = set()
    for path in (ROOT / "src" / "trustboard").rglob("*.py"):
        codes.update(CODE.findall(path.read_text(encoding="utf-8")))
    assert len(codes) > 50  # the scan itself works
    docs = _all_docs()
    missing = sorted(code for code in codes if code not in docs)
    assert missing == [], f"codes raised but not documented in docs/: {missing}"


def test_every_command_is_documented() -> None:
    commands = _commands(typer.main.get_command(app))
    assert "spc run" in commands and "import values" in commands
    docs = _all_docs()
    missing = [c for c in commands if f"trustboard {c}" not in docs]
    assert missing == [], f"commands with no documentation: {missing}"


def test_readme_opens_with_the_two_commands() -> None:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    first_block = text.split("```", 2)[1]
    assert "make demo" in first_block and "make test" in first_block
