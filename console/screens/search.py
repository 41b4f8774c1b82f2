"""Search everywhere in the roster (F9, `:search TEXT`) and the pickers built on it.

One box takes what an operator remembers — a code, a name or part of one, full pinyin, pinyin
initials, the last digits of a phone — and lists areas, grids, people, units and matter-list
entries best first (`store.search`, which owns the matching rules). ↓ or Enter goes to the
list; Enter on a hit opens it: an area or grid in the tree, a person in the people list, a
matter in the matter list.

`widgets.hit_picker.HitPicker` is the same search in a small dialog (choosing a person to put on
a grid, or a grid to put a person on).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.timer import Timer
from textual.widgets import Input, Static

from griddesk.console.screens.base import GridScreen
from griddesk.console.widgets import run_latest
from griddesk.console.widgets.hit_picker import DEBOUNCE, hit_detail
from griddesk.console.widgets.line_list import Cell, FittedList, LineList, LineRow, Want
from griddesk.store import search
from griddesk.store.errors import StoreError
from griddesk.store.i18n import t
from griddesk.store.numbers import short_number

if TYPE_CHECKING:
    from griddesk.console.shell import Shell

log = logging.getLogger(__name__)


def open_hit(app: Shell, h: search.Hit) -> None:
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
    elif h.kind == "ticket":  # found by its address
        app.open_ticket(h.key)
    else:  # units have no screen of their own: say what it is
        app.notify(f"{h.name}（{h.key}）", title=t("roster.hit.unit"), timeout=8, markup=False)


# the code is never cut (a ticket number or a grid code is what an operator types back)
WANTS = (Want("kind"), Want("name", least=8, give=1), Want("detail", least=6, give=2), Want("code", whole=True),
         Want("match", give=3))


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
        yield FittedList(self._cells, self._wants, id="search-table")
        yield Static(id="search-status", classes="roster-status")

    @property
    def box(self) -> Input:
        return self.query_one("#search-box", Input)

    @property
    def table(self) -> FittedList:
        return self.query_one("#search-table", FittedList)

    def on_mount(self) -> None:
        self.box.focus()
        if self.text:
            self.run_search(self.text)
        else:
            self._status()

    def where(self) -> str:
        return t(self.TITLE_KEY) + (f" › {self.text}" if self.text else "")

    @staticmethod
    def _wants() -> list[Want]:
        return [w.named(t(f"console_roster.search.col_{w.key}")) for w in WANTS]

    def _cells(self, h: search.Hit) -> list[Cell]:
        style = "" if h.active else "dim"
        code = "" if h.kind == "person" else h.key
        if h.kind == "ticket":
            code = short_number(h.key, self.gd.actor.jurisdiction)
        return [(t(f"roster.hit.{h.kind}"), "dim"), (h.name, style), (hit_detail(h), "dim"), (code, "dim"),
                (t(f"roster.match.{h.match}"), "dim")]

    def relabel(self) -> None:
        self.box.placeholder = t("console_roster.search.placeholder")
        self.table.relabel()
        self._fill()

    def set_arg(self, arg: str) -> None:
        self.box.value = arg.strip()
        self.run_search(arg.strip())

    @on(Input.Changed, "#search-box")
    def _typed(self, event: Input.Changed) -> None:
        if self._debounce is not None:
            self._debounce.stop()
        value = event.value.strip()
        if value == self.text:  # the box's first value (`:search TEXT`), or typed back: already searched
            return
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
        async def work() -> None:
            await self._search(text, then_list)

        run_latest(self, work, "search")

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
        self.table.set_rows([LineRow(f"{h.kind}:{h.key}", h) for h in self.hits])
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
            self.table.move_to(self.table.cursor or 0)

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

    @on(LineList.Selected, "#search-table")
    def _open(self, event: LineList.Selected) -> None:
        if isinstance(event.value, search.Hit):
            open_hit(self.gd, event.value)

    def action_back(self) -> None:
        if self.table.has_focus:
            self.box.focus()
            return
        self.gd.go_back()
