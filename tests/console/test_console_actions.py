"""Every step of the closed loop by keys, from the queue and the ticket detail (Pilot).

The console runs as one account, so a ticket's life is played by successive apps on the same
database, one per role (operator, unit, grid worker, supervisor), each using keys only.
"""

from __future__ import annotations

import pytest
from textual.pilot import Pilot

from griddesk.console import actions
from griddesk.console.app import GridDeskApp
from griddesk.console.screens.dispatch import DispatchDialog
from griddesk.console.screens.intake import IntakeScreen
from griddesk.console.screens.queue import QueueScreen
from griddesk.console.screens.ticket import TicketScreen
from griddesk.console.widgets.dialogs import ChoiceDialog, ConfirmDialog, TextForm
from griddesk.store import views, workflow
from griddesk.store.actor import Actor
from griddesk.store.i18n import t
from tests.console.pilot import add, idle, numbers, until, until_async
from tests.fixtures_town import Town

SIZE = (110, 36)


def app_as(town: Town, login: str, lang: str = "zh") -> GridDeskApp:
    return GridDeskApp(town.store, town.actors[login], lang=lang, poll_interval=0.2)


async def status(town: Town, number: str) -> str:
    return (await views.detail(town.store, town.operator, number)).ticket.status


async def wait_status(pilot: Pilot, town: Town, number: str, want: str) -> None:
    got = {"s": None}

    async def check() -> bool:
        got["s"] = await status(town, number)
        return got["s"] == want

    await until_async(pilot, check, lambda: f"{number} is {got['s']}, not {want}")


def footer_keys(app: GridDeskApp) -> set[str]:
    """The action keys the footer offers now (the bindings check_action lets through)."""
    return {b.binding.action.split("'")[1] for b in app.screen.active_bindings.values()
            if b.binding.action.startswith("ticket_act(") and b.enabled}


async def on_row(pilot: Pilot, app: GridDeskApp, number: str, key: str) -> None:
    """Wait for the queue to show `number` highlighted with `key`'s action offered."""
    await until(pilot, lambda: isinstance(app.screen, QueueScreen) and number in numbers(app))
    q = app.screen
    assert isinstance(q, QueueScreen)
    await go_to(pilot, q, number)
    name = next(a.name for a in actions.ACTIONS if a.key == key)
    await until(pilot, lambda: name in q.allowed_actions)


async def go_to(pilot: Pilot, q: QueueScreen, number: str) -> None:
    """Move the highlight to `number` with the arrow keys."""
    await until(pilot, lambda: q.table.current_number() is not None)
    for _ in range(50):
        if q.table.current_number() == number:
            return
        down = q.table.get_row_index(number) > q.table.cursor_row
        await pilot.press("down" if down else "up")
    raise AssertionError(f"cannot reach {number}")


def notes(app: GridDeskApp) -> list[str]:
    return app.notice_log.messages


async def timeline(town: Town, number: str) -> list[str]:
    return [e.action for e in (await views.detail(town.store, town.operator, number)).timeline]


# --- the whole loop -------------------------------------------------------------------------------


