"""Telling people: in-app notifications, and optional e-mail through the trust's SMTP relay.

A notification is added for:

* ``narrative.returned``: a narrative returned with review comments, to the account that
  submitted it;
* ``narrative.submitted``: a narrative waiting for approval, to the accounts recorded as
  approving for the metric's executive lead (or, when none is recorded, to the admins, who may
  approve any);
* ``action.slipping`` and ``action.overdue``: an action whose due date moved later than first
  promised, or that is open past its due date, to the accounts that own it
  (:func:`trustboard.services.actions.accounts_owning`).  A slipping notice is sent once per new
  due date, an overdue one once per due date (:func:`trustboard.services.actions.remind` may
  run every day).

Nobody is told of their own step.  In the app a notification is one line and a link.

**E-mail** is optional: with no relay configured nothing is sent and everything else works.
The relay is named in the configuration file (:mod:`trustboard.services.settings`)::

    [smtp]
    host = "smtp.relay.nhs.example"
    port = 587
    starttls = true
    from = "trustboard@trust.nhs.example"
    site_url = "https://trustboard.trust.nhs.example"
    domain = "trust.nhs.example"      # for account names that are not addresses
    username = "trustboard"           # optional
    password_file = "/etc/trustboard/smtp-password"   # optional

``$TRUSTBOARD_SMTP_HOST``, ``$TRUSTBOARD_SMTP_USER`` and ``$TRUSTBOARD_SMTP_PASSWORD`` override
the file.  An account whose name is an e-mail address is written to there; another, at
``name@domain`` when ``domain`` is set, else not at all.  An e-mail carries a fixed sentence for
its kind and a link to the notifications page, never a metric's or risk's name, a narrative's
text or an action's description: the reader signs in to see what it is about, so nothing
withheld from a reader's role travels by e-mail.  Mail is sent after the transaction that added
the notifications commits; a failure is logged and audited (``notification.email_failed``) and
never fails the step that caused it.
"""

from __future__ import annotations

import email.policy
import logging
import os
import smtplib
import ssl
import tomllib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from pathlib import Path
from typing import Any
from urllib.parse import quote

from sqlalchemy import Connection
from sqlalchemy.exc import SQLAlchemyError

from trustboard.errors import ConfigError, TrustboardError
from trustboard.services.settings import config_path
from trustboard.services.users import Role, User, list_users
from trustboard.store import NarrativeVersion, Store, utc_now
from trustboard.store import narrative_versions as versions_store
from trustboard.store import notifications as stored
from trustboard.store.audit import record
from trustboard.store.notifications import Notification

__all__ = [
    "EMAIL_SUBJECT",
    "EMAIL_TEXT",
    "INBOX_LIMIT",
    "KINDS",
    "MailSettings",
    "deliver",
    "inbox",
    "load_mail_settings",
    "mark_read",
    "narrative_returned",
    "narrative_submitted",
    "tell",
    "unread_count",
]

_log = logging.getLogger("trustboard.notify")

#: Every kind of notification, with the sentence an e-mail of that kind carries.
EMAIL_TEXT: dict[str, str] = {
    "narrative.returned": "A narrative you submitted was returned with review comments.",
    "narrative.submitted": "A narrative is waiting for your approval.",
    "action.slipping": "The due date of an action you own has moved later.",
    "action.overdue": "An action you own is past its due date.",
}
#: The subject line of an e-mail of each kind (short enough never to be folded).
EMAIL_SUBJECT: dict[str, str] = {
    "narrative.returned": "Narrative returned to you",
    "narrative.submitted": "Narrative waiting for your approval",
    "action.slipping": "Action due date moved later",
    "action.overdue": "Action past its due date",
}
KINDS = tuple(EMAIL_TEXT)

#: The most notifications the notifications page lists (the newest).
INBOX_LIMIT = 200
#: Seconds an SMTP relay is given to answer before the message is given up (and audited).
SMTP_TIMEOUT_S = 10


@dataclass(frozen=True, slots=True)
class MailSettings:
    """The SMTP relay and how messages are addressed."""

    host: str
    port: int = 25
    starttls: bool = False
    from_address: str = "trustboard@localhost"
    site_url: str = ""
    domain: str | None = None
    username: str | None = None
    password: str | None = None


def _text(raw: dict[str, Any], key: str, where: str) -> str | None:
    value = raw.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise ConfigError(f"'{key}' in [smtp] of {where} must be text")
    return value


