"""Masking on the console's queue and ticket screens, the reveal dialog (key p), and the audit
screen for shift leaders and administrators only (Pilot)."""

from __future__ import annotations

import pytest

from griddesk.console.app import GridDeskApp
from griddesk.console.screens.audit import AuditScreen
from griddesk.console.screens.queue import QueueScreen
from griddesk.console.screens.ticket import TicketScreen
from griddesk.console.widgets.dialogs import TextForm
from griddesk.store import audit, tickets, workflow
from tests.console.pilot import until
from tests.fixtures_town import Town

NAME, PHONE, ID_NUMBER = "李明", "13807790001", "440703199001011234"
SIZE = (120, 40)


async def _ticket(town: Town) -> str:
    data = town.ticket(title=f"{NAME}反映垃圾未清运", description=f"回访{NAME}，电话{PHONE}，身份证{ID_NUMBER}")
    number = await tickets.create(town.store, town.operator, tickets.parse(data))
    # led by the police, so the u-police account may see it (store/visibility.py)
    await workflow.dispatch(town.store, town.operator, number, town.units["police"])
    return number


def _app(town: Town, login: str) -> GridDeskApp:
    return GridDeskApp(town.store, town.actors[login], lang="zh", poll_interval=0.2)


def _queue_text(app: GridDeskApp) -> str:
    """What the queue holds and shows: the rows as read, and the cells on screen."""
    screen = app.screen
    assert isinstance(screen, QueueScreen)
    table = screen.table
    held = " ".join(repr(r) for r in table.rows_held.values())  # type: ignore[attr-defined]
    return held + " ".join(str(c) for row in table.ordered_rows for c in table.get_row(row.key))


@pytest.mark.parametrize("login", ["op01", "u-police"])
async def test_queue_and_ticket_screens_are_masked(town: Town, login: str) -> None:
    number = await _ticket(town)
    app = _app(town, login)
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: isinstance(app.screen, QueueScreen) and app.screen.table.row_count > 0)
        text = _queue_text(app)
        assert "李*反映垃圾未清运" in text and NAME not in text
        app.open_ticket(number)
        await until(pilot, lambda: isinstance(app.screen, TicketScreen) and app.screen.detail is not None)
        shown = app.screen.plain_text(width=160)  # type: ignore[attr-defined]
        assert "李* 138****0001" in shown
        for secret in (NAME, PHONE, ID_NUMBER):
            assert secret not in shown
        # a unit may not reveal: the key is not offered
        assert app.screen.check_action("reveal", ()) is (login == "op01")


async def test_reveal_asks_a_reason_then_shows_the_reporter(town: Town) -> None:
    number = await _ticket(town)
    app = _app(town, "op01")
    async with app.run_test(size=SIZE) as pilot:
        app.open_ticket(number)
        await until(pilot, lambda: isinstance(app.screen, TicketScreen) and app.screen.detail is not None)
        ticket = app.screen
        assert isinstance(ticket, TicketScreen)
        await pilot.press("p")
        await until(pilot, lambda: isinstance(app.screen, TextForm))
        form = app.screen
        assert isinstance(form, TextForm)
        await pilot.press("enter")  # no reason: said beside the field, nothing revealed
        await until(pilot, lambda: form.error_of("reason") != "")
        assert ticket.revealed is None
        await pilot.press(*"回访核实", "enter")
        await until(pilot, lambda: isinstance(app.screen, TicketScreen) and ticket.revealed is not None)
        shown = ticket.plain_text(width=160)
        assert NAME in shown and PHONE in shown
    rows = await audit.entries(town.store, town.actors["sup01"], audit.AuditFilter(action="reveal"))
    assert [(r.key, r.detail["reason"] if r.detail else None) for r in rows] == [(number, "回访核实")]
    reads = await audit.entries(town.store, town.actors["sup01"], audit.AuditFilter(action="read"))
    assert [r.key for r in reads] == [number]  # opened once; refreshes are not reads


async def test_audit_screen_for_supervisors_with_a_filter(town: Town) -> None:
    number = await _ticket(town)
    await audit.record_read(town.store, town.operator, number)
    app = _app(town, "sup01")
    async with app.run_test(size=SIZE) as pilot:
        app.open_screen("audit")
        await until(pilot, lambda: isinstance(app.screen, AuditScreen) and app.screen.loads > 0)
        screen = app.screen
        assert isinstance(screen, AuditScreen)
        assert {r.action for r in screen.shown} >= {"ticket.create", "read"}
        await pilot.press("slash", *"read", "enter")
        await until(pilot, lambda: {r.action for r in screen.shown} == {"read"})
        assert screen.table.row_count == 1


async def test_audit_screen_is_not_offered_to_an_operator(town: Town) -> None:
    app = _app(town, "op01")
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: isinstance(app.screen, QueueScreen))
        app.open_screen("audit")
        await pilot.pause(0)
        assert not isinstance(app.screen, AuditScreen)
