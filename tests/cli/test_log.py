"""The log file (console/logs.py): private, rotating, never on the terminal; real subprocesses."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from tests.cli.script import griddesk, python


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return tmp_path / "home"


SETUP_AND_LOG = """
import logging, sys
from griddesk.console import logs
path = logs.setup()
logging.getLogger("griddesk.console.screens.queue").error("queue read failed: %s", "disk I/O error")
logging.getLogger("griddesk").warning("a warning")
logging.getLogger("griddesk").info("some info")
print(path)
print(logs.details_hint())
"""


def test_log_file_is_private_and_quiet(home: Path) -> None:
    r = python(home, SETUP_AND_LOG)
    assert r.returncode == 0, r.stderr
    assert r.stderr == ""  # nothing on the terminal
    log = home / "data" / "logs" / "griddesk.log"
    path, hint = r.stdout.split("\n", 1)
    assert path == str(log) and str(log) in hint and "日志" in hint
    text = log.read_text(encoding="utf-8")
    assert "ERROR griddesk.console.screens.queue: queue read failed: disk I/O error" in text
    assert "a warning" in text and "some info" not in text  # WARNING by default
    assert stat.S_IMODE(log.stat().st_mode) == 0o600
    assert stat.S_IMODE(log.parent.stat().st_mode) == 0o700


def test_log_level_from_the_environment(home: Path) -> None:
    r = python(home, SETUP_AND_LOG, GRIDDESK_LOG_LEVEL="info")
    assert r.returncode == 0 and r.stderr == ""
    assert "some info" in (home / "data" / "logs" / "griddesk.log").read_text(encoding="utf-8")


ROTATE = """
import logging
from griddesk.console import logs
logs.MAX_BYTES = 2_000
logs.setup()
for i in range(200):
    logging.getLogger("griddesk").error("line %d %s", i, "x" * 50)
"""


def test_rotated_files_stay_private(home: Path) -> None:
    log = home / "data" / "logs" / "griddesk.log"
    log.parent.mkdir(parents=True)
    log.write_text("", encoding="utf-8")
    log.chmod(0o644)  # a file left by an older version: made private on open
    r = python(home, ROTATE)
    assert r.returncode == 0 and r.stderr == ""
    files = sorted(log.parent.iterdir())
    assert [f.name for f in files] == ["griddesk.log", "griddesk.log.1", "griddesk.log.2", "griddesk.log.3"]
    assert all(stat.S_IMODE(f.stat().st_mode) == 0o600 for f in files)
    assert all(f.stat().st_size <= 2_100 for f in files)


def test_bad_log_level_exits_2(home: Path) -> None:
    r = griddesk(home, "units", "list", GRIDDESK_LOG_LEVEL="loud")
    assert r.returncode == 2 and "GRIDDESK_LOG_LEVEL" in r.stderr and "loud" in r.stderr
    assert "Traceback" not in r.stderr and r.stdout == ""


A_BUG = """
import sys
from griddesk.console.cli import info
from griddesk.console.cli.main import main

def broken(ctx):
    raise ZeroDivisionError("a bug in a command")

info.collect = broken
sys.exit(main(["info"]))
"""


def test_a_bug_in_a_command_is_logged(home: Path) -> None:
    r = python(home, A_BUG)
    assert r.returncode == 1 and "ZeroDivisionError" in r.stderr  # the traceback, as before
    text = (home / "data" / "logs" / "griddesk.log").read_text(encoding="utf-8")
    assert "ERROR griddesk.console.cli.main: griddesk info failed" in text
    assert "ZeroDivisionError: a bug in a command" in text and "Traceback" in text
