"""`HitPicker`: the roster's search (`store.search`) in a small dialog, to choose one person or
grid by typing what one remembers of it (a name, pinyin initials, a code, a phone's last digits).
`hit_line` is how a hit reads, here and in the search screen's list.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.timer import Timer
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from griddesk.console.widgets import localize_bindings, run_latest
from griddesk.console.widgets.dialogs import DIALOG_CSS, hint
from griddesk.console.widgets.form import FORM_CSS
from griddesk.store import search
from griddesk.store.errors import StoreError
from griddesk.store.i18n import code_name, t
from griddesk.store.validation import printable

if TYPE_CHECKING:
    from griddesk.console.shell import Shell

log = logging.getLogger(__name__)

DEBOUNCE = 0.2  # seconds of no typing before a search runs


def hit_detail(h: search.Hit) -> str:
    """What else identifies a hit, in the console's language."""
    if h.kind == "area":
        return code_name("level", h.detail)
    if h.kind == "person":
        return f"{code_name('person_role', h.role) if h.role else ''} {h.phone or ''}".strip()
    if h.kind == "matter":
        return t("console_roster.search.matter_class", cls=h.detail)
    return h.detail


def hit_line(h: search.Hit) -> Text:
    text = Text(f"{t(f'roster.hit.{h.kind}')} ", style="dim")
    text.append(printable(h.name), style="" if h.active else "dim strike")
    text.append(printable(f"  {hit_detail(h)}"), style="dim")
    if h.kind != "person":
        text.append(printable(f"  {h.key}"), style="dim")
    return text



class HitPicker(ModalScreen["search.Hit | None"]):
    """Choose one person or grid by typing: ↑↓ move, Enter takes, Esc cancels."""

    DEFAULT_CSS = DIALOG_CSS
    CSS_PATH = FORM_CSS  # the forms' backdrop (`roster-dialog`) and the picker's list
    BINDINGS = [
        Binding("down", "move(1)", "console_roster.key.next", show=False),
        Binding("up", "move(-1)", "console_roster.key.prev", show=False),
        Binding("escape", "cancel", "console_roster.form.cancel"),
    ]

    def __init__(self, title: str, kind: str, intro: str = "", text: str = "") -> None:
        super().__init__(classes="gd-dialog roster-dialog")
        self.title_text = title
        self.kind = kind
        self.intro = intro
        self.text = text
        self.hits: list[search.Hit] = []
        self.searched: str | None = None
        self._debounce: Timer | None = None

    @property
    def gd(self) -> Shell:
        return self.app  # type: ignore[return-value]  # GridDeskApp implements Shell; Textual types .app as App[object]

    def compose(self) -> ComposeResult:
        with Vertical(classes="gd-dialog-box roster-picker") as box:
            box.border_title = self.title_text
            if self.intro:
                yield Static(self.intro, classes="gd-dialog-intro", markup=False)
            yield Input(value=self.text, placeholder=t(f"console_roster.picker.placeholder_{self.kind}"),
                        id="picker-box")
            yield OptionList(id="picker-list")
            yield Static("", id="picker-status", classes="gd-dialog-hint")
            yield Static(hint(("↑↓", t("console_roster.picker.move")), ("Enter", t("console_roster.picker.take")),
                              ("Esc", t("console_roster.form.cancel"))), classes="gd-dialog-hint")

    def on_mount(self) -> None:
        localize_bindings(self)
        self.query_one("#picker-box", Input).focus()
        self.query_one("#picker-list", OptionList).can_focus = False
        if self.text:
            self._run(self.text)

    @on(Input.Changed, "#picker-box")
    def _typed(self, event: Input.Changed) -> None:
        if self._debounce is not None:
            self._debounce.stop()
        value = event.value.strip()
        self._debounce = self.set_timer(DEBOUNCE, lambda: self._run(value))

    def _run(self, text: str) -> None:
        async def work() -> None:
            await self._search(text)

        run_latest(self, work, "picker")

    async def _search(self, text: str) -> None:
        try:
            hits = await search.search(self.gd.store, self.gd.actor, text, limit=30,
                                       kinds=(self.kind,)) if text else []
        except StoreError as e:
            self.query_one("#picker-status", Static).update(Text(e.message(), style="red"))
            return
        self.hits = hits
        self.searched = text
        options = self.query_one("#picker-list", OptionList)
        options.clear_options()
        options.add_options([Option(hit_line(h), id=str(i)) for i, h in enumerate(hits)])
        if hits:
            options.highlighted = 0
        status = "" if not text else (t("console_roster.search.none", text=text) if not hits
                                      else t("console_roster.picker.count", n=len(hits)))
        self.query_one("#picker-status", Static).update(status)

    def action_move(self, delta: int) -> None:
        options = self.query_one("#picker-list", OptionList)
        if self.hits:
            at = options.highlighted if options.highlighted is not None else -delta
            options.highlighted = max(0, min(len(self.hits) - 1, at + delta))

    @on(Input.Submitted, "#picker-box")
    async def _take(self, event: Input.Submitted) -> None:
        if self._debounce is not None:
            self._debounce.stop()
        text = event.value.strip()
        if text != self.searched:
            await self._search(text)  # Enter before the search ran: search now, then take
        self._pick()

    @on(OptionList.OptionSelected, "#picker-list")
    def _clicked(self, event: OptionList.OptionSelected) -> None:
        self._pick()

    def _pick(self) -> None:
        options = self.query_one("#picker-list", OptionList)
        at = options.highlighted
        if self.hits and at is not None and 0 <= at < len(self.hits):
            self.dismiss(self.hits[at])

    def action_cancel(self) -> None:
        self.dismiss(None)
