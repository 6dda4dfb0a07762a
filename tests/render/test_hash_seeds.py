"""The golden-file tests of the charts and the BAF hold in processes with other hash seeds.

Each golden file was written by one process; these runs render everything again in new
interpreters with other ``PYTHONHASHSEED`` values and compare with the same files, so output
that leaks set or dict order cannot pass.
"""

from __future__ import annotations

from hashseeds import SEEDS, run_tests_in_processes


def test_golden_files_hold_under_other_hash_seeds() -> None:
    assert len(set(SEEDS)) == 2
    run_tests_in_processes(["tests/render/svg", "tests/baf/test_render.py"])