@pytest.mark.slow
async def test_one_ticket_from_intake_to_close_by_keys_only(town: Town) -> None:
    # the operator takes a hotline call and dispatches it
    app = app_as(town, "op01")
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: isinstance(app.screen, QueueScreen))
        await pilot.press("n")
        await until(pilot, lambda: isinstance(app.screen, IntakeScreen))
        form = app.screen
        await pilot.press(*"bl")
        await until(pilot, lambda: form.suggestion_ids("matter")[:1] == [town.matters["rubbish"]])
        await pilot.press("enter")
        await pilot.press(*"第一")
        await until(pilot, lambda: form.suggestion_ids("grid") == [town.grids["comp1"]])
        await pilot.press("enter")
        for text in ("海角路12号", "路口垃圾两天未清运", "李明", "13807790001"):
            await pilot.press(*text, "enter")
        await pilot.press("ctrl+s")
        await until(pilot, lambda: isinstance(app.screen, DispatchDialog) and app.screen.loaded)
        number = form.created
        assert number is not None
        dialog = app.screen
        assert dialog.lead == town.units["urban"]  # the matter's default unit comes first
        await pilot.press("enter")  # the one dialog rule: Enter takes the lead and moves to the note
        assert dialog.lead == town.units["urban"] and app.focused is dialog.query_one("#dispatch-note")
        assert await status(town, number) == "pending_dispatch"  # nothing dispatched yet
        await pilot.press("enter")  # Enter on the last field dispatches
        await wait_status(pilot, town, number, "dispatched")
        await until(pilot, lambda: isinstance(app.screen, TicketScreen))
        assert any(number in n for n in notes(app))

    # the lead unit signs for it and feeds back the result
    app = app_as(town, "u-urban")
    async with app.run_test(size=SIZE) as pilot:
        await on_row(pilot, app, number, "s")
        assert "dispatch" not in app.screen.allowed_actions  # type: ignore[attr-defined]
        await pilot.press("s")
        await wait_status(pilot, town, number, "signed")
        await until(pilot, lambda: "feedback" in app.screen.allowed_actions)  # type: ignore[attr-defined]
        await pilot.press("f")
        await until(pilot, lambda: isinstance(app.screen, TextForm))
        await pilot.press(*"已清运并消毒", "enter")
        await wait_status(pilot, town, number, "feedback")

    # the grid worker checks on site
    app = app_as(town, "gw01")
    async with app.run_test(size=SIZE) as pilot:
        await on_row(pilot, app, number, "v")
        await pilot.press("v")
        await until(pilot, lambda: isinstance(app.screen, ChoiceDialog))
        await pilot.press("enter")  # the first choice: passed
        await wait_status(pilot, town, number, "verified")

    # the operator visits the reporter and closes, from the ticket detail
    app = app_as(town, "op01")
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: number in numbers(app))
        await go_to(pilot, app.screen, number)  # type: ignore[arg-type]
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, TicketScreen) and "visit" in app.screen.allowed_actions)
        await pilot.press("i")
        await until(pilot, lambda: isinstance(app.screen, ChoiceDialog))
        await pilot.press("1")  # satisfied
        await wait_status(pilot, town, number, "visited")
        await until(pilot, lambda: isinstance(app.screen, TicketScreen) and "close" in app.screen.allowed_actions)
        await pilot.press("c")
        await until(pilot, lambda: isinstance(app.screen, ConfirmDialog))
        await pilot.press("y")
        await wait_status(pilot, town, number, "closed")
        await until(pilot, lambda: isinstance(app.screen, TicketScreen) and "closed" in app.screen.plain_text() or
                    t("status.closed") in app.screen.plain_text())  # type: ignore[attr-defined]

    assert await timeline(town, number) == ["receive", "dispatch", "sign", "feedback", "verify", "visit", "close"]


