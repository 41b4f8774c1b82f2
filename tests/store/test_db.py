"""The database layer on real files and the real PostgreSQL server."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from sqlalchemy import text

from griddesk.store.context import Store
from griddesk.store.db import Database, normalize_url
from griddesk.store.errors import StoreError


@pytest.mark.fresh_db
@pytest.mark.sqlite_only("SQLite PRAGMAs: WAL, foreign keys, busy timeout (PostgreSQL: test_postgres_is_migrated_too)")
async def test_fresh_sqlite_is_migrated_with_wal_and_foreign_keys(store: Store, db_path: Path) -> None:
    current, head = await store.db.revisions()
    assert current == head
    async with store.db.connect() as conn:
        assert (await conn.execute(text("PRAGMA journal_mode"))).scalar() == "wal"
        assert (await conn.execute(text("PRAGMA foreign_keys"))).scalar() == 1
        assert (await conn.execute(text("PRAGMA busy_timeout"))).scalar() >= 5000


NEXT_REVISION = '''
"""a later migration (test only)"""
import sqlalchemy as sa
from alembic import op

revision = "{next}"
down_revision = "{head}"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("areas", sa.Column("note", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("areas") as b:
        b.drop_column("note")
'''


async def test_migration_backs_up_an_existing_sqlite_file_first(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import shutil

    import griddesk.store.db as dbmod

    head = dbmod.head_revision()
    later_rev = f"{int(head) + 1:04d}"
    path = tmp_path / "town.db"
    db = Database(str(path))
    await db.upgrade()  # at the product's own head
    async with db.connect(write=True) as conn:
        await conn.execute(text("INSERT INTO areas (code, name, level, urban) VALUES ('4505', '北海市', 'city', 0)"))
    await db.dispose()

    # the product's migrations plus one more, as a later release would ship them
    later = tmp_path / "migrations"
    shutil.copytree(dbmod.MIGRATIONS, later, ignore=shutil.ignore_patterns("__pycache__"))
    (later / "versions" / f"{later_rev}_later.py").write_text(
        NEXT_REVISION.replace("{next}", later_rev).replace("{head}", head), encoding="utf-8")
    monkeypatch.setattr(dbmod, "MIGRATIONS", later)

    db = Database(str(path))
    backup = await db.upgrade()
    assert await db.current_revision() == later_rev
    await db.dispose()
    assert backup is not None and backup.exists() and f".{head}." in backup.name
    old = sqlite3.connect(backup)
    assert old.execute("SELECT version_num FROM alembic_version").fetchone() == (head,)
    assert old.execute("SELECT name FROM areas").fetchall() == [("北海市",)]
    assert "note" not in [r[1] for r in old.execute("PRAGMA table_info(areas)")]
    old.close()
    new = sqlite3.connect(path)
    assert "note" in [r[1] for r in new.execute("PRAGMA table_info(areas)")]
    new.close()


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


@pytest.mark.fresh_db
async def test_postgres_is_migrated_too(pg_store: Store) -> None:
    current, head = await pg_store.db.revisions()
    assert current == head and pg_store.db.backend == "postgresql"


WRITER = textwrap.dedent("""
    import asyncio, sys
    from sqlalchemy import text
    from griddesk.store.db import Database

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


@pytest.mark.slow
@pytest.mark.sqlite_only("the SQLite write gate and BEGIN IMMEDIATE (PostgreSQL locks rows: test_concurrency.py)")
async def test_concurrent_writers_from_many_processes_lose_nothing(store: Store, db_path: Path) -> None:
    async with store.db.connect(write=True) as c:
        await c.execute(text("INSERT INTO counters (key, value) VALUES ('k', 0)"))
    # the writers race each other, not this event loop: waiting on them blocking is fine here
    procs = [subprocess.Popen([sys.executable, "-c", WRITER, str(db_path), "25"],  # noqa: ASYNC220
                              stderr=subprocess.PIPE, text=True) for _ in range(8)]
    errors = [p.communicate(timeout=120)[1] for p in procs]
    assert [p.returncode for p in procs] == [0] * 8, errors
    async with store.db.connect() as c:
        assert (await c.execute(text("SELECT value FROM counters WHERE key='k'"))).scalar() == 200


async def test_fast_head_check_agrees_with_alembic(store: Store) -> None:
    from griddesk.store.db import head_revision

    current, head = await store.db.revisions()
    assert head_revision() == head == current == await store.db.current_revision()


async def test_a_new_file_has_no_revision_until_upgraded(tmp_path: Path) -> None:
    db = Database(str(tmp_path / "new.db"))
    assert await db.current_revision() is None
    await db.upgrade()
    from griddesk.store.db import head_revision

    assert await db.current_revision() == head_revision()
    await db.dispose()


async def _upgrade_to(db: Database, revision: str) -> None:
    from alembic import command

    from griddesk.store.db import alembic_config

    def run(sync_conn):  # type: ignore[no-untyped-def]
        cfg = alembic_config(str(sync_conn.engine.url))
        cfg.attributes["connection"] = sync_conn
        command.upgrade(cfg, revision)

    async with db.engine.begin() as conn:
        await conn.run_sync(run)


# left_reason as 0001 held it ("reason" or "reason: note"), and what 0002 makes of it
PACKED = [(1, "resigned: 回乡照顾老人", "resigned", "回乡照顾老人"), (2, "failed_reviews", "failed_reviews", None),
          (3, "transferred:", "transferred", None), (4, "调往街道办", "other", "调往街道办"), (5, None, None, None)]


async def test_0002_splits_left_reason_into_reason_and_note(tmp_path: Path) -> None:
    await _check_0002(str(tmp_path / "old.db"))


async def test_0002_on_postgres_too(pg_url: str) -> None:
    await _check_0002(pg_url)


async def _check_0002(url: str) -> None:
    db = Database(url)
    try:
        await _upgrade_to(db, "0001")
        async with db.connect(write=True) as conn:
            await conn.execute(text("INSERT INTO areas (code, name, level, urban) "
                                    "VALUES ('4505', '北海市', 'city', false)"))
            for pid, packed, _r, _n in PACKED:
                await conn.execute(text("INSERT INTO people (id, name, role, status, left_reason, failed_reviews) "
                                        "VALUES (:id, :name, 'full_time', 'left', :reason, 0)"),
                                   {"id": pid, "name": f"人{pid}", "reason": packed})
            # a row that points at people: the migration must not rebuild the table under it
            await conn.execute(text("INSERT INTO grids (id, code, area_code, town_code, name, type, households, "
                                    "population, status, created_at) VALUES (1, '450502005001001', '4505', "
                                    "'450502005', '一网格', 'comprehensive', 0, 0, 'active', '2026-01-01')"))
            await conn.execute(text("INSERT INTO grid_assignments (grid_id, person_id, role) "
                                    "VALUES (1, 1, 'full_time')"))
        await db.upgrade(backup=False)
        async with db.connect() as conn:
            rows = (await conn.execute(text("SELECT id, left_reason, left_note FROM people ORDER BY id"))).all()
            assert (await conn.execute(text("SELECT count(*) FROM grid_assignments"))).scalar() == 1
        assert [tuple(r) for r in rows] == [(pid, reason, note) for pid, _p, reason, note in PACKED]
    finally:
        await db.dispose()
