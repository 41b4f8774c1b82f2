"""Engines, transactions and migrations for SQLite (embedded) and PostgreSQL (shared).

Write transactions on SQLite begin IMMEDIATE: with deferred ones, concurrent writers from
several consoles fail with "database is locked" instead of waiting. SQLAlchemy's pysqlite /
aiosqlite dialect sends no BEGIN by default, so we take over BEGIN ourselves (SQLAlchemy docs,
"Serializable isolation / Savepoints / Transactional DDL" recipe).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import event, inspect, text
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession, create_async_engine
from sqlalchemy.pool import ConnectionPoolEntry

from griddesk.store import paths, private_files
from griddesk.store.errors import StoreError

if TYPE_CHECKING:
    from alembic.config import Config  # at run time alembic loads only when migrating (alembic_config)

BUSY_TIMEOUT_MS = 15_000
WRITE = "griddesk_write"
MIGRATIONS = Path(__file__).parent / "migrations"


def default_url() -> str:
    return f"sqlite+aiosqlite:///{paths.data_dir() / 'griddesk.db'}"


def normalize_url(url: str) -> str:
    """Accept plain paths and sync driver names; hand back an async URL."""
    if "://" not in url:
        return f"sqlite+aiosqlite:///{Path(url).expanduser().resolve()}"
    for plain, asyncd in (
        ("sqlite://", "sqlite+aiosqlite://"),
        ("postgresql://", "postgresql+asyncpg://"),
        ("postgres://", "postgresql+asyncpg://"),
        ("postgresql+psycopg2://", "postgresql+asyncpg://"),
    ):
        if url.startswith(plain):
            return asyncd + url[len(plain):]
    if url.startswith(("sqlite+aiosqlite://", "postgresql+asyncpg://")):
        return url
    raise StoreError("error.db_url", url=url)


def sqlite_path(url: str) -> Path | None:
    u = make_url(url)
    if u.get_backend_name() != "sqlite" or not u.database or u.database == ":memory:":
        return None
    return Path(u.database)


def create_engine(url: str) -> AsyncEngine:
    url = normalize_url(url)
    path = sqlite_path(url)
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        # reporters' names and phones are in it: owner-only from the first byte (SQLite gives
        # the -wal and -shm files the database file's mode)
        private_files.create(path)
        for extra in ("-wal", "-shm"):
            private_files.narrow(f"{path}{extra}")
        engine = create_async_engine(url, connect_args={"timeout": BUSY_TIMEOUT_MS / 1000})
        _prepare_sqlite(engine)
        return engine
    return create_async_engine(url, pool_size=5, max_overflow=5, pool_pre_ping=True)


def _prepare_sqlite(engine: AsyncEngine) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def on_connect(dbapi_conn: Any, _record: ConnectionPoolEntry) -> None:
        # Any: the aiosqlite adapter's connection, whose sqlite3-style isolation_level the
        # DB-API protocol (DBAPIConnection) does not declare
        dbapi_conn.isolation_level = None  # we send BEGIN ourselves
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        cur.execute("PRAGMA synchronous=NORMAL")  # safe with WAL: a power cut loses no commit's integrity
        cur.close()

    @event.listens_for(engine.sync_engine, "begin")
    def on_begin(conn: Connection) -> None:
        write = conn.get_execution_options().get(WRITE, False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")


class Database:
    """One database: hands out read and write sessions, runs migrations."""

    def __init__(self, url: str | None = None):
        self.url = normalize_url(url or default_url())
        self.engine = create_engine(self.url)

    @property
    def backend(self) -> str:
        return self.engine.dialect.name

    async def dispose(self) -> None:
        await self.engine.dispose()

    @asynccontextmanager
    async def connect(self, write: bool = False) -> AsyncIterator[AsyncConnection]:
        """A Core connection inside one transaction, committed on clean exit."""
        async with self.engine.connect() as conn:
            if write:
                conn = await conn.execution_options(**{WRITE: True})
            async with conn.begin():
                yield conn

    @asynccontextmanager
    async def session(self, write: bool = False) -> AsyncIterator[AsyncSession]:
        """An ORM session inside one transaction; a write one begins IMMEDIATE on SQLite."""
        async with self.connect(write) as conn:
            session = AsyncSession(bind=conn, expire_on_commit=False, autoflush=True)
            try:
                yield session
                await session.flush()
            finally:
                await session.close()

    # --- migrations ---------------------------------------------------------------------

    async def current_revision(self) -> str | None:
        def read(sync_conn: Connection) -> str | None:
            if not inspect(sync_conn).has_table("alembic_version"):
                return None
            return sync_conn.execute(text("SELECT version_num FROM alembic_version")).scalar()

        async with self.engine.connect() as conn:
            return await conn.run_sync(read)

    async def upgrade(self, backup: bool = True) -> Path | None:
        """Bring the schema to head. On SQLite, copy the file aside first if a migration runs.

        Returns the backup's path when one was made. At head (every start but the first after
        an update) this reads one row and never imports Alembic, which costs a tenth of a second.
        """
        if await self.current_revision() == head_revision():
            return None
        current, head = await self.revisions()
        if current == head:
            return None
        made = None
        path = sqlite_path(self.url)
        if backup and current is not None and path is not None and path.exists():
            made = await self._backup_sqlite(path, current)
        # on SQLite our "begin" hook has opened the transaction; Alembic runs inside it
        async with self.engine.begin() as conn:
            await conn.run_sync(_run_alembic_upgrade)
        return made

    async def revisions(self) -> tuple[str | None, str]:
        from alembic.runtime.migration import MigrationContext
        from alembic.script import ScriptDirectory

        script = ScriptDirectory.from_config(alembic_config(self.url))
        head = script.get_current_head()
        assert head is not None

        def current(sync_conn: Connection) -> str | None:
            return MigrationContext.configure(sync_conn).get_current_revision()

        async with self.engine.connect() as conn:
            rev = await conn.run_sync(current)
        return rev, head

    async def _backup_sqlite(self, path: Path, revision: str) -> Path:
        stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
        target = path.with_name(f"{path.stem}.{revision}.{stamp}.bak{path.suffix}")

        def copy() -> None:
            import sqlite3

            # the backup API copies a consistent snapshot even with WAL and other readers
            private_files.create(target)
            src = sqlite3.connect(path)
            dst = sqlite3.connect(target)
            try:
                src.backup(dst)
            finally:
                dst.close()
                src.close()

        await asyncio.to_thread(copy)
        return target

    async def has_schema(self) -> bool:
        async with self.engine.connect() as conn:
            return await conn.run_sync(lambda c: inspect(c).has_table("tickets"))


def head_revision() -> str:
    """The newest revision id. Our migrations are linear and named `NNNN_<slug>.py` with
    revision id `NNNN` (tests/test_db.py checks this agrees with Alembic's own reading)."""
    return max(p.name.split("_", 1)[0] for p in (MIGRATIONS / "versions").glob("[0-9][0-9][0-9][0-9]_*.py"))


def alembic_config(url: str) -> Config:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def _run_alembic_upgrade(sync_conn: Connection) -> None:
    from alembic import command

    cfg = alembic_config(str(sync_conn.engine.url))
    cfg.attributes["connection"] = sync_conn
    command.upgrade(cfg, "head")
