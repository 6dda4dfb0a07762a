"""Hypothesis over the readers and publish/verify: a figure is read as its writer meant or
refused, never changed; a reader raises only coded errors; a published folder changed in any
way does not verify."""

from __future__ import annotations

import contextlib
import json
import re
import shutil
from collections.abc import Iterator
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path

import polars as pl
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from trustboard.errors import DataValidationError, ErrorCode, TrustboardError
from trustboard.ingest import read_catalogue, read_values
from trustboard.ingest.cells import parse_number_column
from trustboard.ingest.entries import parse_bounded_yaml
from trustboard.ingest.xlsx_scan import scan_xlsx
from trustboard.services.publish import publish_pack, verify_publication

from .test_corpus import _xlsx

CATALOGUE = Path(__file__).parents[1] / "fixtures" / "ingest" / "catalogue"
FAST = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)

# --- numbers: read as meant, or refused ------------------------------------------------------

_PIECES = [
    "0",
    "1",
    "2",
    "5",
    "9",
    "12",
    "250",
    ",",
    ".",
    " ",
    "\n",
    "-",
    "+",
    "£",
    "%",
    "(",
    ")",
    "e",
    "E",
    "\t",
]


def _reference(text: str) -> float | None:
    """The documented conventions (docs/imports.md), written again independently of the code:
    the number a person meant, or None when the text is not one of the accepted forms."""
    s = text.strip()
    if not s:
        return None
    negative = False
    if s.startswith("(") and s.endswith(")"):
        s, negative = s[1:-1], True
        if s[:1] in "+-":
            return None
    elif s[:1] in "+-":
        negative, s = s[0] == "-", s[1:].lstrip()
    if s.startswith("£"):
        s = s[1:].lstrip()
    percent = s.endswith("%")
    if percent:
        s = s[:-1].rstrip() if s[:-1].endswith(" ") and not s[:-2].endswith(" ") else s[:-1]
    if re.fullmatch(r"\d{1,3}(,\d{3})+(\.\d+)?", s):
        s = s.replace(",", "")
    elif not re.fullmatch(r"\d+(\.\d*)?|\.\d+", s):
        return None
    try:
        number = float(Decimal(s))
    except InvalidOperation:
        return None
    number = -number if negative else number
    return number / 100 if percent else number


@FAST
@given(st.lists(st.sampled_from(_PIECES), min_size=1, max_size=8).map("".join))
def test_a_typed_number_is_read_as_meant_or_refused(text: str) -> None:
    parsed = parse_number_column(pl.Series([text], dtype=pl.String)).row(0, named=True)
    meant = _reference(text)
    if parsed["bad"]:
        return  # refused with TB-V-NOT-NUMBER: allowed whatever the text
    if parsed["number"] is None:
        assert not text.strip()
        return
    # whatever is read must be what the conventions say; a plain float form (1e5) is read too
    if meant is None:
        assert re.fullmatch(r"\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*", text), text
        assert parsed["number"] == pytest.approx(float(text))
    else:
        assert parsed["number"] == pytest.approx(meant, rel=1e-12, abs=1e-300), text


# --- a values file written the accepted ways reads back exactly ------------------------------

_FORMS = {
    "plain": lambda v: f"{v}",
    "thousands": lambda v: f'"{v:,}"',
    "pound": lambda v: f'"£{v:,}"',
    "padded": lambda v: f" {v} ",
}


@pytest.fixture(scope="module")
def catalogue() -> Iterator[tuple[dict, set[str]]]:  # type: ignore[type-arg]
    read = read_catalogue(CATALOGUE)
    yield read.metrics_by_id(), {u.code for u in read.org_units}


