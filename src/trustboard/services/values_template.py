"""A values file to fill in for a forum and period: ``trustboard template values``.

The template lists the forum's metrics (those its pack shows) and, for each, the org units it
has been reported for in the year before the period (the trust when none), in the long or
the wide layout of ``docs/imports.md``, as CSV or Excel.  The period's figures are left blank
for the analyst; last period's figures are given beside them in columns whose header starts
with ``#``, which ``trustboard import values`` never reads.  Filled in, the file imports as it
is; imported unfilled, it is refused (nothing to load), never taken as an empty success.

* **long**: one row per metric and org unit, with ``metric_id``, ``metric_name``,
  ``org_unit``, ``period`` (filled), ``numerator``, ``denominator``, ``value`` and
  ``provisional`` (blank), then ``# last period``, ``# last numerator``,
  ``# last denominator`` and ``# last value``.  A row left blank is reported
  (``TB-V-EMPTY``): delete the rows whose figures are not yet known.
* **wide**: one row per metric, org unit and measure (``numerator`` and ``denominator`` for a
  metric with both, ``value`` otherwise), a ``# <last period>`` column and a blank column
  headed by the period; blank cells are skipped, so a partly filled sheet imports the figures
  given.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum
from pathlib import Path

from trustboard.domain import MetricDefinition, OrgLevel, Period
from trustboard.errors import NotFoundError, OptionsError
from trustboard.ingest.files import write_atomic
from trustboard.store import Store

__all__ = [
    "TemplateFormat",
    "TemplateLayout",
    "ValuesTemplate",
    "template_bytes",
    "values_template",
    "write_values_template",
]

#: How far back the org units a metric is reported for are looked for.
_UNITS_WINDOW_DAYS = 400
_MEDIA = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


class TemplateLayout(StrEnum):
    """The values layouts of ``docs/imports.md``."""

    LONG = "long"
    WIDE = "wide"


class TemplateFormat(StrEnum):
    """The file formats a template is written in."""

    CSV = "csv"
    XLSX = "xlsx"

    @property
    def media_type(self) -> str:
        """The MIME type of a download."""
        return _MEDIA[self.value]


@dataclass(frozen=True)
class ValuesTemplate:
    """A template's header and rows (cells are text, numbers or None for blank)."""

    forum: str
    period: Period
    layout: TemplateLayout
    header: tuple[str, ...]
    rows: tuple[tuple[str | float | None, ...], ...]
    #: the header of each column the importer does not read (last period's figures)
    reference_columns: frozenset[str]

    @property
    def file_name(self) -> str:
        """A name for the file: ``values-<forum>-<period>-<layout>``."""
        return f"values-{self.forum}-{self.period.label().replace(' ', '-')}-{self.layout.value}"


def _choice(enum: type[StrEnum], text: str, option: str) -> StrEnum:
    try:
        return enum(text.strip().lower())
    except ValueError:
        raise OptionsError(
            f"{option} must be one of {', '.join(e.value for e in enum)}; got '{text}'"
        ) from None


def _ratio(metric: MetricDefinition) -> bool:
    return bool(metric.numerator and metric.denominator)


def _figure(value: object) -> float | None:
    return None if value is None else float(value)  # type: ignore[arg-type]


def values_template(
    store: Store, forum_id: str, period: str | Period, layout: str | TemplateLayout
) -> ValuesTemplate:
    """The template of ``forum_id``'s metrics for ``period`` in ``layout`` (long or wide)."""
    chosen = TemplateLayout(_choice(TemplateLayout, str(layout), "--layout"))
    when = Period.parse(period) if isinstance(period, str) else period
    forums = {f.id: f for f in store.forums()}
    if forum_id not in forums:
        raise NotFoundError(
            f"forum '{forum_id}' is not in the store",
            hint="known forums: " + (", ".join(sorted(forums)) or "none (load a catalogue first)"),
        )
    forum = forums[forum_id]
    metrics = sorted(
        (
            m
            for m in store.metrics()
            if forum.receives(m.id, m.lead_committees) and not (forum.public and m.private)
        ),
        key=lambda m: m.id,
    )
    if not metrics:
        raise NotFoundError(
            f"forum '{forum_id}' receives no metrics, so there is nothing to fill in",
            hint="load a catalogue whose metrics name the forum's committees",
        )
    units = store.org_units()
    order = {u.code: i for i, u in enumerate(units)}
    trust = next((u.code for u in units if u.level is OrgLevel.TRUST), None)
    ids = [m.id for m in metrics]
    recent = store.values(
        ids,
        start=when.start - timedelta(days=_UNITS_WINDOW_DAYS),
        end=when.start,
        columns=["metric_id", "org_unit", "period_start", "numerator", "denominator", "value"],
    )
    reported: dict[str, set[str]] = {}
    for metric_id, unit in recent.select("metric_id", "org_unit").unique().iter_rows():
        if unit in order:
            reported.setdefault(metric_id, set()).add(unit)
    own = {m.id: Period.containing(when.start, m.frequency) for m in metrics}
    last: dict[tuple[str, str], dict[str, object]] = {}
    for row in recent.iter_rows(named=True):
        previous = own[row["metric_id"]].previous()
        if row["period_start"] == previous.start:
            last[(row["metric_id"], row["org_unit"])] = row
    pairs: list[tuple[MetricDefinition, str]] = []
    for metric in metrics:
        chosen_units = reported.get(metric.id) or ({trust} if trust else set())
        pairs += [(metric, u) for u in sorted(chosen_units, key=lambda c: (order.get(c, 0), c))]
    header: tuple[str, ...]
    if chosen is TemplateLayout.LONG:
        header = (
            "metric_id",
            "metric_name",
            "org_unit",
            "period",
            "numerator",
            "denominator",
            "value",
            "provisional",
            "# last period",
            "# last numerator",
            "# last denominator",
            "# last value",
        )
        rows: list[tuple[str | float | None, ...]] = []
        for metric, unit in pairs:
            before = last.get((metric.id, unit), {})
            rows.append(
                (
                    metric.id,
                    metric.name,
                    unit,
                    own[metric.id].label(),
                    None,
                    None,
                    None,
                    None,
                    own[metric.id].previous().label(),
                    _figure(before.get("numerator")),
                    _figure(before.get("denominator")),
                    _figure(before.get("value")),
                )
            )
        reference = frozenset(h for h in header if h.startswith("#"))
        return ValuesTemplate(forum_id, when, chosen, header, tuple(rows), reference)
    # wide: one column per period the metrics report (one, unless frequencies differ)
    periods = sorted({own[m.id] for m, _ in pairs}, key=lambda p: (p.start, p.frequency.value))
    previous_columns = [f"# {p.previous().display()} (last period)" for p in periods]
    header = (
        "metric_id",
        "metric_name",
        "org_unit",
        "measure",
        *previous_columns,
        *(p.label() for p in periods),
    )
    rows = []
    for metric, unit in pairs:
        before = last.get((metric.id, unit), {})
        measures = ("numerator", "denominator") if _ratio(metric) else ("value",)
        for measure in measures:
            earlier: list[float | None] = [
                _figure(before.get(measure)) if p == own[metric.id] else None for p in periods
            ]
            rows.append((metric.id, metric.name, unit, measure, *earlier, *(None for _ in periods)))
    return ValuesTemplate(forum_id, when, chosen, header, tuple(rows), frozenset(previous_columns))


