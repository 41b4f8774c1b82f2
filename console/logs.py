"""The log file: where errors inside the console and the commands are written.

`setup()` runs when the console or any command starts (`console/cli/main.py`). Records go to
`<data dir>/logs/griddesk.log` — rotating at 1 MB, three old files kept, created owner-only
(0600) because a traceback may quote a ticket — and never to the terminal, where a stray line
would break Textual's screen. WARNING and above by default; `GRIDDESK_LOG_LEVEL` (DEBUG, INFO,
WARNING, ERROR, CRITICAL) changes it. `griddesk info` prints the path, and the console's error
notices end with it (`details_hint`).
"""

from __future__ import annotations

import logging
import logging.handlers
import os
from pathlib import Path
from typing import Any

from griddesk.store import paths
from griddesk.store.i18n import t

LEVEL_ENV = "GRIDDESK_LOG_LEVEL"
LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
DEFAULT_LEVEL = "WARNING"
MAX_BYTES = 1_000_000
BACKUPS = 3
FORMAT = "%(asctime)s %(process)d %(levelname)s %(name)s: %(message)s"

_file: Path | None = None
_handler: logging.Handler | None = None


class PrivateRotatingFileHandler(logging.handlers.RotatingFileHandler):
    """A `RotatingFileHandler` whose files (the current one and each after a rollover) are 0600."""

    def _open(self) -> Any:
        fd = os.open(self.baseFilename, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.fchmod(fd, 0o600)  # a file made earlier with a wider mode
        except OSError:
            pass
        return open(fd, "a", encoding=self.encoding, errors=self.errors)


def level_name(value: str | None = None) -> str:
    """The level GRIDDESK_LOG_LEVEL asks for (default WARNING); `ValueError` if it is none of LEVELS."""
    value = os.environ.get(LEVEL_ENV) if value is None else value
    if not value or not value.strip():
        return DEFAULT_LEVEL
    name = value.strip().upper()
    if name not in LEVELS:
        raise ValueError(value)
    return name


def setup(level: str | None = None) -> Path | None:
    """Send every logger's records to the log file only. Returns its path, or None when the data
    directory cannot be written (then records are dropped: still nothing on the terminal).
    Calling it again replaces what an earlier call installed."""
    global _file, _handler
    root = logging.getLogger()
    if _handler is not None:
        root.removeHandler(_handler)
        _handler.close()
    handler: logging.Handler
    path: Path | None
    try:
        path = paths.log_file()
        handler = PrivateRotatingFileHandler(path, maxBytes=MAX_BYTES, backupCount=BACKUPS, encoding="utf-8",
                                             delay=True)
        handler.setFormatter(logging.Formatter(FORMAT))
    except OSError:
        path, handler = None, logging.NullHandler()
    root.addHandler(handler)
    root.setLevel(level_name(level))
    logging.captureWarnings(True)  # warnings.warn would print over the screen too
    _file, _handler = path, handler
    return path


def log_file() -> Path | None:
    """The file `setup()` sends records to (None before it ran, or when it could not)."""
    return _file


def details_hint() -> str:
    """For an error notice: a line saying where the details are ("" when there is no log file)."""
    return "\n" + t("cli.log.details", path=str(_file)) if _file is not None else ""
