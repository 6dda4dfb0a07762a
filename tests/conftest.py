"""Shared test fixtures: real database servers when they answer, and a store over each engine.

* ``postgres_url`` — the URL of a fresh, empty PostgreSQL database made for one test and dropped
  afterwards.  The server is ``TRUSTBOARD_TEST_POSTGRES_URL`` (default
  ``postgresql+psycopg://postgres@127.0.0.1:5432/postgres``).  When no server answers (or psycopg
  is missing) the test is skipped with the reason, unless ``TRUSTBOARD_REQUIRE_SERVERS=1``, in
  which case it fails: CI sets that so that the PostgreSQL tests can never be skipped silently.
* ``store_url`` — parametrised over ``sqlite`` (a file in the test's temporary folder) and
  ``postgresql`` (``postgres_url``): a contract test that takes it runs against both engines.
* ``spark`` — a local two-core Spark session for the whole run, with the same skip-or-fail rule
  when pyspark or Java is missing.
* :func:`server_unavailable` — the skip-or-fail rule itself, for fixtures elsewhere.
"""

from __future__ import annotations

import os
import shutil
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

DEFAULT_TEST_POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


def servers_required() -> bool:
    """Whether missing servers must fail the run (``TRUSTBOARD_REQUIRE_SERVERS=1``)."""
    return os.environ.get("TRUSTBOARD_REQUIRE_SERVERS") == "1"


def server_unavailable(message: str) -> None:
    """Skip the current test with ``message``, or fail it when servers are required."""
    if servers_required():
        pytest.fail(f"{message} (TRUSTBOARD_REQUIRE_SERVERS=1, so this is a failure)")
    pytest.skip(message)


def _admin_url() -> str:
    url = os.environ.get("TRUSTBOARD_TEST_POSTGRES_URL", DEFAULT_TEST_POSTGRES_URL)
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        url = "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


@pytest.fixture(scope="session")
def _postgres_admin() -> Iterator[object]:
    try:
        import psycopg  # noqa: F401
        from sqlalchemy import create_engine, text
    except ImportError:
        yield None
        return
    engine = create_engine(
        _admin_url(), isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 3}
    )
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as error:  # any failure to connect means "no server here"
        engine.dispose()
        yield str(error).splitlines()[0]
        return
    yield engine
    engine.dispose()


@pytest.fixture
def postgres_url(_postgres_admin: object) -> Iterator[str]:
    """URL of a fresh PostgreSQL database for this test (dropped afterwards)."""
    if _postgres_admin is None:
        server_unavailable("psycopg is not installed, so PostgreSQL tests cannot run")
    if isinstance(_postgres_admin, str):
        server_unavailable(f"no PostgreSQL server answers at {_admin_url()}: {_postgres_admin}")
    from sqlalchemy import text
    from sqlalchemy.engine import make_url

    engine = _postgres_admin
    name = f"tb_test_{uuid.uuid4().hex[:12]}"
    with engine.connect() as conn:  # type: ignore[attr-defined]
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(_admin_url()).set(database=name).render_as_string(hide_password=False)
    try:
        yield url
    finally:
        with engine.connect() as conn:  # type: ignore[attr-defined]
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A database URL for each engine: an SQLite file, then a fresh PostgreSQL database."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'trustboard.db'}"
    return request.getfixturevalue("postgres_url")


@pytest.fixture(scope="session")
def spark() -> Iterator[object]:
    """A local Spark session (``local[2]``) shared by the whole run."""
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        server_unavailable("pyspark is not installed, so Spark tests cannot run")
    if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
        server_unavailable("Java is not installed, so Spark tests cannot run")
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
    session = (
        SparkSession.builder.master("local[2]")
        .appName("trustboard-tests")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "4")
        .getOrCreate()
    )
    yield session
    session.stop()
