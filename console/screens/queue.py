"""The queue screen, the console's main screen: the live ticket queue of the operator's area.

Keys: `/` filters by text (number, grid, matter, address), `1`–`5` and `0` pick a status group,
`o` shows overdue tickets only, `m` only the account's own work ("mine": a unit's tickets it
leads or co-handles, a grid worker's grids; the default view of unit and grid-worker accounts),
`enter` opens the ticket, `esc` clears the filter, `]` / `[`
(or PageDown on the last row / PageUp on the first) move to the next / previous page.
The workflow's keys (console.actions: `d` dispatch, `s` sign, …) act on the highlighted row;
the footer shows those this operator may take on it now. `n` registers a new ticket.

The screen holds one page (`PAGE` rows). It re-reads the page in a worker when the change
feed reports a ticket change in its area, and hands the rows to `QueueTable.reconcile`, which
touches only what changed. Reads never overlap: a change arriving while a read runs asks for
one more read after it.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import Any
from zoneinfo import ZoneInfo

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.timer import Timer
from textual.widgets import DataTable, Input, Static

from griddesk.console import actions
from griddesk.console.actions import TicketKeys
from griddesk.console.messages import MinuteTick, ThemeChanged, TicketsChanged
from griddesk.console.screens.base import GridScreen
from griddesk.console.widgets.queue_table import QueueTable
from griddesk.console.widgets.urgent_band import UrgentBand
from griddesk.store import queue, urgent
from griddesk.store.i18n import t

log = logging.getLogger(__name__)

PAGE = 200
GROUP_KEYS = {"1": "open", "2": "pending", "3": "handling", "4": "checking", "5": "closed", "0": "all"}
_GROUP = Binding.Group("console.key.group")


class QueueScreen(TicketKeys, GridScreen):
    ENTRY = "queue"
    TITLE_KEY = "console.screen.queue"
    BINDINGS = [
        Binding("slash", "filter", "console.key.filter"),
        *(Binding(k, f"group('{g}')", f"console.group.{g}", group=_GROUP) for k, g in GROUP_KEYS.items()),
        Binding("o", "overdue", "console.key.overdue"),
        Binding("t", "open_urgent", "console.key.urgent", show=False),
        Binding("m", "mine", "console.key.mine", show=False),
        Binding("right_square_bracket", "next_page", "console.key.next_page", show=False),
        Binding("left_square_bracket", "prev_page", "console.key.prev_page", show=False),
        Binding("escape", "back", "console.key.clear_filter"),
        *actions.bindings(),
    ]

    def __init__(self, text: str = "", **kw: Any) -> None:
        super().__init__(**kw)
        self.filter = queue.QueueFilter(text=text)
        self.page_offset = 0
        self.total: int | None = None
        self.loads = 0
        self._before_edit = ""
        self._debounce: Timer | None = None
        self.error: str | None = None
        self._keys_for: tuple[str, int | None] | None = None  # the row the action keys were read for

    # --- layout ----------------------------------------------------------------------------

    def compose_body(self) -> ComposeResult:
        yield Input(placeholder=t("console.queue.filter_placeholder"), id="queue-filter")
        yield UrgentBand(self.gd.actor.jurisdiction, id="queue-urgent")
        yield QueueTable(jurisdiction=self.gd.actor.jurisdiction,
                         tz=ZoneInfo(self.gd.store.settings.timezone), id="queue-table")
        yield Static(id="queue-status")

    @property
    def table(self) -> QueueTable:
        return self.query_one("#queue-table", QueueTable)

    @property
    def band(self) -> UrgentBand:
        return self.query_one("#queue-urgent", UrgentBand)

    @property
    def filter_input(self) -> Input:
        return self.query_one("#queue-filter", Input)

    def on_mount(self) -> None:
        # units and grid workers open on their own work (store.visibility.mine_by_default)
        self.filter = replace(self.filter, mine=self.default_filter().mine)
        self.update_where()
        self.filter_input.display = False
        self.table.at_end = self.action_next_page
        self.table.at_start = self.action_prev_page
        self.table.focus()
        self.reload()

    def where(self) -> str:
        parts = [t(self.TITLE_KEY), t(f"console.group.{self.filter.group}")]
        if self.filter.overdue_only:
            parts.append(t("console.queue.overdue_only"))
        if self.filter.mine:
            parts.append(t("console.queue.mine"))
        if self.filter.text:
            parts.append(f"/{self.filter.text}")
        return " › ".join(parts)

    def relabel(self) -> None:
        self.filter_input.placeholder = t("console.queue.filter_placeholder")
        self.table.relabel()
        self._show_status()

    # --- loading ---------------------------------------------------------------------------

    # `reload()` is GridScreen's: one read at a time, asks meanwhile folded into one more

    async def fetch(self) -> bool | None:
        store, actor = self.gd.store, self.gd.actor
        f, offset = self.filter, self.page_offset
        rows, total = await queue.page_and_count(store, actor, f, limit=PAGE, offset=offset)
        pressing = await urgent.band(store, actor)
        if (f, offset) != (self.filter, self.page_offset):
            return False  # the operator changed the filter meanwhile: read that instead
        if not rows and offset > 0 and total:
            self.page_offset = max(0, (total - 1) // PAGE * PAGE)  # the page emptied: step back
            return False
        self.total = total
        self.band.set_rows(pressing, store.now())
        self.table.reconcile(rows, store.now())
        self.call_after_refresh(self.check_keys)  # the rows first: the keys' read follows the paint
        return None

    def show(self) -> None:
        self._show_status()

    def _show_status(self) -> None:
        status = self.query_one("#queue-status", Static)
        if self.error:
            status.update(Text(self.error, style=f"bold {self.app.current_theme.error or 'red'}"))
            return
        total, shown = self.total or 0, self.table.row_count
        if total == 0:
            text = t("console.queue.empty")
        elif total <= PAGE and self.page_offset == 0:
            text = t("console.queue.count_all", total=total)
        elif self.page_offset == 0:
            text = t("console.queue.count_first", shown=shown, total=total)
        else:
            text = t("console.queue.count_range", start=self.page_offset + 1, end=self.page_offset + shown, total=total)
        if total > self.page_offset + shown:
            text += "  " + t("console.queue.more_hint")
        status.update(Text(text, style="dim"))

    def set_arg(self, arg: str) -> None:
        """`:queue TEXT` on an open queue filters it by that text."""
        self.set_filter(replace(self.filter, text=arg))

    def set_filter(self, f: queue.QueueFilter) -> None:
        if f == self.filter:
            return
        self.filter = f
        self.page_offset = 0
        self.update_where()
        self.reload()

    # --- live ------------------------------------------------------------------------------

    def on_tickets_changed(self, message: TicketsChanged) -> None:
        self.reload()

    def on_minute_tick(self, message: MinuteTick) -> None:
        if self.filter.overdue_only:
            self.reload()  # tickets become overdue as time passes
        else:
            self.table.retime(self.gd.store.now())
        self.band.now = self.gd.store.now()
        self.band.render_rows()

    def on_theme_changed(self, message: ThemeChanged) -> None:
        self.table.recolour(self.app.current_theme)

    # --- actions ---------------------------------------------------------------------------

    def action_filter(self) -> None:
        box = self.filter_input
        self._before_edit = self.filter.text
        box.value = self.filter.text
        box.display = True
        box.focus()

    @on(Input.Changed, "#queue-filter")
    def _typed(self, event: Input.Changed) -> None:
        if self._debounce is not None:
            self._debounce.stop()
        value = event.value
        self._debounce = self.set_timer(0.25, lambda: self.set_filter(replace(self.filter, text=value.strip())))

    @on(Input.Submitted, "#queue-filter")
    def _submitted(self, event: Input.Submitted) -> None:
        if self._debounce is not None:
            self._debounce.stop()
        self.set_filter(replace(self.filter, text=event.value.strip()))
        self._close_filter()

    def _close_filter(self) -> None:
        self.filter_input.display = False
        self.table.focus()

    def action_group(self, group: str) -> None:
        self.set_filter(replace(self.filter, group=group, statuses=()))

    def action_open_urgent(self) -> None:
        """t: open the most pressing ticket of the urgent band (its top)."""
        if self.band.first is None:
            self.notify(t("console.urgent.none"), timeout=3)
            return
        self.gd.open_ticket(self.band.first)

    def action_overdue(self) -> None:
        self.set_filter(replace(self.filter, overdue_only=not self.filter.overdue_only))

    def action_mine(self) -> None:
        self.set_filter(replace(self.filter, mine=not self.filter.mine))

    def default_filter(self) -> queue.QueueFilter:
        return queue.default_filter(self.gd.actor)

    def action_next_page(self) -> None:
        if self.total is not None and self.page_offset + PAGE < self.total:
            self.page_offset += PAGE
            self.reload()
            self.table.move_cursor(row=0, animate=False)

    def action_prev_page(self) -> None:
        if self.page_offset > 0:
            self.page_offset = max(0, self.page_offset - PAGE)
            self.reload()

    def action_back(self) -> None:
        """esc: leave the filter box, else clear the filter, else step back (k9s)."""
        if self.filter_input.display and self.filter_input.has_focus:
            if self._debounce is not None:
                self._debounce.stop()
            self.set_filter(replace(self.filter, text=self._before_edit))
            self._close_filter()
            return
        default = self.default_filter()
        if self.filter != default:
            self.set_filter(default)
            return
        self.gd.go_back()

    @on(DataTable.RowSelected, "#queue-table")
    def _open(self, event: DataTable.RowSelected) -> None:
        if event.row_key.value:
            self.gd.open_ticket(event.row_key.value)

    def selected_number(self) -> str | None:
        return self.table.current_number()

    # --- action keys on the highlighted row ----------------------------------------------------

    def current_ticket(self) -> tuple[str, int | None] | None:
        number = self.table.current_number()
        if number is None:
            return None
        row = self.table.rows_held.get(number)
        return number, row.version if row is not None else None

    @on(DataTable.RowHighlighted, "#queue-table")
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        self.check_keys()

    def check_keys(self) -> None:
        """Read which actions the highlighted row allows, when the row or its version changed."""
        current = self.current_ticket()
        if current == self._keys_for:
            return
        self._keys_for = current
        if current is None:
            self.set_ticket(None)
            return
        self.run_worker(self._read_keys(current), group="ticket-keys", exclusive=True, exit_on_error=False)

    async def _read_keys(self, current: tuple[str, int | None]) -> None:
        from griddesk.store import views  # after the first paint: the row's keys follow it

        try:
            detail = await views.detail(self.gd.store, self.gd.actor, current[0])
        except Exception as e:  # the row vanished or the database went away: no keys for it
            log.debug("action keys for %s: %s", current[0], e)
            if self._keys_for == current:
                self.set_ticket(None)
            return
        if self._keys_for == current:
            self.set_ticket(detail.ticket)
