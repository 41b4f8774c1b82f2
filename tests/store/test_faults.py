"""What the database suffers, and what a person is told: a read-only file (opened read-only,
reads work, writes refused in one line), a full disk (a small tmpfs), the file gone, the
PostgreSQL server gone, a failing migration (named; no backup left behind), backups checked,
pruned and refused on a disk that cannot hold them. All on real files, mounts and servers.

The tmpfs tests mount one (root only: `mount -t tmpfs`); elsewhere they skip and say why.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import sqlite3
import subprocess
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from griddesk.store import queue, tickets, views
from griddesk.store.context import Store
from griddesk.store.db import Database, head_revision, prune_backups
from griddesk.store.errors import StoreError
from griddesk.store.faults import Fault, classify
from tests.conftest import _pg_admin, open_store
from tests.fixtures_town import Town


class Mounts:
    """tmpfs mounts made by a test, unmounted after it."""

    def __init__(self, base: Path) -> None:
        self.base, self.made = base, []  # type: ignore[var-annotated]

    def tmpfs(self, name: str, size: str) -> Path:
        where = self.base / name
        where.mkdir(parents=True)
        got = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(where)],
                             capture_output=True, text=True)
        if got.returncode != 0:
            pytest.skip(f"cannot mount a tmpfs here (needs root): {got.stderr.strip()}")
        self.made.append(where)
        return where

    def read_only(self, where: Path) -> None:
        subprocess.run(["mount", "-o", "remount,ro", str(where)], check=True)


@pytest.fixture
def mounts(tmp_path: Path) -> Iterator[Mounts]:
    m = Mounts(tmp_path / "mnt")
    yield m
    for where in reversed(m.made):
        subprocess.run(["umount", "-l", str(where)], capture_output=True)


def _one_line(e: StoreError) -> str:
    msg = e.message("en")
    assert "\n" not in msg and "[SQL" not in msg and "sqlalche.me" not in msg and "Traceback" not in msg
    return msg


async def _add(town: Town, store: Store | None = None) -> str:
    return await tickets.create(store or town.store, town.operator, tickets.parse(town.ticket()))


async def _count(store: Store, town: Town) -> int:
    return await queue.count(store, town.operator)


# --- read-only ----------------------------------------------------------------------------


async def _read_only_store(town: Town, mounts: Mounts) -> tuple[Store, Path]:
    number = await _add(town)
    await town.store.close()  # a clean close: one file, no -wal
    where = mounts.tmpfs("ro", "20m")
    copy = where / "copy.db"
    shutil.copyfile(town.store.db.path, copy)  # type: ignore[arg-type]
    mounts.read_only(where)
    store = await open_store(str(copy))
    assert number
    return store, copy


@pytest.mark.sqlite_only("a read-only SQLite file on a read-only mount")
async def test_a_read_only_copy_opens_read_only_reads_and_refuses_writes(town: Town, mounts: Mounts) -> None:
    store, copy = await _read_only_store(town, mounts)
    try:
        assert store.read_only
        actor = await store.actor("op01")
        assert await _count(store, town.on(store)) >= 1
        with pytest.raises(Fault) as got:
            await _add(town.on(store), store)
        assert got.value.key == "fault.read_only"
        assert str(copy) in _one_line(got.value) and "read-only" in got.value.message("en")
        assert actor.login == "op01"
    finally:
        await store.close()
    assert sorted(p.name for p in copy.parent.iterdir()) == ["copy.db"]  # nothing was made beside it


@pytest.mark.sqlite_only("the SQLite file's mode bits")
async def test_a_read_only_file_in_a_writable_folder(town: Town) -> None:
    path = town.store.db.path
    assert path is not None
    await town.store.close()
    os.chmod(path, 0o444)
    if os.access(path, os.W_OK):  # root ignores the mode bits: the mount test covers root
        pytest.skip("running as root: file modes do not stop writes (see the tmpfs test)")
    store = await open_store(str(path))
    try:
        assert store.read_only
        with pytest.raises(Fault) as got:
            await _add(town.on(store), store)
        assert got.value.key == "fault.read_only"
    finally:
        await store.close()


async def test_a_read_only_database_behind_head_is_refused_not_migrated(tmp_path: Path, mounts: Mounts) -> None:
    where = mounts.tmpfs("old", "20m")
    path = where / "old.db"
    _at_0001(path)
    mounts.read_only(where)
    with pytest.raises(Fault) as got:
        await open_store(str(path))
    assert got.value.key == "fault.old_schema_read_only"
    assert "0001" in _one_line(got.value)


# --- full disk ----------------------------------------------------------------------------


def _fill(where: Path) -> Path:
    """Take every free byte of the mount."""
    filler = where / "filler"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT)
    try:
        for chunk in (65536, 4096, 512, 1):
            try:
                while True:
                    os.write(fd, b"\0" * chunk)
            except OSError:
                pass
    finally:
        os.close(fd)
    return filler


@pytest.mark.sqlite_only("the SQLite file's disk filling up (the server's disk is the server's)")
async def test_full_disk_is_one_line_and_nothing_is_written_then_it_recovers(town: Town, mounts: Mounts) -> None:
    await town.store.close()
    where = mounts.tmpfs("full", "4m")
    path = where / "g.db"
    shutil.copyfile(town.store.db.path, path)  # type: ignore[arg-type]
    store = await open_store(str(path))
    t2 = town.on(store)
    try:
        before = await _count(store, t2)
        await _add(t2, store)  # the -wal and -shm exist now, as in a console that has been running
        filler = _fill(where)
        failures = []
        for _ in range(5):  # a WAL file may have room for a write or two: keep going
            try:
                await _add(t2, store)
            except Fault as e:
                failures.append(e)
        assert failures, "the disk never filled"
        assert {f.key for f in failures} <= {"fault.disk_full"}
        assert "full" in _one_line(failures[0])
        written = await _count(store, t2)
        filler.unlink()
        await _add(t2, store)  # the same store, once there is room again
        assert await _count(store, t2) == written + 1 > before
    finally:
        await store.close()


# --- the file gone --------------------------------------------------------------------------


@pytest.mark.sqlite_only("the SQLite file deleted (PostgreSQL: test_postgres_database_dropped_midway_is_one_line)")
async def test_the_file_gone_is_said_and_the_store_recovers_when_it_is_back(town: Town, tmp_path: Path) -> None:
    path = town.store.db.path
    assert path is not None
    await _add(town)
    await town.store.close()  # checkpointed: the one file is the database
    saved = tmp_path / "saved.db"
    shutil.copyfile(path, saved)
    store = await open_store(str(path))
    t2 = town.on(store)
    try:
        n = await _count(store, t2)
        for p in path.parent.glob(path.name + "*"):
            p.unlink()
        with pytest.raises(Fault) as got:
            await _count(store, t2)
        assert got.value.key == "fault.gone" and str(path) in _one_line(got.value)
        with pytest.raises(Fault):
            await _add(t2, store)
        assert not path.exists()  # the write did not make an empty database
        shutil.copyfile(saved, path)
        assert await _count(store, t2) == n
        await _add(t2, store)
        assert await _count(store, t2) == n + 1
    finally:
        await store.close()


# --- PostgreSQL server gone ------------------------------------------------------------------


async def test_postgres_database_dropped_midway_is_one_line(pg_town: Town, pg_url: str) -> None:
    await _add(pg_town)
    name = pg_url.rsplit("/", 1)[1]
    await _pg_admin(f'DROP DATABASE "{name}" WITH (FORCE)')
    with pytest.raises(Fault) as got:
        await _add(pg_town)
    assert got.value.key == "fault.server_gone"
    msg = _one_line(got.value)
    assert name in msg
    await _pg_admin(f'CREATE DATABASE "{name}"')  # for the fixture's teardown


async def test_postgres_server_not_listening() -> None:
    with pytest.raises(StoreError) as got:
        await open_store("postgresql+asyncpg://postgres@127.0.0.1:1/nothing")
    assert "127.0.0.1:1" in _one_line(got.value)


def test_classify_knows_real_driver_errors(tmp_path: Path) -> None:
    path = tmp_path / "x.db"
    sqlite3.connect(path).execute("CREATE TABLE t (a)").connection.commit()
    ro = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    with pytest.raises(sqlite3.OperationalError) as got:
        ro.execute("INSERT INTO t VALUES (1)")
    fault = classify(got.value, "x")
    assert fault is not None and fault.key == "fault.read_only"
    path.write_bytes(b"not a database at all" * 100)
    with pytest.raises(sqlite3.DatabaseError) as bad:
        sqlite3.connect(path).execute("SELECT * FROM t")
    damaged = classify(bad.value, "x")
    assert damaged is not None and damaged.key == "fault.corrupt"
    assert classify(ValueError("a bug")) is None  # bugs stay bugs


# --- migrations -----------------------------------------------------------------------------


def _at_0001(path: Path) -> None:
    """A database at revision 0001, as an older GridDesk left it."""
    from alembic import command
    from sqlalchemy import create_engine

    from griddesk.store.db import alembic_config

    eng = create_engine(f"sqlite:///{path}")
    with eng.begin() as conn:
        cfg = alembic_config(f"sqlite:///{path}")
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0001")
    eng.dispose()


async def test_a_failing_migration_is_named_and_leaves_no_backup(tmp_path: Path) -> None:
    path = tmp_path / "g.db"
    _at_0001(path)
    con = sqlite3.connect(path)
    con.execute("ALTER TABLE people ADD COLUMN left_note TEXT")  # what 0002 is about to add
    con.commit()
    con.close()
    for _ in range(3):  # every failed start: the same message, and no backup left each time
        with pytest.raises(Fault) as got:
            await open_store(str(path))
        assert got.value.key == "fault.migration_failed"
        msg = _one_line(got.value)
        assert "0002" in msg and "left_reason" in msg and "cannot connect" not in msg
    assert [n for n in os.listdir(tmp_path) if n.endswith(".bak.db")] == []
    db = Database(str(path))
    try:
        assert await db.current_revision() == "0001"  # unchanged
    finally:
        await db.dispose()


async def test_backups_before_migrating_are_checked_and_pruned(tmp_path: Path) -> None:
    path = tmp_path / "g.db"
    olds = []
    for i in range(5):
        old = tmp_path / f"g.0001.2020010{i}-000000.bak.db"
        old.write_bytes(b"x")
        os.utime(old, (1_600_000_000 + i, 1_600_000_000 + i))
        olds.append(old)
    _at_0001(path)
    db = Database(str(path))
    try:
        made = await db.upgrade()
    finally:
        await db.dispose()
    assert made is not None and made.exists() and made.stat().st_size > 0
    assert oct(made.stat().st_mode & 0o777) == "0o600"
    con = sqlite3.connect(made)
    assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert con.execute("SELECT version_num FROM alembic_version").fetchone()[0] == "0001"
    con.close()
    left = sorted(n for n in os.listdir(tmp_path) if n.startswith("g.") and n.endswith(".bak.db"))
    assert len(left) == 3 and made.name in left and olds[4].name in left and olds[3].name in left
    assert prune_backups(path, 1)
    assert len([n for n in os.listdir(tmp_path) if n.startswith("g.") and n.endswith(".bak.db")]) == 1


async def test_no_backup_and_no_migration_on_a_disk_that_cannot_hold_it(tmp_path: Path, mounts: Mounts) -> None:
    built = tmp_path / "g.db"
    _at_0001(built)
    con = sqlite3.connect(built)  # make it big enough that the rest of the disk cannot hold a copy
    con.execute("CREATE TABLE ballast (b BLOB)")
    con.executemany("INSERT INTO ballast VALUES (?)", [(b"\1" * 60_000,) for _ in range(40)])
    con.commit()
    con.close()
    size = built.stat().st_size
    where = mounts.tmpfs("small", f"{int(size * 1.6) // 1024}k")
    path = where / "g.db"
    shutil.copyfile(built, path)
    with pytest.raises(Fault) as got:
        await open_store(str(path))
    assert got.value.key == "fault.no_space_for_backup"
    assert "MB" in _one_line(got.value)
    assert [p.name for p in where.iterdir() if ".bak" in p.name] == []
    db = Database(str(path))
    try:
        assert await db.current_revision() == "0001"
    finally:
        await db.dispose()


@pytest.mark.sqlite_only("a read-only SQLite file on a read-only mount")
async def test_read_only_store_reads_a_ticket(town: Town, mounts: Mounts) -> None:
    number = await _add(town)
    await town.store.close()
    where = mounts.tmpfs("ro2", "20m")
    copy = where / "c.db"
    shutil.copyfile(town.store.db.path, copy)  # type: ignore[arg-type]
    mounts.read_only(where)
    store = await open_store(str(copy))
    try:
        d = await views.detail(store, town.operator, number)
        assert d.ticket.number == number
        async with store.db.connect() as conn:
            assert (await conn.execute(text("SELECT version_num FROM alembic_version"))).scalar() == head_revision()
    finally:
        await store.close()


async def test_postgres_deadlock_is_retried_by_transact(pg_town: Town) -> None:
    """Two units of work lock two rows in opposite orders: PostgreSQL aborts one (40P01);
    `transact` runs it again and both commit."""
    db = pg_town.store.db
    codes = list(pg_town.units.values())[:2]
    both_locked_first = asyncio.Event()
    arrived: list[str] = []
    runs: list[str] = []

    def work(first: str, second: str) -> Callable[[AsyncSession], Awaitable[str]]:
        async def run(s: AsyncSession) -> str:
            runs.append(first)
            await s.execute(text("UPDATE units SET name = name || '·' WHERE code = :c"), {"c": first})
            arrived.append(first)
            if len(arrived) == 2:
                both_locked_first.set()
            await asyncio.wait_for(both_locked_first.wait(), 30)
            await s.execute(text("UPDATE units SET name = name || '·' WHERE code = :c"), {"c": second})
            return first

        return run

    got = await asyncio.gather(db.transact(work(codes[0], codes[1])), db.transact(work(codes[1], codes[0])))
    assert sorted(got) == sorted(codes)
    assert len(runs) == 3  # one of them ran twice
    async with db.connect() as conn:
        names = (await conn.execute(text("SELECT name FROM units WHERE code IN (:a, :b)"),
                                    {"a": codes[0], "b": codes[1]})).scalars().all()
    assert all(n.endswith("··") for n in names)
