"""The audit log, newest first (`:audit`), read-only, for shift leaders and administrators.

`/` filters the loaded entries by actor, action, entity or key (as `griddesk audit list` does
with its options); `r` reloads. The store refuses other accounts (`store.audit.check_reader`),
and the registry does not offer them the screen.
"""

from __future__ import annotations

import json
from typing import Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Input, Static

from griddesk.console.screens.base import GridScreen
from griddesk.store import audit, timefmt
from griddesk.store.errors import StoreError
from griddesk.store.i18n import t

LOAD = 2000  # entries read at a time: the newest ones; older are for `griddesk audit export`
COLUMNS = ("id", "at", "actor", "action", "entity", "key", "detail")


class AuditScreen(GridScreen):
    ENTRY = "audit"
    TITLE_KEY = "audit.title"
    CSS_PATH = "../styles/roster.tcss"
    BINDINGS = [
        Binding("slash", "filter", "console_roster.key.edit_search"),
        Binding("r", "reload", "console.key.reload"),
        Binding("escape", "back", "console.key.back"),
    ]

    def __init__(self, text: str = "", **kw: Any) -> None:
        super().__init__(**kw)
        self.text = text.strip()
        self.rows: list[audit.AuditRow] = []
        self.shown: list[audit.AuditRow] = []
        self.loads = 0
        self.error = ""

    def compose_body(self) -> ComposeResult:
        yield Input(value=self.text, placeholder=t("audit.filter_placeholder"), id="audit-filter")
        yield DataTable(id="audit-table", cursor_type="row", zebra_stripes=False)
        yield Static(id="audit-status", classes="roster-status")

    @property
    def table(self) -> DataTable:
        return self.query_one("#audit-table", DataTable)

    def on_mount(self) -> None:
        self._columns()
        self.table.focus()
        self.reload()

    def _columns(self) -> None:
        self.table.clear(columns=True)
        for key in COLUMNS:
            self.table.add_column(t(f"audit.col.{key}"), key=key)

    def relabel(self) -> None:
        self._columns()
        self._fill()

    def reload(self) -> None:
        self.run_worker(self._load(), group="audit-load", exclusive=True, exit_on_error=False)

    async def _load(self) -> None:
        try:
            self.rows = await audit.entries(self.gd.store, self.gd.actor, audit.AuditFilter(limit=LOAD))
            self.error = ""
        except StoreError as e:
            self.rows, self.error = [], e.message()
        self._fill()
        self.loads += 1

    def matches(self, r: audit.AuditRow) -> bool:
        if not self.text:
            return True
        needle = self.text.lower()
        return any(needle in (v or "").lower() for v in (r.actor, r.action, r.entity, r.key))

    def _fill(self) -> None:
        table = self.table
        table.clear()
        self.shown = [r for r in self.rows if self.matches(r)]
        tz = self.gd.store.calendar.tz
        for r in self.shown:
            detail = json.dumps(r.detail, ensure_ascii=False) if r.detail else "—"
            table.add_row(str(r.id), timefmt.local(r.at, tz, "%m-%d %H:%M:%S"), r.actor, r.action, r.entity,
                          r.key or "—", detail[:80], key=str(r.id))
        status = self.query_one("#audit-status", Static)
        if self.error:
            status.update(Text(self.error, style="bold red"))
        elif not self.shown:
            status.update(Text(t("audit.empty"), style="dim"))
        else:
            status.update(Text(f"{len(self.shown)}/{len(self.rows)}  {t('audit.hint')}", style="dim"))

    def action_filter(self) -> None:
        self.query_one("#audit-filter", Input).focus()

    @on(Input.Changed, "#audit-filter")
    def _typed(self, event: Input.Changed) -> None:
        self.text = event.value.strip()
        self._fill()

    @on(Input.Submitted, "#audit-filter")
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.table.focus()

    def action_reload(self) -> None:
        self.reload()
