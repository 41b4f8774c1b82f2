"""`griddesk --version` and `griddesk info`: the installed script in a subprocess, on a temporary
GRIDDESK_HOME."""

from __future__ import annotations

import importlib.metadata
import json
from pathlib import Path

import pytest

from tests.cli.script import griddesk


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return tmp_path / "home"


def test_version(home: Path) -> None:
    r = griddesk(home, "--version")
    assert r.returncode == 0, r.stderr
    assert r.stdout == f"griddesk {importlib.metadata.version('griddesk')}\n"


def test_info_defaults(home: Path) -> None:
    r = griddesk(home, "info", "--format", "json")
    assert r.returncode == 0, r.stderr
    info = json.loads(r.stdout)
    assert info["version"] == importlib.metadata.version("griddesk")
    assert info["config_file"] == str(home / "config.toml") and info["config_exists"] is False
    assert info["data_dir"] == str(home / "data")
    assert info["database"] == {"url": f"sqlite+aiosqlite:///{home / 'data' / 'griddesk.db'}", "source": "default",
                                "file": str(home / "data" / "griddesk.db"), "exists": False}
    assert info["demo_db"] == str(home / "data" / "demo.db")
    assert info["log_file"] == str(home / "data" / "logs" / "griddesk.log") and info["log_level"] == "WARNING"
    assert Path(info["themes_dirs"][0], "griddesk.toml").is_file()
    cal = info["calendar"]
    assert cal["library"] == "chinesecalendar" and {2024, 2025} <= set(cal["library_years"])
    assert cal["file"] is None and cal["file_years"] == []


def test_info_follows_config_env_and_option(home: Path, tmp_path: Path) -> None:
    calendar = tmp_path / "calendar.toml"
    calendar.write_text('[years.2041]\nholidays = ["2041-01-01"]\n[years.2040]\nworkdays = ["2040-02-04"]\n',
                        encoding="utf-8")
    home.mkdir(parents=True)
    (home / "config.toml").write_text(
        f'db = "postgresql://grid:s3cret@db.example/town"\ncalendar_file = "{calendar}"\n', encoding="utf-8")

    info = json.loads(griddesk(home, "info", "--format", "json").stdout)
    assert info["config_exists"] is True
    assert info["database"] == {"url": "postgresql+asyncpg://grid:***@db.example/town", "source": "config",
                                "file": None, "exists": None}
    assert info["calendar"]["file"] == str(calendar) and info["calendar"]["file_years"] == [2040, 2041]

    text = griddesk(home, "info")
    assert text.returncode == 0, text.stderr
    assert "s3cret" not in text.stdout and "grid:***@db.example" in text.stdout
    assert "配置文件" in text.stdout and "2040–2041" in text.stdout and "（存在）" in text.stdout

    db = tmp_path / "town.db"
    db.touch()
    by_env = json.loads(griddesk(home, "info", "--format", "json", GRIDDESK_DB=str(db)).stdout)["database"]
    assert by_env == {"url": f"sqlite+aiosqlite:///{db}", "source": "env", "file": str(db), "exists": True}
    # --db after the command, as every command takes it; it beats GRIDDESK_DB
    by_option = json.loads(griddesk(home, "info", "--format", "json", "--db", "postgres://a:b@h/x",
                                    GRIDDESK_DB=str(db)).stdout)["database"]
    assert by_option["source"] == "option" and by_option["url"] == "postgresql+asyncpg://a:***@h/x"


def test_info_in_english(home: Path) -> None:
    r = griddesk(home, "--lang", "en", "info")
    assert r.returncode == 0, r.stderr
    for label in ("config file", "data directory", "database", "demo database", "log file", "theme folders",
                  "holiday calendar"):
        assert label in r.stdout
    assert str(home / "data" / "logs" / "griddesk.log") in r.stdout


@pytest.mark.parametrize("argv", [["info", "--db", "mysql://x/y"], ["info", "--format", "yaml"]])
def test_bad_input_exits_2_without_a_traceback(home: Path, argv: list[str]) -> None:
    r = griddesk(home, *argv)
    assert r.returncode == 2 and "Traceback" not in r.stderr and r.stderr.strip()


def test_bad_calendar_file_exits_2(home: Path, tmp_path: Path) -> None:
    home.mkdir(parents=True)
    (home / "config.toml").write_text(f'calendar_file = "{tmp_path / "none.toml"}"\n', encoding="utf-8")
    r = griddesk(home, "info")
    assert r.returncode == 2 and "none.toml" in r.stderr and "Traceback" not in r.stderr


def test_info_shows_the_log_level(home: Path) -> None:
    info = json.loads(griddesk(home, "info", "--format", "json", GRIDDESK_LOG_LEVEL="error").stdout)
    assert info["log_level"] == "ERROR"
