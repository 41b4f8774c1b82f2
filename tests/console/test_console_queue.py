"""The console's queue, filter, status keys, ticket detail, help, palette and command line (Pilot)."""

from __future__ import annotations

import pytest
from textual.command import CommandList, CommandPalette

from griddesk.console.app import GridDeskApp
from griddesk.console.screens.help import HelpScreen
from griddesk.console.screens.queue import QueueScreen
from griddesk.console.screens.ticket import TicketScreen
from griddesk.store import workflow
from griddesk.store.i18n import t
from tests.console.pilot import add, app_for, header_text, numbers, until
from tests.fixtures_town import Town


async def test_queue_shows_rows_in_queue_order_and_the_header(town: Town) -> None:
    slow = await add(town, matter=town.matters["consult"])  # 3 working days
    fast = await add(town)  # 4 working hours
    urgent = await add(town, urgency="urgent", matter=town.matters["consult"])
    app = app_for(town)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: len(numbers(app)) == 3)
        assert numbers(app) == [urgent, fast, slow]
        await until(pilot, lambda: app.header_state.counts is not None and "地角街道" in header_text(app))
        text = header_text(app)
        assert "地角街道网格化服务管理中心" in text
        assert "周敏" in text and t("role.operator") in text
        assert f"{t('console.header.open')} 3" in text
        assert t("console.screen.queue") in text
        # the status column reads as a symbol and a word, the time left in words
        table = app.screen.table  # type: ignore[attr-defined]
        row = [c.plain for c in table.get_row(fast)]
        assert "◉ 待分拨" in row
        assert any(c.endswith("后超期") for c in row)


async def test_slash_filters_by_text_and_esc_clears(town: Town) -> None:
    a = await add(town, address="冠头岭路3号", grid=town.grids["port"])
    b = await add(town, matter=town.matters["dispute"])
    app = app_for(town)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: len(numbers(app)) == 2)
        await pilot.press("slash")
        await pilot.press(*"冠头岭路")
        await pilot.press("enter")
        await until(pilot, lambda: numbers(app) == [a])
        assert "/冠头岭路" in header_text(app)
        await pilot.press("escape")
        await until(pilot, lambda: sorted(numbers(app)) == sorted([a, b]))
        assert "/冠头岭路" not in header_text(app)
        # esc while typing puts back what was there before
        await pilot.press("slash", *"邻里", "escape")
        await until(pilot, lambda: sorted(numbers(app)) == sorted([a, b]))
        assert not app.screen.query_one("#queue-filter").display


async def test_status_keys_and_overdue_only(town: Town) -> None:
    pending = await add(town)
    sent = await add(town, matter=town.matters["dispute"])
    await workflow.dispatch(town.store, town.operator, sent, town.units["urban"])
    done = await add(town, resolved_on_spot=True)
    app = app_for(town)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: sorted(numbers(app)) == sorted([pending, sent]))
        await pilot.press("2")
        await until(pilot, lambda: numbers(app) == [pending])
        assert t("console.group.pending") in header_text(app)
        await pilot.press("3")
        await until(pilot, lambda: numbers(app) == [sent])
        await pilot.press("5")
        await until(pilot, lambda: numbers(app) == [done])
        await pilot.press("0")
        await until(pilot, lambda: sorted(numbers(app)) == sorted([pending, sent, done]))
        await pilot.press("1", "o")  # nothing is overdue yet
        await until(pilot, lambda: numbers(app) == [])
        assert t("console.queue.empty") in str(app.screen.query_one("#queue-status").render())
        await pilot.press("escape")
        await until(pilot, lambda: sorted(numbers(app)) == sorted([pending, sent]))


async def test_enter_opens_the_ticket_with_its_timeline_and_esc_goes_back(town: Town) -> None:
    number = await add(town, reporter={"name": "李明", "phone": "13807790001"})
    await workflow.dispatch(town.store, town.operator, number, town.units["urban"], note="请今天处理")
    app = app_for(town)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: numbers(app) == [number])
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, TicketScreen) and app.screen.detail is not None)
        screen = app.screen
        assert isinstance(screen, TicketScreen)
        text = screen.plain_text()
        for expected in (number, "海角路垃圾堆放未清运", "地角社区第一网格", "暴露垃圾", "李* 138****0001",
                         "海城区综合行政执法局地角中队", t("action.receive"), t("action.dispatch"),
                         "请今天处理", "待分拨 → 已分拨", t("clock.handle"), t("clock.sign")):
            assert expected in text, expected
        assert number in header_text(app)
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(app.screen, QueueScreen))


async def test_reporter_is_masked_for_a_wall_screen(town: Town) -> None:
    number = await add(town, reporter={"name": "李明", "phone": "13807790001"})
    app = GridDeskApp(town.store, town.actors["wall"], lang="zh", poll_interval=0.1)
    async with app.run_test(size=(100, 30)) as pilot:
        app.open_ticket(number)
        await until(pilot, lambda: isinstance(app.screen, TicketScreen) and app.screen.detail is not None)
        text = app.screen.plain_text()  # type: ignore[attr-defined]
        assert "李* 138****0001" in text and "13807790001" not in text


