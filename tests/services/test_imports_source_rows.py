"""An import records with each revision the sheet and row it was read from, as a person sees
them on opening the file (the header is row 1, so in a CSV file the row is the line number).

The expected rows are counted by hand from how each file is laid out below.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
import xlsxwriter

from trustboard.services.catalogue import load_catalogue
from trustboard.services.imports import import_values
from trustboard.store import VALUE_FRAME_SCHEMA, Store

CATALOGUE = Path(__file__).parents[1] / "fixtures" / "store" / "catalogue"
TODAY = date(2025, 6, 30)
COLUMNS = [*VALUE_FRAME_SCHEMA, "source_sheet", "source_row"]
WARDS = "Ward's figures, Q1"
HEADER = ["metric_id", "period", "org_unit", "value"]


@pytest.fixture
def loaded(store_url: str) -> str:
    """A store with the fixture catalogue loaded and nothing else."""
    Store.init(store_url)[0].close()
    load_catalogue(CATALOGUE, database=store_url, effective=date(2022, 4, 1))
    return store_url


def _workbook(path: Path) -> Path:
    book = xlsxwriter.Workbook(str(path))
    notes = book.add_worksheet("Notes")  # left out of a values import
    notes.write(0, 0, "Never events, April and May 2024")
    wards = book.add_worksheet(WARDS)
    # Excel rows 1 and 2 empty; the header on row 3; figures on rows 4, 5 and (after an empty
    # row 6) 7.  xlsxwriter counts rows from 0.
    wards.write_row(2, 0, HEADER)
    wards.write_row(3, 0, ["SAF04", "2024-04", "MH-ACUTE-W1", 0])
    wards.write_row(4, 0, ["SAF04", "2024-04", "MH-ACUTE-W2", 1])
    wards.write_row(6, 0, ["SAF04", "2024-05", "MH-ACUTE-W1", 2])
    community = book.add_worksheet("Community")
    # the header on row 1, the figure on row 2
    community.write_row(0, 0, HEADER)
    community.write_row(1, 0, ["SAF04", "2024-04", "MH-CMHT-N", 3])
    book.close()
    return path


def _sources(url: str) -> dict[tuple[str, str, int], tuple[str | None, int | None, str]]:
    """(org unit, month, revision) → (sheet, row, source file name) of every stored revision."""
    with Store.open(url) as store:
        history = store.values(["SAF04"], history=True, columns=COLUMNS)
    return {
        (r["org_unit"], f"{r['period_start']:%Y-%m}", r["revision"]): (
            r["source_sheet"],
            r["source_row"],
            Path(r["source_file"]).name,
        )
        for r in history.iter_rows(named=True)
    }


def test_each_revision_records_the_sheet_and_row_it_was_read_from(
    loaded: str, tmp_path: Path
) -> None:
    book = _workbook(tmp_path / "never-events.xlsx")
    first = import_values([book], database=loaded, today=TODAY)
    assert first.summary.inserted == 4
    assert _sources(loaded) == {
        ("MH-ACUTE-W1", "2024-04", 1): (WARDS, 4, "never-events.xlsx"),
        ("MH-ACUTE-W2", "2024-04", 1): (WARDS, 5, "never-events.xlsx"),
        ("MH-ACUTE-W1", "2024-05", 1): (WARDS, 7, "never-events.xlsx"),
        ("MH-CMHT-N", "2024-04", 1): ("Community", 2, "never-events.xlsx"),
    }
    # a later file: line 2 repeats a figure (no new revision, so it keeps the workbook's sheet
    # and row), line 3 revises one, line 4 is a value not stored before
    resubmitted = tmp_path / "resubmitted.csv"
    lines = [
        ",".join(HEADER),
        "SAF04,2024-04,MH-ACUTE-W1,0",
        "SAF04,2024-05,MH-ACUTE-W1,5",
        "SAF04,2024-05,MH-ACUTE-W2,1",
    ]
    resubmitted.write_text("\n".join(lines) + "\n")
    second = import_values([resubmitted], database=loaded, today=TODAY)
    assert (second.summary.inserted, second.summary.revised, second.summary.unchanged) == (
        1,
        1,
        1,
    )
    assert _sources(loaded) == {
        ("MH-ACUTE-W1", "2024-04", 1): (WARDS, 4, "never-events.xlsx"),
        ("MH-ACUTE-W2", "2024-04", 1): (WARDS, 5, "never-events.xlsx"),
        ("MH-ACUTE-W1", "2024-05", 1): (WARDS, 7, "never-events.xlsx"),
        ("MH-ACUTE-W1", "2024-05", 2): (None, 3, "resubmitted.csv"),
        ("MH-ACUTE-W2", "2024-05", 1): (None, 4, "resubmitted.csv"),
        ("MH-CMHT-N", "2024-04", 1): ("Community", 2, "never-events.xlsx"),
    }


def test_csv_rows_are_line_numbers_after_blank_lines(loaded: str, tmp_path: Path) -> None:
    path = tmp_path / "spaced.csv"
    # line 1 the header, line 2 empty, lines 3 and 4 figures
    path.write_text(",".join(HEADER) + "\n\nSAF04,2024-04,TRUST,1\nSAF04,2024-05,TRUST,2\n")
    import_values([path], database=loaded, today=TODAY)
    assert _sources(loaded) == {
        ("TRUST", "2024-04", 1): (None, 3, "spaced.csv"),
        ("TRUST", "2024-05", 1): (None, 4, "spaced.csv"),
    }
