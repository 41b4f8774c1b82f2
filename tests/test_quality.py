"""The architecture and the code's hygiene, checked by the suite itself (so `.ci/run`, which runs
only the README's test command, runs them): import-linter contracts, ruff, mypy."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("console", "store", "themes")
BIN = Path(sys.executable).parent


def _run(argv: list[str], cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(argv, cwd=cwd, capture_output=True, text=True, timeout=600)


def test_import_contracts_are_kept() -> None:
    # [tool.importlinter] in pyproject.toml: console -> store one way; the console never touches
    # SQLAlchemy, the models or the engine; screens never import the app
    r = _run([str(BIN / "lint-imports"), "--no-cache"])
    assert r.returncode == 0, r.stdout[-4000:] + r.stderr[-2000:]


def test_ruff_passes() -> None:
    r = _run([sys.executable, "-m", "ruff", "check", "--no-cache", *PACKAGES, "tests", "bench"])
    assert r.returncode == 0, r.stdout[-6000:] + r.stderr[-2000:]


@pytest.mark.slow
def test_mypy_passes(tmp_path: Path) -> None:
    # mypy cannot follow the editable install's import hook: give it a griddesk/ of links
    tree = tmp_path / "griddesk"
    tree.mkdir()
    for name in PACKAGES:
        (tree / name).symlink_to(ROOT / name, target_is_directory=True)
    r = _run([sys.executable, "-m", "mypy", "--config-file", str(ROOT / "pyproject.toml"),
              "--cache-dir", str(tmp_path / ".mypy_cache"), "-p", "griddesk"], cwd=tmp_path)
    assert r.returncode == 0, r.stdout[-6000:] + r.stderr[-2000:]
