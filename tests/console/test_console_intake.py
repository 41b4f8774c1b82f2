"""The intake form by keyboard (Pilot), and the pickers behind its grid and matter boxes."""

from __future__ import annotations

import pytest
from textual.pilot import Pilot

from griddesk.console.app import GridDeskApp
from griddesk.console.screens.dispatch import DispatchDialog
from griddesk.console.screens.intake import OUT_OF_LIST, IntakeScreen
from griddesk.console.screens.queue import QueueScreen
from griddesk.console.screens.ticket import TicketScreen
from griddesk.store import i18n, pickers, privacy, views
from griddesk.store.i18n import t
from tests.console.pilot import idle, until
from tests.fixtures_town import Town

SIZE = (110, 36)


def app_as(town: Town, login: str = "op01", lang: str = "zh") -> GridDeskApp:
    return GridDeskApp(town.store, town.actors[login], lang=lang, poll_interval=0.2)


async def open_form(pilot: Pilot, app: GridDeskApp) -> IntakeScreen:
    await until(pilot, lambda: isinstance(app.screen, QueueScreen))
    await pilot.press("n")
    await until(pilot, lambda: isinstance(app.screen, IntakeScreen))
    form = app.screen
    assert isinstance(form, IntakeScreen)
    await until(pilot, lambda: form.suggestion_ids("matter") != [])
    return form


async def typed(pilot: Pilot, form: IntakeScreen, kind: str, text: str) -> None:
    """Type into a grid or matter box and wait for its suggestions to follow."""
    await pilot.press(*text)
    await until(pilot, lambda: form.suggested_for[kind] == text)
    await idle(pilot)


# --- pickers in the store ---------------------------------------------------------------------


async def test_pickers_find_by_code_name_and_pinyin_initials(town: Town) -> None:
    op = town.operator
    assert [p.code for p in await pickers.matters(town.store, op, "bl")][0] == town.matters["rubbish"]
    assert [p.code for p in await pickers.matters(town.store, op, "B001")] == [town.matters["dispute"]]
    assert [p.code for p in await pickers.matters(town.store, op, "纠纷")] == [town.matters["dispute"]]
    assert [p.code for p in await pickers.grids(town.store, op, "gtl")] == [town.grids["port"]]
    assert [p.code for p in await pickers.grids(town.store, op, "第二")] == [town.grids["comp2"]]
    assert [p.code for p in await pickers.grids(town.store, op, town.grids["school"][:14])][0] == town.grids["comp1"]
    everything = await pickers.matters(town.store, op, "")
    assert town.matters["bikes"] not in [p.code for p in everything]  # withdrawn: not even greyed
    gone = await pickers.matters(town.store, op, "共享单车")
    assert [(p.code, p.selectable, p.unavailable) for p in gone] == [(town.matters["bikes"], False, "withdrawn")]


# --- the form -----------------------------------------------------------------------------------


@pytest.mark.slow
async def test_pinyin_initials_find_matter_and_grid_and_the_ticket_is_registered(town: Town) -> None:
    app = app_as(town)
    async with app.run_test(size=SIZE) as pilot:
        form = await open_form(pilot, app)
        assert app.focused is form.field("matter")  # a hotline call starts at the matter
        await typed(pilot, form, "matter", "lljf")  # 邻里纠纷
        assert form.suggestion_ids("matter")[0] == town.matters["dispute"]
        await pilot.press("enter")
        assert app.focused is form.field("grid")
        await typed(pilot, form, "grid", "djsqde")  # 地角社区第二网格
        assert form.suggestion_ids("grid") == [town.grids["comp2"]]
        await pilot.press("enter", *"北部湾路8号", "enter", *"楼上漏水", "enter", "enter")
        assert app.focused is form.field("reporter.phone")
        await pilot.press(*"0779-3201234", "enter", "right")  # urgency: urgent
        await pilot.press("ctrl+s")
        await until(pilot, lambda: isinstance(app.screen, DispatchDialog))
        number = form.created
        assert number is not None
        await pilot.press("escape")  # dispatch later
        await until(pilot, lambda: isinstance(app.screen, TicketScreen))
    d = await views.detail(town.store, town.operator, number)
    assert d.matter is not None and d.matter.code == town.matters["dispute"]
    assert d.grid.code == town.grids["comp2"]
    assert (d.ticket.source, d.ticket.urgency, d.ticket.status) == ("hotline", "urgent", "pending_dispatch")
    assert d.ticket.title == "北部湾路8号邻里纠纷"  # a blank title is made from the address and matter
    assert d.reporter_name is None and d.reporter_phone == "077****1234"  # masked until revealed
    shown = await privacy.reveal_reporter(town.store, town.operator, number, "核对来电")
    assert shown.phone == "0779-3201234"


