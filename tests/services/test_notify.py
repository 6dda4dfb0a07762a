"""Telling people: a narrative submitted tells its approvers, a returned one its author; the
e-mail through a local SMTP relay (started here) reaches the right address with a fixed
sentence and a link, never the metric's name or the narrative's text; a relay that does not
answer is audited and never fails the step.

The store holds the board-pack tests' catalogue: RES01 is led by the Chief Operating Officer,
for whom eve (an account named by her e-mail address) approves; WEL01 is private.
"""

from __future__ import annotations

import shutil
import socket
from collections.abc import Iterator
from datetime import date
from email import message_from_bytes, policy
from email.message import Message
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from pack.conftest import FORUMS, UNITS, catalogue
from trustboard.domain import Action
from trustboard.services import actions as tracker
from trustboard.services import narrative as nv
from trustboard.services import notify
from trustboard.services.users import Role, User, add_user
from trustboard.store import Store

PERIOD = "2025-03"
COO = "Chief Operating Officer"
EVE = User("eve@trust.nhs.example", Role.EXECUTIVE, (), ())  # approves for the COO
WREN = User("wren", Role.EXECUTIVE, (), ())  # writes; addressed at the configured domain
ANA = User("ana", Role.ANALYST, (), ())
ADAM = User("adam", Role.ADMIN, (), ())


class _Inbox:
    """Collects what the local relay receives."""

    def __init__(self) -> None:
        self.messages: list[tuple[str, list[str], Message]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = message_from_bytes(envelope.content, policy=policy.default)
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), message))
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def relay() -> Iterator[tuple[_Inbox, int]]:
    inbox = _Inbox()
    port = _free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield inbox, port
    controller.stop()


