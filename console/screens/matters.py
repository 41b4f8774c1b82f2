"""The matter list (F7) as a living catalogue (事项清单, HH 15, YC 11–12, BH 12–13).

Every entry, in force or withdrawn: code, name, its time limit and the urgent / emergency
variants, whether it is reported upward at once, when it was admitted and withdrawn and which
department asked. Under the list, the highlighted entry's history (admitted, amended,
withdrawn). `w` cycles all / in force / withdrawn.

Supervisor keys (the store lets only a supervisor or an admin change the list): `n` admits an
entry, `e` amends its limits, `x` withdraws it from a date at a department's request (BH 13;
asks first). Only entries in force classify a new ticket — the intake form reads the same rule.

Limits are typed short: a number and a letter — `4h` working hours, `3d` working days, `24n`
natural hours (a blank urgent or emergency limit means none).
"""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING, Any, Literal, overload

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Static

from griddesk.console.messages import RecordsChanged
from griddesk.console.screens.base import GridScreen
from griddesk.console.widgets import run_latest
from griddesk.console.widgets.dialogs import STAY, Field, ask, confirm, wrote
from griddesk.console.widgets.form import Pick, RosterForm, Row, field_label, parse_date
from griddesk.store import matters, permissions, roster, timefmt
from griddesk.store.compliance import cite
from griddesk.store.enums import LimitUnit, Urgency
from griddesk.store.errors import Invalid, StoreError
from griddesk.store.i18n import t

if TYPE_CHECKING:
    from griddesk.console.shell import Shell

log = logging.getLogger(__name__)

SHOWN = ("all", "in_force", "withdrawn")
LETTERS = {"h": LimitUnit.WORK_HOURS, "d": LimitUnit.WORK_DAYS, "n": LimitUnit.NATURAL_HOURS}
LETTER_OF: dict[str, str] = {v: k for k, v in LETTERS.items()}  # a unit (a str enum, or its value) → its letter
LIMIT = re.compile(r"^\s*(\d+)\s*([hdnHDN])\s*$")


@overload
def parse_limit(text: str | None, fld: str, required: Literal[True]) -> matters.Limit: ...


@overload
def parse_limit(text: str | None, fld: str, required: bool = False) -> matters.Limit | None: ...


def parse_limit(text: str | None, fld: str, required: bool = False) -> matters.Limit | None:
    if text is None or not text.strip():
        if required:
            raise Invalid("error.required", field=fld)
        return None
    m = LIMIT.match(text)
    if m is None:
        raise Invalid("console_roster.matters.bad_limit", field=fld, value=text)
    return matters.Limit(int(m.group(1)), LETTERS[m.group(2).lower()])


def short_limit(limit: matters.Limit | None) -> str:
    return f"{limit.value}{LETTER_OF.get(limit.unit, '?')}" if limit else ""


def limit_text(limit: matters.Limit | None) -> str:
    return timefmt.limit(limit.value, limit.unit) if limit else "—"


def state(m: matters.MatterRow, on: Any) -> str:
    if m.in_force(on):
        return "in_force"
    return "withdrawn" if m.withdrawn_on is not None and m.withdrawn_on <= on else "pending"


def _limit_rows(m: matters.MatterRow | None) -> list[Field]:
    hint = t("console_roster.matters.limit_hint")
    return [
        Field("matter.limit", field_label("matter.limit"), value=short_limit(m.limit) if m else "", placeholder=hint),
        Field("matter.urgent", field_label("matter.urgent"), required=False,
              value=short_limit(m.variants.get(Urgency.URGENT)) if m else "", placeholder=hint),
        Field("matter.emergency", field_label("matter.emergency"), required=False,
              value=short_limit(m.variants.get(Urgency.EMERGENCY)) if m else "", placeholder=hint),
    ]


