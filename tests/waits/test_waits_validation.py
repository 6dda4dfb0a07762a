"""Bad input gives one DataValidationError listing every problem, with where it is."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import polars as pl
import pytest
from waits_helpers import contacts_frame, referrals_frame, run

from trustboard import waits
from trustboard.errors import DataValidationError, OptionsError, exit_code_for


def _codes(error: DataValidationError) -> list[str]:
    return [p.code for p in error.problems]


def test_missing_columns_are_all_reported(tmp_path: Path) -> None:
    refs = pl.DataFrame({"referral_id": [1], "service": ["cmh_adult"]})  # no received date
    cons = pl.DataFrame({"referral_id": [1], "contact_date": [date(2024, 1, 1)]})  # no attendance
    with pytest.raises(DataValidationError) as caught:
        waits.compute(refs, cons, standard="cmh_adult_2nd_contact", start="2024-01", end="2024-01")
    columns = sorted(p.column for p in caught.value.problems)
    assert columns == ["attendance_code", "received_date"]
    assert set(_codes(caught.value)) == {"TB-WAITS-MISSING-COLUMN"}
    assert exit_code_for(caught.value) == 3


def test_csv_problems_name_file_row_column_and_value(tmp_path: Path) -> None:
    referrals = tmp_path / "referrals.csv"
    referrals.write_text(
        "referral_id,service,received_date,closed_date,rejected\n"
        "1,cmh_adult,2024-01-05,,N\n"
        "2,cmh_adult,2024-13-40,,N\n"  # row 3: date does not parse
        "3,cmh_adult,05/01/2024,2024-01-01,maybe\n"  # row 4: closed before received; bad flag
        "3,cmh_adult,2024-01-07,,N\n"  # duplicate id 3
    )
    contacts = tmp_path / "contacts.csv"
    contacts.write_text(
        "referral_id,contact_date,attendance_code,mechanism\n"
        "1,2024-01-06,5,1\n"
        "9,2024-01-06,5,01\n"  # row 3: unknown referral
        "1,2024-01-01,5,01\n"  # row 4: before the referral
        "1,not a date,5,01\n"  # row 5: bad date
    )
    with pytest.raises(DataValidationError) as caught:
        waits.compute(
            referrals, contacts, standard="cmh_adult_2nd_contact", start="2024-01", end="2024-01"
        )
    found = {
        (p.code, Path(p.file).name if p.file else None, p.row, p.column)
        for p in caught.value.problems
    }
    assert ("TB-WAITS-BAD-DATE", "referrals.csv", 3, "received_date") in found
    assert ("TB-WAITS-CLOSED-BEFORE-RECEIVED", "referrals.csv", 4, "closed_date") in found
    assert ("TB-WAITS-BAD-FLAG", "referrals.csv", 4, "rejected") in found
    assert ("TB-WAITS-DUPLICATE-REFERRAL", "referrals.csv", None, "referral_id") in found
    assert ("TB-WAITS-UNKNOWN-REFERRAL", "contacts.csv", 3, "referral_id") in found
    assert ("TB-WAITS-BEFORE-REFERRAL", "contacts.csv", 4, "contact_date") in found
    assert ("TB-WAITS-BAD-DATE", "contacts.csv", 5, "contact_date") in found
    bad_date = next(
        p for p in caught.value.problems if p.code == "TB-WAITS-BAD-DATE" and p.row == 3
    )
    assert bad_date.value == "2024-13-40"
    text = str(caught.value)
    assert "referrals.csv, row 3, column 'received_date'" in text


def test_clean_csv_gives_the_same_numbers_as_frames(tmp_path: Path) -> None:
    # DD/MM/YYYY dates, Y/N flags and unpadded mechanism codes are understood
    referrals = tmp_path / "r.csv"
    referrals.write_text(
        "referral_id,person_id,service,received_date,rejected\n"
        "1,P1,cyp_mh,02/01/2024,N\n2,P2,cyp_mh,2024-01-03,Y\n"
    )
    contacts = tmp_path / "c.csv"
    contacts.write_text("referral_id,contact_date,attendance_code,mechanism\n1,2024-01-12,5,1\n")
    frame = waits.compute(
        referrals, contacts, standard="cmh_cyp_1st_contact", start="2024-01", end="2024-01"
    )
    jan = frame.row(0, named=True)
    # one accepted referral (the other rejected), seen after 10 days
    assert (jan["received_count"], jan["completed_count"], jan["completed_median_days"]) == (
        1,
        1,
        10,
    )


def test_problems_are_listed_for_every_engine(engine_options) -> None:
    refs = referrals_frame([{"referral_id": 1, "received_date": date(2024, 1, 10)}])
    cons = contacts_frame(
        [(2, date(2024, 1, 11), "5", "01", "x"), (1, date(2024, 1, 9), "5", "01", "x")]
    )
    with pytest.raises(DataValidationError) as caught:
        run(refs, cons, "cmh_adult_2nd_contact", "2024-01", "2024-01", engine_options)
    assert sorted(_codes(caught.value)) == ["TB-WAITS-BEFORE-REFERRAL", "TB-WAITS-UNKNOWN-REFERRAL"]


def test_options_are_checked() -> None:
    refs = referrals_frame([{"referral_id": 1, "received_date": date(2024, 1, 10)}])
    with pytest.raises(OptionsError):
        waits.compute(
            refs,
            contacts_frame([]),
            standard="cmh_adult_2nd_contact",
            start="2024-01",
            end="2024-01",
            by=("ward",),
        )
    with pytest.raises(OptionsError):
        waits.compute(
            refs,
            contacts_frame([]),
            standard="cmh_adult_2nd_contact",
            start="2024-03",
            end="2024-01",
        )
    with pytest.raises(OptionsError):
        waits.compute(
            refs,
            contacts_frame([]),
            standard="cmh_adult_2nd_contact",
            start="2024-01",
            end="2024-01",
            engine="excel",
        )
    with pytest.raises(OptionsError):
        waits.compute(refs, 42, standard="cmh_adult_2nd_contact", start="2024-01", end="2024-01")


def test_parquet_problems_carry_record_numbers(tmp_path: Path) -> None:
    # Parquet files are scanned in place; record 3 of the contacts is before its referral
    refs = referrals_frame(
        [
            {"referral_id": 1, "received_date": date(2024, 1, 10)},
            {"referral_id": 2, "received_date": date(2024, 1, 10)},
        ]
    )
    cons = contacts_frame(
        [
            (1, date(2024, 1, 11), "5", "01", "x"),
            (2, date(2024, 1, 12), "5", "01", "x"),
            (2, date(2024, 1, 2), "5", "01", "x"),
        ]
    )
    refs.write_parquet(tmp_path / "r.parquet")
    cons.write_parquet(tmp_path / "c.parquet")
    with pytest.raises(DataValidationError) as caught:
        waits.compute(
            tmp_path / "r.parquet",
            tmp_path / "c.parquet",
            standard="cmh_adult_2nd_contact",
            start="2024-01",
            end="2024-01",
        )
    (problem,) = caught.value.problems
    assert (problem.code, problem.row, problem.column, problem.value) == (
        "TB-WAITS-BEFORE-REFERRAL",
        3,
        "contact_date",
        "2024-01-02",
    )
    assert problem.file is not None and problem.file.endswith("c.parquet")


def test_every_input_form_gives_the_same_result(tmp_path: Path) -> None:
    import duckdb

    refs = referrals_frame(
        [{"referral_id": i, "received_date": date(2024, 1, i)} for i in range(1, 8)]
    )
    cons = contacts_frame(
        [(i, date(2024, 1, 2 * i), "5", "01", "x") for i in range(1, 8)]
        + [(i, date(2024, 1, 3 * i), "6", "02", "x") for i in range(1, 8)]
    )
    expected = waits.compute(
        refs, cons, standard="cmh_adult_2nd_contact", start="2024-01", end="2024-02"
    )
    refs.write_parquet(tmp_path / "r.parquet")
    cons.write_csv(tmp_path / "c.csv")
    con = duckdb.connect()
    forms = [
        (refs.to_pandas(), cons.to_pandas()),
        (refs.to_arrow(), cons.to_arrow()),
        (con.from_arrow(refs.to_arrow()), con.from_arrow(cons.to_arrow())),
        (tmp_path / "r.parquet", str(tmp_path / "c.csv")),
        (refs.lazy(), cons.lazy()),
    ]
    for form_refs, form_cons in forms:
        got = waits.compute(
            form_refs, form_cons, standard="cmh_adult_2nd_contact", start="2024-01", end="2024-02"
        )
        assert got.equals(expected)
    # referral i (received 1..7 Jan) is seen on days 2i and 3i: its second contact on day 3i
    # (3..21 Jan) stops every clock in January, with waits 2i days: 2, 4, ..., 14 (median 8)
    jan = expected.filter(pl.col("period_end") == date(2024, 1, 31)).row(0, named=True)
    assert (jan["clock_stop_count"], jan["open_count"], jan["completed_median_days"]) == (7, 0, 8)