def _configure(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, port: int) -> None:
    config = tmp_path / "config.toml"
    config.write_text(
        "[smtp]\n"
        'host = "127.0.0.1"\n'
        f"port = {port}\n"
        'from = "trustboard@trust.nhs.example"\n'
        'site_url = "https://trustboard.trust.nhs.example/"\n'
        'domain = "trust.nhs.example"\n',
        encoding="utf-8",
    )
    monkeypatch.setenv("TRUSTBOARD_CONFIG", str(config))
    for name in ("TRUSTBOARD_SMTP_HOST", "TRUSTBOARD_SMTP_USER", "TRUSTBOARD_SMTP_PASSWORD"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("notify") / "n.db"
    made, _b, _a = Store.init(f"sqlite:///{path}", actor="test")
    made.upsert_catalogue(catalogue(), UNITS, FORUMS, effective=date(2020, 1, 1), source="t")
    for user in (EVE, WREN, ANA, ADAM):
        add_user(made, user.name, user.role.value, "a long enough passphrase")
    nv.set_lead(made, ADAM, COO, EVE.name)
    made.close()
    return path


@pytest.fixture
def store(built: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Store]:
    # no relay unless a test names one
    monkeypatch.setenv("TRUSTBOARD_CONFIG", str(_empty_config(tmp_path)))
    copy = tmp_path / "n.db"
    shutil.copyfile(built, copy)
    opened = Store.open(f"sqlite:///{copy}", actor="test")
    yield opened
    opened.close()


def _empty_config(tmp_path: Path) -> Path:
    path = tmp_path / "empty.toml"
    path.write_text("", encoding="utf-8")
    return path


def _submitted(store: Store, writer: User) -> int:
    start = nv.start_draft(store, writer, "RES01", PERIOD)
    saved = nv.save(
        store,
        writer,
        "RES01",
        PERIOD,
        {"summary": "Referrals rose by a fifth in March."},
        based_on=start.version.version,
    )
    nv.submit(store, writer, "RES01", PERIOD, based_on=saved.version)
    return saved.version + 1


def test_a_submission_tells_the_approver_and_a_return_tells_the_author(store: Store) -> None:
    submitted = _submitted(store, WREN)
    [waiting] = notify.inbox(store, EVE)
    assert waiting.kind == "narrative.submitted"
    assert "RES01" in waiting.subject and "wren" in waiting.subject
    # the narrative's page under the first forum that receives RES01 (the Trust Board)
    assert waiting.link == "/narrative/board/2025-03/RES01"
    assert notify.inbox(store, WREN) == []  # nobody is told of their own step
    nv.return_for_changes(store, EVE, "RES01", PERIOD, "Say why.", based_on=submitted)
    [returned] = notify.inbox(store, WREN)
    assert returned.kind == "narrative.returned" and EVE.name in returned.subject
    assert notify.unread_count(store, WREN.name) == 1
    added = [e for e in store.audit(action="notification.add")]
    assert sorted(e.after["recipient"] for e in added) == [EVE.name, "wren"]


def test_with_no_approver_recorded_the_admins_are_told(store: Store) -> None:
    # SAF11 is led by the Chief Nurse, for whom nobody approves: the admin may approve any
    start = nv.start_draft(store, WREN, "SAF11", PERIOD)
    nv.submit(store, WREN, "SAF11", PERIOD, based_on=start.version.version)
    [told] = notify.inbox(store, ADAM)
    assert told.kind == "narrative.submitted" and "SAF11" in told.subject


def test_no_relay_no_mail_and_nothing_else_changes(store: Store) -> None:
    assert notify.load_mail_settings() is None
    _submitted(store, WREN)
    assert len(notify.inbox(store, EVE)) == 1
    assert store.audit(action="notification.email_failed") == []


def test_the_relay_receives_a_link_and_nothing_withheld(
    store: Store,
    relay: tuple[_Inbox, int],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    inbox, port = relay
    inbox.messages.clear()
    _configure(tmp_path, monkeypatch, port)
    submitted = _submitted(store, WREN)
    nv.return_for_changes(
        store, EVE, "RES01", PERIOD, "Confidential: the ward closure.", based_on=submitted
    )
    assert len(inbox.messages) == 2
    (sender, to_eve, first), (_, to_wren, second) = inbox.messages
    assert sender == "trustboard@trust.nhs.example"
    # an account named by its address is written to there; another at the configured domain
    assert to_eve == ["eve@trust.nhs.example"] and to_wren == ["wren@trust.nhs.example"]
    assert first["Subject"] == "trustboard: Narrative waiting for your approval"
    assert second["Subject"] == "trustboard: Narrative returned to you"
    names = {m.id: m.name for m in store.metrics()}
    for _, _, message in inbox.messages:
        body = message.get_payload(decode=True)
        assert isinstance(body, bytes)
        text = body.decode("utf-8") + str(message["Subject"])
        assert "https://trustboard.trust.nhs.example/notifications" in text
        # the e-mail carries no metric id or name, narrative text or review comment
        for withheld in ("RES01", names["RES01"], "Referrals rose", "ward closure"):
            assert withheld not in text


def test_a_private_metric_s_action_mail_names_nothing(
    store: Store,
    relay: tuple[_Inbox, int],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    inbox, port = relay
    inbox.messages.clear()
    _configure(tmp_path, monkeypatch, port)
    private = next(m for m in store.metrics() if m.private)
    store.write_actions(
        [
            Action(
                id="P-1",
                metric_id=private.id,
                description="Review the confidential cases",
                owner=COO,
                due=date(2025, 3, 15),
            )
        ]
    )
    tracker.update_action(store, ANA, "P-1", due=date(2025, 4, 30), reason="Panel postponed")
    [(_, to, message)] = inbox.messages
    assert to == ["eve@trust.nhs.example"]
    assert message["Subject"] == "trustboard: Action due date moved later"
    body = message.get_payload(decode=True)
    assert isinstance(body, bytes)
    for withheld in (private.id, private.name, "P-1", "confidential", "Panel postponed"):
        assert withheld not in body.decode("utf-8")


def test_a_relay_that_does_not_answer_is_audited_and_the_step_stands(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _configure(tmp_path, monkeypatch, _free_port())  # nothing listens there
    submitted = _submitted(store, WREN)
    assert nv.latest(store, "RES01", PERIOD).version == submitted  # type: ignore[union-attr]
    [failed] = store.audit(action="notification.email_failed")
    assert failed.after["recipient"] == EVE.name
    assert failed.after["error"] == "ConnectionRefusedError"
    assert len(notify.inbox(store, EVE)) == 1


def test_mail_settings_are_checked(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from trustboard.errors import ConfigError

    config = tmp_path / "bad.toml"
    config.write_text('[smtp]\nhost = "relay"\nport = "twenty-five"\n', encoding="utf-8")
    monkeypatch.setenv("TRUSTBOARD_CONFIG", str(config))
    with pytest.raises(ConfigError, match="port"):
        notify.load_mail_settings()
    secret = tmp_path / "secret"
    secret.write_text("s3cret\n", encoding="utf-8")
    config.write_text(
        f'[smtp]\nhost = "relay"\nport = 587\nstarttls = true\npassword_file = "{secret}"\n'
        'username = "tb"\n',
        encoding="utf-8",
    )
    chosen = notify.load_mail_settings()
    assert chosen is not None
    assert (chosen.host, chosen.port, chosen.starttls) == ("relay", 587, True)
    assert (chosen.username, chosen.password) == ("tb", "s3cret")
    monkeypatch.setenv("TRUSTBOARD_SMTP_PASSWORD", "from-env")
    assert notify.load_mail_settings().password == "from-env"  # type: ignore[union-attr]
