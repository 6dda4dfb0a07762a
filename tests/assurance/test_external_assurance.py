"""External assurance: CQC ratings and NHS Staff Survey results imported, kept and read back.

Expected facts are written by hand from the fixture files (tests/fixtures/assurance) and the
publishers' rules; the staff survey rank and quartile are worked out here from the real file
with the standard library, not by the code under test.
"""

from __future__ import annotations

import csv
import math
from datetime import date
from pathlib import Path

import pytest

from cliruns import run
from trustboard.domain.external_assurance import KeyQuestion, Rating
from trustboard.errors import DataValidationError, ErrorCode, NotFoundError
from trustboard.services.external_assurance import (
    TRUST_ROW,
    cqc_changes,
    cqc_grid,
    import_cqc,
    import_staff_survey,
    quartile,
    staff_survey_benchmark,
)
from trustboard.store import Store
from trustboard.store.external_assurance import (
    read_assurance_imports,
    read_cqc_ratings,
    read_staff_survey,
)

FIXTURES = Path(__file__).parents[1] / "fixtures" / "assurance"
CQC_FILE = FIXTURES / "cqc_latest_ratings.csv"
SURVEY_FILE = FIXTURES / "staff_survey_mhld_2023_2024.csv"
ACUTE = "Acute wards for adults of working age and psychiatric intensive care units"
CAMHS = "Specialist community mental health services for children and young people"
ADULTS = "Community health services for adults"
LD_WARDS = "Wards for people with a learning disability or autism"
OLDER = "Community-based mental health services for older people"


@pytest.fixture(scope="module")
def loaded(tmp_path_factory: pytest.TempPathFactory) -> Store:
    """A store with the CQC and staff survey fixtures imported once."""
    store, _, _ = Store.init(tmp_path_factory.mktemp("assurance") / "t.db", actor="analyst")
    import_cqc(store, CQC_FILE)
    import_staff_survey(store, SURVEY_FILE)
    return store


def test_the_grid_holds_each_core_service_and_the_trust_last(loaded: Store) -> None:
    grid = cqc_grid(loaded)
    assert grid.provider_id == "SYN01"
    assert grid.services == (ADULTS, ACUTE, CAMHS, LD_WARDS, OLDER, TRUST_ROW)
    # the location's own ratings (SYN01-L1, all good, 2022) are not the trust's grid
    trust = grid.cell(TRUST_ROW, KeyQuestion.OVERALL)
    assert trust is not None
    assert (trust.rating, trust.published, trust.location_id) == (
        Rating.REQUIRES_IMPROVEMENT,
        date(2024, 5, 14),
        "",
    )
    caring = grid.cell(TRUST_ROW, KeyQuestion.CARING)
    assert caring is not None and caring.rating is Rating.GOOD


def test_cells_keep_the_published_rating_date_and_inheritance(loaded: Store) -> None:
    grid = cqc_grid(loaded)
    acute_safe = grid.cell(ACUTE, KeyQuestion.SAFE)
    acute_well_led = grid.cell(ACUTE, KeyQuestion.WELL_LED)
    camhs_responsive = grid.cell(CAMHS, KeyQuestion.RESPONSIVE)
    assert acute_safe is not None and acute_well_led is not None and camhs_responsive is not None
    assert acute_safe.rating is Rating.REQUIRES_IMPROVEMENT and not acute_safe.inherited
    assert acute_well_led.rating is Rating.REQUIRES_IMPROVEMENT
    assert camhs_responsive.rating is Rating.INADEQUATE
    assert camhs_responsive.inherited and camhs_responsive.published == date(2019, 8, 2)


def test_outcomes_that_are_not_ratings_are_kept_as_published(loaded: Store) -> None:
    grid = cqc_grid(loaded)
    not_rated = grid.cell(LD_WARDS, KeyQuestion.SAFE)
    no_evidence = grid.cell(OLDER, KeyQuestion.EFFECTIVE)
    outstanding = grid.cell(OLDER, KeyQuestion.CARING)
    assert not_rated is not None and not_rated.rating is Rating.INSPECTED_NOT_RATED
    assert no_evidence is not None and no_evidence.rating is Rating.INSUFFICIENT_EVIDENCE
    assert outstanding is not None and outstanding.rating is Rating.OUTSTANDING
    assert not not_rated.rating.is_rating and not no_evidence.rating.is_rating
    assert outstanding.rating.is_rating


def test_older_files_calling_the_domain_key_question_import(tmp_path: Path) -> None:
    text = CQC_FILE.read_text(encoding="utf-8").replace(",Domain,", ",Key Question,", 1)
    older = tmp_path / "older.csv"
    older.write_text(text, encoding="utf-8")
    store, _, _ = Store.init(tmp_path / "t.db")
    done = import_cqc(store, older)
    assert (done.source, done.revision, done.rows) == ("cqc", 1, 42)
    store.close()


