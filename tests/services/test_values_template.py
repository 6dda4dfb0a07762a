"""``trustboard template values``: a forum's metrics and org units for a period, filled in and
imported with ``trustboard import values`` unchanged but for the figures typed in.

The store holds the board-pack tests' six metrics and February 2025 figures written out below;
RES01 has a numerator and a denominator, SAF11 is also reported for the MH directorate.  The
Board receives every metric: six metric rows, seven with SAF11's MH row.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import polars as pl
import pytest

from pack.conftest import FORUMS, UNITS, catalogue
from trustboard.domain.period import month_end
from trustboard.errors import DataValidationError, ErrorCode, NotFoundError, OptionsError
from trustboard.services.imports import import_values
from trustboard.services.values_template import (
    template_bytes,
    values_template,
    write_values_template,
)
from trustboard.store import Store

FEB = date(2025, 2, 1)
TODAY = date(2025, 4, 30)
#: February's figures: (metric, org unit, numerator, denominator, value)
FEBRUARY = [
    ("RES01", "RXX", 41.0, 50.0, 0.82),
    ("SAF11", "RXX", None, None, 5.2),
    ("SAF11", "MH", None, None, 4.0),
    ("SAF12", "RXX", None, None, 3.0),
    ("WEL04", "RXX", None, None, 0.041),
    ("WEL03", "RXX", None, None, 0.09),
    ("WEL01", "RXX", None, None, 0.05),
]
#: March's figures typed into the template, by (metric, org unit, field)
MARCH = {
    ("RES01", "RXX", "numerator"): 45.0,
    ("RES01", "RXX", "denominator"): 60.0,
    ("SAF11", "RXX", "value"): 5.5,
    ("SAF11", "MH", "value"): 4.5,
    ("SAF12", "RXX", "value"): 2.0,
    ("WEL04", "RXX", "value"): 0.04,
    ("WEL03", "RXX", "value"): 0.085,
    ("WEL01", "RXX", "value"): 0.052,
}


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    found, _before, _after = Store.init(f"sqlite:///{tmp_path / 't.db'}", actor="test")
    found.upsert_catalogue(catalogue(), UNITS, FORUMS, effective=date(2020, 1, 1), source="t")
    found.write_values(
        pl.DataFrame(
            [
                {
                    "metric_id": m,
                    "period_start": FEB,
                    "period_end": month_end(FEB),
                    "org_unit": u,
                    "numerator": n,
                    "denominator": d,
                    "value": v,
                    "provisional": False,
                    "source_file": "feb.csv",
                    "source_hash": "x",
                }
                for m, u, n, d, v in FEBRUARY
            ]
        )
    )
    yield found
    found.close()


def _url(store: Store) -> str:
    return store.engine.url.render_as_string(hide_password=False)


def _march(store: Store) -> dict[tuple[str, str], tuple[float | None, float | None, float]]:
    frame = store.values(start=date(2025, 3, 1), end=date(2025, 3, 1))
    return {
        (r["metric_id"], r["org_unit"]): (r["numerator"], r["denominator"], r["value"])
        for r in frame.iter_rows(named=True)
    }


def test_the_long_template_lists_each_metric_and_unit_with_last_month(store: Store) -> None:
    template = values_template(store, "board", "2025-03", "long")
    rows = list(csv.DictReader(io.StringIO(template_bytes(template, "csv").decode())))
    assert [(r["metric_id"], r["org_unit"]) for r in rows] == [
        ("RES01", "RXX"),
        ("SAF11", "RXX"),
        ("SAF11", "MH"),
        ("SAF12", "RXX"),
        ("WEL01", "RXX"),
        ("WEL03", "RXX"),
        ("WEL04", "RXX"),
    ]
    assert {r["period"] for r in rows} == {"2025-03"}
    assert all(r["value"] == r["numerator"] == r["provisional"] == "" for r in rows)
    res = rows[0]
    assert (res["# last period"], res["# last numerator"], res["# last denominator"]) == (
        "2025-02",
        "41",
        "50",
    )
    assert res["# last value"] == "0.82"
    assert rows[2]["# last value"] == "4"  # SAF11 at MH


def test_a_public_forum_s_template_leaves_out_private_metrics(store: Store) -> None:
    template = values_template(store, "public-board", "2025-03", "long")
    assert "WEL01" not in {row[0] for row in template.rows}
    assert len(template.rows) == 6


def test_the_long_template_filled_in_imports_and_empty_is_refused(
    store: Store, tmp_path: Path
) -> None:
    path = tmp_path / "march.csv"
    write_values_template(store, "board", "2025-03", "long", "csv", path)
    before = store.values_count()
    with pytest.raises(DataValidationError) as caught:
        import_values([path], database=_url(store), today=TODAY)
    # every row is reported as having no figure, none loaded
    empty = [p for p in caught.value.problems if p.code == ErrorCode.V_EMPTY]
    assert len(empty) == 7 and {p.row for p in empty} == set(range(2, 9))
    assert all("no value, numerator or denominator" in p.message for p in empty)
    assert store.values_count() == before

    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        header, rows = reader.fieldnames, list(reader)
    assert header is not None
    for row in rows:
        for name in ("numerator", "denominator", "value"):
            typed = MARCH.get((row["metric_id"], row["org_unit"], name))
            if typed is not None:
                row[name] = str(typed)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, header, lineterminator="\r\n")
        writer.writeheader()
        writer.writerows(rows)
    import_values([path], database=_url(store), today=TODAY)
    march = _march(store)
    numerator, denominator, value = march[("RES01", "RXX")]
    assert (numerator, denominator) == (45.0, 60.0)
    assert value == pytest.approx(0.75)  # worked out: 45 / 60
    assert march[("SAF11", "MH")][2] == 4.5
    assert len(march) == 7
    assert store.values_count() == before + 7


def _fill_xlsx(path: Path, cells: dict[str, float]) -> None:
    """Type numbers into the blank cells of the template's first sheet (as Excel would)."""
    with zipfile.ZipFile(path) as book:
        parts = {name: book.read(name) for name in book.namelist()}
    sheet = parts["xl/worksheets/sheet1.xml"].decode()
    for ref, number in cells.items():
        sheet, found = re.subn(
            rf'<c r="{ref}" s="(\d+)"/>', rf'<c r="{ref}" s="\1"><v>{number}</v></c>', sheet
        )
        assert found == 1, ref
    parts["xl/worksheets/sheet1.xml"] = sheet.encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as book:
        for name, data in parts.items():
            book.writestr(name, data)


