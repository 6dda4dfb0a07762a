"""Waiting-time engines behind one interface; optional engines load only when asked for."""

from __future__ import annotations

from typing import Any

from trustboard.errors import OptionsError
from trustboard.waits.engines.base import Histograms, MonthCalendar, WaitsEngine, WaitsInputs

__all__ = ["ENGINES", "Histograms", "MonthCalendar", "WaitsEngine", "WaitsInputs", "get_engine"]

#: Engine names accepted by :func:`get_engine`.
ENGINES: tuple[str, ...] = ("duckdb", "spark")


def get_engine(engine: str | WaitsEngine = "duckdb", **options: Any) -> WaitsEngine:
    """The engine called ``engine`` (``duckdb`` or ``spark``), or ``engine`` itself.

    The Spark engine imports pyspark only here, so the DuckDB path never needs it; without
    pyspark it raises :class:`~trustboard.errors.MissingExtraError` naming ``trustboard[spark]``.
    """
    if not isinstance(engine, str):
        return engine
    if engine == "duckdb":
        from trustboard.waits.engines.duckdb_engine import DuckDBEngine

        return DuckDBEngine(**options)
    if engine == "spark":
        from trustboard.waits.engines.spark_engine import SparkEngine

        return SparkEngine(**options)
    raise OptionsError(
        f"unknown waiting-time engine {engine!r}", hint="choose one of: " + ", ".join(ENGINES)
    )
