"""Fixtures for the ingest tests: the catalogue folder under tests/fixtures/ingest and its
lookups."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from trustboard.domain import MetricDefinition
from trustboard.ingest import CatalogueRead, read_catalogue

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "ingest"

#: The import date of every values test: periods starting after it are in the future.
TODAY = date(2025, 6, 15)


@pytest.fixture(scope="session")
def catalogue_read() -> CatalogueRead:
    """The valid YAML catalogue of the fixtures."""
    result = read_catalogue(FIXTURES / "catalogue")
    assert result.problems == []
    return result


@pytest.fixture(scope="session")
def catalogue(catalogue_read: CatalogueRead) -> dict[str, MetricDefinition]:
    """Metric definitions by id."""
    return catalogue_read.metrics_by_id()


@pytest.fixture(scope="session")
def org_units(catalogue_read: CatalogueRead) -> set[str]:
    """Org unit codes."""
    return {u.code for u in catalogue_read.org_units}
