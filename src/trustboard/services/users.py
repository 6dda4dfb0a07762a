"""People and access: accounts, roles, passwords, API tokens, sign-in sessions, throttling.

The command line (``trustboard users``) and the web app (``trustboard serve``) both come here.
Passwords are hashed with Argon2id (``argon2-cffi``, the ``web`` extra, imported when first
needed).  A sign-in that fails :data:`MAX_FAILED_SIGNINS` times in a row locks the account for
:data:`LOCK_MINUTES` minutes (OWASP ASVS 2.2.1); a correct password during the lock is refused
too, so that guessing cannot go on in the background.  Failures are also counted by client
address, whatever the account: :data:`MAX_ADDRESS_FAILURES` failed sign-ins from one address
within the last :data:`ADDRESS_WINDOW_MINUTES` minutes (a sliding window) refuse every sign-in
from it until the oldest of them leaves the window, so that one address cannot try one password
against many accounts.  Every sign-in, failed sign-in and refusal is written to the audit log.

The hash's cost is :data:`ARGON2_MEMORY_KIB`, :data:`ARGON2_TIME_COST` and
:data:`ARGON2_PARALLELISM`; a stored hash made with other parameters is made again from the
password at the account's next successful sign-in (audited as ``user.rehash``).
"""

from __future__ import annotations

import hashlib
import re
import secrets
import threading
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from trustboard.domain import Forum
from trustboard.errors import (
    AuthenticationError,
    ConflictError,
    ErrorCode,
    MissingExtraError,
    NotFoundError,
    OptionsError,
    PermissionDeniedError,
    ThrottledError,
)
from trustboard.store import Store, StoredUser, utc_now
from trustboard.store import users as stored

__all__ = [
    "ADDRESS_WINDOW_MINUTES",
    "ARGON2_MEMORY_KIB",
    "ARGON2_PARALLELISM",
    "ARGON2_TIME_COST",
    "HASHES_AT_ONCE",
    "LOCK_MINUTES",
    "MAX_ADDRESS_FAILURES",
    "MAX_FAILED_SIGNINS",
    "MAX_PASSWORD_LENGTH",
    "MIN_PASSWORD_LENGTH",
    "SESSION_HOURS",
    "Role",
    "SignedIn",
    "SsoGrant",
    "User",
    "add_user",
    "authenticate",
    "check_address",
    "disable_user",
    "end_session",
    "issue_token",
    "list_users",
    "may_read_forum",
    "record_refusal",
    "record_signin_failure",
    "require_forum",
    "require_role",
    "session_user",
    "single_sign_on_user",
    "start_session",
    "token_user",
    "visible_forums",
]

#: Consecutive failed sign-ins that lock an account (ASVS 2.2.1 asks for a limit).
MAX_FAILED_SIGNINS = 5
#: How long a locked account stays locked.
LOCK_MINUTES = 15
#: Failed sign-ins from one client address, across accounts, that refuse it for a while.
MAX_ADDRESS_FAILURES = 20
#: The sliding window those failures are counted in.
ADDRESS_WINDOW_MINUTES = 15
#: How long a session lasts from sign-in (a board meeting's working day).
SESSION_HOURS = 8
#: Shortest password accepted (ASVS 2.1.1: at least 12 characters).
MIN_PASSWORD_LENGTH = 12
#: Longest password accepted (ASVS 2.1.2: at least 64 permitted, more than 128 refused).
MAX_PASSWORD_LENGTH = 128

#: Argon2id's cost: the OWASP Password Storage Cheat Sheet's first recommended configuration
#: for Argon2id (m=19 MiB, t=2, p=1), which meets ASVS 4.0.3 2.4.5 (at least 15 MiB, 2 passes,
#: 1 lane).  About 20 ms of CPU a hash, against about 150 ms at argon2-cffi's defaults (RFC
#: 9106's low-memory profile, m=64 MiB, t=3, p=4), so that a board's readers signing in within
#: the same second do not hold each other's pages up for seconds.
ARGON2_MEMORY_KIB = 19456
#: Argon2id's passes over the memory (see :data:`ARGON2_MEMORY_KIB`).
ARGON2_TIME_COST = 2
#: Argon2id's lanes (see :data:`ARGON2_MEMORY_KIB`).
ARGON2_PARALLELISM = 1