@pytest.mark.slow
async def test_field_errors_appear_beside_the_field_in_chinese(town: Town) -> None:
    app = app_as(town)
    async with app.run_test(size=SIZE) as pilot:
        form = await open_form(pilot, app)
        await pilot.press("ctrl+s")  # nothing chosen: the store names the grid first
        await until(pilot, lambda: form.error_of("grid") == t("error.required"))
        assert form.error_of("grid") == "必填"
        assert app.focused is form.field("grid")
        await typed(pilot, form, "grid", "gtl")
        await pilot.press("enter")
        await pilot.press("shift+tab", "shift+tab")  # back up to the matter
        assert app.focused is form.field("matter")
        await typed(pilot, form, "matter", "hz")  # 火灾隐患
        await pilot.press("enter")
        for _ in range(4):
            await pilot.press("tab")
        assert app.focused is form.field("reporter.phone")
        await pilot.press(*"12ab", "ctrl+s")
        want = t("error.bad_phone", value="12ab")
        await until(pilot, lambda: form.error_of("reporter.phone") == want)
        assert "不是有效的电话号码" in want
        assert form.error_of("grid") == ""  # the old error is gone
        assert app.focused is form.field("reporter.phone")
        assert isinstance(app.screen, IntakeScreen)


@pytest.mark.slow
async def test_field_errors_appear_beside_the_field_in_english(town: Town) -> None:
    app = app_as(town, lang="en")
    async with app.run_test(size=SIZE) as pilot:
        form = await open_form(pilot, app)
        await typed(pilot, form, "matter", "zzzz")  # matches nothing: only "out of list" is offered
        assert form.suggestion_ids("matter") == [OUT_OF_LIST]
        await pilot.press("tab")  # leaving it unchosen: told beside it, in English
        await until(pilot, lambda: form.error_of("matter") != "")
        assert form.error_of("matter") == t("desk.intake.no_match_matter", lang="en")
        assert "out of list" in form.error_of("matter").lower()
        form.field("matter").focus()
        await pilot.press("ctrl+u")
        await typed(pilot, form, "matter", "bl")
        await pilot.press("enter")
        await pilot.press("ctrl+s")
        await until(pilot, lambda: form.error_of("grid") != "")
        assert form.error_of("grid") == "required"
        assert form.error_of("matter") == ""
        await typed(pilot, form, "grid", "gtl")
        await pilot.press("enter")
        form.field("title").focus()
        await pilot.press(*("x" * 121), "enter")  # Enter on the last field submits
        await until(pilot, lambda: form.error_of("title") != "")
        assert form.error_of("title") == "longer than 120 characters"
        await pilot.press("ctrl+u", *"Rubbish at the pier", "enter")
        await until(pilot, lambda: isinstance(app.screen, DispatchDialog))
        assert form.created is not None
        assert i18n.current() == "en"


async def test_withdrawn_matter_is_not_offered_and_cannot_be_taken(town: Town) -> None:
    app = app_as(town)
    async with app.run_test(size=SIZE) as pilot:
        form = await open_form(pilot, app)
        assert town.matters["bikes"] not in form.suggestion_ids("matter", selectable_only=False)
        await typed(pilot, form, "matter", "A009")
        assert town.matters["bikes"] not in form.suggestion_ids("matter")  # greyed, not selectable
        assert town.matters["bikes"] in form.suggestion_ids("matter", selectable_only=False)
        await pilot.press("enter")  # Enter takes the highlighted choice: never the withdrawn one
        assert form.picked["matter"] is None or form.picked["matter"].code != town.matters["bikes"]
        form.field("matter").focus()
        await pilot.press("ctrl+u")
        await typed(pilot, form, "matter", "A009")
        await pilot.press("tab")  # leaving the box with the withdrawn code typed: told why
        want = t("desk.intake.matter_withdrawn", on="2026-06-30")
        await until(pilot, lambda: form.error_of("matter") == want)
        assert form.picked["matter"] is None


