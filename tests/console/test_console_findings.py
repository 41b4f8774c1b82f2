"""The compliance findings screen (Pilot): each finding names its rule and article; Enter opens
the subject; the list shrinks as gaps are fixed — by keys here, or by anyone else's write."""

from __future__ import annotations

from textual.pilot import Pilot
from textual.widgets import Static

from griddesk.console.screens.findings import FindingsScreen
from griddesk.console.screens.people import PeopleScreen
from griddesk.console.screens.roster import RosterScreen
from griddesk.console.widgets.form import RosterForm
from griddesk.console.widgets.hit_picker import HitPicker
from griddesk.store import compliance, notice_cards, roster
from griddesk.store.enums import PersonRole
from griddesk.store.i18n import t
from tests.console.pilot import until
from tests.console.test_console_roster import app_for, plain
from tests.fixtures_town import TOWN, Town


def keys(screen: FindingsScreen) -> list[tuple[str, str]]:
    return [(f.rule, f.subject_key) for f in screen.found]


async def open_findings(pilot: Pilot, app) -> FindingsScreen:  # type: ignore[no-untyped-def]
    await pilot.press("f6")
    await until(pilot, lambda: isinstance(app.screen, FindingsScreen) and app.screen.loads > 0)
    return app.screen  # type: ignore[return-value]


async def cursor_to(pilot: Pilot, screen: FindingsScreen, key: tuple[str, str]) -> None:
    for _ in range(len(screen.found) + 1):
        f = screen.current()
        if f is not None and (f.rule, f.subject_key) == key:
            return
        await pilot.press("down")
    raise AssertionError(f"no finding {key} in {keys(screen)}")


async def test_findings_name_their_rule_and_article(town: Town) -> None:
    app = app_for(town, "sup01")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_findings(pilot, app)
        # the test town's two gaps: a town of 120,000 with two seat operators (YC 6), and a
        # full-time worker sharing 610 households against the default 600 (a local setting)
        assert keys(screen) == [("load_households", "2"), ("seat_operators", TOWN)]
        assert [f.article for f in screen.found] == ["local", "YC 6"]
        row = [c.plain for c in screen.table.get_row_at(1)]
        assert row == [t("console_roster.rule_short.seat_operators"), "地角街道", "盐城细则第6条"]
        await pilot.press("down")
        detail = plain(screen.query_one("#findings-detail", Static))
        assert "指挥中心坐席员配备不足" in detail and "至少应配备 3 名" in detail
        assert "《盐城市城乡网格化服务管理实施细则》第六条" in detail
        # Enter on a centre opens its seat operators
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, PeopleScreen) and app.screen.loads > 0)
        assert app.screen.role == PersonRole.SEAT_OPERATOR  # type: ignore[attr-defined]
        assert {p.name for p in app.screen.rows} == {"周敏", "吴芳"}  # type: ignore[attr-defined]


async def test_the_list_shrinks_when_a_leader_is_assigned_by_keys(town: Town) -> None:
    sup = town.actors["sup01"]
    comp2 = town.grids["comp2"]
    leader = (await roster.grid(town.store, sup, comp2)).grid.leader
    assert leader is not None
    await roster.unassign(town.store, sup, leader.assignment_id)  # make a gap through the store
    before = await compliance.findings(town.store, sup)
    assert ("no_leader", comp2) in [(f.rule, f.subject_key) for f in before]

    app = app_for(town, "sup01")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_findings(pilot, app)
        assert ("no_leader", comp2) in keys(screen)
        count = len(screen.found)
        await cursor_to(pilot, screen, ("no_leader", comp2))
        detail = plain(screen.query_one("#findings-detail", Static))
        assert "地角社区第二网格 没有在岗的网格长" in detail and "第十一条" in detail and "第七条" in detail
        await pilot.press("enter")  # the grid, in the tree
        await until(pilot, lambda: isinstance(app.screen, RosterScreen)
                    and app.screen.current() == ("grid", comp2))
        tree = app.screen
        assert isinstance(tree, RosterScreen)
        assert t("console_roster.detail.none") in plain(tree.query_one("#roster-info", Static))
        await pilot.press("a")  # assign: find the person by pinyin initials
        await until(pilot, lambda: isinstance(app.screen, HitPicker))
        await pilot.press(*"wjg")
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, RosterForm))
        form = app.screen
        assert isinstance(form, RosterForm)
        assert form.values()["assignment.role"] == PersonRole.LEADER  # what the grid lacks
        await pilot.press("ctrl+s")
        await until(pilot, lambda: app.screen is tree)
        await until(pilot, lambda: "王建国" in plain(tree.query_one("#roster-info", Static)))
        await pilot.press("escape")  # back to the findings: the line is gone
        await until(pilot, lambda: app.screen is screen and ("no_leader", comp2) not in keys(screen))
        assert len(screen.found) == count - 1
        # the assignment changed what the grid's card shows: that finding stays until it is posted
        assert ("notice_stale", comp2) in keys(screen)


async def test_the_list_follows_other_consoles_writes(town: Town) -> None:
    sup = town.actors["sup01"]
    app = app_for(town, "sup01")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_findings(pilot, app)
        assert ("untrained_full_time", "3") not in keys(screen)
        # someone else clears 刘洋's training date: a new finding appears without a key pressed
        await roster.update_person(town.store, sup, 3, trained_on=None)
        await until(pilot, lambda: ("untrained_full_time", "3") in keys(screen))
        # a card posted elsewhere; a training date put back: the lines go again
        await roster.update_person(town.store, sup, 3, trained_on=roster.today(town.store))
        await until(pilot, lambda: ("untrained_full_time", "3") not in keys(screen))
        stale = ("notice_stale", town.grids["port"])
        await roster.adjust_grid(town.store, sup, town.grids["port"], "other", name="冠头岭渔港网格")
        await until(pilot, lambda: stale in keys(screen))
        await notice_cards.mark_published(town.store, sup, [town.grids["port"]])
        await until(pilot, lambda: stale not in keys(screen))