async def test_help_lists_the_screen_keys_and_the_global_ones(town: Town) -> None:
    app = app_for(town)
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.pause()
        await pilot.press("question_mark")
        await until(pilot, lambda: isinstance(app.screen, HelpScreen))
        sections = dict(app.screen.sections())  # type: ignore[attr-defined]
        screen_keys = dict(sections[t("console.help.screen_keys", screen=t("console.screen.queue"))])
        assert screen_keys["/"] == t("console.key.filter")
        assert screen_keys["o"] == t("console.key.overdue")
        assert screen_keys["2"] == t("console.group.pending")
        assert screen_keys["⏎"] == t("console.action_key.select_cursor")
        global_keys = dict(sections[t("console.help.global_keys")])
        assert global_keys["?"] == t("console.key.help")
        assert global_keys[":"] == t("console.key.command")
        assert global_keys["^l"] == t("console.key.language")
        assert global_keys["f2"] == t("console.screen.queue")
        commands = dict(sections[t("console.help.commands")])
        assert ":ticket <编号>" in commands
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(app.screen, QueueScreen))


def palette_texts(app: GridDeskApp) -> list[str]:
    options = app.screen.query_one(CommandList)
    return [options.get_option_at_index(i).hit.text or "" for i in range(options.option_count)]  # type: ignore[attr-defined]


@pytest.mark.slow
async def test_palette_reaches_screens_actions_and_tickets(town: Town) -> None:
    number = await add(town)
    app = app_for(town)
    async with app.run_test(size=(100, 30)) as pilot:
        await until(pilot, lambda: numbers(app) == [number])
        await pilot.press("ctrl+p")
        await until(pilot, lambda: isinstance(app.screen, CommandPalette))
        await pilot.press(*"queue")
        go_queue = t("console.palette.go", screen=t("console.screen.queue"))
        await until(pilot, lambda: go_queue in palette_texts(app))
        for _ in "queue":
            await pilot.press("backspace")
        await pilot.press(*number[-4:])
        open_it = t("console.palette.open", screen=t("console.screen.ticket"), arg=number)
        await until(pilot, lambda: open_it in palette_texts(app))
        for _ in range(4):
            await pilot.press("backspace")
        await pilot.press(*"筛选")  # an action of the queue screen, found by its words
        await until(pilot, lambda: t("console.key.filter") in palette_texts(app))
        for _ in range(2):
            await pilot.press("backspace")
        await pilot.press(*number[-4:])
        await until(pilot, lambda: palette_texts(app) and palette_texts(app)[0] == open_it)
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, TicketScreen) and app.screen.number == number)


@pytest.mark.slow
async def test_command_line_opens_screens_and_reports_mistakes(town: Town) -> None:
    number = await add(town)
    app = app_for(town)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: numbers(app) == [number])
        await pilot.press("colon", *f"ticket {number[-4:]}", "enter")
        await until(pilot, lambda: isinstance(app.screen, TicketScreen) and app.screen.detail is not None)
        assert app.screen.number == number  # type: ignore[attr-defined]
        await pilot.press("colon", *"nonsense", "enter")
        error = app.screen.query_one("#cmd-error")
        await until(pilot, lambda: error.display)
        assert t("console.cmd.unknown", command="nonsense") in str(error.render())
        await pilot.press("escape")
        await pilot.press("colon", *"queue", "enter")
        await until(pilot, lambda: isinstance(app.screen, QueueScreen))
        assert len(app.screen_stack) == 1  # back to the root, not a second queue on top
        await pilot.press("colon", *"theme griddesk-light", "enter")
        await until(pilot, lambda: app.theme == "griddesk-light")
        await pilot.press("colon", "q", "enter")
        await until(pilot, lambda: not app.is_running)


async def test_one_page_is_held_and_the_next_is_a_key_away(town: Town, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import griddesk.console.screens.queue as queue_screen

    monkeypatch.setattr(queue_screen, "PAGE", 2)
    made = [await add(town, matter=town.matters["consult"]) for _ in range(5)]
    app = app_for(town)

    def status() -> str:
        return str(app.screen.query_one("#queue-status").render())

    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: numbers(app) == made[:2])
        assert t("console.queue.count_first", shown=2, total=5) in status()
        await pilot.press("right_square_bracket")
        await until(pilot, lambda: numbers(app) == made[2:4])
        assert t("console.queue.count_range", start=3, end=4, total=5) in status()
        await pilot.press("down", "pagedown")  # PageDown on the last row: the next page
        await until(pilot, lambda: numbers(app) == made[4:])
        await pilot.press("pageup")  # PageUp on the first row: the page before
        await until(pilot, lambda: numbers(app) == made[2:4])
        await pilot.press("left_square_bracket")
        await until(pilot, lambda: numbers(app) == made[:2])
        assert app.screen.table.stats.rebuilds == 0  # type: ignore[attr-defined]
