"""Compliance findings (F6): every gap in the roster, each with the rule and the article it
comes from (`store.compliance`), for the supervisor to work down.

The list shows the rule, the subject (a grid, a person, a centre) and the article in short;
the line under it the full detail and citation. Enter opens the subject where it is fixed: a
grid in the area tree, a person in the people list, a centre's seat operators in the people
list. Findings are computed afresh on every read, never stored: the list re-reads when the
change feed reports a roster change (and when you come back to it), so a fix makes its line go.
`f` shows one rule at a time.
"""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Static

from griddesk.console.messages import RecordsChanged
from griddesk.console.screens.base import GridScreen
from griddesk.store import compliance
from griddesk.store.enums import PersonRole
from griddesk.store.i18n import t

WIDE = 140  # from this many columns the table names the rule in full, else in short
RULE_CYCLE: tuple[str | None, ...] = (None, *(r.code for r in compliance.RULES))


def finding_key(f: compliance.Finding) -> str:
    return f"{f.rule}:{f.subject_kind}:{f.subject_key}"


class FindingsScreen(GridScreen):
    ENTRY = "findings"
    READ_FAILED_KEY = "console_roster.read_failed"
    TITLE_KEY = "console_roster.screen.findings"
    CSS_PATH = "../styles/roster.tcss"
    BINDINGS = [
        Binding("enter", "open", "console_roster.key.open_subject", priority=True),
        Binding("f", "rule", "console_roster.key.rule"),
        Binding("r", "reload", "console.key.reload"),
        Binding("escape", "back", "console.key.back"),
    ]

    def __init__(self, rule: str | None = None, **kw: Any) -> None:
        super().__init__(**kw)
        self.rule = rule if rule in RULE_CYCLE else None
        self.found: list[compliance.Finding] = []
        self.wide = False

    def compose_body(self) -> ComposeResult:
        yield DataTable(id="findings-table", cursor_type="row")
        yield Static(id="findings-detail")
        yield Static(id="findings-status", classes="roster-status")

    @property
    def table(self) -> DataTable[str | Text]:
        return self.query_one("#findings-table", DataTable)

    def on_mount(self) -> None:
        self._columns()
        self.table.focus()
        self.reload()

    def where(self) -> str:
        parts = [t(self.TITLE_KEY)]
        if self.rule:
            parts.append(t(f"roster.rule.{self.rule}"))
        return " › ".join(parts)

    def _columns(self) -> None:
        self.table.clear(columns=True)
        for key in ("rule", "subject", "article"):
            self.table.add_column(t(f"console_roster.findings.col_{key}"), key=key)

    def relabel(self) -> None:
        self._columns()
        self._fill()

    def set_arg(self, arg: str) -> None:
        self.rule = arg.strip() if arg.strip() in RULE_CYCLE else None
        self.update_where()
        self.reload()

    # --- loading ---------------------------------------------------------------------------

    async def fetch(self) -> bool | None:
        rule = self.rule
        found = await compliance.findings(self.gd.store, self.gd.actor, [rule] if rule else None)
        if rule != self.rule:
            return False
        self.found = found
        return None

    def show(self) -> None:
        if self.error:
            self._status()
        else:
            self._fill()

    def _fill(self) -> None:
        """Rows for `self.found`; the cursor stays on its finding, or where it was when fixed."""
        table = self.table
        before = self.current()
        row = table.cursor_row
        table.clear()
        self.wide = self.app.size.width >= WIDE
        for f in self.found:
            title = f.title() if self.wide else t(f"console_roster.rule_short.{f.rule}")
            table.add_row(Text(title), Text(f.subject_name), Text(f.citation(short=True), style="dim"),
                          key=finding_key(f))
        if self.found:
            keys = [finding_key(f) for f in self.found]
            at = keys.index(finding_key(before)) if before is not None and finding_key(before) in keys else row
            table.move_cursor(row=max(0, min(at, len(self.found) - 1)))
        self.show_detail()
        self._status()

    def current(self) -> compliance.Finding | None:
        if not self.found or self.table.row_count == 0:
            return None
        i = self.table.cursor_row
        return self.found[i] if 0 <= i < len(self.found) else None

    @on(DataTable.RowHighlighted, "#findings-table")
    def _moved(self, event: DataTable.RowHighlighted) -> None:
        self.show_detail()

    def show_detail(self) -> None:
        f = self.current()
        box = self.query_one("#findings-detail", Static)
        if f is None:
            box.update(Text(t("console_roster.findings.none"), style="green"))
            return
        text = Text(t("console_roster.findings.heading", title=f.title()), style="bold")
        text.append(f.detail())
        text.append("\n")
        text.append(t("console_roster.findings.source", citation=f.citation()), style="dim")
        box.update(text)

    def _status(self) -> None:
        status = self.query_one("#findings-status", Static)
        if self.error:
            status.update(Text(self.error, style="bold red"))
            return
        by_rule: dict[str, int] = {}
        for f in self.found:
            by_rule[f.rule] = by_rule.get(f.rule, 0) + 1
        parts = [t("console_roster.findings.count", n=len(self.found))]
        if len(by_rule) > 1:
            parts.append("  ".join(f"{t(f'console_roster.rule_short.{r}')} {n}" for r, n in by_rule.items()))
        status.update(Text(" · ".join(parts), style="dim"))

    # --- keys -------------------------------------------------------------------------------

    @on(DataTable.RowSelected, "#findings-table")
    def _selected(self, event: DataTable.RowSelected) -> None:
        self.action_open()

    def action_open(self) -> None:
        """Open the subject where it is fixed."""
        f = self.current()
        if f is None:
            return
        if f.subject_kind == "grid":
            from griddesk.console.screens.roster import RosterScreen

            self.app.push_screen(RosterScreen(focus=f.subject_key))
        elif f.subject_kind == "person":
            from griddesk.console.screens.people import PeopleScreen

            self.app.push_screen(PeopleScreen(focus=int(f.subject_key)))
        elif f.subject_kind == "area":
            from griddesk.console.screens.people import PeopleScreen

            self.app.push_screen(PeopleScreen(role=PersonRole.SEAT_OPERATOR))

    def action_rule(self) -> None:
        at = RULE_CYCLE.index(self.rule) if self.rule in RULE_CYCLE else 0
        self.rule = RULE_CYCLE[(at + 1) % len(RULE_CYCLE)]
        self.update_where()
        self.reload()

    def action_reload(self) -> None:
        self.reload()

    def on_resize(self) -> None:
        if self.is_mounted and (self.app.size.width >= WIDE) != self.wide:
            self._fill()

    def on_records_changed(self, message: RecordsChanged) -> None:
        if {"grid", "person", "area", "unit"} & message.entities.keys():
            self.reload()

    def on_screen_resume(self) -> None:
        # back from fixing something: the feed may not have been read yet
        if self.loads:
            self.reload()
