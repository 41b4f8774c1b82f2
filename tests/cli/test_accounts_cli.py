"""`griddesk user …`, `login` / `logout`, `--as` and the first run, as real processes on the test
town's SQLite file (and the in-process `cli` fixture for the details)."""

from __future__ import annotations

import io
import json
import stat
import subprocess
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest

from griddesk.console.cli.ssh import config_block
from tests.cli.conftest import Run
from tests.cli.script import GRIDDESK, env
from tests.fixtures_town import Town

GOOD = "correct horse 1"


def gd(home: Path, *argv: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run([GRIDDESK, *argv], input=stdin, env=env(home), capture_output=True, text=True,
                          timeout=120)


@pytest.fixture
def stdin(monkeypatch: pytest.MonkeyPatch) -> Callable[[str], None]:
    def give(text: str) -> None:
        monkeypatch.setattr(sys, "stdin", io.StringIO(text))
    return give


async def test_user_commands_as_the_administrator(town: Town, cli: Callable[..., Awaitable[Run]],
                                                  stdin: Callable[[str], None]) -> None:
    stdin(f"{GOOD}\n")
    r = await cli("user", "add", "county02", "--name", "县级坐席", "--role", "operator", "--jurisdiction", "450502",
                  "--password-stdin", login="admin")
    assert r.code == 0, r.err
    assert "已添加账号 county02（坐席员）" in r.out
    r = await cli("user", "add", "x1", "--name", "某", "--role", "operator", "--jurisdiction", "450502999",
                  login="admin")
    assert r.code == 2 and r.err.count("\n") == 1 and "450502999" in r.err and "Traceback" not in r.err
    r = await cli("user", "add", "x1", "--name", "某", "--role", "operator", "--jurisdiction", "450503",
                  login="admin")  # another county: not this administrator's to give
    assert r.code == 1 and "不在你的管辖范围内" in r.err
    stdin("short\n")
    r = await cli("user", "add", "x2", "--name", "某", "--role", "operator", "--jurisdiction", "450502005",
                  "--password-stdin", login="admin")
    assert r.code == 2 and "至少 8 个字符" in r.err
    r = await cli("user", "list", "--format", "json", login="admin")
    rows = {a["login"]: a for a in r.json()}
    assert rows["county02"]["has_password"] and not rows["op01"]["has_password"]
    assert "argon2" not in r.out and "hash\"" not in r.out
    r = await cli("user", "list", login="admin")
    assert r.code == 0 and "county02" in r.out and "无密码" in r.out and "argon2" not in r.out
    for command, said in (("disable", "已停用"), ("enable", "已启用"), ("unlock", "已解锁")):
        r = await cli("user", command, "county02", login="admin")
        assert r.code == 0 and said in r.out, r.err
    r = await cli("user", "disable", "county02", login="sup01")  # only an administrator
    assert r.code == 1 and "只有管理员" in r.err
    r = await cli("user", "list", login="op01")
    assert r.code == 1
    stdin("reset by admin\n")
    r = await cli("user", "passwd", "op01", "--password-stdin", login="admin")
    assert r.code == 0 and "已设置账号 op01 的密码" in r.out
    stdin("reset by admin\nmy own password\n")  # the owner: old, then new
    r = await cli("user", "passwd", "--password-stdin", login="op01")
    assert r.code == 0 and "已修改账号 op01 的密码" in r.out


def test_as_is_refused_on_a_real_database_for_an_unmapped_os_user(town: Town, db_path: Path, tmp_path: Path) -> None:
    home = tmp_path / "nobody-home"  # no config: this OS user is mapped to nothing
    r = gd(home, "--db", str(db_path), "--as", "sup01", "tickets", "list")
    assert r.returncode == 2 and r.stdout == ""
    assert "--as sup01" in r.stderr and "演示数据库" in r.stderr and "Traceback" not in r.stderr
    r = gd(home, "--db", str(db_path), "tickets", "list")  # and without --as: not logged in
    assert r.returncode == 2 and "griddesk login" in r.stderr


def test_login_keeps_a_private_token_that_the_next_commands_use(town: Town, db_path: Path, tmp_path: Path,
                                                                 machine_admin: Path) -> None:
    home = tmp_path / "home"  # the autouse GRIDDESK_HOME, where machine_admin wrote the config
    r = gd(home, "--db", str(db_path), "--as", "admin", "user", "passwd", "op01", "--password-stdin",
           stdin=f"{GOOD}\n")
    assert r.returncode == 0, r.stderr
    machine_admin.unlink()  # from here on this OS user is nobody in particular
    r = gd(home, "--db", str(db_path), "login", "op01", "--password-stdin", stdin="wrong password\n")
    assert r.returncode == 1 and "账号或密码不正确" in r.stderr
    r = gd(home, "--db", str(db_path), "login", "op01", "--password-stdin", stdin=f"{GOOD}\n")
    assert r.returncode == 0 and "已登录为 周敏(op01)" in r.stdout, r.stderr
    token = home / "data" / "login.json"
    assert stat.S_IMODE(token.stat().st_mode) == 0o600
    assert GOOD not in token.read_text()
    r = gd(home, "--db", str(db_path), "tickets", "list", "--format", "json")
    assert r.returncode == 0, r.stderr
    r = gd(home, "--db", str(db_path), "logout")
    assert r.returncode == 0 and "op01" in r.stdout
    r = gd(home, "--db", str(db_path), "tickets", "list")
    assert r.returncode == 2 and "griddesk login" in r.stderr
    log = home / "data" / "logs" / "griddesk.log"
    if log.exists():
        assert GOOD not in log.read_text(encoding="utf-8") and "argon2" not in log.read_text(encoding="utf-8")


def test_the_first_run_makes_the_administrator_and_says_how_to_go_on(tmp_path: Path) -> None:
    home, db = tmp_path / "home", tmp_path / "new.db"
    r = gd(home, "--db", str(db))  # a --db that does not exist is refused: the first run starts from init
    assert r.returncode == 2 and "griddesk init" in r.stderr and not db.exists()
    r = gd(home, "--db", str(db), "init")
    assert r.returncode == 0, r.stderr
    assert "griddesk user passwd admin" in r.stdout  # init makes the administrator and says how on
    r = gd(home, "--db", str(db))
    assert r.returncode == 1
    assert "griddesk demo" in r.stderr and "griddesk user passwd admin" in r.stderr
    assert "import areas|units|grids|people|accounts" in r.stderr
    r = gd(home, "--db", str(db), "tickets", "list")
    assert r.returncode == 2 and "griddesk user passwd admin" in r.stderr
    r = gd(home, "--db", str(db), "user", "passwd", "admin", "--password-stdin", stdin=f"{GOOD}\n")
    assert r.returncode == 0, r.stderr
    r = gd(home, "--db", str(db), "user", "passwd", "admin", "--password-stdin", stdin="another one 2\n")
    assert r.returncode == 2  # the bootstrap is over: log in first
    r = gd(home, "--db", str(db), "login", "admin", "--password-stdin", stdin=f"{GOOD}\n")
    assert r.returncode == 0, r.stderr
    r = gd(home, "--db", str(db), "user", "list", "--format", "json")
    assert r.returncode == 0 and [a["login"] for a in json.loads(r.stdout)] == ["admin"]


def test_ssh_config_prints_a_closed_match_block() -> None:
    block = config_block("gd-county", "/srv/griddesk/centre.db")
    lines = [line.strip() for line in block.splitlines()]
    assert "Match User gd-county" in lines
    force = next(line for line in lines if line.startswith("ForceCommand "))
    assert force.endswith("--db /srv/griddesk/centre.db ssh-session") and "griddesk" in force
    for want in ("ExposeAuthInfo yes", "PermitTTY yes", "PermitTunnel no", "AllowTcpForwarding no",
                 "AllowAgentForwarding no", "AllowStreamLocalForwarding no", "X11Forwarding no",
                 "DisableForwarding yes"):
        assert want in lines


def test_ssh_session_refuses_a_command_and_a_missing_terminal(town: Town, db_path: Path, tmp_path: Path) -> None:
    home = tmp_path / "home"
    r = subprocess.run([GRIDDESK, "--db", str(db_path), "ssh-session"], capture_output=True, text=True, timeout=60,
                       env=env(home, SSH_ORIGINAL_COMMAND="ls /"))
    assert r.returncode == 1 and "不能运行命令" in r.stderr and r.stdout == ""
    r = gd(home, "--db", str(db_path), "ssh-session")  # stdin is a pipe: no terminal
    assert r.returncode == 1 and "ssh -t" in r.stderr
