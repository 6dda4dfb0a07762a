"""docs/baf.md keeps up with the code: every code, check rule, sheet and command is documented."""

from __future__ import annotations

import re
from pathlib import Path

from trustboard.cli.baf_cmd import baf_app
from trustboard.domain.baf import CHECK_RULES
from trustboard.ingest.baf_register import SHEET_COLUMNS

ROOT = Path(__file__).resolve().parents[2]
DOCS = (ROOT / "docs" / "baf.md").read_text(encoding="utf-8")
MODULES = (
    "domain/baf.py",
    "ingest/baf_register.py",
    "store/baf.py",
    "services/baf.py",
    "cli/baf_cmd.py",
)


def test_every_code_used_is_documented() -> None:
    used: set[str] = set()
    for module in MODULES:
        text = (ROOT / "src" / "trustboard" / module).read_text(encoding="utf-8")
        used |= {
            "TB-" + name.replace("_", "-") for name in re.findall(r"ErrorCode\.(BAF_[A-Z_]+)", text)
        }
    assert len(used) > 20
    documented = set(re.findall(r"`(TB-BAF-[A-Z-]+)`", DOCS))
    assert used <= documented, sorted(used - documented)
    assert set(CHECK_RULES) <= documented


def test_every_sheet_and_column_is_documented() -> None:
    for sheet, columns in SHEET_COLUMNS.items():
        assert f"| `{sheet}` |" in DOCS, sheet
        for column in columns:
            assert f"`{column}`" in DOCS, (sheet, column)


def test_every_command_is_documented() -> None:
    names = {command.name for command in baf_app.registered_commands}
    assert names == {"show", "import", "export", "review", "check", "render"}
    for name in names:
        assert f"trustboard baf {name}" in DOCS, name
