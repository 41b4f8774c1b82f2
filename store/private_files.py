"""Files that hold personal data are made readable by their owner only (0600).

The database file (SQLite makes its -wal and -shm files with the database's own mode), the
backups taken before a migration, exports and the log file. The mode is set when the file is
created (os.open with 0o600), so there is no moment where another local user could read it; a
file made earlier with a wider mode is narrowed.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import IO, Any

MODE = 0o600


def create(path: str | Path, truncate: bool = False) -> None:
    """Make `path` exist with mode 0600 (an existing file keeps its content unless `truncate`,
    and loses wider bits)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | (os.O_TRUNC if truncate else 0), MODE)
    try:
        os.fchmod(fd, MODE)
    finally:
        os.close(fd)


def narrow(path: str | Path) -> None:
    """Take group and other bits off an existing file we own (a database made before 0600)."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return
    if st.st_mode & 0o077 and st.st_uid == os.getuid():
        os.chmod(path, st.st_mode & 0o700)


def opener(path: str, flags: int) -> int:
    """For `open(..., opener=opener)`: create with 0600."""
    fd = os.open(path, flags, MODE)
    os.fchmod(fd, MODE)
    return fd


def open_text(path: str | Path, encoding: str = "utf-8", newline: str | None = None) -> IO[Any]:
    return open(path, "w", encoding=encoding, newline=newline, opener=opener)


def write_text(path: str | Path, text: str, encoding: str = "utf-8") -> None:
    with open_text(path, encoding=encoding) as f:
        f.write(text)