def _store_state(store: Store) -> tuple[int, int, int, int]:
    with store.reading() as conn:
        return (
            len(read_assurance_imports(conn)),
            len(read_cqc_ratings(conn)),
            len(read_staff_survey(conn)),
            len(store.audit()),
        )


def test_a_file_in_the_wrong_layout_loads_nothing(tmp_path: Path) -> None:
    store, _, _ = Store.init(tmp_path / "t.db")
    before = _store_state(store)
    with pytest.raises(DataValidationError) as caught:
        import_cqc(store, SURVEY_FILE)
    assert caught.value.code == ErrorCode.ASSURANCE_LAYOUT
    missing = {p.column for p in caught.value.problems}
    # the staff survey file has none of the CQC layout's columns
    assert missing == {
        "Location ID",
        "Location Name",
        "Service / Population Group",
        "Domain",
        "Latest Rating",
        "Publication Date",
        "Report Type",
        "Inherited Rating (Y/N)",
        "Provider ID",
        "Provider Name",
    }
    assert all(p.row == 1 and p.file == str(SURVEY_FILE) for p in caught.value.problems)
    with pytest.raises(DataValidationError) as other:
        import_staff_survey(store, CQC_FILE)
    assert {p.column for p in other.value.problems} >= {"ODS code", "Burned_out_rate"}
    assert _store_state(store) == before
    store.close()


def test_every_bad_value_is_named_and_nothing_is_loaded(tmp_path: Path) -> None:
    lines = CQC_FILE.read_text(encoding="utf-8").splitlines()
    # row 2 is the first data row (adults, safe); row 3 adults, effective; row 4 caring
    lines[1] = lines[1].replace(",Good,2024-05-14,", ",Gud,2024-05-14,")
    lines[2] = lines[2].replace(",2024-05-14,", ",14 May 2024,")
    lines[3] = lines[3].replace(",Provider,N,", ",Provider,maybe,")
    bad = tmp_path / "bad.csv"
    bad.write_text("\n".join(lines) + "\n", encoding="utf-8")
    store, _, _ = Store.init(tmp_path / "t.db")
    before = _store_state(store)
    with pytest.raises(DataValidationError) as caught:
        import_cqc(store, bad)
    found = [(p.code, p.row, p.column, p.value) for p in caught.value.problems]
    assert found == [
        (ErrorCode.ASSURANCE_VALUE, 2, "Latest Rating", "Gud"),
        (ErrorCode.ASSURANCE_VALUE, 3, "Publication Date", "14 May 2024"),
        (ErrorCode.ASSURANCE_VALUE, 4, "Inherited Rating (Y/N)", "maybe"),
    ]
    assert caught.value.problems[0].expected is not None
    assert "Requires improvement" in caught.value.problems[0].expected
    assert _store_state(store) == before
    store.close()


def test_a_second_rating_for_the_same_cell_is_refused(tmp_path: Path) -> None:
    lines = CQC_FILE.read_text(encoding="utf-8").splitlines()
    bad = tmp_path / "twice.csv"
    bad.write_text("\n".join([*lines, lines[1]]) + "\n", encoding="utf-8")
    with pytest.raises(DataValidationError) as caught:
        import_cqc(Store.init(tmp_path / "t.db")[0], bad)
    (problem,) = caught.value.problems
    assert (problem.row, problem.column) == (len(lines) + 1, "Domain")
    assert "row 2" in problem.message


def test_each_import_is_a_new_revision_and_the_old_one_is_kept(tmp_path: Path) -> None:
    store, _, _ = Store.init(tmp_path / "t.db", actor="analyst")
    first = import_cqc(store, CQC_FILE)
    assert cqc_changes(store) == []
    lines = CQC_FILE.read_text(encoding="utf-8").splitlines()
    # a re-inspection: acute wards now good for safe, published 2025-02-03
    lines[7] = lines[7].replace("Requires improvement,2024-05-14", "Good,2025-02-03")
    newer = tmp_path / "newer.csv"
    newer.write_text("\n".join(lines) + "\n", encoding="utf-8")
    second = import_cqc(store, newer)
    assert (first.revision, second.revision) == (1, 2)
    latest = cqc_grid(store).cell(ACUTE, KeyQuestion.SAFE)
    assert latest is not None and (latest.rating, latest.published) == (
        Rating.GOOD,
        date(2025, 2, 3),
    )
    with store.reading() as conn:
        kept = [r for r in read_cqc_ratings(conn, revision=1) if r.service == ACUTE]
    assert kept[0].key_question is KeyQuestion.SAFE
    assert kept[0].rating is Rating.REQUIRES_IMPROVEMENT
    audit = sorted((e for e in store.audit() if e.action == "assurance.import"), key=lambda e: e.id)
    assert [(e.entity, e.entity_id, e.actor) for e in audit] == [
        ("cqc", "1", "analyst"),
        ("cqc", "2", "analyst"),
    ]
    assert audit[1].before == {"revision": 1}
    assert audit[1].after == {"revision": 2, "file": "newer.csv", "rows": 42}
    (change,) = cqc_changes(store)
    assert change.before is not None and change.after is not None
    assert (change.before.service, change.before.key_question) == (ACUTE, KeyQuestion.SAFE)
    assert (change.before.rating, change.after.rating) == (Rating.REQUIRES_IMPROVEMENT, Rating.GOOD)
    store.close()