async def admit_flow(app: Shell) -> str | None:
    made: list[str] = []

    async def submit(v: dict[str, str | None]) -> Any:
        on = parse_date(v.get("matter.admitted_on"), "matter.admitted_on") or roster.today(app.store)
        new = matters.NewMatter(
            code=v.get("matter.code") or "", name=v.get("matter.name") or "",
            limit=parse_limit(v.get("matter.limit"), "matter.limit", required=True),
            admitted_on=on, class_code=v.get("matter.class_code"), default_unit=v.get("matter.default_unit"),
            urgent=parse_limit(v.get("matter.urgent"), "matter.urgent"),
            emergency=parse_limit(v.get("matter.emergency"), "matter.emergency"),
            escalate=v.get("escalate") == "yes", requested_by=v.get("matter.requested_by"),
            note=v.get("matter.note"))
        made.append(await matters.admit(app.store, app.actor, new))

    code = Field("matter.code", field_label("matter.code"), placeholder=t("console_roster.matters.code_hint"))
    rows: list[Row] = [
        code,
        Field("matter.name", field_label("matter.name")),
        Field("matter.class_code", field_label("matter.class_code"), required=False,
              placeholder=t("console_roster.matters.class_hint")),
        *_limit_rows(None),
        Field("matter.default_unit", field_label("matter.default_unit"), required=False,
              placeholder=t("console_roster.person.unit_hint")),
        Pick("escalate", t("console_roster.matters.escalate"),
             (("no", t("console_roster.matters.no")), ("yes", t("console_roster.matters.yes"))), "no"),
        Field("matter.admitted_on", field_label("matter.admitted_on"), required=False,
              placeholder=t("console_roster.form.date_hint")),
        Field("matter.requested_by", field_label("matter.requested_by"), required=False),
        Field("matter.note", field_label("matter.note"), required=False)]
    if not await ask(app, RosterForm(t("console_roster.matters.admit_title"), rows, submit)):
        return None
    wrote(app, t("console_roster.matters.admitted", code=made[0]))
    return made[0]


async def amend_flow(app: Shell, m: matters.MatterRow) -> str | None:
    diff: dict[str, Any] = {}

    async def submit(v: dict[str, str | None]) -> Any:
        diff.update(await matters.amend_limits(
            app.store, app.actor, m.code, limit=parse_limit(v.get("matter.limit"), "matter.limit", required=True),
            urgent=parse_limit(v.get("matter.urgent"), "matter.urgent"),
            emergency=parse_limit(v.get("matter.emergency"), "matter.emergency"),
            on=parse_date(v.get("on"), "on"), requested_by=v.get("matter.requested_by"),
            note=v.get("matter.note")))

    rows = [*_limit_rows(m),
            Field("on", t("console_roster.matters.amend_on"), required=False,
                  placeholder=t("console_roster.form.date_hint")),
            Field("matter.requested_by", field_label("matter.requested_by"), required=False),
            Field("matter.note", field_label("matter.note"), required=False)]
    intro = t("console_roster.matters.amend_intro", name=m.name, code=m.code)
    if not await ask(app, RosterForm(t("console_roster.matters.amend_title", name=m.name), rows, submit, intro)):
        return None
    if not diff:
        app.notify(t("console_roster.matters.nothing"), timeout=5)
        return None
    wrote(app, t("console_roster.matters.amended", code=m.code))
    return m.code


async def withdraw_flow(app: Shell, m: matters.MatterRow) -> str | None:
    async def submit(v: dict[str, str | None]) -> Any:
        on = parse_date(v.get("matter.withdrawn_on"), "matter.withdrawn_on") or roster.today(app.store)
        if not (v.get("matter.requested_by") or "").strip():
            # BH 13: an entry goes out at a department's request; the store refuses it blank too
            raise Invalid("error.required", field="matter.requested_by")
        if not await confirm(app, t("console_roster.matters.withdraw_title", name=m.name),
                             t("console_roster.matters.withdraw_confirm", name=m.name, code=m.code,
                               on=on.isoformat(), by=v.get("matter.requested_by"))):
            return STAY
        await matters.withdraw(app.store, app.actor, m.code, on, v.get("matter.requested_by") or "",
                               v.get("matter.note"))

    rows = [Field("matter.withdrawn_on", field_label("matter.withdrawn_on"), required=False,
                  placeholder=t("console_roster.matters.withdraw_on_hint")),
            Field("matter.requested_by", field_label("matter.requested_by"),
                  placeholder=t("console_roster.matters.requested_hint")),
            Field("matter.note", field_label("matter.note"), required=False)]
    intro = t("console_roster.matters.withdraw_intro", name=m.name, code=m.code,
              source=cite("BH 13", short=True))
    if not await ask(app, RosterForm(t("console_roster.matters.withdraw_title", name=m.name), rows, submit, intro)):
        return None
    wrote(app, t("console_roster.matters.withdrawn", code=m.code))
    return m.code


