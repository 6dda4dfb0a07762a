"""The change-tracking triggers on ``metric_value``: are they there, and putting them back.

The current-value documents can be trusted only while the triggers of migration
``0004_current_watermark`` count every change to ``metric_value`` (see
:mod:`trustboard.store.current`).  Someone at a SQL prompt can drop or disable them; this
module finds that and recreates them.  The SQL is not written here a second time: it is read
from the migration that created the triggers, so the repair makes exactly what the migration
made, and the migration imports nothing from the application (docs/store.md, "The
change-tracking triggers").
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from types import ModuleType

from sqlalchemy import Connection

from trustboard.store.rows import is_sqlite

__all__ = ["TRIGGERS_DEFINED_BY", "TriggerProblem", "check_triggers", "repair_triggers"]

#: The migration whose SQL defines the triggers now.  A later migration that redefines them
#: keeps its SQL in the same form (``sqlite_trigger_sql``, ``PG_FUNCTION``, ``PG_TRIGGERS``) and
#: is named here instead.
TRIGGERS_DEFINED_BY = "0004_current_watermark"


@dataclass(frozen=True, slots=True)
class TriggerProblem:
    """A change-tracking trigger (or its PostgreSQL function) that is not as the migration made
    it: ``kind`` is ``missing``, ``disabled`` (PostgreSQL) or ``altered`` (SQLite: its stored
    text differs)."""

    name: str
    kind: str
    detail: str

    def as_dict(self) -> dict[str, str]:
        """The problem as a plain dict (for the audit log and JSON)."""
        return {"trigger": self.name, "kind": self.kind, "detail": self.detail}


def _definitions() -> ModuleType:
    # the migration's module name starts with a digit, so it is imported by name
    return importlib.import_module(f"trustboard.store.migrations.versions.{TRIGGERS_DEFINED_BY}")


def _sqlite_expected() -> dict[str, str]:
    return {str(k): str(v) for k, v in _definitions().sqlite_trigger_sql().items()}


def _pg_expected() -> tuple[str, str, dict[str, str]]:
    module = _definitions()
    triggers = {str(k): str(v) for k, v in module.PG_TRIGGERS.items()}
    return str(module.PG_FUNCTION_NAME), str(module.PG_FUNCTION), triggers


def check_triggers(conn: Connection) -> list[TriggerProblem]:
    """Every change-tracking trigger that is missing, disabled or altered, by name."""
    problems = []
    if is_sqlite(conn):
        stored: dict[str, str] = {
            str(name): str(sql)
            for name, sql in conn.exec_driver_sql(
                "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' "
                "AND tbl_name = 'metric_value'"
            ).all()
        }
        for name, sql in sorted(_sqlite_expected().items()):
            if name not in stored:
                problems.append(TriggerProblem(name, "missing", "no such trigger on metric_value"))
            elif stored[name] != sql:
                problems.append(
                    TriggerProblem(name, "altered", "its SQL differs from the migration's")
                )
        return problems
    function, _body, triggers = _pg_expected()
    has_function = conn.exec_driver_sql(
        "SELECT count(*) FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace "
        "WHERE p.proname = %s AND n.nspname = current_schema()",
        (function,),
    ).scalar_one()
    if not has_function:
        problems.append(TriggerProblem(f"{function}()", "missing", "no such function"))
    enabled_by_name = {
        str(name): str(enabled)
        for name, enabled in conn.exec_driver_sql(
            "SELECT tgname, tgenabled FROM pg_trigger "
            "WHERE tgrelid = 'metric_value'::regclass AND NOT tgisinternal"
        ).all()
    }
    for name in sorted(triggers):
        if name not in enabled_by_name:
            problems.append(TriggerProblem(name, "missing", "no such trigger on metric_value"))
        elif enabled_by_name[name] == "D":
            problems.append(TriggerProblem(name, "disabled", "the trigger is disabled"))
    return problems


def repair_triggers(conn: Connection) -> list[TriggerProblem]:
    """Recreate (or enable) every trigger :func:`check_triggers` finds wrong, from the
    migration's own SQL, in the caller's write transaction; returns what was wrong."""
    problems = check_triggers(conn)
    if not problems:
        return problems
    if is_sqlite(conn):
        expected = _sqlite_expected()
        for problem in problems:
            conn.exec_driver_sql(f'DROP TRIGGER IF EXISTS "{problem.name}"')
            conn.exec_driver_sql(expected[problem.name])
        return problems
    function, body, triggers = _pg_expected()
    for problem in problems:
        if problem.name == f"{function}()":
            conn.exec_driver_sql(body)
        elif problem.kind == "disabled":
            conn.exec_driver_sql(f'ALTER TABLE metric_value ENABLE TRIGGER "{problem.name}"')
        else:
            conn.exec_driver_sql(triggers[problem.name])
    return problems
