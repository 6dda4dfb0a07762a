"""The installation's configuration: where the signing key is, and the limits of the readers.

Configuration lives outside the project and outside any published folder.  It is read from
the TOML file named by ``$TRUSTBOARD_CONFIG``, else ``$XDG_CONFIG_HOME/trustboard/config.toml``
(``~/.config/trustboard/config.toml``) when that file exists::

    signing_key = "/etc/trustboard/signing.key"

    [limits]
    max_file_bytes = 2_000_000_000
    max_cells = 200_000_000

``$TRUSTBOARD_SIGNING_KEY`` overrides ``signing_key``; ``$TRUSTBOARD_LIMIT_<NAME>`` (for
example ``TRUSTBOARD_LIMIT_MAX_FILE_BYTES``) overrides one limit.  Every limit and its default
is listed in ``docs/security.md``.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any

from trustboard.domain.limits import ReaderLimits, use_limits
from trustboard.errors import ConfigError, ErrorCode

__all__ = [
    "CONFIG_ENV",
    "KEY_ENV",
    "Settings",
    "config_path",
    "load_settings",
    "reader_limits",
]

#: Environment variable naming the configuration file.
CONFIG_ENV = "TRUSTBOARD_CONFIG"
#: Environment variable naming the signing key (overrides the configuration file).
KEY_ENV = "TRUSTBOARD_SIGNING_KEY"
_LIMIT_ENV = "TRUSTBOARD_LIMIT_"


@dataclass(frozen=True, slots=True)
class Settings:
    """What the configuration says: the signing key's path and the readers' limits."""

    signing_key: Path | None
    limits: ReaderLimits
    source: Path | None


def config_path() -> Path | None:
    """The configuration file in use (``None`` when there is none)."""
    named = os.environ.get(CONFIG_ENV)
    if named:
        path = Path(named).expanduser()
        if not path.is_file():
            raise ConfigError(
                f"the configuration file '{path}' named by ${CONFIG_ENV} does not exist",
                code=ErrorCode.CONFIG,
            )
        return path
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    default = Path(base) / "trustboard" / "config.toml"
    return default if default.is_file() else None


def _read_file(path: Path | None) -> dict[str, Any]:
    if path is None:
        return {}
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except (OSError, tomllib.TOMLDecodeError) as bad:
        raise ConfigError(f"the configuration file '{path}' cannot be read: {bad}") from None


def _limits_from(raw: Mapping[str, Any], path: Path | None) -> ReaderLimits:
    known = {f.name for f in fields(ReaderLimits)}
    chosen: dict[str, int] = {}
    unknown = sorted(set(raw) - known)
    if unknown:
        raise ConfigError(
            f"unknown limit(s) in '{path}': {', '.join(unknown)}",
            hint="known limits: " + ", ".join(sorted(known)),
        )
    for name, value in raw.items():
        chosen[name] = _positive(name, value, str(path))
    for name in known:
        env = os.environ.get(_LIMIT_ENV + name.upper())
        if env is not None:
            chosen[name] = _positive(name, env, "$" + _LIMIT_ENV + name.upper())
    return replace(ReaderLimits(), **chosen)


def _positive(name: str, value: Any, where: str) -> int:
    try:
        number = int(str(value).replace("_", ""))
    except ValueError:
        number = -1
    if number <= 0 or isinstance(value, bool):
        raise ConfigError(f"the limit '{name}' in {where} must be a positive whole number")
    return number


def load_settings() -> Settings:
    """Read the configuration file and the environment."""
    path = config_path()
    raw = _read_file(path)
    # [smtp] is the e-mail relay's, read by trustboard.services.notify
    unknown = sorted(set(raw) - {"signing_key", "limits", "smtp"})
    if unknown:
        raise ConfigError(
            f"unknown setting(s) in '{path}': {', '.join(unknown)}",
            hint="known settings: signing_key, [limits], [smtp]",
        )
    key_text = os.environ.get(KEY_ENV) or raw.get("signing_key")
    if key_text is not None and not isinstance(key_text, str):
        raise ConfigError(f"'signing_key' in '{path}' must be a path")
    limits_raw = raw.get("limits") or {}
    if not isinstance(limits_raw, dict):
        raise ConfigError(f"'[limits]' in '{path}' must be a table")
    return Settings(
        signing_key=Path(key_text).expanduser() if key_text else None,
        limits=_limits_from(limits_raw, path),
        source=path,
    )


@contextmanager
def reader_limits() -> Iterator[ReaderLimits]:
    """Apply the configured reader limits for the length of a ``with`` block."""
    limits = load_settings().limits
    with use_limits(limits):
        yield limits
