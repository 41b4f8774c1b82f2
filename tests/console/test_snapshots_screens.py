"""Every screen at 80×24, in Chinese and in English, against a stored text snapshot.

One Pilot app per language starts on the login screen, signs in as the test town's shift
leader and visits every screen and dialog in turn (the list is `VISITS`). For each it takes the
screen's rendered lines (the compositor's own output, background screens included under a
dialog) and checks:

- every one of the 24 lines is exactly 80 cells: nothing overflows, and no wide (CJK) character
  was split or pushed a column out;
- the text equals `tests/console/snapshots/<lang>/<screen>.txt`.

Deterministic because the store's clock is pinned (`Store(now=…)`: the header's time, the
clocks, the analytics periods) and the data is the test town plus a few tickets made at known
times. What still follows the wall clock — the time a notice arrived — is masked (`MASKS`). The
app's periodic jobs are stopped after its first notice check, so nothing writes meanwhile.

After a deliberate change, refresh the files and review their diff:

    GRIDDESK_SNAPSHOT_UPDATE=1 .venv/bin/python -m pytest -n 0 tests/console/test_snapshots_screens.py

(`--snapshot-update`, pytest-textual-snapshot's option, does the same.) A mismatch fails with a
diff of every screen that changed, not only the first.
"""

from __future__ import annotations

import dataclasses
import difflib
import os
import re
from collections import deque
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from rich.cells import cell_len
from textual.pilot import Pilot

from griddesk.console.app import GridDeskApp
from griddesk.console.notice_log import KEEP
from griddesk.console.typeahead import screen_settled
from griddesk.store import config, roster, tickets, workflow
from griddesk.store.context import Store
from griddesk.store.db import Database
from griddesk.store.enums import ChangeReason
from griddesk.store.i18n import t
from tests.console.pilot import idle, until
from tests.fixtures_town import Town, seed

SIZE = (80, 24)
SNAPSHOTS = Path(__file__).parent / "snapshots"
UPDATE_ENV = "GRIDDESK_SNAPSHOT_UPDATE"
# Tuesday 2026-03-03 10:00 in Beihai: a working morning, no holiday nearby
NOW = datetime(2026, 3, 3, 2, 0, tzinfo=UTC)
EARLIER = NOW - timedelta(days=4)  # tickets made then are late by NOW
# what follows the wall clock, not the store's: a notice's arrival time
MASKS = [(re.compile(r"\b\d{2}:\d{2}:\d{2}\b"), "##:##:##")]


@dataclasses.dataclass
class Made:
    town: Town
    pending: str  # awaiting dispatch, its dispatch clock long run out
    dispatched: str  # dispatched to the police, never signed for
    emergency: str  # an emergency of ten minutes ago


async def build(path: Path) -> Made:
    early = await Store.open(str(path), config.Settings(), now=lambda: EARLIER)
    town = await seed(early)
    op = town.operator
    pending = await tickets.create(early, op, tickets.parse(town.ticket()))
    dispatched = await tickets.create(early, op, tickets.parse(town.ticket(
        matter=town.matters["dispute"], urgency="urgent", title="楼上漏水引发邻里纠纷",
        address="地角路8号", grid=town.grids["comp2"])))
    await workflow.dispatch(early, op, dispatched, town.units["police"])
    await roster.adjust_grid(early, town.actors["sup01"], town.grids["comp2"], ChangeReason.OTHER,
                             "户数复核", households=320)
    await early.close()
    late = await Store.open(str(path), config.Settings(), now=lambda: NOW - timedelta(minutes=10))
    emergency = await tickets.create(late, op, tickets.parse(town.ticket(
        matter=town.matters["fire"], urgency="emergency", title="楼道堆放杂物堵塞消防通道",
        address="冠头岭路3号", grid=town.grids["port"])))
    await late.close()
    return Made(town, pending, dispatched, emergency)


# --- what a screen looks like -----------------------------------------------------------------


def screen_lines(app: GridDeskApp) -> list[str]:
    """The 24 lines on the terminal now: the current screen over the ones it covers."""
    update = app.screen._compositor.render_update(full=True, screen_stack=app._background_screens)
    return ["".join(seg.text for strip in line for seg in strip if not seg.control)
            for line in update.strips]  # type: ignore[attr-defined]  # LayoutUpdate's lines of strips


def masked(lines: list[str]) -> str:
    text = "\n".join(line.rstrip() for line in lines) + "\n"
    for pattern, mask in MASKS:
        text = pattern.sub(mask, text)
    return text


