"""Compare a trust's computed MHSDS measures with NHS England's published file.

The published file comes in the full layout (:data:`~trustboard.waits.mhsds.PUBLISHED_COLUMNS`)
or trimmed to six columns (``REPORTING_PERIOD_START, REPORTING_PERIOD_END, BREAKDOWN,
PRIMARY_LEVEL, MEASURE_ID, MEASURE_VALUE``); both are read.  Every measure and period of the
provider is reported as:

* ``agrees``: the same value;
* ``within rounding``: a count equal once rounded to the nearest 5, or a proportion or wait
  equal once rounded to a whole number, as the publication rounds them;
* ``suppressed``: published as ``*`` and the trust's count is under 5 (or the value is a
  proportion or wait withheld with its small count), so nothing to compare;
* ``differs``: anything else, with the difference (computed minus published);
* ``not published`` / ``not computed``: present on one side only.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import polars as pl

from trustboard.disclosure import round_to_nearest_five
from trustboard.errors import DataValidationError, ErrorCode, Problem
from trustboard.waits.mhsds import MHSDS_MEASURES
from trustboard.waits.suppression import SUPPRESSED

__all__ = ["STATUSES", "TRIMMED_COLUMNS", "read_published", "reconcile"]

#: The six columns of the trimmed published layout.
TRIMMED_COLUMNS: tuple[str, ...] = (
    "REPORTING_PERIOD_START",
    "REPORTING_PERIOD_END",
    "BREAKDOWN",
    "PRIMARY_LEVEL",
    "MEASURE_ID",
    "MEASURE_VALUE",
)
#: Every status a comparison can have.
STATUSES: tuple[str, ...] = (
    "agrees",
    "within rounding",
    "suppressed",
    "differs",
    "not published",
    "not computed",
)
_KEY = ["REPORTING_PERIOD_START", "REPORTING_PERIOD_END", "MEASURE_ID"]


def read_published(source: str | Path | pl.DataFrame) -> pl.DataFrame:
    """The published file as text columns, checked to have at least the six trimmed columns."""
    if isinstance(source, pl.DataFrame):
        frame = source.select(pl.all().cast(pl.String))
        name = "published"
    else:
        path = Path(source)
        if not path.is_file():
            raise DataValidationError(
                "the published file does not exist",
                [Problem(ErrorCode.WAITS_MISSING_COLUMN, "no such file", file=str(path))],
            )
        frame = pl.read_csv(path, infer_schema=False)
        name = str(path)
    missing = [c for c in TRIMMED_COLUMNS if c not in frame.columns]
    if missing:
        raise DataValidationError(
            "the published file is not in NHS England's layout",
            [
                Problem(
                    ErrorCode.WAITS_MISSING_COLUMN,
                    "column missing",
                    file=name,
                    column=column,
                    expected=", ".join(TRIMMED_COLUMNS),
                )
                for column in missing
            ],
        )
    return frame


def _number(text: str | None) -> float | None:
    if text is None or text.strip() in ("", SUPPRESSED):
        return None
    try:
        return float(text)
    except ValueError:
        return None


def _kind(measure: str) -> str:
    name = MHSDS_MEASURES.get(measure, "")
    if name.startswith("Proportion"):
        return "proportion"
    if "time (days)" in name:
        return "days"
    return "count"


def _compare(measure: str, ours: float | None, theirs_text: str | None) -> tuple[str, Any]:
    kind = _kind(measure)
    if theirs_text is not None and theirs_text.strip() == SUPPRESSED:
        if kind != "count" or ours is None or ours < 5:
            return "suppressed", None
        return "differs", None
    theirs = _number(theirs_text)
    if ours is None and theirs is None:
        return "agrees", None
    if ours is None or theirs is None:
        return "differs", None
    difference = ours - theirs
    if abs(difference) < 1e-9:
        return "agrees", 0.0
    if kind == "count" and ours.is_integer() and round_to_nearest_five(int(ours)) == theirs:
        return "within rounding", difference
    if kind != "count" and abs(difference) <= 0.5:
        return "within rounding", difference
    return "differs", difference


def reconcile(
    computed: pl.DataFrame, published: str | Path | pl.DataFrame, *, provider: str
) -> pl.DataFrame:
    """Each measure and period of ``provider``: computed beside published, with a status.

    ``computed`` is :func:`~trustboard.waits.mhsds.mhsds_measures` output without
    suppression (the raw figures); ``published`` the national file or frame.  Only the
    periods present in ``computed`` are compared.
    """
    theirs = read_published(published).filter(
        (pl.col("BREAKDOWN") == "Provider") & (pl.col("PRIMARY_LEVEL") == provider)
    )
    if theirs.is_empty():
        raise DataValidationError(
            f"the published file has no provider rows for {provider!r}",
            [
                Problem(
                    ErrorCode.WAITS_EMPTY,
                    "no rows with BREAKDOWN 'Provider' and this PRIMARY_LEVEL",
                    column="PRIMARY_LEVEL",
                    value=provider,
                )
            ],
        )
    periods = computed.select("REPORTING_PERIOD_START", "REPORTING_PERIOD_END").unique()
    theirs = theirs.join(periods, on=["REPORTING_PERIOD_START", "REPORTING_PERIOD_END"])
    joined = computed.select(*_KEY, pl.col("MEASURE_VALUE").alias("computed")).join(
        theirs.select(*_KEY, pl.col("MEASURE_VALUE").alias("published")),
        on=_KEY,
        how="full",
        coalesce=True,
    )
    rows = []
    for rec in joined.sort(_KEY).iter_rows(named=True):
        if rec["published"] is None:
            status, difference = "not published", None
        elif rec["computed"] is None:
            status, difference = "not computed", None
        else:
            status, difference = _compare(
                rec["MEASURE_ID"], _number(rec["computed"]), rec["published"]
            )
        rows.append({**rec, "status": status, "difference": difference})
    return pl.DataFrame(
        rows,
        schema={
            **{c: pl.String for c in _KEY},
            "computed": pl.String,
            "published": pl.String,
            "status": pl.String,
            "difference": pl.Float64,
        },
    )
