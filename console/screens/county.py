"""Escalations: at a town, the tickets still to be reported upward; at a county, what arrived.

- A town centre's operator sees `store.escalation.pending_escalations`: flagged emergencies and
  major events, nearest report deadline first (YC 35, BH 21: report at once).
- A county (or city) centre's operator sees `store.escalation.county_queue`: tickets its towns
  reported up or handed over (BH 5), the ones the county holds first. The county's ordinary
  queue shows all its towns' tickets; this is its own list.

`enter` opens the ticket, `E` escalates it (report up, flag, hand to the county, hand back).
"""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Static

from griddesk.console.messages import MinuteTick, TicketsChanged
from griddesk.console.screens.base import GridScreen
from griddesk.console.screens.supervise import held_name
from griddesk.console.widgets import cursor_key
from griddesk.console.widgets.queue_table import URGENCY_LOOK, Palette
from griddesk.store import escalation, overdue, permissions
from griddesk.store.enums import LimitUnit
from griddesk.store.i18n import code_name, t
from griddesk.store.numbers import short_number

COLUMNS = ("urgency", "number", "escalation", "held_by", "report_by", "title")


class EscalationsScreen(GridScreen):
    CSS_PATH = "../styles/overdue.tcss"  # parsed when first shown, not before the queue's first paint
    ENTRY = "escalations"
    TITLE_KEY = "console_supervise.screen.escalations"
    BINDINGS = [
        Binding("E", "escalate", "console_supervise.key.escalate"),
        Binding("r", "reload", "console.key.reload", show=False),
        Binding("escape", "back", "console.key.back"),
    ]

    def __init__(self, **kw: Any) -> None:
        super().__init__(**kw)
        self.rows: list[escalation.EscalationRow] = []
        self._shown: dict[str, tuple[Text, ...]] = {}

    @property
    def county(self) -> bool:
        return permissions.above_town(self.gd.actor.jurisdiction)

    def where(self) -> str:
        which = "county" if self.county else "town"
        return f"{t(self.TITLE_KEY)} › {t(f'console_supervise.escalations.{which}')}"

    def compose_body(self) -> ComposeResult:
        yield DataTable(id="escalations-table", cursor_type="row", zebra_stripes=False)
        yield Static(id="escalations-status")

    @property
    def table(self) -> DataTable:
        return self.query_one("#escalations-table", DataTable)

    def on_mount(self) -> None:
        self._columns()
        self.table.focus()
        self.reload()

    def _columns(self) -> None:
        self.table.clear(columns=True)
        self._shown.clear()
        for key in COLUMNS:
            self.table.add_column(t(f"console_supervise.escalations.col.{key}"), key=key)

    def relabel(self) -> None:
        self._columns()
        self.render_rows()

    # --- loading ---------------------------------------------------------------------------

    async def fetch(self) -> None:
        store, actor = self.gd.store, self.gd.actor
        if self.county:
            self.rows = await escalation.county_queue(store, actor)
        else:
            self.rows = await escalation.pending_escalations(store, actor)

    def show(self) -> None:
        self.render_rows()

    def on_tickets_changed(self, message: TicketsChanged) -> None:
        self.reload()

    def on_minute_tick(self, message: MinuteTick) -> None:
        self.reload()  # the report deadlines' time left

    # --- rendering -------------------------------------------------------------------------

    def _cells(self, r: escalation.EscalationRow, p: Palette) -> tuple[Text, ...]:
        store = self.gd.store
        urgency = Text(URGENCY_LOOK.get(r.urgency, "?"), style=p(f"urgency-{r.urgency}"))
        left = Text("—", style="dim")
        if r.left_s is not None:
            span = overdue.basis_span(store, r.left_s, LimitUnit.NATURAL_MINUTES)
            if r.left_s < 0:
                left = Text(t("console_supervise.row.late", span=span), style=f"bold {p('overdue')}")
            else:
                left = Text(t("console_supervise.row.left", span=span), style=p("due-soon"))
        held_text = held_name(self.gd.actor, r.held_by or r.town_code)
        return (urgency, Text(short_number(r.number, self.gd.actor.jurisdiction)),
                Text(code_name("escalation", r.escalation or "none")), Text(held_text), left, Text(r.title))

    def render_rows(self) -> None:
        if not self.is_mounted:
            return
        status = self.query_one("#escalations-status", Static)
        p = Palette(self.app.current_theme)
        if self.error:
            status.update(Text(self.error, style=f"bold {p('overdue')}"))
            return
        table = self.table
        keep = self.selected_number()
        new = {r.number: self._cells(r, p) for r in self.rows}
        for number in [n for n in self._shown if n not in new]:
            table.remove_row(number)
            del self._shown[number]
        for number, cells in new.items():
            old = self._shown.get(number)
            if old is None:
                table.add_row(*cells, key=number)
            else:
                for key, a, b in zip(COLUMNS, old, cells, strict=True):
                    if (a.plain, str(a.style)) != (b.plain, str(b.style)):
                        table.update_cell(number, key, b, update_width=True)
            self._shown[number] = cells
        order = [r.number for r in self.rows]
        if [r.key.value for r in table.ordered_rows] != order:
            place = {short_number(n, self.gd.actor.jurisdiction): i for i, n in enumerate(order)}
            table.sort("number", key=lambda cell: place.get(cell.plain, len(place)))
        if keep in new:
            table.move_cursor(row=table.get_row_index(keep), animate=False)
        which = "county" if self.county else "town"
        status.update(Text(t(f"console_supervise.escalations.count_{which}", count=len(self.rows)), style="dim"))

    def selected_number(self) -> str | None:
        return cursor_key(self.table)

    # --- actions ---------------------------------------------------------------------------

    def action_reload(self) -> None:
        self.reload()

    def action_escalate(self) -> None:
        from griddesk.console.screens.supervise import open_escalate

        number = self.selected_number()
        if number:
            open_escalate(self.gd, number)

    @on(DataTable.RowSelected, "#escalations-table")
    def _open(self, event: DataTable.RowSelected) -> None:
        if event.row_key.value:
            self.gd.open_ticket(event.row_key.value)
