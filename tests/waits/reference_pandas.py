"""A straightforward pandas implementation of the waiting-time definitions (domain.md §10.3).

Written from the definitions, not from the engines: per referral it finds the clock stop by
sorting qualifying contacts, then for every month end it filters the open list and sorts the
waits.  Slow but obvious; the engines must equal it on synthetic data.
"""

from __future__ import annotations

import calendar
import math
from datetime import date, timedelta

import pandas as pd

from trustboard.waits.finalise import measure_columns
from trustboard.waits.spec import (
    LONG_WAIT_WEEKS,
    Cohort,
    PercentileMethod,
    Standard,
    band_column,
    percentile,
    percentile_column,
    start_day,
    stop_day,
    threshold_column,
)

__all__ = ["assert_frames_match", "reference_measures", "reference_removals", "referral_outcomes"]


def _month_ends(start: date, end: date) -> list[date]:
    out = []
    y, m = start.year, start.month
    while (y, m) <= (end.year, end.month):
        out.append(date(y, m, calendar.monthrange(y, m)[1]))
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def _percentile(values: list[int], p: float, method: PercentileMethod) -> float | int | None:
    found = percentile(values, p, method)
    if found is None or method is PercentileMethod.LINEAR:
        return found
    return int(found)


def _as_date(value: object) -> date | None:
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NaT:
        return None
    if isinstance(value, pd.Timestamp):
        return value.date()
    return value  # type: ignore[return-value]


def _spells(
    referrals: pd.DataFrame,
    contacts: pd.DataFrame,
    events: pd.DataFrame | None,
    standard: Standard,
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame | None]:
    """Referral spells, one person and service at a time, by walking the referrals in order.

    A referral joins the spell so far when it is received no more than ``gap`` days after the
    spell's latest end (an open referral never ends); the spell keeps its first referral's id
    and values, the earliest received date and the latest closure (none while any is open).
    """
    gap = standard.spell_gap_days or 0
    refs = referrals.copy()
    eligible = ~refs["rejected"].astype(bool) & refs["person_id"].notna()
    if standard.services:
        eligible &= refs["service"].isin(standard.services)
    moved: dict[object, object] = {}
    updates: dict[object, tuple[date, date | None, object]] = {}
    for _, group in refs[eligible].groupby(["person_id", "service"]):
        ordered = sorted(
            group.to_dict("records"), key=lambda r: (_as_date(r["received_date"]), r["referral_id"])
        )
        spells: list[list[dict[str, object]]] = []
        reach: date | None = None
        for rec in ordered:
            received = _as_date(rec["received_date"])
            closed = _as_date(rec.get("closed_date"))
            if spells and (reach is None or received <= reach):
                spells[-1].append(rec)
            else:
                spells.append([rec])
                reach = received  # replaced below
            end = None if closed is None else closed + timedelta(days=gap)
            first_of_spell = len(spells[-1]) == 1
            if first_of_spell:
                reach = end
            elif reach is not None:
                reach = None if end is None else max(reach, end)
        for members in spells:
            if len(members) == 1:
                continue
            head = members[0]["referral_id"]
            closes = [_as_date(m.get("closed_date")) for m in members]
            if any(c is None for c in closes):
                closed, reason = None, None
            else:
                last = max(range(len(members)), key=lambda i: closes[i])
                closed, reason = closes[last], members[last].get("closure_reason")
            updates[head] = (
                min(_as_date(m["received_date"]) for m in members),
                closed,
                reason,
            )
            for m in members[1:]:
                moved[m["referral_id"]] = head
    refs = refs[~refs["referral_id"].isin(list(moved))].copy()
    for head, (received, closed, reason) in updates.items():
        at = refs["referral_id"] == head
        # the frame's date columns are datetime64 (from Arrow): store timestamps
        refs.loc[at, "received_date"] = pd.Timestamp(received)
        refs.loc[at, "closed_date"] = pd.NaT if closed is None else pd.Timestamp(closed)
        refs.loc[at, "closure_reason"] = reason
    contacts = contacts.assign(referral_id=contacts["referral_id"].map(lambda r: moved.get(r, r)))
    if events is not None:
        events = events.assign(referral_id=events["referral_id"].map(lambda r: moved.get(r, r)))
    return refs, contacts, events


