"""What the database itself can suffer — locked, read-only, disk full, file gone, server gone,
a failed migration — as one-line messages for people (`Fault`, a StoreError).

This is the one place that reads driver exceptions (sqlite3's error names, PostgreSQL's
SQLSTATE codes, socket errors). `Database.connect` passes every exception through `classify`;
what it does not recognise (a bug) goes on unchanged, so bugs still show as bugs in the log.
"""

from __future__ import annotations

import errno
import shutil
from pathlib import Path
from typing import Any

from griddesk.store.errors import StoreError


class Fault(StoreError):
    """The database could not do what was asked; nothing was written. Not the operator's doing.

    `retry`: waiting and trying again may work (busy, locked, a serialization failure).
    """

    def __init__(self, key: str, /, *, retry: bool = False, **params: Any):
        super().__init__(key, **params)
        self.retry = retry


# sqlite3's extended error names (Python 3.11: `sqlite_errorname`), by prefix
_SQLITE = (
    ("SQLITE_BUSY", "fault.locked"),
    ("SQLITE_LOCKED", "fault.locked"),
    ("SQLITE_READONLY", "fault.read_only"),
    ("SQLITE_FULL", "fault.disk_full"),
    ("SQLITE_CANTOPEN", "fault.gone"),
    ("SQLITE_IOERR", "fault.io"),
    ("SQLITE_CORRUPT", "fault.corrupt"),
    ("SQLITE_NOTADB", "fault.corrupt"),
)

# the same, by message, for drivers that do not carry the name
_SQLITE_TEXT = (
    ("database is locked", "fault.locked"),
    ("database table is locked", "fault.locked"),
    ("readonly database", "fault.read_only"),
    ("database or disk is full", "fault.disk_full"),
    ("unable to open database file", "fault.gone"),
    ("disk i/o error", "fault.io"),
    ("file is not a database", "fault.corrupt"),
    ("database disk image is malformed", "fault.corrupt"),
)

# PostgreSQL SQLSTATE: class 08 connection, 57P01-03 shutdown, 3D000 database gone
_PG_RETRY = {"40001", "40P01", "55P03"}  # serialization failure, deadlock, lock not available
_PG = {
    "53100": "fault.disk_full",
    "53200": "fault.server_busy",  # out of memory
    "53300": "fault.server_busy",  # too many connections
    "25006": "fault.read_only",  # read-only transaction (a standby)
    "3D000": "fault.server_gone",  # the database was dropped
    "57P01": "fault.server_gone",
    "57P02": "fault.server_gone",
    "57P03": "fault.server_gone",
}

_ERRNO = {
    errno.ENOSPC: "fault.disk_full",
    errno.EDQUOT: "fault.disk_full",
    errno.EROFS: "fault.read_only",
    errno.EACCES: "fault.read_only",
    errno.EPERM: "fault.read_only",
    errno.ENOENT: "fault.gone",
}


def _chain(e: BaseException) -> list[BaseException]:
    """The exception, what SQLAlchemy wrapped (`orig`), and their causes."""
    out: list[BaseException] = []
    todo: list[BaseException | None] = [e]
    while todo:
        x = todo.pop(0)
        if x is None or any(x is y for y in out):
            continue
        out.append(x)
        todo += [getattr(x, "orig", None), x.__cause__, x.__context__]
    return out


LOW_SPACE = 1024 * 1024  # an I/O error on a disk with less free than this is the full disk


def classify(e: BaseException, where: str = "", path: Path | None = None) -> Fault | None:
    """The Fault for a driver or OS exception, or None when it is not one we know (a bug).
    `path`, a SQLite file: an I/O error where its disk is (nearly) full is reported as the
    full disk — SQLite says "disk I/O error" when it cannot grow the -shm file."""
    if isinstance(e, Fault):
        return e
    if isinstance(e, StoreError):  # the store's own refusal, raised inside a transaction
        return None
    for x in _chain(e):
        found = _one(x)
        if found is not None:
            key, retry = found
            if key == "fault.io" and path is not None and _free(path) < LOW_SPACE:
                key = "fault.disk_full"
            return Fault(key, retry=retry, where=where, reason=short(e))
    return None


def _one(x: BaseException) -> tuple[str, bool] | None:
    name = getattr(x, "sqlite_errorname", None)
    if isinstance(name, str):
        for prefix, key in _SQLITE:
            if name.startswith(prefix):
                return key, key == "fault.locked"
    code = getattr(x, "sqlstate", None) or getattr(x, "pgcode", None)
    if isinstance(code, str) and code:
        if code in _PG_RETRY:
            return "fault.locked", True
        if code in _PG:
            return _PG[code], False
        if code.startswith("08"):
            return "fault.server_gone", False
    kind = type(x).__name__
    if kind in ("ConnectionDoesNotExistError", "ConnectionFailureError", "CannotConnectNowError") or (
            kind == "InterfaceError" and "closed" in str(x).lower()):
        return "fault.server_gone", False
    if isinstance(x, (ConnectionError, TimeoutError)):
        return "fault.server_gone", False
    if isinstance(x, OSError) and x.errno in _ERRNO:
        return _ERRNO[x.errno], False
    if isinstance(x, OSError) and type(x).__module__ == "socket":  # gaierror: no such host
        return "fault.server_gone", False
    text = str(x).lower()
    if type(x).__module__.startswith(("sqlite3", "aiosqlite", "sqlalchemy")):
        for needle, key in _SQLITE_TEXT:
            if needle in text:
                return key, key == "fault.locked"
    return None


def _free(path: Path) -> int:
    try:
        return shutil.disk_usage(path.parent).free
    except OSError:
        return LOW_SPACE


def short(e: BaseException) -> str:
    """The driver's own first line, without SQLAlchemy's `[SQL: …]` and background link."""
    for x in _chain(e):
        if type(x).__module__.startswith("sqlalchemy"):
            continue
        text = str(x).strip()
        if text:
            return text.splitlines()[0][:200]
    text = str(e).split("\n[SQL:")[0].split("(Background on this error")[0].strip()
    return (text.splitlines()[0][:200] if text else type(e).__name__)