def load_mail_settings() -> MailSettings | None:
    """The relay from the configuration file's ``[smtp]`` and the environment (None: no
    relay, no e-mail)."""
    path = config_path()
    raw: dict[str, Any] = {}
    if path is not None:
        try:
            with path.open("rb") as handle:
                found = tomllib.load(handle).get("smtp") or {}
        except (OSError, tomllib.TOMLDecodeError) as bad:
            raise ConfigError(f"the configuration file '{path}' cannot be read: {bad}") from None
        if not isinstance(found, dict):
            raise ConfigError(f"'[smtp]' in '{path}' must be a table")
        raw = found
    where = str(path)
    known = {"host", "port", "starttls", "from", "site_url", "domain", "username", "password_file"}
    unknown = sorted(set(raw) - known)
    if unknown:
        raise ConfigError(
            f"unknown setting(s) in [smtp] of '{where}': {', '.join(unknown)}",
            hint="known: " + ", ".join(sorted(known)),
        )
    host = os.environ.get("TRUSTBOARD_SMTP_HOST") or _text(raw, "host", where)
    if not host:
        return None
    port = raw.get("port", 25)
    if not isinstance(port, int) or isinstance(port, bool) or not 0 < port < 65536:
        raise ConfigError(f"'port' in [smtp] of '{where}' must be a port number")
    starttls = raw.get("starttls", False)
    if not isinstance(starttls, bool):
        raise ConfigError(f"'starttls' in [smtp] of '{where}' must be true or false")
    password = os.environ.get("TRUSTBOARD_SMTP_PASSWORD")
    secret_file = _text(raw, "password_file", where)
    if password is None and secret_file:
        try:
            password = Path(secret_file).expanduser().read_text(encoding="utf-8").strip()
        except OSError as bad:
            raise ConfigError(
                f"the SMTP password file '{secret_file}' cannot be read: {bad}"
            ) from None
    return MailSettings(
        host=host,
        port=port,
        starttls=starttls,
        from_address=_text(raw, "from", where) or "trustboard@localhost",
        site_url=(_text(raw, "site_url", where) or "").rstrip("/"),
        domain=_text(raw, "domain", where),
        username=os.environ.get("TRUSTBOARD_SMTP_USER") or _text(raw, "username", where),
        password=password,
    )


def tell(
    conn: Connection,
    recipients: Iterable[str],
    kind: str,
    subject: str,
    link: str,
    *,
    now: datetime,
    exclude: str | None = None,
    dedupe_key: str | None = None,
) -> list[Notification]:
    """Add one notification of ``kind`` for each of ``recipients`` but ``exclude`` (in the
    caller's transaction; a recipient already told under ``dedupe_key`` is not told again).
    The caller delivers the notifications returned after its commit (:func:`deliver`)."""
    added = []
    for name in sorted(set(recipients)):
        if name == exclude:
            continue
        item = stored.add_notification(
            conn,
            recipient=name,
            kind=kind,
            subject=subject[:1000],
            link=link,
            now=now,
            dedupe_key=dedupe_key,
        )
        if item is not None:
            added.append(item)
    return added


def _narrative_link(store: Store, version: NarrativeVersion) -> str:
    """The narrative's page under the first forum (in agenda order) that receives the metric
    and shows it (a public forum leaves a private metric out), else the narrative list for the
    period."""
    carried = store.forum_metrics()
    definition = store.metric(version.metric_id)
    private = definition is not None and definition.private
    for forum in store.forums():
        if forum.public and private:
            continue
        if version.metric_id in carried.get(forum.id, ()):
            parts = (forum.id, version.period, version.metric_id)
            return "/narrative/" + "/".join(quote(p, safe="") for p in parts)
    return "/narrative?period=" + quote(version.period, safe="")


def narrative_returned(store: Store, version: NarrativeVersion) -> list[Notification]:
    """Tell the account that submitted a narrative that it came back (``version`` is the
    returned version); e-mail follows the commit.  Called after the return commits: a failure
    here is logged and never undoes or fails the return."""
    try:
        return _narrative_returned(store, version)
    except (TrustboardError, SQLAlchemyError) as bad:
        _log.warning("notification of returned narrative %s not added: %s", version.key, bad)
        return []


