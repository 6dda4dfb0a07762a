"""Fixtures for the waiting-time tests: the engines under contract and small helpers."""

from __future__ import annotations

import os
import shutil
import sys
from typing import Any

import pytest

REQUIRE = os.environ.get("TRUSTBOARD_REQUIRE_SERVERS") == "1"


def _spark_unavailable() -> str | None:
    try:
        import pyspark  # noqa: F401
    except ImportError:
        return "pyspark is not installed (pip install 'trustboard[spark]')"
    if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
        return "Java is not installed, so Spark cannot start"
    return None


@pytest.fixture(scope="session")
def spark_session() -> Any:
    """One local Spark session for the whole run (local[2], few shuffle partitions)."""
    reason = _spark_unavailable()
    if reason:
        if REQUIRE:
            pytest.fail(f"TRUSTBOARD_REQUIRE_SERVERS=1 but {reason}")
        pytest.skip(reason)
    os.environ["PYSPARK_PYTHON"] = sys.executable
    os.environ["PYSPARK_DRIVER_PYTHON"] = sys.executable
    from pyspark.sql import SparkSession

    session = (
        SparkSession.builder.master("local[2]")
        .appName("trustboard-waits-tests")
        .config("spark.sql.shuffle.partitions", "4")
        .config("spark.default.parallelism", "2")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.driver.memory", "2g")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


@pytest.fixture(params=["duckdb", pytest.param("spark", marks=pytest.mark.spark)])
def engine_options(request: pytest.FixtureRequest) -> dict[str, Any]:
    """Keyword arguments that select each engine under the contract tests."""
    if request.param == "spark":
        return {
            "engine": "spark",
            "engine_options": {"spark": request.getfixturevalue("spark_session")},
        }
    return {"engine": "duckdb"}
