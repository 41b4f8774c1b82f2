"""The overdue view (F4 from anywhere): every clock due soon or overdue, grouped, worst first.

Rows come from `store.overdue.view`: one per clock (sign-for, handling, extension decision,
verification, return visit, report upward) whose warning time has passed, sorted by the overdue
multiple (超时倍数: time late ÷ the limit, in the limit's own basis), then due-soon rows by the
share of the limit left. `g` cycles the grouping: by lead unit, by grid, by stage; each group's
header line carries its counts. `enter` opens the ticket; `S` supervises it, `E` escalates,
`X` exports its formal notice, `w` lists the units with overdue work.

The list is a `LineList` (console.widgets.line_list): it holds the rows as data and paints only
the lines on screen, so a county's 25,000 clocks open as fast as a town's 25. A group header is a
line the cursor passes over. A refresh hands it the new rows: the cursor stays on its ticket, and
only what is on screen is painted again. It re-reads when the change feed reports a ticket
change and when the minute turns (clocks cross into due-soon and overdue as time passes). The
database read is the store's (`overdue.read`); making the rows from it (`prepare`: each clock's
working-time arithmetic, grouping, the list's rows) runs in a thread, off the event loop.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

from rich.cells import cell_len
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Static

from griddesk.console.messages import MinuteTick, ThemeChanged, TicketsChanged
from griddesk.console.screens.base import GridScreen
from griddesk.console.widgets.line_list import Cell, Column, LineList, LineRow
from griddesk.console.widgets.queue_table import URGENCY_LOOK, Palette
from griddesk.store import overdue, supervision
from griddesk.store.context import Store
from griddesk.store.enums import Urgency
from griddesk.store.i18n import code_name, t
from griddesk.store.numbers import short_number
from griddesk.store.overdue import OverdueGroup

BY = overdue.BY  # unit, grid, stage: the order `g` cycles through
TITLE_WANT, TITLE_LEAST, OTHER_LEAST = 16, 10, 10  # cells: narrow screens give up the other name first
GROUP_PREFIX, ROW_PREFIX = "g:", "r:"
SAMPLE = 500  # rows at each end of the list measured for the column widths


# --- wording shared with the wall display ------------------------------------------------------


def stage_name(clock: str) -> str:
    """A clock's short name for a narrow column ("办理", "Handle")."""
    key = f"console_supervise.stage.{clock}"
    text = t(key)
    return text if text != key else code_name("clock", clock)


def late_text(store: Store, r: overdue.OverdueRow) -> str:
    """"超 2小时10分钟" / "剩 50分钟", exact to the minute in the limit's own basis."""
    if r.overdue:
        if r.late_s < 60:
            # past the deadline, but not by a minute of its basis (after hours for working time)
            return t("console_supervise.row.just_late")
        return t("console_supervise.row.late", span=overdue.basis_span(store, r.late_s, r.limit_unit))
    return t("console_supervise.row.left", span=overdue.basis_span(store, r.left_s, r.limit_unit))


def multiple_text(r: overdue.OverdueRow) -> str:
    return f"×{r.multiple:.2f}" if r.overdue and r.late_s >= 60 else ""




def group_line(g: overdue.OverdueGroup | GroupHead) -> str:
    parts = [t("console_supervise.group.overdue", count=g.overdue)]
    if g.due_soon:
        parts.append(t("console_supervise.group.due_soon", count=g.due_soon))
    if g.overdue:
        parts.append(t("console_supervise.group.worst", multiple=f"{g.worst:.2f}"))
    return " · ".join(parts)


def level_mark(level: str | None) -> str:
    """A supervision level in one character (催 书 重 通), for a narrow column."""
    return t(f"console_supervise.level_mark.{level}") if level else ""


def row_id(r: overdue.OverdueRow) -> str:
    return f"{ROW_PREFIX}{r.number}:{r.clock}"


def number_of(option_id: str | None) -> str | None:
    if not option_id or not option_id.startswith(ROW_PREFIX):
        return None
    return option_id[len(ROW_PREFIX):].rsplit(":", 1)[0]


@dataclass(frozen=True, slots=True)
class GroupHead:
    """What a group's header line shows (compared on a refresh, so a same header is not redrawn)."""

    key: str
    label: str
    overdue: int
    due_soon: int
    worst: float

    @classmethod
    def of(cls, g: OverdueGroup) -> GroupHead:
        return cls(g.key, g.label, g.overdue, g.due_soon, g.worst)


@dataclass(frozen=True, slots=True)
class Empty:
    text: str


@dataclass(frozen=True, slots=True)
class Prepared:
    """A read made ready for the screen, off the event loop (`prepare`)."""

    view: overdue.OverdueView
    need: dict[str, int]  # column widths the data asks (`measure`)
    items: list[LineRow]  # the list's rows (`line_rows`)