def _narrative_returned(store: Store, version: NarrativeVersion) -> list[Notification]:
    with store.transaction() as conn:
        found = versions_store.read_versions(
            conn, metric_ids=[version.metric_id], period=version.period, org_unit=version.org_unit
        )
        submitted = [v for v in found if v.version == version.based_on]
        author = submitted[0].author if submitted else None
        added = tell(
            conn,
            [author] if author else [],
            "narrative.returned",
            f"Your narrative of {version.metric_id} for {version.period} was returned by "
            f"{version.reviewer or version.author}",
            _narrative_link(store, version),
            now=version.created_at,
            exclude=version.author,
        )
    deliver(store, added)
    return added


def narrative_submitted(store: Store, version: NarrativeVersion) -> list[Notification]:
    """Tell the approvers of the metric's executive lead that a narrative waits for them
    (called after the submission commits; a failure is logged and never fails it)."""
    try:
        return _narrative_submitted(store, version)
    except (TrustboardError, SQLAlchemyError) as bad:
        _log.warning("notification of submitted narrative %s not added: %s", version.key, bad)
        return []


def _narrative_submitted(store: Store, version: NarrativeVersion) -> list[Notification]:
    definition = store.metric(version.metric_id)
    lead = definition.exec_lead if definition else None
    with store.transaction() as conn:
        recorded = versions_store.read_leads(conn, exec_lead=lead) if lead else []
        names = [r.user_name for r in recorded]
        if not names:
            names = [u.name for u in list_users(store) if u.role is Role.ADMIN and not u.disabled]
        added = tell(
            conn,
            names,
            "narrative.submitted",
            f"The narrative of {version.metric_id} for {version.period} waits for approval "
            f"(submitted by {version.author})",
            _narrative_link(store, version),
            now=version.created_at,
            exclude=version.author,
        )
    deliver(store, added)
    return added


def unread_count(store: Store, user_name: str) -> int:
    """How many of the account's notifications are unread (the header's badge)."""
    with store.reading() as conn:
        return stored.unread_count(conn, user_name)


def inbox(store: Store, user: User, *, limit: int = INBOX_LIMIT) -> list[Notification]:
    """The account's newest ``limit`` notifications, newest first."""
    with store.reading() as conn:
        return stored.read_notifications(conn, user.name, limit=limit)


def mark_read(store: Store, user: User, ids: Sequence[int] | None = None) -> int:
    """Mark the account's own notifications read (``ids``, or all); returns how many."""
    with store.transaction() as conn:
        return stored.mark_read(
            conn, user.name, now=utc_now(), ids=list(ids) if ids is not None else None
        )


def _address(name: str, settings: MailSettings) -> str | None:
    if "@" in name:
        return name
    if settings.domain:
        return f"{name}@{settings.domain}"
    return None


def _message(item: Notification, to: str, settings: MailSettings) -> EmailMessage:
    message = EmailMessage(policy=email.policy.SMTP)
    message["From"] = settings.from_address
    message["To"] = to
    message["Subject"] = "trustboard: " + EMAIL_SUBJECT.get(item.kind, "New notification")
    link = f"{settings.site_url}/notifications"
    message.set_content(
        f"{EMAIL_TEXT.get(item.kind, 'You have a new notification.')}\n\n"
        f"Sign in to trustboard to read it:\n{link}\n"
    )
    return message


def deliver(
    store: Store, items: Sequence[Notification], settings: MailSettings | None = None
) -> int:
    """E-mail ``items`` through the configured relay, if any (call after the commit that
    added them); returns how many were sent.  A failure is logged and audited, never raised."""
    if not items:
        return 0
    try:
        chosen = settings or load_mail_settings()
    except ConfigError as bad:
        _log.warning("e-mail not sent: %s", bad)
        return 0
    if chosen is None:
        return 0
    sent = 0
    for item in items:
        to = _address(item.recipient, chosen)
        if to is None:
            continue
        try:
            with smtplib.SMTP(chosen.host, chosen.port, timeout=SMTP_TIMEOUT_S) as smtp:
                if chosen.starttls:
                    smtp.starttls(context=ssl.create_default_context())
                if chosen.username and chosen.password:
                    smtp.login(chosen.username, chosen.password)
                smtp.send_message(_message(item, to, chosen))
            sent += 1
        except (OSError, smtplib.SMTPException) as bad:
            _log.warning("e-mail of notification %s to %s not sent: %s", item.id, to, bad)
            with store.transaction() as conn:
                record(
                    conn,
                    now=utc_now(),
                    actor="trustboard",
                    action="notification.email_failed",
                    entity="notification",
                    entity_id=str(item.id),
                    before=None,
                    after={"recipient": item.recipient, "error": type(bad).__name__},
                )
    return sent