def _csv_bytes(template: ValuesTemplate) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(template.header)
    for row in template.rows:
        writer.writerow(["" if cell is None else _csv_cell(cell) for cell in row])
    return buffer.getvalue().encode("utf-8")


def _csv_cell(cell: str | float) -> str:
    if isinstance(cell, float):
        return repr(int(cell)) if cell.is_integer() else repr(cell)
    return cell


def _xlsx_bytes(template: ValuesTemplate) -> bytes:
    import xlsxwriter

    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = workbook.add_worksheet("Values")
    heading = workbook.add_format({"bold": True, "bottom": 1})
    reference = workbook.add_format(
        {"italic": True, "font_color": "#505a5f", "bg_color": "#f3f2f1"}
    )
    reference_heading = workbook.add_format(
        {"bold": True, "italic": True, "bottom": 1, "bg_color": "#f3f2f1"}
    )
    blank = workbook.add_format({"bg_color": "#fff7bf", "border": 1, "border_color": "#b1b4b6"})
    for column, name in enumerate(template.header):
        is_reference = name in template.reference_columns
        sheet.write_string(0, column, name, reference_heading if is_reference else heading)
        sheet.set_column(column, column, max(12, min(48, len(name) + 2)))
    fill = _fill_columns(template)
    for r, row in enumerate(template.rows, start=1):
        for column, cell in enumerate(row):
            name = template.header[column]
            style = reference if name in template.reference_columns else None
            if cell is None:
                if column in fill:
                    sheet.write_blank(r, column, None, blank)
                continue
            if isinstance(cell, float):
                sheet.write_number(r, column, cell, style)
            else:
                sheet.write_string(r, column, cell, style)
    sheet.freeze_panes(1, 0)
    workbook.close()
    return buffer.getvalue()


def _fill_columns(template: ValuesTemplate) -> set[int]:
    """The columns an analyst fills in (the period's figures)."""
    if template.layout is TemplateLayout.LONG:
        names: Sequence[str] = ("numerator", "denominator", "value", "provisional")
        return {template.header.index(n) for n in names}
    return {
        i
        for i, name in enumerate(template.header)
        if i >= 4 and name not in template.reference_columns
    }


def template_bytes(template: ValuesTemplate, fmt: str | TemplateFormat) -> bytes:
    """The template written as a CSV or an Excel file."""
    chosen = TemplateFormat(_choice(TemplateFormat, str(fmt), "--format"))
    return _csv_bytes(template) if chosen is TemplateFormat.CSV else _xlsx_bytes(template)


def write_values_template(
    store: Store,
    forum_id: str,
    period: str,
    layout: str,
    fmt: str,
    output: str | Path,
) -> ValuesTemplate:
    """Write the template of ``forum_id`` for ``period`` to ``output`` (whole or not at all)."""
    chosen = TemplateFormat(_choice(TemplateFormat, fmt, "--format"))
    path = Path(output)
    if path.suffix.lower() != f".{chosen.value}":
        raise OptionsError(
            f"the output file '{path}' does not end in .{chosen.value}",
            hint=f"name it, for example, values.{chosen.value}, or choose --format "
            f"{'xlsx' if chosen is TemplateFormat.CSV else 'csv'}",
        )
    template = values_template(store, forum_id, period, layout)
    write_atomic(path, template_bytes(template, chosen))
    return template
