"""The single sign-on (OpenID Connect) configuration file: read, checked, and the rules that map
a person's claims to a role, forums and directorates.

The file is YAML, read through the bounded reader; every mistake is ``TB-CONFIG`` naming the
file and the key.  The client secret is never in the file: it comes from the environment
variable ``client_secret_env`` names, or from the file ``client_secret_file`` names, which only
its owner may read.  The flow itself is :mod:`trustboard.web.oidc`.
"""

from __future__ import annotations

import ipaddress
import os
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

from trustboard.domain.bounded_yaml import parse_bounded_yaml
from trustboard.errors import ConfigError, ErrorCode, NotFoundError
from trustboard.services.users import Role, SsoGrant

__all__ = ["OidcConfig", "RoleRule", "https_or_loopback", "load_oidc_config"]

_KEYS = frozenset(
    {
        "issuer",
        "client_id",
        "client_secret_env",
        "client_secret_file",
        "redirect_uri",
        "label",
        "scopes",
        "username_claim",
        "accounts",
        "roles",
    }
)
_RULE_KEYS = frozenset({"claim", "value", "role", "forums", "directorates"})


@dataclass(frozen=True, slots=True)
class RoleRule:
    """Who gets which role: the first rule whose ``claim`` holds ``value`` decides."""

    claim: str
    value: str
    role: Role
    forums: tuple[str, ...] = ()
    directorates: tuple[str, ...] = ()

    def matches(self, claims: dict[str, Any]) -> bool:
        """Whether the ID token's claims hold this rule's value (equal, or in a list)."""
        found = claims.get(self.claim)
        if isinstance(found, list):
            return self.value in [str(item) for item in found]
        return found is not None and str(found) == self.value


@dataclass(frozen=True, slots=True)
class OidcConfig:
    """The single sign-on configuration (the client secret already read)."""

    issuer: str
    client_id: str
    client_secret: str
    redirect_uri: str
    label: str = "single sign-on"
    scopes: tuple[str, ...] = ("openid", "profile", "email")
    username_claim: str = "preferred_username"
    accounts: str = "mapped"
    roles: tuple[RoleRule, ...] = ()

    def grant(self, claims: dict[str, Any]) -> SsoGrant | None:
        """The role, forums and directorates the claims map to (``None``: no rule matches)."""
        for rule in self.roles:
            if rule.matches(claims):
                return SsoGrant(rule.role, rule.forums, rule.directorates)
        return None


def https_or_loopback(url: str) -> bool:
    parts = urlsplit(url)
    if parts.scheme == "https":
        return bool(parts.hostname)
    host = parts.hostname or ""
    if parts.scheme != "http":
        return False
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _text(raw: dict[str, Any], key: str, where: str, default: str | None = None) -> str:
    value = raw.get(key, default)
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(f"{where}: '{key}' must be a non-empty text")
    return value.strip()


def _names(raw: dict[str, Any], key: str, where: str) -> tuple[str, ...]:
    value = raw.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise ConfigError(f"{where}: '{key}' must be a list of names")
    return tuple(value)


def _secret(raw: dict[str, Any], where: str) -> str:
    env = raw.get("client_secret_env")
    path = raw.get("client_secret_file")
    if (env is None) == (path is None):
        raise ConfigError(
            f"{where}: give exactly one of 'client_secret_env' and 'client_secret_file'",
            hint="the client secret is never written in the configuration file",
        )
    if env is not None:
        name = _text(raw, "client_secret_env", where)
        secret = os.environ.get(name, "")
        if not secret:
            raise ConfigError(
                f"{where}: the environment variable '{name}' (client_secret_env) is not set"
            )
        return secret.strip()
    file = Path(_text(raw, "client_secret_file", where)).expanduser()
    try:
        mode = file.stat().st_mode
        secret = file.read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError) as bad:
        raise ConfigError(f"{where}: cannot read the client secret file '{file}': {bad}") from None
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise ConfigError(
            f"{where}: the client secret file '{file}' can be read by others "
            f"(mode {stat.S_IMODE(mode):o})",
            hint=f"chmod 600 '{file}'",
        )
    if not secret:
        raise ConfigError(f"{where}: the client secret file '{file}' is empty")
    return secret


