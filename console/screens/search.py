"""Search everywhere in the roster (F9, `:search TEXT`) and the pickers built on it.

One box takes what an operator remembers — a code, a name or part of one, full pinyin, pinyin
initials, the last digits of a phone — and lists areas, grids, people, units and matter-list
entries best first (`store.search`, which owns the matching rules). ↓ or Enter goes to the
list; Enter on a hit opens it: an area or grid in the tree, a person in the people list, a
matter in the matter list.

`HitPicker` is the same search in a small dialog, for choosing a person to put on a grid or a
grid to put a person on.
"""

from __future__ import annotations

import logging
from functools import partial
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.timer import Timer
from textual.widgets import DataTable, Input, OptionList, Static
from textual.widgets.option_list import Option

from griddesk.console.screens import GridScreen
from griddesk.console.widgets import localize_bindings
from griddesk.console.widgets.dialogs import DIALOG_CSS, hint
from griddesk.console.widgets.form import FORM_CSS
from griddesk.store import search
from griddesk.store.errors import StoreError
from griddesk.store.i18n import code_name, t

if TYPE_CHECKING:
    from griddesk.console.app import GridDeskApp

log = logging.getLogger(__name__)

DEBOUNCE = 0.2


def hit_detail(h: search.Hit) -> str:
    """What else identifies a hit, in the console's language."""
    if h.kind == "area":
        return code_name("level", h.detail)
    if h.kind == "person":
        role, _, phone = h.detail.partition(" ")
        return f"{code_name('person_role', role)} {phone}".strip()
    if h.kind == "matter":
        return t("console_roster.search.matter_class", cls=h.detail)
    return h.detail


def hit_line(h: search.Hit) -> Text:
    text = Text(f"{t(f'roster.hit.{h.kind}')} ", style="dim")
    text.append(h.name, style="" if h.active else "dim strike")
    text.append(f"  {hit_detail(h)}", style="dim")
    if h.kind != "person":
        text.append(f"  {h.key}", style="dim")
    return text


def open_hit(app: GridDeskApp, h: search.Hit) -> None:
    """Open what a hit names where it lives."""
    if h.kind in ("area", "grid"):
        from griddesk.console.screens.roster import RosterScreen

        app.push_screen(RosterScreen(focus=h.key, retired=not h.active))
    elif h.kind == "person":
        from griddesk.console.screens.people import PeopleScreen

        app.push_screen(PeopleScreen(focus=int(h.key), include_left=not h.active))
    elif h.kind == "matter":
        from griddesk.console.screens.matters import MattersScreen

        app.push_screen(MattersScreen(focus=h.key))
    else:  # units have no screen of their own: say what it is
        app.notify(f"{h.name}（{h.key}）", title=t("roster.hit.unit"), timeout=8, markup=False)


