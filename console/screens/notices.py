"""`!`: the recent notices, newest first; Enter on one about a ticket opens that ticket.

Notices no longer pop up over the work (console/notice_log.py); this list is where they are
read in full. Opening it marks them read (the header's count goes back to nothing).
"""

from __future__ import annotations

from typing import Any

from rich.table import Table
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from griddesk.console.notice_log import Notice
from griddesk.console.widgets import localize_bindings
from griddesk.store.i18n import t
from griddesk.store.numbers import short_number

SEVERITY_MARK = {"error": "!!", "warning": "!", "information": ""}


class NoticesScreen(ModalScreen[None]):
    CSS_PATH = "../styles/help.tcss"  # parsed when first shown, not before the queue's first paint
    ENTRY = "notices"
    TITLE_KEY = "console.screen.notices"
    BINDINGS = [
        Binding("escape", "close", "console.key.close"),
        Binding("exclamation_mark", "close", "console.key.close", show=False),
    ]

    def __init__(self, entries: list[Notice], jurisdiction: str, tz: Any, **kw: Any) -> None:
        super().__init__(**kw)
        self.entries = entries
        self.jurisdiction = jurisdiction
        self.tz = tz

    def compose(self) -> ComposeResult:
        with Vertical(id="notices-box"):
            yield OptionList(id="notices-list")
            yield Static(t("console.notices.hint"), id="notices-hint")

    def on_mount(self) -> None:
        localize_bindings(self)
        box = self.query_one("#notices-box")
        box.border_title = t("console.screen.notices")
        listing = self.query_one("#notices-list", OptionList)
        if not self.entries:
            listing.add_option(Option(t("console.notices.none"), disabled=True))
        for i, n in enumerate(self.entries):
            listing.add_option(Option(self._row(n), id=f"n{i}"))
        if self.entries:
            listing.highlighted = 0  # the newest, ready for Enter
        listing.focus()

    def _row(self, n: Notice) -> Table:
        """One notice: its time and severity mark in a column of their own, then its line once
        (`Notice.line`), wrapped by cells under itself; a ticket number as the queue shows it."""
        text = n.shown(self.jurisdiction)
        row = Table.grid(padding=(0, 1))
        row.add_column(no_wrap=True)
        row.add_column(no_wrap=True, width=2)
        row.add_column(ratio=1, overflow="fold")
        mark = Text(SEVERITY_MARK.get(n.severity, ""), style="bold red" if n.severity == "error" else "bold")
        row.add_row(Text(n.at.astimezone(self.tz).strftime("%H:%M:%S"), style="dim"), mark,
                    Text(text))  # plain text, never markup
        return row

    @on(OptionList.OptionSelected, "#notices-list")
    def _open(self, event: OptionList.OptionSelected) -> None:
        if event.option_id is None:
            return
        notice = self.entries[int(event.option_id[1:])]
        if notice.number is None:
            self.notify_none()
            return
        self.dismiss(None)
        self.app.open_ticket(notice.number)  # type: ignore[attr-defined]  # the Shell's; Textual types .app as App[object]

    def notify_none(self) -> None:
        self.query_one("#notices-hint", Static).update(Text(t("console.notices.no_ticket"), style="bold"))

    def action_close(self) -> None:
        self.dismiss(None)

    def shown_numbers(self) -> list[str | None]:
        return [short_number(n.number, self.jurisdiction) if n.number else None for n in self.entries]
