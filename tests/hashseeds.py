"""Rendering in fresh interpreters with other hash seeds, for the byte-identity tests.

Set and dict order of strings changes with ``PYTHONHASHSEED``; output that leaks it would
pass a test that renders twice in one process and still differ between two runs.  These
helpers run the rendering (or a whole golden-file test module) in new processes, each with
its own seed, so that the comparison is between processes.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

TESTS = Path(__file__).resolve().parent
ROOT = TESTS.parent
#: Two seeds unlike each other and unlike the random one the test run itself has.
SEEDS: tuple[int, ...] = (0, 4242)

_CALL = (
    "import importlib, sys\n"
    "module, name = sys.argv[1].split(':')\n"
    "out = getattr(importlib.import_module(module), name)()\n"
    "sys.stdout.buffer.write(out.encode('utf-8') if isinstance(out, str) else out)\n"
)


def _env(seed: int) -> dict[str, str]:
    path = os.pathsep.join(p for p in (str(TESTS), os.environ.get("PYTHONPATH", "")) if p)
    return {**os.environ, "PYTHONHASHSEED": str(seed), "PYTHONPATH": path}


def render_in_processes(call: str, seeds: Sequence[int] = SEEDS) -> list[bytes]:
    """The bytes ``call`` ("module:function", importable from tests/) returns, per seed."""
    outputs = []
    for seed in seeds:
        done = subprocess.run(
            [sys.executable, "-c", _CALL, call],
            env=_env(seed),
            cwd=TESTS,
            capture_output=True,
            timeout=600,
            check=False,
        )
        assert done.returncode == 0, (
            f"{call} failed under PYTHONHASHSEED={seed}:\n{done.stderr.decode()[-3000:]}"
        )
        outputs.append(done.stdout)
    return outputs


def run_tests_in_processes(paths: Sequence[str], seeds: Sequence[int] = SEEDS) -> None:
    """Run test files (relative to the project) once per seed; fail with pytest's report."""
    for seed in seeds:
        done = subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-n", "0", *paths],
            env=_env(seed),
            cwd=ROOT,
            capture_output=True,
            timeout=900,
            check=False,
            text=True,
        )
        assert done.returncode == 0, (
            f"{' '.join(paths)} failed under PYTHONHASHSEED={seed}:\n{done.stdout[-4000:]}"
        )
