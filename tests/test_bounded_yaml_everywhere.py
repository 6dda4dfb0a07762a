"""Every YAML reader outside the imports is bounded too: a small alias bomb is refused with
TB-FILE-LIMIT before it is expanded (paper configuration, waits mappings, standards, metric maps).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from trustboard.errors import DataValidationError, ErrorCode
from trustboard.services.pack import load_paper_config
from trustboard.services.waits import load_metric_map
from trustboard.waits.mapping import load_mapping
from trustboard.waits.standards import load_standards_file

# Nine levels of nine aliases: about 387 million values once expanded, in well under 1 KB.
BOMB = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 9)}]\n" for i in range(8)
)


@pytest.mark.parametrize(
    "reader", [load_paper_config, load_metric_map, load_mapping, load_standards_file]
)
def test_an_alias_bomb_is_refused_before_it_is_expanded(tmp_path: Path, reader: object) -> None:
    path = tmp_path / "bomb.yaml"
    path.write_text(BOMB, encoding="utf-8")
    assert len(BOMB) < 1000
    with pytest.raises(DataValidationError) as caught:
        reader(path)  # type: ignore[operator]
    assert caught.value.code == ErrorCode.FILE_LIMIT
    assert caught.value.problems[0].file == str(path)
