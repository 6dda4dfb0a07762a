"""Fenced code blocks of the Markdown documentation, and the commands in the shell ones.

A block runs when its language is ``python`` or a shell (``sh``, ``bash``, ``shell``,
``console``).  A block whose info string says ``no-run: REASON`` is shown but not run; the
reason must be given, and is printed where the test lists it.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PYTHON = frozenset({"python", "py"})
SHELL = frozenset({"sh", "bash", "shell", "console"})
_FENCE = re.compile(r"^(?P<indent>\s*)(?P<fence>`{3,}|~{3,})(?P<info>.*)$")
_NO_RUN = re.compile(r"\bno-run\b:?\s*(?P<reason>.*)$")


@dataclass(frozen=True, slots=True)
class Block:
    """One fenced block: where it is, its language, its no-run reason (if any) and its text."""

    path: Path
    line: int  # of the opening fence, counted from 1
    language: str
    no_run: str | None
    text: str

    @property
    def where(self) -> str:
        """``docs/x.md:12``, as a person looks it up."""
        return f"{self.path.relative_to(ROOT).as_posix()}:{self.line}"

    @property
    def runs(self) -> bool:
        """Whether the tests run this block."""
        return self.no_run is None and self.language in PYTHON | SHELL


@dataclass(frozen=True, slots=True)
class Command:
    """One command of a shell block: its line in the file, its text and its words."""

    line: int
    text: str
    argv: tuple[str, ...]


def documents() -> list[Path]:
    """Every Markdown page that is documentation: docs/*.md and the README."""
    return [*sorted((ROOT / "docs").glob("*.md")), ROOT / "README.md"]


def blocks(path: Path) -> list[Block]:
    """The fenced blocks of one Markdown file, in order."""
    lines = path.read_text(encoding="utf-8").splitlines()
    found: list[Block] = []
    index = 0
    while index < len(lines):
        opening = _FENCE.match(lines[index])
        if opening is None:
            index += 1
            continue
        fence, info = opening["fence"], opening["info"].strip()
        end = index + 1
        while end < len(lines) and not lines[end].strip().startswith(fence):
            end += 1
        if end == len(lines):
            raise AssertionError(f"{path}:{index + 1}: a fenced block is never closed")
        words = info.split(maxsplit=1)
        language = words[0].lower() if words else ""
        no_run = _NO_RUN.search(info)
        indent = len(opening["indent"])
        text = "\n".join(line[indent:] for line in lines[index + 1 : end])
        found.append(
            Block(path, index + 1, language, no_run["reason"].strip() if no_run else None, text)
        )
        index = end + 1
    return found


def all_blocks() -> list[Block]:
    """Every fenced block of the documentation."""
    return [block for path in documents() for block in blocks(path)]


def commands(block: Block) -> list[Command]:
    """The commands of a shell block, comments removed and continued lines joined.

    In a ``console`` block only the lines after a ``$`` prompt are commands (the rest is what
    the command printed); ``a && b`` is two commands.
    """
    found: list[Command] = []
    pending: list[str] = []
    start = 0
    for number, raw in enumerate(block.text.splitlines(), start=block.line + 1):
        line = raw.rstrip()
        if not pending:
            if block.language == "console":
                if not line.startswith("$ "):
                    continue
                line = line[2:]
            if not line.strip():
                continue
            start = number
        pending.append(line)
        if line.endswith("\\"):
            pending[-1] = line[:-1]
            continue
        text = " ".join(part.strip() for part in pending)
        pending = []
        words = shlex.split(text, comments=True)
        while words:
            cut = words.index("&&") if "&&" in words else len(words)
            if words[:cut]:
                found.append(Command(start, " ".join(words[:cut]), tuple(words[:cut])))
            words = words[cut + 1 :]
    if pending:
        raise AssertionError(f"{block.where}: the block ends in a continued line")
    return found