@pytest.mark.slow
async def test_the_detours_by_keys_return_extension_suspension_failed_check_dissatisfied(town: Town) -> None:
    number = await add(town)
    op, unit, gw = town.actors["op01"], "u-urban", "gw01"
    await workflow.dispatch(town.store, op, number, town.units["urban"])

    app = app_as(town, unit)
    async with app.run_test(size=SIZE) as pilot:  # not ours: ask to return it
        await on_row(pilot, app, number, "b")
        await pilot.press("b")
        await until(pilot, lambda: isinstance(app.screen, TextForm))
        await pilot.press(*"不属于本单位职责", "enter")
        await wait_status(pilot, town, number, "return_requested")

    app = app_as(town, "op01")
    async with app.run_test(size=SIZE) as pilot:  # refuse the return, with a reason and a confirmation
        await on_row(pilot, app, number, "x")
        assert {"approve", "reject"} <= app.screen.allowed_actions  # type: ignore[attr-defined]
        await pilot.press("x")
        await until(pilot, lambda: isinstance(app.screen, TextForm))
        await pilot.press(*"属于市容范围", "enter")
        await until(pilot, lambda: isinstance(app.screen, ConfirmDialog))
        await pilot.press("y")
        await wait_status(pilot, town, number, "dispatched")

    app = app_as(town, unit)
    async with app.run_test(size=SIZE) as pilot:  # sign, then ask for three more working days
        await on_row(pilot, app, number, "s")
        await pilot.press("s")
        await wait_status(pilot, town, number, "signed")
        await on_row(pilot, app, number, "e")
        await pilot.press("e")
        await until(pilot, lambda: isinstance(app.screen, TextForm))
        await pilot.press(*"需要协调环卫车辆", "enter", *"已清理一半", "enter", "3", "enter")
        await wait_status(pilot, town, number, "extension_requested")

    app = app_as(town, "op01")
    async with app.run_test(size=SIZE) as pilot:  # approve it; then suspend and resume
        await on_row(pilot, app, number, "a")
        await pilot.press("a")
        await until(pilot, lambda: isinstance(app.screen, ConfirmDialog))
        asked = str(app.screen.query_one("#confirm-message").render())
        assert t("desk.confirm.extension_request") in asked
        assert "需要协调环卫车辆" in asked and "已清理一半" in asked  # what is being decided
        await pilot.press("y")
        await wait_status(pilot, town, number, "signed")
        await on_row(pilot, app, number, "h")
        await pilot.press("h")
        await until(pilot, lambda: isinstance(app.screen, TextForm))
        await pilot.press(*"等待道路施工结束", "enter")
        await wait_status(pilot, town, number, "suspended")
        await on_row(pilot, app, number, "g")
        await pilot.press("g")
        await wait_status(pilot, town, number, "signed")

    app = app_as(town, unit)
    async with app.run_test(size=SIZE) as pilot:
        await on_row(pilot, app, number, "f")
        await pilot.press("f")
        await until(pilot, lambda: isinstance(app.screen, TextForm))
        await pilot.press(*"已清运", "enter")
        await wait_status(pilot, town, number, "feedback")

    app = app_as(town, gw)
    async with app.run_test(size=SIZE) as pilot:  # the check fails: a reason, back to the unit
        await on_row(pilot, app, number, "v")
        await pilot.press("v")
        await until(pilot, lambda: isinstance(app.screen, ChoiceDialog))
        await pilot.press("down", "enter")
        await until(pilot, lambda: isinstance(app.screen, TextForm))
        await pilot.press(*"现场仍有垃圾", "enter")
        await wait_status(pilot, town, number, "signed")

    await workflow.feedback(town.store, town.actors[unit], number, "再次清运")
    app = app_as(town, "op01")
    async with app.run_test(size=SIZE) as pilot:  # a dissatisfied visit, then reopen
        await on_row(pilot, app, number, "i")
        await pilot.press("i")
        await until(pilot, lambda: isinstance(app.screen, ChoiceDialog))
        await pilot.press("3")  # dissatisfied
        await wait_status(pilot, town, number, "visited")
        await on_row(pilot, app, number, "u")
        await pilot.press("u")
        await until(pilot, lambda: isinstance(app.screen, TextForm))
        await pilot.press(*"群众不满意，重新办理", "enter")
        await until(pilot, lambda: isinstance(app.screen, ConfirmDialog))
        await pilot.press("y")
        await wait_status(pilot, town, number, "dispatched")

    assert await timeline(town, number) == [
        "receive", "dispatch", "return", "reject", "sign", "extend", "approve", "suspend", "resume",
        "feedback", "verify", "feedback", "visit", "reopen"]


# --- the footer, reasons, confirmation, conflicts --------------------------------------------------


# supervision's keys (console/screens/supervise.py) are offered to centre accounts on any open ticket
CENTRE = {"supervise", "escalate", "export_notice"}


