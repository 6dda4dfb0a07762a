"""Import and export of the register: YAML and Excel round trips, and every problem reported."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import polars as pl
import pytest
import xlsxwriter
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from trustboard.domain.baf import BafRegister
from trustboard.errors import DataValidationError
from trustboard.ingest.baf_register import (
    SHEET_COLUMNS,
    read_register,
    read_register_excel,
    read_register_yaml,
    register_to_mapping,
    write_register,
    write_register_excel,
    write_register_yaml,
)

from .builders import make_register, make_risk


def test_sample_register_round_trips_through_yaml(
    sample_register_path: Path, tmp_path: Path
) -> None:
    register = read_register_yaml(sample_register_path)
    assert len(register.risks) == 8
    out = write_register_yaml(register, tmp_path / "again.yaml")
    assert read_register_yaml(out) == register


def test_sample_register_round_trips_through_excel(
    sample_register_path: Path, tmp_path: Path
) -> None:
    register = read_register_yaml(sample_register_path)
    first = write_register_excel(register, tmp_path / "register.xlsx")
    back = read_register_excel(first)
    assert back == register
    second = write_register_excel(back, tmp_path / "again.xlsx")
    for sheet in SHEET_COLUMNS:
        assert pl.read_excel(first, sheet_name=sheet, engine="calamine").equals(
            pl.read_excel(second, sheet_name=sheet, engine="calamine")
        ), sheet


def test_workbook_has_one_row_per_item(sample_register_path: Path, tmp_path: Path) -> None:
    register = read_register_yaml(sample_register_path)
    path = write_register_excel(register, tmp_path / "register.xlsx")
    sheets = pl.read_excel(path, sheet_id=0, engine="calamine")
    assert set(sheets) == set(SHEET_COLUMNS)
    expected = {
        "risks": len(register.risks),
        "controls": sum(len(r.controls) for r in register.risks),
        "assurances": sum(len(r.assurances) for r in register.risks),
        "gaps": sum(len(r.gaps) for r in register.risks),
        "actions": sum(len(r.actions) for r in register.risks),
        "history": sum(len(r.history) for r in register.risks),
        "key_metrics": sum(len(r.key_metrics) for r in register.risks),
        "crr": sum(len(r.crr) for r in register.risks),
        "appetite": len(register.appetite.levels),
    }
    for sheet, rows in expected.items():
        assert sheets[sheet].height == rows, sheet


names = (
    st.text(
        alphabet=st.characters(whitelist_categories=("L", "N", "Zs"), whitelist_characters="'&-,"),
        min_size=1,
        max_size=30,
    )
    .map(str.strip)
    .filter(bool)
)
scores = st.fixed_dictionaries({"likelihood": st.integers(1, 5), "consequence": st.integers(1, 5)})


@st.composite
def risks(draw: st.DrawFn) -> object:
    reviews = draw(
        st.lists(st.dates(date(2020, 1, 1), date(2030, 12, 31)), unique=True, max_size=4)
    )
    return make_risk(
        title=draw(names),
        current=draw(scores),
        target=draw(scores),
        inherent=draw(st.one_of(st.none(), scores)),
        target_date=draw(st.one_of(st.none(), st.dates(date(2020, 1, 1), date(2030, 12, 31)))),
        history=tuple(
            {
                "date": d,
                "current": draw(scores),
                "rationale": draw(names),
                "target": draw(st.one_of(st.none(), scores)),
            }
            for d in sorted(reviews)
        ),
        key_metrics=tuple(
            draw(st.lists(st.sampled_from(["RES05", "RES06-LIST", "WEL01", "FIN01"]), unique=True))
        ),
        publish=draw(st.booleans()),
    )


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(risk=risks())
def test_any_risk_round_trips_through_both_formats(risk: object, tmp_path: Path) -> None:
    register = make_register(risk)  # type: ignore[arg-type]
    assert read_register(write_register(register, tmp_path / "r.yaml")) == register
    assert read_register(write_register(register, tmp_path / "r.xlsx")) == register


# --- problems ------------------------------------------------------------------------------


def _mapping() -> dict[str, object]:
    return register_to_mapping(make_register(make_risk()))


def _problems(error: pytest.ExceptionInfo[DataValidationError]) -> list[tuple[str, str | None]]:
    return [(p.code, p.column) for p in error.value.problems]


def test_yaml_problems_are_all_reported_with_their_place(tmp_path: Path) -> None:
    data = _mapping()
    risk = data["risks"][0]  # type: ignore[index]
    risk["current"] = {"likelihood": 6, "consequence": 0}
    risk["appetite_level"] = "Adventurous"
    risk["key_metrics"] = ["RES06-LIST", "NOPE01"]
    second = dict(
        risk,
        id="BAF-02",
        current={"likelihood": 3, "consequence": 3},
        appetite_level="Cautious",
        key_metrics=["RES06-LIST"],
    )
    second["history"] = [
        dict(h, current={"likelihood": 9, "consequence": 1}) for h in second["history"]
    ][:1]
    data["risks"].append(second)  # type: ignore[union-attr]
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    with pytest.raises(DataValidationError) as error:
        read_register_yaml(path, catalogue_ids={"RES06-LIST"})
    found = _problems(error)
    assert ("TB-BAF-SCORE", "risks[0:BAF-01].current.likelihood") in found
    assert ("TB-BAF-SCORE", "risks[0:BAF-01].current.consequence") in found
    assert ("TB-BAF-SCORE", "risks[1:BAF-02].history[0].current.likelihood") in found
    # the first risk did not validate, so its cross-checks wait until its scores are fixed
    assert all(p.file == str(path) for p in error.value.problems)
    assert len(found) == 3


def test_yaml_cross_checks(tmp_path: Path) -> None:
    data = _mapping()
    risk = data["risks"][0]  # type: ignore[index]
    risk["appetite_level"] = "Adventurous"
    risk["key_metrics"] = ["RES06-LIST", "NOPE01"]
    risk["objectives"] = ["GO", "XX"]
    data["risks"].append(dict(risk))  # type: ignore[union-attr]
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    with pytest.raises(DataValidationError) as error:
        read_register_yaml(path, catalogue_ids={"RES06-LIST"})
    found = _problems(error)
    assert ("TB-BAF-APPETITE-LEVEL", "risks[0:BAF-01].appetite_level") in found
    assert ("TB-BAF-UNKNOWN-METRIC", "risks[0:BAF-01].key_metrics[1]") in found
    assert ("TB-BAF-OBJECTIVE", "risks[0:BAF-01].objectives") in found
    assert ("TB-BAF-DUPLICATE", "risks[1:BAF-01].id") in found
    unknown = next(p for p in error.value.problems if p.code == "TB-BAF-UNKNOWN-METRIC")
    assert unknown.value == "NOPE01"


def test_without_a_catalogue_key_metrics_are_not_checked(tmp_path: Path) -> None:
    data = _mapping()
    data["risks"][0]["key_metrics"] = ["ANYTHING"]  # type: ignore[index]
    path = tmp_path / "ok.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    assert read_register_yaml(path).risks[0].key_metrics == ("ANYTHING",)


def test_target_above_appetite_is_not_an_import_error(tmp_path: Path) -> None:
    register = make_register(
        make_risk(target={"likelihood": 4, "consequence": 4})
    )  # 16 > Cautious 10
    assert read_register(write_register(register, tmp_path / "r.yaml")) == register


def _write_workbook(path: Path, sheets: dict[str, list[list[object]]]) -> None:
    book = xlsxwriter.Workbook(str(path))
    for name, rows in sheets.items():
        sheet = book.add_worksheet(name)
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                if value is not None:
                    sheet.write(r, c, value)
    book.close()


def test_excel_problems_name_sheet_row_and_column(tmp_path: Path) -> None:
    base = make_register(make_risk())
    good = write_register_excel(base, tmp_path / "good.xlsx")
    sheets = {
        name: [list(frame.columns), *[list(r) for r in frame.iter_rows()]]
        for name, frame in pl.read_excel(good, sheet_id=0, engine="calamine").items()
    }
    risks_header = sheets["risks"][0]
    sheets["risks"][1][risks_header.index("current_likelihood")] = 7
    sheets["risks"][1][risks_header.index("appetite_level")] = "Reckless"
    sheets["key_metrics"].append(["BAF-01", "NOPE01"])
    sheets["controls"].append(["BAF-99", "C9", "Orphan control"])
    history_header = sheets["history"][0]
    sheets["history"][2][history_header.index("current_consequence")] = "six"
    for rows in sheets.values():  # dates come back as date objects; write them as text
        for row in rows:
            for i, value in enumerate(row):
                if isinstance(value, date):
                    row[i] = value.isoformat()
    bad = tmp_path / "bad.xlsx"
    _write_workbook(bad, sheets)
    with pytest.raises(DataValidationError) as error:
        read_register_excel(bad, catalogue_ids={"RES06-LIST"})
    found = {(p.code, p.sheet, p.row, p.column) for p in error.value.problems}
    assert ("TB-BAF-SCORE", "risks", 2, "current_likelihood") in found
    assert ("TB-BAF-SCORE", "history", 3, "current_consequence") in found
    assert ("TB-BAF-UNKNOWN-RISK", "controls", 2, "risk_id") in found
    assert len(found) == 3  # the risk row failed, so its cross-checks wait

    sheets["risks"][1][risks_header.index("current_likelihood")] = 3
    sheets["history"][2][history_header.index("current_consequence")] = 4
    _write_workbook(bad, sheets)
    with pytest.raises(DataValidationError) as error:
        read_register_excel(bad, catalogue_ids={"RES06-LIST"})
    found = {(p.code, p.sheet, p.row, p.column) for p in error.value.problems}
    assert ("TB-BAF-APPETITE-LEVEL", "risks", 2, "appetite_level") in found
    assert ("TB-BAF-UNKNOWN-METRIC", "key_metrics", 3, "metric_id") in found
    assert ("TB-BAF-UNKNOWN-RISK", "controls", 2, "risk_id") in found


def test_a_workbook_without_a_risks_sheet_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "empty.xlsx"
    _write_workbook(path, {"controls": [["risk_id", "id", "description"]]})
    with pytest.raises(DataValidationError) as error:
        read_register_excel(path)
    assert [p.code for p in error.value.problems] == ["TB-BAF-SHEET"]


def test_unreadable_files_are_reported(tmp_path: Path) -> None:
    with pytest.raises(DataValidationError, match="cannot read"):
        read_register(tmp_path / "missing.yaml")
    broken = tmp_path / "broken.yaml"
    broken.write_text("risks: [unclosed", encoding="utf-8")
    with pytest.raises(DataValidationError) as error:
        read_register(broken)
    assert error.value.problems[0].code == "TB-BAF-FILE"
    with pytest.raises(DataValidationError):
        read_register(tmp_path / "register.csv")


def test_defaults_fill_a_minimal_register(tmp_path: Path) -> None:
    path = tmp_path / "minimal.yaml"
    data = _mapping()
    minimal = {"risks": data["risks"]}
    path.write_text(yaml.safe_dump(minimal), encoding="utf-8")
    register = read_register_yaml(path)
    assert register.scoring == BafRegister().scoring
    assert register.appetite.level("Cautious") is not None


def test_an_action_id_under_two_risks_is_reported(tmp_path: Path) -> None:
    data = _mapping()
    data["risks"].append(dict(data["risks"][0], id="BAF-02"))  # type: ignore[union-attr,index]
    path = tmp_path / "dup.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    with pytest.raises(DataValidationError) as error:
        read_register_yaml(path)
    assert _problems(error) == [("TB-BAF-DUPLICATE", "risks[1:BAF-02].actions")]


def test_public_groups_are_checked(tmp_path: Path) -> None:
    data = _mapping()
    data["public_groups"] = "description, scores"
    path = tmp_path / "groups.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    assert [g.value for g in read_register_yaml(path).public_groups] == ["description", "scores"]
    data["public_groups"] = ["description", "secrets"]
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    with pytest.raises(DataValidationError) as error:
        read_register_yaml(path)
    assert [(p.code, p.column, p.value) for p in error.value.problems] == [
        ("TB-BAF-VALUE", "public_groups", "secrets")
    ]
