"""`griddesk --version`: the installed script in a subprocess, on a temporary GRIDDESK_HOME."""

from __future__ import annotations

import importlib.metadata
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
