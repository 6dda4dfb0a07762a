"""The error-code registry is the one list of codes: used, documented, and never a literal."""

from __future__ import annotations

import re
from pathlib import Path

from trustboard.errors import ErrorCode

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src" / "trustboard"
DOCS = [*sorted((ROOT / "docs").glob("*.md")), ROOT / "README.md"]
CODE_IN_TEXT = re.compile(r"TB-[A-Z0-9]+(?:-[A-Z0-9]+)*")


def _documented_codes() -> set[str]:
    found: set[str] = set()
    for path in DOCS:
        for match in CODE_IN_TEXT.finditer(path.read_text(encoding="utf-8")):
            tail = path.read_text(encoding="utf-8")[match.end() : match.end() + 2]
            if tail.startswith("-…") or tail.startswith("…"):
                continue  # a family such as ``TB-V-…``, not a code
            found.add(match.group(0))
    return found


def test_every_code_is_documented() -> None:
    missing = sorted(code.value for code in ErrorCode if code.value not in _documented_codes())
    assert missing == []


def test_every_documented_code_is_in_the_registry() -> None:
    known = {code.value for code in ErrorCode}
    assert sorted(_documented_codes() - known) == []


def test_no_code_is_written_as_a_string_literal_outside_the_registry() -> None:
    offenders = []
    for path in SRC.rglob("*.py"):
        if path.name == "errors.py":
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if re.search(r"[\"']TB-[A-Z]", line) and not line.lstrip().startswith("#"):
                offenders.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert offenders == []


def test_every_code_is_used_somewhere() -> None:
    sources = "\n".join(
        p.read_text(encoding="utf-8")
        for p in SRC.rglob("*.py")
        if p.name not in {"errors.py", "codes.py"}
    )
    errors_py = (SRC / "errors.py").read_text(encoding="utf-8")
    unused = []
    for code in ErrorCode:
        direct = re.search(
            rf"ErrorCode\.{code.name}\b", sources + errors_py.split("class Problem")[1]
        )
        # Codes built from an option's name (``ErrorCode[f"SPC_{column.upper()}_TABLE"]``).
        built = re.search(r'ErrorCode\[f"SPC_\{\w+\.upper\(\)\}_(KEY|TABLE)"\]', sources)
        dynamic = built and re.fullmatch(r"SPC_(TARGET|TRAJECTORY|REBASE)_(KEY|TABLE)", code.name)
        if not (direct or dynamic):
            unused.append(code.value)
    assert unused == []


def test_codes_are_unique_and_well_formed() -> None:
    values = [code.value for code in ErrorCode]
    assert len(values) == len(set(values))
    for code in ErrorCode:
        assert code.value == "TB-" + code.name.replace("_", "-")