def _group_rates(year: int, column: str) -> dict[str, float]:
    """Each organisation's rate in RT5's benchmarking group, straight from the file."""
    with SURVEY_FILE.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    group = next(r["Benchmarking group"] for r in rows if r["ODS code"] == "RT5")
    return {
        r["ODS code"]: float(r[column])
        for r in rows
        if r["Year"] == str(year) and r["Benchmarking group"] == group and r[column] != "NA"
    }


def test_rt5_2024_rank_and_quartile_in_its_comparator_group(loaded: Store) -> None:
    found = {b.measure.column: b for b in staff_survey_benchmark(loaded, "RT5", 2024)}
    burnout = found["Burned_out"]
    assert burnout.group_size == 50  # 50 trusts in the group in 2024
    assert burnout.respondents == 3955
    # lower is better for burnout: rank = 1 + the organisations with a lower rate
    rates = _group_rates(2024, "Burned_out_rate")
    ordered = sorted(rates.values())
    by_hand_rank = ordered.index(rates["RT5"]) + 1
    assert burnout.rank == by_hand_rank
    assert burnout.quartile == math.ceil(by_hand_rank * 4 / 50)
    assert (burnout.best, burnout.worst) == (ordered[0], ordered[-1])
    assert burnout.average == pytest.approx(sum(ordered) / 50)
    # higher is better for enough staff: rank = 1 + the organisations with a higher rate
    staffing = _group_rates(2024, "Enough_staff_rate")
    higher = sorted(staffing.values(), reverse=True)
    assert found["Enough_staff"].rank == higher.index(staffing["RT5"]) + 1
    assert found["Enough_staff"].best == higher[0]


def test_year_on_year_change_and_its_significance(loaded: Store) -> None:
    burnout = next(
        b for b in staff_survey_benchmark(loaded, "RT5", 2024) if b.measure.column == "Burned_out"
    )
    # 2023: 26.95% of 3,330; 2024: 23.92% of 3,940 → −3.03 points; pooled p = 0.2531,
    # standard error √(0.2531 × 0.7469 × (1/3330 + 1/3940)) = 0.01023, z = 2.96 > 1.96
    assert burnout.previous == pytest.approx(26.9497, abs=1e-4)
    assert burnout.change == pytest.approx(-3.0299, abs=1e-4)
    assert burnout.significant is True
    earliest = staff_survey_benchmark(loaded, "RT5", 2023)
    assert all(b.change is None and b.significant is None for b in earliest)


@pytest.mark.parametrize(
    ("rank", "size", "expected"), [(1, 50, 1), (12, 50, 1), (13, 50, 2), (38, 50, 4), (50, 50, 4)]
)
def test_quartile_of_a_rank(rank: int, size: int, expected: int) -> None:
    # 4 × 12 / 50 = 0.96 → first quarter; 4 × 13 / 50 = 1.04 → second; 4 × 38 / 50 = 3.04
    assert quartile(rank, size) == expected


def test_the_command_line_imports_and_shows_the_grid(tmp_path: Path) -> None:
    database = str(tmp_path / "t.db")
    Store.init(database)[0].close()
    done = run(["assurance", "cqc", CQC_FILE, "--database", database])
    assert done.exit_code == 0, done.stderr
    assert "42 rating(s) kept as revision 1" in done.stdout
    shown = run(["assurance", "grid", "--database", database])
    assert shown.exit_code == 0, shown.stderr
    assert "Inadequate (Aug 2019) *" in shown.stdout
    assert "Inspected but not rated (Nov 2021) *" in shown.stdout
    unchanged = run(["assurance", "changes", "--database", database])
    assert "no CQC ratings changed" in unchanged.stdout
    refused = run(["assurance", "staff-survey", CQC_FILE, "--database", database])
    assert refused.exit_code != 0
    assert "TB-ASSURANCE-LAYOUT" in refused.stderr
    survey = run(["assurance", "staff-survey", SURVEY_FILE, "--database", database])
    assert survey.exit_code == 0, survey.stderr
    assert "707 result(s)" in survey.stdout  # 101 organisation-years × 7 measures
    bench = run(["assurance", "benchmark", "RT5", "2024", "--database", database])
    assert bench.exit_code == 0, bench.stderr
    assert "3955 respondents" in bench.stdout
    assert "(50 organisations)" in bench.stdout


