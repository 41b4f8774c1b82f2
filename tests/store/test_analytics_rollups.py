"""The analytics rollups are the figures of the tickets themselves: kept up to date by every
action (hypothesis drives random sequences), rebuilt equal after a bulk demo build, and the
screens read from them give what the grouped queries over the tickets give."""

from __future__ import annotations

import tempfile
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from griddesk.store import tickets, workflow
from griddesk.store.analytics import focus, hotspots, keyed, period, reports, rollups, scorecards
from griddesk.store.context import Store
from griddesk.store.demo.build import build as build_demo
from griddesk.store.errors import StoreError
from tests.fixtures_town import seed

START = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)  # Monday 2 March 09:00 in Beihai

# (actor, action, arguments): a step the ticket's state refuses gives way to the next one it takes
STEPS: list[tuple[str, str, dict[str, Any]]] = [
    ("op01", "dispatch", {"unit": "URBAN"}),
    ("op02", "dispatch", {"unit": "POLICE"}),
    ("u-urban", "sign", {}),
    ("u-police", "sign", {}),
    ("u-urban", "feedback", {"note": "已处理"}),
    ("u-police", "feedback", {"note": "已处理"}),
    ("u-urban", "return", {"reason": "不属本单位"}),
    ("op01", "approve", {}),
    ("u-police", "extend", {"reason": "需协调", "note": "已约谈", "days": 2}),
    ("sup01", "approve", {}),
    ("gw01", "verify", {"passed": False, "reason": "未整改"}),
    ("gw01", "verify", {"passed": True}),
    ("op01", "visit", {"satisfaction": "satisfied"}),
    ("op01", "visit", {"satisfaction": "dissatisfied"}),
    ("op01", "close", {}),
    ("op01", "reopen", {"reason": "回访不满意"}),
    ("op01", "suspend", {"reason": "待政策明确"}),
]


async def snapshot(store: Store) -> list[tuple[Any, ...]]:
    async with store.db.session() as s:
        return sorted(tuple(r) for r in (await s.execute(select(rollups.rollups))).all())


async def rebuilt(store: Store) -> list[tuple[Any, ...]]:
    await rollups.rebuild(store)
    return await snapshot(store)


async def figures(store: Store, actor: Any, p: period.Period) -> tuple[Any, ...]:
    h = await hotspots.hotspots(store, actor, p)
    sc = await scorecards.scorecards(store, actor, p)
    r = await reports.report(store, actor, "weekly", first=p.first, last=p.last)
    return h, sc, (r.new, r.dispatched, r.closed, r.escalations, r.top_matters)


async def both_ways(store: Store, actor: Any, p: period.Period, monkeypatch: Any) -> tuple[Any, Any]:
    """The figures read from the rollups, and read from the tickets (the rollups switched off)."""
    rolled = await figures(store, actor, p)
    assert await rollups_used(store, actor, p)

    async def never(*_: Any, **__: Any) -> None:
        return None

    with monkeypatch.context() as m:
        m.setattr(rollups, "days_for", never)
        raw = await figures(store, actor, p)
    return rolled, raw


async def rollups_used(store: Store, actor: Any, p: period.Period) -> bool:
    async with store.db.session() as s:
        return await rollups.days_for(store, s, actor, p.start, p.end) is not None


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(st.integers(0, 3), st.integers(0, len(STEPS) - 1), st.integers(1, 36 * 60)),
                min_size=10, max_size=30),
       st.lists(st.integers(0, 3 * 24 * 60), min_size=1, max_size=4))
