"""The database layer on real files and the real PostgreSQL server."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from sqlalchemy import text

from store.context import Store
from store.db import Database, normalize_url
from store.errors import StoreError


async def test_fresh_sqlite_is_migrated_with_wal_and_foreign_keys(store: Store, db_path: Path) -> None:
    current, head = await store.db.revisions()
    assert current == head
    async with store.db.connect() as conn:
        assert (await conn.execute(text("PRAGMA journal_mode"))).scalar() == "wal"
        assert (await conn.execute(text("PRAGMA foreign_keys"))).scalar() == 1
        assert (await conn.execute(text("PRAGMA busy_timeout"))).scalar() >= 5000


async def test_migration_backs_up_an_existing_sqlite_file(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    db = Database(str(path))
    await db.upgrade()
    async with db.connect(write=True) as conn:  # pretend the file is one revision behind
        await conn.execute(text("UPDATE alembic_version SET version_num = 'base0'"))
        await conn.execute(text("CREATE TABLE marker (x INTEGER)"))
    await db.dispose()

    # a fake older revision the script directory does not know would fail; instead check the
    # backup path directly through the same code the upgrade uses
    db = Database(str(path))
    backup = await db._backup_sqlite(path, "base0")
    await db.dispose()
    assert backup.exists() and backup != path
    names = {r[0] for r in sqlite3.connect(backup).execute("SELECT name FROM sqlite_master")}
    assert "marker" in names and "tickets" in names


async def test_no_backup_and_no_migration_when_at_head(store: Store, db_path: Path) -> None:
    assert await store.db.upgrade() is None
    assert list(db_path.parent.glob("*.bak*")) == []


def test_url_forms() -> None:
    assert normalize_url("/tmp/x.db") == "sqlite+aiosqlite:////tmp/x.db"
    assert normalize_url("postgresql://u@h/d") == "postgresql+asyncpg://u@h/d"
    with pytest.raises(StoreError) as e:
        normalize_url("mysql://u@h/d")
    assert "mysql://u@h/d" in e.value.message("en")


async def test_unreachable_database_is_a_clear_error() -> None:
    with pytest.raises(StoreError) as e:
        await Store.open("postgresql://postgres@127.0.0.1:1/none")
    assert "127.0.0.1:1" in e.value.message("en")


async def test_postgres_is_migrated_too(pg_store: Store) -> None:
    current, head = await pg_store.db.revisions()
    assert current == head and pg_store.db.backend == "postgresql"


WRITER = textwrap.dedent("""
    import asyncio, sys
    from sqlalchemy import text
    from store.db import Database

    async def main(path, n):
        db = Database(path)
        for i in range(n):
            # read-then-write: only atomic because the write transaction begins IMMEDIATE
            async with db.connect(write=True) as c:
                v = (await c.execute(text("SELECT value FROM counters WHERE key='k'"))).scalar()
                await c.execute(text("UPDATE counters SET value=:v WHERE key='k'"), {"v": v + 1})
        await db.dispose()

    asyncio.run(main(sys.argv[1], int(sys.argv[2])))
""")


async def test_concurrent_writers_from_many_processes_lose_nothing(store: Store, db_path: Path) -> None:
    async with store.db.connect(write=True) as c:
        await c.execute(text("INSERT INTO counters (key, value) VALUES ('k', 0)"))
    procs = [subprocess.Popen([sys.executable, "-c", WRITER, str(db_path), "25"],
                              stderr=subprocess.PIPE, text=True) for _ in range(8)]
    errors = [p.communicate(timeout=120)[1] for p in procs]
    assert [p.returncode for p in procs] == [0] * 8, errors
    async with store.db.connect() as c:
        assert (await c.execute(text("SELECT value FROM counters WHERE key='k'"))).scalar() == 200


async def test_fast_head_check_agrees_with_alembic(store: Store) -> None:
    from store.db import head_revision

    current, head = await store.db.revisions()
    assert head_revision() == head == current == await store.db.current_revision()


async def test_a_new_file_has_no_revision_until_upgraded(tmp_path: Path) -> None:
    db = Database(str(tmp_path / "new.db"))
    assert await db.current_revision() is None
    await db.upgrade()
    from store.db import head_revision

    assert await db.current_revision() == head_revision()
    await db.dispose()
