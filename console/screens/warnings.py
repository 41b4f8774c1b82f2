"""Unit warnings (警示, JM 17): the units with overdue work, their counts and worst cases.

One row per lead unit with overdue clocks in the actor's reach, most overdue first
(`store.warnings.units_with_overdue`); below the table, the highlighted unit's worst cases by
overdue multiple. `w` issues a warning to the highlighted unit — supervisors and admins only;
for anyone else the store refuses and the dialog shows why. `enter` opens the unit's worst case.
"""

from __future__ import annotations

from typing import Any

from rich.cells import cell_len
from rich.table import Table
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Static

from griddesk.console.messages import MinuteTick, RecordsChanged, TicketsChanged
from griddesk.console.screens.base import GridScreen
from griddesk.console.screens.overdue import late_text, multiple_text, stage_name
from griddesk.console.widgets import cursor_key
from griddesk.console.widgets.queue_table import Palette
from griddesk.store import timefmt, warnings
from griddesk.store.i18n import t
from griddesk.store.numbers import short_number

COLUMNS = ("unit", "overdue", "due_soon", "worst", "warned")


class WarningsScreen(GridScreen):
    CSS_PATH = "../styles/overdue.tcss"  # parsed when first shown, not before the queue's first paint
    ENTRY = "warnings"
    TITLE_KEY = "console_supervise.screen.warnings"
    BINDINGS = [
        Binding("w", "warn", "console_supervise.key.warn"),
        Binding("r", "reload", "console.key.reload", show=False),
        Binding("escape", "back", "console.key.back"),
    ]

    def __init__(self, **kw: Any) -> None:
        super().__init__(**kw)
        self.units: list[warnings.UnitOverdue] = []
        self._shown: dict[str, tuple[str, ...]] = {}

    def compose_body(self) -> ComposeResult:
        yield DataTable(id="warnings-table", cursor_type="row", zebra_stripes=False)
        yield Static(id="warnings-worst")
        yield Static(id="warnings-status")

    @property
    def table(self) -> DataTable[str | Text]:
        return self.query_one("#warnings-table", DataTable)

    def on_mount(self) -> None:
        self._columns()
        self.table.focus()
        self.reload()

    def _columns(self) -> None:
        table = self.table
        table.clear(columns=True)
        self._shown.clear()
        for key in COLUMNS:
            table.add_column(t(f"console_supervise.warnings.col.{key}"), key=key)

    def relabel(self) -> None:
        self._columns()
        self.render_units()

    # --- loading ---------------------------------------------------------------------------

    async def fetch(self) -> None:
        self.units = await warnings.units_with_overdue(self.gd.store, self.gd.actor)

    def show(self) -> None:
        self.render_units()

    def on_tickets_changed(self, message: TicketsChanged) -> None:
        self.reload()

    def on_records_changed(self, message: RecordsChanged) -> None:
        if "unit" in message.entities:
            self.reload()  # a warning was issued (here or elsewhere)

    def on_minute_tick(self, message: MinuteTick) -> None:
        self.reload()

    # --- rendering -------------------------------------------------------------------------

    def _cells(self, u: warnings.UnitOverdue) -> tuple[str, ...]:
        tz = self.gd.tz
        worst = " ".join(f"×{r.multiple:.2f}" for r in u.worst)
        warned = t("console_supervise.warnings.warned", count=u.warnings,
                   at=timefmt.local(u.last_warned_at, tz)) if u.warnings else "—"
        return (u.unit, str(u.overdue), str(u.due_soon), worst, warned)

    def render_units(self) -> None:
        if not self.is_mounted:
            return
        status = self.query_one("#warnings-status", Static)
        p = Palette(self.app.current_theme)
        if self.error:
            status.update(Text(self.error, style=f"bold {p('overdue')}"))
            return
        table = self.table
        keep = self.selected_code()
        new = {u.unit_code: self._cells(u) for u in self.units}
        for code in [c for c in self._shown if c not in new]:
            table.remove_row(code)
            del self._shown[code]
        order = [u.unit_code for u in self.units]
        for code, cells in new.items():
            old = self._shown.get(code)
            if old is None:
                table.add_row(*cells, key=code)
            elif old != cells:
                for key, a, b in zip(COLUMNS, old, cells, strict=True):
                    if a != b:
                        table.update_cell(code, key, b, update_width=True)
            self._shown[code] = cells
        if [r.key.value for r in table.ordered_rows] != order:
            place = {c: i for i, c in enumerate(order)}
            # the unit column holds the name; sort by each row's place in the store's order
            names = {new[c][0]: place[c] for c in order}
            table.sort("unit", key=lambda name: names.get(name, len(names)))
        if keep in new:
            table.move_cursor(row=table.get_row_index(keep), animate=False)
        status.update(Text(t("console_supervise.warnings.count", count=len(self.units)) if self.units
                           else t("supervise.cli.no_late_units"), style="dim"))
        self.show_worst()

    def selected_code(self) -> str | None:
        return cursor_key(self.table)

    def selected(self) -> warnings.UnitOverdue | None:
        code = self.selected_code()
        return next((u for u in self.units if u.unit_code == code), None)

    def show_worst(self) -> None:
        box = self.query_one("#warnings-worst", Static)
        u = self.selected()
        if u is None:
            box.update("")
            return
        p = Palette(self.app.current_theme)
        jur = self.gd.actor.jurisdiction
        grid = Table.grid(padding=(0, 1))
        for texts in ([short_number(r.number, jur) for r in u.worst], [stage_name(r.clock) for r in u.worst],
                      [late_text(self.gd.store, r) for r in u.worst], [multiple_text(r) for r in u.worst]):
            grid.add_column(no_wrap=True, min_width=max(map(cell_len, texts), default=1))
        grid.add_column(no_wrap=True, max_width=12, overflow="ellipsis")
        grid.add_column(ratio=1, no_wrap=True, overflow="ellipsis")
        for r in u.worst:
            style = f"bold {p('overdue')}"
            grid.add_row(short_number(r.number, jur), stage_name(r.clock), Text(late_text(self.gd.store, r), style),
                         Text(multiple_text(r), style), r.grid, r.title)
        head = Text(t("console_supervise.warnings.worst_of", unit=u.unit, code=u.unit_code), style="bold")
        from rich.console import Group

        box.update(Group(head, grid))

    @on(DataTable.RowHighlighted, "#warnings-table")
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        self.show_worst()

    # --- actions ---------------------------------------------------------------------------

    def action_reload(self) -> None:
        self.reload()

    def action_warn(self) -> None:
        from griddesk.console.screens.supervise import WarnDialog

        u = self.selected()
        if u is None:
            self.app.notify(t("supervise.cli.no_late_units"), severity="warning", markup=False)
            return
        self.app.push_screen(WarnDialog(u.unit_code, u.unit, u.overdue))

    @on(DataTable.RowSelected, "#warnings-table")
    def _open(self, event: DataTable.RowSelected) -> None:
        u = self.selected()
        if u is not None and u.worst:
            self.gd.open_ticket(u.worst[0].number)