def referral_outcomes(
    referrals: pd.DataFrame,
    contacts: pd.DataFrame,
    standard: Standard,
    events: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """One row per in-scope referral: start, stop, removal and course-finished dates."""
    if standard.spell_gap_days is not None:
        referrals, contacts, events = _spells(referrals, contacts, events, standard)
    refs = referrals[~referrals["rejected"].astype(bool)]
    if standard.services:
        refs = refs[refs["service"].isin(standard.services)]
    rule = standard.stop
    epoch = date(1970, 1, 1)
    qualifying: dict[object, list[date]] = {}
    # first-appointment DNA restart: days of attended and of missed appointments
    appointments: dict[object, tuple[list[int], list[int]]] = {}
    if rule.dna_restart_codes:
        for rid, d, att in zip(
            contacts["referral_id"],
            contacts["contact_date"],
            contacts["attendance_code"],
            strict=True,
        ):
            day = (_as_date(d) - date(1970, 1, 1)).days
            seen, missed = appointments.setdefault(rid, ([], []))
            if att in rule.attendance_codes:
                seen.append(day)
            elif att in rule.dna_restart_codes:
                missed.append(day)
    if rule.uses_contacts:
        for rid, d, att, mech, act in zip(
            contacts["referral_id"],
            contacts["contact_date"],
            contacts["attendance_code"],
            contacts["mechanism"],
            contacts["activity_type"],
            strict=True,
        ):
            if rule.contact_qualifies(*(None if pd.isna(v) else v for v in (att, mech, act))):
                qualifying.setdefault(rid, []).append(_as_date(d))
    event_days: dict[object, dict[str, list[int]]] = {}
    if events is not None:
        for rid, kind, d in zip(
            events["referral_id"], events["event_type"], events["event_date"], strict=True
        ):
            day = (_as_date(d) - epoch).days
            event_days.setdefault(rid, {}).setdefault(kind, []).append(day)
    rows = []
    for rec in refs.to_dict("records"):
        rid = rec["referral_id"]
        start = _as_date(rec["received_date"])
        closed = _as_date(rec.get("closed_date"))
        dates = sorted(qualifying.get(rid, []))
        found = stop_day(
            rule,
            (start - epoch).days,
            [(d - epoch).days for d in dates],
            event_days.get(rid, {}),
        )
        seen, missed = appointments.get(rid, ([], []))
        clock = epoch + timedelta(
            days=start_day(
                rule,
                (start - epoch).days,
                seen,
                missed,
                found,
                None if closed is None else (closed - epoch).days,
            )
        )
        stop = None if found is None else epoch + timedelta(days=found)
        if stop is not None and closed is not None and stop > closed:
            stop = None
        removal = closed if stop is None and closed is not None else None
        course = None
        if (
            standard.cohort is Cohort.FINISHED_COURSE
            and stop is not None
            and closed is not None
            and len(dates) >= standard.course_min_contacts
            and dates[standard.course_min_contacts - 1] <= closed
        ):
            course = closed
        row = {
            k: rec.get(k)
            for k in (
                "service",
                "team",
                "priority",
                "age_band",
                "sex",
                "ethnic_group",
                "imd_quintile",
            )
        }
        row.update(
            start=start,
            clock=clock,
            stop=stop,
            removal=removal,
            course=course,
            reason=rec.get("closure_reason"),
        )
        rows.append(row)
    return pd.DataFrame(rows)


def _same_month(a: date | None, s: date) -> bool:
    return a is not None and (a.year, a.month) == (s.year, s.month)


def reference_measures(
    referrals: pd.DataFrame,
    contacts: pd.DataFrame,
    standard: Standard,
    start: date,
    end: date,
    by: tuple[str, ...] = ("service",),
    events: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """The measures frame, computed the slow and obvious way."""
    out = referral_outcomes(referrals, contacts, standard, events)
    if out.empty:
        return pd.DataFrame(columns=["period_end", *by, *measure_columns(standard)])
    records = []
    groups = sorted(
        {tuple(r) for r in out[list(by)].itertuples(index=False)},
        key=lambda t: tuple((v is None, v or "") for v in t),
    )
    for s in _month_ends(start, end):
        for g in groups:
            mask = pd.Series(True, index=out.index)
            for col, val in zip(by, g, strict=True):
                mask &= out[col].isna() if val is None else out[col] == val
            sub = out[mask]
            rec: dict[str, object] = {"period_end": s, **dict(zip(by, g, strict=True))}
            open_rows = [
                (r.priority, (s - r.clock).days)
                for r in sub.itertuples()
                if r.clock <= s
                and (r.stop is None or r.stop > s)
                and (r.removal is None or r.removal > s)
            ]
            waits = [w for _, w in open_rows]
            if standard.cohort is Cohort.FINISHED_COURSE:
                done = [
                    (r.priority, (r.stop - r.clock).days)
                    for r in sub.itertuples()
                    if _same_month(r.course, s)
                ]
            else:
                done = [
                    (r.priority, (r.stop - r.clock).days)
                    for r in sub.itertuples()
                    if _same_month(r.stop, s)
                ]
            rec["received_count"] = sum(_same_month(r.start, s) for r in sub.itertuples())
            rec["open_count"] = len(waits)
            for p in standard.percentiles:
                method = standard.percentile_method
                rec[percentile_column(p, "open")] = _percentile(waits, p, method)
                done_waits = [w for _, w in done]
                rec[percentile_column(p, "completed")] = _percentile(done_waits, p, method)
            for weeks in LONG_WAIT_WEEKS:
                rec[f"open_over_{weeks}w"] = sum(w > 7 * weeks for w in waits)
            for band in standard.bands:
                rec[band_column(band)] = sum(band.contains(w) for w in waits)

            def within(rows: list[tuple[object, int]]) -> int:
                total = 0
                for prio, w in rows:
                    t = standard.headline_threshold(prio)
                    total += t is not None and w <= t.days
                return total

            rec["open_within_threshold"] = within(open_rows)
            rec["open_within_threshold_pct"] = (
                100.0 * rec["open_within_threshold"] / len(open_rows) if open_rows else None
            )
            rec["completed_count"] = len(done)
            rec["completed_within_threshold"] = within(done)
            rec["completed_within_threshold_pct"] = (
                100.0 * rec["completed_within_threshold"] / len(done) if done else None
            )
            for t in standard.thresholds:
                tok = threshold_column(t)
                for prefix, rows in (("open", open_rows), ("completed", done)):
                    applicable = [w for prio, w in rows if t.applies_to(prio)]
                    rec[f"{prefix}_{tok}_count"] = len(applicable)
                    rec[f"{prefix}_within_{tok}"] = sum(w <= t.days for w in applicable)
                    rec[f"{prefix}_within_{tok}_pct"] = (
                        100.0 * rec[f"{prefix}_within_{tok}"] / len(applicable)
                        if applicable
                        else None
                    )
            rec["clock_stop_count"] = sum(_same_month(r.stop, s) for r in sub.itertuples())
            rec["removed_count"] = sum(_same_month(r.removal, s) for r in sub.itertuples())
            records.append(rec)
    frame = pd.DataFrame(records)
    return frame[["period_end", *by, *measure_columns(standard)]]


def reference_removals(
    referrals: pd.DataFrame,
    contacts: pd.DataFrame,
    standard: Standard,
    start: date,
    end: date,
    by: tuple[str, ...] = ("service",),
    events: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Removals without a clock stop per month end, group and closure reason."""
    out = referral_outcomes(referrals, contacts, standard, events)
    ends = _month_ends(start, end)
    rows = []
    for r in out.itertuples():
        for s in ends:
            if _same_month(r.removal, s):
                rows.append(
                    {"period_end": s, **{c: getattr(r, c) for c in by}, "closure_reason": r.reason}
                )
    if not rows:
        return pd.DataFrame(columns=["period_end", *by, "closure_reason", "removed_count"])
    frame = pd.DataFrame(rows)
    return (
        frame.groupby(["period_end", *by, "closure_reason"], dropna=False)
        .size()
        .rename("removed_count")
        .reset_index()
    )


def _plain(value: object) -> object:
    if value is None:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if value is pd.NaT:
        return None
    if isinstance(value, pd.Timestamp):
        return value.date()
    if hasattr(value, "item"):
        return value.item()
    return value


def assert_frames_match(actual: object, expected: pd.DataFrame) -> None:
    """Assert an engine's Polars frame equals the reference frame, row by row."""
    got = [{k: _plain(v) for k, v in r.items()} for r in actual.to_dicts()]  # type: ignore[attr-defined]
    want = [{k: _plain(v) for k, v in r.items()} for r in expected.to_dict("records")]
    assert list(actual.columns) == list(expected.columns)  # type: ignore[attr-defined]
    assert len(got) == len(want)
    for g, w in zip(got, want, strict=True):
        for column, value in w.items():
            if column.endswith("_pct") and value is not None and g[column] is not None:
                assert abs(g[column] - value) < 1e-9, (column, g, w)
            else:
                assert g[column] == value, (column, g[column], value, g)
