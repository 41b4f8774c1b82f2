"""Wake-ups for change-feed readers (store/notify.py): LISTEN/NOTIFY on PostgreSQL, polling on
SQLite; the feed is the source of truth, so nothing is missed across a lost connection."""

from __future__ import annotations

import asyncio
import importlib.util
from pathlib import Path
from types import ModuleType

import asyncpg
import pytest
from sqlalchemy import event, insert, text
from sqlalchemy.engine import make_url

from griddesk.store import notify, queue, records, tickets, workflow
from griddesk.store.actor import Actor
from griddesk.store.context import Store
from griddesk.store.db import MIGRATIONS
from griddesk.store.models import Change
from tests.conftest import PG_HOST, PG_PORT, open_store
from tests.fixtures_town import Town

GUARD = 60.0  # a bound for broken code (a wake-up that never comes), not a timing


def _migration() -> ModuleType:
    path = next((MIGRATIONS / "versions").glob("0010_*.py"))
    spec = importlib.util.spec_from_file_location("m0010", path)
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


class Reader:
    """What a console does on a wake-up (console/live.py): read the feed from the last id seen."""

    def __init__(self, store: Store, actor: Actor) -> None:
        self.store, self.actor, self.seen = store, actor, 0

    async def start(self) -> None:
        self.seen = await queue.last_change(self.store)

    async def tickets(self) -> set[int]:
        got = await queue.changes_since(self.store, self.actor, self.seen)
        if got:
            self.seen = got[-1].id
        return {int(c.entity_id) for c in got if c.entity == "ticket" and c.entity_id is not None}


def test_the_trigger_and_the_listener_agree() -> None:
    m = _migration()
    assert m.CHANNEL == notify.CHANNEL
    assert m.ORDER_LOCK == records.CHAIN_LOCK  # one lock for feed and audit chain: no deadlock


def test_retry_backs_off_to_a_ceiling() -> None:
    assert notify.retry_delay(0) == 0
    delays = [notify.retry_delay(n) for n in range(1, 12)]
    assert notify.RETRY_FIRST_S * 0.75 <= delays[0] <= notify.RETRY_FIRST_S
    assert all(d <= notify.RETRY_MAX_S for d in delays) and delays[-1] >= notify.RETRY_MAX_S * 0.75


async def _next(wakes: notify.Wakeups) -> notify.Wake:
    return await asyncio.wait_for(anext(wakes), GUARD)


async def _until(wakes: notify.Wakeups, reason: str) -> list[notify.Wake]:
    seen = []
    while True:
        w = await _next(wakes)
        seen.append(w)
        if w.reason == reason:
            return seen


@pytest.mark.sqlite_only("SQLite has no LISTEN/NOTIFY; PostgreSQL's listener is tested below")
async def test_sqlite_polls_and_has_no_trigger(town: Town) -> None:
    async with notify.watch(town.store, interval=0.01) as wakes:
        assert not wakes.listening
        assert (await _next(wakes)).reason == "tick"
        wakes.failed()
        assert wakes._period() is not None and wakes._period() >= 0.01  # type: ignore[operator]
        wakes.succeeded()
        assert wakes._period() == 0.01
    async with town.store.db.connect() as c:
        triggers = (await c.execute(text("SELECT count(*) FROM sqlite_master WHERE type = 'trigger' "
                                            "AND tbl_name = 'change_feed'"))).scalar()
    assert triggers == 0
    assert [w async for w in wakes] == []  # closed: the iteration ends