def cells_problems(name: str, lines: list[str]) -> list[str]:
    width, height = SIZE
    found = [] if len(lines) == height else [f"{name}: {len(lines)} lines, not {height}"]
    found += [f"{name} line {i + 1}: {cell_len(line)} cells, not {width}: {line!r}"
              for i, line in enumerate(lines) if cell_len(line) != width]
    return found


def updating(request: pytest.FixtureRequest) -> bool:
    if os.environ.get(UPDATE_ENV) == "1":
        return True
    try:
        return bool(request.config.getoption("--snapshot-update"))
    except ValueError:  # pytest-textual-snapshot (syrupy) not installed: no such option
        return False


class Album:
    """Takes each screen in turn, compares or stores it, and reports every difference at the end."""

    def __init__(self, lang: str, update: bool) -> None:
        self.folder = SNAPSHOTS / lang
        self.update = update
        self.problems: list[str] = []
        self.taken: list[str] = []

    def take(self, name: str, app: GridDeskApp) -> None:
        lines = screen_lines(app)
        self.taken.append(name)
        self.problems += cells_problems(name, lines)
        text = masked(lines)
        path = self.folder / f"{name}.txt"
        if self.update:
            self.folder.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
            return
        if not path.exists():
            self.problems.append(f"{name}: no snapshot {path} (run with {UPDATE_ENV}=1)")
            return
        want = path.read_text(encoding="utf-8")
        if text != want:
            diff = difflib.unified_diff(want.splitlines(), text.splitlines(), f"{name} (stored)", f"{name} (now)",
                                        lineterm="")
            self.problems.append("\n".join(diff))


# --- visiting ---------------------------------------------------------------------------------


async def ready(pilot: Pilot, cond: Callable[[], object] = lambda: True) -> None:
    """Until `cond` holds and the screen has painted what it read (no read running, every
    message taken in: console/typeahead.py's test), and once more after the app went idle."""
    app = pilot.app
    await until(pilot, lambda: cond() and screen_settled(app))
    await idle(pilot)
    await until(pilot, lambda: cond() and screen_settled(app))
    await pilot.pause(0)


def loaded(app: GridDeskApp) -> Callable[[], bool]:
    screen = app.screen
    return lambda: app.screen is not screen or getattr(screen, "loads", 1) > 0


async def visit(pilot: Pilot, album: Album, name: str, go: Callable[[], Awaitable[None] | None],
                screen_type: str | None = None, shown: Callable[[object], object] = lambda screen: True) -> None:
    """Open a screen (`go`), wait until it is a `screen_type`, has read (and, if given, `shown`
    holds of it), and take its snapshot."""
    app = pilot.app
    before = app.screen
    done = go()
    if done is not None:
        await done
    await until(pilot, lambda: app.screen is not before and (
        screen_type is None or type(app.screen).__name__ == screen_type))
    screen = app.screen
    await ready(pilot, lambda: app.screen is screen and shown(screen) and (
        getattr(screen, "loads", 1) > 0 or getattr(screen, "loaded", True) is True))
    album.take(name, app)


async def quiet_notices(pilot: Pilot, app: GridDeskApp) -> None:
    """The first notice check done, the periodic jobs (the ladder, the minute's tick) stopped, and
    the notices no longer fresh (how long the header shows one is wall-clock time)."""
    await until(pilot, lambda: app.alerts._timer is not None)
    app.alerts.stop()
    if app._minute_timer is not None:  # the minute's turn (wall clock) would run the ladder
        app._minute_timer.stop()
    await until(pilot, lambda: app.alerts.checks >= 1)
    log = app.notice_log
    log.entries = deque((dataclasses.replace(n, timeout=0.0) for n in log.entries), maxlen=KEEP)
    app._show_notice()


async def open_palette(pilot: Pilot) -> None:
    """ctrl+p and a query: its discovery list comes in the order its providers happen to answer
    (every hit scores 0), a query's hits are ranked."""
    await pilot.press("ctrl+p")
    await until(pilot, lambda: type(pilot.app.screen).__name__ == "Palette")
    await pilot.press(*t("audit.title"))


def palette_listed(screen: object) -> bool:
    from textual.command import CommandList

    listing = screen.query_one(CommandList)  # type: ignore[attr-defined]
    return listing.option_count > 0 and not screen._show_busy  # type: ignore[attr-defined]


VISITS = ["login", "queue", "ticket", "dispatch", "intake", "overdue", "supervise", "notices", "help",
          "palette", "roster", "findings", "people", "matters", "cards", "changes", "grid_change", "warnings",
          "hotspots", "scorecard", "shift", "escalations", "audit", "search", "wall"]