def _rule(raw: object, where: str) -> RoleRule:
    if not isinstance(raw, dict):
        raise ConfigError(f"{where}: a rule must be a mapping of claim, value, role")
    unknown = sorted(set(raw) - _RULE_KEYS)
    if unknown:
        raise ConfigError(
            f"{where}: unknown key(s) {', '.join(unknown)}",
            hint="a rule has: " + ", ".join(sorted(_RULE_KEYS)),
        )
    role = _text(raw, "role", where)
    try:
        chosen = Role(role)
    except ValueError:
        raise ConfigError(
            f"{where}: '{role}' is not a role",
            code=ErrorCode.USER_ROLE,
            hint="use one of " + ", ".join(r.value for r in Role),
        ) from None
    value = raw.get("value")
    if not isinstance(value, (str, int)) or isinstance(value, bool) or str(value) == "":
        raise ConfigError(f"{where}: 'value' must be a text")
    return RoleRule(
        claim=_text(raw, "claim", where),
        value=str(value),
        role=chosen,
        forums=_names(raw, "forums", where),
        directorates=_names(raw, "directorates", where),
    )


def load_oidc_config(path: str | Path) -> OidcConfig:
    """Read and check the single sign-on configuration file (``TB-CONFIG`` when it is not
    right, naming the file and the key)."""
    file = Path(path)
    where = f"single sign-on configuration '{file}'"
    try:
        text = file.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise NotFoundError(f"{where} does not exist") from None
    except (OSError, UnicodeDecodeError) as bad:
        raise ConfigError(f"{where} cannot be read: {bad}") from None
    try:
        raw, _node = parse_bounded_yaml(text, str(file))
    except yaml.YAMLError as bad:
        raise ConfigError(f"{where} is not valid YAML: {bad}") from None
    if not isinstance(raw, dict):
        raise ConfigError(f"{where} must be a mapping of settings")
    if "client_secret" in raw:
        raise ConfigError(
            f"{where}: 'client_secret' must not be written in the file",
            hint="use client_secret_env (an environment variable) or client_secret_file",
        )
    unknown = sorted(set(raw) - _KEYS)
    if unknown:
        raise ConfigError(
            f"{where}: unknown key(s) {', '.join(map(str, unknown))}",
            hint="known keys: " + ", ".join(sorted(_KEYS)),
        )
    issuer = _text(raw, "issuer", where).rstrip("/")
    redirect = _text(raw, "redirect_uri", where)
    for key, url in (("issuer", issuer), ("redirect_uri", redirect)):
        if not https_or_loopback(url):
            raise ConfigError(
                f"{where}: '{key}' must be an https:// address (plain http only on this machine)",
                hint=f"got '{url}'",
            )
    accounts = _text(raw, "accounts", where, "mapped")
    if accounts not in ("mapped", "local"):
        raise ConfigError(f"{where}: 'accounts' must be 'mapped' or 'local', not '{accounts}'")
    rules_raw = raw.get("roles", [])
    if not isinstance(rules_raw, list):
        raise ConfigError(f"{where}: 'roles' must be a list of rules")
    rules = tuple(_rule(item, f"{where}, roles[{n}]") for n, item in enumerate(rules_raw))
    if accounts == "mapped" and not rules:
        raise ConfigError(
            f"{where}: 'accounts: mapped' needs at least one rule under 'roles'",
            hint="or use 'accounts: local' to sign in only people who have an account",
        )
    if accounts == "local" and rules:
        raise ConfigError(f"{where}: 'roles' is used only with 'accounts: mapped'")
    scopes = _names(raw, "scopes", where) if "scopes" in raw else ("openid", "profile", "email")
    if "openid" not in scopes:
        raise ConfigError(f"{where}: 'scopes' must include openid")
    return OidcConfig(
        issuer=issuer,
        client_id=_text(raw, "client_id", where),
        client_secret=_secret(raw, where),
        redirect_uri=redirect,
        label=_text(raw, "label", where, "single sign-on"),
        scopes=scopes,
        username_claim=_text(raw, "username_claim", where, "preferred_username"),
        accounts=accounts,
        roles=rules,
    )
