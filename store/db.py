"""Engines, transactions and migrations for SQLite (embedded) and PostgreSQL (shared).

Write transactions on SQLite begin IMMEDIATE: with deferred ones, concurrent writers from
several consoles fail with "database is locked" instead of waiting. SQLAlchemy's pysqlite /
aiosqlite dialect sends no BEGIN by default, so we take over BEGIN ourselves (SQLAlchemy docs,
"Serializable isolation / Savepoints / Transactional DDL" recipe).
"""

from __future__ import annotations

import asyncio
import os
import random
import shutil
import sys
import time
import weakref
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import quote

from sqlalchemy import create_engine as create_sync_engine
from sqlalchemy import event, inspect, text
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession, create_async_engine
from sqlalchemy.pool import ConnectionPoolEntry

from griddesk.store import faults, paths, private_files
from griddesk.store.errors import StoreError
from griddesk.store.faults import Fault

if TYPE_CHECKING:
    from alembic.config import Config  # at run time alembic loads only when migrating (alembic_config)

BUSY_TIMEOUT_MS = 15_000  # reads (WAL readers hardly ever wait); writes wait in `write_gate` instead
ATTEMPT_BUSY_MS = 250  # one BEGIN IMMEDIATE attempt; then back off and try again (`_begin_write`)
WRITE_DEADLINE_S = 60.0  # a write gives up, with a message, only after waiting this long in all
KEEP_BACKUPS = 3  # pre-migration backups kept beside the database
BACKUP_ROOM = 1.2  # free space needed for a pre-migration backup, times the database's size
WRITE = "griddesk_write"
MIGRATIONS = Path(__file__).parent / "migrations"
T = TypeVar("T")


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


def create_engine(url: str, read_only: bool = False) -> AsyncEngine:
    url = normalize_url(url)
    path = sqlite_path(url)
    if path is not None:
        if read_only:
            url = _read_only_url(path)
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            # reporters' names and phones are in it: owner-only from the first byte (SQLite gives
            # the -wal and -shm files the database file's mode)
            private_files.create(path)
            for extra in ("-wal", "-shm"):
                private_files.narrow(f"{path}{extra}")
        engine = create_async_engine(url, connect_args={"timeout": BUSY_TIMEOUT_MS / 1000})
        _prepare_sqlite(engine, read_only)
        return engine
    return create_async_engine(url, pool_size=5, max_overflow=5, pool_pre_ping=True)


def is_read_only(path: Path) -> bool:
    """An existing SQLite file we cannot write: its mode, a read-only mount, or a folder where
    WAL cannot make its -wal and -shm files."""
    if not path.exists():
        return False
    if not os.access(path, os.W_OK):
        return True
    if os.access(path.parent, os.W_OK):
        return False
    sides = [path.with_name(path.name + s) for s in ("-wal", "-shm")]
    return not all(p.exists() and os.access(p, os.W_OK) for p in sides)


def _read_only_url(path: Path) -> str:
    """SQLite's read-only URI. Where the -shm file cannot be made (a read-only folder), the file
    is opened immutable: nobody can be writing it there."""
    shm = path.with_name(path.name + "-shm")
    immutable = not os.access(path.parent, os.W_OK) and not shm.exists()
    return (f"sqlite+aiosqlite:///file:{quote(str(path))}?mode=ro"
            + ("&immutable=1" if immutable else "") + "&uri=true")


def _prepare_sqlite(engine: AsyncEngine | Engine, read_only: bool = False) -> None:
    target = engine.sync_engine if isinstance(engine, AsyncEngine) else engine

    @event.listens_for(target, "connect")
    def on_connect(dbapi_conn: Any, _record: ConnectionPoolEntry) -> None:
        # Any: the aiosqlite adapter's connection, whose sqlite3-style isolation_level the
        # DB-API protocol (DBAPIConnection) does not declare
        dbapi_conn.isolation_level = None  # we send BEGIN ourselves
        cur = dbapi_conn.cursor()
        if not read_only:  # both would write to the file
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")  # safe with WAL: a power cut loses no commit's integrity
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        cur.close()

    @event.listens_for(target, "begin")
    def on_begin(conn: Connection) -> None:
        if not conn.get_execution_options().get(WRITE, False):
            conn.exec_driver_sql("BEGIN")
            return
        # a short wait per attempt: `Database._begin_write` backs off and retries, rather than
        # one 15 s busy wait that SQLite's own polling makes unfair to the longest waiter
        conn.exec_driver_sql(f"PRAGMA busy_timeout={ATTEMPT_BUSY_MS}")
        try:
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        finally:
            conn.exec_driver_sql(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")


def backoff(attempt: int, waited: float) -> float:
    """Seconds to sleep before a write's next BEGIN IMMEDIATE: jittered and exponential (1 ms
    doubling to 50 ms) for a newcomer, but short (1-4 ms) once it has waited longer than a
    quarter second, so the longest waiters try most often: nobody starves."""
    cap = 0.004 if waited > 0.25 else min(0.05, 0.001 * 2 ** attempt)
    return random.uniform(cap / 4, cap)


# Writers in one process queue on an asyncio.Lock (first come, first served), one per file and
# event loop; only the head of that queue waits for the file's flock, in a thread.
_turns: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[Path, asyncio.Lock]] = weakref.WeakKeyDictionary()


