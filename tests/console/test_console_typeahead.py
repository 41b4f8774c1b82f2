"""Typeahead: keys typed in one burst, while screens open and reads run, land where slow typing
would have put them (console/typeahead.py)."""

from __future__ import annotations

from griddesk.console.screens.intake import IntakeScreen
from griddesk.console.screens.queue import QueueScreen
from griddesk.console.screens.ticket import TicketScreen
from tests.console.pilot import add, app_for, burst, numbers, until
from tests.fixtures_town import Town


async def test_a_filter_typed_in_one_burst_filters_and_its_digits_are_not_queue_keys(town: Town) -> None:
    a = await add(town, address="冠头岭路3号", grid=town.grids["port"])
    b = await add(town, matter=town.matters["dispute"])
    app = app_for(town)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: len(numbers(app)) == 2)
        queue = app.screen
        assert isinstance(queue, QueueScreen)
        group = queue.filter.group
        tail = a[-4:]
        burst(pilot, "/", *tail, "enter")
        await until(pilot, lambda: queue.filter.text == tail and numbers(app) == [a])
        assert queue.filter.group == group  # the digits did not pick a status group
        assert not queue.query_one("#queue-filter").display
        assert b not in numbers(app)
        # and then straight on: Enter opens the one ticket shown, esc comes back
        burst(pilot, "enter")
        await until(pilot, lambda: isinstance(app.screen, TicketScreen))
        assert app.screen.number == a  # type: ignore[attr-defined]


async def test_the_command_line_typed_in_one_burst_opens_its_screen(town: Town) -> None:
    number = await add(town)
    app = app_for(town)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, QueueScreen) and numbers(app) == [number])
        burst(pilot, ":", *"intake", "enter")
        await until(pilot, lambda: isinstance(app.screen, IntakeScreen))
        # esc leaves the empty form, and the command line right after it is not lost either
        burst(pilot, "escape", ":", *f"ticket {number[-4:]}", "enter")  # the tail, as shown
        await until(pilot, lambda: isinstance(app.screen, TicketScreen))
        assert app.screen.number == number  # type: ignore[attr-defined]


async def test_the_intake_form_typed_in_one_burst_equals_slow_typing(town: Town) -> None:
    app = app_for(town)
    async with app.run_test(size=(110, 36)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, QueueScreen))
        # n opens the form; "lljf" Enter picks 邻里纠纷 from suggestions that were not there yet
        burst(pilot, "n", *"lljf", "enter", *"djsqde", "enter", *"北部湾路8号", "enter", *"楼上漏水")
        await until(pilot, lambda: isinstance(app.screen, IntakeScreen)
                    and app.screen.value("description") == "楼上漏水")  # type: ignore[attr-defined]
        form = app.screen
        assert isinstance(form, IntakeScreen)
        assert form.picked["matter"] is not None and form.picked["matter"].code == town.matters["dispute"]
        assert form.picked["grid"] is not None and form.picked["grid"].code == town.grids["comp2"]
        assert form.value("address") == "北部湾路8号"
        assert app.focused is form.field("description")


async def test_a_paste_arrives_whole_after_the_keys_before_it(town: Town) -> None:
    from textual import events

    await add(town)
    app = app_for(town)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, QueueScreen) and len(numbers(app)) == 1)
        burst(pilot, "/")
        driver = app._driver
        assert driver is not None
        paste = events.Paste("冠头岭路")
        paste.set_sender(app)
        driver.send_message(paste)
        box = app.screen.query_one("#queue-filter")
        await until(pilot, lambda: box.value == "冠头岭路")  # type: ignore[attr-defined]