class MattersScreen(GridScreen):
    ENTRY = "matters"
    TITLE_KEY = "console_roster.screen.matters"
    CSS_PATH = "../styles/roster.tcss"
    BINDINGS = [
        Binding("w", "shown", "console_roster.key.shown"),
        Binding("n", "admit", "console_roster.key.admit"),
        Binding("e", "amend", "console_roster.key.amend"),
        Binding("x", "withdraw", "console_roster.key.withdraw"),
        Binding("r", "reload", "console.key.reload", show=False),
        Binding("escape", "back", "console.key.back"),
    ]
    WRITES = ("admit", "amend", "withdraw")

    def __init__(self, focus: str = "", **kw: Any) -> None:
        super().__init__(**kw)
        self.focus_code = focus.strip().upper()
        self.shown = "all"
        self.every: list[matters.MatterRow] = []
        self.rows: list[matters.MatterRow] = []
        self.loads = 0

    def compose_body(self) -> ComposeResult:
        yield DataTable(id="matters-table", cursor_type="row")
        yield Static(id="matters-detail")
        yield Static(id="matters-status", classes="roster-status")

    @property
    def table(self) -> DataTable[str | Text]:
        return self.query_one("#matters-table", DataTable)

    def on_mount(self) -> None:
        self._columns()
        self.table.focus()
        self.reload()

    def where(self) -> str:
        parts = [t(self.TITLE_KEY)]
        if self.shown != "all":
            parts.append(t(f"console_roster.matters.state_{self.shown}"))
        return " › ".join(parts)

    def _columns(self) -> None:
        self.table.clear(columns=True)
        for key in ("state", "code", "name", "limit", "urgent", "emergency", "admitted", "withdrawn", "requested"):
            self.table.add_column(t(f"console_roster.matters.col_{key}"), key=key)

    def relabel(self) -> None:
        self._columns()
        self._fill()

    def set_arg(self, arg: str) -> None:
        self.focus_code = arg.strip().upper()
        self._fill()

    def reload(self) -> None:
        self.run_worker(self._load(), group="matters-load", exclusive=True, exit_on_error=False)

    async def _load(self) -> None:
        try:
            self.every = await matters.catalogue(self.gd.store, self.gd.actor)
        except StoreError as e:
            self.query_one("#matters-status", Static).update(Text(e.message(), style="red"))
            return
        self._fill()
        self.loads += 1

    def _fill(self) -> None:
        on = roster.today(self.gd.store)
        cur = self.current()
        keep = self.focus_code or (cur.code if cur is not None else "")
        self.focus_code = ""
        self.rows = [m for m in self.every if self.shown == "all" or state(m, on) == self.shown
                     or (self.shown == "withdrawn" and state(m, on) == "pending")]
        table = self.table
        table.clear()
        for m in self.rows:
            st = state(m, on)
            style = "" if st == "in_force" else "dim"
            mark = Text(t(f"console_roster.matters.mark_{st}"), style="green" if st == "in_force" else "dim")
            name = Text(m.name, style=style)
            if m.escalate:
                name.append(" ↑", style="bold red")
            table.add_row(mark, Text(m.code, style=style), name, limit_text(m.limit),
                          limit_text(m.variants.get(Urgency.URGENT)), limit_text(m.variants.get(Urgency.EMERGENCY)),
                          m.admitted_on.isoformat(), m.withdrawn_on.isoformat() if m.withdrawn_on else "",
                          Text(m.requested_by or "", style="dim"), key=m.code)
        at = next((i for i, m in enumerate(self.rows) if m.code == keep), 0)
        if self.rows:
            table.move_cursor(row=at)
        in_force = sum(1 for m in self.every if m.in_force(on))
        self.query_one("#matters-status", Static).update(Text(t(
            "console_roster.matters.count", shown=len(self.rows), in_force=in_force,
            withdrawn=len(self.every) - in_force), style="dim"))
        self.show_detail()

    def current(self) -> matters.MatterRow | None:
        if not self.rows or self.table.row_count == 0:
            return None
        i = self.table.cursor_row
        return self.rows[i] if 0 <= i < len(self.rows) else None

    @on(DataTable.RowHighlighted, "#matters-table")
    def _moved(self, event: DataTable.RowHighlighted) -> None:
        self.show_detail()

    def show_detail(self) -> None:
        m = self.current()
        self.refresh_bindings()
        box = self.query_one("#matters-detail", Static)
        if m is None:
            box.update("")
            return
        box.update(self._summary(m, []))
        async def work() -> None:
            await self._history(m)

        run_latest(self, work, "matters-history")

    def _summary(self, m: matters.MatterRow, events: list[matters.MatterEventRow]) -> Group:
        line = Text(f"{m.name}（{m.code}）", style="bold")
        if m.default_unit_name:
            line.append("  " + t("console_roster.matters.default_unit", unit=m.default_unit_name), style="dim")
        if m.escalate:
            line.append(f"  {t('console_roster.matters.escalate_mark')}", style="bold red")
        history = Table.grid(padding=(0, 2))
        history.add_column(no_wrap=True)
        history.add_column(no_wrap=True)
        history.add_column()
        for e in events[-4:]:
            who = e.requested_by or e.actor
            note = f"  {e.note.splitlines()[0]}" if e.note else ""
            history.add_row(e.on.isoformat(), t(f"console_roster.matters.action_{e.action}"), Text(f"{who}{note}"))
        return Group(line, history)

    async def _history(self, m: matters.MatterRow) -> None:
        try:
            events = await matters.history(self.gd.store, self.gd.actor, m.code)
        except StoreError:
            return
        if self.current() is m:
            self.query_one("#matters-detail", Static).update(self._summary(m, events))

    # --- keys -------------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in self.WRITES:
            if not permissions.may_write(self.gd.actor, permissions.SUPERVISORS):
                return False
            if action == "admit" or not self.is_mounted:
                return True
            m = self.current()
            if m is None:
                return False
            if action == "withdraw":
                return m.withdrawn_on is None
            return m.withdrawn_on is None or m.withdrawn_on > roster.today(self.gd.store)
        return True

    def _flow(self, coro: Any) -> None:
        self.run_worker(self._run(coro), group="matters-write", exclusive=True, exit_on_error=False)

    async def _run(self, coro: Any) -> None:
        try:
            code = await coro
        except StoreError as e:
            self.app.notify(e.message(), severity="error", timeout=10, markup=False)
            return
        if code:
            self.focus_code = code
        await self._load()

    def action_admit(self) -> None:
        if self.check_action("admit", ()):
            self._flow(admit_flow(self.gd))

    def action_amend(self) -> None:
        m = self.current()
        if m is not None and self.check_action("amend", ()):
            self._flow(amend_flow(self.gd, m))

    def action_withdraw(self) -> None:
        m = self.current()
        if m is not None and self.check_action("withdraw", ()):
            self._flow(withdraw_flow(self.gd, m))

    def action_shown(self) -> None:
        self.shown = SHOWN[(SHOWN.index(self.shown) + 1) % len(SHOWN)]
        self.update_where()
        self._fill()

    def action_reload(self) -> None:
        self.reload()

    def on_records_changed(self, message: RecordsChanged) -> None:
        if "matter" in message.entities:
            self.reload()
