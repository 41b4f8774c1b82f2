"""The ticket detail screen: every field, the units, every SLA clock and the whole timeline.

It reads `store.views.detail` (the same read model as `griddesk ticket show`) in a worker,
re-reads when the change feed says this ticket changed, and re-words the clocks' time left when
the minute turns. Personal data arrives already masked by the store, for every role; `p`
reveals the reporter (a role that may, after a reason in a dialog; store/privacy.py).
The workflow's keys (console.actions) act on this ticket; the footer shows those this operator
may take now, re-read with every change of the ticket. `n` registers a new ticket.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.widgets import Static

from griddesk.console import actions
from griddesk.console.actions import TicketKeys
from griddesk.console.messages import MinuteTick, ThemeChanged, TicketsChanged
from griddesk.console.screens.base import GridScreen
from griddesk.console.widgets.dialogs import Field, TextForm
from griddesk.console.widgets.entry_dialog import EntryDialog
from griddesk.console.widgets.plain import plain
from griddesk.console.widgets.queue_table import URGENCY_LOOK, Palette
from griddesk.store import decisions, permissions, privacy, timefmt, views
from griddesk.store.errors import StoreError
from griddesk.store.i18n import code_name, has, t


def action_label(code: str) -> str:
    """A timeline action's name: this console's wording, else the workflow's verb, else the code."""
    for key in (f"action.{code}", f"workflow.verb.{code}"):
        if has(key):
            return t(key)
    return code


REVEAL_KEY = "p"  # p for personal data: shows the reporter after a reason (store/privacy.py)


class EntryRow(Static, can_focus=True):
    """One timeline entry: Tab reaches it, ↑/↓ move between entries, Enter shows it whole."""

    BINDINGS = [
        Binding("enter", "open", "decisions.entry_hint", show=False),
        Binding("down", "step(1)", "console.key.bottom", show=False),
        Binding("up", "step(-1)", "console.key.top", show=False),
    ]

    def __init__(self, index: int, body: RenderableType) -> None:
        super().__init__(body, classes="tl-entry")
        self.index = index

    def action_open(self) -> None:
        screen = self.screen
        if isinstance(screen, TicketScreen):
            screen.open_entry(self.index)

    def action_step(self, delta: int) -> None:
        rows = list(self.screen.query(EntryRow))
        i = self.index + delta
        if 0 <= i < len(rows):
            rows[i].focus()
        elif i < 0:
            self.screen.query_one("#ticket-body").focus()


