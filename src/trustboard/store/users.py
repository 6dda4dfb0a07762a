"""People who may use the web app: accounts, API tokens and sign-in sessions.

Passwords, API tokens and session ids are never stored as given: an account keeps an Argon2
hash of its password (made by the services layer), and a token or session keeps the SHA-256
of a random secret of 32 bytes (a secret that long cannot be guessed, so a fast hash is
enough and a lookup by hash stays an index search).  Every change to an account, and every
sign-in, failed sign-in and refusal the web app reports, is written to the audit log in the
same transaction.  Migration ``0007_users`` creates the tables; ``0009_signin_failures`` the
record of recent failed sign-ins by client address (the per-address throttle's sliding window).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Connection,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    delete,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.orm import Mapped, mapped_column

from trustboard.store.audit import record
from trustboard.store.models import AuditRow, Base, BigId, Flag, Stamp

__all__ = [
    "ApiTokenRow",
    "AppUserRow",
    "SessionRecord",
    "SigninFailureRow",
    "StoredUser",
    "WebSessionRow",
    "add_signin_failure",
    "add_token",
    "add_user",
    "audit_event",
    "count_signin_failures",
    "delete_session",
    "latest_data_change",
    "purge_sessions",
    "read_session",
    "read_user",
    "read_users",
    "set_disabled",
    "set_failures",
    "set_password_hash",
    "update_user",
    "user_for_token",
    "write_session",
]


class AppUserRow(Base):
    """One person's account (never deleted: disabling keeps the audit trail readable)."""

    __tablename__ = "app_user"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    role: Mapped[str] = mapped_column(String(32))
    forums: Mapped[Any] = mapped_column(JSON)
    directorates: Mapped[Any] = mapped_column(JSON)
    password_hash: Mapped[str] = mapped_column(Text)
    disabled: Mapped[bool] = mapped_column(Flag)
    failed_signins: Mapped[int] = mapped_column(Integer)
    locked_until: Mapped[datetime | None] = mapped_column(Stamp, nullable=True)
    created_at: Mapped[datetime] = mapped_column(Stamp)


class ApiTokenRow(Base):
    """An API token of an account (the SHA-256 of the secret shown once)."""

    __tablename__ = "api_token"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"), index=True)
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(Stamp)


class WebSessionRow(Base):
    """A signed-in browser: the SHA-256 of the cookie's secret, its CSRF token and expiry."""

    __tablename__ = "web_session"
    id_sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"), index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(Stamp)
    expires_at: Mapped[datetime] = mapped_column(Stamp)


class SigninFailureRow(Base):
    """One failed sign-in from a client address, whatever the account (kept for the throttle's
    window, then removed)."""

    __tablename__ = "signin_failure"
    __table_args__ = (Index("ix_signin_failure_client_at", "client", "at"),)
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    client: Mapped[str] = mapped_column(String(100))
    at: Mapped[datetime] = mapped_column(Stamp)


_u = AppUserRow.__table__
_t = ApiTokenRow.__table__
_s = WebSessionRow.__table__
_f = SigninFailureRow.__table__


@dataclass(frozen=True, slots=True)
class StoredUser:
    """An account as stored."""

    id: int
    name: str
    role: str
    forums: tuple[str, ...]
    directorates: tuple[str, ...]
    password_hash: str
    disabled: bool
    failed_signins: int
    locked_until: datetime | None
    created_at: datetime


@dataclass(frozen=True, slots=True)
class SessionRecord:
    """A stored session and its account."""

    user: StoredUser
    csrf_token: str
    expires_at: datetime


def _user(row: Any) -> StoredUser:
    return StoredUser(
        id=int(row.id),
        name=str(row.name),
        role=str(row.role),
        forums=tuple(row.forums or ()),
        directorates=tuple(row.directorates or ()),
        password_hash=str(row.password_hash),
        disabled=bool(row.disabled),
        failed_signins=int(row.failed_signins),
        locked_until=row.locked_until,
        created_at=row.created_at,
    )


