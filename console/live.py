"""The change-feed reader: how a console learns of everyone else's writes.

Woken by the store (`store.notify`: LISTEN/NOTIFY on PostgreSQL; on SQLite when a look at
`PRAGMA data_version` every `interval` seconds finds a commit since the last look, so an idle
console reads nothing), it asks for the newest change-feed id (one indexed MAX, no rows read). Only when that
moved does it read the entries since the last one seen, keep those in the operator's
jurisdiction, and tell the app which tickets changed. The app re-reads only what it shows. One
read runs at a time; wake-ups that come meanwhile fold into one, so a slow database never piles
up queries. The console never touches the database driver: `store.notify` holds the listening
connection.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from griddesk.store import notify, queue
from griddesk.store.actor import Actor
from griddesk.store.context import Store

if TYPE_CHECKING:
    from textual.app import App

log = logging.getLogger(__name__)

BATCH = 1000  # more entries than this since the last poll: reload everything instead


@dataclass(frozen=True)
class FeedNews:
    """What changed since the last poll, by entity (\"ticket\" → ticket ids)."""

    entities: dict[str, frozenset[int]]
    everything: bool
    last_change: int

    @property
    def tickets(self) -> frozenset[int]:
        return self.entities.get("ticket", frozenset())


class ChangeFeed:
    """Reads the store's change feed for one actor; `poll()` returns news or None.

    Pure async and free of Textual, so it can be tested on its own and driven by any timer.
    """

    def __init__(self, store: Store, actor: Actor) -> None:
        self.store = store
        self.actor = actor
        self.seen: int | None = None  # last feed id taken into account
        self.failures = 0

    async def start(self) -> None:
        """Remember where the feed stands now: what is already there is already on screen."""
        self.seen = await queue.last_change(self.store)

    async def poll(self) -> FeedNews | None:
        if self.seen is None:
            await self.start()
            return None
        last = await queue.last_change(self.store)
        if last <= self.seen:
            return None
        changes = await queue.changes_since(self.store, self.actor, self.seen, limit=BATCH)
        behind = len(changes) >= BATCH and changes[-1].id < last
        self.seen = last
        if not changes and not behind:
            return None  # all of it happened outside this jurisdiction
        entities: dict[str, set[int]] = {}
        for c in changes:
            if c.entity_id is not None:
                entities.setdefault(c.entity, set()).add(int(c.entity_id))
            else:
                entities.setdefault(c.entity, set())
        return FeedNews({k: frozenset(v) for k, v in entities.items()}, behind, last)


class Poller:
    """Reads the change feed whenever the store's wake-ups say so (`store.notify.watch`: on
    PostgreSQL a LISTEN woken by each commit, with a slow fallback poll; on SQLite when a look
    at the file's data_version every `interval` seconds finds a commit): a task waits for the
    wake-ups and runs each read as a worker. Reads never overlap; wake-ups that come during one
    fold into the next.

    `on_news` is called on the app's thread with each `FeedNews`; `on_error` with the exception
    when a read fails or the listening connection is lost (the database was locked for longer
    than the busy timeout, the server went away); `on_back` after every read that succeeds (so
    a console that said "lost", even at start-up, says "back"). Meanwhile the wake-ups retry
    with backoff; after a reconnect the feed is read from the last id seen, so nothing written
    during the outage is missed.
    """

    def __init__(self, app: App[Any], feed: ChangeFeed, interval: float,
                 on_news: Callable[[FeedNews], None],
                 on_error: Callable[[Exception], None] | None = None,
                 on_back: Callable[[], None] | None = None) -> None:
        self.app = app
        self.feed = feed
        self.interval = interval
        self.on_news = on_news
        self.on_error = on_error
        self.on_back = on_back
        self.polls = 0
        self.wakes: notify.Wakeups | None = None
        self._lock = asyncio.Lock()
        self._task: asyncio.Task[None] | None = None

    @property
    def busy(self) -> bool:
        return self._lock.locked()

    def start(self) -> None:
        if self._task is not None:
            return
        self.wakes = notify.watch(self.feed.store, self.interval)
        # a plain task, not a worker: it waits for ever, and the app (and tests) wait for workers;
        # each read it starts is a worker, as before
        self._task = asyncio.create_task(self._run(self.wakes), name="griddesk-live")

    def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()  # leaving `async with wakes` closes the listening connection
            self._task = None

    async def _run(self, wakes: notify.Wakeups) -> None:
        try:
            async with wakes:
                async for wake in wakes:
                    if not wake.online:
                        assert wake.error is not None
                        self._failed(wake.error)
                        continue
                    worker = self.app.run_worker(self._poll(), group="live", name="change-feed",
                                                 exit_on_error=False)
                    try:
                        await worker.wait()
                    except Exception:  # cancelled as the app closes; a read reports its own errors
                        pass
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("the change-feed loop ended")

    async def poll_now(self) -> None:
        """One read right away (tests, and after this console wrote something itself)."""
        await self._poll()

    async def _poll(self) -> None:
        async with self._lock:
            try:
                news = await self.feed.poll()
            except Exception as e:  # keep going: the wake-ups retry with backoff
                self.polls += 1
                self._failed(e)
                return
            self.polls += 1
            if self.feed.failures:
                self.feed.failures = 0
                if self.wakes is not None:
                    self.wakes.succeeded()
            if self.on_back is not None:
                self.on_back()  # the app acts only if it had said the database was lost
            if news is not None:
                self.on_news(news)

    def _failed(self, e: Exception) -> None:
        self.feed.failures += 1
        if self.wakes is not None:
            self.wakes.failed()
        log.warning("change feed read failed: %s", e)
        if self.on_error is not None:
            self.on_error(e)
