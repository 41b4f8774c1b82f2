"""The grid change record (备案), newest first (`:changes`): `p` pending only, `f` files, Enter
shows one change (`grid_change.ChangeDialog`)."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Static

from griddesk.console.messages import RecordsChanged
from griddesk.console.screens.base import GridScreen
from griddesk.console.screens.grid_change import ChangeDialog, local_time, may_file
from griddesk.console.widgets.dialogs import wrote
from griddesk.console.widgets.line_list import Cell, FittedList, LineList, LineRow, Want
from griddesk.store import roster
from griddesk.store.enums import FilingStatus
from griddesk.store.errors import StoreError
from griddesk.store.i18n import code_name, t

# grid codes are what an operator types back: they give way last (a merge's list of codes may be cut)
WANTS = (Want("id"), Want("at", least=10, give=1), Want("kind"), Want("reason"), Want("before", least=15),
         Want("after", least=15), Want("who", least=6, give=2), Want("filing", least=6, give=2))


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
        yield FittedList(self._cells, self._wants, id="changes-table")
        yield Static(id="changes-status", classes="roster-status")

    @property
    def table(self) -> FittedList:
        return self.query_one("#changes-table", FittedList)

    def where(self) -> str:
        parts = [t(self.TITLE_KEY)]
        if self.grid_code:
            parts.append(self.grid_code)
        if self.pending_only:
            parts.append(code_name("roster.filing", FilingStatus.PENDING))
        return " › ".join(parts)

    def on_mount(self) -> None:
        self.table.focus()
        self.reload()

    @staticmethod
    def _wants() -> list[Want]:
        return [w.named(t(f"console_roster.change.{w.key}")) for w in WANTS]

    def _cells(self, c: roster.ChangeRow) -> list[Cell]:
        return [str(c.id), local_time(self.gd, c.at), code_name("roster.change_kind", c.kind),
                t(f"console_roster.reason_short.{c.reason}"), ",".join(c.grid_codes) or "—",
                ",".join(c.result_codes) or "—", c.actor, code_name("roster.filing", c.filing_status)]

    def relabel(self) -> None:
        self.table.relabel()
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
        self.table.set_rows([LineRow(str(c.id), c) for c in self.rows])  # the cursor keeps its change
        pending = sum(1 for c in self.rows if c.filing_status == FilingStatus.PENDING)
        self.query_one("#changes-status", Static).update(
            Text(t("console_roster.change.count", n=len(self.rows), pending=pending), style="dim"))
        self.refresh_bindings()

    def current(self) -> roster.ChangeRow | None:
        value = self.table.cursor_value
        return value if isinstance(value, roster.ChangeRow) else None

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "file":
            c = self.current() if self.is_mounted else None
            return may_file(self.gd) and (c is None or c.filing_status == FilingStatus.PENDING)
        return True

    @on(LineList.Highlighted, "#changes-table")
    def _moved(self, event: LineList.Highlighted) -> None:
        self.refresh_bindings()

    @on(LineList.Selected, "#changes-table")
    def _open(self, event: LineList.Selected) -> None:
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