#: The start of the password hash of an account made by single sign-on (it has no password).
SSO_ONLY = "!sso"

_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.@\-]{0,199}")


class Role(StrEnum):
    """What a person does; decides which forums and pages they may read."""

    BOARD_MEMBER = "board_member"
    EXECUTIVE = "executive"
    DIRECTORATE_LEAD = "directorate_lead"
    ANALYST = "analyst"
    RISK_LEAD = "risk_lead"
    ADMIN = "admin"


#: Roles that read only the forums named on their account (``--forum``).
FORUM_BOUND_ROLES = frozenset({Role.BOARD_MEMBER, Role.DIRECTORATE_LEAD})


@dataclass(frozen=True, slots=True)
class User:
    """A person as the rest of the product sees them (never the password hash)."""

    name: str
    role: Role
    forums: tuple[str, ...]
    directorates: tuple[str, ...]
    disabled: bool = False

    @classmethod
    def from_stored(cls, row: StoredUser) -> User:
        """The user of a stored account."""
        return cls(row.name, Role(row.role), row.forums, row.directorates, row.disabled)


@dataclass(frozen=True, slots=True)
class SignedIn:
    """A new session: the secret for the cookie (shown once) and its CSRF token."""

    user: User
    session_secret: str
    csrf_token: str
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class SsoGrant:
    """What a single sign-on rule gives: a role and the forums and directorates it reads."""

    role: Role
    forums: tuple[str, ...] = ()
    directorates: tuple[str, ...] = ()


#: Argon2id hashes computed at once in one process.  Argon2 releases the GIL, so the readers of
#: a meeting signing in together would otherwise hash in as many threads as there are requests,
#: each over 19 MiB, and the pages asked for meanwhile share the cores with all of them; one
#: at a time queues the sign-ins behind each other instead (measured in docs/performance.md).
HASHES_AT_ONCE = 1
_hashing = threading.BoundedSemaphore(HASHES_AT_ONCE)


class _Hasher:
    """argon2-cffi's hasher at this module's parameters, computing at most
    :data:`HASHES_AT_ONCE` hashes at once in this process."""

    def __init__(self, inner: Any) -> None:
        self._inner = inner

    def hash(self, password: str) -> str:
        with _hashing:
            return str(self._inner.hash(password))

    def verify(self, password_hash: str, password: str) -> None:
        """Raises argon2's ``VerificationError`` when ``password`` is not the one hashed."""
        with _hashing:
            self._inner.verify(password_hash, password)

    def check_needs_rehash(self, password_hash: str) -> bool:
        return bool(self._inner.check_needs_rehash(password_hash))


def _hasher() -> _Hasher:
    try:
        from argon2 import PasswordHasher
    except ImportError:  # pragma: no cover - the web extra installs it
        raise MissingExtraError("Password hashing", "web", "argon2-cffi") from None
    return _Hasher(
        PasswordHasher(
            time_cost=ARGON2_TIME_COST,
            memory_cost=ARGON2_MEMORY_KIB,
            parallelism=ARGON2_PARALLELISM,
        )
    )


def _hash_parameters(password_hash: str) -> str:
    """The parameter field of an Argon2 hash (``m=19456,t=2,p=1``), for the audit log."""
    parts = password_hash.split("$")
    return parts[3] if len(parts) > 4 else ""


