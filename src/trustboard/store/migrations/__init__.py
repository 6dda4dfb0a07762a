"""Alembic migrations of the store, run from code by ``trustboard init`` (see store.engine)."""