async def test_rollups_follow_every_action(monkeypatch: pytest.MonkeyPatch, steps: list[tuple[int, int, int]],
                                           arrivals: list[int]) -> None:
    with tempfile.TemporaryDirectory(dir="/tmp") as tmp:
        clock = [START]
        store = await Store.open(str(Path(tmp) / "r.db"), now=lambda: clock[0])
        try:
            town = await seed(store)
            a = town.actors
            numbers = []
            grids, matters = list(town.grids.values()), list(town.matters.values())
            for i, minutes in enumerate(sorted(arrivals)):
                clock[0] = START + timedelta(minutes=minutes)
                numbers.append(await tickets.create(store, a["op01"], tickets.parse(town.ticket(
                    title=f"t{i}", grid=grids[i % len(grids)], matter=matters[i % len(matters)],
                    reporter={"name": "李明", "phone": f"1380779000{i % 2}"}))))
            taken = 0
            for which, step, minutes in steps:
                clock[0] += timedelta(minutes=minutes)
                for k in range(len(STEPS)):  # the drawn step, else the next one the ticket takes now
                    who, action, kw = STEPS[(step + k) % len(STEPS)]
                    try:
                        await workflow.act(store, a[who], numbers[which % len(numbers)], action, **kw)
                    except StoreError:
                        continue
                    taken += 1
                    break
            event(f"steps taken: {min(taken, 10)}{'+' if taken >= 10 else ''}")
            kept = await snapshot(store)
            assert kept, "the rollups hold the tickets' figures"
            assert kept == await rebuilt(store)
            clock[0] += timedelta(days=8)
            p = period.of_dates(store.calendar, date(2026, 3, 2), date(2026, 3, 8))
            rolled, raw = await both_ways(store, a["op01"], p, monkeypatch)
            assert rolled == raw
        finally:
            await store.close()


async def test_a_bulk_demo_build_leaves_the_rollups_built(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = await Store.open(str(tmp_path / "demo.db"))
    try:
        await build_demo(store, tickets=600, days=40)
        kept = await snapshot(store)
        assert kept and kept == await rebuilt(store)
        actor = await store.actor()
        p = period.last_days(store.calendar, store.now(), 14)
        rolled, raw = await both_ways(store, actor, p, monkeypatch)
        assert rolled == raw
        h = rolled[0]
        assert h.total > 0
        # the focus list's counts over a window that starts and ends inside a day
        picks = [("matter", h.by_matter[0].code), ("grid", h.by_grid[0].code), ("village", h.by_village[0].key)]
        picks += [(r.kind, r.key) for r in h.repeats]
        end = store.now() - timedelta(hours=5)
        start = end - timedelta(days=9, hours=7)
        secret = await keyed.secret(store)
        for kind, key in picks:
            async with store.db.session() as s:
                cond, _ = await focus._condition(s, store, kind, key)
                got = await focus._count(s, store, secret, actor, kind, key, cond, start, end)
                assert got == await focus._count_tickets(s, secret, actor, kind, key, cond, start, end), kind
    finally:
        await store.close()


async def test_a_unit_and_a_part_day_read_the_tickets(tmp_path: Path) -> None:
    clock = [START]
    store = await Store.open(str(tmp_path / "u.db"), now=lambda: clock[0])
    try:
        town = await seed(store)
        p = period.of_dates(store.calendar, date(2026, 3, 2), date(2026, 3, 8))
        assert await rollups_used(store, town.actors["op01"], p)
        assert not await rollups_used(store, town.actors["u-urban"], p)
        async with store.db.session() as s:
            assert await rollups.days_for(store, s, town.actors["op01"], p.start + timedelta(hours=1), p.end) is None
    finally:
        await store.close()


async def test_rollups_on_postgresql(pg_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.store.test_analytics import MON, build

    clock = [MON]
    store = await Store.open(pg_url, now=lambda: clock[0])
    try:
        week = await build(store, clock)
        kept = await snapshot(store)
        assert kept and kept == await rebuilt(store)
        rolled, raw = await both_ways(store, week.op, week.period(), monkeypatch)
        assert rolled == raw
    finally:
        await store.close()


async def test_a_county_report_counts_its_towns_open_tickets(tmp_path: Path) -> None:
    from tests.store.test_analytics import MON, build

    clock = [MON]
    store = await Store.open(str(tmp_path / "c.db"), now=lambda: clock[0])
    try:
        week = await build(store, clock)
        town = await reports.report(store, week.op, "weekly")
        county = await reports.report(store, week.town.actors["county01"], "weekly")
        assert county.still_open == town.still_open == 3
        assert (county.pending_escalations, county.notices) == (town.pending_escalations, town.notices)
        assert county.notices
    finally:
        await store.close()