@pytest.mark.sqlite_only("the data_version look is SQLite's; PostgreSQL is woken by LISTEN, tested below")
async def test_sqlite_wakes_only_after_a_commit(town: Town, db_path: Path) -> None:
    """An idle SQLite reader is not woken: the looks at data_version run no statement through
    the store's engine, so no feed query; a commit by another engine (another process's
    connections) wakes it, and the feed has the write."""
    statements: list[str] = []
    engine = town.store.db.engine.sync_engine

    def seen(_conn: object, _cursor: object, statement: str, *_: object) -> None:
        statements.append(statement)

    feed = Reader(town.store, town.operator)
    await feed.start()
    other = await open_store(str(db_path))  # another process's engine and connections
    event.listen(engine, "before_cursor_execute", seen)
    try:
        async with notify.watch(town.store, interval=0.01) as wakes:
            assert isinstance(wakes, notify.Probed)
            assert (await _next(wakes)).reason == "tick"  # the first look always wakes the reader
            statements.clear()
            pending = asyncio.create_task(anext(wakes))
            skipped = wakes.skipped
            while wakes.skipped < skipped + 5:  # five idle looks: nobody woken, nothing run
                assert not pending.done()
                await asyncio.sleep(0.01)
            assert not pending.done() and statements == []
            number = await tickets.create(other, town.actors["op02"], tickets.parse(town.ticket()))
            assert (await asyncio.wait_for(pending, GUARD)).reason == "tick"
            assert len(await feed.tickets()) == 1
            # this process's own engine is another connection too: its commit wakes as well
            await workflow.dispatch(town.store, town.operator, number, town.units["urban"])
            assert (await _next(wakes)).reason == "tick"
            assert len(await feed.tickets()) == 1
            wakes.poke()  # asked for: woken whatever the look says
            assert (await _next(wakes)).reason == "tick"
    finally:
        event.remove(engine, "before_cursor_execute", seen)
        await other.close()


async def test_sqlite_wakes_the_reader_when_it_cannot_look(tmp_path: Path) -> None:
    # a file it cannot open: every tick goes to the reader, whose read decides (and reports)
    wakes = notify.Probed(tmp_path / "missing.db", 0.01)
    async with wakes:
        assert (await _next(wakes)).reason == "tick"
        assert (await _next(wakes)).reason == "tick"
        assert wakes.skipped == 0 and wakes.looks == 2


@pytest.mark.sqlite_only("the data_version look is SQLite's; PostgreSQL is woken by LISTEN, tested below")
async def test_sqlite_polling_without_the_look_stays_available(town: Town) -> None:
    async with notify.watch(town.store, interval=0.01, probe=False) as wakes:
        assert not isinstance(wakes, notify.Probed)
        assert (await _next(wakes)).reason == "tick"
        assert (await _next(wakes)).reason == "tick"


@pytest.mark.pg
async def test_a_commit_elsewhere_wakes_the_listener(pg_town: Town, pg_url: str) -> None:
    feed = Reader(pg_town.store, pg_town.operator)
    await feed.start()
    other = await open_store(pg_url)  # another process's engine and connections
    try:
        async with notify.watch(pg_town.store, fallback=3600) as wakes:
            assert wakes.listening
            assert (await _next(wakes)).reason == "connected"
            number = await tickets.create(other, pg_town.actors["op02"], tickets.parse(pg_town.ticket()))
            assert (await _next(wakes)).reason == "notify"
            assert len(await feed.tickets()) == 1
            await workflow.dispatch(other, pg_town.operator, number, pg_town.units["urban"])
            assert (await _next(wakes)).reason == "notify"
            assert len(await feed.tickets()) == 1
            wakes.poke()  # a wake-up asked for (the console wrote itself): folded, plain
            assert (await _next(wakes)).reason == "tick"
    finally:
        await other.close()