def _public(user: StoredUser) -> dict[str, Any]:
    # what the audit log keeps of an account: never the password hash
    return {
        "name": user.name,
        "role": user.role,
        "forums": list(user.forums),
        "directorates": list(user.directorates),
        "disabled": user.disabled,
    }


def read_user(conn: Connection, name: str) -> StoredUser | None:
    """The account called ``name`` (``None`` when there is none)."""
    row = conn.execute(select(_u).where(_u.c.name == name)).first()
    return None if row is None else _user(row)


def read_users(conn: Connection) -> list[StoredUser]:
    """Every account, by name."""
    return [_user(r) for r in conn.execute(select(_u).order_by(_u.c.name))]


def add_user(
    conn: Connection,
    *,
    name: str,
    role: str,
    forums: tuple[str, ...],
    directorates: tuple[str, ...],
    password_hash: str,
    now: datetime,
    actor: str,
) -> StoredUser:
    """Create an account and audit it, in the caller's transaction."""
    conn.execute(
        insert(_u).values(
            name=name,
            role=role,
            forums=list(forums),
            directorates=list(directorates),
            password_hash=password_hash,
            disabled=False,
            failed_signins=0,
            locked_until=None,
            created_at=now,
        )
    )
    user = read_user(conn, name)
    assert user is not None  # written just above, in this transaction
    record(
        conn,
        now=now,
        actor=actor,
        action="user.add",
        entity="app_user",
        entity_id=name,
        before=None,
        after=_public(user),
    )
    return user


def set_disabled(conn: Connection, user: StoredUser, *, now: datetime, actor: str) -> None:
    """Disable an account, end its sessions and revoke its tokens; audited."""
    conn.execute(update(_u).where(_u.c.id == user.id).values(disabled=True))
    conn.execute(delete(_s).where(_s.c.user_id == user.id))
    conn.execute(delete(_t).where(_t.c.user_id == user.id))
    record(
        conn,
        now=now,
        actor=actor,
        action="user.disable",
        entity="app_user",
        entity_id=user.name,
        before=_public(user),
        after={**_public(user), "disabled": True},
    )


def set_failures(
    conn: Connection, user: StoredUser, *, failed: int, locked_until: datetime | None
) -> None:
    """Record the count of consecutive failed sign-ins and any lock (audited by the caller)."""
    conn.execute(
        update(_u)
        .where(_u.c.id == user.id)
        .values(failed_signins=failed, locked_until=locked_until)
    )


def set_password_hash(
    conn: Connection,
    user: StoredUser,
    password_hash: str,
    *,
    now: datetime,
    actor: str,
    detail: dict[str, Any],
) -> None:
    """Replace an account's password hash (the same password hashed with new parameters) and
    audit it (``user.rehash``, with ``detail``; never the hash itself)."""
    conn.execute(update(_u).where(_u.c.id == user.id).values(password_hash=password_hash))
    record(
        conn,
        now=now,
        actor=actor,
        action="user.rehash",
        entity="app_user",
        entity_id=user.name,
        before=None,
        after=detail,
    )


def update_user(
    conn: Connection,
    user: StoredUser,
    *,
    role: str,
    forums: tuple[str, ...],
    directorates: tuple[str, ...],
    now: datetime,
    actor: str,
) -> StoredUser:
    """Change an account's role, forums and directorates and audit it (``user.update``)."""
    conn.execute(
        update(_u)
        .where(_u.c.id == user.id)
        .values(role=role, forums=list(forums), directorates=list(directorates))
    )
    changed = read_user(conn, user.name)
    assert changed is not None  # the row updated just above
    record(
        conn,
        now=now,
        actor=actor,
        action="user.update",
        entity="app_user",
        entity_id=user.name,
        before=_public(user),
        after=_public(changed),
    )
    return changed


