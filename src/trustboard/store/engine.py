"""Opening a store: database URLs, engines, and schema migrations.

One schema serves two engines.  An SQLite file is the embedded default (WAL journal so that
readers never block the writer, foreign keys enforced on every connection); PostgreSQL is the
shared option and needs the ``postgres`` extra (psycopg 3).  The schema is created and upgraded
by the Alembic migrations shipped inside this package (``store/migrations``), run from code so
that no ``alembic.ini`` is needed.
"""

from __future__ import annotations

import math
import os
import re
import sqlite3
import warnings
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import quote

from sqlalchemy import Engine, create_engine, event, inspect
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, OperationalError, SAWarning, SQLAlchemyError

from trustboard.errors import ErrorCode, MissingExtraError, OptionsError, StoreError

__all__ = [
    "DEFAULT_DATABASE_FILE",
    "create_store_engine",
    "current_revision",
    "default_actor",
    "head_revision",
    "is_read_only",
    "migrate",
    "normalise_url",
    "pool_options",
    "redact_url",
    "refuse_read_only",
]

#: The SQLite file ``trustboard init`` creates in the current folder.
DEFAULT_DATABASE_FILE = "trustboard.db"

#: Environment variables that size each process's pool of connections (docs/web.md).
ENV_POOL_SIZE = "TRUSTBOARD_DB_POOL_SIZE"
ENV_POOL_OVERFLOW = "TRUSTBOARD_DB_POOL_OVERFLOW"
ENV_POOL_TIMEOUT = "TRUSTBOARD_DB_POOL_TIMEOUT"
#: Connections kept open, more opened when busy, and seconds a request waits for one.  A web
#: worker runs up to 40 requests at once (its thread pool), so 10 + 30 lets each have one;
#: two workers stay within PostgreSQL's default of 100 connections.
POOL_SIZE, POOL_OVERFLOW, POOL_TIMEOUT = 10, 30, 10.0


def _pool_setting(name: str, default: float, least: float, *, whole: bool = True) -> float:
    text = os.environ.get(name, "").strip()
    if not text:
        return default
    try:
        value = float(text)
    except ValueError:
        value = least - 1
    if not (math.isfinite(value) and value >= least) or (whole and value != int(value)):
        kind = "a whole number" if whole else "a number of seconds"
        raise OptionsError(
            f"{name}={text!r} is not valid: expected {kind} of at least {least:g}",
            hint=f"leave it unset for the default, {default:g}",
        )
    return value


def pool_options() -> dict[str, Any]:
    """The connection pool's size, overflow and timeout, from the environment or defaults."""
    return {
        "pool_size": int(_pool_setting(ENV_POOL_SIZE, POOL_SIZE, 1)),
        "max_overflow": int(_pool_setting(ENV_POOL_OVERFLOW, POOL_OVERFLOW, 0)),
        "pool_timeout": _pool_setting(ENV_POOL_TIMEOUT, POOL_TIMEOUT, 0.01, whole=False),
    }


def normalise_url(url: str | Path | None) -> str:
    """A SQLAlchemy URL for ``url``.

    Accepts ``sqlite:///path`` (with ``?mode=ro`` or ``?immutable=1`` to open it read-only),
    a bare file path (taken as an SQLite file), ``postgresql://``
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


def _sqlite_read_only_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # a read-only connection may not change the journal mode; it takes the file as it is
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys = ON")
    cursor.execute("PRAGMA busy_timeout = 30000")
    cursor.execute("PRAGMA temp_store = MEMORY")
    cursor.execute("PRAGMA cache_size = -65536")
    cursor.close()


#: the query parameters of an SQLite URL that open the file read-only, and what each may be
_READ_ONLY_PARAMETERS = {"mode": ("ro",), "immutable": ("1",)}


def is_read_only(url: URL) -> bool:
    """Whether ``url`` opens an SQLite store read-only (``?mode=ro`` or ``?immutable=1``).

    A PostgreSQL role without the right to write is found out when it tries to; see
    :class:`trustboard.store.Store`.
    """
    if url.get_backend_name() != "sqlite":
        return False
    return url.query.get("mode") == "ro" or url.query.get("immutable") == "1"


def refuse_read_only(url: URL, doing: str) -> None:
    """Raise ``TB-STORE-READ-ONLY`` if ``url`` opens the store read-only; ``doing`` says what
    needed to write."""
    if is_read_only(url):
        raise StoreError(
            f"the store at {redact_url(url.render_as_string(hide_password=False))} is opened "
            f"read-only, and {doing} must write to it",
            code=ErrorCode.STORE_READ_ONLY,
            hint="open it without ?mode=ro or ?immutable=1, where the file may be written",
        )


def _sqlite_file(parsed: URL) -> tuple[str, dict[str, str]]:
    """The file of an SQLite URL and its read-only parameters; refuses any other parameter."""
    database = parsed.database or ""
    options: dict[str, str] = {}
    for key, value in parsed.query.items():
        text = value if isinstance(value, str) else ",".join(value)
        allowed = _READ_ONLY_PARAMETERS.get(key)
        if allowed is None or text not in allowed:
            raise OptionsError(
                f"the SQLite URL parameter '{key}={text}' is not supported",
                code=ErrorCode.STORE_URL,
                hint="an SQLite store takes ?mode=ro (read-only) or ?immutable=1 (read-only, "
                "on a medium nothing writes to), or no parameter",
            )
        options[key] = text
    return database, options


def _sqlite_reader(database: str, options: dict[str, str]) -> Any:
    # SQLite's own URI form opens the file read-only; the path is percent-encoded for it
    target = quote(str(Path(database).absolute()))
    query = "&".join(f"{key}={value}" for key, value in sorted({**options, "mode": "ro"}.items()))

    def connect() -> sqlite3.Connection:
        return sqlite3.connect(
            f"file:{target}?{query}",
            uri=True,
            isolation_level=None,
            timeout=30,
            check_same_thread=False,
        )

    return connect


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
        return create_engine(parsed, pool_pre_ping=True, **pool_options())
    database, options = _sqlite_file(parsed)
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
    if is_read_only(parsed):
        # the URL keeps its parameters, so that the store (and its messages) know it read-only;
        # the connection is made by _sqlite_reader, so the driver's warning that it would
        # ignore them does not apply
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", "Query string argument", SAWarning)
            engine = create_engine(
                parsed, creator=_sqlite_reader(database, options), **pool_options()
            )
        event.listen(engine, "connect", _sqlite_read_only_pragmas)
    else:
        engine = create_engine(
            parsed,
            connect_args={"isolation_level": None, "timeout": 30},
            **pool_options(),
        )
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

    refuse_read_only(engine.url, "creating or upgrading its schema")
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
