"""`GridDeskApp`: the console's shell — screens, the live feed, the clock, language and themes.

The app is the one place that talks to time and to the change feed:
- `console.live.Poller` reads the store's change feed when the store wakes it (PostgreSQL:
  LISTEN/NOTIFY; SQLite: when a look at `data_version` every `poll_interval` seconds finds a
  commit) and the app broadcasts `TicketsChanged` to every screen on the stack; when the
  database is lost and back the header and the notice line say so;
- once a minute (on the minute) it broadcasts `MinuteTick`, so screens re-word "3小时后超期"
  without a database read, and re-reads the header counts only if a clock turned due soon or
  overdue since the last read (`store.counts.crossed`, one index seek; a write re-reads them
  through the change feed). An idle console asks the database nothing else each minute but
  the ladder's lease (console/alerts.py).
Screens are reached through the registry in `console.screens` (keys, `:` commands, palette).
No SQL here: everything goes through `store` functions, awaited in workers.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from textual import events
from textual.app import App
from textual.binding import Binding
from textual.command import CommandPalette
from textual.message import Message
from textual.notifications import SeverityLevel
from textual.screen import Screen
from textual.theme import Theme
from textual.timer import Timer
from textual.widgets import Input

from griddesk.console import screens, textual_words
from griddesk.console.alerts import Alerts
from griddesk.console.coalesce import Coalesced
from griddesk.console.commands import ActionCommands, ScreenCommands
from griddesk.console.live import ChangeFeed, FeedNews, Poller
from griddesk.console.messages import (
    CountsChanged,
    FirstShown,
    LanguageChanged,
    MinuteTick,
    RecordsChanged,
    ThemeChanged,
    TicketsChanged,
)
from griddesk.console.notice_log import NoticeLog
from griddesk.console.screens.command import APP_COMMANDS, CommandLine
from griddesk.console.theming import install_themes
from griddesk.console.typeahead import Typeahead
from griddesk.console.widgets import localize_bindings
from griddesk.console.widgets.header import GridHeader, HeaderState, escalations_label_key
from griddesk.console.widgets.plain import guard_strips
from griddesk.store import i18n, permissions, places, timefmt, user_state
from griddesk.store.actor import Actor
from griddesk.store.context import Store
from griddesk.store.enums import Role
from griddesk.store.i18n import t

if TYPE_CHECKING:
    from griddesk.console.screens.queue import QueueScreen
    from griddesk.console.shell import Shell

log = logging.getLogger(__name__)

# who the app holds while its login screen shows: no account, no jurisdiction ("-" covers no code)
NOBODY = Actor("", "", Role.VIEWER, "-")
SIGNED_IN = "desk"  # the screen-stack mode a console enters from its login screen

STYLES = Path(__file__).parent / "styles"
# what the first page does not need waits for it (`_startup`); this long at most, should the
# root screen never say it has shown its first read
FIRST_SHOWN_WAIT_S = 10.0


class GridDeskApp(App[None]):
    TITLE = "GridDesk"
    # what the queue shows; every other screen brings its own sheet (its CSS_PATH, parsed when
    # it is first shown: ticket, help and notices, command line, overdue and supervision, wall)
    CSS_PATH = [STYLES / name for name in ("app.tcss", "header.tcss", "queue.tcss")]
    COMMANDS = {ScreenCommands, ActionCommands}
    BINDINGS = [
        # ids: a `[keymap]` table in config.toml rebinds them (`keymap = {"app.help" = "f1"}`)
        Binding("question_mark", "help", "console.key.help", id="app.help"),
        Binding("colon", "command_line", "console.key.command", id="app.command"),
        Binding("exclamation_mark", "notices", "console.key.notices", id="app.notices"),
        Binding("ctrl+p", "command_palette", "console.key.palette", priority=True, show=False, id="app.palette"),
        Binding("ctrl+l", "toggle_language", "console.key.language", id="app.language"),
        Binding("ctrl+t", "next_theme", "console.key.theme", show=False, id="app.theme"),
        Binding("ctrl+g", "toggle_bell", "console_supervise.key.bell", show=False, id="app.bell"),
        Binding("ctrl+q", "quit", "console.key.quit", priority=True, show=False, id="app.quit"),
    ]

    def __init__(self, store: Store, actor: Actor | None, lang: str = "zh", poll_interval: float = 0.5,
                 login_hint: str | None = None) -> None:
        """`actor` None: the console starts on its login screen (`login_hint` prefills it)."""
        i18n.set_lang(lang)
        guard_strips()  # no control character from the database reaches the terminal
        # a wall account's wall is the default screen, whose own CSS_PATH Textual does not read
        # (it reads a screen's sheet when the screen is pushed or starts a mode)
        wall = actor is not None and actor.read_only
        super().__init__(css_path=[*self.CSS_PATH, STYLES / "wall.tcss"] if wall else None)
        self.store = store
        self.signed_in = actor is not None
        self.login_hint = login_hint
        self.poll_interval = poll_interval
        self.tz = ZoneInfo(store.settings.timezone)
        self.hotline_mode = store.settings.hotline_mode
        self._for_actor(actor or NOBODY)
        self._counts = Coalesced(self._read_counts)
        self._first_shown = asyncio.Event()  # the root screen painted its first read
        self._minute_timer: Timer | None = None
        self.typeahead = Typeahead(self, super().on_event)
        self.notice_log = NoticeLog()
        install_themes(self, user_state.get(actor.login, "theme") if actor is not None else None)
        if store.settings.keymap:  # `[keymap]` in config.toml: binding id → keys
            self.set_keymap(dict(store.settings.keymap))
        self._localize()

    def _for_actor(self, actor: Actor) -> None:
        self.actor = actor
        self.header_state = HeaderState(operator=actor.name, role=t(f"role.{actor.role}") if actor.login else "",
                                        centre=actor.jurisdiction)
        self.feed = ChangeFeed(self.store, actor)
        self.poller = Poller(self, self.feed, self.poll_interval, self._on_news, self._on_feed_error,
                             self._on_feed_back)
        self.alerts = Alerts(self)  # notices (bell + toast) and the automatic supervision ladder
        self.counts_at: datetime | None = None  # store time at the start of the last counts read
        self.header_state.extra["escalations_key"] = escalations_label_key(actor)

    def sign_in(self, actor: Actor | None) -> None:
        """The login screen's answer: the console of `actor` replaces the blank screen under it."""
        if actor is None:
            return
        self._for_actor(actor)
        self.signed_in = True
        self._tick_clock()
        # the console's own screen stack (a mode) whose root is the queue, as when started signed
        # in; the login's stack (a blank screen) stays behind, never shown again
        self.add_mode(SIGNED_IN, self.get_default_screen)
        self.call_later(self.switch_mode, SIGNED_IN)
        self.run_worker(self._startup(), group="startup", exit_on_error=False)

    # --- start ---------------------------------------------------------------------------

    def get_default_screen(self) -> Screen[Any]:
        if not self.signed_in:  # a blank screen under the login screen (on_mount pushes it)
            return Screen()
        if self.actor.read_only:  # a wall-screen account: the wall display and nothing else
            from griddesk.console.wall import WallScreen

            return WallScreen()
        # the queue is the root of the stack: esc from anywhere leads back to it
        queue = screens.find("queue")
        assert queue is not None, "the registry has a queue screen"
        return queue.factory("")

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if not self.signed_in:  # the login screen: nothing to reach before it
            return action in ("quit", "help_quit", "toggle_language")
        # a read-only account has the wall: no command line, palette or screens to go to
        return not (self.actor.read_only and action not in ("quit", "help_quit"))

    async def on_event(self, event: events.Event) -> None:
        # keys and pastes typed ahead of a screen wait for it (console/typeahead.py)
        if isinstance(event, (events.Key, events.Paste)):
            if event.is_forwarded:  # it bubbled back: the bindings run now, then it has landed
                await super().on_event(event)
                self.typeahead.returned(event)
                return
            if await self.typeahead.offer(event):
                return
            target = self.typeahead.aim()
            await super().on_event(event)
            self.typeahead.sent(event, target)
            return
        await super().on_event(event)

    def on_mount(self) -> None:
        self.theme_changed_signal.subscribe(self, self._on_theme)
        self._tick_clock()
        if self.signed_in:
            self.run_worker(self._startup(), group="startup", exit_on_error=False)
        else:
            from griddesk.console.screens.login import LoginScreen

            self.push_screen(LoginScreen(self.login_hint), self.sign_in)
        self._schedule_minute()

    def on_first_shown(self, message: FirstShown) -> None:
        self._first_shown.set()

    async def _startup(self) -> None:
        """The change feed's position first (a write after it reaches the queue however soon it
        comes); then, once the queue has painted its first page, what that page does not need:
        the centre's name, the header counts, the notices and the ladder (their store modules,
        the workflow and escalation among them, are imported only then)."""
        if self.store.read_only:  # e.g. a copy on a read-only disk: reads work, writes are refused
            self.notify(t("fault.opened_read_only", where=self.store.db.where), severity="warning",
                        timeout=30, markup=False)
        try:
            await self.feed.start()
        except Exception as e:
            log.exception("start-up read failed")
            self._on_feed_error(e)
        self.poller.start()
        if not self.actor.read_only:  # the wall screen is no GridScreen: it never says so
            try:
                await asyncio.wait_for(self._first_shown.wait(), FIRST_SHOWN_WAIT_S)
            except TimeoutError:
                log.warning("the first screen did not show its first read in %s s", FIRST_SHOWN_WAIT_S)
        try:
            await self._centre_name()
        except Exception as e:
            log.exception("start-up read failed")
            self._on_feed_error(e)
        self.alerts.start()
        await self.refresh_counts()

    # --- broadcasting ----------------------------------------------------------------------

    def broadcast(self, make: Callable[[], Message]) -> None:
        """Post a fresh message to every screen on the stack (each screen handles its own)."""
        for screen in list(self.screen_stack):
            screen.post_message(make())

    def sync_headers(self) -> None:
        for screen in self.screen_stack:
            for header in screen.query(GridHeader):
                header.sync()

    def _on_news(self, news: FeedNews) -> None:
        if self.header_state.offline:
            self.header_state.offline = False
            self.sync_headers()
        if news.tickets or news.everything:
            self.broadcast(lambda: TicketsChanged(news.tickets, news.everything, news.last_change))
            self.run_worker(self.refresh_counts(), group="counts", exit_on_error=False)
            self.alerts.check_soon()  # an emergency from another process rings within the poll
            self.alerts.feed_moved()  # the ladder plans again on its next minute
        others = {k: v for k, v in news.entities.items() if k != "ticket"}
        if others:
            self.broadcast(lambda: RecordsChanged(others))

    def refresh_now(self) -> None:
        """Read the change feed at once: call it after this console wrote something (a
        dispatch, an intake) so every screen shows the write without waiting for the tick."""
        self.run_worker(self.poller.poll_now(), group="live-now", exit_on_error=False)

    def _on_feed_error(self, error: Exception) -> None:
        if not self.header_state.offline:  # said once; forms stay open, the poller retries
            self.header_state.offline = True
            self.sync_headers()
            self.notify(t("console.live.lost"), severity="error", timeout=30)

    def _on_feed_back(self) -> None:
        if self.header_state.offline:
            self.header_state.offline = False
            self.sync_headers()
            self.notify(t("console.live.back"), timeout=10)

    async def refresh_counts(self) -> None:
        """Re-read the header counts; reads never overlap (one more after, if asked meanwhile)."""
        try:
            await self._counts()
        except Exception as e:
            log.warning("header counts failed: %s", e)

    async def _read_counts(self) -> None:
        from griddesk.store.counts import header_counts  # escalation and the workflow: after the first paint

        started = self.store.now()
        counts = await header_counts(self.store, self.actor)
        self.counts_at = started
        if counts != self.header_state.counts:
            self.header_state.counts = counts
            self.sync_headers()
            self.broadcast(lambda: CountsChanged(counts))

    # --- the minute ------------------------------------------------------------------------

    def _schedule_minute(self) -> None:
        delay = 60.0 - (time.time() % 60.0) + 0.05  # just after the minute turns
        self._minute_timer = self.set_timer(delay, self._minute, name="griddesk-minute")

    def _minute(self) -> None:
        self._tick_clock()
        now = self.store.now()
        self.broadcast(lambda: MinuteTick(now))
        if self.signed_in:
            self.run_worker(self._minute_counts(now), group="counts", exit_on_error=False)
            self.alerts.ladder_soon()
        self._schedule_minute()

    async def _minute_counts(self, now: datetime) -> None:
        """The minute's counts: re-read only if a clock crossed since the last read."""
        from griddesk.store.counts import crossed

        since = self.counts_at
        try:
            stale = since is None or await crossed(self.store, self.actor, since, now)
        except Exception as e:
            log.warning("header counts check failed: %s", e)
            return
        if stale:
            await self.refresh_counts()

    def _tick_clock(self) -> None:
        text = timefmt.local(self.store.now(), self.tz, "%m-%d %H:%M")
        if text != self.header_state.time:
            self.header_state.time = text
            self.sync_headers()

    # --- navigation ------------------------------------------------------------------------

    def open_screen(self, name: str, arg: str = "") -> None:
        entry = screens.find(name)
        if entry is None:
            self.notify(t("console.cmd.unknown", command=name), severity="error")
            return
        if entry.name == "help":
            self.action_help()
            return
        if not entry.offered_to(self.actor):
            self.notify(t("console.cmd.unknown", command=name), severity="error")
            return
        if entry.name == "ticket":
            arg = self.resolve_number(arg)
        # k9s: going to a screen already on the stack steps back to it
        for i, screen in enumerate(self.screen_stack):
            if getattr(screen, "ENTRY", None) == entry.name and (
                    not entry.arg or getattr(screen, "number", None) == arg):
                while len(self.screen_stack) > i + 1:
                    self.pop_screen()
                if arg and hasattr(screen, "set_arg"):
                    screen.set_arg(arg)
                return
        if entry.arg and not arg:
            self.open_command_line(f"{entry.name} ")
            return
        self.push_screen(entry.factory(arg))

    def open_ticket(self, number: str) -> None:
        self.open_screen("ticket", number)

    def go_back(self) -> None:
        if len(self.screen_stack) > 1:
            self.pop_screen()

    def queue_screen(self) -> QueueScreen | None:
        from griddesk.console.screens.queue import QueueScreen  # loaded on demand, as in the registry

        return next((s for s in self.screen_stack if isinstance(s, QueueScreen)), None)

    def matching_numbers(self, token: str, limit: int = 8) -> list[str]:
        """Numbers on the queue page that end with (or contain) what the operator typed."""
        q = self.queue_screen()
        if q is None or not token:
            return []
        held = q.table.order
        ends = [n for n in held if n.endswith(token)]
        inside = [n for n in held if token in n and n not in ends]
        return (ends + inside)[:limit]

    def resolve_number(self, token: str) -> str:
        """A whole number, or the unique queue row ending with `token`, or the town's own
        prefix added to a "20260301-0007" style short number."""
        token = token.strip()
        matches = [n for n in self.matching_numbers(token, limit=50) if n.endswith(token)]
        if token in matches:
            return token
        if len(matches) == 1:
            return matches[0]
        if permissions.is_town(self.actor.jurisdiction) and token.count("-") == 1:
            return f"{self.actor.jurisdiction}-{token}"
        return token

    # --- commands --------------------------------------------------------------------------

    def check_command(self, text: str) -> str | None:
        """Why `text` is not a command (translated), or None when it is one."""
        words = text.split()
        if not words:
            return None
        cmd, rest = words[0].lower(), words[1:]
        if cmd == "bell":
            return None if rest and rest[0].lower() in ("on", "off") else t("console_supervise.bell.usage")
        if cmd == "hotline":
            return None if rest and rest[0].lower() in ("on", "off") else t("desk.hotline.usage")
        if cmd in APP_COMMANDS or cmd == "q!":
            if cmd == "lang" and (not rest or rest[0].lower() not in i18n.LANGS):
                return t("console.cmd.bad_lang", choices=" | ".join(i18n.LANGS))
            if cmd == "theme" and (not rest or rest[0] not in self.available_themes):
                return t("console.cmd.bad_theme", choices=" | ".join(sorted(self.available_themes)))
            return None
        entry = screens.find(cmd)
        if entry is None:
            return t("console.cmd.unknown", command=cmd)
        if entry.arg and not rest:
            return t("console.cmd.needs_arg", command=cmd, arg=t(entry.arg))
        return None

    def run_command(self, text: str) -> None:
        words = text.split()
        if not words or self.check_command(text):
            return
        cmd, rest = words[0].lower(), words[1:]
        if cmd in ("q", "quit", "q!"):
            self.exit()
        elif cmd == "lang":
            self.set_language(rest[0])
        elif cmd == "theme":
            self.theme = rest[0]
        elif cmd == "hotline":
            self.set_hotline_mode(rest[0].lower() == "on")
        elif cmd == "bell":
            self.run_worker(self.alerts.set_bell(rest[0].lower() == "on"), group="bell", exit_on_error=False)
        else:
            self.open_screen(cmd, " ".join(rest))

    def set_hotline_mode(self, on: bool) -> None:
        self.hotline_mode = on
        self.notify(t("desk.hotline.on" if on else "desk.hotline.off"), timeout=5)

    def open_command_line(self, prefill: str = "") -> None:
        def done(text: str | None) -> None:
            if text:
                self.run_command(text)

        line = CommandLine([e for e in screens.entries() if e.offered_to(self.actor)])
        self.push_screen(line, done)
        if prefill:
            def fill() -> None:
                box = line.query_one("#cmd-input", Input)
                box.value = prefill
                box.cursor_position = len(prefill)
            self.call_after_refresh(fill)

    # --- language and theme ----------------------------------------------------------------

    def _localize(self) -> None:
        keys = [Binding(e.key, f"open_screen('{e.name}')", e.title_key) for e in screens.entries() if e.key]
        localize_bindings(self, extra=keys)

    def set_language(self, lang: str) -> None:
        lang = i18n.normalize(lang)
        i18n.set_lang(lang)
        self._localize()
        if self.signed_in:
            self.header_state.role = t(f"role.{self.actor.role}")
            self.run_worker(self._centre_name(), group="centre", exit_on_error=False)
        self.sync_headers()
        self.broadcast(lambda: LanguageChanged(lang))
        self.refresh_bindings()

    async def _centre_name(self) -> None:
        """The header's centre: the jurisdiction's area name (its code until that is read)."""
        name = await places.area_name(self.store, self.actor.jurisdiction)
        if name:
            self.header_state.centre = t("console.header.centre", area=name)
            self.sync_headers()

    def _on_theme(self, theme: Theme) -> None:
        try:  # the operator finds the theme again next time
            user_state.put(self.actor.login, "theme", theme.name)
        except OSError as e:
            log.warning("could not remember the theme: %s", e)
        self.sync_headers()
        self.broadcast(lambda: ThemeChanged(theme.name))

    # --- actions ---------------------------------------------------------------------------

    def action_help(self) -> None:
        from griddesk.console.screens.help import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen([e for e in screens.entries() if e.offered_to(self.actor)], under=self.screen))

    def action_command_line(self) -> None:
        self.open_command_line()

    # --- notices ---------------------------------------------------------------------------

    def notify(self, message: str, *, title: str = "", severity: SeverityLevel = "information",
               timeout: float | None = None, markup: bool = True) -> None:
        """Notices go to the header's line and the `!` list, never over the work as a toast
        (console/notice_log.py)."""
        notice = self.notice_log.add(datetime.now(UTC), message, title, severity, timeout, markup)
        self._show_notice()
        self.set_timer(notice.timeout, self._show_notice, name="notice-expiry")

    def _show_notice(self) -> None:
        fresh = self.notice_log.fresh(datetime.now(UTC))
        state = self.header_state
        state.notice = fresh.shown(self.actor.jurisdiction) if fresh else ""
        state.notice_severity = fresh.severity if fresh else ""
        state.unread = self.notice_log.unread
        self.sync_headers()

    def action_notices(self) -> None:
        from griddesk.console.screens.notices import NoticesScreen

        if isinstance(self.screen, NoticesScreen):
            return
        self.push_screen(NoticesScreen(list(self.notice_log.entries), self.actor.jurisdiction, self.tz))
        self.notice_log.read_all()
        self._show_notice()

    def action_open_screen(self, name: str, arg: str = "") -> None:
        self.open_screen(name, arg)

    def action_toggle_bell(self) -> None:
        self.alerts.toggle_bell()

    def action_toggle_language(self) -> None:
        self.set_language("en" if i18n.current() == "zh" else "zh")

    def action_next_theme(self) -> None:
        names = sorted(n for n in self.available_themes if n.startswith("griddesk"))
        if names:
            i = names.index(self.theme) if self.theme in names else -1
            self.theme = names[(i + 1) % len(names)]

    def action_command_palette(self) -> None:
        # Textual types is_open's argument as App[object], but App is invariant in its return
        # type, so no App[None] fits; it reads only app.screen
        if self.use_command_palette and not CommandPalette.is_open(self):  # type: ignore[arg-type]
            self.push_screen(textual_words.Palette(id="--command-palette"))

    def get_key_display(self, binding: Binding) -> str:
        return textual_words.key_display(binding)

    def action_help_quit(self) -> None:
        """ctrl+c no longer quits: say how, in the console's language (Textual's text is English)."""
        for key, active in self.active_bindings.items():
            if active.binding.action in ("quit", "app.quit"):
                message, title = textual_words.quit_hint(self.get_key_display(active.binding) or key)
                self.notify(message, title=title)
                return

    async def on_unmount(self) -> None:
        self.poller.stop()
        self.alerts.stop()
        # let the app's database work in flight finish (bounded): a worker cancelled inside an
        # SQLAlchemy call leaves a shielded connection close behind that can outlive the store
        mine = [w for w in self.workers if w.node is self and not w.is_finished]
        if mine:
            try:
                # each worker's outcome retrieved (one cancelled mid-start must not leave the others'
                # errors unread at shutdown)
                await asyncio.wait_for(asyncio.gather(*(w.wait() for w in mine), return_exceptions=True),
                                       timeout=2.0)
            except Exception:  # TimeoutError: leave the rest to be cancelled
                pass
        await self.alerts.release()  # the periodic jobs' lease: free for the next console at once


if TYPE_CHECKING:
    def _is_a_shell(app: GridDeskApp) -> Shell:
        return app  # the type checker holds GridDeskApp to the protocol screens rely on
