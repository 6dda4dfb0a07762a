"""``trustboard serve`` starts a real server whose workers open the store from the settings it
hands them, and answers with the app's security headers."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from trustboard.store import Store


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.mark.slow
def test_serve_with_two_workers_answers(web_store: Store, app_url: str, tmp_path: Path) -> None:
    port = _free_port()
    code = (
        "import sys; from trustboard.cli.app import main; "
        f"sys.exit(main(['serve', '--database', {app_url!r}, '--port', '{port}', "
        "'--workers', '2']))"
    )
    log = tmp_path / "serve.log"
    with log.open("wb") as out:
        server = subprocess.Popen([sys.executable, "-c", code], stdout=out, stderr=out)
    try:
        deadline = time.monotonic() + 60
        got: tuple[int, dict[str, str], bytes] | None = None
        while time.monotonic() < deadline and got is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/sign-in", timeout=5) as a:
                    got = (a.status, {k.lower(): v for k, v in a.headers.items()}, a.read())
            except (urllib.error.URLError, ConnectionError):
                assert server.poll() is None, log.read_text(errors="replace")
                time.sleep(0.3)
        assert got is not None, "the server did not answer within 60 s"
        status, headers, body = got
        assert status == 200
        assert "default-src 'none'" in headers["content-security-policy"]
        # on 127.0.0.1 plain HTTP is allowed, so the cookie is not Secure
        cookie = headers["set-cookie"]
        assert cookie.startswith("tb_signin_csrf=") and "Secure" not in cookie
        assert b'name="csrf_token"' in body
    finally:
        server.terminate()
        server.wait(timeout=30)
