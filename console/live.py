"""The change-feed poller: how a console learns of everyone else's writes within a second.

Every `interval` seconds it asks the store for the newest change-feed id (one indexed MAX, no
rows read). Only when that moved does it read the entries since the last one seen, keep those
in the operator's jurisdiction, and tell the app which tickets changed. The app re-reads only
what it shows. One poll runs at a time; a tick that finds the previous poll still running is
skipped, so a slow database never piles up queries.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from griddesk.store import queue
from griddesk.store.actor import Actor
from griddesk.store.context import Store

if TYPE_CHECKING:
    from textual.app import App
    from textual.timer import Timer

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
    """Runs `ChangeFeed.poll` on a Textual timer, in a worker, one at a time.

    `on_news` is called on the app's thread with each `FeedNews`; `on_error` with the exception
    when a poll fails (the database was locked for longer than the busy timeout, the server went
    away); polling carries on either way.
    """

    def __init__(self, app: App[Any], feed: ChangeFeed, interval: float,
                 on_news: Callable[[FeedNews], None],
                 on_error: Callable[[Exception], None] | None = None) -> None:
        self.app = app
        self.feed = feed
        self.interval = interval
        self.on_news = on_news
        self.on_error = on_error
        self.busy = False
        self.polls = 0
        self._timer: Timer | None = None

    def start(self) -> None:
        self._timer = self.app.set_interval(self.interval, self._tick, name="griddesk-live")

    def stop(self) -> None:
        if self._timer is not None:
            self._timer.stop()
            self._timer = None

    def _tick(self) -> None:
        if self.busy:
            return
        self.busy = True
        self.app.run_worker(self._poll(), group="live", name="change-feed", exit_on_error=False)

    async def poll_now(self) -> None:
        """One poll right away (tests, and after this console wrote something itself)."""
        if not self.busy:
            self.busy = True
            await self._poll()

    async def _poll(self) -> None:
        try:
            news = await self.feed.poll()
        except Exception as e:  # keep polling: the next tick may well succeed
            self.feed.failures += 1
            log.warning("change feed poll failed: %s", e)
            if self.on_error is not None:
                self.on_error(e)
            return
        finally:
            self.busy = False
            self.polls += 1
        if self.feed.failures:
            self.feed.failures = 0
        if news is not None:
            self.on_news(news)
