"""Fixtures of the BAF tests."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from .builders import FIXTURES


@pytest.fixture
def sample_register_path() -> Path:
    """The sample register of the demo trust (fixture copy)."""
    return FIXTURES / "sample_register.yaml"


@pytest.fixture
def golden() -> Callable[[str, str], None]:
    """Check ``text`` against ``tests/fixtures/baf/golden/<name>`` (rewritten when
    ``TRUSTBOARD_UPDATE_GOLDEN=1``; review the diff before keeping it)."""

    def check(name: str, text: str) -> None:
        path = FIXTURES / "golden" / name
        if os.environ.get("TRUSTBOARD_UPDATE_GOLDEN") == "1":
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
            return
        if not path.exists():
            pytest.fail(f"golden file {path} is missing; run with TRUSTBOARD_UPDATE_GOLDEN=1")
        assert text == path.read_text(encoding="utf-8"), (
            f"rendered output differs from {path}; "
            "if intended, rerun with TRUSTBOARD_UPDATE_GOLDEN=1"
        )

    return check
