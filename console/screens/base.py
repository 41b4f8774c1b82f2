"""What every console screen shares (`GridScreen`) and how the registry describes one (`ScreenEntry`).

The registry itself is `console.screens` (the package): it imports the screen modules, and they
import this module, never the package, so the two never import each other.

Screens receive the app's broadcast messages (`console.messages`): write
`on_tickets_changed`, `on_minute_tick`, `on_counts_changed` as needed; `relabel()` is called
after a language switch. (Textual runs the handler of every class in the MRO, so a subclass's
`on_mount` / `on_theme_changed` runs before `GridScreen`'s without calling `super()`.) What a
screen needs of the app it reaches as `self.gd` (the `console.shell.Shell` protocol). Database
calls go in workers (`self.reload()`, `self.run_worker(coro, …)`), never in a handler that the
UI waits on.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen

from griddesk.console.coalesce import Coalesced
from griddesk.console.messages import FirstShown, LanguageChanged, ThemeChanged
from griddesk.console.widgets import localize_bindings
from griddesk.console.widgets.footer import KeyFooter
from griddesk.console.widgets.header import GridHeader
from griddesk.store.errors import StoreError
from griddesk.store.faults import short
from griddesk.store.i18n import t

if TYPE_CHECKING:
    from griddesk.console.shell import Shell

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ScreenEntry:
    """How a screen is reached: `:name [arg]`, the palette, and optionally a global key."""

    name: str  # command-line name, e.g. "queue" for `:queue`
    title_key: str  # translation key of its title (palette, header, help)
    factory: Callable[[str], Screen[Any]]  # the argument ("" when none) → a new screen
    key: str | None = None  # global key binding that opens it, e.g. "f2"
    arg: str | None = None  # translation key naming a required argument, e.g. a ticket number
    aliases: tuple[str, ...] = ()
    help_key: str | None = None  # one line for the palette's help column
    allowed: Callable[[Any], bool] | None = None  # the account (an Actor) may open it; None: everyone

    def offered_to(self, actor: Any) -> bool:
        return self.allowed is None or actor is None or bool(self.allowed(actor))


class GridScreen(Screen[None]):
    """A console screen: the header on top, the footer below, and the shared behaviour."""

    ENTRY = ""  # its registry name, so the app can find an open instance
    TITLE_KEY = "console.app_title"
    BINDINGS = [Binding("escape", "back", "console.key.back")]

    @property
    def gd(self) -> Shell:
        return self.app  # type: ignore[return-value]  # GridDeskApp implements Shell; Textual types .app as App[object]

    def compose(self) -> ComposeResult:
        yield GridHeader(self.where(), id="gd-header")
        yield from self.compose_body()
        yield KeyFooter()

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
    _first_shown = False  # FirstShown was sent (once, after the first read was painted)
    READ_FAILED_KEY = "console.queue.read_failed"  # the text when the database went away

    # Worker groups whose work the next key depends on (Enter in a picker moves on only once the
    # pick is made): keys typed meanwhile wait for them, as for a read.
    TYPEAHEAD_GROUPS: frozenset[str] = frozenset()

    @property
    def typeahead_busy(self) -> bool:
        """Keys typed meanwhile wait until the read has been shown (or a TYPEAHEAD_GROUPS worker
        has finished), so they act on what the operator is about to see (console/typeahead.py)."""
        if "_reads" in self.__dict__ and self._reads.running:
            return True
        return bool(self.TYPEAHEAD_GROUPS) and any(
            w.node is self and w.group in self.TYPEAHEAD_GROUPS and not w.is_finished for w in self.app.workers)

    @cached_property
    def _reads(self) -> Coalesced:
        return Coalesced(self._read_once)

    def reload(self) -> None:
        """Read again in a worker; asks made while a read runs are folded into one more read."""
        if self._reads.ask():
            self.run_worker(self._reload_loop(), group=f"{self.ENTRY or 'screen'}-load", exit_on_error=False)

    async def fetch(self) -> bool | None:
        """Read what the screen shows from the store and keep it (subclasses). Return False
        when what to read changed meanwhile (the operator switched a filter): read again."""

    def refused(self, error: StoreError) -> None:
        """The store refused the read (e.g. out of jurisdiction); subclasses may react."""

    def show(self) -> None:
        """Render what `fetch` kept, or `self.error` (subclasses)."""

    async def _read_once(self) -> bool | None:
        if await self.fetch() is False:
            return False
        self.error = None
        self.loads += 1
        self.show()
        return None

    async def _reload_loop(self) -> None:
        try:
            await self._reads.run()
        except StoreError as e:
            self.error = e.message()
            self.refused(e)
            self.show()
        except Exception as e:  # the database went away: the next change or minute retries
            log.exception("%s read failed", self.ENTRY)
            reason = short(e)  # the driver's line, not SQLAlchemy's [SQL: …] and link
            self.error = t(self.READ_FAILED_KEY, reason=reason)
            self.show()
        if not self._first_shown:
            self._first_shown = True
            self.call_after_refresh(self.post_message, FirstShown())  # after the paint it asked for
