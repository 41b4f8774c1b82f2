"""The dispatch dialog's keys under the one dialog rule, typed in one burst: `⏎ ⏎` at 0 ms gaps
takes the proposed lead, moves to the note and dispatches — the same as typing it slowly — and
`d 2` typed at once (the 2 waits for the candidates) makes the second candidate the lead."""

from __future__ import annotations

from griddesk.console.screens.dispatch import DispatchDialog
from griddesk.store import views
from tests.console.pilot import add, burst, until, until_async
from tests.console.test_console_actions import SIZE, app_as, on_row
from tests.fixtures_town import Town


async def test_dispatch_by_a_burst_of_keys(town: Town) -> None:
    first = await add(town)  # rubbish: the urban management squad is proposed first
    second = await add(town, title="第二件")
    app = app_as(town, "op01")

    async def lead_of(number: str) -> str | None:
        d = await views.detail(town.store, town.operator, number)
        return d.lead_unit.code if d.lead_unit is not None else None

    async with app.run_test(size=SIZE) as pilot:
        await on_row(pilot, app, first, "d")
        burst(pilot, "d")
        await until(pilot, lambda: isinstance(app.screen, DispatchDialog) and app.screen.loaded)
        burst(pilot, "enter", "enter")  # at 0 ms: the second waits until the first has moved to the note
        await until_async(pilot, lambda: _is(lead_of(first), town.units["urban"]),
                          lambda: f"{first} not dispatched: {app.screen_stack!r} {app.focused!r}")
        await until(pilot, lambda: not isinstance(app.screen, DispatchDialog))

        await on_row(pilot, app, second, "d")
        burst(pilot, "d", "2")
        await until(pilot, lambda: isinstance(app.screen, DispatchDialog) and app.screen.loaded)
        dialog = app.screen
        assert isinstance(dialog, DispatchDialog)
        await until(pilot, lambda: app.focused is dialog.query_one("#dispatch-note"))
        want = dialog.proposals[1].code
        assert dialog.lead == want
        burst(pilot, "enter")
        await until_async(pilot, lambda: _is(lead_of(second), want), lambda: f"{second} not dispatched to {want}")


async def _is(got, want: str) -> bool:  # type: ignore[no-untyped-def]
    return await got == want


async def test_d_enter_enter_in_one_burst_from_the_queue(town: Town) -> None:
    """`d ⏎ ⏎` queued at once in the driver, as a terminal sends a fast typist's keys: the first ⏎
    waits for the dialog's candidates, takes the proposed lead, the second waits for the note and
    dispatches. No key reaches the queue behind the dialog and none is dropped."""
    number = await add(town)
    app = app_as(town, "op01")
    async with app.run_test(size=SIZE) as pilot:
        await on_row(pilot, app, number, "d")
        queue = app.screen
        burst(pilot, "d", "enter", "enter")
        await until_async(pilot, lambda: _is(_lead(town, number), town.units["urban"]),
                          lambda: f"{number} not dispatched: {app.screen_stack!r} {app.focused!r}")
        await until(pilot, lambda: app.screen is queue and not app.typeahead.held)
        assert app.screen is queue  # the ⏎s did not open the ticket behind the dialog


async def _lead(town: Town, number: str) -> str | None:
    d = await views.detail(town.store, town.operator, number)
    return d.lead_unit.code if d.lead_unit is not None else None