def measure(store: Store, jur: str, rows: list[overdue.OverdueRow]) -> dict[str, int]:
    """The widths the data asks of the number, lateness and multiple columns, measured on a
    bounded sample: the first rows (the latest, with the longest texts) and the last ones
    (due soon). Measuring all 25,000 rows of a county was most of f4's opening time."""
    sample = rows if len(rows) <= SAMPLE * 2 else rows[:SAMPLE] + rows[-SAMPLE:]

    def col(name: str) -> int:
        return cell_len(t(f"console_supervise.col.{name}"))

    return {
        "number": max([cell_len(short_number(r.number, jur)) for r in sample] + [col("number")]),
        "late": min(max([cell_len(late_text(store, r)) for r in sample] + [col("late")]), 18),
        "multiple": max([len(multiple_text(r)) for r in sample] + [col("multiple")]),
    }


def line_rows(v: overdue.OverdueView) -> list[LineRow]:
    """The list's rows: each group's header line, then its clocks."""
    items: list[LineRow] = []
    for g in v.groups:
        items.append(LineRow(f"{GROUP_PREFIX}{g.key}", GroupHead.of(g), False))
        items += [LineRow(row_id(r), r) for r in g.rows]
    if not items:
        items.append(LineRow(f"{GROUP_PREFIX}-", Empty(t("console_supervise.overdue.empty")), False))
    return items


def prepare(store: Store, jur: str, found: overdue.Found, by: str) -> Prepared:
    """Plain Python, no database and no widgets: safe in a thread."""
    v = overdue.built(store, found, by)
    return Prepared(v, measure(store, jur, v.rows), line_rows(v))


class OverdueList(LineList):
    """Group header lines and clock rows, keyed by id, painted a screenful at a time
    (`LineList`): a refresh replaces the data and the cursor keeps its row."""

    BINDINGS = [
        Binding("right_square_bracket", "next_group", "console_supervise.key.next_group", show=False),
        Binding("left_square_bracket", "prev_group", "console_supervise.key.prev_group", show=False),
    ]

    def highlighted_id(self) -> str | None:
        return self.cursor_key

    @property
    def highlighted(self) -> int | None:
        return self.cursor

    @highlighted.setter
    def highlighted(self, index: int | None) -> None:
        self.move_to(index)

    def _jump(self, step: int) -> None:
        headers = [n for n, r in enumerate(self.rows) if not r.selectable]
        if not headers:
            return
        cur = self.cursor if self.cursor is not None else -1
        if step > 0:
            target = next((h for h in headers if h > cur), None)
        else:
            before = [h for h in headers if h < cur]
            # from inside a group, `[` goes to its own top first
            target = before[-1] if before else None
            if target is not None and len(before) >= 2 and cur == target + 1:
                target = before[-2]
        if target is None:
            return
        first = target + 1
        if first < len(self.rows) and self.rows[first].selectable:
            self.scroll_to(y=max(target, 0), animate=False, immediate=True)
            self.move_to(first)

    def action_next_group(self) -> None:
        self._jump(1)

    def action_prev_group(self) -> None:
        self._jump(-1)


