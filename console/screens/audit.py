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
from textual.widgets import Input, Static

from griddesk.console.screens.base import GridScreen
from griddesk.console.widgets.line_list import Cell, FittedList, LineRow, Want
from griddesk.store import audit, timefmt
from griddesk.store.errors import StoreError
from griddesk.store.i18n import t
from griddesk.store.numbers import short_number

LOAD = 2000  # entries read at a time: the newest ones; older are for `griddesk audit export`
# the key is never cut (a ticket number is what an operator types back); the detail gives way first
WANTS = (Want("id"), Want("at", whole=True), Want("actor", least=6, give=1), Want("action", least=16, give=1),
         Want("entity", least=6), Want("key", whole=True), Want("detail", least=9, give=2))


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
        yield FittedList(self._cells, self._wants, id="audit-table")
        yield Static(id="audit-status", classes="roster-status")

    @property
    def table(self) -> FittedList:
        return self.query_one("#audit-table", FittedList)

    def on_mount(self) -> None:
        self.table.focus()
        self.reload()

    @staticmethod
    def _wants() -> list[Want]:
        return [w.named(t(f"audit.col.{w.key}")) for w in WANTS]

    def _cells(self, r: audit.AuditRow) -> list[Cell]:
        detail = json.dumps(r.detail, ensure_ascii=False) if r.detail else "—"
        key = r.key or "—"
        if r.entity == "ticket" and r.key:
            key = short_number(r.key, self.gd.actor.jurisdiction)
        return [str(r.id), timefmt.local(r.at, self.gd.store.calendar.tz, "%m-%d %H:%M:%S"), r.actor, r.action,
                r.entity, key, detail]

    def relabel(self) -> None:
        self.table.relabel()
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
        self.shown = [r for r in self.rows if self.matches(r)]
        self.table.set_rows([LineRow(str(r.id), r) for r in self.shown])
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