def _turn(path: Path) -> asyncio.Lock:
    return _turns.setdefault(asyncio.get_running_loop(), {}).setdefault(path, asyncio.Lock())


@asynccontextmanager
async def write_gate(path: Path, where: str, deadline: float) -> AsyncIterator[None]:
    """Writers on one SQLite file take turns here, first come, first served: in this process
    through an asyncio.Lock, across processes through `_queue` on a lock file beside the
    database. The kernel wakes the next writer the moment the previous one lets go: no polling,
    no SQLite busy loop in which the longest waiter polls least. Closing the descriptor lets go,
    also when a process dies. Past `deadline` (time.monotonic()) the write gives up with
    `fault.locked`. The gate is for fairness and speed only: where the lock file cannot be made
    (or without fcntl), SQLite's own lock and `_begin_write`'s retries keep writes apart."""
    turn = _turn(path)
    try:
        await asyncio.wait_for(turn.acquire(), max(0.0, deadline - time.monotonic()))
    except TimeoutError:
        raise Fault("fault.locked", retry=True, where=where, reason="") from None
    try:
        try:
            fd = os.open(path.with_name(path.name + ".writelock"), os.O_RDWR | os.O_CREAT, 0o600)
        except OSError:
            yield
            return
        got = asyncio.ensure_future(asyncio.to_thread(_queue, fd))
        try:
            await asyncio.wait_for(asyncio.shield(got), max(0.0, deadline - time.monotonic()))
        except BaseException:  # past the deadline, or cancelled: keep our place, let go once it comes
            got.add_done_callback(lambda _: os.close(fd))
            if isinstance(sys.exc_info()[1], TimeoutError):
                raise Fault("fault.locked", retry=True, where=where, reason="") from None
            raise
        try:
            yield
        finally:
            os.close(fd)
    finally:
        turn.release()


def _queue(fd: int) -> None:
    """Wait for our turn, in a worker thread (it blocks). A ticket lock: under a brief flock the
    writer takes the next ticket k from the file's first 8 bytes and locks byte k+8 (a Linux
    open-file-description lock: per descriptor, like flock); then it waits for byte k+7, which
    ticket k-1 holds until its write is done. So writers go in the order they came, each woken
    alone. Without OFD locks (not Linux) a plain blocking flock: order left to the kernel."""
    import fcntl
    import struct

    if not hasattr(fcntl, "F_OFD_SETLKW"):  # pragma: no cover - macOS, BSD
        fcntl.flock(fd, fcntl.LOCK_EX)
        return

    def lock(cmd: int, kind: int, at: int) -> None:
        fcntl.fcntl(fd, cmd, struct.pack("hhqqi", kind, os.SEEK_SET, at, 1, 0))  # struct flock, l_pid 0

    fcntl.flock(fd, fcntl.LOCK_EX)
    try:
        raw = os.pread(fd, 8, 0)
        ticket = int.from_bytes(raw, "little") if len(raw) == 8 else 0
        lock(fcntl.F_OFD_SETLK, fcntl.F_WRLCK, ticket + 8)  # ours: nobody else has this ticket
        os.pwrite(fd, (ticket + 1).to_bytes(8, "little"), 0)
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
    if ticket:
        lock(fcntl.F_OFD_SETLKW, fcntl.F_WRLCK, ticket + 7)  # the one before us is done
        lock(fcntl.F_OFD_SETLK, fcntl.F_UNLCK, ticket + 7)


async def _retried(once: Callable[[], Awaitable[T]], deadline: float) -> T:
    """`once()` again from the start while the database answers "try again" (a `Fault` marked
    retry: PostgreSQL's serialization failure or deadlock, SQLite's busy), with `backoff`,
    until the monotonic `deadline`: the one retry rule of `transact` and `write_sync`."""
    start, attempt = time.monotonic(), 0
    while True:
        try:
            return await once()
        except Fault as e:
            now = time.monotonic()
            if not e.retry or now > deadline:
                raise
            await asyncio.sleep(backoff(attempt, now - start))
            attempt += 1


