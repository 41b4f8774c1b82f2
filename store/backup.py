"""Backups and restores of the whole database.

SQLite: sqlite3's online backup API (a consistent snapshot while consoles keep working, WAL
included), written to a `.part` file that is checked — not empty, `PRAGMA integrity_check`,
a GridDesk schema — and only then renamed into place, owner-only (0600). A restore copies a
checked file into the live database with the same API: one transaction, so every console sees
either the old or the new database, never a mix; the old one is kept beside it first as
`<name>.before-restore<suffix>`.

PostgreSQL: `pg_dump -Fc` to the file and `pg_restore --clean --if-exists --no-owner` back
(the PostgreSQL client programs must be on PATH; the password, if the URL has one, goes to them
in PGPASSWORD, never on the command line).
"""

from __future__ import annotations

import asyncio
import os
import shutil
import sqlite3
import time
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy.engine import make_url

from griddesk.store import faults, private_files
from griddesk.store.errors import Invalid, StoreError

if TYPE_CHECKING:
    from griddesk.store.db import Database


class BackupError(StoreError):
    """A backup could not be made or a file cannot be restored; nothing was changed."""


def before_restore_path(path: Path) -> Path:
    return path.with_name(f"{path.stem}.before-restore{path.suffix}")


def check_sqlite(path: Path) -> str | None:
    """Why the file is not a usable GridDesk database, or None when it is. Opens it read-only."""
    try:
        if path.stat().st_size == 0:
            return "empty file"
    except OSError as e:
        return e.strerror or type(e).__name__
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    except sqlite3.Error as e:
        return str(e)
    try:
        got = [r[0] for r in conn.execute("PRAGMA integrity_check")]
        if got != ["ok"]:
            return "; ".join(str(g) for g in got[:3])
        names = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if not {"alembic_version", "tickets"} <= names:
            return "not a GridDesk database"
    except sqlite3.Error as e:
        return str(e)
    finally:
        conn.close()
    return None


def copy_sqlite(source: Path, target: Path) -> None:
    """A checked, owner-only copy of `source` at `target`, via a `.part` file: a failure (a full
    disk) leaves no file under the target's name."""
    part = target.with_name(target.name + ".part")
    try:
        private_files.create(part, truncate=True)
        src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
        try:
            dst = sqlite3.connect(part)
            try:
                src.backup(dst)
                # a standalone file: no -wal beside it to lose when it is copied on
                dst.execute("PRAGMA journal_mode=DELETE")
            finally:
                dst.close()
        finally:
            src.close()
        problem = check_sqlite(part)
        if problem is not None:
            raise BackupError("backup.not_usable", path=str(target), reason=problem)
        os.replace(part, target)
    except BaseException:
        part.unlink(missing_ok=True)
        raise


async def backup(db: Database, target: Path) -> Path:
    """Write a backup of `db` to `target` (refused when it exists)."""
    if await asyncio.to_thread(os.path.lexists, target):
        raise Invalid("backup.exists", path=str(target))
    if db.path is not None:
        try:
            await asyncio.to_thread(copy_sqlite, db.path, target)
        except StoreError:
            raise
        except Exception as e:
            raise _failed(e, target) from e
        return target
    await _pg_dump(db, target)
    return target


def _failed(e: BaseException, target: Path) -> StoreError:
    fault = faults.classify(e, str(target))
    return fault or BackupError("backup.failed", path=str(target), reason=faults.short(e))


async def restore(db: Database, source: Path) -> Path | None:
    """Replace the database's content by the backup at `source`. SQLite: returns where the old
    content was kept. The caller has asked the operator first."""
    if not await asyncio.to_thread(os.path.isfile, source):
        raise Invalid("backup.no_file", path=str(source))
    if db.path is None:
        await _pg_restore(db, source)
        return None
    if db.read_only:
        raise faults.Fault("fault.read_only", where=db.where, reason="")
    problem = await asyncio.to_thread(check_sqlite, source)
    if problem is not None:  # the operator named a wrong file: bad input
        raise Invalid("backup.not_usable", path=str(source), reason=problem)
    from griddesk.store import db as db_mod

    newer = await asyncio.to_thread(_revision, source)
    if newer is not None and newer > db_mod.head_revision():
        raise Invalid("backup.too_new", path=str(source), revision=newer, head=db_mod.head_revision())
    kept = before_restore_path(db.path)
    path = db.path
    await db.engine.dispose()
    deadline = time.monotonic() + db_mod.WRITE_DEADLINE_S
    # writers of this machine wait at the gate; the copy into the live file is one transaction
    async with db_mod.write_gate(path, db.where, deadline):
        try:
            if path.exists():
                await asyncio.to_thread(copy_sqlite, path, kept)
            await asyncio.to_thread(_copy_into, source, path)
        except StoreError:
            raise
        except Exception as e:
            raise _failed(e, path) from e
    return kept if kept.exists() else None


