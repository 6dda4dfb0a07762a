"""Opening a store: database URLs, engines, and schema migrations.

One schema serves two engines.  An SQLite file is the embedded default (WAL journal so that
readers never block the writer, foreign keys enforced on every connection); PostgreSQL is the
shared option and needs the ``postgres`` extra (psycopg 3).  The schema is created and upgraded
by the Alembic migrations shipped inside this package (``store/migrations``), run from code so
that no ``alembic.ini`` is needed.
"""

from __future__ import annotations

import os
import re
from importlib import resources
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, inspect
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, OperationalError, SQLAlchemyError

from trustboard.errors import ErrorCode, MissingExtraError, OptionsError, StoreError

__all__ = [
    "DEFAULT_DATABASE_FILE",
    "create_store_engine",
    "current_revision",
    "default_actor",
    "head_revision",
    "migrate",
    "normalise_url",
    "redact_url",
]

#: The SQLite file ``trustboard init`` creates in the current folder.
DEFAULT_DATABASE_FILE = "trustboard.db"


def normalise_url(url: str | Path | None) -> str:
    """A SQLAlchemy URL for ``url``.

    Accepts ``sqlite:///path``, a bare file path (taken as an SQLite file), ``postgresql://``
    (mapped to the psycopg 3 driver), ``postgresql+psycopg://`` and ``postgres://`` (the short
    form Heroku-style tools print).  ``None`` means the default SQLite file in the current folder.
    """
    if url is None:
        return f"sqlite:///{DEFAULT_DATABASE_FILE}"
    text = str(url).strip()
    if not text:
        raise OptionsError("the database URL is empty", code=ErrorCode.STORE_URL)
    if "://" not in text:
        return f"sqlite:///{text}"
    scheme, rest = text.split("://", 1)
    scheme_lower = scheme.lower()
    if scheme_lower in ("postgresql", "postgres", "postgresql+psycopg2", "postgresql+psycopg"):
        return f"postgresql+psycopg://{rest}"
    if scheme_lower in ("sqlite", "sqlite+pysqlite"):
        return f"sqlite://{rest}"
    raise OptionsError(
        f"database URL scheme '{scheme}' is not supported",
        code=ErrorCode.STORE_URL,
        hint="use sqlite:///path/to/trustboard.db or postgresql://user@host:port/database",
    )


#: a secret given as a key=value pair: a URL's query (?password=...) or a libpq keyword string
#: (host=db password='s e c r e t')
_SECRET_PAIR = re.compile(
    r"(?i)(\b(?:password|passwd|pwd|sslpassword)\s*=\s*)('(?:[^'\\]|\\.)*'|[^\s&;]*)"
)


def redact_url(url: str) -> str:
    """``url`` with every password hidden (the user-information part, a ``password=`` query
    parameter, a libpq keyword string), for messages and the audit log."""
    try:
        shown = make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        shown = url
    return _SECRET_PAIR.sub(r"\1***", shown)


def _require_psycopg() -> None:
    try:
        import psycopg  # noqa: F401
    except ImportError:
        raise MissingExtraError("A PostgreSQL store", "postgres", "psycopg") from None


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # Foreign keys are off by default in SQLite and must be switched on per connection; WAL lets
    # readers (the board pack, `status`) work while an import writes; NORMAL synchronous is
    # safe under WAL (a power cut can lose the last commit, never corrupt the file).
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys = ON")
    cursor.execute("PRAGMA journal_mode = WAL")
    cursor.execute("PRAGMA synchronous = NORMAL")
    cursor.execute("PRAGMA busy_timeout = 30000")
    cursor.execute("PRAGMA temp_store = MEMORY")
    cursor.execute("PRAGMA cache_size = -65536")
    cursor.close()


def _sqlite_begin(conn: Any) -> None:
    # pysqlite's own transaction handling is disabled (isolation_level=None below) so that
    # SQLAlchemy's BEGIN is the one that counts: IMMEDIATE takes the write lock at the start,
    # which avoids "database is locked" upgrades half-way through an import.  Readers use a
    # plain (deferred) BEGIN so that they never wait for a writer under WAL.
    conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.info.get("tb_write") else "BEGIN")


