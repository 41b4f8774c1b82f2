"""The console's screens, and the one registry every way of reaching a screen reads.

Adding a screen (intake form, dispatch dialog, overdue view, roster tree, findings …):

1. Write it in `console/screens/<area>.py` as a subclass of `GridScreen` (header, body, footer;
   the language switch, the live feed and `esc` come with it). Declare key bindings with
   translation keys as descriptions, e.g. `Binding("d", "dispatch", "console.key.dispatch")`.
2. Add one `ScreenEntry` to `SCREENS` below: its command name, a translation key for its
   title, a factory, and optionally a global key and the name of an argument it needs.

That is all. The entry gives it a `:name` command in the command line, a command palette
entry, a global key (if `key` is set), a line in the `?` help, and the title shown in the
header. Keep factories importing lazily (inside the function) so starting the console does not
import every screen.

Screens receive the app's broadcast messages (`console.messages`): write
`on_tickets_changed`, `on_minute_tick`, `on_counts_changed` as needed; `relabel()` is called
after a language switch. (Textual runs the handler of every class in the MRO, so a subclass's
`on_mount` / `on_theme_changed` runs before `GridScreen`'s without calling `super()`.) Database calls go in workers (`self.run_worker(coro, …)`), never in
a handler that the UI waits on.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Footer

from griddesk.console.messages import LanguageChanged, ThemeChanged
from griddesk.console.widgets import localize_bindings
from griddesk.console.widgets.header import GridHeader
from griddesk.store.errors import StoreError
from griddesk.store.i18n import t

log = logging.getLogger(__name__)

if TYPE_CHECKING:
    from griddesk.console.app import GridDeskApp


@dataclass(frozen=True)
class ScreenEntry:
    """How a screen is reached: `:name [arg]`, the palette, and optionally a global key."""

    name: str  # command-line name, e.g. "queue" for `:queue`
    title_key: str  # translation key of its title (palette, header, help)
    factory: Callable[[str], Screen]  # the argument ("" when none) → a new screen
    key: str | None = None  # global key binding that opens it, e.g. "f2"
    arg: str | None = None  # translation key naming a required argument, e.g. a ticket number
    aliases: tuple[str, ...] = ()
    help_key: str | None = None  # one line for the palette's help column


class GridScreen(Screen):
    """A console screen: the header on top, the footer below, and the shared behaviour."""

    ENTRY = ""  # its registry name, so the app can find an open instance
    TITLE_KEY = "console.app_title"
    BINDINGS = [Binding("escape", "back", "console.key.back")]

    @property
    def gd(self) -> GridDeskApp:
        return self.app  # type: ignore[return-value]

    def compose(self) -> ComposeResult:
        yield GridHeader(self.where(), id="gd-header")
        yield from self.compose_body()
        yield Footer()

    def compose_body(self) -> ComposeResult:
        return iter(())

    def where(self) -> str:
        """The header's "where you are" text: the screen's title, plus its filter if any."""
        return t(self.TITLE_KEY)

    def update_where(self) -> None:
        for header in self.query(GridHeader):
            header.set_where(self.where())

    def on_mount(self) -> None:
        localize_bindings(self)
        self.refresh_bindings()

    def relabel(self) -> None:
        """Re-render labels after a language switch (subclasses extend)."""

    def on_language_changed(self, message: LanguageChanged) -> None:
        localize_bindings(self)
        self.relabel()
        for header in self.query(GridHeader):
            header.set_where(self.where())
            header.sync()
        self.refresh_bindings()

    def on_theme_changed(self, message: ThemeChanged) -> None:
        for header in self.query(GridHeader):
            header.sync()

    def action_back(self) -> None:
        self.gd.go_back()

    # --- reading in the background ---------------------------------------------------------
    # A screen that shows store data overrides `fetch` (read and keep) and `show` (render what
    # was kept, or `self.error`), and calls `reload()` whenever it may have changed.

    error: str | None = None
    loads = 0  # completed reads, for tests
    READ_FAILED_KEY = "console.queue.read_failed"  # the text when the database went away
    _loading = False
    _again = False

    def reload(self) -> None:
        """Read again in a worker; asks made while a read runs are folded into one more read."""
        if self._loading:
            self._again = True
            return
        self._loading = True
        self.run_worker(self._reload_loop(), group=f"{self.ENTRY or 'screen'}-load", exit_on_error=False)

    async def fetch(self) -> bool | None:
        """Read what the screen shows from the store and keep it (subclasses). Return False
        when what to read changed meanwhile (the operator switched a filter): read again."""

    def refused(self, error: StoreError) -> None:
        """The store refused the read (e.g. out of jurisdiction); subclasses may react."""

    def show(self) -> None:
        """Render what `fetch` kept, or `self.error` (subclasses)."""

    async def _reload_loop(self) -> None:
        try:
            while True:
                self._again = False
                if await self.fetch() is False:
                    continue
                self.error = None
                self.loads += 1
                self.show()
                if not self._again:
                    break
        except StoreError as e:
            self.error = e.message()
            self.refused(e)
            self.show()
        except Exception as e:  # the database went away: the next change or minute retries
            log.exception("%s read failed", self.ENTRY)
            reason = str(e).splitlines()[0][:120] if str(e) else type(e).__name__
            self.error = t(self.READ_FAILED_KEY, reason=reason)
            self.show()
        finally:
            self._loading = False


def _queue(arg: str) -> Screen:
    from griddesk.console.screens.queue import QueueScreen

    return QueueScreen(text=arg)


def _ticket(arg: str) -> Screen:
    from griddesk.console.screens.ticket import TicketScreen

    return TicketScreen(arg)


def _help(arg: str) -> Screen:
    from griddesk.console.screens.help import HelpScreen

    return HelpScreen()


# The registry. Order is the order of the palette and the help.
SCREENS: list[ScreenEntry] = [
    ScreenEntry("queue", "console.screen.queue", _queue, key="f2",
                help_key="console.screen.queue_help"),
    ScreenEntry("ticket", "console.screen.ticket", _ticket, arg="console.arg.number", aliases=("t",),
                help_key="console.screen.ticket_help"),
    ScreenEntry("help", "console.screen.help", _help, help_key="console.screen.help_help"),
    ScreenEntry("overdue", "console_supervise.screen.overdue", key="f4", aliases=("late",),
                factory=lambda arg: __import__("griddesk.console.screens.overdue", fromlist=["_"]).OverdueScreen(arg or "unit"),
                help_key="console_supervise.screen.overdue_help"),
    ScreenEntry("warnings", "console_supervise.screen.warnings",
                factory=lambda arg: __import__("griddesk.console.screens.warnings", fromlist=["_"]).WarningsScreen(),
                help_key="console_supervise.screen.warnings_help"),
    ScreenEntry("escalations", "console_supervise.screen.escalations", aliases=("county",),
                factory=lambda arg: __import__("griddesk.console.screens.county", fromlist=["_"]).EscalationsScreen(),
                help_key="console_supervise.screen.escalations_help"),
    ScreenEntry("intake", "desk.intake.title", key="f3", aliases=("new", "add"),
                factory=lambda arg: __import__("griddesk.console.screens.intake", fromlist=["_"]).IntakeScreen(),
                help_key="desk.intake.help"),
    ScreenEntry("roster", "console_roster.screen.roster", key="f5", aliases=("tree", "grids"),
                factory=lambda arg: __import__("griddesk.console.screens.roster", fromlist=["_"]).RosterScreen(focus=arg),
                help_key="console_roster.screen.roster_help"),
    ScreenEntry("findings", "console_roster.screen.findings", key="f6", aliases=("gaps", "compliance"),
                factory=lambda arg: __import__("griddesk.console.screens.findings", fromlist=["_"]).FindingsScreen(arg or None),
                help_key="console_roster.screen.findings_help"),
    ScreenEntry("matters", "console_roster.screen.matters", key="f7", aliases=("matter", "catalogue"),
                factory=lambda arg: __import__("griddesk.console.screens.matters", fromlist=["_"]).MattersScreen(focus=arg),
                help_key="console_roster.screen.matters_help"),
    ScreenEntry("people", "console_roster.screen.people", key="f8", aliases=("person", "staff"),
                factory=lambda arg: __import__("griddesk.console.screens.people", fromlist=["_"]).PeopleScreen(),
                help_key="console_roster.screen.people_help"),
    ScreenEntry("search", "console_roster.screen.search", key="f9", aliases=("find",),
                factory=lambda arg: __import__("griddesk.console.screens.search", fromlist=["_"]).SearchScreen(text=arg),
                help_key="console_roster.screen.search_help"),
    ScreenEntry("card", "console_roster.screen.cards", aliases=("cards", "notice"),
                factory=lambda arg: __import__("griddesk.console.screens.cards", fromlist=["_"]).CardsScreen(arg),
                help_key="console_roster.screen.cards_help"),
    ScreenEntry("changes", "console_roster.screen.changes", aliases=("filing",),
                factory=lambda arg: __import__("griddesk.console.screens.changes", fromlist=["_"]).ChangesScreen(arg),
                help_key="console_roster.screen.changes_help"),
]


def register(entry: ScreenEntry) -> None:
    """Add or replace a screen entry (for plug-in areas that cannot edit the list above)."""
    SCREENS[:] = [e for e in SCREENS if e.name != entry.name] + [entry]


def find(name: str) -> ScreenEntry | None:
    name = name.lower()
    return next((e for e in SCREENS if e.name == name or name in e.aliases), None)


def entries() -> Iterable[ScreenEntry]:
    return list(SCREENS)