def _sha256(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def _role(role: str) -> Role:
    try:
        return Role(role)
    except ValueError:
        raise OptionsError(
            f"'{role}' is not a role",
            code=ErrorCode.USER_ROLE,
            hint="use one of " + ", ".join(r.value for r in Role),
        ) from None


def add_user(
    store: Store,
    name: str,
    role: str,
    password: str,
    *,
    forums: Sequence[str] = (),
    directorates: Sequence[str] = (),
) -> User:
    """Create an account (forums and directorates must exist in the store)."""
    if not _NAME.fullmatch(name):
        raise OptionsError(
            f"'{name}' is not a usable user name",
            code=ErrorCode.USER_NAME,
            hint="use letters, digits and . _ - @ (up to 200 characters), starting with a "
            "letter or digit",
        )
    chosen = _role(role)
    if len(password) < MIN_PASSWORD_LENGTH:
        raise OptionsError(
            f"the password is shorter than {MIN_PASSWORD_LENGTH} characters",
            code=ErrorCode.USER_PASSWORD,
            hint="a passphrase of several words is easy to remember and hard to guess",
        )
    if len(password) > MAX_PASSWORD_LENGTH:
        raise OptionsError(
            f"the password is longer than {MAX_PASSWORD_LENGTH} characters",
            code=ErrorCode.USER_PASSWORD,
        )
    known_forums = {f.id for f in store.forums()}
    unknown = sorted(set(forums) - known_forums)
    if unknown:
        raise NotFoundError(
            "forum(s) not in the store: " + ", ".join(unknown),
            hint="known forums: " + (", ".join(sorted(known_forums)) or "none"),
        )
    known_units = {u.code for u in store.org_units(include_retired=True)}
    missing_units = sorted(set(directorates) - known_units)
    if missing_units:
        raise NotFoundError(
            "directorate(s) not in the store: " + ", ".join(missing_units),
            code=ErrorCode.ORG_UNIT_UNKNOWN,
        )
    if chosen in FORUM_BOUND_ROLES and not forums:
        raise OptionsError(
            f"a {chosen.value} reads only the forums named on the account",
            code=ErrorCode.USER_ROLE,
            hint="give one or more --forum",
        )
    hashed = _hasher().hash(password)
    with store.transaction() as conn:
        if stored.read_user(conn, name) is not None:
            raise ConflictError(
                f"there is already a user called '{name}'", code=ErrorCode.USER_EXISTS
            )
        row = stored.add_user(
            conn,
            name=name,
            role=chosen.value,
            forums=tuple(sorted(set(forums))),
            directorates=tuple(sorted(set(directorates))),
            password_hash=hashed,
            now=utc_now(),
            actor=store.actor,
        )
    return User.from_stored(row)


def list_users(store: Store) -> list[User]:
    """Every account, by name (disabled ones included)."""
    with store.transaction() as conn:
        return [User.from_stored(r) for r in stored.read_users(conn)]


def _existing(store: Store, name: str) -> StoredUser:
    with store.transaction() as conn:
        row = stored.read_user(conn, name)
    if row is None:
        raise NotFoundError(f"there is no user called '{name}'", hint="see: trustboard users list")
    return row


def disable_user(store: Store, name: str) -> User:
    """Disable an account: its sessions end and its API tokens stop working."""
    row = _existing(store, name)
    with store.transaction() as conn:
        stored.set_disabled(conn, row, now=utc_now(), actor=store.actor)
    return replace(User.from_stored(row), disabled=True)


def issue_token(store: Store, name: str) -> str:
    """A new API token for ``name``: returned once, only its SHA-256 is kept."""
    row = _existing(store, name)
    if row.disabled:
        raise ConflictError(f"the user '{name}' is disabled", code=ErrorCode.USER_EXISTS)
    token = "tb_" + secrets.token_urlsafe(32)
    with store.transaction() as conn:
        stored.add_token(conn, row, _sha256(token), now=utc_now(), actor=store.actor)
    return token


def _audit(store: Store, action: str, actor: str, detail: dict[str, Any]) -> None:
    with store.transaction() as conn:
        stored.audit_event(
            conn, now=utc_now(), actor=actor, action=action, entity_id=actor, detail=detail
        )


def authenticate(store: Store, name: str, password: str, *, client: str | None = None) -> User:
    """The user whose name and password these are; every outcome is audited.

    Refuses (``TB-AUTH-FAILED``) an unknown name, a wrong password or a disabled account with
    the same message, so that the answer does not tell which; refuses (``TB-AUTH-THROTTLED``)
    while the account is locked after :data:`MAX_FAILED_SIGNINS` failures, and while
    ``client`` has failed :data:`MAX_ADDRESS_FAILURES` times within the window.  A correct
    password whose stored hash was made with other parameters than today's is hashed again
    and the new hash written with the sign-in's reset of the failure count, in one
    transaction (``user.rehash``); a wrong password never changes the stored hash.
    """
    now = utc_now()
    failed = AuthenticationError(
        "the user name or password is not right", code=ErrorCode.AUTH_FAILED
    )
    check_address(store, client, name, now=now)
    with store.transaction() as conn:
        row = stored.read_user(conn, name)
    hasher = _hasher()
    if row is None:
        # hash anyway, so an unknown name takes as long to refuse as a known one
        hasher.hash(password)
        with store.transaction() as conn:
            _count_failure(conn, client, now)
            stored.audit_event(
                conn,
                now=now,
                actor=name[:200],
                action="web.signin_failed",
                entity_id=name[:200],
                detail={"reason": "unknown user", "client": client},
            )
        raise failed
    if row.locked_until is not None and row.locked_until > now:
        _audit(store, "web.signin_throttled", row.name, {"client": client})
        raise ThrottledError(
            "too many failed sign-ins: this account is locked for a while",
            hint=f"try again after {row.locked_until:%H:%M} UTC, or ask an administrator",
        )
    good = False
    if row.password_hash.startswith(SSO_ONLY):
        pass  # an account made by single sign-on has no password
    else:
        from argon2.exceptions import VerificationError

        try:
            hasher.verify(row.password_hash, password)
            good = not row.disabled
        except VerificationError:
            good = False
    if not good:
        count = row.failed_signins + 1
        lock = now + timedelta(minutes=LOCK_MINUTES) if count >= MAX_FAILED_SIGNINS else None
        with store.transaction() as conn:
            stored.set_failures(conn, row, failed=0 if lock else count, locked_until=lock)
            _count_failure(conn, client, now)
            stored.audit_event(
                conn,
                now=now,
                actor=row.name,
                action="web.signin_failed",
                entity_id=row.name,
                detail={
                    "reason": "disabled" if row.disabled else "wrong password",
                    "client": client,
                    "locked_until": lock,
                },
            )
        raise failed
    # a hash made with other parameters is made again now that the password is at hand
    rehashed = hasher.hash(password) if hasher.check_needs_rehash(row.password_hash) else None
    with store.transaction() as conn:
        stored.set_failures(conn, row, failed=0, locked_until=None)
        if rehashed is not None:
            stored.set_password_hash(
                conn,
                row,
                rehashed,
                now=now,
                actor=row.name,
                detail={
                    "from": _hash_parameters(row.password_hash),
                    "to": _hash_parameters(rehashed),
                },
            )
    return User.from_stored(row)


def _count_failure(conn: Any, client: str | None, now: datetime) -> None:
    if client:
        window = timedelta(minutes=ADDRESS_WINDOW_MINUTES)
        stored.add_signin_failure(conn, client, now=now, keep_since=now - window)


def record_signin_failure(
    store: Store, actor: str, reason: str, *, client: str | None, **detail: Any
) -> None:
    """Audit a failed sign-in that did not get as far as a password (single sign-on) and count
    it against ``client``'s window."""
    now = utc_now()
    with store.transaction() as conn:
        _count_failure(conn, client, now)
        stored.audit_event(
            conn,
            now=now,
            actor=actor[:200],
            action="web.signin_failed",
            entity_id=actor[:200],
            detail={"reason": reason, "client": client, **detail},
        )


def check_address(
    store: Store, client: str | None, actor: str, *, now: datetime | None = None
) -> None:
    """Refuse (``TB-AUTH-THROTTLED``, audited as ``web.signin_throttled``) a sign-in from a
    client address that has failed :data:`MAX_ADDRESS_FAILURES` times in the last
    :data:`ADDRESS_WINDOW_MINUTES` minutes."""
    if not client:
        return
    moment = now or utc_now()
    since = moment - timedelta(minutes=ADDRESS_WINDOW_MINUTES)
    with store.transaction() as conn:
        failures = stored.count_signin_failures(conn, client, since)
    if failures < MAX_ADDRESS_FAILURES:
        return
    _audit(
        store,
        "web.signin_throttled",
        actor[:200],
        {"client": client, "scope": "address", "failures": failures},
    )
    raise ThrottledError(
        "too many failed sign-ins from this address: sign-in from it is paused for a while",
        hint=f"try again in up to {ADDRESS_WINDOW_MINUTES} minutes, or ask an administrator",
    )


def single_sign_on_user(
    store: Store, name: str, grant: SsoGrant | None, *, local_only: bool
) -> User:
    """The account of a person the identity provider has signed in as ``name``.

    ``local_only``: the account must exist already and be enabled; its own role, forums and
    directorates apply.  Otherwise ``grant`` (from the configured rules) decides them: a person
    no rule maps is refused; an account made by single sign-on is created on first sign-in and
    changed when the grant changes (``user.add``, ``user.update`` in the audit log); a disabled
    account stays refused, and an account with a password is never taken over.  Refusals raise
    ``TB-AUTH-FAILED`` with the reason (the caller audits it).
    """
    refused = AuthenticationError
    if not _NAME.fullmatch(name):
        raise refused(f"the user name {name[:200]!r} is not usable", code=ErrorCode.AUTH_FAILED)
    with store.transaction() as conn:
        row = stored.read_user(conn, name)
    if row is not None and row.disabled:
        raise refused("the account is disabled", code=ErrorCode.AUTH_FAILED)
    if local_only:
        if row is None:
            raise refused("there is no account with this name", code=ErrorCode.AUTH_FAILED)
        return User.from_stored(row)
    if grant is None:
        raise refused("no rule maps this person to a role", code=ErrorCode.AUTH_FAILED)
    if row is not None and not row.password_hash.startswith(SSO_ONLY):
        raise refused(
            "a password account has this name; it is not signed in by single sign-on",
            code=ErrorCode.AUTH_FAILED,
        )
    forums = tuple(sorted(set(grant.forums)))
    directorates = tuple(sorted(set(grant.directorates)))
    unknown = sorted(set(forums) - {f.id for f in store.forums()})
    unknown += sorted(set(directorates) - {u.code for u in store.org_units(include_retired=True)})
    if unknown:
        raise refused(
            "the rule names forums or directorates not in the store: " + ", ".join(unknown),
            code=ErrorCode.AUTH_FAILED,
        )
    if grant.role in FORUM_BOUND_ROLES and not forums:
        raise refused(f"the rule gives a {grant.role.value} no forum", code=ErrorCode.AUTH_FAILED)
    now = utc_now()
    with store.transaction() as conn:
        current = stored.read_user(conn, name)
        if current is None:
            current = stored.add_user(
                conn,
                name=name,
                role=grant.role.value,
                forums=forums,
                directorates=directorates,
                password_hash=SSO_ONLY,
                now=now,
                actor="oidc",
            )
        elif (current.role, current.forums, current.directorates) != (
            grant.role.value,
            forums,
            directorates,
        ):
            current = stored.update_user(
                conn,
                current,
                role=grant.role.value,
                forums=forums,
                directorates=directorates,
                now=now,
                actor="oidc",
            )
    return User.from_stored(current)


def start_session(
    store: Store, user: User, *, client: str | None = None, method: str = "password"
) -> SignedIn:
    """A new session for a user who has just signed in (audited as ``web.signin``, with the
    client's address and how they signed in: ``password`` or ``oidc``)."""
    now = utc_now()
    secret = secrets.token_urlsafe(32)
    csrf = secrets.token_urlsafe(32)
    expires = now + timedelta(hours=SESSION_HOURS)
    with store.transaction() as conn:
        row = stored.read_user(conn, user.name)
        if row is None or row.disabled:
            raise AuthenticationError("the account is not active", code=ErrorCode.AUTH_FAILED)
        stored.purge_sessions(conn, now)
        stored.write_session(
            conn, row, id_sha256=_sha256(secret), csrf_token=csrf, now=now, expires_at=expires
        )
        stored.audit_event(
            conn,
            now=now,
            actor=user.name,
            action="web.signin",
            entity_id=user.name,
            detail={"client": client, "expires_at": expires, "method": method},
        )
    return SignedIn(user, secret, csrf, expires)


def session_user(store: Store, secret: str | None) -> tuple[User, str] | None:
    """The user and CSRF token of a live session (``None``: no, expired or disabled)."""
    if not secret:
        return None
    with store.reading() as conn:
        found = stored.read_session(conn, _sha256(secret))
    if found is None or found.expires_at <= utc_now() or found.user.disabled:
        return None
    return User.from_stored(found.user), found.csrf_token


def end_session(store: Store, secret: str, user: User) -> None:
    """Sign out: the session is removed (audited as ``web.signout``)."""
    with store.transaction() as conn:
        stored.delete_session(conn, _sha256(secret))
        stored.audit_event(
            conn,
            now=utc_now(),
            actor=user.name,
            action="web.signout",
            entity_id=user.name,
            detail={},
        )


def token_user(store: Store, token: str | None) -> User | None:
    """The user an API token belongs to (``None``: unknown token or disabled account)."""
    if not token:
        return None
    with store.reading() as conn:
        row = stored.user_for_token(conn, _sha256(token))
    if row is None or row.disabled:
        return None
    return User.from_stored(row)


def record_refusal(store: Store, actor: str, what: str, why: str) -> None:
    """Audit a refused request (``web.refused``): who, what they asked for, why."""
    _audit(store, "web.refused", actor[:200], {"request": what[:500], "reason": why})


def may_read_forum(user: User, forum: Forum) -> bool:
    """Whether ``user`` may read ``forum``'s pack (forum-bound roles: only their forums)."""
    if user.role in FORUM_BOUND_ROLES:
        return forum.id in user.forums
    return True


def visible_forums(store: Store, user: User) -> list[Forum]:
    """The forums ``user`` may read, in the store's order."""
    return [f for f in store.forums() if may_read_forum(user, f)]


def require_forum(store: Store, user: User, forum_id: str) -> Forum:
    """The forum, when it exists and ``user`` may read it (refusals are audited)."""
    forums = {f.id: f for f in store.forums()}
    forum = forums.get(forum_id)
    if forum is None:
        raise NotFoundError(f"there is no forum '{forum_id}'")
    if not may_read_forum(user, forum):
        record_refusal(store, user.name, f"forum {forum_id}", "forum not on the account")
        raise PermissionDeniedError(f"your account does not give access to forum '{forum_id}'")
    return forum


def require_role(store: Store, user: User, roles: frozenset[Role], what: str) -> None:
    """Refuse (and audit) unless ``user`` has one of ``roles``."""
    if user.role not in roles:
        record_refusal(store, user.name, what, f"role {user.role.value} not allowed")
        raise PermissionDeniedError(f"your role ({user.role.value}) does not give access to {what}")