def test_the_wide_excel_template_filled_in_imports_and_empty_is_refused(
    store: Store, tmp_path: Path
) -> None:
    path = tmp_path / "march.xlsx"
    template = write_values_template(store, "board", "2025-03", "wide", "xlsx", path)
    # RES01 has two rows (numerator, denominator); the last-period column, then March
    assert template.header == (
        "metric_id",
        "metric_name",
        "org_unit",
        "measure",
        "# Feb 2025 (last period)",
        "2025-03",
    )
    keys = [(str(r[0]), str(r[2]), str(r[3])) for r in template.rows]
    assert keys == [
        ("RES01", "RXX", "numerator"),
        ("RES01", "RXX", "denominator"),
        ("SAF11", "RXX", "value"),
        ("SAF11", "MH", "value"),
        ("SAF12", "RXX", "value"),
        ("WEL01", "RXX", "value"),
        ("WEL03", "RXX", "value"),
        ("WEL04", "RXX", "value"),
    ]
    assert [r[4] for r in template.rows[:3]] == [41.0, 50.0, 5.2]
    before = store.values_count()
    with pytest.raises(DataValidationError) as caught:
        import_values([path], database=_url(store), today=TODAY)
    assert [p.code for p in caught.value.problems] == [ErrorCode.V_EMPTY]
    assert "no rows" in caught.value.problems[0].message
    assert store.values_count() == before

    # column F holds March; Excel's rows 2 to 9 hold the eight rows above
    _fill_xlsx(path, {f"F{i + 2}": MARCH[key] for i, key in enumerate(keys)})
    import_values([path], database=_url(store), today=TODAY)
    march = _march(store)
    numerator, denominator, value = march[("RES01", "RXX")]
    assert (numerator, denominator) == (45.0, 60.0)
    assert value == pytest.approx(0.75)  # worked out: 45 / 60
    assert march[("WEL03", "RXX")][2] == 0.085
    assert len(march) == 7


def test_a_partly_filled_wide_csv_loads_only_the_figures_given(
    store: Store, tmp_path: Path
) -> None:
    path = tmp_path / "march.csv"
    write_values_template(store, "board", "2025-03", "wide", "csv", path)
    lines = path.read_text(encoding="utf-8").splitlines()
    # the header, RES01's two rows, SAF11's two, then SAF12: type 2 into March, the last column
    assert lines[5].startswith("SAF12,")
    lines[5] = lines[5] + "2"
    path.write_text("\r\n".join(lines) + "\r\n", encoding="utf-8")
    import_values([path], database=_url(store), today=TODAY)
    assert _march(store) == {("SAF12", "RXX"): (None, None, 2.0)}


def test_bad_choices_are_refused(store: Store, tmp_path: Path) -> None:
    with pytest.raises(OptionsError, match="--layout must be one of long, wide"):
        values_template(store, "board", "2025-03", "tall")
    with pytest.raises(OptionsError, match=r"does not end in \.xlsx"):
        write_values_template(store, "board", "2025-03", "long", "xlsx", tmp_path / "v.csv")
    with pytest.raises(OptionsError, match="--format must be one of csv, xlsx"):
        write_values_template(store, "board", "2025-03", "long", "ods", tmp_path / "v.ods")
    with pytest.raises(NotFoundError, match="forum 'nope'"):
        values_template(store, "nope", "2025-03", "long")
    assert not list(tmp_path.glob("v.*"))
