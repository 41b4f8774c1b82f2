"""Where GridDesk keeps its files: XDG directories via platformdirs.

`GRIDDESK_HOME` puts everything under one folder instead (tests, a portable install):
`config.toml` in that folder, the data (databases, logs) in its `data` subfolder.
`griddesk info` prints each of these.
"""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

APP = "griddesk"


def _home() -> Path | None:
    home = os.environ.get("GRIDDESK_HOME")
    return Path(home).expanduser() if home else None


def data_dir() -> Path:
    home = _home()
    path = home / "data" if home else Path(platformdirs.user_data_dir(APP))
    path.mkdir(parents=True, exist_ok=True)
    return path


def config_dir() -> Path:
    """`$GRIDDESK_HOME` itself when set (README: "config.toml in that folder"), else the XDG
    config directory."""
    home = _home()
    path = home if home else Path(platformdirs.user_config_dir(APP))
    path.mkdir(parents=True, exist_ok=True)
    return path


def config_file() -> Path:
    return config_dir() / "config.toml"


def demo_db() -> Path:
    return data_dir() / "demo.db"


def log_dir() -> Path:
    """`<data dir>/logs`, readable by its owner only (tracebacks may quote tickets)."""
    path = data_dir() / "logs"
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    return path


def log_file() -> Path:
    return log_dir() / "griddesk.log"
