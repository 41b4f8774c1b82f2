"""What an idle console reads, and when (issue 13, point 3): the header counts and the alerts
re-read only when a clock crossed (`counts.crossed`), the urgent band only when time moves its
rows (`urgent.next_change`); each of these reads, and the band itself, is served by an index."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import select

from griddesk.store import counts, queue, supervision, tickets, urgent
from griddesk.store.context import Store
from griddesk.store.models import Ticket
from tests.fixtures_town import Town, seed
from tests.store.test_query_plans import _no_full_scan, _plans, _selects, _uses

MON = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)  # Monday 09:00 in Beihai


async def _deadlines(town: Town, number: str) -> tuple[datetime, datetime]:
    row = next(r for r in await queue.page(town.store, town.operator) if r.number == number)
    assert row.due_at is not None
    async with town.store.db.session() as s:
        warn = (await s.execute(select(Ticket.warn_at).where(Ticket.number == number))).scalar_one()
    return row.due_at, warn


async def test_a_clock_crossing_is_what_makes_the_counts_and_alerts_stale(tmp_path: Path) -> None:
    now = [MON]
    store = await Store.open(str(tmp_path / "c.db"), now=lambda: now[0])
    try:
        town = await seed(store)
        op = town.operator
        number = await tickets.create(store, op, tickets.parse(town.ticket()))
        due, warn = await _deadlines(town, number)
        assert MON < warn < due
        # nothing crosses between two minutes long before the warning
        assert not await counts.crossed(store, op, MON, MON + timedelta(minutes=1))
        # the warning passes: the due-soon count moves, the alerts have nothing to say yet
        assert await counts.crossed(store, op, warn - timedelta(seconds=30), warn + timedelta(seconds=30))
        assert not await counts.crossed(store, op, warn - timedelta(seconds=30), warn + timedelta(seconds=30),
                                        warn=False)
        # the deadline passes: both
        assert await counts.crossed(store, op, due - timedelta(minutes=1), due, warn=False)
        assert await counts.crossed(store, op, due, due + timedelta(minutes=1))  # a read at `due` may have missed it
        assert not await counts.crossed(store, op, due + timedelta(seconds=1), due + timedelta(minutes=5))
        # another town's operator is not woken by this town's clocks
        other = town.actors["op01"].__class__("x", "x", op.role, "450502006", None, None)
        assert not await counts.crossed(store, other, due - timedelta(minutes=1), due)

        # the urgent band: empty until the deadline comes within the horizon, and it says when
        rows = await urgent.band(store, op)
        assert rows == []
        horizon = timedelta(minutes=store.settings.urgent_band_minutes)
        assert await urgent.next_change(store, op, rows, MON) == due - horizon
        now[0] = due - horizon + timedelta(minutes=1)
        rows = await urgent.band(store, op)
        assert [r.number for r in rows] == [number]
        assert await urgent.next_change(store, op, rows, now[0]) == due  # then it leaves the band
    finally:
        await store.close()


async def test_a_runner_that_plans_only_at_the_wake_misses_no_step(tmp_path: Path) -> None:
    """Run the ladder only at `plan_ahead`'s wake, from 09:01 on: every step is written, and
    nothing was due a second before any wake (the wake is never later than the next step)."""
    now = [MON]
    store = await Store.open(str(tmp_path / "l.db"), now=lambda: now[0])
    try:
        town = await seed(store)
        number = await tickets.create(store, town.operator, tickets.parse(town.ticket()))
        at, wrote, wakes = MON + timedelta(minutes=1), [], []
        while at < MON + timedelta(days=14):
            todo, wake = await supervision.plan_ahead(store, at, town.operator.jurisdiction)
            assert wake > at
            wrote += [s.level for s in await supervision.run_ladder(store, at, todo=todo) if s.number == number]
            assert await supervision.plan(store, wake - timedelta(seconds=1)) == [], (at, wake)
            wakes.append(wake)
            at = wake
        assert wrote == ["reminder", "notice", "criticism"]
        assert len(wakes) < 20  # openings and the ticket's own moments, not every minute
    finally:
        await store.close()


async def test_an_unreported_emergency_sorts_by_its_report_clock_and_is_not_listed_twice(town: Town) -> None:
    store, op = town.store, town.operator
    emergency = await tickets.create(store, op, tickets.parse(town.ticket(urgency="emergency")))
    normal = await tickets.create(store, op, tickets.parse(town.ticket()))
    due, _warn = await _deadlines(town, normal)
    real_now = store.now
    store.now = lambda: due - timedelta(minutes=5)
    try:
        rows = await urgent.band(store, op)
    finally:
        store.now = real_now
    assert [(r.number, r.unreported) for r in rows if r.number == emergency] == [(emergency, True)]
    assert [r.number for r in rows].count(emergency) == 1 and normal in [r.number for r in rows]
    assert [r.due_at for r in rows] == sorted(r.due_at for r in rows)


async def _check_plans(town: Town) -> None:
    store, op, county = town.store, town.operator, town.actors["county01"]
    for i in range(3):
        await tickets.create(store, op, tickets.parse(town.ticket(title=f"路灯不亮 {i}")))
    await tickets.create(store, op, tickets.parse(town.ticket(urgency="emergency")))
    now = store.now()
    # a town's reads lead with its code (ix_tickets_counts); a county's too, town by town (its
    # towns as a list: store/scope.py), seeking the deadline window within each town and status
    # (ix_tickets_counts: town_code, status, due_at) — never the county's every open ticket
    for actor in (op, county):
        index = "ix_tickets_counts"
        band = await _plans(store, await _selects(store, lambda a=actor: urgent.band(store, a)))  # type: ignore[misc]
        _no_full_scan(band)
        _uses(band, index)  # clocks running out: town, status, due_at
        if store.db.backend == "sqlite":
            assert any("ix_tickets_counts (town_code=? AND status=? AND due_at" in p for _, p in band), band
        _uses(band, "ix_clocks_ladder")  # running escalate clocks: name, state
        nxt = await _plans(store, await _selects(store, lambda a=actor: urgent.next_change(store, a, [], now)))  # type: ignore[misc]
        _no_full_scan(nxt)
        _uses(nxt, index)
        since = now - timedelta(minutes=1)
        probe = await _plans(store, await _selects(store, lambda a=actor: counts.crossed(store, a, since, now)))  # type: ignore[misc]
        assert len(probe) == 2, probe  # both probes ran (nothing crossed)
        _no_full_scan(probe)
        _uses(probe, "ix_clocks_running")  # deadlines: state, due_at
        _uses(probe, "ix_clocks_ladder")  # warnings: name, state, warn_at
    ahead = await _plans(store, await _selects(store, lambda: supervision.plan_ahead(store, now, op.jurisdiction)))
    _no_full_scan(ahead, ("ticket_clocks",))
    _uses([p for p in ahead if "LIMIT" in p[0]], "ix_clocks_ladder")  # the next warning: one seek
    header = await _plans(store, await _selects(store, lambda: counts.header_counts(store, county)))
    _no_full_scan(header)
    _uses(header, "ix_tickets_counts")  # a county's counts: its towns' open tickets, from the index alone


async def test_the_idle_reads_use_their_indexes(town: Town) -> None:
    """SQLite's EXPLAIN QUERY PLAN, PostgreSQL's EXPLAIN (tests/store/conftest.py: both backends)."""
    await _check_plans(town)