@pytest.mark.slow
@pytest.mark.parametrize("lang", ["zh", "en"])
async def test_every_screen_at_80x24(lang: str, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    made = await build(tmp_path / "snap.db")
    town = made.town
    store = Store(Database(str(tmp_path / "snap.db")), config.Settings(), now=lambda: NOW)
    app = GridDeskApp(store=store, actor=None, lang=lang, poll_interval=0.2)
    # the ladder never runs here: the wall clock's minute turning between sign-in and
    # `quiet_notices` ran it in some runs only (formal notices in the overdue view and the audit)
    app.alerts.ladder_soon = lambda: None  # type: ignore[method-assign]
    album = Album(lang, updating(request))
    try:
        async with app.run_test(size=SIZE) as pilot:
            await ready(pilot, lambda: type(app.screen).__name__ == "LoginScreen")
            album.take("login", app)
            app.screen.dismiss(town.actors["sup01"])  # as the login screen answers a right password
            await until(pilot, lambda: type(app.screen).__name__ == "QueueScreen")
            await quiet_notices(pilot, app)
            queue = app.screen
            await ready(pilot, lambda: queue.table.row_count == 3)  # type: ignore[attr-defined]
            album.take("queue", app)

            await visit(pilot, album, "ticket", lambda: app.open_screen("ticket", made.dispatched), "TicketScreen")
            app.open_screen("ticket", made.pending)
            await ready(pilot, lambda: getattr(app.screen, "number", "") == made.pending and app.screen.loads > 0)
            await visit(pilot, album, "dispatch", lambda: pilot.press("d"), "DispatchDialog")
            await pilot.press("escape")
            await visit(pilot, album, "intake", lambda: pilot.press("f3"), "IntakeScreen")
            await visit(pilot, album, "overdue", lambda: pilot.press("f4"), "OverdueScreen")

            from griddesk.console.screens.supervise import open_supervise
            await visit(pilot, album, "supervise", lambda: open_supervise(app, made.dispatched), "SuperviseDialog")
            await pilot.press("escape")
            await visit(pilot, album, "notices", lambda: pilot.press("exclamation_mark"), "NoticesScreen")
            await pilot.press("escape")
            app.open_screen("queue")
            await ready(pilot, lambda: type(app.screen).__name__ == "QueueScreen")
            await visit(pilot, album, "help", lambda: pilot.press("question_mark"), "HelpScreen")
            await pilot.press("escape")
            await visit(pilot, album, "palette", lambda: open_palette(pilot), "Palette", palette_listed)
            await pilot.press("escape")
            await visit(pilot, album, "roster", lambda: pilot.press("f5"), "RosterScreen")
            await visit(pilot, album, "findings", lambda: pilot.press("f6"), "FindingsScreen")
            await visit(pilot, album, "people", lambda: pilot.press("f8"), "PeopleScreen")
            await visit(pilot, album, "matters", lambda: pilot.press("f7"), "MattersScreen")
            await visit(pilot, album, "cards", lambda: app.open_screen("card", town.grids["comp1"]), "CardsScreen")
            await visit(pilot, album, "changes", lambda: app.open_screen("changes"), "ChangesScreen")
            await visit(pilot, album, "grid_change", lambda: pilot.press("enter"), "ChangeDialog")
            await pilot.press("escape")
            await visit(pilot, album, "warnings", lambda: app.open_screen("warnings"), "WarningsScreen")
            await visit(pilot, album, "hotspots", lambda: app.open_screen("hotspots"), "HotspotsScreen")
            await visit(pilot, album, "scorecard", lambda: app.open_screen("scorecard"), "ScorecardScreen")
            await visit(pilot, album, "shift", lambda: app.open_screen("shift"), "ShiftReportScreen")
            await visit(pilot, album, "escalations", lambda: app.open_screen("escalations"), "EscalationsScreen")
            await visit(pilot, album, "audit", lambda: app.open_screen("audit"), "AuditScreen")
            await visit(pilot, album, "search", lambda: app.open_screen("search", "地角"), "SearchScreen",
                        lambda s: getattr(s, "searched", None) == "地角")

            from griddesk.console.wall import WallScreen
            await visit(pilot, album, "wall", lambda: app.push_screen(WallScreen(cycle=3600)), "WallScreen")
    finally:
        await store.close()
    assert album.taken == VISITS
    assert not album.problems, "\n\n".join(album.problems)
