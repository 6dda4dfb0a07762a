"""Golden files for rendered output: compare, or rewrite with TRUSTBOARD_UPDATE_GOLDEN=1."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

GOLDEN_DIR = Path(__file__).resolve().parents[2] / "fixtures" / "render"


@pytest.fixture
def golden() -> Callable[[str, str], None]:
    """Check ``text`` against ``tests/fixtures/render/<name>`` (or rewrite it when asked)."""

    def check(name: str, text: str) -> None:
        path = GOLDEN_DIR / name
        if os.environ.get("TRUSTBOARD_UPDATE_GOLDEN") == "1":
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
            return
        if not path.exists():
            pytest.fail(f"golden file {path} is missing; run with TRUSTBOARD_UPDATE_GOLDEN=1")
        expected = path.read_text(encoding="utf-8")
        assert text == expected, (
            f"rendered output differs from {path}; if the change is intended, rerun with "
            "TRUSTBOARD_UPDATE_GOLDEN=1 and review the diff"
        )

    return check