def create_store_engine(url: str | Path | None, *, must_exist: bool = False) -> Engine:
    """An engine for the store at ``url`` (see :func:`normalise_url`).

    ``must_exist`` refuses to create a new SQLite file (every command except ``init``).
    Raises :class:`MissingExtraError` when PostgreSQL is asked for and psycopg is missing.
    """
    text = normalise_url(url)
    try:
        parsed: URL = make_url(text)
    except ArgumentError as error:
        raise OptionsError(
            f"'{redact_url(text)}' is not a database URL: {error}", code=ErrorCode.STORE_URL
        ) from None
    if parsed.get_backend_name() == "postgresql":
        _require_psycopg()
        return create_engine(parsed, pool_pre_ping=True)
    database = parsed.database or ""
    if database in ("", ":memory:"):
        raise OptionsError(
            "an in-memory SQLite store would vanish when the command ends",
            code=ErrorCode.STORE_URL,
            hint="give a file: sqlite:///trustboard.db",
        )
    if must_exist and not Path(database).exists():
        raise StoreError(
            f"no store at '{database}'",
            code=ErrorCode.STORE_MISSING,
            hint="create it with: trustboard init (or pass --database)",
        )
    engine = create_engine(parsed, connect_args={"isolation_level": None, "timeout": 30})
    event.listen(engine, "connect", _sqlite_pragmas)
    event.listen(engine, "begin", _sqlite_begin)
    return engine


def _alembic_config(engine: Engine) -> Any:
    from alembic.config import Config

    config = Config()
    location = resources.files("trustboard.store") / "migrations"
    config.set_main_option("script_location", str(location))
    # ConfigParser treats "%" as interpolation: URLs with encoded characters need it doubled.
    url = engine.url.render_as_string(hide_password=False).replace("%", "%%")
    config.set_main_option("sqlalchemy.url", url)
    return config


def head_revision() -> str:
    """The newest migration shipped with this installation (the end of the linear chain)."""
    from alembic.script import ScriptDirectory

    location = resources.files("trustboard.store") / "migrations"
    heads = ScriptDirectory(str(location)).get_heads()
    if len(heads) != 1:
        raise StoreError(
            f"the store migrations have {len(heads)} heads; they must form one chain",
            code=ErrorCode.STORE_SCHEMA,
        )
    return str(heads[0])


def current_revision(engine: Engine) -> str | None:
    """The migration the store is at, or ``None`` for an empty database."""
    try:
        with engine.connect() as conn:
            if not inspect(conn).has_table("alembic_version"):
                return None
            row = conn.exec_driver_sql("SELECT version_num FROM alembic_version").first()
            return None if row is None else str(row[0])
    except OperationalError as error:
        raise StoreError(
            f"cannot open the store at {redact_url(str(engine.url))}: {error.orig}",
            hint="check the URL, that the server runs and that you may connect",
        ) from None


def migrate(engine: Engine, revision: str = "head") -> tuple[str | None, str | None]:
    """Create or upgrade the schema to ``revision``; returns (revision before, revision after)."""
    from alembic import command

    before = current_revision(engine)
    config = _alembic_config(engine)
    try:
        with engine.connect() as conn:
            conn.info["tb_write"] = True
            try:
                with conn.begin():
                    config.attributes["connection"] = conn
                    command.upgrade(config, revision)
            finally:
                conn.info.pop("tb_write", None)
    except SQLAlchemyError as error:
        raise StoreError(f"the store could not be migrated: {error}") from None
    after = current_revision(engine)
    return before, after


def default_actor() -> str:
    """Who is making a change: ``TRUSTBOARD_ACTOR``, else the operating-system user."""
    actor = os.environ.get("TRUSTBOARD_ACTOR")
    if actor:
        return actor
    for name in ("USER", "LOGNAME", "USERNAME"):
        if os.environ.get(name):
            return os.environ[name]
    try:
        import getpass

        return getpass.getuser()
    except (OSError, KeyError):
        return "unknown"
