"""Every Python and shell example in docs/*.md and README.md runs against the demo store.

Examples are found afresh on each run, so a new page or a new example is tested as soon as it
is written.  Shell examples run through the real entry point, ``trustboard.cli.app.main``,
in a copy of the demo workspace (see ``conftest.py``); a block that cannot run here says so
in its info string (```` ```sh no-run: needs a PostgreSQL server ````).
"""

from __future__ import annotations

import glob
import os
import re
import shlex
import traceback
from pathlib import Path

import pytest

from docs.blocks import PYTHON, SHELL, Block, Command, all_blocks, commands
from trustboard.cli.app import main

BLOCKS = all_blocks()
RUNNABLE = [b for b in BLOCKS if b.runs]
NOT_RUN = [b for b in BLOCKS if b.no_run is not None]


def _expand(words: tuple[str, ...], cwd: Path) -> list[str]:
    """Expand wildcards as a shell would (a pattern that matches nothing stays as it is)."""
    out: list[str] = []
    for word in words:
        matches = sorted(glob.glob(word, root_dir=cwd)) if any(c in word for c in "*?[") else []
        out.extend(matches or [word])
    return out


def _run(block: Block, command: Command, cwd: Path, capsys: pytest.CaptureFixture[str]) -> None:
    place = f"{block.where.rsplit(':', 1)[0]}:{command.line}"
    name, *rest = command.argv
    if name == "export" and rest and "=" in rest[0]:
        key, value = rest[0].split("=", 1)
        os.environ[key] = value
        return
    if name != "trustboard":
        pytest.fail(
            f"{place}: `{command.text}` is not a trustboard command, so it cannot run here; "
            "make it one, or mark the block ```sh no-run: REASON```",
            pytrace=False,
        )
    argv = _expand(tuple(rest), cwd)
    try:
        code = main(argv)
    except Exception:
        code = None
        failure = traceback.format_exc(limit=-3)
    else:
        failure = ""
    out, err = capsys.readouterr()
    if code != 0:
        said = "\n".join(part for part in (out.strip(), err.strip(), failure.strip()) if part)
        pytest.fail(
            f"{place}: `{shlex.join(command.argv)}` "
            + (f"exited {code}" if code is not None else "raised")
            + f"\n{said[-3000:]}",
            pytrace=False,
        )


def _run_python(block: Block) -> str:
    """Run a Python block; what went wrong (file, line, statement, error), or ``""``."""
    try:
        exec(compile(block.text, block.where, "exec"), {"__name__": "__doc_example__"})
    except Exception as error:
        frames = [f for f in traceback.extract_tb(error.__traceback__) if f.filename == block.where]
        line = frames[-1].lineno or 0 if frames else 0
        statement = block.text.splitlines()[line - 1].strip() if line else ""
        place = f"{block.where.rsplit(':', 1)[0]}:{block.line + line}"
        return (
            f"{place}: the Python example raised at `{statement}`\n"
            f"{''.join(traceback.format_exception(error, limit=-3))}"
        )
    return ""


@pytest.mark.parametrize("block", RUNNABLE, ids=[b.where for b in RUNNABLE])
def test_example_runs(
    block: Block,
    workspace: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(os, "environ", os.environ.copy())
    if block.language in PYTHON:
        failure = _run_python(block)
        if failure:
            pytest.fail(failure, pytrace=False)
        return
    assert block.language in SHELL
    found = commands(block)
    assert found, f"{block.where}: a shell block with no command in it"
    for command in found:
        _run(block, command, workspace, capsys)


def test_the_examples_are_found() -> None:
    # the scan itself works: every kind of block the pages use today is seen
    languages = {b.language for b in RUNNABLE}
    assert {"python", "sh", "console"} <= languages
    assert len(RUNNABLE) >= 25


@pytest.mark.parametrize("block", NOT_RUN, ids=[b.where for b in NOT_RUN])
def test_an_example_not_run_says_why(block: Block) -> None:
    assert block.language in PYTHON | SHELL, (
        f"{block.where}: no-run is for Python and shell blocks; "
        f"a {block.language or 'plain'} block is never run"
    )
    assert len(block.no_run or "") >= 10, (
        f"{block.where}: a block that is not run must say why (```sh no-run: REASON```)"
    )


_COMMAND_LINE = re.compile(r"^\s*(\$ )?(trustboard|python|make|pip) ", flags=re.M)


def test_shell_examples_say_they_are_shell() -> None:
    # an unlabelled block of commands would never be run: label it ```sh (or no-run: REASON)
    unlabelled = [b.where for b in BLOCKS if b.language == "" and _COMMAND_LINE.search(b.text)]
    assert unlabelled == [], f"blocks of commands with no language: {unlabelled}"