async def _terminate(dbname: str, spare: int | None = None) -> int:
    """Kill the backends on `dbname` (all but `spare`), as an administrator or a crash would."""
    conn = await asyncpg.connect(host=PG_HOST, port=PG_PORT, user="postgres", database="postgres")
    try:
        return len(await conn.fetch(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = $1 AND pid <> pg_backend_pid() AND pid IS DISTINCT FROM $2", dbname, spare))
    finally:
        await conn.close()


async def _backend_pid(store: Store) -> int:
    async with store.db.connect() as c:
        return int((await c.execute(text("SELECT pg_backend_pid()"))).scalar_one())


@pytest.mark.pg
async def test_nothing_is_missed_across_a_lost_connection(pg_town: Town, pg_url: str,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    dbname = make_url(pg_url).database
    assert dbname
    store = pg_town.store
    feed = Reader(store, pg_town.operator)
    await feed.start()
    writer = await open_store(pg_url)  # one pooled connection, spared by the kill
    try:
        spare = await _backend_pid(writer)
        async with notify.watch(store, fallback=3600) as wakes:
            assert isinstance(wakes, notify.Listener)
            assert (await _next(wakes)).reason == "connected"
            real = wakes._connect_args
            # while "down", the listener's reconnects are refused, as by a server that is gone
            monkeypatch.setattr(wakes, "_connect_args", lambda: {**real(), "port": 1})
            assert await _terminate(dbname, spare) >= 2  # the listener and the console's pool
            lost = await _next(wakes)
            assert not lost.online and lost.error is not None and wakes.down
            # written while this console cannot hear: the notification is gone for good
            number = await tickets.create(writer, pg_town.actors["op02"], tickets.parse(pg_town.ticket()))
            assert not (await _next(wakes)).online  # a refused reconnect: still down, still trying
            monkeypatch.setattr(wakes, "_connect_args", real)
            await _until(wakes, "connected")
            assert wakes.connections == 2 and not wakes.down
            # the console's pooled connections were killed too: its engine reconnects by itself
            assert len(await feed.tickets()) == 1
            # and it hears again
            await workflow.dispatch(writer, pg_town.operator, number, pg_town.units["urban"])
            await _until(wakes, "notify")
            assert len(await feed.tickets()) == 1
            assert number
        assert wakes.conn is None or wakes.conn.is_closed()
    finally:
        await writer.close()


@pytest.mark.pg
async def test_feed_ids_become_visible_in_id_order(pg_store: Store) -> None:
    """A transaction that took a feed id and has not committed holds back every later one, so a
    reader that saw id n never later finds a committed id below n."""
    async def append(c: object) -> int:
        row = await c.execute(insert(Change).values(at=pg_store.now(), entity="ticket", entity_id=1,  # type: ignore[attr-defined]
                                                    kind="test").returning(Change.id))
        return int(row.scalar_one())

    async with pg_store.db.connect(write=True) as first:
        a = await append(first)
        second_pid: list[int] = []

        async def later() -> int:
            async with pg_store.db.connect(write=True) as c:
                second_pid.append(int((await c.execute(text("SELECT pg_backend_pid()"))).scalar_one()))
                return await append(c)

        task = asyncio.create_task(later())
        dbname = make_url(pg_store.db.url).database
        admin = await asyncpg.connect(host=PG_HOST, port=PG_PORT, user="postgres", database="postgres")
        try:
            while True:  # the second writer waits for the first one's commit
                waiting = await admin.fetchval(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = $1 AND wait_event_type = 'Lock' "
                    "AND pid = ANY($2::int[])", dbname, second_pid)
                if waiting:
                    break
                assert not task.done()
                await asyncio.sleep(0.01)
        finally:
            await admin.close()
    b = await asyncio.wait_for(task, GUARD)
    assert a < b


@pytest.mark.pg
async def test_the_listener_ends_with_its_reader(pg_store: Store) -> None:
    wakes = notify.watch(pg_store, fallback=3600)
    connected = asyncio.Event()

    async def read() -> None:
        async with wakes:
            async for w in wakes:
                if w.reason == "connected":
                    connected.set()

    reader = asyncio.create_task(read())
    await asyncio.wait_for(connected.wait(), GUARD)
    reader.cancel()
    with pytest.raises(asyncio.CancelledError):
        await reader
    assert isinstance(wakes, notify.Listener)
    assert wakes._task is None and (wakes.conn is None or wakes.conn.is_closed())


@pytest.mark.pg
async def test_polling_stays_available_on_postgresql(pg_store: Store) -> None:
    async with notify.watch(pg_store, interval=0.01, listen=False) as wakes:
        assert not wakes.listening
        assert (await _next(wakes)).reason == "tick"
