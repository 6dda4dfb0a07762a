"""The rest of what careless or hostile input met: list columns, header-only files, UTF-16 and
semicolon files, huge echoes, passwords in database URLs, the demo over a real store, and a
pack for a period with no figures."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import polars as pl
import pytest

from trustboard.errors import ConflictError, ErrorCode, NotFoundError, Problem
from trustboard.ingest import read_values
from trustboard.services.demo import _refuse_real_store, run_demo
from trustboard.services.pack import build_pack
from trustboard.services.publish import publish_pack, refuse_empty_pack
from trustboard.store import Store, redact_url

from .conftest import TODAY

HEADER = "metric_id,period,org_unit,value\n"


def _values(path: Path, catalogue, org_units):  # type: ignore[no-untyped-def]
    return read_values(path, catalogue=catalogue, org_units=org_units, today=TODAY)


def test_a_list_typed_parquet_column_is_a_coded_problem(
    tmp_path: Path, catalogue, org_units
) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "v.parquet"
    pl.DataFrame(
        {"metric_id": ["FIN01"], "period": ["2025-03"], "org_unit": ["TRUST"], "value": [[1, 2]]}
    ).write_parquet(path)
    (problem,) = _values(path, catalogue, org_units).problems
    assert problem.code == ErrorCode.V_FILE
    assert "'value' hold lists or records" in problem.message


def test_a_header_only_file_says_no_rows(tmp_path: Path, catalogue, org_units) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "v.csv"
    path.write_text(HEADER, "utf-8")
    result = _values(path, catalogue, org_units)
    (problem,) = result.problems
    assert problem.code == ErrorCode.V_EMPTY and problem.message.startswith("no rows")
    assert result.frame.height == 0


def test_utf16_is_read_and_other_delimiters_are_named(tmp_path: Path, catalogue, org_units) -> None:  # type: ignore[no-untyped-def]
    wide = tmp_path / "utf16.csv"
    wide.write_bytes((HEADER + "FIN01,2025-03,TRUST,12\n").encode("utf-16"))
    result = _values(wide, catalogue, org_units)
    assert result.problems == [] and result.frame["value"].to_list() == [12.0]
    for name, text, encoding, said in (
        (
            "semi.csv",
            "metric_id;period;org_unit;value\nFIN01;2025-03;TRUST;12\n",
            "utf-8",
            "semicolons",
        ),
        (
            "tabs.csv",
            "metric_id\tperiod\torg_unit\tvalue\nFIN01\t2025-03\tTRUST\t12\n",
            "utf-16",
            "tabs",
        ),
    ):
        path = tmp_path / name
        path.write_bytes(text.encode(encoding))
        (problem,) = _values(path, catalogue, org_units).problems
        assert problem.code == ErrorCode.V_FILE
        assert f"the columns are separated by {said}, not commas" in problem.message


def test_a_huge_value_is_echoed_short(tmp_path: Path, catalogue, org_units) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "v.csv"
    huge = "M" * 1_000_000
    path.write_text(HEADER + f"{huge},2025-03,TRUST,1\n", "utf-8")
    (problem,) = _values(path, catalogue, org_units).problems
    line = problem.describe()
    assert problem.code == ErrorCode.V_UNKNOWN_METRIC
    # the value is cut to 120 characters of its repr (quotes included) and its length said
    assert len(line) < 2_000 and "… (1,000,002 characters)" in line
    assert len(Problem("X", "m", value="v" * 10_000).describe()) < 300


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("postgresql+psycopg://u:s3cret@h/db", "postgresql+psycopg://u:***@h/db"),
        (
            "postgresql://u@h/db?password=s3cret&sslmode=require",
            "postgresql://u@h/db?password=***&sslmode=require",
        ),
        (
            "postgresql://u@h/db?sslmode=require&PASSWORD=s3cret",
            "postgresql://u@h/db?PASSWORD=***&sslmode=require",
        ),
        ("host=h user=u password=s3cret dbname=db", "host=h user=u password=*** dbname=db"),
        ("host=h password='s3 cret' dbname=db", "host=h password=*** dbname=db"),
    ],
)
def test_every_form_of_database_password_is_masked(url: str, shown: str) -> None:
    assert redact_url(url) == shown and "s3" not in redact_url(url)


def test_the_demo_refuses_a_store_with_real_data(pack_store_path: Path, tmp_path: Path) -> None:
    with pytest.raises(ConflictError) as caught:
        run_demo(tmp_path / "demo", database=str(pack_store_path))
    assert caught.value.code == ErrorCode.DEMO_STORE
    assert not (tmp_path / "demo" / "board-pack").exists()


def test_a_demo_store_is_accepted(tmp_path: Path) -> None:
    store, _b, _a = Store.init(tmp_path / "demo.db", actor="trustboard demo")
    try:
        _refuse_real_store(store)  # empty: fine
        store.upsert_catalogue(
            [], [], [], source="trustboard demo (seed 7)", effective=date(2020, 1, 1)
        )
        _refuse_real_store(store)  # the demo's own catalogue: fine
    finally:
        store.close()


@pytest.fixture
def pack_store_path(tmp_path: Path) -> Path:
    """A store holding a trust's own catalogue (not the demo's)."""
    from tests.pack.conftest import FORUMS, UNITS, catalogue

    path = tmp_path / "real.db"
    store, _b, _a = Store.init(path, actor="analyst")
    store.upsert_catalogue(catalogue(), UNITS, FORUMS, effective=date(2020, 1, 1), source="ours")
    store.close()
    return path


def test_a_pack_for_a_period_without_figures_is_refused(tmp_path: Path) -> None:
    from tests.pack.conftest import COMPLETE_PAPER, _filled

    filled = _filled(tmp_path / "p.db")
    store = next(filled)
    try:
        # the fixture holds figures up to March 2025; April has none
        built = build_pack(store, "board", "2025-04", tmp_path / "out", pdf=False)
        with pytest.raises(NotFoundError) as caught:
            refuse_empty_pack(built.model)
        assert caught.value.code == ErrorCode.PACK_EMPTY
        assert "has a figure for Apr 2025" in caught.value.message
        with pytest.raises(NotFoundError):
            publish_pack(store, "board", "2025-04", tmp_path, config=COMPLETE_PAPER, pdf=False)
        assert not (tmp_path / "published").exists()
        march = build_pack(store, "board", "2025-03", tmp_path / "out", pdf=False)
        refuse_empty_pack(march.model)  # March has figures
    finally:
        store.close()


def test_the_demo_docs_name_the_count_metrics_that_are_suppressed() -> None:
    from trustboard.demo.catalogue import definitions
    from trustboard.domain import SuppressionRule, Unit

    ruled = sorted(
        d.id
        for d in definitions()
        if d.unit is Unit.COUNT and d.suppression is not SuppressionRule.NONE
    )
    docs = (Path(__file__).parents[2] / "docs" / "demo.md").read_text("utf-8")
    assert ruled == ["SAF05"]
    assert (
        "small numbers suppressed for the metrics whose catalogue entry sets a suppression" in docs
    )
    assert "in the demo, SAF05 suspected suicides" in docs
