"""The analytics screens at 80×24, driven by the keyboard (Pilot), on the hand-worked week of
tests/store/test_analytics.py read on Monday 9 March 2026 09:00 (the last 30 days hold P1 and
T1–T6: 7 tickets, 5 of them rubbish, one caller three times, 海角路12号 four times)."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from textual.widgets import DataTable, Static

from griddesk.console.app import GridDeskApp
from griddesk.console.screens.figures import FiguresScreen
from griddesk.console.screens.hotspots import HotspotsScreen
from griddesk.console.screens.scorecard import ScorecardScreen
from griddesk.console.screens.shift_report import ShiftReportScreen
from griddesk.store.context import Store
from griddesk.store.i18n import t
from tests.conftest import run_apart
from tests.console.pilot import until
from tests.fixtures_town import Town
from tests.store.test_analytics import MON, RAW, READ_AT, build


async def _build(path: Path) -> tuple[Town, dict[str, str]]:
    clock = [MON]
    store = await Store.open(str(path), now=lambda: clock[0])
    week = await build(store, clock)
    await store.close()
    return week.town, week.n


@pytest.fixture(scope="session")
def _week_built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Town, dict[str, str]]:
    path = tmp_path_factory.mktemp("analytics") / "w.db"
    town, n = run_apart(_build(path))
    return path, town, n


class Week:
    def __init__(self, store: Store, town: Town, n: dict[str, str]) -> None:
        self.store, self.town, self.n = store, town, n

    def app(self, login: str = "sup01") -> GridDeskApp:
        return GridDeskApp(self.store, self.town.actors[login], lang="zh", poll_interval=0.2)


@pytest.fixture
async def week(_week_built: tuple[Path, Town, dict[str, str]], tmp_path: Path) -> AsyncIterator[Week]:
    built, town, n = _week_built
    shutil.copyfile(built, tmp_path / "w.db")
    s = await Store.open(str(tmp_path / "w.db"), now=lambda: READ_AT)
    yield Week(s, town.on(s), dict(n))
    await s.close()


async def opened(app: GridDeskApp, pilot, name: str, kind: type[FiguresScreen]) -> FiguresScreen:  # type: ignore[no-untyped-def]
    await until(pilot, lambda: app.header_state.counts is not None)
    app.open_screen(name)
    await until(pilot, lambda: isinstance(app.screen, kind) and app.screen.doc is not None)
    screen = app.screen
    assert isinstance(screen, kind)
    return screen


def cells(screen: FiguresScreen) -> list[list[str]]:
    table = screen.query_one("#fig-table", DataTable)
    return [[str(c) for c in table.get_row_at(i)] for i in range(table.row_count)]


def everything(screen: FiguresScreen) -> str:
    """All the text the screen holds: tabs, table, heat, status."""
    parts = [str(w.render()) for w in screen.query(Static)]
    parts += [" ".join(row) for row in cells(screen)]
    return "\n".join(parts)


async def test_hot_spots_sections_sort_definition_and_period(week: Week) -> None:
    app = week.app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await opened(app, pilot, "hotspots", HotspotsScreen)
        assert cells(screen)[0][:2] == ["受理总数", "7"]
        await pilot.press("2")  # by matter: most frequent first, with its bar
        await until(pilot, lambda: screen.current is not None and screen.current.key == "by_matter")
        rows = cells(screen)
        assert rows[0][:3] == ["暴露垃圾", "5", "██████████"] and rows[1][2].startswith("██")
        assert screen.query_one("#fig-spark").has_class("-hidden") is False
        # sort by name (the cursor's column), then by count ascending after a second press
        await pilot.press("s")
        await until(pilot, lambda: cells(screen)[0][0] != "暴露垃圾")
        await pilot.press("right", "s")
        await until(pilot, lambda: cells(screen)[0][1] == "5")
        await pilot.press("s")
        await until(pilot, lambda: cells(screen)[-1][1] == "5")
        # the definition of the column under the cursor
        await pilot.press("d")
        # notices go to the header and its log (app.notice_log), not to toasts
        await until(pilot, lambda: t("analytics.def.count") in app.notice_log.messages)
        # repeats: the address, and the caller by keyed hash only
        await pilot.press("7")  # read the first time it is shown (hotspots.DEFERRABLE)
        await until(pilot, lambda: screen.current is not None and screen.current.key == "repeats"
                    and bool(screen.current.rows) and bool(cells(screen)))
        rows = cells(screen)
        assert [r[:3] for r in rows] == [["同一地址", "海角路12号", "4"], ["同一来电人", rows[1][1], "3"]]
        assert rows[1][1].startswith("#") and len(rows[1][1]) == 9
        await pilot.press("8")  # the heat table
        await until(pilot, lambda: "周一" in str(screen.query_one("#fig-heat", Static).render()))
        for key in "12345678":
            await pilot.press(key)
            await until(pilot, lambda: screen.current is not None)
            text = everything(screen)
            assert not any(raw in text for raw in RAW), text
        await pilot.press("p")  # 30 → 7 days: 3–9 March hold T3, T4, T5 and T6
        await until(pilot, lambda: "近7天" in screen.where() and screen.loads >= 2)
        await pilot.press("1")
        await until(pilot, lambda: cells(screen) and cells(screen)[0][1] == "4")


async def test_hot_spots_open_without_the_per_ticket_parts_and_read_each_when_shown(week: Week) -> None:
    from griddesk.store.analytics import hotspots, period

    app = week.app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await opened(app, pilot, "hotspots", HotspotsScreen)
        assert isinstance(screen, HotspotsScreen)
        assert screen.skipped == hotspots.DEFERRABLE and screen.wanted == frozenset()
        await pilot.press("5")  # the longest to close: read now, then shown
        await until(pilot, lambda: screen.current is not None and screen.current.key == "longest"
                    and bool(screen.current.rows) and bool(cells(screen)))
        assert screen.wanted == {"longest"} and screen.skipped == {"repeats"}
        p = period.last_days(week.store.calendar, week.store.now(), 30)
        full = await hotspots.hotspots(week.store, week.town.actors["sup01"], p)
        assert [r[0] for r in cells(screen)] == [r.label for r in full.longest]


async def test_scorecards_mark_rates_below_the_floor(week: Week) -> None:
    app = week.app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await opened(app, pilot, "scorecard", ScorecardScreen)
        rows = {r[0]: r for r in cells(screen)}
        civil = rows["地角街道民政办"]
        assert civil[1] == "1" and "0.0%▼" in civil
        police = rows["地角派出所"]
        assert "50.0%▼" in police and "15.00" in police
        await pilot.press("4")
        await until(pilot, lambda: screen.current is not None and screen.current.key == "operators")
        ops = {r[0]: r for r in cells(screen)}
        assert ops["周敏"][1:5] == ["5", "4", "3", "1"]  # 30 days: P1 too
        assert not any(raw in everything(screen) for raw in RAW)


async def test_shift_report_and_the_other_reports(week: Week) -> None:
    app = week.app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await opened(app, pilot, "shift", ShiftReportScreen)
        rows = {r[0]: r[1] for r in cells(screen)}
        assert rows["新受理"] == "0" and rows["在办"] == "3" and rows["超期"] == "2"
        await pilot.press("p", "p")  # shift → daily → weekly: last Monday to Sunday
        await until(pilot, lambda: screen.choice == "weekly" and screen.doc is not None
                    and screen.doc.key == "weekly")
        rows = {r[0]: r[1] for r in cells(screen)}
        assert rows["新受理"] == "6" and rows["已结案"] == "4"
        await pilot.press("4")  # open supervision notices: T2's formal notice (and whatever the
        # console's own supervision ladder has written since it started)
        await until(pilot, lambda: screen.current is not None and screen.current.key == "notices")
        assert ["催办通知书", week.n["T2"]] in [r[1:3] for r in cells(screen)]
        assert "周报" in screen.where()


async def test_f_puts_a_hot_spot_on_the_focus_list(week: Week) -> None:
    from griddesk.console.widgets.dialogs import TextForm
    from griddesk.store.analytics import focus

    app = week.app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await opened(app, pilot, "hotspots", HotspotsScreen)
        await pilot.press("f")  # the overview is not a problem to watch
        await until(pilot, lambda: t("analytics.screen.no_focus_here") in app.notice_log.messages)
        await pilot.press("2", "f")  # rubbish, the first row by matter
        await until(pilot, lambda: isinstance(app.screen, TextForm))
        form = app.screen
        assert isinstance(form, TextForm)
        await pilot.press("ctrl+s")  # no owner: refused, the form stays
        await until(pilot, lambda: "责任人" in str(form.query_one("#form-error", Static).render()))
        form.input("owner").value = "执法中队"
        form.input("review").value = "2026-04-09"
        await pilot.press("ctrl+s")
        await until(pilot, lambda: app.screen is screen)
        [item] = await focus.items(week.store, week.town.actors["sup01"])
        assert (item.kind, item.key, item.owner, item.before) == ("matter", week.town.matters["rubbish"], "执法中队", 5)
        await pilot.press("7", "down", "f")  # the repeat caller: kept as the keyed hash
        await until(pilot, lambda: isinstance(app.screen, TextForm))
        form = app.screen
        assert isinstance(form, TextForm)
        form.input("owner").value = "民政办"
        await pilot.press("ctrl+s")
        await until(pilot, lambda: app.screen is screen)
        items = await focus.items(week.store, week.town.actors["sup01"])
        assert [(i.kind, len(i.key), i.before) for i in items][1] == ("caller", 64, 3)


async def test_the_focus_list_shows_before_and_after_and_closes_an_item(week: Week) -> None:
    from griddesk.console.screens.focus import FocusScreen
    from griddesk.console.widgets.dialogs import TextForm
    from griddesk.store.analytics import focus

    sup = week.town.actors["sup01"]
    first = await focus.add(week.store, sup, "matter", week.town.matters["rubbish"], "执法中队", "常年堆放")
    await focus.add(week.store, sup, "address", "海角路12号", "社区居委会")
    app = week.app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await opened(app, pilot, "focus", FocusScreen)
        rows = cells(screen)
        assert [r[0] for r in rows] == [str(first), str(first + 1)]
        # before: the tickets of the 30 days before it was put on the list (5 rubbish, 4 at the address)
        assert rows[0][5] == "5" and rows[1][5] == "4"
        assert "观察中" in rows[0]  # a full window has not passed yet
        await pilot.press("x")
        await until(pilot, lambda: isinstance(app.screen, TextForm))
        form = app.screen
        assert isinstance(form, TextForm)
        form.input("note").value = "已清运并设置围挡"
        await pilot.press("ctrl+s")
        await until(pilot, lambda: app.screen is screen and len(cells(screen)) == 1)
        assert cells(screen)[0][0] == str(first + 1)  # the open items only
        await pilot.press("p")  # all, closed included
        await until(pilot, lambda: len(cells(screen)) == 2)
        assert "全部" in screen.where()
    [closed] = [i for i in await focus.items(week.store, sup, include_closed=True) if i.id == first]
    assert closed.closed_at is not None


def _luminance(color: str) -> float:
    from textual.color import Color

    c = Color.parse(color)

    def channel(v: int) -> float:
        s = v / 255
        return s / 12.92 if s <= 0.03928 else ((s + 0.055) / 1.055) ** 2.4

    return 0.2126 * channel(c.r) + 0.7152 * channel(c.g) + 0.0722 * channel(c.b)


def _contrast(a: str, b: str) -> float:
    la, lb = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


async def test_figures_stay_legible_in_the_high_contrast_theme(week: Week) -> None:
    """Every coloured figure (a rate under its floor, a ranking's bar) keeps 7:1 against the
    background of the high-contrast theme, and a mark other than colour says "under the floor"."""
    app = week.app()
    async with app.run_test(size=(80, 24)) as pilot:
        app.theme = "griddesk-contrast"
        background = app.current_theme.background
        assert background is not None
        seen: list[str] = []
        for name, kind, section in (("scorecard", ScorecardScreen, None), ("hotspots", HotspotsScreen, "2")):
            screen = await opened(app, pilot, name, kind)
            if not section:  # under the floor is said by ▼ too, not by colour alone
                assert any("▼" in c for r in cells(screen) for c in r)
            if section:
                await pilot.press(section)
                await until(pilot, lambda s=screen: s.current is not None and s.current.key == "by_matter")
            table = screen.query_one("#fig-table", DataTable)
            for i in range(table.row_count):
                for cell in table.get_row_at(i):
                    style = getattr(cell, "style", "")
                    color = str(style).replace("bold", "").strip()
                    if color:
                        seen.append(color)
                        assert _contrast(color, background) >= 7, (name, str(cell), color)
            await pilot.press("escape")
        assert len(set(seen)) >= 2  # the floor's colour and the bars' were both checked
