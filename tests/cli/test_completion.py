"""`griddesk completion bash|zsh|fish` and Tab itself: the installed script run as the shell
runs it on Tab (argcomplete's environment variables), in a subprocess."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli.script import griddesk


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return tmp_path / "home"


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_completion_prints_the_shell_code(home: Path, shell: str) -> None:
    r = griddesk(home, "completion", shell)
    assert r.returncode == 0, r.stderr
    assert "griddesk" in r.stdout and "_ARGCOMPLETE" in r.stdout


def complete(home: Path, line: str, tmp_path: Path) -> list[str]:
    """What Tab offers after `line`, as the shell code asks for it."""
    out = tmp_path / "completions.txt"
    r = griddesk(home, _ARGCOMPLETE="1", _ARGCOMPLETE_IFS="\n", _ARGCOMPLETE_STDOUT_FILENAME=str(out),
                 COMP_LINE=line, COMP_POINT=str(len(line)), COMP_TYPE="9")
    assert r.returncode == 0, r.stderr
    return out.read_text().split("\n")


def test_tab_offers_the_commands(home: Path, tmp_path: Path) -> None:
    top = complete(home, "griddesk ", tmp_path)
    assert {"demo", "tickets", "ticket", "info", "completion", "wall", "--version", "--db"} <= set(top)
    assert set(complete(home, "griddesk demo ", tmp_path)) >= {"init", "feed"}
    assert [c.strip() for c in complete(home, "griddesk inf", tmp_path)] == ["info"]
    assert set(complete(home, "griddesk completion ", tmp_path)) - {"-h", "--help"} == {"bash", "zsh", "fish"}
    assert not (home / "data" / "logs" / "griddesk.log").exists()


@pytest.mark.parametrize("argv", [["completion", "tcsh"], ["completion"]])
def test_bad_shell_exits_2(home: Path, argv: list[str]) -> None:
    r = griddesk(home, *argv)
    assert r.returncode == 2 and "Traceback" not in r.stderr and r.stderr.strip()
