"""Wake-ups for change-feed readers: "something may have changed, read the feed now".

The change feed (`change_feed`, written by `records.feed`) is the source of truth; a wake-up
carries nothing but a reason. Whoever reads the feed (console/live.py) reads it from the last
id it saw on each wake-up, so a lost or folded wake-up costs latency, never an entry.

- SQLite: every `interval` seconds a look at `PRAGMA data_version` on a connection of its own
  (`Probed`); a wake-up only when some other connection committed since the last look, so an
  idle console runs no statement at all. (PostgreSQL with `listen=False`, and SQLite with
  `probe=False`: a wake-up every `interval` seconds, whose "did the newest id move?" is one
  indexed MAX — the old polling, kept for the benchmark's comparison.)
- PostgreSQL: a dedicated asyncpg connection LISTENs on `CHANNEL`, which migration 0010's
  trigger NOTIFYs on every insert into the feed. A wake-up on each notification (those that
  arrive while the reader is busy fold into one), on each (re)connect — the reader then catches
  up on whatever was written while the connection was down — and every `fallback` seconds, the
  slow poll that stays in case a notification is ever lost. That connection is checked with a
  `SELECT 1` on every fallback tick, so a silently dropped network is noticed too.

When the server goes away the listener says so (a `Wake` that is not `online`) and reconnects
by itself with backoff (`retry_delay`). A reader whose own read failed calls `failed()`: its
next wake-up comes after the same backoff instead of the usual interval; `succeeded()` resets.

Use it as an async context manager and iterate:

    async with notify.watch(store, interval=0.5) as wakes:
        async for wake in wakes:
            ...
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import random
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

if TYPE_CHECKING:
    from griddesk.store.context import Store
    from griddesk.store.db import Database

log = logging.getLogger(__name__)

CHANNEL = "griddesk_changes"  # migration 0010 NOTIFYs here
FALLBACK_S = 5.0  # PostgreSQL: the slow poll (and liveness check of the listening connection)
RETRY_FIRST_S = 0.5  # backoff after a failure: 0.5 s, doubling …
RETRY_MAX_S = 10.0  # … up to 10 s
CONNECT_TIMEOUT_S = 5.0
CLOSE_TIMEOUT_S = 2.0


@dataclass(frozen=True)
class Wake:
    """Why the reader is woken: "tick" (the interval, or the fallback poll), "notify" (a write
    was committed), "connected" (the listener (re)connected: catch up), "lost" (the listener's
    connection failed; `error` says how; it is retrying)."""

    reason: str
    error: Exception | None = None

    @property
    def online(self) -> bool:
        return self.reason != "lost"


def retry_delay(failures: int) -> float:
    """Seconds before the next attempt after `failures` failures in a row: 0.5 s doubling to
    10 s, with jitter so that many consoles do not reconnect in step."""
    if failures <= 0:
        return 0.0
    cap = min(RETRY_MAX_S, RETRY_FIRST_S * 2 ** (failures - 1))
    return random.uniform(cap * 0.75, cap)


class Wakeups:
    """Polling wake-ups: one every `interval` seconds (after failed reads, with backoff)."""

    listening = False

    def __init__(self, interval: float) -> None:
        self.interval = interval
        self.failures = 0  # the reader's failed reads in a row
        self._event = asyncio.Event()
        self._closed = False

    # the reader's side
    def failed(self) -> None:
        self.failures += 1

    def succeeded(self) -> None:
        self.failures = 0

    def poke(self) -> None:
        """Wake the reader now (folded with any wake-up already pending)."""
        self._event.set()

    def _period(self) -> float | None:
        if self.failures:
            return max(self.interval, retry_delay(self.failures))
        return self.interval

    def _take(self) -> Wake:
        return Wake("tick")

    def __aiter__(self) -> Wakeups:
        return self

    def _due(self, poked: bool) -> bool:
        """Whether this wake-up goes to the reader (`poked`: asked for, not the interval's)."""
        return True

    async def __anext__(self) -> Wake:
        while True:
            if self._closed:
                raise StopAsyncIteration
            try:
                await asyncio.wait_for(self._event.wait(), self._period())
                poked = True
            except TimeoutError:
                poked = False
            if self._closed:
                raise StopAsyncIteration
            self._event.clear()
            if self._due(poked):
                return self._take()

    async def start(self) -> None:
        pass

    async def aclose(self) -> None:
        self._closed = True
        self._event.set()

    async def __aenter__(self) -> Wakeups:
        await self.start()
        return self

    async def __aexit__(self, kind: type[BaseException] | None, e: BaseException | None,
                        tb: TracebackType | None) -> None:
        await self.aclose()


class Probed(Wakeups):
    """SQLite: every `interval` seconds a look at `PRAGMA data_version` on a read-only connection
    of its own, and a wake-up only when it moved, that is when any other connection (another
    process, or this one's own engine) committed since the last look. An idle console then reads
    nothing from the feed: the look is a few microseconds on the wal-index in shared memory, no
    statement through the engine, no page read.

    The version is taken before the reader reads, so a commit after the look moves it again and
    wakes the next tick: nothing is missed. The reader is woken regardless the first time, when
    poked, while its reads are failing (the backoff), and whenever the look itself fails (a busy
    or vanished file: then the feed decides, as before)."""

    def __init__(self, path: Path, interval: float) -> None:
        super().__init__(interval)
        self.path = path
        self.looks = 0  # data_version reads so far
        self.skipped = 0  # ticks that woke nobody: nothing was committed
        self._con: sqlite3.Connection | None = None
        self._version: int | None = None

    def _look(self) -> int | None:
        self.looks += 1
        try:
            if self._con is None:
                # no busy wait: a look that would wait wakes the reader instead (`_due`)
                self._con = sqlite3.connect(f"file:{quote(str(self.path))}?mode=ro", uri=True,
                                            timeout=0, isolation_level=None, check_same_thread=False)
            return int(self._con.execute("PRAGMA data_version").fetchone()[0])
        except sqlite3.Error as e:
            log.debug("data_version: %s", e)
            self._drop()
            return None

    def _due(self, poked: bool) -> bool:
        before, self._version = self._version, self._look()
        if poked or self.failures or before is None or self._version is None or self._version != before:
            return True
        self.skipped += 1
        return False

    def _drop(self) -> None:
        con, self._con = self._con, None
        if con is not None:
            con.close()

    async def aclose(self) -> None:
        await super().aclose()
        self._drop()


class Listener(Wakeups):
    """PostgreSQL: LISTEN on a connection of its own; wake-ups as the module says."""

    listening = True

    def __init__(self, db: Database, fallback: float = FALLBACK_S) -> None:
        super().__init__(fallback)
        self.db = db
        self.fallback = fallback
        self.connections = 0  # successful (re)connects so far
        self.down = False  # the listening connection is down (reconnecting)
        self.conn: Any = None  # the asyncpg connection while up
        self._reasons: set[str] = set()
        self._error: Exception | None = None
        self._task: asyncio.Task[None] | None = None

    def _signal(self, reason: str, error: Exception | None = None) -> None:
        self._reasons.add(reason)
        if error is not None:
            self._error = error
        self._event.set()

    def _period(self) -> float | None:
        # the listener's own task wakes the reader (notifications, fallback ticks, reconnects);
        # a reader whose read failed is woken again after the backoff
        return retry_delay(self.failures) if self.failures else None

    def _take(self) -> Wake:
        reasons, self._reasons = self._reasons, set()
        if self.down and "lost" in reasons:
            return Wake("lost", self._error)
        for reason in ("connected", "notify"):
            if reason in reasons:
                return Wake(reason)
        return Wake("tick")

    async def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._listen(), name="griddesk-listen")

    async def aclose(self) -> None:
        await super().aclose()
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            try:
                await asyncio.wait_for(task, CLOSE_TIMEOUT_S * 2)
            except (asyncio.CancelledError, TimeoutError):
                pass
            except Exception as e:  # pragma: no cover - the task handles its own errors
                log.warning("listener ended with %s", e)

    def _connect_args(self) -> dict[str, Any]:
        import asyncpg

        engine = self.db.engine
        _, kwargs = engine.dialect.create_connect_args(engine.url)
        accepted = inspect.signature(asyncpg.connect).parameters
        return {k: v for k, v in kwargs.items() if k in accepted}

    async def _listen(self) -> None:
        import asyncpg

        failures = 0
        while True:
            conn = None
            try:
                conn = await asyncpg.connect(**self._connect_args(), timeout=CONNECT_TIMEOUT_S)
                lost = asyncio.Event()
                conn.add_termination_listener(lambda _c, ended=lost: ended.set())
                await conn.add_listener(CHANNEL, self._on_notify)
                self.conn, self.down, failures = conn, False, 0
                self.connections += 1
                self._signal("connected")
                while not lost.is_set():
                    try:
                        await asyncio.wait_for(lost.wait(), self.fallback)
                    except TimeoutError:
                        await asyncio.wait_for(conn.fetchval("SELECT 1"), CONNECT_TIMEOUT_S)
                        self._signal("tick")
                raise ConnectionResetError("the listening connection was closed")
            except asyncio.CancelledError:
                raise
            except Exception as e:  # refused, terminated, timed out: say so, and try again
                failures += 1
                self.conn, self.down = None, True
                log.warning("change-feed listener: %s (retrying)", e)
                self._signal("lost", e)
            finally:
                if conn is not None:
                    await _close(conn)
            await asyncio.sleep(retry_delay(failures))

    def _on_notify(self, _conn: Any, _pid: int, _channel: str, _payload: str) -> None:
        self._signal("notify")


async def _close(conn: Any) -> None:
    if conn.is_closed():
        return
    try:
        await asyncio.wait_for(conn.close(), CLOSE_TIMEOUT_S)
    except asyncio.CancelledError:
        conn.terminate()
        raise
    except Exception:  # a dead server: drop the socket
        conn.terminate()


def watch(store: Store, interval: float = 0.5, fallback: float = FALLBACK_S, listen: bool = True,
          probe: bool = True) -> Wakeups:
    """Wake-ups for a reader of `store`'s change feed: LISTEN/NOTIFY on PostgreSQL (unless
    `listen` is False: the old polling, kept for comparison); on SQLite a look at
    `data_version` every `interval` seconds, waking the reader when a commit moved it (unless
    `probe` is False: a wake-up every interval, the old polling, kept for comparison)."""
    if listen and store.db.backend == "postgresql":
        return Listener(store.db, fallback)
    if probe and store.db.path is not None:
        return Probed(store.db.path, interval)
    return Wakeups(interval)
