"""The console's periodic jobs: only the console holding the lease runs the ladder; quitting
gives the lease up at once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from griddesk.console.app import GridDeskApp
from griddesk.store import jobs, tickets, workflow
from griddesk.store.context import Store
from tests.fixtures_town import seed

MON = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)  # Monday 09:00 in Beihai


async def test_one_console_runs_the_ladder_and_lets_go_on_quit(tmp_path: Path) -> None:
    path = str(tmp_path / "jobs.db")
    now = [MON]
    first = await Store.open(path, now=lambda: now[0])
    town = await seed(first)
    number = await tickets.create(first, town.operator, tickets.parse(town.ticket(matter=town.matters["consult"])))
    await workflow.dispatch(first, town.operator, number, "CIVIL")
    now[0] = MON + timedelta(days=14)  # far past the deadline: a notice and a criticism are due
    second = await Store.open(path, now=lambda: now[0])
    name = jobs.lease_name(jobs.LADDER, town.operator.jurisdiction)
    try:
        app1 = GridDeskApp(first, town.operator, lang="zh", poll_interval=0.2)
        async with app1.run_test(size=(80, 24)):
            assert await app1.alerts.run_ladder() == {"ladder": 2}
            holder = await jobs.holder_of(first, name)
            assert holder is not None
            app2 = GridDeskApp(second, await second.actor("op02"), lang="zh", poll_interval=0.2)
            async with app2.run_test(size=(80, 24)):
                assert await app2.alerts.run_ladder() == {}  # the lease is the first console's
            assert await jobs.holder_of(first, name) == holder  # the second did not touch it
        assert await jobs.holder_of(first, name) is None  # the first quit: free at once
    finally:
        await second.close()
        await first.close()
