"""Waiting times from patient-level referral data (domain.md §10).

One specification (:mod:`~trustboard.waits.spec`, :mod:`~trustboard.waits.standards`), several
engines behind one interface (DuckDB by default, Spark with ``trustboard[spark]``)::

    from trustboard import waits
    frame = waits.compute("referrals.parquet", "contacts.parquet",
                          standard="cmh_adult_4w", start="2024-04", end="2025-03")
"""

from trustboard.waits.api import compute, compute_removals, compute_results, month_calendar
from trustboard.waits.engines import ENGINES, get_engine
from trustboard.waits.finalise import WaitsResult, measure_columns
from trustboard.waits.mapping import BUILTIN_MAPPINGS, ColumnMapping, load_mapping
from trustboard.waits.mhsds import MHSDS_MEASURES, PUBLISHED_COLUMNS, mhsds_measures
from trustboard.waits.reconcile import read_published, reconcile
from trustboard.waits.spec import (
    CHS_BANDS,
    Cohort,
    Combine,
    PercentileMethod,
    Standard,
    StopKind,
    StopRule,
    Threshold,
    WaitBand,
    nearest_rank,
    percentile,
    stop_day,
)
from trustboard.waits.standards import (
    BUILTIN_STANDARDS,
    SERVICE_CODES,
    get_standard,
    load_standards_file,
)
from trustboard.waits.suppression import suppress_count, suppress_frame

__all__ = [
    "BUILTIN_MAPPINGS",
    "BUILTIN_STANDARDS",
    "CHS_BANDS",
    "ENGINES",
    "MHSDS_MEASURES",
    "PUBLISHED_COLUMNS",
    "SERVICE_CODES",
    "Cohort",
    "ColumnMapping",
    "Combine",
    "PercentileMethod",
    "Standard",
    "StopKind",
    "StopRule",
    "Threshold",
    "WaitBand",
    "WaitsResult",
    "compute",
    "compute_removals",
    "compute_results",
    "get_engine",
    "get_standard",
    "load_mapping",
    "load_standards_file",
    "measure_columns",
    "mhsds_measures",
    "month_calendar",
    "nearest_rank",
    "percentile",
    "read_published",
    "reconcile",
    "stop_day",
    "suppress_count",
    "suppress_frame",
]