class OverdueScreen(GridScreen):
    CSS_PATH = "../styles/overdue.tcss"  # parsed when first shown, not before the queue's first paint
    ENTRY = "overdue"
    TITLE_KEY = "console_supervise.screen.overdue"
    BINDINGS = [
        Binding("g", "cycle_group", "console_supervise.key.group_by"),
        Binding("o", "only_overdue", "console_supervise.key.only_overdue"),
        # the same keys as on the ticket and the queue (lowercase s/e/x there are sign/extend/reject)
        Binding("S", "supervise", "console_supervise.key.supervise"),
        Binding("E", "escalate", "console_supervise.key.escalate"),
        Binding("X", "export", "console_supervise.key.export"),
        Binding("w", "warnings", "console_supervise.key.warnings"),
        Binding("r", "reload", "console.key.reload", show=False),
        Binding("escape", "back", "console.key.back"),
    ]

    def __init__(self, by: str = "unit", **kw: Any) -> None:
        super().__init__(**kw)
        self.by = by if by in BY else "unit"
        self.only_overdue = False
        self.view: overdue.OverdueView | None = None
        self._need: dict[str, int] = {}
        self._items: list[LineRow] | None = None  # the list's rows of `_items_of`
        self._items_of: overdue.OverdueView | None = None
        self._palette: Palette | None = None

    # --- layout ----------------------------------------------------------------------------

    def compose_body(self) -> ComposeResult:
        yield Static(id="overdue-summary")
        yield OverdueList(self._describe, self.columns, id="overdue-list")

    @property
    def listing(self) -> OverdueList:
        return self.query_one("#overdue-list", OverdueList)

    def on_mount(self) -> None:
        self.listing.focus()
        self.reload()

    def where(self) -> str:
        parts = [t(self.TITLE_KEY), t(f"console_supervise.by.{self.by}")]
        if self.only_overdue:
            parts.append(t("console_supervise.overdue.only_overdue"))
        return " › ".join(parts)

    def relabel(self) -> None:
        self._measure()
        self._items = None  # the empty list's line is in the language
        self.render_view()
        self.listing.relabel()

    # --- loading ---------------------------------------------------------------------------

    async def fetch(self) -> bool | None:
        by, only = self.by, self.only_overdue
        store, jur = self.gd.store, self.gd.actor.jurisdiction
        found = await overdue.read(store, self.gd.actor, only_overdue=only)
        if (by, only) != (self.by, self.only_overdue):
            return False  # the operator switched meanwhile: read that instead
        # the Python part (each clock's working-time arithmetic, sorting, grouping, the column
        # sample, the list's rows) in a thread: at county scale it held the event loop for
        # most of a second on every minute tick
        ready = await asyncio.to_thread(prepare, store, jur, found, by)
        if (by, only) != (self.by, self.only_overdue):
            return False
        self.view, self._need = ready.view, ready.need
        self._items, self._items_of = ready.items, ready.view
        return None

    def show(self) -> None:
        self.render_view()

    def on_tickets_changed(self, message: TicketsChanged) -> None:
        self.reload()

    def on_minute_tick(self, message: MinuteTick) -> None:
        self.reload()  # clocks cross into due-soon and overdue as time passes

    def on_theme_changed(self, message: ThemeChanged) -> None:
        self._palette = None
        if self.is_mounted:
            self.render_view()
            self.listing.redraw_rows()

    # --- rendering -------------------------------------------------------------------------

    def _measure(self) -> None:
        v = self.view
        self._need = measure(self.gd.store, self.gd.actor.jurisdiction, v.rows if v else [])

    def column_widths(self, width: int) -> dict[str, int]:
        """Column widths for `width` cells; the title takes what is left."""
        def col(name: str) -> int:
            return cell_len(t(f"console_supervise.col.{name}"))

        need = self._need or {"number": col("number"), "late": col("late"), "multiple": col("multiple")}
        stages = ("sign", "handle", "extension", "verify", "visit", "escalate")
        w = {
            "mark": 1,
            "number": need["number"],
            "stage": max([cell_len(stage_name(c)) for c in stages] + [col("stage")]),
            "other": 14,
            "late": need["late"],
            "multiple": need["multiple"],
            "level": max([cell_len(level_mark(x)) for x in supervision.LEVELS] + [col("level")]),
        }
        gaps = len(w)  # one space after each column but the title
        rest = width - sum(w.values()) - gaps
        if rest < TITLE_WANT:  # the title matters more than the other grouping's name
            w["other"] = max(w["other"] - (TITLE_WANT - rest), OTHER_LEAST)
            rest = width - sum(w.values()) - gaps
        if rest < TITLE_LEAST:
            del w["other"]
            rest = width - sum(w.values()) - (gaps - 1)
        w["title"] = max(rest, 4)
        return w

    def columns(self, width: int) -> list[Column]:
        width = max(width, 40) - 1  # a cell before the scrollbar
        out = []
        for key, w in self.column_widths(width).items():
            label = "" if key == "mark" else t(f"console_supervise.col.{self.other_key() if key == 'other' else key}")
            out.append(Column(key, label or " " if key != "mark" else "", w, right=key == "multiple"))
        return out

    def other_key(self) -> str:
        return "grid" if self.by == "unit" else "unit"

    @property
    def palette(self) -> Palette:
        if self._palette is None:
            self._palette = Palette(self.app.current_theme)
        return self._palette

    def render_view(self) -> None:
        if not self.is_mounted:
            return
        listing = self.listing
        p = self.palette
        summary = self.query_one("#overdue-summary", Static)
        if self.error:
            summary.update(Text(self.error, style=f"bold {p('overdue')}"))
            return
        v = self.view
        if v is None:
            summary.update(Text(t("console.loading"), style="dim"))
            return
        summary.update(self._summary(v, p))
        items = self._items if self._items is not None and self._items_of is v else line_rows(v)
        self._items, self._items_of = items, v
        listing.set_rows(items)

    def _summary(self, v: overdue.OverdueView, p: Palette) -> Text:
        out = Text(no_wrap=True, overflow="ellipsis")
        out.append(t("console_supervise.overdue.total_overdue", count=v.overdue, tickets=v.tickets_overdue),
                   style=f"bold {p('overdue')}" if v.overdue else "")
        out.append("  ")
        out.append(t("console_supervise.overdue.total_due_soon", count=v.due_soon),
                   style=p("due-soon") if v.due_soon else "")
        out.append("  ")
        out.append(t("console_supervise.overdue.groups", by=t(f"console_supervise.by.{self.by}"),
                     count=len(v.groups)), style="dim")
        return out

    def _describe(self, value: Any) -> Text | dict[str, Cell]:
        """One line of the list, asked for only when it is on screen."""
        if isinstance(value, GroupHead):
            return self._group_prompt(value, self.palette)
        if isinstance(value, Empty):
            return Text(value.text, style="dim")
        return self._row_cells(value, self.palette)

    def _group_prompt(self, g: GroupHead, p: Palette) -> Text:
        out = Text(no_wrap=True, overflow="ellipsis")
        out.append("■ ", style=p("overdue") if g.overdue else p("due-soon"))
        # a unit's code helps (it is what `griddesk warn` takes); a grid's 15 digits do not
        label = f"{g.label}（{g.key}）" if self.by == "unit" and g.key not in (g.label, overdue.UNASSIGNED) else g.label
        out.append(label, style=f"bold {self.app.current_theme.accent or ''}".strip())
        out.append("  ")
        out.append(group_line(g), style="bold" if g.overdue else "")
        return out

    def _row_cells(self, r: overdue.OverdueRow, p: Palette) -> dict[str, Cell]:
        store, jur = self.gd.store, self.gd.actor.jurisdiction
        late_style = f"bold {p('overdue')}" if r.overdue else p("due-soon")
        other = r.grid if self.other_key() == "grid" else (r.unit or t("overdue.unassigned"))
        mark = URGENCY_LOOK.get(r.urgency, " ") if r.urgency != Urgency.NORMAL else " "
        return {
            "mark": (mark, f"bold {p(f'urgency-{r.urgency}')}"),
            "number": short_number(r.number, jur),
            "stage": stage_name(r.clock),
            "other": (other, "dim"),
            "late": (late_text(store, r), late_style),
            "multiple": (multiple_text(r), late_style),
            "level": (level_mark(r.supervise_level), f"bold {p('due-soon')}"),
            "title": r.title,
        }

    # --- what is shown (tests, and anyone reading the view as text) ------------------------

    def shown_groups(self) -> list[tuple[str, list[str]]]:
        """(group key, [ticket numbers of its rows in order]) as listed."""
        out: list[tuple[str, list[str]]] = []
        for i in self.listing.ids:
            if i.startswith(GROUP_PREFIX):
                out.append((i[len(GROUP_PREFIX):], []))
            elif out:
                out[-1][1].append(number_of(i) or "")
        return out

    def plain_lines(self) -> list[str]:
        """Every line as painted (the list paints only what is on screen; this renders them all)."""
        listing = self.listing
        return [listing.line_text(n) for n in range(listing.row_count)]

    def selected_number(self) -> str | None:
        return number_of(self.listing.cursor_key)

    # --- actions ---------------------------------------------------------------------------

    def action_cycle_group(self) -> None:
        self.by = BY[(BY.index(self.by) + 1) % len(BY)]
        self.update_where()
        self.reload()

    def action_only_overdue(self) -> None:
        self.only_overdue = not self.only_overdue
        self.update_where()
        self.reload()

    def action_reload(self) -> None:
        self.reload()

    @on(LineList.Selected, "#overdue-list")
    def _open_ticket(self, event: LineList.Selected) -> None:
        number = number_of(event.key)
        if number:
            self.gd.open_ticket(number)

    def selected_row(self) -> overdue.OverdueRow | None:
        value = self.listing.cursor_value
        return value if isinstance(value, overdue.OverdueRow) else None

    def _open(self, which: str) -> None:
        from griddesk.console.screens import supervise

        r = self.selected_row()
        if r is None:
            self.app.notify(t("console_supervise.overdue.no_row"), severity="warning", markup=False)
            return
        # what the dialog is about: the title, who has it, which limit and how late
        summary = " · ".join([r.title, r.unit or t("overdue.unassigned"),
                              f"{stage_name(r.clock)} {late_text(self.gd.store, r)} {multiple_text(r)}".strip()])
        getattr(supervise, f"open_{which}")(self.gd, r.number, summary)

    def action_supervise(self) -> None:
        self._open("supervise")

    def action_escalate(self) -> None:
        self._open("escalate")

    def action_export(self) -> None:
        self._open("export")

    def action_warnings(self) -> None:
        self.gd.open_screen("warnings")
