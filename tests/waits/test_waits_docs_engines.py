"""Docs keep up with the code; optional engines load lazily and say what to install."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

from trustboard import waits
from trustboard.errors import MissingExtraError, exit_code_for

ROOT = Path(__file__).resolve().parents[2]
DOCS = (ROOT / "docs" / "waits.md").read_text(encoding="utf-8")


def test_every_builtin_standard_is_documented() -> None:
    for standard_id in waits.BUILTIN_STANDARDS:
        assert f"`{standard_id}`" in DOCS, standard_id


def test_every_error_code_is_documented() -> None:
    paths = [*(ROOT / "src" / "trustboard" / "waits").rglob("*.py")]
    paths.append(ROOT / "src/trustboard/services/waits.py")
    codes = {
        "TB-" + name.replace("_", "-")
        for path in paths
        for name in re.findall(r"ErrorCode\.(WAITS_[A-Z_]+)", path.read_text(encoding="utf-8"))
    }
    assert len(codes) > 10
    missing = sorted(c for c in codes if c not in DOCS)
    assert not missing, missing


def test_every_output_column_is_documented() -> None:
    for column in waits.measure_columns(waits.get_standard("cmh_adult_4w")):
        stem = re.sub(r"_(4w|0_1w|1_2w|2_4w|4_12w|12_18w|18_52w|52w)(_|$)", r"_<t>\2", column)
        assert column in DOCS or stem in DOCS or column.startswith("open_band_"), column


def test_importing_waits_does_not_import_pyspark() -> None:
    import subprocess

    code = (
        "import sys, trustboard.waits, trustboard.services.waits; print('pyspark' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_spark_engine_without_pyspark_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in [m for m in sys.modules if m == "pyspark" or m.startswith("pyspark.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "pyspark", None)
    with pytest.raises(MissingExtraError) as caught:
        waits.get_engine("spark")
    assert caught.value.extra == "spark" and "trustboard[spark]" in (caught.value.hint or "")
    assert exit_code_for(caught.value) == 7
