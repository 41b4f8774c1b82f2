"""The urgent band: a normal ticket about to run out sits above urgent tickets with days left."""

from __future__ import annotations

from datetime import timedelta

from griddesk.console.screens.queue import QueueScreen
from griddesk.console.screens.ticket import TicketScreen
from griddesk.store import urgent
from tests.console.pilot import add, app_for, numbers, until
from tests.fixtures_town import Town


async def test_a_clock_running_out_lifts_the_ticket_into_the_band(town: Town) -> None:
    relaxed = [await add(town, urgency="urgent", matter=town.matters["consult"]) for _ in range(3)]
    pressing = await add(town)  # normal, 4 working hours to dispatch and handle
    store = town.store
    real_now = store.now
    rows = await urgent.band(store, town.operator)
    assert [r.number for r in rows] == []  # nothing runs out within 30 minutes yet
    # move the clock on to 20 minutes before the normal ticket's deadline
    due = next(r for r in await _due(town) if r[0] == pressing)[1]
    store.now = lambda: due - timedelta(minutes=20)
    try:
        rows = await urgent.band(store, town.operator)
        assert [r.number for r in rows] == [pressing]
        assert 0 < rows[0].left_s <= 20 * 60 and not rows[0].unreported
        app = app_for(town)
        async with app.run_test(size=(80, 24)) as pilot:
            await until(pilot, lambda: isinstance(app.screen, QueueScreen) and len(numbers(app)) == 4)
            queue = app.screen
            assert isinstance(queue, QueueScreen)
            await until(pilot, lambda: queue.band.display and queue.band.first == pressing)
            assert numbers(app)[:3] == relaxed or set(numbers(app)[:3]) == set(relaxed)  # urgency first below
            band_text = str(queue.band.render())
            assert pressing.split("-", 1)[1] in band_text and "20分钟" in band_text
            await pilot.press("t")
            await until(pilot, lambda: isinstance(app.screen, TicketScreen))
            assert app.screen.number == pressing  # type: ignore[attr-defined]
    finally:
        store.now = real_now


async def test_an_unreported_emergency_is_in_the_band_until_reported(town: Town) -> None:
    number = await add(town, urgency="emergency")
    rows = await urgent.band(town.store, town.operator)
    assert [(r.number, r.clock, r.unreported) for r in rows] == [(number, "escalate", True)]


async def _due(town: Town) -> list[tuple[str, object]]:
    from griddesk.store import queue

    return [(r.number, r.due_at) for r in await queue.page(town.store, town.operator)]
