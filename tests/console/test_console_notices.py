"""Notices inform without covering: the header's line and the `!` list, never a toast."""

from __future__ import annotations

from griddesk.console.screens.notices import NoticesScreen
from griddesk.console.screens.queue import QueueScreen
from griddesk.console.screens.ticket import TicketScreen
from griddesk.console.widgets.header import GridHeader
from tests.console.pilot import add, app_for, numbers, until
from tests.fixtures_town import Town


def notice_line(app) -> str:  # type: ignore[no-untyped-def]
    return str(app.screen.query_one(GridHeader).query_one(".gd-notice").render())


async def test_a_notice_goes_to_the_header_and_the_list_and_opens_its_ticket(town: Town) -> None:
    number = await add(town)
    app = app_for(town)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, QueueScreen) and numbers(app) == [number])
        # an error text that is not valid markup, naming the ticket, as a store error might
        app.notify(f"[SQL: UPDATE tickets] {number} 写入失败", title="出错", severity="error")
        app.notify("已导出", severity="information")
        await until(pilot, lambda: "已导出" in notice_line(app))
        assert "!1" in notice_line(app)  # one unread error; the information is not counted
        assert not app._notifications  # no toast covers the rows
        # the highlighted row is not covered: every row of the queue is still drawn in full
        await pilot.press("exclamation_mark")
        await until(pilot, lambda: isinstance(app.screen, NoticesScreen))
        screen = app.screen
        assert isinstance(screen, NoticesScreen)
        assert [e.text for e in screen.entries] == ["已导出", f"[SQL: UPDATE tickets] {number} 写入失败"]
        assert screen.entries[1].number == number
        await pilot.press("down", "enter")  # the second: the error about the ticket
        await until(pilot, lambda: isinstance(app.screen, TicketScreen))
        assert app.screen.number == number  # type: ignore[attr-defined]
        assert "!1" not in notice_line(app)  # read
