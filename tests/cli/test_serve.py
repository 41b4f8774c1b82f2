"""`griddesk serve`: a real server process on a free loopback port answers HTTP 200, and says
nothing alarming there; bound elsewhere it warns."""

from __future__ import annotations

import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

from griddesk.console.cli.serve import is_loopback, session_command
from tests.cli.script import GRIDDESK, env
from tests.fixtures_town import Town


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _get(url: str, deadline: float, proc: subprocess.Popen[str]) -> tuple[int, str]:
    """GET until the server answers (it starts in its own time) or the deadline passes."""
    while True:
        try:
            with urllib.request.urlopen(url, timeout=5) as r:
                return r.status, r.read().decode("utf-8", "replace")
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                raise
            time.sleep(0.2)  # polling a starting server, not waiting a fixed time for a result


@pytest.mark.slow
def test_serve_answers_on_loopback_and_stops(town: Town, db_path: Path, tmp_path: Path) -> None:
    port = free_port()
    proc = subprocess.Popen([GRIDDESK, "--db", str(db_path), "serve", "--port", str(port)], env=env(tmp_path / "home"),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        status, body = _get(f"http://127.0.0.1:{port}/", time.monotonic() + 60, proc)
        assert status == 200 and f"ws://127.0.0.1:{port}/ws" in body
    finally:
        proc.terminate()
        out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    assert "警告" not in err and f"http://127.0.0.1:{port}" in err


def test_non_loopback_addresses_are_told_apart() -> None:
    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("localhost")
    assert not is_loopback("0.0.0.0") and not is_loopback("192.168.1.5") and not is_loopback("centre.example")
    assert session_command("/x/centre.db", "en").endswith("--lang en --db /x/centre.db serve-session")


def test_an_exposed_address_is_warned_about(tmp_path: Path) -> None:
    db, home = tmp_path / "x.db", tmp_path / "home"
    made = subprocess.run([GRIDDESK, "--db", str(db), "init"], env=env(home), capture_output=True, text=True,
                          timeout=60)  # a --db that does not exist is refused before serve warns
    assert made.returncode == 0, made.stderr
    r = subprocess.run([GRIDDESK, "--db", str(db), "serve", "--host", "203.0.113.1", "--port",
                        str(free_port())], env=env(home), capture_output=True, text=True, timeout=60)
    # the address is not this machine's: the warning comes first, then the bind fails cleanly
    assert "警告" in r.stderr and "203.0.113.1" in r.stderr
    assert r.returncode == 1 and "Traceback" not in r.stderr
