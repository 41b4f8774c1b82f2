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

from rich.cells import cell_len
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Static

from griddesk.console.messages import RecordsChanged
from griddesk.console.screens.base import GridScreen
from griddesk.console.widgets.line_list import Cell, Column, LineList, LineRow
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
        # a LineList: a county's thousands of findings cost a list of references, and only the
        # rows on screen are painted
        yield LineList(self._describe, self._columns, id="findings-table")
        yield Static(id="findings-detail")
        yield Static(id="findings-status", classes="roster-status")

    @property
    def table(self) -> LineList:
        return self.query_one("#findings-table", LineList)

    def on_mount(self) -> None:
        self.table.focus()
        self.reload()

    def where(self) -> str:
        parts = [t(self.TITLE_KEY)]
        if self.rule:
            parts.append(t(f"roster.rule.{self.rule}"))
        return " › ".join(parts)

    def _columns(self, width: int) -> list[Column]:
        """Rule and article as wide as their longest text among the rules (a handful: no row is
        measured); the subject takes the rest."""
        def label(key: str) -> str:
            return t(f"console_roster.findings.col_{key}")

        rules = [self._rule_title(r.code) for r in compliance.RULES]
        articles = [compliance.cite(r.article, short=True) for r in compliance.RULES]
        articles.append(compliance.cite("HH 11", short=True))  # no_full_time outside towns
        rule_w = max(cell_len(x) for x in [*rules, label("rule")])
        article_w = max(cell_len(x) for x in [*articles, label("article")])
        return [Column("rule", label("rule"), rule_w), Column("subject", label("subject")),
                Column("article", label("article"), article_w)]

    def _rule_title(self, rule: str) -> str:
        return t(f"roster.rule.{rule}") if self.wide else t(f"console_roster.rule_short.{rule}")

    def _describe(self, f: compliance.Finding) -> list[Cell]:
        return [self._rule_title(f.rule), f.subject_name, (f.citation(short=True), "dim")]

    def relabel(self) -> None:
        self.table.relabel()
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
        wide = self.app.size.width >= WIDE
        if wide != self.wide:
            self.wide = wide
            self.table.redraw_rows()
        self.table.set_rows([LineRow(finding_key(f), f) for f in self.found])
        if self.table.cursor is None and self.found:
            self.table.move_to(0)
        self.show_detail()
        self._status()

    def current(self) -> compliance.Finding | None:
        value = self.table.cursor_value
        return value if isinstance(value, compliance.Finding) else None

    @on(LineList.Highlighted, "#findings-table")
    def _moved(self, event: LineList.Highlighted) -> None:
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

    @on(LineList.Selected, "#findings-table")
    def _selected(self, event: LineList.Selected) -> None:
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
