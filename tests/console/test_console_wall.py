"""The wall display: large counts, the overdue groups in turn, and no way to change anything."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from griddesk.console.app import GridDeskApp
from griddesk.console.cli.main import build_parser
from griddesk.console.wall import WallApp, WallScreen
from griddesk.console.widgets.big_digits import BigDigits
from griddesk.store import queue, tickets, workflow
from griddesk.store.context import Store
from griddesk.store.models import AuditEntry, Notice, Supervision, UnitWarning
from tests.console.pilot import idle, until
from tests.fixtures_town import Town, seed

MON = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)  # Monday 09:00 in Beihai

# every key a curious visitor might press on the wall (not q / ctrl+c / ctrl+q: those quit)
KEYS = [*"abcdefghijklmnoprstuvwxyz", *"ABCDEFGHIJKLMNOPRSTUVWXYZ", *"0123456789",
        *(f"f{i}" for i in range(1, 13)), "enter", "escape", "tab", "shift+tab", "space", "backspace",
        "delete", "up", "down", "left", "right", "home", "end", "pageup", "pagedown", "colon",
        "question_mark", "slash", "exclamation_mark", "left_square_bracket", "right_square_bracket",
        "ctrl+p", "ctrl+l", "ctrl+t", "ctrl+g", "ctrl+s", "ctrl+r", "ctrl+d", "ctrl+n", "ctrl+x"]


@pytest.fixture
async def late(tmp_path: Path) -> AsyncIterator[tuple[Store, Town, list[datetime]]]:
    now = [MON]
    s = await Store.open(str(tmp_path / "w.db"), now=lambda: now[0])
    town = await seed(s)
    op = town.operator
    a = await tickets.create(s, op, tickets.parse(town.ticket(title="A")))
    await tickets.create(s, op, tickets.parse(town.ticket(title="B", grid=town.grids["port"],
                                                          matter=town.matters["dispute"])))
    await workflow.dispatch(s, op, a, "URBAN")
    await tickets.create(s, op, tickets.parse(town.ticket(title="E", matter=town.matters["dispute"],
                                                          urgency="emergency")))
    now[0] = MON + timedelta(hours=8, minutes=10)  # 17:10: A's sign-for and handling are late
    yield s, town, now
    await s.close()


async def footprint(store: Store) -> tuple[int, ...]:
    """Everything a key could write: the change feed, the audit log, notices, supervision, warnings."""
    async with store.db.session() as s:
        counts = [(await s.execute(select(func.count()).select_from(m))).scalar_one()
                  for m in (AuditEntry, Notice, Supervision, UnitWarning)]
    return (await queue.last_change(store), *counts)


def digits(screen: WallScreen) -> dict[str, str]:
    return {k: screen.query_one(f"#wall-digits-{k}", BigDigits).value
            for k in ("overdue", "due_soon", "open", "escalations")}


@pytest.mark.slow
async def test_the_wall_shows_counts_cycles_groups_and_changes_nothing(late) -> None:  # type: ignore[no-untyped-def]
    store, town, _ = late
    counts = await queue.counts(store, town.actors["wall"])
    app = WallApp(store, town.actors["wall"], lang="zh", cycle=1, poll_interval=0.2)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.screen
        assert isinstance(screen, WallScreen)
        await until(pilot, lambda: screen.loads > 0)
        assert digits(screen) == {"overdue": str(counts.overdue), "due_soon": str(counts.due_soon),
                                  "open": str(counts.open), "escalations": str(counts.escalations)}
        assert counts.overdue >= 2 and counts.open == 3
        # the groups come in turn: by unit, then by stage, then by grid, as many to a page as fit
        await until(pilot, lambda: screen.shown > 1)
        first = screen.page
        await until(pilot, lambda: screen.page != first)
        assert {by for by, _ in screen.pages} == {"unit", "stage", "grid"}
        title = str(screen.query_one("#wall-group-title").render())
        assert "/" in title and screen.pages[screen.page][1].label == screen.page_labels[0]

        before = await footprint(store)
        for key in KEYS:
            await pilot.press(key)
        await idle(pilot)
        assert isinstance(app.screen, WallScreen) and app.is_running
        assert await footprint(store) == before
        await pilot.press("q")
        await until(pilot, lambda: not app.is_running)
    assert not app.is_running


@pytest.mark.slow
async def test_a_viewer_opening_the_console_gets_the_wall_and_nothing_else(late) -> None:  # type: ignore[no-untyped-def]
    store, town, _ = late
    app = GridDeskApp(store, town.actors["wall"], lang="zh", poll_interval=0.2)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.screen
        assert isinstance(screen, WallScreen)
        await until(pilot, lambda: screen.loads > 0)
        before = await footprint(store)
        for key in KEYS:
            await pilot.press(key)
        await idle(pilot)
        assert app.screen is screen and len(app.screen_stack) == 1  # no screen, palette, command line
        assert await footprint(store) == before
        assert app.alerts.checks == 0  # nobody to tell: the wall claims no notices
        # the wall follows the feed: a new ticket elsewhere shows in the counts
        opened = int(screen.query_one("#wall-digits-open", BigDigits).value)
        await tickets.create(store, town.operator, tickets.parse(town.ticket(title="新的")))
        await until(pilot, lambda: screen.query_one("#wall-digits-open", BigDigits).value == str(opened + 1))
        await pilot.press("ctrl+c")
        await until(pilot, lambda: not app.is_running)
    assert not app.is_running


def test_griddesk_wall_is_a_command() -> None:
    args = build_parser().parse_args(["wall", "--cycle", "5"])
    assert args.cycle == 5.0 and args.handler.__name__ == "run_wall"
    with pytest.raises(SystemExit):
        build_parser().parse_args(["wall", "--cycle", "0"])
