"""A damaged or wrong config file names the key and the reason; nothing falls back silently."""

from __future__ import annotations

from datetime import time
from pathlib import Path

import pytest

from griddesk.store import config, paths
from griddesk.store.errors import Invalid


def write(text: str) -> Path:
    path = paths.config_file()
    path.write_text(text, encoding="utf-8")
    return path


def test_no_file_gives_the_defaults() -> None:
    s = config.load()
    assert s.work_periods == ((time(8, 30), time(12, 0)), (time(14, 0), time(17, 30)))
    assert s.sign_limit_hours == 2 and s.verify_limit_hours == 24


def test_values_are_read() -> None:
    write('lang = "en"\nwork_hours = ["09:00-12:00", "13:30-18:00"]\ndue_soon_fraction = 0.2\n')
    s = config.load()
    assert s.lang == "en" and s.work_periods[1] == (time(13, 30), time(18, 0)) and s.due_soon_fraction == 0.2


@pytest.mark.parametrize(("text", "named"), [
    ('lang = "fr"', "lang"),
    ("sign_limit_hours = \"two\"", "sign_limit_hours"),
    ('work_hours = ["12:00-08:00"]', "work_hours"),
    ('work_hours = ["08:00-12:00", "11:00-17:00"]', "work_hours"),
    ("bell = 1", "bell"),
])
def test_wrong_values_name_the_key(text: str, named: str) -> None:
    write(text)
    with pytest.raises(Invalid) as e:
        config.load()
    assert named in e.value.message("en") and named in e.value.message("zh")


def test_a_damaged_file_names_the_file() -> None:
    path = write("lang = \n[[[")
    with pytest.raises(Invalid) as e:
        config.load()
    assert str(path) in e.value.message("en")


def test_files_live_in_the_configured_home(tmp_path: Path) -> None:
    assert paths.config_file().is_relative_to(tmp_path)
    assert paths.demo_db().is_relative_to(tmp_path)
