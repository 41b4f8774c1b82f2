"""`Shell`: what screens, dialogs and flows use of the console's app, as a Protocol.

Screens and widgets never import `console.app` (an import-linter contract): `GridDeskApp`
imports every screen, so a screen importing it back would close a circle. A screen reaches the
app as `self.gd` (typed `Shell`); news from the app (the feed, the minute, a language switch)
comes by the messages in `console.messages`. `GridDeskApp` implements this protocol.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from zoneinfo import ZoneInfo

    from textual.notifications import SeverityLevel

    from griddesk.store.actor import Actor
    from griddesk.store.context import Store


class Shell(Protocol):
    store: Store
    actor: Actor
    tz: ZoneInfo
    hotline_mode: bool  # after dispatching a new ticket, a fresh intake form (config hotline_mode)

    def refresh_now(self) -> None:
        """Read the change feed at once (after this console wrote)."""

    def open_screen(self, name: str, arg: str = "") -> None:
        """Go to a registered screen (`:name arg`), stepping back to it when already open."""

    def open_ticket(self, number: str) -> None: ...

    def go_back(self) -> None: ...

    def open_command_line(self, prefill: str = "") -> None: ...

    def set_hotline_mode(self, on: bool) -> None: ...

    def matching_numbers(self, token: str, limit: int = 8) -> list[str]: ...

    def check_command(self, text: str) -> str | None: ...

    # the parts of Textual's App the flows use through the same object
    def notify(self, message: str, *, title: str = "", severity: SeverityLevel = "information",
               timeout: float | None = None, markup: bool = True) -> None: ...

    def push_screen(self, screen: Any, callback: Any = None, wait_for_dismiss: bool = False) -> Any: ...

    def run_worker(self, work: Any, *args: Any, **kwargs: Any) -> Any: ...
