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
from textual.widgets import Static

from griddesk.console.messages import MinuteTick, TicketsChanged
from griddesk.console.screens.base import GridScreen
from griddesk.console.screens.supervise import held_name
from griddesk.console.widgets.line_list import Cell, FittedList, LineList, LineRow, Want
from griddesk.console.widgets.queue_table import URGENCY_LOOK, Palette
from griddesk.store import escalation, overdue, permissions
from griddesk.store.enums import LimitUnit
from griddesk.store.i18n import code_name, t
from griddesk.store.numbers import short_number

# the number is never cut (an operator types it back); the title gives way first
WANTS = (Want("urgency"), Want("number", whole=True), Want("escalation", least=6), Want("held_by", least=6),
         Want("report_by", least=8), Want("title", least=8, give=1))


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

    @property
    def county(self) -> bool:
        return permissions.above_town(self.gd.actor.jurisdiction)

    def where(self) -> str:
        which = "county" if self.county else "town"
        return f"{t(self.TITLE_KEY)} › {t(f'console_supervise.escalations.{which}')}"

    def compose_body(self) -> ComposeResult:
        yield FittedList(self._row_cells, self._wants, id="escalations-table")
        yield Static(id="escalations-status")

    @property
    def table(self) -> FittedList:
        return self.query_one("#escalations-table", FittedList)

    def on_mount(self) -> None:
        self.table.focus()
        self.reload()

    @staticmethod
    def _wants() -> list[Want]:
        return [w.named(t(f"console_supervise.escalations.col.{w.key}")) for w in WANTS]

    def relabel(self) -> None:
        self.table.relabel()
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

    def _row_cells(self, r: escalation.EscalationRow) -> list[Cell]:
        return [(c.plain, str(c.style)) for c in self._cells(r, Palette(self.app.current_theme))]

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
        self.table.set_rows([LineRow(r.number, r) for r in self.rows])  # in order; the cursor keeps its ticket
        which = "county" if self.county else "town"
        status.update(Text(t(f"console_supervise.escalations.count_{which}", count=len(self.rows)), style="dim"))

    def selected_number(self) -> str | None:
        return self.table.cursor_key

    # --- actions ---------------------------------------------------------------------------

    def action_reload(self) -> None:
        self.reload()

    def action_escalate(self) -> None:
        from griddesk.console.screens.supervise import open_escalate

        number = self.selected_number()
        if number:
            open_escalate(self.gd, number)

    @on(LineList.Selected, "#escalations-table")
    def _open(self, event: LineList.Selected) -> None:
        self.gd.open_ticket(event.key)
