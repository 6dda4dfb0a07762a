"""The MHSDS four-week-wait measures (MRS01–MRS14) in NHS England's published layout.

NHS England publishes, per provider and month, the community mental health waiting-time
measures built by its measure code (4w_waits_prep [S32]); measure ids and names below are as
published (Mental Health Services Monthly Statistics, OGL v3).  :func:`mhsds_measures`
computes the same measures from a trust's patient-level data with the built-in MHSDS
standards (referral spells, full clock stop, second/first-contact proxies, interpolated
percentiles) and lays them out as the publication does, so a trust can put its figures
beside NHS England's (``trustboard waits reconcile``).

Period types follow the published file: MRS01/01a/01b, 04, 05, 08/08a/08b, 11 and 12 are
rolling three-month periods ending in the month; the others are the month.  "Less than 4
weeks" is a wait of at most 28 days, as the standards' threshold.  Proportions are
percentages; with publication suppression they are whole numbers (as providers' published
values are) and shown as ``*`` when their numerator is under 5.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import polars as pl

from trustboard.disclosure import suppress_value
from trustboard.domain import SuppressionRule, month_end
from trustboard.errors import OptionsError
from trustboard.waits.api import compute_results, month_calendar
from trustboard.waits.engines.base import WaitsEngine
from trustboard.waits.mapping import ColumnMapping
from trustboard.waits.spec import Standard, StopKind, StopRule, Threshold
from trustboard.waits.standards import MHSDS_SPELL_GAP, get_standard
from trustboard.waits.suppression import SUPPRESSED, suppress_count

__all__ = ["MHSDS_MEASURES", "PUBLISHED_COLUMNS", "MeasureDef", "mhsds_measures"]

#: Columns of NHS England's published measure files, in order.
PUBLISHED_COLUMNS: tuple[str, ...] = (
    "REPORTING_PERIOD_START",
    "REPORTING_PERIOD_END",
    "STATUS",
    "BREAKDOWN",
    "PRIMARY_LEVEL",
    "PRIMARY_LEVEL_DESCRIPTION",
    "SECONDARY_LEVEL",
    "SECONDARY_LEVEL_DESCRIPTION",
    "MEASURE_ID",
    "MEASURE_NAME",
    "MEASURE_VALUE",
)

#: Measure names as NHS England publishes them.
MHSDS_MEASURES: Mapping[str, str] = {
    "MRS01": "Number of CMH referral-spells receiving a full clock stop in the RP",
    "MRS01a": "Number of CMH referral-spells receiving a full clock stop in less than 4 weeks "
    "in the RP",
    "MRS01b": "Proportion of CMH referral-spells receiving a full clock stop in less than 4 "
    "weeks in the RP",
    "MRS02": "Number of CMH referral-spells waiting for a full clock stop that were still open "
    "at the end of the RP",
    "MRS03": "Number of open CMH referral-spells waiting for a 2nd contact at the end of the RP",
    "MRS03a": "Median time (days) for open CMH referral-spells waiting for a 2nd contact at the "
    "end of the RP",
    "MRS03b": "90th percentile time (days) for open CMH referral-spells waiting for a 2nd "
    "contact at the end of the RP",
    "MRS04": "Number of CMH referral-spells that started in the RP",
    "MRS05": "Number of CMH referral-spells that closed in the RP",
    "MRS06": "Number of CMH referral-spells that were still open at the end of the RP",
    "MRS08": "Number of CYP referral-spells receiving a full clock stop in the RP",
    "MRS08a": "Number of CYP referral-spells receiving a full clock stop in less than 4 weeks "
    "in the RP",
    "MRS08b": "Proportion of CYP referral-spells receiving a full clock stop in less than 4 "
    "weeks in the RP",
    "MRS09": "Number of CYP referral-spells waiting for a full clock stop that were still open "
    "at the end of the RP",
    "MRS10": "Number of open CYP referral-spells waiting for a 1st contact at the end of the RP",
    "MRS10a": "Median time (days) for open CYP referral-spells waiting for a 1st contact at the "
    "end of the RP",
    "MRS10b": "90th percentile time (days) for open CYP referral-spells waiting for a 1st "
    "contact at the end of the RP",
    "MRS11": "Number of CYP referral-spells that started in the RP",
    "MRS12": "Number of CYP referral-spells that closed in the RP",
    "MRS13": "Number of CYP referral-spells that were still open at the end of the RP",
}


def _long_wait_names(family: str, group: str, waiting: str, letters: str) -> dict[str, str]:
    out = {}
    for (count_id, pct_id), weeks in zip(
        ((letters[0], letters[1]), (letters[2], letters[3]), (letters[4], letters[5])),
        (104, 78, 52),
        strict=True,
    ):
        text = f"{group} referral-spells waiting more than {weeks} weeks for {waiting} that were "
        out[f"{family}{count_id}"] = f"Number of {text}still open at the end of the RP"
        out[f"{family}{pct_id}"] = f"Proportion of {text}still open at the end of the RP"
    return out


MHSDS_MEASURES = {
    **MHSDS_MEASURES,
    **_long_wait_names("MRS02", "CMH", "full clock stop", "abcdef"),
    **_long_wait_names("MRS07", "CMH", "a 2nd contact", "abcdef"),
    **_long_wait_names("MRS09", "CYP", "full clock stop", "abcdef"),
    **_long_wait_names("MRS14", "CYP", "a 1st contact", "abcdef"),
}


@dataclass(frozen=True)
class MeasureDef:
    """How one measure is read from the standards' results.

    ``standard`` is the key of the standard, ``column`` the measure column, ``rolling`` whether
    the value is the sum over the three months ending in the month; a proportion has
    ``denominator`` (another measure id) and its numerator in ``column``'s measure.
    """

    id: str
    standard: str
    column: str
    rolling: bool = False
    denominator: str | None = None
    kind: str = "count"  # count, proportion or days


def _flow_standard(key: str, service: str) -> Standard:
    # a clock that never stops: every spell closure is a "removal" and every open spell is on
    # the list, which gives spells closed (MRS05, MRS12) and spells open (MRS06, MRS13)
    return Standard(
        f"mhsds_{key}_spells",
        f"{key} referral spells open and closed",
        StopRule(StopKind.EVENT, event_types=("never_a_clock_stop",)),
        thresholds=(Threshold("4w", 28),),
        services=(service,),
        spell_gap_days=MHSDS_SPELL_GAP,
        source="MHSDS 4w_waits_prep [S32]",
    )


def _standards() -> dict[str, Standard]:
    return {
        "adult_full": get_standard("cmh_adult_4w"),
        "adult_proxy": get_standard("cmh_adult_2nd_contact"),
        "adult_flow": _flow_standard("cmh", "cmh_adult"),
        "cyp_full": get_standard("cmh_cyp_4w"),
        "cyp_proxy": get_standard("cmh_cyp_1st_contact"),
        "cyp_flow": _flow_standard("cyp", "cyp_mh"),
    }


def _family(
    group: str, full_ids: tuple[str, ...], open_id: str, proxy: tuple[str, ...], flows: str
) -> list[MeasureDef]:
    full, proxy_open, proxy_long = full_ids[0], proxy[0], proxy[1]
    started, closed, still_open = flows.split(",")
    out = [
        MeasureDef(full, f"{group}_full", "completed_count", rolling=True),
        MeasureDef(f"{full}a", f"{group}_full", "completed_within_threshold", rolling=True),
        MeasureDef(
            f"{full}b",
            f"{group}_full",
            "completed_within_threshold",
            rolling=True,
            denominator=full,
            kind="proportion",
        ),
        MeasureDef(open_id, f"{group}_full", "open_count"),
        MeasureDef(proxy_open, f"{group}_proxy", "open_count"),
        MeasureDef(
            f"{proxy_open}a",
            f"{group}_proxy",
            "open_median_days",
            denominator=proxy_open,
            kind="days",
        ),
        MeasureDef(
            f"{proxy_open}b", f"{group}_proxy", "open_p90_days", denominator=proxy_open, kind="days"
        ),
        MeasureDef(started, f"{group}_flow", "received_count", rolling=True),
        MeasureDef(closed, f"{group}_flow", "removed_count", rolling=True),
        MeasureDef(still_open, f"{group}_flow", "open_count"),
    ]
    for standard, family, denominator in (
        (f"{group}_full", open_id, open_id),
        (f"{group}_proxy", proxy_long, proxy_open),
    ):
        for letters, weeks in (("ab", 104), ("cd", 78), ("ef", 52)):
            column = f"open_over_{weeks}w"
            out.append(MeasureDef(f"{family}{letters[0]}", standard, column))
            out.append(
                MeasureDef(
                    f"{family}{letters[1]}",
                    standard,
                    column,
                    denominator=denominator,
                    kind="proportion",
                )
            )
    return out


#: Every measure, in the publication's order (by id).
_DEFS: tuple[MeasureDef, ...] = tuple(
    sorted(
        (
            *_family("adult", ("MRS01",), "MRS02", ("MRS03", "MRS07"), "MRS04,MRS05,MRS06"),
            *_family("cyp", ("MRS08",), "MRS09", ("MRS10", "MRS14"), "MRS11,MRS12,MRS13"),
        ),
        key=lambda d: d.id,
    )
)


def _add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def _shown(value: float | None, kind: str, rule: SuppressionRule, numerator: float | None) -> str:
    if kind == "count":
        text = suppress_count(0 if value is None else value, rule)
        return SUPPRESSED if text is None else text
    if value is None:
        return SUPPRESSED if rule is not SuppressionRule.NONE else ""
    if rule is SuppressionRule.NONE:
        return f"{value:g}" if kind == "days" else repr(float(value))
    # a percentile or proportion is withheld when the people behind it are under 5
    kept = suppress_value(value, rule, numerator=numerator, ratio=True)
    if kept.value is None:
        return SUPPRESSED
    return f"{kept.value:g}" if kind == "days" else str(round(kept.value))


def mhsds_measures(
    referrals: Any,
    contacts: Any,
    events: Any = None,
    *,
    start: date | str,
    end: date | str,
    provider: str,
    provider_name: str | None = None,
    mapping: ColumnMapping | str | Path | None = None,
    suppress: SuppressionRule | str = "none",
    engine: str | WaitsEngine = "duckdb",
) -> pl.DataFrame:
    """The MHSDS measures MRS01–MRS14 of ``provider``, month by month, in the published layout.

    One row per month from ``start`` to ``end`` and measure, in the columns of
    :data:`PUBLISHED_COLUMNS`; ``BREAKDOWN`` is ``Provider`` and ``PRIMARY_LEVEL`` the provider
    code.  ``suppress`` takes the values of ``trustboard waits compute --suppress``
    (``none``, ``national``, ``under_five``).  ``MEASURE_VALUE`` is text (``*`` when
    suppressed).  Inputs and ``mapping`` are as :func:`trustboard.waits.compute`.
    """
    rule = SuppressionRule(suppress)
    if not provider.strip():
        raise OptionsError("the provider code is empty", hint="e.g. --provider RT5")
    calendar = month_calendar(start, end)
    first = calendar.period_ends[0].replace(day=1)
    standards = _standards()
    results = compute_results(
        referrals,
        contacts,
        events=events,
        standards=list(standards.values()),
        start=_add_months(first, -2),
        end=calendar.period_ends[-1],
        by=(),
        mapping=mapping,
        engine=engine,
    )
    frames = {key: results[s.id].measures.sort("period_end") for key, s in standards.items()}
    rows: list[dict[str, str]] = []
    for period_end in calendar.period_ends:
        values: dict[str, float | None] = {}
        numerators: dict[str, float | None] = {}
        for spec in _DEFS:
            frame = frames[spec.standard]
            if spec.rolling:
                window = frame.filter(
                    (pl.col("period_end") <= period_end)
                    & (pl.col("period_end") > month_end(_add_months(period_end, -3)))
                )
                value: float | None = float(window[spec.column].sum())
            else:
                found = frame.filter(pl.col("period_end") == period_end)[spec.column]
                value = None if found.is_empty() or found[0] is None else float(found[0])
            numerators[spec.id] = value
            values[spec.id] = value
        for spec in _DEFS:
            if spec.kind == "proportion" and spec.denominator is not None:
                numerator, denominator = numerators[spec.id], values[spec.denominator]
                values[spec.id] = (
                    100.0 * numerator / denominator
                    if numerator is not None and denominator
                    else None
                )
        month_start = period_end.replace(day=1)
        for spec in _DEFS:
            period_start = _add_months(month_start, -2) if spec.rolling else month_start
            rows.append(
                {
                    "REPORTING_PERIOD_START": period_start.isoformat(),
                    "REPORTING_PERIOD_END": period_end.isoformat(),
                    "STATUS": "Performance",
                    "BREAKDOWN": "Provider",
                    "PRIMARY_LEVEL": provider,
                    "PRIMARY_LEVEL_DESCRIPTION": provider_name or provider,
                    "SECONDARY_LEVEL": "NONE",
                    "SECONDARY_LEVEL_DESCRIPTION": "NONE",
                    "MEASURE_ID": spec.id,
                    "MEASURE_NAME": MHSDS_MEASURES[spec.id],
                    "MEASURE_VALUE": _shown(
                        values[spec.id],
                        spec.kind,
                        rule,
                        values[spec.denominator]
                        if spec.kind == "days" and spec.denominator
                        else numerators[spec.id],
                    ),
                }
            )
    return pl.DataFrame(rows, schema={c: pl.String for c in PUBLISHED_COLUMNS})
