"""``trustboard users`` and ``trustboard serve`` through the real entry point."""

from __future__ import annotations

from pathlib import Path

from cliruns import run
from trustboard.errors import ErrorCode
from trustboard.services.users import authenticate
from trustboard.store import Store


def test_add_list_token_disable(web_store: Store, app_url: str) -> None:
    added = run(
        [
            "users",
            "add",
            "carol",
            "--role",
            "board_member",
            "--forum",
            "board",
            "--password-stdin",
            "--database",
            app_url,
        ],
        input="carol's long passphrase\n",
    )
    assert added.exit_code == 0, added.output
    assert "added carol (board_member)" in added.stdout
    assert authenticate(web_store, "carol", "carol's long passphrase").forums == ("board",)
    listed = run(["users", "list", "--database", app_url])
    assert "carol\tboard_member\tforums=board\tdirectorates=-\tactive" in listed.stdout
    token = run(["users", "token", "carol", "--database", app_url])
    assert token.exit_code == 0 and token.stdout.startswith("tb_")
    assert "cannot be shown again" in token.stderr
    disabled = run(["users", "disable", "carol", "--database", app_url])
    assert disabled.exit_code == 0
    assert (
        "carol\tboard_member\tforums=board\tdirectorates=-\tdisabled"
        in run(["users", "list", "--database", app_url]).stdout
    )
    assert [a.action for a in web_store.audit(entity_id="carol")][:3] == [
        "user.disable",
        "user.token",
        "user.add",
    ]


def test_add_refuses_bad_input_and_stores_nothing(web_store: Store, app_url: str) -> None:
    before = web_store.fingerprint()
    cases = [
        (["users", "add", "x1", "--role", "chair", "--password-stdin"], ErrorCode.USER_ROLE),
        (["users", "add", "x2", "--role", "analyst", "--password-stdin"], ErrorCode.USER_PASSWORD),
        (["users", "add", "x3", "--role", "analyst"], ErrorCode.USER_PASSWORD),
        (
            ["users", "add", "bad name", "--role", "analyst", "--password-stdin"],
            ErrorCode.USER_NAME,
        ),
        # a name that ends in a line break is not a usable name either
        (
            ["users", "add", "x6\n", "--role", "analyst", "--password-stdin"],
            ErrorCode.USER_NAME,
        ),
        (["users", "add", "ana", "--role", "analyst", "--password-stdin"], ErrorCode.USER_EXISTS),
        (["users", "add", "x4", "--role", "board_member", "--password-stdin"], ErrorCode.USER_ROLE),
        (
            ["users", "add", "x5", "--role", "board_member", "--forum", "nope", "--password-stdin"],
            ErrorCode.NOT_FOUND,
        ),
    ]
    for args, code in cases:
        password = "short\n" if "x2" in args else "a long enough passphrase\n"
        result = run([*args, "--database", app_url], input=password)
        assert result.exit_code != 0, args
        assert f"[{code}]" in result.stderr, (args, result.stderr)
    assert web_store.fingerprint() == before


def test_serve_refuses_a_store_that_does_not_exist(tmp_path: Path) -> None:
    result = run(["serve", "--database", str(tmp_path / "none.db")])
    assert result.exit_code != 0
    assert "TB-STORE" in result.stderr
