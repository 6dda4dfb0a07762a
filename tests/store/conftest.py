"""Fixtures of the store tests: an initialised store with a small catalogue, on each engine."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest
from store_builders import make_forums, make_metrics, make_org_units

from trustboard.store import Store


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    """An initialised store with the small catalogue loaded, on each engine."""
    opened, _before, _after = Store.init(store_url, actor="tester")
    opened.upsert_catalogue(
        make_metrics(), make_org_units(), make_forums(), source="tests", effective=date(2024, 4, 1)
    )
    yield opened
    opened.close()
