"""An idle console reads only what time has changed (issue 13, point 3): the alerts' interval and
the minute ask one index seek whether a clock crossed and read nothing more when none did; the
urgent band re-reads itself only when a deadline comes within its horizon or passes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from griddesk.console.app import GridDeskApp
from griddesk.console.messages import MinuteTick
from griddesk.console.screens.queue import QueueScreen
from griddesk.store import tickets
from griddesk.store.context import Store
from tests.console.pilot import numbers, until
from tests.fixtures_town import seed

MON = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)  # Monday 09:00 in Beihai


def at(hh: int, mm: int = 0) -> datetime:
    return MON + timedelta(hours=hh - 9, minutes=mm)


async def test_an_idle_console_reads_only_when_a_clock_crosses(tmp_path: Path) -> None:
    now = [at(9)]
    store = await Store.open(str(tmp_path / "idle.db"), now=lambda: now[0])
    try:
        town = await seed(store)
        number = await tickets.create(store, town.operator, tickets.parse(town.ticket()))  # due 15:00
        app = GridDeskApp(store, town.operator, lang="zh", poll_interval=0.2)
        app.alerts.interval = 3600.0  # the test turns the interval's ticks and the minutes itself
        async with app.run_test(size=(100, 30)) as pilot:
            await until(pilot, lambda: isinstance(app.screen, QueueScreen) and numbers(app) == [number]
                        and app.alerts.checks >= 1 and app.counts_at is not None)
            queue = app.screen
            assert isinstance(queue, QueueScreen)
            await until(pilot, lambda: queue.band.wake is not None)
            assert queue.band.wake == at(14, 30)  # 30 minutes before the deadline it enters the band
            checks, counts_at = app.alerts.checks, app.counts_at

            async def minute() -> None:
                await app.alerts._tick()
                await app._minute_counts(now[0])
                queue.post_message(MinuteTick(now[0]))

            # a quiet minute: no notices read, no counts, no band
            now[0] = at(9, 1)
            await minute()
            await until(pilot, lambda: queue.band.now == at(9, 1))
            assert (app.alerts.checks, app.counts_at, queue.band.reads) == (checks, counts_at, 0)

            # the ladder: this console holds its lease; it plans once, then not again in a quiet
            # minute, but again when the change feed moved or time reaches the next step's moment
            await app.alerts.run_ladder()
            plans, wake = app.alerts.plans, app.alerts.ladder_wake
            assert plans >= 1 and wake is not None and at(9, 1) < wake <= at(15)
            assert await app.alerts.run_ladder() == {"ladder": 0} and app.alerts.plans == plans
            app.alerts.feed_moved()
            await app.alerts.run_ladder()
            assert app.alerts.plans == plans + 1

            # 14:31: the deadline is within 30 minutes (the band reads it), the warning passed
            # (the counts read: due soon); no deadline passed, so no notices are read
            now[0] = at(14, 31)
            await minute()
            await until(pilot, lambda: queue.band.reads == 1 and queue.band.first == number)
            assert app.alerts.checks == checks
            assert app.counts_at == at(14, 31) and app.header_state.counts is not None
            assert app.header_state.counts.due_soon == 1
            await until(pilot, lambda: queue.band.wake is not None)
            assert queue.band.wake == at(15)  # the deadline: then it leaves the band
            assert now[0] >= wake
            assert await app.alerts.run_ladder() == {"ladder": 1}  # the reminder, at its moment
            assert app.alerts.plans == plans + 2
            # the reminder is a write: the change feed brings it back, and a write seen there
            # asks for a check at once (an emergency from elsewhere rings within the poll)
            await until(pilot, lambda: app.alerts.checks == checks + 1)
            checks = app.alerts.checks

            # 15:01: the deadline passed: the notice is read and shown, the count moves, the band empties
            now[0] = at(15, 1)
            await minute()
            await until(pilot, lambda: queue.band.reads == 2 and not queue.band.rows)
            assert app.alerts.checks == checks + 1 and any(number in s for s in app.alerts.shown)
            assert app.header_state.counts.overdue == 1 and app.counts_at == at(15, 1)
            assert not queue.band.display
    finally:
        await store.close()
