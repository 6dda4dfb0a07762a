"""Write or check requirements.lock, the pinned set of packages that `make install` installs.

    python .ci/lock.py write [--upgrade]   re-resolve with uv (pins move only where they must)
    python .ci/lock.py check               fail when pyproject.toml's dependencies have changed
                                           since the lock was written

The lock covers the runtime dependencies and every extra in pyproject.toml (CI tests them
all), for Python 3.11 on 64-bit Linux, with hashes.  Its first line records a digest of what it
was resolved from, so that `check` needs neither the network nor uv; a new extra changes it.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PYPROJECT = ROOT / "pyproject.toml"
LOCK = ROOT / "requirements.lock"
PYTHON_VERSION = "3.11"
PLATFORM = "x86_64-manylinux_2_28"
DIGEST_PREFIX = "# inputs-sha256: "
REGENERATE = "make lock"


def _project() -> dict[str, Any]:
    project: dict[str, Any] = tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))["project"]
    return project


def locked_extras() -> list[str]:
    """Every extra of the project, in name order: the lock holds them all."""
    return sorted(_project().get("optional-dependencies", {}))


def inputs_digest() -> str:
    """Digest of the parts of pyproject.toml that decide what the lock holds."""
    project = _project()
    extras = project.get("optional-dependencies", {})
    inputs = {
        "requires-python": project.get("requires-python"),
        "dependencies": sorted(project.get("dependencies", [])),
        "extras": {name: sorted(extras[name]) for name in sorted(extras)},
        "python": PYTHON_VERSION,
        "platform": PLATFORM,
    }
    text = json.dumps(inputs, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def recorded_digest() -> str | None:
    """The digest in the lock's first line, or None when there is no lock or no digest."""
    if not LOCK.exists():
        return None
    first = LOCK.read_text(encoding="utf-8").split("\n", 1)[0]
    return first[len(DIGEST_PREFIX) :].strip() if first.startswith(DIGEST_PREFIX) else None


def write(upgrade: bool) -> None:
    """Resolve the lock with uv, keeping the current pins as preferences unless upgrading."""
    command = [
        str(Path(sys.executable).with_name("uv")),
        "pip",
        "compile",
        str(PYPROJECT.relative_to(ROOT)),
        "--all-extras",
        "--python-version",
        PYTHON_VERSION,
        "--python-platform",
        PLATFORM,
        "--generate-hashes",
        "--no-header",
        "--quiet",
        "--output-file",
        str(LOCK.relative_to(ROOT)),
    ]
    if upgrade:
        command.append("--upgrade")
    subprocess.run(command, cwd=ROOT, check=True)
    body = LOCK.read_text(encoding="utf-8")
    if body.startswith(DIGEST_PREFIX):
        body = body.split("\n", 2)[2]
    header = (
        f"{DIGEST_PREFIX}{inputs_digest()}\n"
        f"# Written by `{REGENERATE}` (.ci/lock.py) from pyproject.toml, extras "
        f"{','.join(locked_extras())}, Python {PYTHON_VERSION}, {PLATFORM}; do not edit.\n"
    )
    LOCK.write_text(header + body, encoding="utf-8")
    print(f"lock: wrote {LOCK.name}")


def check() -> int:
    """Exit status 0 when the lock was written from the current pyproject.toml."""
    recorded = recorded_digest()
    if recorded is None:
        print(f"lock: {LOCK.name} is missing or has no digest line; run `{REGENERATE}`")
        return 1
    if recorded != inputs_digest():
        print(
            f"lock: the dependencies in pyproject.toml changed since {LOCK.name} was written; "
            f"run `{REGENERATE}` and commit both files"
        )
        return 1
    print(f"lock: {LOCK.name} matches pyproject.toml")
    return 0


def main(argv: list[str]) -> int:
    """Command-line entry point."""
    if argv[:1] == ["write"] and set(argv[1:]) <= {"--upgrade"}:
        write(upgrade="--upgrade" in argv[1:])
        return 0
    if argv == ["check"]:
        return check()
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
