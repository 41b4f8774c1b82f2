"""Screen snapshots (pytest-textual-snapshot) of the queue and the ticket detail at 80×24.

Deterministic because everything on screen comes from the test town and a pinned clock
(`Store(now=…)`): the header's time, the ticket numbers and the time left. Update the saved
SVGs after a deliberate change with `pytest --snapshot-update tests/console/test_console_snapshots.py`.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

from griddesk.console.app import GridDeskApp
from griddesk.store import config, tickets
from griddesk.store.context import Store
from griddesk.store.db import Database
from tests.console.pilot import idle, until
from tests.fixtures_town import seed

# Tuesday 2026-03-03 10:00 in Beihai: a working morning, no holiday nearby
NOW = datetime(2026, 3, 3, 2, 0, tzinfo=UTC)


def build(path: Path) -> tuple[str, dict]:
    async def go() -> tuple[str, dict]:
        store = await Store.open(str(path), config.Settings(), now=lambda: NOW)
        town = await seed(store)
        op = town.operator
        first = await tickets.create(store, op, tickets.parse(town.ticket()))
        await tickets.create(store, op, tickets.parse(town.ticket(
            matter=town.matters["dispute"], urgency="urgent", title="楼上漏水引发邻里纠纷",
            address="地角路8号", grid=town.grids["comp2"])))
        await tickets.create(store, op, tickets.parse(town.ticket(
            matter=town.matters["fire"], urgency="emergency", title="楼道堆放杂物堵塞消防通道",
            address="冠头岭路3号", grid=town.grids["port"])))
        actors = {"op01": town.operator}
        await store.close()
        return first, actors

    return asyncio.run(go())


def app_for(path: Path, actors: dict) -> GridDeskApp:
    # the engine connects lazily, inside the snapshot's own event loop
    store = Store(Database(str(path)), config.Settings(), now=lambda: NOW)
    return GridDeskApp(store=store, actor=actors["op01"], lang="zh")


async def until_rows(pilot) -> None:  # type: ignore[no-untyped-def]
    from griddesk.console.widgets.queue_table import QueueTable

    def three() -> bool:
        tables = pilot.app.screen.query(QueueTable)
        return bool(tables) and tables.first().row_count == 3

    await until(pilot, three)
    await idle(pilot)


def test_queue_at_80x24(snap_compare, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    _, actors = build(tmp_path / "snap.db")
    assert snap_compare(app_for(tmp_path / "snap.db", actors), terminal_size=(80, 24), run_before=until_rows)


def test_ticket_detail_at_80x24(snap_compare, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    first, actors = build(tmp_path / "snap.db")

    async def open_ticket(pilot) -> None:  # type: ignore[no-untyped-def]
        await until_rows(pilot)
        pilot.app.open_screen("ticket", first)
        await until(pilot, lambda: getattr(pilot.app.screen, "loads", 0))
        await idle(pilot)

    assert snap_compare(app_for(tmp_path / "snap.db", actors), terminal_size=(80, 24), run_before=open_ticket)