async def test_footer_offers_only_what_this_account_may_do_now(town: Town) -> None:
    pending = await add(town)
    sent = await add(town, matter=town.matters["dispute"])
    await workflow.dispatch(town.store, town.operator, sent, town.units["urban"])
    app = app_as(town, "op01")
    async with app.run_test(size=SIZE) as pilot:
        await on_row(pilot, app, pending, "d")
        assert footer_keys(app) == {"dispatch", "suspend"} | CENTRE
        assert "new_ticket" in {b.binding.action for b in app.screen.active_bindings.values() if b.enabled}
        await on_row(pilot, app, sent, "h")
        assert footer_keys(app) == {"suspend"} | CENTRE
    app = app_as(town, "u-urban")
    async with app.run_test(size=SIZE) as pilot:
        await on_row(pilot, app, sent, "s")
        assert footer_keys(app) == {"sign", "return"}
        assert "new_ticket" not in {b.binding.action for b in app.screen.active_bindings.values() if b.enabled}
        await pilot.press("d")  # not offered, so not run
        await idle(pilot)
        assert not isinstance(app.screen, DispatchDialog)
        # English labels too
        await pilot.press("ctrl+l")
        await until(pilot, lambda: {b.binding.description for b in app.screen.active_bindings.values()
                                    if b.binding.action == "ticket_act('sign')"} == {"Sign"})
    app = app_as(town, "u-police")  # not the lead unit: it does not even see it (store.visibility)
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: isinstance(app.screen, QueueScreen) and app.screen.loads > 0)
        await idle(pilot)
        assert numbers(app) == [] and footer_keys(app) == set()


async def test_a_reason_dialog_will_not_submit_empty(town: Town) -> None:
    number = await add(town)
    await workflow.dispatch(town.store, town.operator, number, town.units["urban"])
    app = app_as(town, "u-urban")
    async with app.run_test(size=SIZE) as pilot:
        await on_row(pilot, app, number, "b")
        await pilot.press("b")
        await until(pilot, lambda: isinstance(app.screen, TextForm))
        form = app.screen
        await pilot.press("ctrl+s")
        want = t("workflow.reason_required", action=t("workflow.verb.return"))
        await until(pilot, lambda: form.error_of("reason") == want)
        await pilot.press(*"   ", "enter")  # blanks are no reason either
        await idle(pilot)
        assert app.screen is form and form.error_of("reason") == want
        assert await status(town, number) == "dispatched"
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(app.screen, QueueScreen))
        assert await status(town, number) == "dispatched"
        assert await timeline(town, number) == ["receive", "dispatch"]


async def test_close_asks_for_confirmation_and_n_keeps_it_open(town: Town) -> None:
    number = await add(town)
    await _to_visited(town, number)
    app = app_as(town, "op01")
    async with app.run_test(size=SIZE) as pilot:
        await on_row(pilot, app, number, "c")
        await pilot.press("c")
        await until(pilot, lambda: isinstance(app.screen, ConfirmDialog))
        assert number in str(app.screen.query_one("#confirm-message").render())
        await pilot.press("enter")  # a stray Enter is not a yes
        await idle(pilot)
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("n")
        await until(pilot, lambda: isinstance(app.screen, QueueScreen))
        assert await status(town, number) == "visited"
        await pilot.press("c")
        await until(pilot, lambda: isinstance(app.screen, ConfirmDialog))
        await pilot.press("y")
        await wait_status(pilot, town, number, "closed")


async def test_closing_over_a_dissatisfied_visit_needs_a_reason(town: Town) -> None:
    number = await add(town)
    await _to_visited(town, number, "dissatisfied")
    app = app_as(town, "op01")
    async with app.run_test(size=SIZE) as pilot:
        await on_row(pilot, app, number, "c")
        await pilot.press("c")
        await until(pilot, lambda: isinstance(app.screen, TextForm))
        form = app.screen
        await pilot.press("enter")
        await until(pilot, lambda: form.error_of("reason") != "")
        await pilot.press(*"群众诉求超出政策范围，已解释", "enter")
        await until(pilot, lambda: isinstance(app.screen, ConfirmDialog))
        assert "群众诉求超出政策范围" in str(app.screen.query_one("#confirm-message").render())
        await pilot.press("y")
        await wait_status(pilot, town, number, "closed")


