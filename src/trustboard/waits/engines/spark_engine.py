"""The Spark engine (``trustboard[spark]``): the same definitions for national-scale data.

pyspark is imported only inside this module's functions, so importing trustboard never needs
it.  The work mirrors the DuckDB engine step for step (normalise and validate, one pass over
contacts for the first *k* qualifying dates per referral, one pass per standard to histograms);
the histograms are small and are collected to Arrow, and the shared
:func:`trustboard.waits.finalise.finalise` turns them into measures.  Percentiles therefore
stay exact nearest-rank order statistics: no ``percentile_approx`` anywhere.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pyarrow as pa

from trustboard.errors import (
    DataValidationError,
    ErrorCode,
    MissingExtraError,
    OptionsError,
    Problem,
    ProblemCollector,
)
from trustboard.waits.engines.base import Histograms, MonthCalendar, WaitsInputs
from trustboard.waits.mapping import CANONICAL, ColumnMapping
from trustboard.waits.spec import (
    CONSULTATION_MECHANISMS,
    DATE_COLUMNS,
    DATE_FORMATS,
    FALSE_FLAGS,
    REQUIRED_COLUMNS,
    TOTAL_COLUMN,
    TOTAL_GROUP,
    TRUE_FLAGS,
    Cohort,
    Combine,
    Standard,
    StopRule,
)

__all__ = ["SparkEngine"]

MAX_LISTED = 50
_REQUIRED = REQUIRED_COLUMNS
_DATE_COLUMNS = DATE_COLUMNS
_TRUE = list(TRUE_FLAGS)
_FALSE = list(FALSE_FLAGS)


def _spark_format(strftime: str) -> str:
    """A strftime date format as a Spark datetime pattern (``%Y-%m-%d`` -> ``yyyy-MM-dd``)."""
    out = strftime
    for code, pattern in (("%Y", "yyyy"), ("%m", "MM"), ("%d", "dd"), ("%H", "HH")):
        out = out.replace(code, pattern)
    return out.replace("%M", "mm").replace("%S", "ss").replace("T", "'T'")


_DATE_FORMATS = tuple(_spark_format(f) for f in DATE_FORMATS)


def _pyspark() -> tuple[Any, Any, Any]:
    try:
        from pyspark.sql import DataFrame, SparkSession
        from pyspark.sql import functions as F
    except ImportError:
        raise MissingExtraError("The Spark waiting-time engine", "spark", "pyspark") from None
    return SparkSession, DataFrame, F


class SparkEngine:
    """Waiting times on Spark; pass a ``spark`` session or one is found or started locally."""

    name = "spark"

    def __init__(self, *, spark: Any = None, master: str = "local[*]") -> None:
        session_cls, _, _ = _pyspark()
        if spark is None:
            spark = session_cls.getActiveSession() or (
                session_cls.builder.master(master).appName("trustboard-waits").getOrCreate()
            )
        self.spark = spark

    # -- loading --------------------------------------------------------------------------

    def _frame(self, source: Any, name: str) -> tuple[Any, str | None]:
        _, data_frame_cls, _ = _pyspark()
        if isinstance(source, data_frame_cls):
            return source, None
        if isinstance(source, (str, Path)):
            path = Path(source)
            if not path.exists():
                raise OptionsError(f"the {name} file {path} does not exist")
            if path.is_dir() or path.suffix.lower() in (".parquet", ".pq"):
                return self.spark.read.parquet(str(path)), str(path)
            if path.suffix.lower() in (".csv", ".txt"):
                return self.spark.read.option("header", True).csv(str(path)), str(path)
            raise OptionsError(f"the {name} file {path} is neither CSV nor Parquet")
        module = type(source).__module__
        if module.startswith("polars"):
            if hasattr(source, "collect") and not hasattr(source, "to_arrow"):
                source = source.collect()
            source = source.to_arrow()
        elif module.startswith("pandas"):
            source = pa.Table.from_pandas(source, preserve_index=False)
        elif module.startswith("duckdb"):
            source = source.to_arrow_table()
        if isinstance(source, pa.Table):
            return self.spark.createDataFrame(_plain_arrow(source)), None
        raise OptionsError(
            f"the {name} input is a {type(source).__name__}; the Spark engine takes a Spark "
            "DataFrame, a file path, or a Polars, pandas or Arrow table"
        )

    @staticmethod
    def _date(F: Any, col: Any, dtype: str) -> tuple[Any, Any]:
        if dtype == "date":
            return col, None
        if dtype.startswith("timestamp"):
            return col.cast("date"), None
        text = F.trim(col.cast("string"))
        parsed = F.coalesce(*(F.try_to_date(text, fmt) for fmt in _DATE_FORMATS))
        return F.when(text == "", F.lit(None).cast("date")).otherwise(parsed), col.cast("string")

    def _normalise(
        self,
        kind: str,
        given: tuple[Any, str | None],
        mapping: ColumnMapping,
        id_string: bool,
        problems: ProblemCollector,
    ) -> tuple[Any, str | None, set[str]] | None:
        _, _, F = _pyspark()
        frame, file = given
        types = dict(frame.dtypes)
        available = list(types)
        columns = []
        raw: set[str] = set()
        missing = False
        for column in CANONICAL[kind]:
            name = mapping.source_for(kind, column, available)
            if name is None:
                if column in _REQUIRED[kind]:
                    problems.add(
                        ErrorCode.WAITS_MISSING_COLUMN,
                        f"the {kind} table has no column {mapping.describe(kind, column)}",
                        file=file,
                        column=column,
                        expected=f"a column named {mapping.describe(kind, column)}",
                    )
                    missing = True
                    continue
                if column == "rejected":
                    columns.append(F.lit(False).alias(column))
                elif column in _DATE_COLUMNS:
                    columns.append(F.lit(None).cast("date").alias(column))
                else:
                    columns.append(F.lit(None).cast("string").alias(column))
                continue
            col = F.col(f"`{name}`")
            dtype = types[name].lower()
            if column in _DATE_COLUMNS:
                expr, raw_expr = self._date(F, col, dtype)
                if raw_expr is not None:
                    columns.append(raw_expr.alias(f"_raw_{column}"))
                    raw.add(column)
            elif column == "rejected":
                if dtype == "boolean":
                    expr = F.coalesce(col, F.lit(False))
                elif dtype == "date" or dtype.startswith("timestamp"):
                    expr = col.isNotNull()
                elif dtype in (
                    "int",
                    "bigint",
                    "smallint",
                    "tinyint",
                    "double",
                    "float",
                ) or dtype.startswith("decimal"):
                    expr = F.coalesce(col != 0, F.lit(False))
                else:
                    text = F.upper(F.trim(col.cast("string")))
                    as_date = F.coalesce(
                        *(F.try_to_date(F.trim(col), f) for f in _DATE_FORMATS[:2])
                    )
                    expr = (
                        F.when(col.isNull() | text.isin(_FALSE), F.lit(False))
                        .when(text.isin(_TRUE), F.lit(True))
                        .when(as_date.isNotNull(), F.lit(True))
                    )
                    columns.append(col.cast("string").alias("_raw_rejected"))
                    raw.add("rejected")
            elif column == "referral_id":
                expr = F.trim(col.cast("string")) if id_string else col.cast("bigint")
            else:
                if dtype in ("double", "float") or dtype.startswith("decimal"):
                    text = col.cast("bigint").cast("string")
                else:
                    text = F.trim(col.cast("string"))
                    text = F.when(text == "", F.lit(None)).otherwise(text)
                if column == "mechanism":
                    text = F.when(text.rlike("^[0-9]$"), F.concat(F.lit("0"), text)).otherwise(text)
                if column == "priority":
                    text = F.lower(text)
                expr = text
            if column in mapping.values:
                recoded = None
                for key, value in mapping.values[column].items():
                    recoded = (
                        F.when(expr == key, F.lit(value))
                        if recoded is None
                        else recoded.when(expr == key, F.lit(value))
                    )
                if recoded is not None:
                    expr = recoded.otherwise(expr)
            columns.append(expr.alias(column))
        if missing:
            return None
        if kind == "referrals":
            # the one group of a trust total (``by=()``)
            columns.append(F.lit(TOTAL_GROUP).alias(TOTAL_COLUMN))
        return frame.select(*columns), file, raw

    def _check(
        self,
        frame: Any,
        checks: Sequence[tuple[str, str, str, Any, Any]],
        file: str,
        problems: ProblemCollector,
    ) -> None:
        _, _, F = _pyspark()
        counts = frame.agg(
            *(
                F.sum(F.when(cond, 1).otherwise(0)).alias(f"c{i}")
                for i, (_, _, _, cond, _) in enumerate(checks)
            )
        ).collect()[0]
        for i, (code, message, column, cond, value) in enumerate(checks):
            count = counts[f"c{i}"] or 0
            if not count:
                continue
            rows = (
                frame.where(cond)
                .select(
                    value.cast("string").alias("v"), F.col("referral_id").cast("string").alias("r")
                )
                .limit(MAX_LISTED)
                .collect()
            )
            for item in rows:
                problems.add(
                    code,
                    f"{message} (referral {item['r']})",
                    file=file,
                    column=column,
                    value=item["v"],
                )
            if count > len(rows):
                problems.add(
                    code,
                    f"{message}: {count - len(rows)} more row(s) not listed",
                    file=file,
                    column=column,
                )

    def load(self, inputs: WaitsInputs) -> tuple[Any, Any, Any]:
        """Normalise and validate; return (referrals, contacts, events or None)."""
        _, _, F = _pyspark()
        problems = ProblemCollector()
        sources = {"referrals": inputs.referrals, "contacts": inputs.contacts}
        if inputs.events is not None:
            sources["events"] = inputs.events
        given = {kind: self._frame(source, kind) for kind, source in sources.items()}
        id_string = self._id_is_string(given, inputs.mapping)
        loaded = {
            kind: self._normalise(kind, frame, inputs.mapping, id_string, problems)
            for kind, frame in given.items()
        }
        problems.raise_if_any("the waiting-time input is not valid")
        ref, ref_file, ref_raw = loaded["referrals"]  # type: ignore[misc]
        ref = ref.cache()
        empty_received = F.col("received_date").isNull()
        if "received_date" in ref_raw:
            empty_received &= F.col("_raw_received_date").isNull() | (
                F.trim(F.col("_raw_received_date")) == ""
            )
        checks = [
            (
                ErrorCode.WAITS_MISSING_VALUE,
                "referral id is empty",
                "referral_id",
                F.col("referral_id").isNull(),
                F.col("referral_id"),
            ),
            (
                ErrorCode.WAITS_MISSING_VALUE,
                "referral received date is empty",
                "received_date",
                empty_received,
                F.col("received_date"),
            ),
            (
                ErrorCode.WAITS_CLOSED_BEFORE_RECEIVED,
                "referral closed before it was received",
                "closed_date",
                F.col("closed_date") < F.col("received_date"),
                F.col("closed_date"),
            ),
        ]
        for column in ("received_date", "closed_date"):
            if column in ref_raw:
                checks.append(
                    (
                        ErrorCode.WAITS_BAD_DATE,
                        "date does not parse (expected YYYY-MM-DD or DD/MM/YYYY)",
                        column,
                        F.col(column).isNull() & (F.trim(F.col(f"_raw_{column}")) != ""),
                        F.col(f"_raw_{column}"),
                    )
                )
        if "rejected" in ref_raw:
            checks.append(
                (
                    ErrorCode.WAITS_BAD_FLAG,
                    "rejected flag not understood (expected Y/N, true/false, 1/0 or a date)",
                    "rejected",
                    F.col("rejected").isNull(),
                    F.col("_raw_rejected"),
                )
            )
        label = ref_file or "referrals"
        self._check(ref, checks, label, problems)
        for item in (
            ref.where(F.col("referral_id").isNotNull())
            .groupBy("referral_id")
            .count()
            .where(F.col("count") > 1)
            .orderBy("referral_id")
            .limit(MAX_LISTED)
            .collect()
        ):
            problems.add(
                ErrorCode.WAITS_DUPLICATE_REFERRAL,
                f"referral id appears {item['count']} times",
                file=label,
                column="referral_id",
                value=str(item["referral_id"]),
            )
        keys = ref.select(
            F.col("referral_id").alias("_rid"), F.col("received_date").alias("_received")
        )
        out: dict[str, Any] = {"referrals": ref}
        for kind, date_column in (("contacts", "contact_date"), ("events", "event_date")):
            if kind not in loaded:
                continue
            frame, file, raw = loaded[kind]  # type: ignore[misc]
            joined = frame.join(keys, frame["referral_id"] == keys["_rid"], "left")
            empty = F.col(date_column).isNull()
            if date_column in raw:
                empty &= F.col(f"_raw_{date_column}").isNull() | (
                    F.trim(F.col(f"_raw_{date_column}")) == ""
                )
            checks = [
                (
                    ErrorCode.WAITS_UNKNOWN_REFERRAL,
                    f"{kind[:-1]} for a referral that is not in the referrals table",
                    "referral_id",
                    F.col("_rid").isNull(),
                    F.col("referral_id"),
                ),
                (
                    ErrorCode.WAITS_MISSING_VALUE,
                    f"{kind[:-1]} date is empty",
                    date_column,
                    empty,
                    F.col(date_column),
                ),
                (
                    ErrorCode.WAITS_BEFORE_REFERRAL,
                    f"{kind[:-1]} dated before the referral was received",
                    date_column,
                    F.col(date_column) < F.col("_received"),
                    F.col(date_column),
                ),
            ]
            if date_column in raw:
                checks.append(
                    (
                        ErrorCode.WAITS_BAD_DATE,
                        "date does not parse (expected YYYY-MM-DD or DD/MM/YYYY)",
                        date_column,
                        F.col(date_column).isNull() & (F.trim(F.col(f"_raw_{date_column}")) != ""),
                        F.col(f"_raw_{date_column}"),
                    )
                )
            self._check(joined, checks, file or kind, problems)
            out[kind] = frame
        problems.raise_if_any("the waiting-time input is not valid")
        return out["referrals"], out["contacts"], out.get("events")

    @staticmethod
    def _id_is_string(given: dict[str, tuple[Any, str | None]], mapping: ColumnMapping) -> bool:
        """Whether referral ids must be compared as text (not every table has integer ids)."""
        for kind, (frame, _) in given.items():
            types = dict(frame.dtypes)
            name = mapping.source_for(kind, "referral_id", list(types))
            if name is None or types[name] not in ("int", "bigint", "smallint", "tinyint"):
                return True
        return False

    # -- stops and histograms -------------------------------------------------------------

    @staticmethod
    def _contact_filter(F: Any, rule: StopRule) -> Any:
        """Spark form of :meth:`StopRule.contact_qualifies`."""
        cond = F.col("attendance_code").isin(list(rule.attendance_codes))
        if rule.mechanisms:
            cond &= F.col("mechanism").isin(list(rule.mechanisms))
        if rule.activity_types:
            cond &= F.col("activity_type").isin(list(rule.activity_types))
        if rule.indirect_activity_types:
            indirect = F.col("activity_type").isin(list(rule.indirect_activity_types))
            cond = F.coalesce(indirect, F.lit(False)) | cond
        return cond

    @staticmethod
    def _check_mechanisms(contacts: Any) -> None:
        """Spark form of the DuckDB engine's check: unknown mechanism codes are reported."""
        _, _, F = _pyspark()
        unknown = (
            contacts.where(
                F.col("mechanism").isNotNull()
                & ~F.col("mechanism").isin(list(CONSULTATION_MECHANISMS))
            )
            .groupBy("mechanism")
            .count()
            .orderBy(F.desc("count"), "mechanism")
            .limit(50)
            .collect()
        )
        if unknown:
            raise DataValidationError(
                "the waiting-time input is not valid",
                [
                    Problem(
                        ErrorCode.WAITS_UNMAPPED_VALUE,
                        f"consultation mechanism not understood ({row['count']} contact(s)); "
                        "a contact with it never stops a clock that names mechanisms",
                        file="contacts",
                        column="mechanism",
                        value=row["mechanism"],
                        expected="an NHS Data Dictionary code (01, 02, 04, 05, 09, 10, 11, 12, "
                        "13, 98), or a mapping 'values: {mechanism: {YOUR VALUE: CODE}}'",
                    )
                    for row in unknown
                ],
            )

    @staticmethod
    def _spells(
        ref: Any, contacts: Any, events: Any, standards: Sequence[Standard], gap: int
    ) -> tuple[Any, Any, Any]:
        """Referral spells as :mod:`trustboard.waits.engines.duckdb_spells` defines them."""
        _, _, F = _pyspark()
        from pyspark.sql import Window

        services = sorted({v for s in standards for v in s.services})
        scope = ~F.col("rejected") & F.col("person_id").isNotNull()
        if not any(not s.services for s in standards):
            scope &= F.col("service").isin(services)
        if ref.where(F.col("person_id").isNotNull()).limit(1).count() == 0:
            raise DataValidationError(
                "the waiting-time input is not valid",
                [
                    Problem(
                        ErrorCode.WAITS_MISSING_COLUMN,
                        "referral spells join a person's referrals, but the referrals have "
                        "no person id",
                        column="person_id",
                        expected="a person_id column (MHSDS: Person_ID)",
                    )
                ],
            )
        order = Window.partitionBy("person_id", "service").orderBy("received_date", "referral_id")
        reach = F.max(
            F.date_add(F.coalesce(F.col("closed_date"), F.lit("9999-01-01").cast("date")), gap)
        ).over(order.rowsBetween(Window.unboundedPreceding, -1))
        members = (
            ref.where(scope)
            .select("referral_id", "person_id", "service", "received_date", "closed_date")
            .withColumn("_reach", reach)
            .withColumn(
                "_new",
                F.when(
                    F.col("_reach").isNull() | (F.col("received_date") > F.col("_reach")), 1
                ).otherwise(0),
            )
            .withColumn(
                "_spell_no", F.sum("_new").over(order.rowsBetween(Window.unboundedPreceding, 0))
            )
        )
        spell = Window.partitionBy("person_id", "service", "_spell_no")
        members = (
            members.withColumn(
                "spell_id",
                F.first("referral_id").over(spell.orderBy("received_date", "referral_id")),
            )
            .withColumn("_size", F.count(F.lit(1)).over(spell))
            .where(F.col("_size") > 1)
            .select("referral_id", "spell_id")
        )
        moves = (
            members.where(F.col("referral_id") != F.col("spell_id"))
            .withColumnRenamed("referral_id", "_moved")
            .withColumnRenamed("spell_id", "_to")
            .cache()
        )
        joined = ref.join(
            members.withColumnRenamed("referral_id", "_member"),
            F.col("referral_id") == F.col("_member"),
        )
        spells = joined.groupBy("spell_id").agg(
            F.min("received_date").alias("_s_received"),
            F.when(F.max(F.col("closed_date").isNull().cast("int")) == 1, F.lit(None).cast("date"))
            .otherwise(F.max("closed_date"))
            .alias("_s_closed"),
            # the reason of the referral that ended the spell (a blank one too); ties broken
            # by referral id, as in DuckDB
            F.max_by(
                "closure_reason",
                F.when(F.col("closed_date").isNotNull(), F.struct("closed_date", "referral_id")),
            ).alias("_s_reason"),
        )
        ref = (
            ref.join(moves, F.col("referral_id") == F.col("_moved"), "left_anti")
            .join(spells, F.col("referral_id") == F.col("spell_id"), "left")
            .withColumn("received_date", F.coalesce("_s_received", "received_date"))
            .withColumn(
                "closed_date",
                F.when(F.col("spell_id").isNull(), F.col("closed_date")).otherwise(
                    F.col("_s_closed")
                ),
            )
            .withColumn(
                "closure_reason",
                F.when(F.col("spell_id").isNull(), F.col("closure_reason")).otherwise(
                    F.col("_s_reason")
                ),
            )
            .drop("spell_id", "_s_received", "_s_closed", "_s_reason")
        )

        def moved(frame: Any) -> Any:
            return (
                frame.join(moves, F.col("referral_id") == F.col("_moved"), "left")
                .withColumn("referral_id", F.coalesce(F.col("_to"), F.col("referral_id")))
                .drop("_moved", "_to")
            )

        return ref, moved(contacts), None if events is None else moved(events)

    @staticmethod
    def _stop(F: Any, rule: StopRule, contact: Any, events: dict[tuple[str, ...], Any]) -> Any:
        """Spark form of :func:`trustboard.waits.spec.stop_day`."""
        parts = [contact] if contact is not None else []
        for part in rule.event_parts():
            column = events[part]
            since = rule.required_from(part)
            if since is not None:
                cut = F.lit(since)
                skip = F.col("received_date") < cut
                if contact is not None:
                    skip &= contact < cut
                column = F.when(skip, F.col("received_date")).otherwise(column)
            parts.append(column)
        if len(parts) == 1:
            return parts[0]
        if rule.combine is Combine.EARLIEST:
            return F.least(*parts)
        missing = parts[0].isNull()
        for column in parts[1:]:
            missing |= column.isNull()
        return F.when(missing, F.lit(None).cast("date")).otherwise(F.greatest(*parts))

    def _with_stops(
        self, ref: Any, contacts: Any, events: Any, standards: Sequence[Standard]
    ) -> tuple[Any, dict[str, tuple[Any, Any, tuple[Any, Any] | None]]]:
        _, _, F = _pyspark()
        filters: dict[tuple[Any, ...], tuple[int, StopRule]] = {}
        for standard in standards:
            if standard.stop.uses_contacts:
                depth = standard.stop.contact_number
                if standard.cohort is Cohort.FINISHED_COURSE:
                    depth = max(depth, standard.course_min_contacts)
                key = standard.stop.contact_key()
                old = filters.get(key, (0, standard.stop))[0]
                filters[key] = (max(old, depth), standard.stop)
        names = {key: f"c{i}" for i, key in enumerate(filters)}
        keys = [s.stop.restart_key() for s in standards]
        restarts = {key: i for i, key in enumerate(dict.fromkeys(k for k in keys if k is not None))}
        frame = ref.where(~F.col("rejected"))
        if filters or restarts:
            aggs = []
            for key, (depth, rule) in filters.items():
                picked = F.when(self._contact_filter(F, rule), F.col("contact_date"))
                if depth == 1:
                    aggs.append(F.array(F.min(picked)).alias(names[key]))
                else:
                    aggs.append(
                        F.slice(F.array_sort(F.collect_list(picked)), 1, depth).alias(names[key])
                    )
            for (attended, missed), i in restarts.items():
                # the first attended and the first missed appointment, whatever the mechanism
                for prefix, codes in (("a", attended), ("n", missed)):
                    picked = F.when(
                        F.col("attendance_code").isin(list(codes)), F.col("contact_date")
                    )
                    aggs.append(F.min(picked).alias(f"{prefix}{i}"))
            stops = (
                contacts.groupBy("referral_id").agg(*aggs).withColumnRenamed("referral_id", "_cid")
            )
            frame = frame.join(stops, frame["referral_id"] == stops["_cid"], "left").drop("_cid")
        event_sets = sorted({part for s in standards for part in s.stop.event_parts()})
        event_names = {types: f"e{i}" for i, types in enumerate(event_sets)}
        if event_sets:
            if events is not None:
                aggs = [
                    F.min(F.when(F.col("event_type").isin(list(t)), F.col("event_date"))).alias(n)
                    for t, n in event_names.items()
                ]
                estops = (
                    events.groupBy("referral_id")
                    .agg(*aggs)
                    .withColumnRenamed("referral_id", "_eid")
                )
                frame = frame.join(estops, frame["referral_id"] == estops["_eid"], "left").drop(
                    "_eid"
                )
            else:
                for n in event_names.values():
                    frame = frame.withColumn(n, F.lit(None).cast("date"))
        frame = frame.cache()
        out = {}
        for standard in standards:
            rule = standard.stop
            contact = course = None
            if rule.uses_contacts:
                column = F.col(names[rule.contact_key()])
                contact = F.try_element_at(column, F.lit(rule.contact_number))
                if standard.cohort is Cohort.FINISHED_COURSE:
                    course = F.try_element_at(column, F.lit(standard.course_min_contacts))
            events = {part: F.col(event_names[part]) for part in rule.event_parts()}
            restart = rule.restart_key()
            start = None
            if restart is not None:
                i = restarts[restart]
                start = (F.col(f"a{i}"), F.col(f"n{i}"))
            out[standard.id] = (self._stop(F, rule, contact, events), course, start)
        return frame, out

    @staticmethod
    def _start(F: Any, restart: tuple[Any, Any] | None) -> Any:
        """Spark form of :func:`trustboard.waits.spec.start_day` over a row with
        ``received_date``, ``closed_date`` and ``raw_stop``."""
        if restart is None:
            return F.col("received_date")
        attended, missed = restart
        again = (
            missed.isNotNull()
            & (attended.isNull() | (missed < attended))
            & (F.col("raw_stop").isNull() | (F.col("raw_stop") > missed))
            & (F.col("closed_date").isNull() | (F.col("closed_date") >= missed))
        )
        return F.when(again, missed).otherwise(F.col("received_date"))

    def _standard_histograms(
        self,
        frame: Any,
        standard: Standard,
        stop: Any,
        course: Any,
        calendar: MonthCalendar,
        by: tuple[str, ...],
        restart: tuple[Any, Any] | None = None,
    ) -> Histograms:
        _, _, F = _pyspark()
        months, base = calendar.months, calendar.base_month

        def month(col: Any) -> Any:
            return F.year(col) * 12 + F.month(col) - 1 - base

        scoped = (
            frame.where(F.col("service").isin(list(standard.services)))
            if standard.services
            else frame
        )
        s = scoped.select(
            *by,
            F.col("priority").alias("_priority"),
            "closure_reason",
            "received_date",
            "closed_date",
            stop.alias("raw_stop"),
            (course if course is not None else F.lit(None).cast("date")).alias("course_date"),
            *(restart or ()),
        )
        s = s.withColumn("clock_date", self._start(F, restart)).withColumn(
            "stop_date",
            F.when(
                F.col("raw_stop").isNotNull()
                & (F.col("closed_date").isNull() | (F.col("raw_stop") <= F.col("closed_date"))),
                F.col("raw_stop"),
            ),
        )
        d = s.select(
            *by,
            "_priority",
            "closure_reason",
            F.datediff(F.col("clock_date"), F.lit("1970-01-01").cast("date")).alias("start_day"),
            F.datediff(F.col("stop_date"), F.col("clock_date")).alias("wait_days"),
            month(F.col("received_date")).alias("start_m"),
            month(F.col("clock_date")).alias("clock_m"),
            month(F.col("stop_date")).alias("stop_m"),
            F.when(
                F.col("stop_date").isNull() & F.col("closed_date").isNotNull(),
                month(F.col("closed_date")),
            ).alias("removed_m"),
            F.when(
                F.col("stop_date").isNotNull()
                & F.col("course_date").isNotNull()
                & (F.col("course_date") <= F.col("closed_date")),
                month(F.col("closed_date")),
            ).alias("course_m"),
        ).cache()
        open_h = (
            d.where(F.col("clock_m") < months)
            .select(
                *by,
                "_priority",
                "start_day",
                F.greatest(F.col("clock_m"), F.lit(0)).alias("first_m"),
                F.least(
                    F.greatest(
                        F.coalesce(F.col("stop_m"), F.col("removed_m"), F.lit(months)), F.lit(0)
                    ),
                    F.lit(months),
                ).alias("close_m"),
            )
            .where(F.col("first_m") < F.col("close_m"))
            .groupBy(*by, "_priority", "start_day", "first_m", "close_m")
            .agg(F.count(F.lit(1)).alias("n"))
        )
        done = "course_m" if standard.cohort is Cohort.FINISHED_COURSE else "stop_m"
        completed_h = (
            d.where((F.col(done) >= 0) & (F.col(done) < months))
            .groupBy(*by, "_priority", F.col(done).alias("m"), "wait_days")
            .agg(F.count(F.lit(1)).alias("n"))
        )
        null = F.lit(None).cast("string")
        flows = (
            d.select(
                *by,
                F.col("start_m").alias("m"),
                F.lit("received").alias("kind"),
                null.alias("reason"),
            )
            .unionByName(
                d.where(F.col("stop_m").isNotNull()).select(
                    *by,
                    F.col("stop_m").alias("m"),
                    F.lit("clock_stop").alias("kind"),
                    null.alias("reason"),
                )
            )
            .unionByName(
                d.where(F.col("removed_m").isNotNull()).select(
                    *by,
                    F.col("removed_m").alias("m"),
                    F.lit("removed").alias("kind"),
                    F.col("closure_reason").alias("reason"),
                )
            )
        )
        flows_h = (
            flows.where((F.col("m") >= 0) & (F.col("m") < months))
            .groupBy(*by, "m", "kind", "reason")
            .agg(F.count(F.lit(1)).alias("n"))
        )
        groups = d.select(*by).distinct()
        result = Histograms(
            standard, by, _arrow(open_h), _arrow(completed_h), _arrow(flows_h), _arrow(groups)
        )
        d.unpersist()
        return result

    def histograms(
        self,
        inputs: WaitsInputs,
        standards: Sequence[Standard],
        calendar: MonthCalendar,
        by: tuple[str, ...],
    ) -> dict[str, Histograms]:
        """Validate, find clock stops once, and reduce each standard to histograms."""
        settings = list(dict.fromkeys(s.spell_gap_days for s in standards))
        if len(settings) > 1:
            # spells and referrals are different inputs: one pass per spell setting
            out: dict[str, Histograms] = {}
            for gap in settings:
                group = [s for s in standards if s.spell_gap_days == gap]
                out.update(self.histograms(inputs, group, calendar, by))
            return out
        ref, contacts, events = self.load(inputs)
        if any(s.stop.uses_contacts and s.stop.mechanisms for s in standards):
            self._check_mechanisms(contacts)
        if settings[0] is not None:
            ref, contacts, events = self._spells(ref, contacts, events, standards, settings[0])
        frame, stops = self._with_stops(ref, contacts, events, standards)
        try:
            return {
                s.id: self._standard_histograms(
                    frame, s, stops[s.id][0], stops[s.id][1], calendar, by, stops[s.id][2]
                )
                for s in standards
            }
        finally:
            frame.unpersist()
            ref.unpersist()


def _plain_arrow(table: pa.Table) -> pa.Table:
    """Arrow types Spark reads: plain strings and dates, no views or dictionaries."""
    fields = []
    for field in table.schema:
        kind = field.type
        if pa.types.is_dictionary(kind):
            kind = kind.value_type
        if pa.types.is_large_string(kind) or pa.types.is_string_view(kind):
            kind = pa.string()
        fields.append(pa.field(field.name, kind))
    if not table.num_rows:
        fields = [
            pa.field(f.name, pa.string() if pa.types.is_null(f.type) else f.type) for f in fields
        ]
    return table.cast(pa.schema(fields))


def _arrow(frame: Any) -> pa.Table:
    """Collect a (small) Spark result as an Arrow table with by-columns as strings."""
    table = frame.toArrow()
    return table
