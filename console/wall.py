"""The wall display (大屏): overdue, due-soon, open and escalation counts in large digits, and the
overdue groups in turn — for a screen on the command centre's wall. Nothing can be changed here.

- `griddesk wall [--cycle SECONDS]` runs `WallApp`: an App with this one screen and no other
  keys than quitting and stepping through the groups (`q`, ctrl+c; `←`/`→`, space to pause).
- A read-only account (`griddesk --as wall`, role viewer) opening the ordinary console gets the
  same `WallScreen` as its only screen (the console disables its other keys for that role).
The store refuses writes from the viewer role anyway; the wall never calls a writing function,
and it is not told notices (it has nobody to acknowledge them).

It re-reads on the change feed (through the host app's `TicketsChanged`) and every
`REFRESH` seconds (clocks cross into overdue without anyone writing); it steps to the next group
every `cycle` seconds: the groups by unit, then by stage, then by grid.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual import events
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Label, Static

from griddesk.console.coalesce import Coalesced
from griddesk.console.live import ChangeFeed, FeedNews, Poller
from griddesk.console.messages import MinuteTick, TicketsChanged
from griddesk.console.screens.overdue import group_line, late_text, multiple_text, stage_name
from griddesk.console.theming import install_themes
from griddesk.console.widgets import localize_bindings
from griddesk.console.widgets.big_digits import BigDigits
from griddesk.console.widgets.header import escalations_label_key
from griddesk.console.widgets.plain import guard_strips
from griddesk.console.widgets.queue_table import Palette
from griddesk.store import i18n, overdue, places, timefmt
from griddesk.store.actor import Actor
from griddesk.store.context import Store
from griddesk.store.counts import header_counts
from griddesk.store.i18n import t
from griddesk.store.numbers import short_number
from griddesk.store.queue import Counts

log = logging.getLogger(__name__)

STYLES = Path(__file__).parent / "styles"
REFRESH = 30.0  # seconds between re-reads when nothing is written
CYCLE_BY = ("unit", "stage", "grid")
BOXES = ("overdue", "due_soon", "open", "escalations")
COUNTS_MIN = 6  # border, label and 3-row digits
BIG_FROM = 32  # from this many rows the counts take 2/5 of the screen in block digits
GROUP_ROWS = 5  # at most this many tickets of each group on a page, so several groups share one


class WallHost(Protocol):
    """What the wall screen reads of its app: `WallApp`, or `GridDeskApp` for a wall account."""

    store: Store
    actor: Actor


class WallScreen(Screen[None]):
    """Counts in large digits and one overdue group at a time; read-only by construction."""

    CSS_PATH = [STYLES / "wall.tcss"]  # parsed when first shown, not before the queue's first paint
    BINDINGS = [
        Binding("q", "app.quit", "console_supervise.key.quit"),
        Binding("ctrl+c", "app.quit", "console_supervise.key.quit", show=False, priority=True),
        Binding("right", "step(1)", "console_supervise.key.next_group", show=False),
        Binding("left", "step(-1)", "console_supervise.key.prev_group", show=False),
        Binding("space", "pause", "console_supervise.key.pause", show=False),
    ]

    def __init__(self, cycle: float = 10.0, **kw: Any) -> None:
        super().__init__(**kw)
        self.cycle = max(float(cycle), 1.0)
        self.counts: Counts | None = None
        self.rows: list[overdue.OverdueRow] = []
        self.pages: list[tuple[str, overdue.OverdueGroup]] = []  # (grouping, group) in turn
        self.page = 0  # the first group shown
        self.shown = 1  # how many groups the last render fitted on the page
        self.page_labels: list[str] = []  # their labels (tests)
        self.paused = False
        self.loads = 0
        self.error: str | None = None
        self.centre = ""
        self._reads = Coalesced(self._read_once)

    @property
    def host(self) -> WallHost:
        return self.app  # type: ignore[return-value]  # either app has store and actor; Textual types .app as App[object]

    @property
    def store(self) -> Store:
        return self.host.store

    @property
    def actor(self) -> Actor:
        return self.host.actor

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.store.settings.timezone)

    def compose(self) -> ComposeResult:
        with Horizontal(id="wall-top"):
            yield Static(id="wall-centre")
            yield Static(id="wall-time")
        with Horizontal(id="wall-counts"):
            for key in BOXES:
                with Vertical(classes=f"wall-box wall-{key}", id=f"wall-box-{key}"):
                    yield Label(id=f"wall-label-{key}", classes="wall-label")
                    yield BigDigits("-", id=f"wall-digits-{key}")
        yield Static(id="wall-group-title")
        yield Static(id="wall-group-rows")
        yield Static(id="wall-status")

    def on_mount(self) -> None:
        localize_bindings(self)
        self.label_boxes()
        self.set_interval(self.cycle, self._cycle, name="wall-cycle")
        self.set_interval(REFRESH, self.reload, name="wall-refresh")
        self.run_worker(self._centre(), group="wall-centre", exit_on_error=False)
        self.reload()

    def on_resize(self, event: events.Resize) -> None:
        # the counts take about a third of the screen (3-row digits at 24 rows, large block
        # digits on a big screen); the groups get the rest
        tall = event.size.height >= BIG_FROM
        self.query_one("#wall-counts").styles.height = event.size.height * 2 // 5 if tall else COUNTS_MIN
        self.call_after_refresh(self.render_group)

    def label_boxes(self) -> None:
        for key in BOXES:
            text = t(escalations_label_key(self.actor)) if key == "escalations" else t(f"console_supervise.wall.{key}")
            self.query_one(f"#wall-label-{key}", Label).update(text)

    async def _centre(self) -> None:
        name = await places.area_name(self.store, self.actor.jurisdiction)
        self.centre = t("console.header.centre", area=name) if name else self.actor.jurisdiction
        self.render_top()

    # --- loading (reads only) --------------------------------------------------------------

    def reload(self) -> None:
        if self._reads.ask():
            self.run_worker(self._load(), group="wall-load", exit_on_error=False)

    async def _load(self) -> None:
        try:
            await self._reads.run()
        except Exception as e:  # the database is away: keep showing the last numbers, say so
            log.warning("wall read failed: %s", e)
            self.error = t("console.header.offline")
            self.render_status()

    async def _read_once(self) -> None:
        self.counts = await header_counts(self.store, self.actor)
        self.rows = await overdue.rows(self.store, self.actor)
        self.error = None
        self.loads += 1
        self._paginate()
        self.render_all()

    def on_tickets_changed(self, message: TicketsChanged) -> None:
        self.reload()

    def on_minute_tick(self, message: MinuteTick) -> None:
        self.render_top()
        self.reload()  # clocks cross into due-soon and overdue as time passes

    def _paginate(self) -> None:
        current = self.pages[self.page] if self.pages and self.page < len(self.pages) else None
        pages: list[tuple[str, overdue.OverdueGroup]] = []
        for by in CYCLE_BY:
            pages += [(by, g) for g in overdue.group(self.rows, by)]
        self.pages = pages
        # stay on the group shown if it is still there
        if current is not None:
            same = [i for i, (by, g) in enumerate(pages) if by == current[0] and g.key == current[1].key]
            self.page = same[0] if same else min(self.page, max(len(pages) - 1, 0))
        else:
            self.page = 0

    # --- cycling ---------------------------------------------------------------------------

    def _cycle(self) -> None:
        if not self.paused:
            self.action_step(1)
        else:
            self.render_top()

    def action_step(self, step: int) -> None:
        if self.pages:  # a page is the groups shown together; back steps by as many
            at = self.page + step * self.shown
            self.page = 0 if at >= len(self.pages) else (at if at >= 0 else max(len(self.pages) - self.shown, 0))
        self.render_all()

    def action_pause(self) -> None:
        self.paused = not self.paused
        self.render_status()

    # --- rendering -------------------------------------------------------------------------

    def render_all(self) -> None:
        if not self.is_mounted:
            return
        self.render_top()
        self.render_counts()
        self.render_group()
        self.render_status()

    def render_top(self) -> None:
        if not self.is_mounted:
            return
        self.query_one("#wall-centre", Static).update(Text(self.centre or self.actor.jurisdiction, style="bold"))
        self.query_one("#wall-time", Static).update(
            Text(timefmt.local(self.store.now(), self.tz, "%Y-%m-%d %H:%M"), style="bold"))

    def render_counts(self) -> None:
        c = self.counts
        values = {"overdue": c.overdue, "due_soon": c.due_soon, "open": c.open,
                  "escalations": c.escalations} if c else {}
        for key in BOXES:
            digits = self.query_one(f"#wall-digits-{key}", BigDigits)
            value = str(values[key]) if key in values else "-"
            if digits.value != value:
                digits.update(value)
            box = self.query_one(f"#wall-box-{key}")
            box.set_class(bool(values.get(key)), "-alert")

    def render_group(self) -> None:
        """As many groups as the screen holds from the current one (each its title line and up
        to GROUP_ROWS tickets), so a cycle through 64 groups takes a few pages, not 64."""
        if not self.is_mounted:
            return
        title = self.query_one("#wall-group-title", Static)
        body = self.query_one("#wall-group-rows", Static)
        p = Palette(self.app.current_theme)
        if not self.pages:
            title.update(Text(t("console_supervise.wall.nothing_late"), style="bold"))
            body.update("")
            self.shown = 1
            return
        room = max(body.size.height, 4)
        parts: list[Text | Table] = []  # per group: its heading line, then its own table of tickets
        used = shown = 0
        self.page_labels = []
        while self.page + shown < len(self.pages):
            by, g = self.pages[self.page + shown]
            rows = g.rows[:GROUP_ROWS]
            need = 1 + len(rows)
            if shown and used + need > room:
                break
            self.page_labels.append(g.label)
            head = Text(no_wrap=True, overflow="ellipsis")
            head.append(g.label, style=f"bold {self.app.current_theme.accent or ''}".strip())
            head.append("  ")
            head.append(group_line(g), style=f"bold {p('overdue')}" if g.overdue else p("due-soon"))
            parts.append(head)
            grid = Table.grid(padding=(0, 2), expand=True)
            for _ in range(4):
                grid.add_column(no_wrap=True)
            grid.add_column(ratio=1, no_wrap=True, overflow="ellipsis")
            parts.append(grid)
            for r in rows[: max(room - used - 1, 0)]:
                style = f"bold {p('overdue')}" if r.overdue else p("due-soon")
                other = r.grid if by == "unit" else (r.unit or t("overdue.unassigned"))
                grid.add_row(short_number(r.number, self.actor.jurisdiction), stage_name(r.clock),
                             Text(late_text(self.store, r), style), Text(multiple_text(r), style),
                             f"{r.title}  ·  {other}")
            used += need
            shown += 1
        self.shown = max(shown, 1)
        by = self.pages[self.page][0]
        last = self.page + self.shown
        span = f"{self.page + 1}" if self.shown == 1 else f"{self.page + 1}–{last}"
        title.update(Text(t("console_supervise.wall.page", by=t(f"console_supervise.by.{by}"), n=span,
                            total=len(self.pages)), style="dim", no_wrap=True, overflow="ellipsis"))
        body.update(Group(*parts))

    def render_status(self) -> None:
        if not self.is_mounted:
            return
        status = self.query_one("#wall-status", Static)
        if self.error:
            status.update(Text(self.error, style="bold red"))
            return
        key = "console_supervise.wall.paused" if self.paused else "console_supervise.wall.cycling"
        status.update(Text(t(key, seconds=f"{self.cycle:g}"), style="dim"))


class WallApp(App[None]):
    """`griddesk wall`: the wall screen and nothing else (no command line, palette or keys)."""

    TITLE = "GridDesk"
    CSS_PATH = [STYLES / "app.tcss", STYLES / "wall.tcss"]
    ENABLE_COMMAND_PALETTE = False
    BINDINGS = [Binding("ctrl+q", "quit", "console_supervise.key.quit", show=False, priority=True)]

    def __init__(self, store: Store, actor: Actor, lang: str = "zh", cycle: float = 10.0,
                 poll_interval: float = 1.0) -> None:
        i18n.set_lang(lang)
        guard_strips()  # no control character from the database reaches the terminal
        super().__init__()
        self.store = store
        self.actor = actor
        self.cycle = cycle
        self.feed = ChangeFeed(store, actor)
        self.poller = Poller(self, self.feed, poll_interval, self._on_news)
        install_themes(self)  # the console's theme files, the same look
        self._minute_timer: Timer | None = None

    def get_default_screen(self) -> Screen[None]:
        return WallScreen(cycle=self.cycle)

    def on_mount(self) -> None:
        self.run_worker(self._start(), group="wall-start", exit_on_error=False)
        self._schedule_minute()

    async def _start(self) -> None:
        try:
            await self.feed.start()
        except Exception as e:
            log.warning("wall feed start failed: %s", e)
        self.poller.start()

    def _on_news(self, news: FeedNews) -> None:
        if news.tickets or news.everything:
            for screen in self.screen_stack:
                screen.post_message(TicketsChanged(news.tickets, news.everything, news.last_change))

    def _schedule_minute(self) -> None:
        delay = 60.0 - (time.time() % 60.0) + 0.05
        self._minute_timer = self.set_timer(delay, self._minute, name="wall-minute")

    def _minute(self) -> None:
        now = self.store.now()
        for screen in self.screen_stack:
            screen.post_message(MinuteTick(now))
        self._schedule_minute()

    async def on_unmount(self) -> None:
        self.poller.stop()


__all__ = ["WallApp", "WallScreen"]
