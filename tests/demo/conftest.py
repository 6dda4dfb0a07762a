"""One demo trust per test session (built without the waiting-times engine: fast and pure)."""

from __future__ import annotations

import pytest

from trustboard.demo import DEFAULT_SEED, DemoTrust, build_demo_trust


@pytest.fixture(scope="session")
def demo_trust() -> DemoTrust:
    """The demo trust at the default seed."""
    return build_demo_trust(DEFAULT_SEED)