class SearchScreen(GridScreen):
    ENTRY = "search"
    TITLE_KEY = "console_roster.screen.search"
    CSS_PATH = "../styles/roster.tcss"
    BINDINGS = [
        Binding("slash", "edit", "console_roster.key.edit_search"),
        Binding("down", "to_list", "console_roster.key.to_list", show=False),
        Binding("escape", "back", "console.key.back"),
    ]

    def __init__(self, text: str = "", **kw: Any) -> None:
        super().__init__(**kw)
        self.text = text.strip()
        self.hits: list[search.Hit] = []
        self.searched: str | None = None  # the text the shown hits are for
        self._debounce: Timer | None = None

    def compose_body(self) -> ComposeResult:
        yield Input(value=self.text, placeholder=t("console_roster.search.placeholder"), id="search-box")
        yield DataTable(id="search-table", cursor_type="row")
        yield Static(id="search-status", classes="roster-status")

    @property
    def box(self) -> Input:
        return self.query_one("#search-box", Input)

    @property
    def table(self) -> DataTable:
        return self.query_one("#search-table", DataTable)

    def on_mount(self) -> None:
        self._columns()
        self.box.focus()
        if self.text:
            self.run_search(self.text)
        else:
            self._status()

    def where(self) -> str:
        return t(self.TITLE_KEY) + (f" › {self.text}" if self.text else "")

    def _columns(self) -> None:
        self.table.clear(columns=True)
        for key in ("kind", "name", "detail", "code", "match"):
            self.table.add_column(t(f"console_roster.search.col_{key}"), key=key)

    def relabel(self) -> None:
        self.box.placeholder = t("console_roster.search.placeholder")
        self._columns()
        self._fill()

    def set_arg(self, arg: str) -> None:
        self.box.value = arg.strip()
        self.run_search(arg.strip())

    @on(Input.Changed, "#search-box")
    def _typed(self, event: Input.Changed) -> None:
        if self._debounce is not None:
            self._debounce.stop()
        value = event.value.strip()
        self._debounce = self.set_timer(DEBOUNCE, lambda: self.run_search(value))

    @on(Input.Submitted, "#search-box")
    def _submitted(self, event: Input.Submitted) -> None:
        if self._debounce is not None:
            self._debounce.stop()
        value = event.value.strip()
        if value != self.searched:
            self.run_search(value, then_list=True)
        else:
            self.action_to_list()

    def run_search(self, text: str, then_list: bool = False) -> None:
        self.text = text
        self.update_where()
        self.run_worker(partial(self._search, text, then_list), group="search", exclusive=True, exit_on_error=False)

    async def _search(self, text: str, then_list: bool) -> None:
        try:
            hits = await search.search(self.gd.store, self.gd.actor, text, limit=100,
                                       include_inactive=True) if text else []
        except StoreError as e:
            self.query_one("#search-status", Static).update(Text(e.message(), style="red"))
            return
        self.hits = hits
        self.searched = text
        self._fill()
        if then_list:
            self.action_to_list()

    def _fill(self) -> None:
        table = self.table
        table.clear()
        for i, h in enumerate(self.hits):
            style = "" if h.active else "dim"
            table.add_row(Text(t(f"roster.hit.{h.kind}"), style="dim"), Text(h.name, style=style),
                          Text(hit_detail(h), style="dim"), Text(h.key if h.kind != "person" else "", style="dim"),
                          Text(t(f"roster.match.{h.match}"), style="dim"), key=str(i))
        self._status()

    def _status(self) -> None:
        if not self.text:
            text = t("console_roster.search.hint")
        elif not self.hits:
            text = t("console_roster.search.none", text=self.text)
        else:
            text = t("console_roster.search.count", n=len(self.hits))
        self.query_one("#search-status", Static).update(Text(text, style="dim"))

    def action_to_list(self) -> None:
        if self.hits:
            self.table.focus()
            self.table.move_cursor(row=max(self.table.cursor_row, 0))

    def action_edit(self) -> None:
        self.box.focus()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "to_list":
            return self.is_mounted and self.box.has_focus
        if action == "edit":
            return not self.is_mounted or not self.box.has_focus
        return True

    def on_descendant_focus(self) -> None:
        self.refresh_bindings()

    @on(DataTable.RowSelected, "#search-table")
    def _open(self, event: DataTable.RowSelected) -> None:
        i = int(event.row_key.value or -1)
        if 0 <= i < len(self.hits):
            open_hit(self.gd, self.hits[i])

    def action_back(self) -> None:
        if self.table.has_focus:
            self.box.focus()
            return
        self.gd.go_back()


class HitPicker(ModalScreen["search.Hit | None"]):
    """Choose one person or grid by typing: ↑↓ move, Enter takes, Esc cancels."""

    DEFAULT_CSS = DIALOG_CSS
    CSS_PATH = ["../styles/roster.tcss", FORM_CSS]  # its backdrop is the forms' `roster-dialog`
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
    def gd(self) -> GridDeskApp:
        return self.app  # type: ignore[return-value]

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
        self.run_worker(partial(self._search, text), group="picker", exclusive=True, exit_on_error=False)

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
