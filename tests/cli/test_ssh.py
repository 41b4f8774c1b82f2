"""A real sshd on a loopback port, configured with `griddesk ssh-config`: a key logs a test
system user straight into the console of the account the key is mapped to; a command on the ssh
line and a port forward are refused.

Needs root (to run sshd and make the test user) and /usr/sbin/sshd (`.ci/run` installs
openssh-server); skipped with the reason otherwise.
"""

from __future__ import annotations

import fcntl
import os
import pty
import pwd
import select
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import termios
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from griddesk.console.cli.ssh import config_block
from tests.fixtures_town import Town

SSHD = "/usr/sbin/sshd"
USER = "gd-ssh-test"
WAIT = 60.0  # wall-clock bound for a broken setup, not a timing

pytestmark = pytest.mark.slow


def _skip_reason() -> str | None:
    if not Path(SSHD).exists():
        return f"{SSHD} is missing (apt-get install openssh-server; .ci/run does)"
    if os.geteuid() != 0:
        return "needs root to start sshd and create the test system user"
    if not (shutil.which("ssh") and shutil.which("ssh-keygen") and shutil.which("useradd")):
        return "ssh, ssh-keygen or useradd is missing"
    return None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_port(port: int, proc: subprocess.Popen[bytes] | None = None) -> None:
    deadline = time.monotonic() + WAIT
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            if (proc is not None and proc.poll() is not None) or time.monotonic() > deadline:
                raise
            time.sleep(0.1)  # polling a starting server


def _user() -> pwd.struct_passwd:
    """The test system user; this user (root) itself when a fresh user cannot run this Python
    (an interpreter under /root, as with pyenv there)."""
    made = _made_user()
    ran = subprocess.run(["runuser", "-u", USER, "--", sys.executable, "-c", "import griddesk.store"],
                         capture_output=True, timeout=WAIT)
    return made if ran.returncode == 0 else pwd.getpwuid(os.geteuid())


def _made_user() -> pwd.struct_passwd:
    try:
        return pwd.getpwnam(USER)
    except KeyError:
        subprocess.run(["useradd", "--create-home", "--shell", "/bin/sh", USER], check=True)
        # "*": no password, yet not a locked account ("!"), which sshd without PAM would refuse
        subprocess.run(["usermod", "-p", "*", USER], check=True)
        return pwd.getpwnam(USER)


class Sshd:
    def __init__(self, root: Path, port: int, key: Path, user: str) -> None:
        self.root, self.port, self.key, self.user = root, port, key, user

    def ssh(self, *args: str) -> list[str]:
        return ["ssh", "-i", str(self.key), "-p", str(self.port), "-o", "StrictHostKeyChecking=no",
                "-o", "UserKnownHostsFile=/dev/null", "-o", "BatchMode=yes", "-o", "IdentitiesOnly=yes",
                "-o", "LogLevel=ERROR", *args, f"{self.user}@127.0.0.1"]


@pytest.fixture
def sshd(town: Town, db_path: Path) -> Iterator[Sshd]:
    reason = _skip_reason()
    if reason:
        pytest.skip(reason)
    user = _user()
    # a folder the test user can reach (pytest's tmp folders are 0700, root's)
    root = Path(tempfile.mkdtemp(prefix="gd-ssh-", dir="/tmp"))
    try:
        root.chmod(0o755)
        home = root / "home"
        home.mkdir()
        db = home / "centre.db"  # in a folder the user owns: SQLite makes its -wal file beside it
        shutil.copyfile(db_path, db)
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(root / "host_key")], check=True)
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "county", "-f", str(root / "client")],
                       check=True)
        (root / "authorized_keys").write_text((root / "client.pub").read_text())
        listed = subprocess.run(["ssh-keygen", "-l", "-E", "sha256", "-f", str(root / "client.pub")],
                                capture_output=True, text=True, check=True).stdout.split()
        fingerprint = next(w for w in listed if w.startswith("SHA256:"))
        # the key is op01's: the county operator of the issue logs straight in
        # config.toml sits in GRIDDESK_HOME itself (store/paths.py), not in a config/ folder
        (home / "config.toml").write_text(
            f'[accounts]\nssh_keys = {{ "{fingerprint}" = "op01" }}\n', encoding="utf-8")
        for path in (home, home / "config.toml", db):
            os.chown(path, user.pw_uid, user.pw_gid)
        port = free_port()
        block = config_block(user.pw_name, str(db), "zh")
        config = root / "sshd_config"
        config.write_text("\n".join([
            f"Port {port}", "ListenAddress 127.0.0.1", f"HostKey {root / 'host_key'}",
            f"PidFile {root / 'sshd.pid'}", f"AuthorizedKeysFile {root / 'authorized_keys'}",
            "PasswordAuthentication no", "KbdInteractiveAuthentication no", "UsePAM no", "StrictModes no",
            f"AllowUsers {user.pw_name}", "PermitRootLogin prohibit-password", "PrintMotd no", "PrintLastLog no",
            block.rstrip("\n"),
            # the test's own data folder for the forced command (a real install uses the user's)
            f"    SetEnv GRIDDESK_HOME={home} LANG=C.UTF-8",
        ]) + "\n")
        Path("/run/sshd").mkdir(mode=0o755, exist_ok=True)  # sshd's privilege separation folder
        checked = subprocess.run([SSHD, "-t", "-f", str(config)], capture_output=True, text=True)
        assert checked.returncode == 0, checked.stderr
        proc = subprocess.Popen([SSHD, "-D", "-e", "-f", str(config)], stdout=subprocess.DEVNULL,
                                stderr=subprocess.PIPE)
        try:
            _wait_port(port, proc)  # type: ignore[arg-type]
            yield Sshd(root, port, root / "client", user.pw_name)
        finally:
            proc.terminate()
            proc.wait(timeout=30)
    finally:
        shutil.rmtree(root, ignore_errors=True)


