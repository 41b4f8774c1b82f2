"""The caller's history and the likely duplicate in the intake form, and the decisions in the
ticket screen's timeline, at 80×24 (Pilot)."""

from __future__ import annotations

from sqlalchemy import update

from griddesk.console.app import GridDeskApp
from griddesk.console.screens.intake import IntakeScreen
from griddesk.console.screens.queue import QueueScreen
from griddesk.console.screens.ticket import EntryRow, TicketScreen
from griddesk.console.widgets.entry_dialog import EntryDialog
from griddesk.store import tickets, views, workflow
from griddesk.store.models import Grid
from tests.console.pilot import until
from tests.fixtures_town import Town

SIZE = (80, 24)


def app_as(town: Town, login: str = "op01", lang: str = "zh") -> GridDeskApp:
    return GridDeskApp(town.store, town.actors[login], lang=lang, poll_interval=0.2)


async def new(town: Town, **over) -> str:  # type: ignore[no-untyped-def]
    return await tickets.create(town.store, town.operator, tickets.parse(town.ticket(**over)))


def aside(form: IntakeScreen, wid: str) -> str:
    return str(form.query_one(f"#{wid}").render())


async def open_form(pilot, app: GridDeskApp) -> IntakeScreen:  # type: ignore[no-untyped-def]
    await until(pilot, lambda: isinstance(app.screen, QueueScreen))
    await pilot.press("n")
    await until(pilot, lambda: isinstance(app.screen, IntakeScreen))
    form = app.screen
    assert isinstance(form, IntakeScreen)
    await until(pilot, lambda: form.suggestion_ids("matter") != [])
    return form


async def test_typing_a_phone_shows_the_callers_earlier_tickets(town: Town) -> None:
    earlier = [await new(town, title=f"第{i}次") for i in range(6)]
    app = app_as(town)
    async with app.run_test(size=SIZE) as pilot:
        form = await open_form(pilot, app)
        form.field("reporter.phone").focus()
        await pilot.press(*"13807790001")  # one burst: one read after the pause
        await until(pilot, lambda: "6" in aside(form, "intake-caller"))
        shown = aside(form, "intake-caller")
        assert "来电人此前 6 件工单" in shown
        assert earlier[-1][-4:] in shown and earlier[0][-4:] not in shown  # the last five only
        assert "待分拨" in shown
        assert form.query_one("#f-reporter-phone").value == "13807790001"  # no key lost meanwhile


async def test_same_address_and_matter_is_flagged_and_ctrl_o_merges(town: Town) -> None:
    kept = await new(town)
    async with town.store.db.session(write=True) as s:
        await s.execute(update(Grid).where(Grid.code == town.grids["comp1"]).values(boundary="东至海角路"))
    app = app_as(town)
    async with app.run_test(size=SIZE) as pilot:
        form = await open_form(pilot, app)
        await pilot.press(*"bl")
        await until(pilot, lambda: form.suggested_for["matter"] == "bl")
        await pilot.press("enter")  # 暴露垃圾
        form.field("address").focus()
        await pilot.press(*"海角路12号")
        await until(pilot, lambda: "疑似重复" in aside(form, "intake-duplicate"))
        assert kept[-4:] in aside(form, "intake-duplicate")
        assert "建议网格" in aside(form, "intake-grid-guess")
        await pilot.press("ctrl+r")  # take the suggested grid
        assert form.picked["grid"] is not None and form.picked["grid"].code == town.grids["comp1"]
        await pilot.press("ctrl+o")
        await until(pilot, lambda: isinstance(app.screen, TicketScreen) and app.screen.detail is not None)
        dup = form.created
        assert dup is not None and app.screen.number == kept  # type: ignore[attr-defined]
    k = await views.detail(town.store, town.operator, kept)
    d = await views.detail(town.store, town.operator, dup)
    assert k.timeline[-1].action == "merged_from" and k.timeline[-1].data == {"ticket": dup}
    assert d.timeline[-1].action == "merged_into" and d.timeline[-1].data == {"ticket": kept}


async def _decided(town: Town) -> str:
    n = await new(town)
    op, unit = town.operator, town.actors["u-urban"]
    await workflow.dispatch(town.store, op, n, "URBAN")
    await workflow.sign(town.store, unit, n)
    await workflow.request_extension(town.store, unit, n, "需协调产权单位", "已清运一半，余下待产权单位配合", days=2)
    await workflow.approve(town.store, op, n)
    await workflow.feedback(town.store, unit, n, "已全部清运")
    await workflow.verify(town.store, town.actors["gw01"], n, False,
                          reason="现场仍有垃圾堆放")
    await workflow.feedback(town.store, unit, n, "已再次清运")
    await workflow.visit(town.store, op, n, "dissatisfied", note="来电人说清运不彻底，路面仍脏乱")
    return n


async def test_timeline_shows_the_decisions_and_enter_shows_an_entry_whole(town: Town) -> None:
    n = await _decided(town)
    app = app_as(town)
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: isinstance(app.screen, QueueScreen))
        app.open_ticket(n)
        await until(pilot, lambda: isinstance(app.screen, TicketScreen) and app.screen.detail is not None)
        screen = app.screen
        assert isinstance(screen, TicketScreen)
        text = screen.plain_text(width=80)
        for said in ("回访满意度：不满意", "核实结果：未通过", "同意延期，新办结时限", "阶段性工作情况：已清运一半",
                     "理由：需协调产权单位", "来电人说清运不彻底，路面仍脏乱"):
            assert said in text, said
        await until(pilot, lambda: len(list(screen.query(EntryRow))) == len(screen.detail.timeline))  # type: ignore[union-attr]
        rows = list(screen.query(EntryRow))
        rows[-1].focus()
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, EntryDialog))
        dialog = app.screen
        assert isinstance(dialog, EntryDialog)
        whole = dialog.plain_text()
        assert "不满意" in whole and "来电人说清运不彻底，路面仍脏乱" in whole
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(app.screen, TicketScreen))


async def test_timeline_decisions_in_english(town: Town) -> None:
    n = await _decided(town)
    app = app_as(town, lang="en")
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: isinstance(app.screen, QueueScreen))
        app.open_ticket(n)
        await until(pilot, lambda: isinstance(app.screen, TicketScreen) and app.screen.detail is not None)
        text = app.screen.plain_text(width=80)  # type: ignore[attr-defined]
        for said in ("Return visit: Dissatisfied", "Verification: failed", "Extension approved; new deadline",
                     "Staged progress:"):
            assert said in text, said
