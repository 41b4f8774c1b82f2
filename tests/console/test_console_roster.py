"""The roster screens by keys (Pilot): the area tree, a grid split with its record, a notice card
exported to a file, search by pinyin initials, and a wall account that can change nothing."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from rich.console import Console
from textual.pilot import Pilot
from textual.widgets import Static

from griddesk.console.app import GridDeskApp
from griddesk.console.screens.cards import CardsScreen
from griddesk.console.screens.grid_change import ChangeDialog
from griddesk.console.screens.people import PeopleScreen
from griddesk.console.screens.roster import RosterScreen
from griddesk.console.screens.search import SearchScreen
from griddesk.console.widgets.dialogs import ConfirmDialog
from griddesk.console.widgets.form import RosterForm
from griddesk.store import roster, tickets, views
from griddesk.store.enums import ChangeReason, FilingStatus
from griddesk.store.errors import NotAllowed
from griddesk.store.i18n import t
from tests.console.pilot import idle, settle, until
from tests.fixtures_town import COMMUNITY, Town


def app_for(town: Town, login: str = "op01", lang: str = "zh") -> GridDeskApp:
    return GridDeskApp(town.store, town.actors[login], lang=lang, poll_interval=0.2)


def plain(widget: Static, width: int = 120) -> str:
    """What a Static shows, as plain text."""
    console = Console(width=width, record=True, color_system=None, file=io.StringIO())
    console.print(widget.content)
    return console.export_text()


async def open_roster(pilot: Pilot, app: GridDeskApp) -> RosterScreen:
    await pilot.press("f5")
    await until(pilot, lambda: isinstance(app.screen, RosterScreen) and app.screen.loads > 0)
    screen = app.screen
    assert isinstance(screen, RosterScreen)
    await until(pilot, lambda: screen.area_tree.cursor_node is not None)
    return screen


async def walk_to(pilot: Pilot, screen: RosterScreen, key: tuple[str, str], limit: int = 30) -> None:
    """Down (opening what is closed on the way, with →) until the cursor is on `key`."""
    for _ in range(limit):
        if screen.current() == key:
            return
        node = screen.area_tree.cursor_node
        if node is not None and node.children and not node.is_expanded:
            await pilot.press("right")
        else:
            await pilot.press("down")
        await settle(pilot)
    raise AssertionError(f"cursor never reached {key}; at {screen.current()}")


async def test_the_tree_opens_on_the_town_and_expands_to_a_grid_with_its_people(town: Town) -> None:
    app = app_for(town)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_roster(pilot, app)
        tree = screen.area_tree
        # county → town, opened down to the town's villages; the city above is left out
        top = tree.root.children
        assert [n.data for n in top] == [("area", "450502")]
        town_node = top[0].children[0]
        assert town_node.data == ("area", "450502005") and town_node.is_expanded
        assert [n.data[1] for n in town_node.children] == [COMMUNITY, "450502005201"]
        assert not town_node.children[0].is_expanded  # a village opens by key
        await walk_to(pilot, screen, ("area", COMMUNITY))
        assert "地角社区" in plain(screen.query_one("#roster-info", Static))
        await pilot.press("right")  # → opens the village
        await until(pilot, lambda: town_node.children[0].is_expanded)
        await pilot.press("down")
        assert screen.current() == ("grid", town.grids["comp1"])
        info = plain(screen.query_one("#roster-info", Static))
        assert "地角社区第一网格" in info and town.grids["comp1"] in info
        assert "综合网格" in info and "300" in info and "900" in info  # type, households, population
        # the people on it, with their roles and phones
        assert "网格长" in info and "王建国" in info and "13807790001" in info
        assert "专职网格员" in info and "陈丽" in info and "13807790002" in info
        # ← steps back up to the village and closes it
        await pilot.press("left")
        assert screen.current() == ("area", COMMUNITY)
        await pilot.press("left")
        await until(pilot, lambda: not town_node.children[0].is_expanded)


@pytest.mark.slow
async def test_a_grid_split_by_keys_is_recorded_and_its_parts_appear_in_the_tree(town: Town) -> None:
    old = town.grids["comp2"]
    open_ticket = await tickets.create(town.store, town.operator, tickets.parse(town.ticket(grid=old)))
    app = app_for(town)  # an operator: may split, may not file
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_roster(pilot, app)
        await walk_to(pilot, screen, ("grid", old))
        await pilot.press("s")
        await until(pilot, lambda: isinstance(app.screen, RosterForm))
        form = app.screen
        assert isinstance(form, RosterForm)
        await pilot.press("1")  # the reason bar has the focus: 1 = administrative change
        assert form.values()["grid_change.reason"] == ChangeReason.ADMINISTRATIVE
        await pilot.press("enter")  # on to the first part's name (prefilled), then change it
        await pilot.press("ctrl+u", *"海角片区")
        form.widget("grid.tickets_to").focus()
        await pilot.press("2")  # the open tickets go to the second part
        await pilot.press("ctrl+s")
        # asked first, like merge and retire: the open ticket and where it goes are named
        await until(pilot, lambda: isinstance(app.screen, ConfirmDialog))
        asked = "".join(plain(app.screen.query_one("#confirm-message", Static)).split())
        assert "在办工单1件转入“地角社区第二网格（二）”" in asked
        await pilot.press("n")  # declined: back in the form, nothing written
        await until(pilot, lambda: app.screen is form)
        assert await roster.changes(town.store, town.actors["op01"], old) == []
        await pilot.press("ctrl+s")
        await until(pilot, lambda: isinstance(app.screen, ConfirmDialog))
        await pilot.press("y")
        await until(pilot, lambda: isinstance(app.screen, ChangeDialog))
        dialog = app.screen
        assert isinstance(dialog, ChangeDialog)
        shown = plain(dialog.query_one("#change-body", Static))
        assert "拆分" in shown and "行政区划变化" in shown and "待备案" in shown and "周敏(op01)" in shown
        assert not dialog.check_action("file", ())  # filing is the supervisor's
        await pilot.press("escape")
        await until(pilot, lambda: app.screen is screen)

        changes = await roster.changes(town.store, town.actors["op01"], old)
        assert len(changes) == 1
        c = changes[0]
        assert (c.kind, c.reason, c.actor, c.filing_status) == ("split", "administrative", "周敏(op01)",
                                                                FilingStatus.PENDING)
        assert c.grid_codes == [old] and len(c.result_codes) == 2
        # the open ticket moved to the second part: the retired grid keeps none
        moved = await views.detail(town.store, town.operator, open_ticket)
        assert moved.grid.code == c.result_codes[1]
        # the parts are in the tree under the same village, the old grid is not; the cursor is on
        # the first part
        await until(pilot, lambda: all(("grid", code) in screen.nodes for code in c.result_codes))
        assert ("grid", old) not in screen.nodes
        assert screen.grid_rows[c.result_codes[0]].name == "海角片区"
        await until(pilot, lambda: screen.current() == ("grid", c.result_codes[0]))
        # `t` shows retired grids too: the old one is back, struck through
        await pilot.press("t")
        await until(pilot, lambda: ("grid", old) in screen.nodes)
        assert screen.grid_rows[old].status == "retired"


@pytest.mark.slow
async def test_a_notice_card_exports_to_a_readable_file(town: Town, tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # the export's default folder
    comp1 = town.grids["comp1"]
    app = app_for(town)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_roster(pilot, app)
        await walk_to(pilot, screen, ("grid", comp1))
        await pilot.press("c")
        await until(pilot, lambda: isinstance(app.screen, CardsScreen) and app.screen.loads > 0)
        cards = app.screen
        assert isinstance(cards, CardsScreen)
        preview = plain(cards.query_one("#cards-text", Static))
        assert "网格公示牌" in preview and "王建国 13807790001" in preview
        await pilot.press("x")
        await until(pilot, lambda: isinstance(app.screen, RosterForm))
        await pilot.press("2")  # Markdown; the file name follows
        form = app.screen
        assert isinstance(form, RosterForm)
        expected = tmp_path / f"{t('console_roster.cards.stem')}-{comp1}.md"
        assert form.values()["path"] == str(expected)
        await pilot.press("ctrl+s")
        await until(pilot, lambda: app.screen is cards and cards.exported is not None)
        assert cards.exported == expected
        assert str(expected) in plain(cards.query_one("#cards-status", Static), width=300)
        text = expected.read_text(encoding="utf-8")
        assert text.startswith("## 网格公示牌：地角社区第一网格")
        for part in ("| 网格长 | 王建国 13807790001 |", "| 专职网格员 | 陈丽 13807790002 |",
                     "| 监督举报电话 | 12345 |", "| 诉求受理平台 | i-北海 |", "海城区地角街道地角社区"):
            assert part in text, part
        # `v` widens to the whole village; `p` records the cards as posted (asks first)
        await pilot.press("v")
        await until(pilot, lambda: len(cards.cards) == 3)
        await pilot.press("p")
        await until(pilot, lambda: isinstance(app.screen, ConfirmDialog))
        await pilot.press("y")
        await until(pilot, lambda: cards.loads >= 3)
    rows = await roster.grids(town.store, town.operator, COMMUNITY)
    assert all(not g.notice_stale and g.notice_updated_at is not None for g in rows)


async def test_search_by_pinyin_initials_finds_a_person_and_opens_them(town: Town) -> None:
    app = app_for(town)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("f9")
        await until(pilot, lambda: isinstance(app.screen, SearchScreen))
        search = app.screen
        assert isinstance(search, SearchScreen)
        await pilot.press(*"wjg")
        await until(pilot, lambda: search.searched == "wjg")
        assert [(h.kind, h.name, h.match) for h in search.hits] == [("person", "王建国", "initials")]
        await pilot.press("enter")  # to the list
        await until(pilot, lambda: search.table.has_focus)
        await pilot.press("enter")  # open the hit
        await until(pilot, lambda: isinstance(app.screen, PeopleScreen) and app.screen.loads > 0)
        people = app.screen
        assert isinstance(people, PeopleScreen)
        current = people.current()
        assert current is not None and current.name == "王建国"
        info = plain(people.query_one("#people-info", Static))
        assert "地角社区第一网格" in info and "冠头岭渔港涉海网格" in info  # the grids he leads


async def test_a_wall_account_cannot_change_anything(town: Town) -> None:
    wall = town.actors["wall"]
    app = app_for(town, "wall")
    async with app.run_test(size=(80, 24)) as pilot:
        await idle(pilot)
        first = app.screen
        for key in ("f5", "f6", "f7", "f8", "colon"):
            await pilot.press(key)
            await idle(pilot)
            assert app.screen is first  # the wall and nothing else

        # were the tree opened for it, no key that writes is there, and pressing one does nothing
        screen = RosterScreen(focus=town.grids["comp1"])
        app.push_screen(screen)
        await until(pilot, lambda: screen.loads > 0 and screen.current() == ("grid", town.grids["comp1"]))
        for action in ("create", "adjust", "split", "merge", "retire", "assign", "unassign"):
            assert not screen.check_action(action, ()), action
        for key in ("n", "e", "s", "m", "x", "a", "u"):
            await pilot.press(key)
            await idle(pilot)
            assert app.screen is screen, key
        people = PeopleScreen()
        app.push_screen(people)
        await until(pilot, lambda: people.loads > 0)
        for action in people.WRITES:
            assert not people.check_action(action, ()), action
        # and the store refuses it all the same
        with pytest.raises(NotAllowed):
            await roster.split_grid(town.store, wall, town.grids["comp1"],
                                    [roster.GridSpec("甲"), roster.GridSpec("乙")], ChangeReason.OTHER)
    assert await roster.changes(town.store, town.operator) == []


@pytest.mark.slow
async def test_the_matter_list_withdraws_only_with_the_department_that_asked(town: Town) -> None:
    from griddesk.console.screens.matters import MattersScreen

    app = app_for(town, "sup01", lang="en")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("f7")
        await until(pilot, lambda: isinstance(app.screen, MattersScreen) and app.screen.loads > 0)
        screen = app.screen
        assert isinstance(screen, MattersScreen)
        assert [m.code for m in screen.rows] == ["A001", "A009", "B001", "C001", "H001"]
        assert screen.check_action("withdraw", ())
        await pilot.press("x")  # on A001
        await until(pilot, lambda: isinstance(app.screen, RosterForm))
        form = app.screen
        assert isinstance(form, RosterForm)
        await pilot.press("ctrl+s")  # no department: refused beside the field, in English
        await until(pilot, lambda: form.error_of("matter.requested_by") == "required")
        await pilot.press(*"Urban management", "ctrl+s")  # the cursor is in that field
        await until(pilot, lambda: isinstance(app.screen, ConfirmDialog))
        await pilot.press("y")  # confirm the irreversible step
        await until(pilot, lambda: app.screen is screen and screen.rows[0].withdrawn_on is not None)
        assert screen.rows[0].requested_by == "Urban management"
        assert not screen.check_action("withdraw", ())  # once is enough
    # an operator sees the list but none of its writing keys
    app = app_for(town)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("f7")
        await until(pilot, lambda: isinstance(app.screen, MattersScreen) and app.screen.loads > 0)
        for action in ("admit", "amend", "withdraw"):
            assert not app.screen.check_action(action, ()), action