API_FILE = FIXTURES / "cqc_api_locations_southwest_2021.csv"


@pytest.fixture(scope="module")
def api_loaded(tmp_path_factory: pytest.TempPathFactory) -> Store:
    """A store with five real locations from CQC's public API imported."""
    store, _, _ = Store.init(tmp_path_factory.mktemp("cqc_api") / "t.db")
    import_cqc(store, API_FILE)
    return store


def test_a_location_from_the_public_api_has_its_grid(api_loaded: Store) -> None:
    # Derriford Hospital (RK950) as the API gave it in 2021
    grid = cqc_grid(api_loaded, location_id="RK950")
    assert (grid.provider_id, grid.name) == ("RK9", "Derriford Hospital")
    # nine services (medical care, children, critical care, diagnostic imaging, end of life,
    # maternity, outpatients, surgery, urgent and emergency), then the location overall
    assert grid.services[-1] == TRUST_ROW and len(grid.services) == 10
    overall = grid.cell(TRUST_ROW, KeyQuestion.OVERALL)
    caring = grid.cell(TRUST_ROW, KeyQuestion.CARING)
    assert overall is not None and caring is not None
    assert (overall.rating, overall.published) == (Rating.REQUIRES_IMPROVEMENT, date(2019, 12, 18))
    assert caring.rating is Rating.OUTSTANDING
    outpatients = grid.cell("Outpatients", KeyQuestion.EFFECTIVE)
    assert outpatients is not None
    assert (outpatients.rating, outpatients.published) == (
        Rating.INSUFFICIENT_EVIDENCE,
        date(2018, 8, 15),
    )
    # the service name is the inspection area's name, not its id ("childrens")
    children = grid.cell("Services for children & young people", KeyQuestion.CARING)
    assert children is not None and children.rating is Rating.OUTSTANDING
    # diagnostic imaging has no effective rating in the data, and none is made up
    assert grid.cell("Diagnostic imaging", KeyQuestion.EFFECTIVE) is None
    assert not overall.inherited


def test_api_ratings_of_a_predecessor_are_inherited(api_loaded: Store) -> None:
    # Musgrove Park Hospital (RH5A8) carries the ratings of its predecessor RBA11
    grid = cqc_grid(api_loaded, location_id="RH5A8")
    cells = list(grid.cells.values())
    assert cells and all(r.inherited for r in cells)


def test_api_outcomes_that_are_not_ratings_and_nothing_published(api_loaded: Store) -> None:
    # Castle Circus Health Centre (RA90J): inspected but not rated, "No action" on each question
    grid = cqc_grid(api_loaded, location_id="RA90J")
    overall = grid.cell(TRUST_ROW, KeyQuestion.OVERALL)
    safe = grid.cell(TRUST_ROW, KeyQuestion.SAFE)
    assert overall is not None and overall.rating is Rating.INSPECTED_NOT_RATED
    assert safe is not None and safe.rating is Rating.NO_ACTION and not safe.rating.is_rating
    # Tavistock Hospital (5QQ03): "No published rating" everywhere, so nothing is kept
    with pytest.raises(NotFoundError):
        cqc_grid(api_loaded, location_id="5QQ03")


def test_api_ratings_that_cannot_be_read_load_nothing(tmp_path: Path) -> None:
    text = API_FILE.read_text(encoding="utf-8")
    broken = tmp_path / "broken.csv"
    # a call is not a literal: it is refused, never run
    broken.write_text(
        text.replace(
            "{'overall': {'rating': 'Requires improvement'",
            "{'overall': {'rating': __import__('os').getcwd()",
            1,
        ),
        encoding="utf-8",
    )
    store, _, _ = Store.init(tmp_path / "t.db")
    before = _store_state(store)
    with pytest.raises(DataValidationError) as caught:
        import_cqc(store, broken)
    (problem,) = caught.value.problems
    assert (problem.code, problem.column) == (ErrorCode.ASSURANCE_VALUE, "currentRatings")
    assert problem.row is not None and problem.row >= 2
    assert _store_state(store) == before
    store.close()