def add_signin_failure(
    conn: Connection, client: str, *, now: datetime, keep_since: datetime
) -> None:
    """Record a failed sign-in from ``client`` and forget the failures older than
    ``keep_since`` (from every address: the table holds only the throttle's window)."""
    conn.execute(delete(_f).where(_f.c.at < keep_since))
    conn.execute(insert(_f).values(client=client[:100], at=now))


def count_signin_failures(conn: Connection, client: str, since: datetime) -> int:
    """Failed sign-ins from ``client`` at or after ``since``."""
    found = conn.execute(
        select(func.count()).select_from(_f).where(_f.c.client == client[:100], _f.c.at >= since)
    ).scalar_one()
    return int(found)


def add_token(
    conn: Connection, user: StoredUser, token_sha256: str, *, now: datetime, actor: str
) -> None:
    """Keep the hash of a new API token of ``user``; audited (never the token itself)."""
    conn.execute(insert(_t).values(user_id=user.id, token_sha256=token_sha256, created_at=now))
    record(
        conn,
        now=now,
        actor=actor,
        action="user.token",
        entity="app_user",
        entity_id=user.name,
        before=None,
        after={"token_sha256_prefix": token_sha256[:8]},
    )


def user_for_token(conn: Connection, token_sha256: str) -> StoredUser | None:
    """The account an API token belongs to (``None`` for an unknown token)."""
    row = conn.execute(
        select(_u).join(_t, _t.c.user_id == _u.c.id).where(_t.c.token_sha256 == token_sha256)
    ).first()
    return None if row is None else _user(row)


def write_session(
    conn: Connection,
    user: StoredUser,
    *,
    id_sha256: str,
    csrf_token: str,
    now: datetime,
    expires_at: datetime,
) -> None:
    """Keep a new session of ``user``."""
    conn.execute(
        insert(_s).values(
            id_sha256=id_sha256,
            user_id=user.id,
            csrf_token=csrf_token,
            created_at=now,
            expires_at=expires_at,
        )
    )


def read_session(conn: Connection, id_sha256: str) -> SessionRecord | None:
    """The session with this id hash and its account (``None`` when there is none)."""
    row = conn.execute(
        select(_u, _s.c.csrf_token, _s.c.expires_at)
        .join(_s, _s.c.user_id == _u.c.id)
        .where(_s.c.id_sha256 == id_sha256)
    ).first()
    if row is None:
        return None
    return SessionRecord(_user(row), str(row.csrf_token), row.expires_at)


def delete_session(conn: Connection, id_sha256: str) -> None:
    """End one session."""
    conn.execute(delete(_s).where(_s.c.id_sha256 == id_sha256))


def purge_sessions(conn: Connection, now: datetime) -> int:
    """Remove expired sessions; returns how many."""
    return int(conn.execute(delete(_s).where(_s.c.expires_at <= now)).rowcount or 0)


def audit_event(
    conn: Connection,
    *,
    now: datetime,
    actor: str,
    action: str,
    entity_id: str | None,
    detail: dict[str, Any],
) -> None:
    """Write one web event (sign-in, failed sign-in, refusal) to the audit log."""
    record(
        conn,
        now=now,
        actor=actor,
        action=action,
        entity="web",
        entity_id=entity_id,
        before=None,
        after=detail,
    )


def latest_data_change(conn: Connection) -> int:
    """The id of the newest audit entry that changed data (accounts and web events left
    out): every write to the store is audited, so a cached view built at this id is current
    while it stays the same."""
    audit = AuditRow.__table__
    # Newest first, stopping at the first match: the primary key's index is read backwards
    # instead of every audit row being scanned for a maximum.
    found = conn.execute(
        select(audit.c.id)
        .where(audit.c.entity.not_in(("web", "app_user")))
        .order_by(audit.c.id.desc())
        .limit(1)
    ).scalar_one_or_none()
    return int(found or 0)
