"""Live updates: tickets written by this process or another one reach the running console, and
the table is reconciled by key (changed cells only), never rebuilt on a tick."""

from __future__ import annotations

import asyncio
import json
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import event

from griddesk.console.app import GridDeskApp
from griddesk.console.live import ChangeFeed
from griddesk.console.messages import MinuteTick
from griddesk.console.screens.queue import QueueScreen
from griddesk.console.screens.ticket import TicketScreen
from griddesk.store import notify, tickets, workflow
from griddesk.store.actor import Actor
from griddesk.store.context import Store
from griddesk.store.enums import Role
from griddesk.store.i18n import t
from tests.conftest import open_store
from tests.console.pilot import WAIT, add, app_for, idle, numbers, until
from tests.fixtures_town import Town, seed

ROOT = Path(__file__).resolve().parents[2]


def cells(app: GridDeskApp) -> dict[str, list[object]]:
    """Each row's cell objects, by ticket number (identity tells whether a cell was replaced)."""
    table = app.screen.table  # type: ignore[attr-defined]
    return {n: list(table.get_row(n)) for n in table.order}


async def test_change_feed_reports_only_the_actors_jurisdiction(town: Town) -> None:
    feed = ChangeFeed(town.store, town.operator)
    await feed.start()
    assert await feed.poll() is None
    number = await add(town)
    news = await feed.poll()
    assert news is not None and len(news.tickets) == 1 and not news.everything
    assert await feed.poll() is None  # seen once
    # another town's operator sees nothing of it
    other = ChangeFeed(town.store, Actor("x", "x", Role.OPERATOR, "450502099"))
    other.seen = news.last_change - 1
    assert await other.poll() is None
    assert number


async def test_a_new_ticket_appears_and_only_the_changed_row_is_touched(town: Town) -> None:
    first = await add(town, matter=town.matters["consult"])
    second = await add(town, matter=town.matters["dispute"])
    app = app_for(town)
    async with app.run_test(size=(120, 30)) as pilot:
        await until(pilot, lambda: sorted(numbers(app)) == sorted([first, second]))
        table = app.screen.table  # type: ignore[attr-defined]
        before = cells(app)

        # written while the console runs: it appears without any key pressed
        urgent = await add(town, urgency="urgent")
        await until(pilot, lambda: urgent in numbers(app))
        assert numbers(app)[0] == urgent  # urgent first: reordered, not appended
        after = cells(app)
        for n in (first, second):
            assert all(a is b for a, b in zip(before[n], after[n], strict=True)), n
        assert table.stats.rebuilds == 0 and table.stats.added == 3 and table.stats.removed == 0
        assert table.stats.sorts == 1

        # a status change elsewhere updates that row's changed cells, nothing else
        updates = table.stats.cells
        before = cells(app)
        await workflow.dispatch(town.store, town.operator, second, town.units["urban"])
        status = table.get_column_index("status")
        await until(pilot, lambda: "已分拨" in table.get_row(second)[status].plain)
        after = cells(app)
        for n in (first, urgent):
            assert all(a is b for a, b in zip(before[n], after[n], strict=True)), n
        changed = [i for i, (a, b) in enumerate(zip(before[second], after[second], strict=True)) if a is not b]
        keys = [c.key.value for c in table.ordered_columns]
        assert "status" in [keys[i] for i in changed] and "number" not in [keys[i] for i in changed]
        assert table.stats.cells - updates == len(changed)
        assert table.stats.rebuilds == 0

        # a ticket closed at intake never enters the open queue
        done = await add(town, resolved_on_spot=True)
        marker = await add(town, matter=town.matters["consult"])
        await until(pilot, lambda: marker in numbers(app))
        assert done not in numbers(app)
        assert table.stats.rebuilds == 0


async def test_the_minute_rewords_time_left_without_reading_the_database(tmp_path: Path) -> None:
    # Monday 2026-03-02 11:50 in Beihai; rubbish takes 4 working hours: due Tuesday 08:50
    clock = [datetime(2026, 3, 2, 3, 50, tzinfo=UTC)]
    store = await open_store(str(tmp_path / "m.db"), now=lambda: clock[0])
    town = await seed(store)
    a = await tickets.create(store, town.operator, tickets.parse(town.ticket()))
    b = await tickets.create(store, town.operator, tickets.parse(town.ticket(matter=town.matters["consult"])))
    app = GridDeskApp(store, town.operator, lang="zh", poll_interval=0.2)
    try:
        async with app.run_test(size=(100, 30)) as pilot:
            await until(pilot, lambda: sorted(numbers(app)) == sorted([a, b]))
            screen = app.screen
            assert isinstance(screen, QueueScreen)
            table = screen.table
            col = table.get_column_index("time_left")
            assert table.get_row(a)[col].plain == "21小时后超期"
            loads = screen.loads
            clock[0] += timedelta(minutes=30)
            app.broadcast(lambda: MinuteTick(clock[0]))
            await until(pilot, lambda: table.get_row(a)[col].plain == "20小时后超期")
            updates, before = table.stats.cells, cells(app)
            clock[0] += timedelta(minutes=1)  # the same words for every row: nothing is touched
            app.broadcast(lambda: MinuteTick(clock[0]))
            await idle(pilot)
            assert table.stats.cells == updates
            assert cells(app) == before and all(
                x is y for n in before for x, y in zip(before[n], cells(app)[n], strict=True))
            clock[0] = datetime(2026, 3, 3, 1, 20, tzinfo=UTC)  # Tuesday 09:20: half an hour late
            app.broadcast(lambda: MinuteTick(clock[0]))
            await until(pilot, lambda: table.get_row(a)[col].plain == t("time.overdue_by", span="30分钟"))
            after = cells(app)
            assert [i for i, (x, y) in enumerate(zip(before[a], after[a], strict=True)) if x is not y] == [col]
            assert screen.loads == loads  # re-worded from the rows held, no page read
            assert table.stats.rebuilds == 0
    finally:
        await store.close()


