"""The migrations form one linear chain, with one head, holding every migration file.

The ids are not in numeric order along the chain (0003 → 0006 → 0005 → 0004: three were
written at once), and they stay as they are: stores in the field hold these ids in
``alembic_version``.  The order is written out by hand here and in docs/store.md, and both
are checked against the files' own ``down_revision``.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

from alembic.script import ScriptDirectory

from trustboard.store.engine import head_revision

VERSIONS = Path(__file__).parents[2] / "src" / "trustboard" / "store" / "migrations" / "versions"
DOCS = Path(__file__).parents[2] / "docs" / "store.md"

#: the chain as released, oldest first, by hand (a later migration goes on after the last)
RELEASED = [
    "0001_initial",
    "0002_baf",
    "0003_metric_current",
    "0006_check_overrides",
    "0005_spc_rebase",
    "0004_current_watermark",
    "0007_users",
    "0008_paper_config",
    "0009_signin_failures",
    "0010_value_source_row",
    "0011_narrative_versions",
    "0012_upload_jobs",
    "0013_actions",
    "0014_baf_reviews",
    "0015_meetings",
    "0016_external_assurance",
]


def _declared() -> dict[str, object]:
    """Each migration file's ``revision`` and ``down_revision``, read from its source text (not
    through Alembic, so that a file Alembic would pass over still counts)."""
    found: dict[str, object] = {}
    for path in sorted(VERSIONS.glob("*.py")):
        if path.name == "__init__.py":
            continue
        values = {}
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            if isinstance(node, ast.Assign) and len(node.targets) == 1:
                target = node.targets[0]
                if isinstance(target, ast.Name) and target.id in ("revision", "down_revision"):
                    values[target.id] = ast.literal_eval(node.value)
        assert "revision" in values and "down_revision" in values, path.name
        assert values["revision"] == path.stem, f"{path.name} declares {values['revision']}"
        found[str(values["revision"])] = values["down_revision"]
    return found


def _chain(declared: dict[str, object]) -> list[str]:
    """The ids from the root to the head, following ``down_revision``; fails on a fork."""
    roots = [rev for rev, down in declared.items() if down is None]
    assert len(roots) == 1, f"the migrations have {len(roots)} roots: {roots}"
    chain = [roots[0]]
    while True:
        nexts = [rev for rev, down in declared.items() if down == chain[-1]]
        assert len(nexts) <= 1, f"{chain[-1]} has {len(nexts)} successors: {sorted(nexts)}"
        if not nexts:
            return chain
        chain.append(nexts[0])


def test_the_migrations_form_one_linear_chain_holding_every_file() -> None:
    declared = _declared()
    # no merge migration: each names one predecessor (or none, the first)
    for revision, down in declared.items():
        assert down is None or isinstance(down, str), f"{revision} revises {down!r}"
    chain = _chain(declared)
    assert sorted(chain) == sorted(declared), "a migration file is not in the chain"
    assert chain[: len(RELEASED)] == RELEASED

    # Alembic reads the same: one head, the end of the chain, and the same order
    script = ScriptDirectory(str(VERSIONS.parent))
    assert script.get_heads() == [chain[-1]] == [head_revision()]
    walked = [s.revision for s in script.walk_revisions("base", "heads")]
    assert walked == list(reversed(chain))


def test_the_docs_list_the_migrations_in_chain_order() -> None:
    section = DOCS.read_text(encoding="utf-8").split("## Migrations", 1)[1].split("\n## ", 1)[0]
    listed = re.findall(r"^\| `(\d{4}_[a-z_]+)` \|", section, flags=re.MULTILINE)
    assert listed == _chain(_declared())