@FAST
@given(
    st.lists(
        st.tuples(st.integers(0, 10**9), st.sampled_from(sorted(_FORMS))), min_size=1, max_size=24
    )
)
def test_values_written_in_accepted_forms_read_back_unchanged(
    catalogue: tuple[dict, set[str]],  # type: ignore[type-arg]
    tmp_path_factory: pytest.TempPathFactory,
    rows: list[tuple[int, str]],
) -> None:
    metrics, units = catalogue
    path = tmp_path_factory.mktemp("v") / "v.csv"
    months = [date(2020 + i // 12, i % 12 + 1, 1) for i in range(len(rows))]
    lines = ["metric_id,period,org_unit,value"] + [
        f"SAF04,{m:%Y-%m},TRUST,{_FORMS[form](v)}"
        for m, (v, form) in zip(months, rows, strict=True)
    ]
    path.write_text("\n".join(lines) + "\n", "utf-8")
    read = read_values(path, catalogue=metrics, org_units=units, today=date(2025, 6, 15))
    assert read.problems == []
    assert read.frame.sort("period_start")["value"].to_list() == [float(v) for v, _ in rows]


# --- YAML and workbook inspection raise only coded errors ------------------------------------

_YAML_PIECES = [
    "a",
    ": ",
    "- ",
    "\n",
    "  ",
    "&x ",
    "*x",
    "[",
    "]",
    "{",
    "}",
    ", ",
    "!!str ",
    "'",
    '"',
    "1e9",
    "?",
    "|",
    ">",
    "#",
]


@FAST
@given(st.lists(st.sampled_from(_YAML_PIECES), max_size=40).map("".join))
def test_bounded_yaml_raises_only_coded_or_syntax_errors(text: str) -> None:
    with contextlib.suppress(yaml.YAMLError, DataValidationError):
        parse_bounded_yaml(text, "fuzz.yaml")


_CELLS = st.builds(
    lambda col, row, kind, body: f'<c r="{col}{row}"{kind}>{body}</c>',
    st.sampled_from(["A", "B", "Z", "AA", "XFD", "ZZZ"]),
    st.integers(1, 2_000_000),
    st.sampled_from(["", ' t="e"', ' t="s"', ' t="inlineStr"', ' t="n"']),
    st.sampled_from(["", "<v>1</v>", "<v></v>", "<f>1+1</f>", "<f>1</f><v>2</v>", "<v>#N/A</v>"]),
)


@FAST
@given(st.lists(_CELLS, max_size=12).map("".join))
def test_workbook_inspection_raises_only_coded_errors(cells: str) -> None:
    data = _xlsx(f"<row>{cells}</row>")
    try:
        scan_xlsx(data, "fuzz.xlsx")
    except DataValidationError as error:
        codes = {p.code for p in error.problems}
        assert codes <= {ErrorCode.FILE_LIMIT, ErrorCode.CELL_ERROR, ErrorCode.CELL_FORMULA}


# --- publish/verify: any change to a published folder is found -------------------------------


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[object, Path]]:
    from tests.pack.conftest import COMPLETE_PAPER, _filled

    root = tmp_path_factory.mktemp("publication")
    filled = _filled(root / "store.db")
    store = next(filled)
    publish_pack(store, "board", "2025-03", root / "out", config=COMPLETE_PAPER, pdf=False)
    yield store, root / "out"
    store.close()


_MUTATIONS = st.one_of(
    st.tuples(st.just("flip"), st.integers(0, 10**9), st.integers(1, 255)),
    st.tuples(st.just("truncate"), st.integers(0, 10**9), st.just(0)),
    st.tuples(st.just("append"), st.just(0), st.integers(0, 255)),
    st.tuples(st.just("delete"), st.just(0), st.just(0)),
)


@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    st.sampled_from(["board-2025-03.html", "inputs.json", "manifest.json"]),
    _MUTATIONS,
)
def test_any_change_to_a_published_file_is_found(
    published: tuple[object, Path],
    tmp_path_factory: pytest.TempPathFactory,
    name: str,
    mutation: tuple[str, int, int],
) -> None:
    store, out = published
    root = tmp_path_factory.mktemp("copy")
    shutil.copytree(out, root / "out")
    folder = root / "out" / "published" / "board" / "2025-03"
    path = folder / name
    data = bytearray(path.read_bytes())
    kind, where, byte = mutation
    if kind == "flip":
        data[where % len(data)] ^= byte
    elif kind == "truncate":
        data = data[: where % len(data)]
    elif kind == "append":
        data.append(byte)
    if kind == "delete":
        path.unlink()
    else:
        path.write_bytes(bytes(data))
    try:
        outcome = verify_publication(store, "board", "2025-03", root / "out")  # type: ignore[arg-type]
    except TrustboardError as error:
        assert error.code in (ErrorCode.PUBLISH_MANIFEST, ErrorCode.PERIOD, ErrorCode.NOT_FOUND)
        return
    if name == "manifest.json":
        # a change that leaves the JSON meaning the same (whitespace) is no change of content
        try:
            same = json.loads(bytes(data)) == json.loads(
                (out / "published/board/2025-03" / name).read_bytes()
            )
        except ValueError:
            same = False
        if same:
            return
    assert not outcome.ok, (name, mutation)