async def test_the_open_ticket_refreshes_when_it_changes(town: Town) -> None:
    number = await add(town)
    app = app_for(town)
    async with app.run_test(size=(100, 30)) as pilot:
        app.open_ticket(number)
        await until(pilot, lambda: isinstance(app.screen, TicketScreen) and app.screen.detail is not None)
        screen = app.screen
        assert isinstance(screen, TicketScreen)
        loads = screen.loads
        await add(town)  # another ticket: this screen does not re-read
        await until(pilot, lambda: len(app.screen_stack[0].table.order) == 2)  # type: ignore[attr-defined]
        assert screen.loads == loads
        await workflow.dispatch(town.store, town.actors["op02"], number, town.units["police"], note="转派出所")
        await until(pilot, lambda: screen.loads > loads and "转派出所" in screen.plain_text())
        assert "地角派出所" in screen.plain_text()


def _cli_available() -> bool:
    return (ROOT / "console/cli/__main__.py").exists() and (ROOT / "console/cli/tickets.py").exists()


async def _write_from_another_process(db: Path, town: Town) -> str:
    from tests.conftest import map_machine_admin

    map_machine_admin()  # `--as` on the test town (not a demo database)
    data = town.ticket(title="另一进程写入的工单", address="冠头岭路8号")
    if _cli_available():
        argv = [sys.executable, "-m", "griddesk.console.cli", "--db", str(db), "--as", "op02", "ticket", "add", "-"]
        stdin = json.dumps(data, ensure_ascii=False).encode()
    else:
        script = (
            "import asyncio, json, sys\n"
            "from griddesk.store.context import Store\n"
            "from griddesk.store import tickets\n"
            "async def main():\n"
            "    s = await Store.open(sys.argv[1])\n"
            "    try:\n"
            "        actor = await s.actor('op02')\n"
            "        print(await tickets.create(s, actor, tickets.parse(json.loads(sys.stdin.read()))))\n"
            "    finally:\n"
            "        await s.close()\n"
            "asyncio.run(main())\n")
        argv = [sys.executable, "-c", script, str(db)]
        stdin = json.dumps(data, ensure_ascii=False).encode()
    # asyncio's subprocess, so the console keeps running (and polling) while the other process works
    proc = await asyncio.create_subprocess_exec(*argv, cwd=ROOT, stdin=asyncio.subprocess.PIPE,
                                                stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    out, err = await asyncio.wait_for(proc.communicate(stdin), timeout=60)
    assert proc.returncode == 0, err.decode()
    return out.decode().strip().splitlines()[-1]


async def test_a_ticket_added_by_another_process_appears(db_path: Path, town: Town) -> None:
    existing = await add(town)
    app = app_for(town)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: numbers(app) == [existing])
        number = await _write_from_another_process(db_path, town)
        assert number.startswith("450502005-")
        await until(pilot, lambda: number in numbers(app), timeout=WAIT)
        assert app.screen.table.stats.rebuilds == 0  # type: ignore[attr-defined]
        await until(pilot, lambda: app.header_state.counts is not None and app.header_state.counts.open == 2)


async def test_an_idle_console_reads_no_feed_and_still_sees_another_process(db_path: Path, town: Town) -> None:
    existing = await add(town)
    app = app_for(town)
    statements: list[str] = []
    engine = town.store.db.engine.sync_engine

    def seen(_conn: object, _cursor: object, statement: str, *_: object) -> None:
        statements.append(statement)

    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: numbers(app) == [existing] and app.poller.polls > 0)
        wakes = app.poller.wakes
        assert isinstance(wakes, notify.Probed)
        event.listen(engine, "before_cursor_execute", seen)
        try:
            polls, skipped = app.poller.polls, wakes.skipped
            await until(pilot, lambda: wakes.skipped >= skipped + 3)  # three idle looks
            assert app.poller.polls == polls  # nobody was woken …
            assert not [st for st in statements if "change_feed" in st]  # … and the feed not read
            number = await _write_from_another_process(db_path, town)
            await until(pilot, lambda: number in numbers(app), timeout=WAIT)
            assert [st for st in statements if "change_feed" in st]  # read once something was written
        finally:
            event.remove(engine, "before_cursor_execute", seen)


async def test_a_second_store_on_the_same_file_is_another_writer(db_path: Path, town: Town) -> None:
    # the same as another console: its own engine and connections on the same SQLite file
    other = await Store.open(str(db_path))
    try:
        app = app_for(town)
        async with app.run_test(size=(80, 24)) as pilot:
            await until(pilot, lambda: app.poller.polls > 0)  # started: the change feed is on
            number = await tickets.create(other, town.actors["op02"], tickets.parse(town.ticket()))
            await until(pilot, lambda: number in numbers(app))
    finally:
        await other.close()


async def test_live_updates_on_both_backends(any_town: Town) -> None:
    first = await add(any_town)
    app = app_for(any_town)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: numbers(app) == [first])
        second = await add(any_town, urgency="urgent")
        await until(pilot, lambda: numbers(app) == [second, first])