@pytest.mark.slow
async def test_out_of_list_is_offered_marked_and_recorded(town: Town) -> None:
    app = app_as(town)
    async with app.run_test(size=SIZE) as pilot:
        form = await open_form(pilot, app)
        await typed(pilot, form, "matter", "广场舞")
        assert form.suggestion_ids("matter") == [OUT_OF_LIST]
        await pilot.press("enter")
        assert form.picked["matter"] is not None and form.picked["matter"].code == OUT_OF_LIST
        mark = str(form.query_one("#m-matter").render())
        assert mark == t("desk.intake.out_of_list_mark") and "清单外" in mark
        assert form.query_one("#m-matter").has_class("-out")
        await typed(pilot, form, "grid", "dyw")  # 地角社区第一网格: 第一网 → d y w inside
        await pilot.press("escape")  # asks before throwing away what was typed
        await until(pilot, lambda: app.screen.__class__.__name__ == "ConfirmDialog")
        await pilot.press("n")
        await until(pilot, lambda: app.screen is form)
        form.field("grid").focus()
        await pilot.press("ctrl+u")
        await typed(pilot, form, "grid", "djsqdy")
        await pilot.press("enter", *"海滨公园", "enter", *"晚上广场舞噪音扰民", "ctrl+s")
        await until(pilot, lambda: isinstance(app.screen, DispatchDialog))
        number = form.created
    assert number is not None
    d = await views.detail(town.store, town.operator, number)
    assert d.ticket.out_of_list and d.matter is None
    assert d.ticket.title == "海滨公园"


@pytest.mark.slow
async def test_resolved_on_the_spot_is_closed_and_not_dispatched(town: Town) -> None:
    app = app_as(town, "gw01")  # a grid worker reports from patrol
    async with app.run_test(size=SIZE) as pilot:
        form = await open_form(pilot, app)
        assert form.query_one("#f-source").value == "patrol"  # type: ignore[attr-defined]
        await typed(pilot, form, "matter", "bl")
        await pilot.press("enter")
        await typed(pilot, form, "grid", "第一")
        await pilot.press("enter", *"海角路3号", "enter", *"垃圾散落，已清扫", "enter", "enter", "enter",
                          "enter", "space", "enter", "enter")  # … urgency, tick on-the-spot, title: submit
        await until(pilot, lambda: isinstance(app.screen, TicketScreen) and app.screen.detail is not None)
        number = form.created
        await idle(pilot)
        assert not isinstance(app.screen, DispatchDialog)
    assert number is not None
    d = await views.detail(town.store, town.operator, number)
    assert d.ticket.status == "closed" and d.ticket.resolved_on_spot and d.ticket.source == "patrol"


@pytest.mark.slow
async def test_f3_and_the_command_line_open_the_form(town: Town) -> None:
    app = app_as(town)
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: isinstance(app.screen, QueueScreen))
        await pilot.press("f3")
        await until(pilot, lambda: isinstance(app.screen, IntakeScreen))
        await pilot.press("escape")  # nothing typed: leaves at once
        await until(pilot, lambda: isinstance(app.screen, QueueScreen))
        await pilot.press("colon", *"intake", "enter")
        await until(pilot, lambda: isinstance(app.screen, IntakeScreen))


@pytest.mark.parametrize("lang", ["zh", "en"])
async def test_every_label_fits_its_column_at_80_columns(town: Town, lang: str) -> None:
    """At 80×24 no label wraps to a second line ("Resolved on the spot" did in English)."""
    from rich.cells import cell_len
    from textual.widgets import Label

    app = app_as(town, lang=lang)
    async with app.run_test(size=(80, 24)) as pilot:
        form = await open_form(pilot, app)
        labels = list(form.query(".gd-label").results(Label))
        assert len(labels) == 10
        for label in labels:
            text = str(label.render())
            assert label.region.height == 1 and cell_len(text) <= label.region.width, (text, label.region)
