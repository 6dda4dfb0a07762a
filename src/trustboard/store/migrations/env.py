"""Alembic environment for the trustboard store, run from code (see ``store.engine.migrate``).

The caller passes an open connection in ``config.attributes["connection"]``; no ``alembic.ini``
is read.  SQLite uses batch mode so that later migrations can alter tables.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection, create_engine

import trustboard.store.baf  # noqa: F401  (the BAF tables belong to the same metadata)
from trustboard.store.models import Base

config = context.config
target_metadata = Base.metadata


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=True,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


connection = config.attributes.get("connection")
if connection is not None:
    _run(connection)
else:
    engine = create_engine(config.get_main_option("sqlalchemy.url") or "")
    with engine.begin() as conn:
        _run(conn)
