"""Shared helpers for the SPC engine tests."""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

import pytest

CASES_DIR = Path(__file__).resolve().parents[1] / "fixtures" / "ptd_cases"


def load_case(path: Path) -> dict[str, Any]:
    """One NHSRplotthedots reference case (see tests/fixtures/ptd_cases/SOURCES.md)."""
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        return json.load(handle)


@pytest.fixture(params=sorted(CASES_DIR.glob("*.json.gz")), ids=lambda p: p.name.split(".")[0])
def ptd_case(request: pytest.FixtureRequest) -> dict[str, Any]:
    """Every stored reference case, one test per case."""
    return load_case(request.param)
