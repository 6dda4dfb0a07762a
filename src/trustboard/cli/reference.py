"""The command-line reference (``docs/cli.md``), written from the commands themselves.

Every command, argument and option of the ``trustboard`` app, with its help text, default and
environment variable, is read from the Typer app, so the reference cannot document an option a
command does not take.  ``docs/cli.md`` keeps a hand-written guide above :data:`MARKER`;
everything below it is this module's output.  ``make docs`` (``python -m
trustboard.cli.reference docs/cli.md``) rewrites it; ``--check`` only says whether it is out
of date.
"""

from __future__ import annotations

import sys
from enum import Enum
from pathlib import Path
from typing import Any

import typer.main

#: The line after which ``docs/cli.md`` is generated.
MARKER = (
    "<!-- Everything below is generated from the commands by `make docs` "
    "(trustboard.cli.reference): change a command's help, not this text. -->"
)

# Typer builds its commands on its own copy of click, whose classes are private to it: the
# objects are read through their documented attributes (``params``, ``opts``, ``help`` …).
Command = Any
Param = Any

_TYPE_NAMES: dict[Any, str] = {str: "TEXT", int: "INTEGER", float: "NUMBER", Path: "PATH"}


def _cell(text: str) -> str:
    """Table-cell text: one line, pipes escaped."""
    return " ".join(text.split()).replace("|", "\\|")


def _help(command: Command) -> str:
    """A command's help as Markdown paragraphs (click's ``\\b`` no-rewrap marks dropped)."""
    text = (command.help or "").strip()
    return "\n".join(line for line in text.splitlines() if line.strip() != "\b").strip()


def _value_name(param: Param) -> str:
    annotation = param.type_descriptor.annotation
    inner = getattr(annotation, "__args__", None)
    if inner:  # list[X]: a value repeated
        annotation = inner[0]
    if isinstance(annotation, type) and issubclass(annotation, Enum):
        return "[" + "|".join(str(member.value) for member in annotation) + "]"
    return _TYPE_NAMES.get(annotation, getattr(annotation, "__name__", str(annotation)).upper())


def _is_flag(param: Param) -> bool:
    return bool(getattr(param, "is_flag", False))


def _default(param: Param) -> str:
    default = param.default
    if _is_flag(param):
        if param.secondary_opts:
            return f"`{param.opts[0] if default else param.secondary_opts[0]}`"
        return "on" if default else ""
    if default is None or default == () or default == [] or param.required:
        return ""
    if isinstance(default, Enum):
        default = default.value
    if isinstance(default, Path):
        default = default.as_posix()
    return f"`{default}`"


def _option_names(param: Param) -> str:
    names = sorted(param.opts, key=lambda name: (not name.startswith("--"), name))
    written = ", ".join(f"`{name}`" for name in names)
    if param.secondary_opts:
        written += " / " + ", ".join(f"`{name}`" for name in param.secondary_opts)
    return written


def _usage(path: tuple[str, ...], command: Command) -> str:
    words = ["trustboard", *path]
    if any(p.param_type_name == "option" and not p.hidden for p in command.params):
        words.append("[OPTIONS]")
    for param in command.params:
        if param.param_type_name != "argument":
            continue
        name = param.name.upper()
        name = f"{name}..." if param.nargs == -1 else name
        words.append(name if param.required else f"[{name}]")
    if getattr(command, "commands", None):
        words.append("COMMAND [ARGS]...")
    return " ".join(words)


def _section(path: tuple[str, ...], command: Command) -> list[str]:
    title = " ".join(("trustboard", *path))
    lines = [f"### `{title}`", ""]
    help_text = _help(command)
    if help_text:
        lines += [help_text, ""]
    lines += ["```text", _usage(path, command), "```", ""]
    arguments = [p for p in command.params if p.param_type_name == "argument"]
    if arguments:
        lines += ["| argument | required | meaning |", "|---|---|---|"]
        for param in arguments:
            name = param.name.upper() + ("..." if param.nargs == -1 else "")
            required = "yes" if param.required else "no"
            lines.append(f"| `{name}` | {required} | {_cell(param.help or '')} |")
        lines.append("")
    options = [p for p in command.params if p.param_type_name == "option" and not p.hidden]
    if options:
        lines += ["| option | value | default | meaning |", "|---|---|---|---|"]
        for param in options:
            value = "" if _is_flag(param) else _value_name(param)
            if param.multiple:
                value += " (repeatable)"
            meaning = _cell(param.help or "")
            if param.required:
                meaning = f"**required**. {meaning}"
            if param.envvar:
                meaning += f" (environment: `{param.envvar}`)"
            lines.append(
                f"| {_option_names(param)} | {value} | {_default(param)} | {meaning.strip()} |"
            )
        lines.append("")
    return lines


def _walk(command: Command, path: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], Command]]:
    found = [(path, command)]
    for name, sub in sorted(getattr(command, "commands", {}).items()):
        if not getattr(sub, "hidden", False):
            found += _walk(sub, (*path, name))
    return found


def reference_markdown(app: typer.Typer | None = None) -> str:
    """The generated part of ``docs/cli.md``: a table of every command, then each in full."""
    if app is None:
        from trustboard.cli.app import app as trustboard_app

        app = trustboard_app
    root = typer.main.get_command(app)
    commands = _walk(root)
    lines = [
        MARKER,
        "",
        "## Reference",
        "",
        "| command | what it does |",
        "|---|---|",
    ]
    for path, command in commands:
        if path:
            summary = _cell(_help(command).split("\n\n", 1)[0])
            lines.append(f"| [`trustboard {' '.join(path)}`](#{_anchor(path)}) | {summary} |")
    lines.append("")
    for path, command in commands:
        lines += _section(path, command)
    return "\n".join(lines).rstrip() + "\n"


def _anchor(path: tuple[str, ...]) -> str:
    """The anchor GitHub gives the heading ``### `trustboard …` ``."""
    return "-".join(("trustboard", *path))


def updated(text: str, reference: str) -> str:
    """``text`` (a cli.md) with everything from :data:`MARKER` on replaced by ``reference``."""
    guide = text.split(MARKER, 1)[0].rstrip()
    return f"{guide}\n\n{reference}" if guide else reference


def main(argv: list[str] | None = None) -> int:
    """``python -m trustboard.cli.reference [--check] FILE``: rewrite or check FILE."""
    args = list(sys.argv[1:] if argv is None else argv)
    check = "--check" in args
    paths = [a for a in args if a != "--check"]
    if len(paths) != 1:
        print("usage: python -m trustboard.cli.reference [--check] docs/cli.md", file=sys.stderr)
        return 2
    path = Path(paths[0])
    current = path.read_text(encoding="utf-8") if path.is_file() else ""
    wanted = updated(current, reference_markdown())
    if current == wanted:
        return 0
    if check:
        print(f"{path} is out of date: run `make docs`", file=sys.stderr)
        return 1
    path.write_text(wanted, encoding="utf-8")
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