def _read_until(fd: int, wanted: str, proc: subprocess.Popen[bytes]) -> str:
    """Read the terminal's output until `wanted` shows (escape codes and all)."""
    deadline = time.monotonic() + WAIT
    seen = b""
    while time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.5)
        if ready:
            try:
                chunk = os.read(fd, 65536)
            except OSError:
                break
            if not chunk:
                break
            seen += chunk
            if wanted in seen.decode("utf-8", "replace"):
                return seen.decode("utf-8", "replace")
        elif proc.poll() is not None:
            break
    raise AssertionError(f"{wanted!r} not seen; got {seen[-2000:]!r}")


def _drain_until_exit(fd: int, proc: subprocess.Popen[bytes]) -> None:
    """Keep reading the terminal until ssh ends. Left unread, the pty's buffer fills with the
    console's last frames and its reset codes: ssh blocks writing them, sshd blocks sending
    them, and the session never closes although the console has quit (the CI failure)."""
    deadline = time.monotonic() + WAIT
    while proc.poll() is None and time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.5)
        if ready:
            try:
                if not os.read(fd, 65536):
                    break
            except OSError:  # EIO: ssh closed its side
                break
    proc.wait(timeout=WAIT)


def test_a_key_logs_in_to_the_console_of_its_account(sshd: Sshd) -> None:
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 100, 0, 0))
    proc = subprocess.Popen(sshd.ssh("-tt"), stdin=slave, stdout=slave, stderr=slave,
                            env={**os.environ, "TERM": "xterm-256color"}, close_fds=True)
    os.close(slave)
    try:
        screen = _read_until(master, "周敏", proc)  # op01's name in the console's header
        assert "账号或密码" not in screen  # no login screen: the key said who
        os.write(master, b"\x11")  # ctrl+q
        _drain_until_exit(master, proc)
        assert proc.returncode == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        os.close(master)


def test_no_command_runs_over_ssh(sshd: Sshd) -> None:
    marker = sshd.root / "ran"
    r = subprocess.run([*sshd.ssh(), f"touch {marker}; ls /"], capture_output=True, text=True, timeout=WAIT)
    assert r.returncode != 0 and "不能运行命令" in r.stderr
    assert not marker.exists() and "etc" not in r.stdout.split()
    r = subprocess.run([*sshd.ssh("-T")], capture_output=True, text=True, timeout=WAIT, stdin=subprocess.DEVNULL)
    assert r.returncode != 0 and "ssh -t" in r.stderr  # no terminal, no console


def test_port_forwarding_is_refused(sshd: Sshd) -> None:
    target = socket.socket()
    target.bind(("127.0.0.1", 0))
    target.listen()
    target_port = target.getsockname()[1]
    reached: list[bool] = []

    def answer() -> None:
        target.settimeout(WAIT)
        try:
            conn, _ = target.accept()
        except OSError:
            return
        reached.append(True)
        conn.sendall(b"secret\n")
        conn.close()

    threading.Thread(target=answer, daemon=True).start()
    local = free_port()
    proc = subprocess.Popen(sshd.ssh("-N", "-L", f"{local}:127.0.0.1:{target_port}"), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, stdin=subprocess.DEVNULL)
    try:
        _wait_port(local, proc)  # type: ignore[arg-type]
        with socket.create_connection(("127.0.0.1", local), timeout=WAIT) as c:
            c.settimeout(WAIT)
            got = c.recv(100)  # the forward is refused: the connection closes with nothing
        # sshd refused the channel: the connection closes with nothing, the target never saw it
        assert got == b"" and not reached
    finally:
        proc.terminate()
        proc.communicate(timeout=WAIT)
        target.close()
