"""The queue page, header counts and change feed on real databases."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from griddesk.store import queue, tickets
from griddesk.store.context import Store
from tests.conftest import fixed_now
from tests.fixtures_town import Town

pytestmark = pytest.mark.backends  # store and town on SQLite and PostgreSQL (tests/conftest.py)


async def add(town: Town, **over) -> str:  # type: ignore[no-untyped-def]
    return await tickets.create(town.store, town.operator, tickets.parse(town.ticket(**over)))


async def test_order_is_urgency_then_nearest_deadline(any_town: Town) -> None:
    slow = await add(any_town, matter=any_town.matters["consult"])  # 3 working days
    fast = await add(any_town)  # 4 working hours
    urgent = await add(any_town, urgency="urgent", matter=any_town.matters["consult"])
    rows = await queue.page(any_town.store, any_town.operator)
    assert [r.number for r in rows] == [urgent, fast, slow]


async def test_text_filter_matches_number_grid_matter_address(town: Town) -> None:
    a = await add(town, address="冠头岭路3号", grid=town.grids["port"])
    b = await add(town, matter=town.matters["dispute"])
    op = town.operator
    assert [r.number for r in await queue.page(town.store, op, queue.QueueFilter(text="冠头岭路"))] == [a]
    assert [r.number for r in await queue.page(town.store, op, queue.QueueFilter(text="邻里"))] == [b]
    assert [r.number for r in await queue.page(town.store, op, queue.QueueFilter(text="渔港"))] == [a]
    assert [r.number for r in await queue.page(town.store, op, queue.QueueFilter(text=b[-6:]))] == [b]
    assert await queue.count(town.store, op, queue.QueueFilter(group="closed")) == 0


async def test_page_and_count_agree_with_page_and_count_apart(town: Town) -> None:
    a = await add(town, address="冠头岭路3号", grid=town.grids["port"])
    b = await add(town, matter=town.matters["dispute"], title="路灯不亮")
    c = await add(town, urgency="urgent", title="路灯倒伏")
    op = town.operator
    for f in (queue.QueueFilter(), queue.QueueFilter(text="路灯"), queue.QueueFilter(text="冠头岭路"),
              queue.QueueFilter(text="渔"), queue.QueueFilter(text="无此"), queue.QueueFilter(group="closed"),
              queue.QueueFilter(text="路灯", group="all")):
        for limit, offset in ((200, 0), (1, 1), (1, 5)):
            rows, total = await queue.page_and_count(town.store, op, f, limit=limit, offset=offset)
            assert rows == await queue.page(town.store, op, f, limit=limit, offset=offset), (f, offset)
            assert total == await queue.count(town.store, op, f), (f, offset)
    rows, total = await queue.page_and_count(town.store, op, queue.QueueFilter(text="路灯"))
    assert [r.number for r in rows] == [c, b] and total == 2 and a


async def test_counts_follow_the_clock(tmp_path) -> None:  # type: ignore[no-untyped-def]
    # Monday 2026-03-02 09:00 Beihai; rubbish has 4 working hours → due 15:00, due soon from 14:00
    start = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
    now = [start]
    s = await Store.open(str(tmp_path / "c.db"), now=lambda: now[0])
    from tests.fixtures_town import seed

    town = await seed(s)
    await add(town)
    assert await queue.counts(s, town.operator) == queue.Counts(1, 0, 0, 0)
    now[0] = start + timedelta(hours=5, minutes=30)  # 14:30: an hour of the limit left … a quarter
    assert (await queue.counts(s, town.operator)).due_soon == 1
    now[0] = start + timedelta(hours=6, minutes=1)
    assert await queue.counts(s, town.operator) == queue.Counts(1, 0, 1, 0)
    await s.close()


async def test_change_feed_is_monotonic_and_scoped(town: Town) -> None:
    before = await queue.last_change(town.store)
    await add(town)
    await add(town)
    changes = await queue.changes_since(town.store, town.operator, before)
    assert [c.kind for c in changes] == ["created", "created"]
    assert changes[0].id < changes[1].id
    assert await queue.last_change(town.store) == changes[-1].id
    other_town = town.operator.__class__("x", "x", town.operator.role, "450502001")
    assert await queue.changes_since(town.store, other_town, before) == []


def test_fixed_now_helper() -> None:
    at = datetime(2026, 1, 1, tzinfo=UTC)
    assert fixed_now(at)() == at