class Database:
    """One database: hands out read and write sessions, runs migrations."""

    def __init__(self, url: str | None = None):
        self.url = normalize_url(url or default_url())
        self.path = sqlite_path(self.url)
        self.read_only = self.path is not None and is_read_only(self.path)
        self.engine = create_engine(self.url, self.read_only)
        self._sync: Engine | None = None  # SQLite: the synchronous engine of `write_sync`, made on first use
        self._opened = False  # a file that existed once and is gone is a fault, not a new database

    @property
    def where(self) -> str:
        """The database as messages name it: the file, or the URL without its password."""
        if self.path is not None:
            return str(self.path)
        return make_url(self.url).render_as_string(hide_password=True)

    @property
    def backend(self) -> str:
        return self.engine.dialect.name

    async def dispose(self) -> None:
        await self.engine.dispose()
        if self._sync is not None:
            self._sync.dispose()

    @asynccontextmanager
    async def connect(self, write: bool = False) -> AsyncIterator[AsyncConnection]:
        """A Core connection inside one transaction, committed on clean exit.

        A write on SQLite first waits its turn (`write_gate`), then begins IMMEDIATE (retried,
        `_begin_write`), so no writer sees "database is locked". What the database suffers
        (read-only, disk full, file or server gone) comes out as one `Fault` (store/faults.py).
        """
        await self._may_open(write)
        try:
            if write and self.path is not None:
                deadline = time.monotonic() + WRITE_DEADLINE_S
                async with write_gate(self.path, self.where, deadline), self._begin_write(deadline) as conn:
                    yield conn
            else:
                async with self.engine.connect() as conn:
                    if write:
                        conn = await conn.execution_options(**{WRITE: True})
                    async with conn.begin():
                        yield conn
            self._opened = True
        except Exception as e:
            await self._fault(e)
            raise

    async def _may_open(self, write: bool) -> None:
        if write and self.read_only:
            raise Fault("fault.read_only", where=self.where, reason="")
        if self.path is not None and self._opened and not self.path.exists():
            await self.dispose()  # when the file is back, new connections open it
            raise Fault("fault.gone", where=self.where, reason="")

    async def _fault(self, e: Exception) -> None:
        """Raise what the database suffered as one `Fault`; return for a bug (the caller re-raises)."""
        fault = faults.classify(e, self.where, self.path)
        if fault is None or fault is e:
            return
        if fault.key in ("fault.gone", "fault.server_gone"):
            await self.dispose()
        raise fault from e

    async def write_sync(self, work: Callable[[Connection], T], deadline_s: float = WRITE_DEADLINE_S) -> T:
        """Run `work` (synchronous Core statements on a Connection, nothing else) in one write
        transaction, again from the start when the database answers "try again", like `transact`.

        On SQLite the whole transaction (BEGIN IMMEDIATE, the statements, COMMIT) runs in one
        worker thread on a synchronous connection to the same file, after the write gate: one
        thread hop for the transaction, where through aiosqlite every statement costs four (each
        one a wait for the worker thread and for the event loop: on a loaded machine the write
        lock was held mostly for those waits). On PostgreSQL it runs on the async connection
        (`run_sync`): the same code.
        """
        if self.path is None:
            return await self.transact(lambda s: s.run_sync(lambda ss: work(ss.connection())), deadline_s)
        path, deadline = self.path, time.monotonic() + deadline_s

        async def once() -> T:
            await self._may_open(True)
            try:
                async with write_gate(path, self.where, deadline):
                    got = await asyncio.to_thread(self._write_in_thread, work)
                self._opened = True
                return got
            except Exception as e:
                await self._fault(e)
                raise

        return await _retried(once, deadline)

    def _write_in_thread(self, work: Callable[[Connection], T]) -> T:
        if self._sync is None:
            assert self.path is not None
            engine = create_sync_engine(f"sqlite:///{self.path}", connect_args={
                "timeout": BUSY_TIMEOUT_MS / 1000, "check_same_thread": False})  # one thread at a time
            _prepare_sqlite(engine)
            self._sync = engine
        with self._sync.connect() as conn:
            conn = conn.execution_options(**{WRITE: True})
            with conn.begin():  # BEGIN IMMEDIATE (the "begin" hook); commit, or roll back on error
                return work(conn)

    @asynccontextmanager
    async def _begin_write(self, deadline: float) -> AsyncIterator[AsyncConnection]:
        """BEGIN IMMEDIATE, retried with `backoff` while another writer (one outside our gate)
        holds the lock; then the body; commit, or roll back on any error."""
        start, attempt = time.monotonic(), 0
        while True:
            conn = await self.engine.connect()
            try:
                conn = await conn.execution_options(**{WRITE: True})
                tx = await conn.begin()
                break
            except Exception as e:
                await conn.close()
                fault = faults.classify(e, self.where, self.path)
                now = time.monotonic()
                if fault is None or not fault.retry or now > deadline:
                    raise
                await asyncio.sleep(backoff(attempt, now - start))
                attempt += 1
        try:
            yield conn
            await tx.commit()
        except BaseException:
            if tx.is_active:
                await tx.rollback()
            raise
        finally:
            await conn.close()

    async def transact(self, work: Callable[[AsyncSession], Awaitable[T]], deadline_s: float = WRITE_DEADLINE_S) -> T:
        """Run `work` in one write session, again from the start when the database answers
        "try again" (PostgreSQL: a serialization failure or deadlock; SQLite: busy), with
        `backoff`, until `deadline_s`. `work` must do nothing but read and write the session."""
        async def once() -> T:
            async with self.session(write=True) as s:
                return await work(s)

        return await _retried(once, time.monotonic() + deadline_s)

    @asynccontextmanager
    async def session(self, write: bool = False) -> AsyncIterator[AsyncSession]:
        """An ORM session inside one transaction; a write one begins IMMEDIATE on SQLite."""
        async with self.connect(write) as conn:
            session = AsyncSession(bind=conn, expire_on_commit=False, autoflush=True)
            try:
                yield session
                await session.flush()
                for hook in session.info.pop("before_commit", ()):  # e.g. the analytics rollups' refresh
                    await hook(session)
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
        A read-only database is never migrated: behind head it is refused. The backup is checked
        before migrating (`store/backup.py`); a failed migration changes nothing (one
        transaction), raises `Fault("fault.migration_failed")` naming it, and removes the backup
        it made, so repeated failed starts do not pile up copies.
        """
        if await self.current_revision() == head_revision():
            return None
        current, head = await self.revisions()
        if current == head:
            return None
        if self.read_only:
            raise Fault("fault.old_schema_read_only", where=self.where, current=current or "-", head=head)
        made = None
        if backup and current is not None and self.path is not None and self.path.exists():
            made = await self._backup_sqlite(self.path, current)
        try:
            # the write gate and our "begin" hook open the transaction; Alembic runs inside it
            async with self.connect(write=True) as conn:
                await conn.run_sync(_run_alembic_upgrade)
        except Fault as e:
            if made is not None and e.key == "fault.migration_failed":
                made.unlink(missing_ok=True)
            raise
        if made is not None and self.path is not None:
            prune_backups(self.path, KEEP_BACKUPS)
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
        """A checked copy (store/backup.py) before migrating; refused when the disk cannot
        hold it, rather than leaving a truncated file."""
        from griddesk.store import backup

        stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
        target = path.with_name(f"{path.stem}.{revision}.{stamp}.bak{path.suffix}")
        size = sum(p.stat().st_size for p in (path, path.with_name(path.name + "-wal")) if p.exists())
        free = shutil.disk_usage(path.parent).free
        if free < size * BACKUP_ROOM:
            mb = 1024 * 1024
            raise Fault("fault.no_space_for_backup", where=self.where, need=-(-int(size * BACKUP_ROOM) // mb),
                        free=free // mb)
        try:
            await asyncio.to_thread(backup.copy_sqlite, path, target)
        except Exception as e:
            raise Fault("fault.backup_failed", path=str(target), reason=faults.short(e)) from e
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
    """One migration at a time, so a failure names the one that failed."""
    from alembic import command
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    cfg = alembic_config(str(sync_conn.engine.url))
    cfg.attributes["connection"] = sync_conn
    script = ScriptDirectory.from_config(cfg)
    current = MigrationContext.configure(sync_conn).get_current_revision()
    steps = [r for r in script.iterate_revisions("heads", current or "base") if r.revision != current]
    for rev in reversed(steps):
        try:
            command.upgrade(cfg, rev.revision)
        except Exception as e:
            raise Fault("fault.migration_failed", revision=rev.revision, name=(rev.doc or "").strip(),
                        reason=faults.short(e)) from e


def prune_backups(path: Path, keep: int) -> list[Path]:
    """Remove all but the newest `keep` pre-migration backups of `path`; returns the removed."""
    olds = sorted(path.parent.glob(f"{path.stem}.*.bak{path.suffix}"), key=lambda p: p.stat().st_mtime,
                  reverse=True)[keep:]
    for p in olds:
        p.unlink(missing_ok=True)
    return olds
