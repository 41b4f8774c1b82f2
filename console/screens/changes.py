"""The grid change record (备案), newest first (`:changes`): `p` pending only, `f` files, Enter
shows one change (`grid_change.ChangeDialog`)."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Static

from griddesk.console.messages import RecordsChanged
from griddesk.console.screens.base import GridScreen
from griddesk.console.screens.grid_change import ChangeDialog, local_time, may_file
from griddesk.console.widgets.dialogs import wrote
from griddesk.store import roster
from griddesk.store.enums import FilingStatus
from griddesk.store.errors import StoreError
from griddesk.store.i18n import code_name, t


class ChangesScreen(GridScreen):
    """The grid change record, newest first (`:changes`): `p` pending only, `f` files, Enter shows."""

    ENTRY = "changes"
    TITLE_KEY = "console_roster.screen.changes"
    CSS_PATH = "../styles/roster.tcss"
    BINDINGS = [
        Binding("f", "file", "console_roster.key.file"),
        Binding("p", "pending", "console_roster.key.pending"),
        Binding("r", "reload", "console.key.reload", show=False),
        Binding("escape", "back", "console.key.back"),
    ]

    def __init__(self, grid_code: str = "", **kw: Any) -> None:
        super().__init__(**kw)
        self.grid_code = grid_code.strip()
        self.pending_only = not self.grid_code  # the supervisor's to-do by default
        self.rows: list[roster.ChangeRow] = []
        self.loads = 0

    def compose_body(self) -> ComposeResult:
        yield DataTable(id="changes-table", cursor_type="row", zebra_stripes=False)
        yield Static(id="changes-status", classes="roster-status")

    @property
    def table(self) -> DataTable:
        return self.query_one("#changes-table", DataTable)

    def where(self) -> str:
        parts = [t(self.TITLE_KEY)]
        if self.grid_code:
            parts.append(self.grid_code)
        if self.pending_only:
            parts.append(code_name("roster.filing", FilingStatus.PENDING))
        return " › ".join(parts)

    def on_mount(self) -> None:
        self._columns()
        self.table.focus()
        self.reload()

    def _columns(self) -> None:
        self.table.clear(columns=True)
        for key in ("id", "at", "kind", "reason", "before", "after", "who", "filing"):
            self.table.add_column(t(f"console_roster.change.{key}"), key=key)

    def relabel(self) -> None:
        self._columns()
        self._fill()

    def reload(self) -> None:
        self.run_worker(self._load(), group="changes-load", exclusive=True, exit_on_error=False)

    async def _load(self) -> None:
        try:
            self.rows = await roster.changes(self.gd.store, self.gd.actor, self.grid_code or None,
                                             pending_only=self.pending_only)
        except StoreError as e:
            self.query_one("#changes-status", Static).update(Text(e.message()))
            return
        self._fill()
        self.loads += 1

    def _fill(self) -> None:
        table = self.table
        keep = self.current()
        table.clear()
        for c in self.rows:
            table.add_row(str(c.id), local_time(self.gd, c.at), code_name("roster.change_kind", c.kind),
                          t(f"console_roster.reason_short.{c.reason}"), ",".join(c.grid_codes) or "—",
                          ",".join(c.result_codes) or "—", c.actor, code_name("roster.filing", c.filing_status),
                          key=str(c.id))
        if keep is not None:
            at = next((i for i, c in enumerate(self.rows) if c.id == keep.id), 0)
            table.move_cursor(row=at)
        pending = sum(1 for c in self.rows if c.filing_status == FilingStatus.PENDING)
        self.query_one("#changes-status", Static).update(
            Text(t("console_roster.change.count", n=len(self.rows), pending=pending), style="dim"))
        self.refresh_bindings()

    def current(self) -> roster.ChangeRow | None:
        if not self.rows or self.table.row_count == 0:
            return None
        i = self.table.cursor_row
        return self.rows[i] if 0 <= i < len(self.rows) else None

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "file":
            c = self.current() if self.is_mounted else None
            return may_file(self.gd) and (c is None or c.filing_status == FilingStatus.PENDING)
        return True

    @on(DataTable.RowHighlighted, "#changes-table")
    def _moved(self, event: DataTable.RowHighlighted) -> None:
        self.refresh_bindings()

    @on(DataTable.RowSelected, "#changes-table")
    def _open(self, event: DataTable.RowSelected) -> None:
        c = self.current()
        if c is not None:
            self.app.push_screen(ChangeDialog(c), lambda _: self.reload())

    def action_file(self) -> None:
        c = self.current()
        if c is None or c.filing_status != FilingStatus.PENDING:
            return
        self.run_worker(self._file(c), group="roster-file", exclusive=True, exit_on_error=False)

    async def _file(self, c: roster.ChangeRow) -> None:
        try:
            await roster.file_change(self.gd.store, self.gd.actor, c.id)
        except StoreError as e:
            self.app.notify(e.message(), severity="error", timeout=10, markup=False)
            return
        wrote(self.gd, t("console_roster.change.filed", id=c.id))
        await self._load()

    def action_pending(self) -> None:
        self.pending_only = not self.pending_only
        self.update_where()
        self.reload()

    def action_reload(self) -> None:
        self.reload()

    def on_records_changed(self, message: RecordsChanged) -> None:
        if "grid" in message.entities:
            self.reload()