def _revision(path: Path) -> str | None:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
        return str(row[0]) if row else None
    finally:
        conn.close()


def _copy_into(source: Path, live: Path) -> None:
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    try:
        dst = sqlite3.connect(live, timeout=60)
        try:
            dst.execute("PRAGMA journal_mode=WAL")
            src.backup(dst)
        finally:
            dst.close()
    finally:
        src.close()
    os.chmod(live, 0o600)


# --- PostgreSQL ------------------------------------------------------------------------------


def _pg_args(db: Database) -> tuple[list[str], dict[str, str]]:
    """Connection options for the client programs, and their environment (the password)."""
    u = make_url(db.url)
    args = []
    if u.host:
        args += ["-h", u.host]
    if u.port:
        args += ["-p", str(u.port)]
    if u.username:
        args += ["-U", u.username]
    env = dict(os.environ)
    if u.password:
        env["PGPASSWORD"] = str(u.password)
    args += ["-d", u.database or "postgres"]
    return args, env


async def _run(program: str, args: list[str], env: dict[str, str], where: str) -> None:
    exe = shutil.which(program)
    if exe is None:
        raise BackupError("backup.no_program", program=program)
    proc = await asyncio.create_subprocess_exec(exe, *args, env=env, stdout=asyncio.subprocess.DEVNULL,
                                                stderr=asyncio.subprocess.PIPE)
    _, err = await proc.communicate()
    if proc.returncode != 0:
        lines = [ln for ln in err.decode(errors="replace").splitlines() if ln.strip()]
        raise BackupError("backup.program_failed", program=program, code=proc.returncode,
                          reason=(lines[0][:200] if lines else ""), path=where)


async def _pg_dump(db: Database, target: Path) -> None:
    args, env = _pg_args(db)
    part = target.with_name(target.name + ".part")
    try:
        private_files.create(part, truncate=True)
        await _run("pg_dump", ["-Fc", "--no-owner", "-f", str(part), *args], env, str(target))
        # a dump pg_restore cannot list is no backup
        await _run("pg_restore", ["--list", str(part)], env, str(target))
        os.replace(part, target)
    finally:
        part.unlink(missing_ok=True)


async def _pg_restore(db: Database, source: Path) -> None:
    args, env = _pg_args(db)
    await _run("pg_restore", ["--list", str(source)], env, str(source))
    await db.engine.dispose()
    await _run("pg_restore", ["--clean", "--if-exists", "--no-owner", "--single-transaction", *args,
                              str(source)], env, str(source))


# --- for front ends (which never hold a Database) ---------------------------------------------


async def backup_to(url: str | None, target: Path) -> Path:
    """`griddesk backup`: the database named by --db, GRIDDESK_DB, config or the default.
    Nothing is migrated first: a backup is of the database as it is."""
    db = _database(url)
    try:
        return await backup(db, target)
    finally:
        await db.dispose()


async def restore_from(url: str | None, source: Path) -> Path | None:
    """`griddesk restore`: never opens the (perhaps damaged) database as a Store first."""
    db = _database(url)
    try:
        if db.path is not None:
            db.path.parent.mkdir(parents=True, exist_ok=True)
        return await restore(db, source)
    finally:
        await db.dispose()


def describe(url: str | None) -> str:
    """The database as the confirmation question names it."""
    db = _database(url)
    return db.where


def _database(url: str | None) -> Database:
    from griddesk.store import config
    from griddesk.store.db import Database

    _, value = config.named_database(url, config.load())
    return Database(value)