class TicketScreen(TicketKeys, GridScreen):
    CSS_PATH = "../styles/ticket.tcss"  # parsed when first shown, not before the queue's first paint
    ENTRY = "ticket"
    TITLE_KEY = "console.screen.ticket"
    BINDINGS = [
        Binding("escape", "back", "console.key.back"),
        Binding("r", "reload", "console.key.reload", show=False),
        Binding("home", "scroll_home", "console.key.top", show=False),
        Binding("end", "scroll_end", "console.key.bottom", show=False),
        Binding(REVEAL_KEY, "reveal", "privacy.reveal_key"),
        *actions.bindings(),
    ]

    def __init__(self, number: str, **kw: Any) -> None:
        super().__init__(**kw)
        self.number = number.strip()
        self.detail: views.TicketDetail | None = None
        self.revealed: privacy.Reporter | None = None  # shown on this screen until it is left

    def compose_body(self) -> ComposeResult:
        with VerticalScroll(id="ticket-body", can_focus=True):
            yield Static(t("console.loading"), id="ticket-summary")
            yield Static(id="ticket-clocks")
            yield Static(id="ticket-timeline-head")
            yield Vertical(id="ticket-timeline")

    def on_mount(self) -> None:
        self.query_one("#ticket-body").focus()
        self.reload()

    def where(self) -> str:
        return f"{t(self.TITLE_KEY)} › {self.number}"

    @property
    def ticket_id(self) -> int | None:
        return self.detail.ticket.id if self.detail else None

    # --- loading ---------------------------------------------------------------------------

    async def fetch(self) -> None:
        # the first read is the operator opening the ticket: the audit log keeps it (not refreshes)
        self.detail = await views.detail(self.gd.store, self.gd.actor, self.number, record=self.detail is None)
        if self.detail.ticket.number != self.number:  # typed shortened (`:ticket 0043`): show it whole
            self.number = self.detail.ticket.number
            self.update_where()

    def show(self) -> None:
        self.render_detail()
        if not self.error and self.detail is not None:
            self.set_ticket(self.detail.ticket)

    def refused(self, error: StoreError) -> None:
        self.set_ticket(None)  # no ticket to act on: no action keys

    def on_tickets_changed(self, message: TicketsChanged) -> None:
        if self.detail is None or message.touches(self.ticket_id):
            self.reload()

    def on_minute_tick(self, message: MinuteTick) -> None:
        if self.detail is not None:
            self.query_one("#ticket-clocks", Static).update(self._clocks(message.now))

    def on_theme_changed(self, message: ThemeChanged) -> None:
        self.render_detail()

    def relabel(self) -> None:
        self.render_detail()

    def action_reload(self) -> None:
        self.reload()

    def current_ticket(self) -> tuple[str, int | None] | None:
        if self.detail is None:
            return None
        return self.detail.ticket.number, self.detail.ticket.version

    # --- reveal --------------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "reveal":
            return permissions.may_reveal(self.gd.actor) and self.detail is not None and self.revealed is None
        return super().check_action(action, parameters)

    def action_reveal(self) -> None:
        if self.detail is None or not permissions.may_reveal(self.gd.actor):
            return
        number = self.detail.ticket.number

        async def submit(values: dict[str, str | None]) -> StoreError | None:
            try:
                self.revealed = await privacy.reveal_reporter(self.gd.store, self.gd.actor, number,
                                                              values.get("reason"))
            except StoreError as e:
                return e  # beside the reason field when it is the reason
            self.render_detail()
            self.refresh_bindings()
            return None

        self.app.push_screen(TextForm(t("privacy.reveal_title"),
                                      [Field("reason", t("privacy.reason_label"),
                                             placeholder=t("privacy.reason_placeholder"))],
                                      submit, intro=t("privacy.reveal_note")))

    def action_scroll_home(self) -> None:
        self.query_one("#ticket-body", VerticalScroll).scroll_home(animate=False)

    def action_scroll_end(self) -> None:
        self.query_one("#ticket-body", VerticalScroll).scroll_end(animate=False)

    # --- rendering -------------------------------------------------------------------------

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.gd.store.settings.timezone)

    def _when(self, at: datetime | None) -> str:
        return timefmt.local(at, self.tz, "%Y-%m-%d %H:%M") if at else "—"

    def render_detail(self) -> None:
        if not self.is_mounted:
            return
        summary = self.query_one("#ticket-summary", Static)
        if self.error:
            summary.update(Text(self.error, style=f"bold {self.app.current_theme.error or 'red'}"))
            self.query_one("#ticket-clocks", Static).update("")
            self.query_one("#ticket-timeline-head", Static).update("")
            self._fill_timeline([])
            return
        if self.detail is None:
            return
        now = self.gd.store.now()
        summary.update(self._summary())
        self.query_one("#ticket-clocks", Static).update(self._clocks(now))
        self.query_one("#ticket-timeline-head", Static).update(self._timeline_head())
        self._fill_timeline(self._entries())

    def plain_text(self, width: int = 100) -> str:
        """The detail as plain text, as the operator reads it (tests; copying a ticket out)."""
        import io

        from rich.console import Console

        if self.detail is None:
            return self.error or ""
        console = Console(width=width, record=True, file=io.StringIO(), color_system=None)
        for part in (self._summary(), self._clocks(self.gd.store.now()), self._timeline()):
            console.print(part)
        return console.export_text()

    def _section(self, key: str) -> Text:
        return Text(t(key), style=f"bold {self.app.current_theme.accent or ''}".strip())

    def _summary(self) -> RenderableType:
        d = self.detail
        assert d is not None
        tk = d.ticket
        p = Palette(self.app.current_theme)
        symbol, colour = p.status(tk.status)
        status = Text(f"{symbol} {code_name('status', tk.status)}", style=colour)
        if tk.resume_status:
            status.append(f"  ({decisions.waiting_for(tk.status, tk.resume_status)})",
                          style="dim")
        urgency = Text(f"{URGENCY_LOOK.get(tk.urgency, '?')} {code_name('urgency', tk.urgency)}",
                       style=p(f"urgency-{tk.urgency}"))
        # every value from the database as plain Text: never markup, never a control character
        grid = plain(f"{d.grid.name}  ({d.grid.code})")
        if d.matter is not None:
            matter = plain(f"{d.matter.name}  ({d.matter.code})")
        else:
            matter = plain(t("console.queue.out_of_list"))
        reporter: RenderableType = plain(" ".join(x for x in (d.reporter_name, d.reporter_phone) if x) or "—")
        description: RenderableType = plain(tk.description or "—", multiline=True)
        if self.revealed is not None and self.revealed.number == tk.number:
            r = self.revealed
            reporter = plain(t("privacy.shown", number=r.number, name=r.name or "—", phone=r.phone or "—"),
                             style="bold")
            description = plain(r.description or "—", multiline=True)
        lead = plain(d.lead_unit.name if d.lead_unit else "—")
        co = plain("、".join(u.name for u in d.co_units) or "—")
        rows: list[tuple[str, RenderableType]] = [
            ("field.number", plain(tk.number, style="bold")),
            ("field.status", status),
            ("field.urgency", urgency),
            ("field.source", code_name("source", tk.source)),
            ("field.title", plain(tk.title, style="bold")),
            ("field.description", description),
            ("field.grid", grid),
            ("field.address", plain(tk.address or "—")),
            ("field.matter", matter),
            ("field.reporter", reporter),
            ("console.ticket.lead_unit", lead),
            ("console.ticket.co_units", co),
            ("field.received_at", self._when(tk.received_at)),
            ("console.ticket.handle_due", self._when(tk.handle_due_at)),
        ]
        if tk.external_id:
            rows.append(("field.external_id", plain(f"{tk.external_source or ''} {tk.external_id}".strip())))
        if tk.closed_at:
            rows.append(("console.ticket.closed_at", self._when(tk.closed_at)))
        if tk.resolved_on_spot:
            rows.append(("field.resolved_on_spot", t("console.yes")))
        if tk.satisfaction:
            rows.append(("console.ticket.satisfaction", code_name("satisfaction", tk.satisfaction)))
        if tk.supervise_level:
            rows.append(("console.ticket.supervise", code_name("supervise_level", tk.supervise_level)))
        if tk.escalation:
            rows.append(("console.ticket.escalation", code_name("escalation", tk.escalation)))
        rows.append(("console.ticket.updated", plain(f"{self._when(tk.updated_at)}  {tk.updated_by}  v{tk.version}")))
        table = Table.grid(padding=(0, 2))
        table.add_column(style="dim", no_wrap=True)
        table.add_column(ratio=1)
        for key, value in rows:
            label = t(key)
            table.add_row(label[:1].upper() + label[1:], value)
        return Group(self._section("console.ticket.section_ticket"), table)

    def _clocks(self, now: datetime) -> RenderableType:
        d = self.detail
        assert d is not None
        p = Palette(self.app.current_theme)
        if not d.clocks:
            return Group(Text(""), self._section("console.ticket.section_clocks"),
                         Text(t("console.ticket.no_clocks"), style="dim"))
        table = Table(box=None, padding=(0, 2, 0, 0), show_edge=False, header_style="dim")
        for key in ("clock", "limit", "due", "state", "left"):
            table.add_column(t(f"console.ticket.clock_{key}"), no_wrap=key != "left")
        for c in d.clocks:
            limit = timefmt.limit(c.limit_value, c.limit_unit)
            state = Text(t(f"console.clock_state.{c.state}"))
            if c.state == "overdue" or c.state == "missed":
                state.stylize(f"bold {p('overdue')}")
            elif c.due_soon:
                state.stylize(p("due-soon"))
            if c.state in ("running", "overdue"):
                left = Text(timefmt.time_left(c.due_at, now),
                            style=f"bold {p('overdue')}" if c.due_at < now else "")
            elif c.state == "paused":
                left = Text(t("time.paused", span=timefmt.span(c.left_s)), style="dim")
            else:
                left = Text("—", style="dim")
            live = c.state in ("running", "paused", "overdue")
            name = decisions.clock_name(c.name, d.ticket.status if live else None)
            table.add_row(name, limit, self._when(c.due_at), state, left)
        return Group(Text(""), self._section("console.ticket.section_clocks"), table)

    def _timeline_head(self) -> RenderableType:
        head = self._section("console.ticket.section_timeline")
        head.append(f"  {t('decisions.entry_hint')}", style="dim")
        return Group(Text(""), head)

    def _timeline(self) -> RenderableType:
        return Group(self._timeline_head(), *self._entries())

    def _entries(self) -> list[RenderableType]:
        """Each entry: when, who, what and the status change on one line; under it, indented and
        wrapped by cells, the decision (satisfaction, verification, new deadline, progress) and
        the reason and note as typed (store.decisions)."""
        d = self.detail
        assert d is not None
        p = Palette(self.app.current_theme)
        out: list[RenderableType] = []
        for e in d.timeline:
            head = Text(overflow="fold")
            head.append(self._when(e.at), style="dim")
            head.append(f"  {e.actor}  ")
            head.append(action_label(e.action), style="bold")
            if e.from_status and e.to_status and e.from_status != e.to_status:
                head.append("  ")
                head.append(code_name("status", e.from_status), style="dim")
                head.append(" → ")
                head.append(code_name("status", e.to_status), style=p.status(e.to_status)[1])
            elif e.to_status:
                head.append("  ")
                head.append(code_name("status", e.to_status), style=p.status(e.to_status)[1])
            said = decisions.lines(e.action, e.data, e.note, self.tz, names=d.unit_names)
            if not said:
                out.append(head)
                continue
            body = Table.grid()
            body.add_column(width=4, no_wrap=True)
            body.add_column(ratio=1, overflow="fold")
            first = decisions.decision(e.action, e.data, self.tz, names=d.unit_names)
            for n, line in enumerate(said):
                body.add_row("", plain(line, style="bold" if n == 0 and first else "", overflow="fold"))
            out.append(Group(head, body))
        return out

    def _fill_timeline(self, entries: list[RenderableType]) -> None:
        """The timeline is append-only: rows held are re-worded in place, new entries appended
        (no remount, so a focused entry keeps its focus through a reload)."""
        box = self.query_one("#ticket-timeline", Vertical)
        rows = list(box.query(EntryRow))
        for row, body in zip(rows, entries, strict=False):
            row.update(body)
        if len(rows) > len(entries):  # an error, or another ticket shown: drop the rest
            for row in rows[len(entries):]:
                row.remove()
        elif len(entries) > len(rows):
            box.mount_all([EntryRow(i, body) for i, body in enumerate(entries) if i >= len(rows)])

    def open_entry(self, index: int) -> None:
        """Show one timeline entry whole, in a dialog."""
        if self.detail is None or not 0 <= index < len(self.detail.timeline):
            return
        e = self.detail.timeline[index]
        self.app.push_screen(EntryDialog(t("decisions.entry_title", action=action_label(e.action)),
                                         self._entries()[index]))
