"""docs/cli.md's reference is the one the commands write (``make docs``), and it is complete."""

from __future__ import annotations

import difflib

import typer.main

from docs.blocks import ROOT
from trustboard.cli.app import app
from trustboard.cli.reference import MARKER, main, reference_markdown, updated

CLI_MD = ROOT / "docs" / "cli.md"


def _sections(text: str) -> dict[str, str]:
    """Each generated section of the reference by its command, ``trustboard baf export``."""
    parts = text.split("\n### `")[1:]
    return {part.split("`", 1)[0]: part for part in parts}


def test_the_reference_in_cli_md_is_up_to_date() -> None:
    text = CLI_MD.read_text(encoding="utf-8")
    assert MARKER in text, "docs/cli.md has lost the line its reference is generated after"
    written = text.split(MARKER, 1)[1]
    wanted = reference_markdown().split(MARKER, 1)[1]
    diff = "".join(
        difflib.unified_diff(
            written.splitlines(keepends=True),
            wanted.splitlines(keepends=True),
            "docs/cli.md",
            "the commands",
            n=1,
        )
    )
    assert written == wanted, f"docs/cli.md is out of date: run `make docs`\n{diff[:4000]}"


def test_every_command_argument_and_option_is_in_the_reference() -> None:
    sections = _sections(reference_markdown())
    checked = 0

    def walk(command: object, path: tuple[str, ...]) -> None:
        nonlocal checked
        title = " ".join(("trustboard", *path))
        assert title in sections, f"{title} is missing from the reference"
        for param in getattr(command, "params", []):
            if getattr(param, "hidden", False):
                continue
            names = (
                [param.name.upper()]
                if param.param_type_name == "argument"
                else [*param.opts, *param.secondary_opts]
            )
            for name in names:
                assert f"`{name}" in sections[title], f"{title}: {name} is not documented"
                checked += 1
            help_text = " ".join((param.help or "").split())
            assert help_text.replace("|", "\\|") in sections[title], (title, param.name)
        for name, sub in getattr(command, "commands", {}).items():
            walk(sub, (*path, name))

    walk(typer.main.get_command(app), ())
    assert checked > 150  # the walk itself saw the commands


def test_an_option_a_command_rejects_is_not_documented() -> None:
    # `baf export` writes to the file it is given as its argument; it has no -o/--output
    export = _sections(reference_markdown())["trustboard baf export"]
    assert "`TARGET`" in export and "`-o`" not in export and "--output" not in export


def test_the_hand_written_guide_is_kept() -> None:
    guide = "# Command line\n\nBy hand.\n"
    rewritten = updated(guide + "\n" + MARKER + "\nold reference\n", "NEW\n")
    assert rewritten == "# Command line\n\nBy hand.\n\nNEW\n"


def test_check_mode_says_when_the_file_is_out_of_date(tmp_path: object) -> None:
    from pathlib import Path

    target = Path(str(tmp_path)) / "cli.md"
    target.write_text("# Command line\n", encoding="utf-8")
    assert main(["--check", str(target)]) == 1
    assert target.read_text(encoding="utf-8") == "# Command line\n"
    assert main([str(target)]) == 0
    assert main(["--check", str(target)]) == 0
    assert target.read_text(encoding="utf-8").startswith("# Command line\n\n" + MARKER)
