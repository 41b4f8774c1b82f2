"""The line-API list (console.widgets.line_list) and the overdue view (f4) on it: only the rows on
screen are painted, the cursor moves by keys and keeps its row across a live update, Enter opens
the ticket, and CJK text (two cells a character) keeps the columns aligned at 80 columns.

One app visits the states in turn (the suite's time budget); a bare app holds 25,000 rows."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from rich.cells import cell_len
from textual.app import App, ComposeResult

from griddesk.console.app import GridDeskApp
from griddesk.console.screens.overdue import OverdueScreen
from griddesk.console.screens.ticket import TicketScreen
from griddesk.console.widgets.line_list import Column, LineList, LineRow, fit
from griddesk.store import supervision, tickets, workflow
from griddesk.store.context import Store
from tests.conftest import run_apart
from tests.console.pilot import until
from tests.fixtures_town import Town, seed

MON = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)  # 09:00 in Beihai
LATE = 45  # tickets late at 17:10: more than two screens of rows at 80x24


# --- the widget alone ----------------------------------------------------------------------------

COLUMNS = [Column("no", "编号", 6), Column("name", "名称", 0), Column("unit", "单位", 12, right=True)]


class Lines(App[None]):
    def __init__(self, rows: list[LineRow]) -> None:
        super().__init__()
        self.rows = rows
        self.selected: list[str] = []
        self.highlighted: list[str | None] = []

    def compose(self) -> ComposeResult:
        yield LineList(lambda v: v, COLUMNS, id="lines")

    def on_mount(self) -> None:
        lines = self.query_one(LineList)
        lines.set_rows(self.rows)
        lines.focus()

    def on_line_list_selected(self, event: LineList.Selected) -> None:
        self.selected.append(event.key)

    def on_line_list_highlighted(self, event: LineList.Highlighted) -> None:
        self.highlighted.append(event.key)


def _row(i: int) -> LineRow:
    name = "海城区地角街道办事处综合网格" if i % 2 else "Street lamp out"
    return LineRow(f"k{i}", [f"{i:05d}", name, ("城管", "dim") if i % 3 else "POLICE"], selectable=i % 50 != 0)


async def test_a_big_list_paints_only_the_visible_rows_and_keeps_its_cursor() -> None:
    rows = [_row(i) for i in range(25_000)]
    app = Lines(rows)
    async with app.run_test(size=(80, 24)) as pilot:
        lines = app.query_one(LineList)
        await until(pilot, lambda: lines.stats.rendered > 0)
        # the data is held, not rendered: a screenful of strips at most (24 lines less the heading)
        assert lines.row_count == 25_000
        assert lines.stats.rendered <= 23
        # the first row is a header (row 0: not selectable): the cursor starts on the next one
        assert lines.cursor_key == "k1"
        await pilot.press("down", "down")
        assert lines.cursor_key == "k3"
        await pilot.press("pagedown")
        assert lines.cursor == 3 + lines.page_rows
        await pilot.press("end")
        assert lines.cursor_key == "k24999" and lines.scroll_offset.y == 25_001 - lines.size.height
        await pilot.press("home")
        assert lines.cursor_key == "k1" and lines.scroll_offset.y == 0
        # stepping over the headers the cursor may not stop on
        lines.move_to(49)
        await pilot.press("down")
        assert lines.cursor_key == "k51"
        await pilot.press("up")
        assert lines.cursor_key == "k49"
        painted = lines.stats.rendered
        assert painted < 200  # every move repaints a line or a screen, never the list

        # a live update: rows come before the cursor; it stays on its row, at the same place
        on_screen = lines.cursor - lines.scroll_offset.y  # type: ignore[operator]
        lines.set_rows([LineRow(f"new{i}", [str(i), "新", "x"]) for i in range(500)] + rows)
        await pilot.pause()
        assert lines.cursor_key == "k49" and lines.cursor == 549
        assert lines.cursor - lines.scroll_offset.y == on_screen
        assert lines.stats.rendered - painted <= 23  # one screen painted again
        # its row goes: the cursor goes to the row that followed it
        lines.set_rows([r for r in rows if r.key != "k49"])
        await pilot.pause()
        assert lines.cursor_key == "k51"

        await pilot.press("enter")
        await until(pilot, lambda: app.selected == ["k51"])
        assert app.highlighted[-1] == "k51"

        # CJK alignment: every column starts at the same cell in every row, at 80 columns
        texts = [lines.line_text(i) for i in (1, 2, 3)]
        starts = {cell_len(t[: t.index(word)]) for t, word in zip(texts, ("海城", "Street", "海城"), strict=True)}
        assert starts == {7}
        ends = {cell_len(t) for t in texts}
        assert ends == {lines.scrollable_content_region.width}  # the right-aligned unit ends the line
        assert fit("地角街道办事处", 7) == "地角街…"  # cut at a character, then the ellipsis
        assert fit("地角街道", 6) == "地角 …"  # a character that would straddle the edge: a space
        assert fit("地", 1) == " " and fit("地角", 5, right=True) == " 地角"


# --- the overdue view with many rows ----------------------------------------------------------------


async def _build_many(path: Path) -> tuple[Town, list[str]]:
    now = [MON]
    s = await Store.open(str(path), now=lambda: now[0])
    town = await seed(s)
    numbers = []
    for i in range(LATE):
        numbers.append(await tickets.create(s, town.operator, tickets.parse(
            town.ticket(grid=town.grids["comp1" if i % 2 else "comp2"], title=f"路灯不亮（{i}号）"))))
    now[0] = MON + timedelta(minutes=30)
    for n in numbers:  # each waits for the unit to sign for it: one sign-for clock, late by 17:10
        await workflow.dispatch(s, town.operator, n, "URBAN")
    now[0] = MON + timedelta(hours=8, minutes=10)
    await supervision.run_ladder(s)
    await s.close()
    return town, numbers


@pytest.fixture(scope="session")
def _many_built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Town, list[str]]:
    path = tmp_path_factory.mktemp("many") / "m.db"
    town, numbers = run_apart(_build_many(path))
    return path, town, numbers


@pytest.fixture
async def many(_many_built: tuple[Path, Town, list[str]],
               tmp_path: Path) -> AsyncIterator[tuple[Store, Town, list[str]]]:
    built, town, numbers = _many_built
    shutil.copyfile(built, tmp_path / "m.db")
    s = await Store.open(str(tmp_path / "m.db"), now=lambda: MON + timedelta(hours=8, minutes=10))
    yield s, town.on(s), numbers
    await s.close()


async def test_f4_on_many_overdue_rows(many: tuple[Store, Town, list[str]]) -> None:
    store, town, numbers = many
    app = GridDeskApp(store, town.actors["sup01"], lang="zh", poll_interval=0.2)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: app.header_state.counts is not None)
        await pilot.press("f4")
        await until(pilot, lambda: isinstance(app.screen, OverdueScreen) and app.screen.view is not None)
        screen = app.screen
        assert isinstance(screen, OverdueScreen)
        listing = screen.listing
        await until(pilot, lambda: listing.stats.rendered > 0)
        assert screen.view is not None and len(screen.view.rows) >= LATE
        # the list holds every row as data and painted only the ones on screen
        assert listing.row_count > listing.page_rows * 2
        assert listing.stats.rendered <= listing.size.height
        lines = screen.plain_lines()
        assert all(cell_len(line) <= 80 for line in lines)
        # the title column starts at the same cell on every row (CJK counts two cells)
        title_at = {cell_len(line[: line.index("路灯不亮")]) for line in lines if "路灯不亮" in line}
        assert len(title_at) == 1

        # the cursor moves by keys, over the rows only
        await pilot.press("home")
        first = screen.selected_number()
        assert first is not None and listing.cursor == 1
        await pilot.press("down", "down", "pagedown")
        assert listing.cursor == 3 + listing.page_rows
        kept = screen.selected_number()
        assert kept is not None and kept != first
        at_row = listing.cursor_key

        # a live update (the unit signs for the first ticket elsewhere: its row above the cursor
        # leaves): the cursor stays on its row
        rebuilds = listing.stats.rebuilds
        first_row = listing.ids[1]
        await workflow.sign(store, town.actors["u-urban"], first)
        await until(pilot, lambda: listing.stats.rebuilds > rebuilds and first_row not in listing.ids)
        assert listing.cursor_key == at_row and screen.selected_number() == kept

        # Enter opens the ticket under the cursor
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, TicketScreen) and app.screen.detail is not None)
        assert app.screen.number == kept  # type: ignore[attr-defined]