async def test_a_concurrent_change_shows_who_did_what_and_writes_nothing(town: Town) -> None:
    number = await add(town)
    await _to_visited(town, number)
    app = app_as(town, "op01")
    async with app.run_test(size=SIZE) as pilot:
        await on_row(pilot, app, number, "c")
        await pilot.press("c")
        await until(pilot, lambda: isinstance(app.screen, ConfirmDialog))
        # meanwhile another operator reopens it
        await workflow.reopen(town.store, town.actors["op02"], number, "群众来电补充情况")
        await pilot.press("y")
        await until(pilot, lambda: any("吴芳(op02)" in n for n in notes(app)))
        message = next(n for n in notes(app) if "吴芳(op02)" in n)
        assert t("action.reopen") in message or t("workflow.verb.reopen") in message
        assert number in message
        assert await status(town, number) == "dispatched"  # op02's reopen stands, nothing closed
        assert await timeline(town, number) == ["receive", "dispatch", "sign", "feedback", "visit", "reopen"]


async def test_dispatch_dialog_lead_first_co_units_by_space(town: Town) -> None:
    number = await add(town, matter=town.matters["dispute"])  # default unit: the police
    app = app_as(town, "op01")
    async with app.run_test(size=SIZE) as pilot:
        await on_row(pilot, app, number, "d")
        await pilot.press("d")
        await until(pilot, lambda: isinstance(app.screen, DispatchDialog) and app.screen.loaded)
        dialog = app.screen
        assert dialog.proposals[0].code == town.units["police"] and dialog.proposals[0].why == "matter"
        assert town.units["centre"] not in [p.code for p in dialog.proposals]  # not to itself
        await pilot.press("down", "space")  # the second: a co-unit
        co = dialog.proposals[1].code
        assert dialog.co == [co]
        await pilot.press("down", "enter")  # the third becomes the lead instead, and on to the note
        lead = dialog.proposals[2].code
        assert dialog.lead == lead and app.focused is dialog.query_one("#dispatch-note")
        await pilot.press("shift+tab", "1")  # back on the list, a digit picks a candidate as lead
        assert dialog.lead == dialog.proposals[0].code and dialog.co == [co]
        await pilot.press("shift+tab", "3")
        assert dialog.lead == lead
        await pilot.press("ctrl+s")
        await wait_status(pilot, town, number, "dispatched")
    d = await views.detail(town.store, town.operator, number)
    assert d.lead_unit is not None and d.lead_unit.code == lead
    assert [u.code for u in d.co_units] == [co]


def test_the_key_table_has_one_key_per_action_and_clashes_with_nothing() -> None:
    keys = [a.key for a in actions.ACTIONS] + [actions.INTAKE_KEY]
    assert len(keys) == len(set(keys))
    assert {a.name for a in actions.ACTIONS} >= set(workflow.ACTIONS)
    mine = ("ticket_act", "new_ticket", "not_here")  # not_here: the same keys, saying why not
    taken = {b.key for b in QueueScreen.BINDINGS if not b.action.startswith(mine)}  # type: ignore[union-attr]
    taken |= {b.key for b in TicketScreen.BINDINGS if not b.action.startswith(mine)}  # type: ignore[union-attr]
    taken |= {b.key if hasattr(b, "key") else b[0] for b in GridDeskApp.BINDINGS}  # type: ignore[union-attr]
    assert not taken & set(keys)


async def _to_visited(town: Town, number: str, satisfaction: str = "satisfied") -> None:
    op: Actor = town.operator
    unit = town.actors["u-urban"]
    await workflow.dispatch(town.store, op, number, town.units["urban"])
    await workflow.sign(town.store, unit, number)
    await workflow.feedback(town.store, unit, number, "已处理")
    await workflow.visit(town.store, op, number, satisfaction)
