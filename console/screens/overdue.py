"""The overdue view (F4 from anywhere): every clock due soon or overdue, grouped, worst first.

Rows come from `store.overdue.view`: one per clock (sign-for, handling, extension decision,
verification, return visit, report upward) whose warning time has passed, sorted by the overdue
multiple (超时倍数: time late ÷ the limit, in the limit's own basis), then due-soon rows by the
share of the limit left. `g` cycles the grouping: by lead unit, by grid, by stage; each group's
header line carries its counts. `enter` opens the ticket; `S` supervises it, `E` escalates,
`X` exports its formal notice, `w` lists the units with overdue work.

The list is an `OptionList` (a group header is a disabled option spanning the full width, so the
cursor moves over tickets only) and it is reconciled by key: the same rows in the same order only
get the prompts whose text changed replaced; the options are set again only when rows came, went
or moved. It re-reads when the change feed reports a ticket change and when the minute turns
(clocks cross into due-soon and overdue as time passes).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rich.cells import cell_len
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from griddesk.console.messages import MinuteTick, ThemeChanged, TicketsChanged
from griddesk.console.screens.base import GridScreen
from griddesk.console.widgets.queue_table import URGENCY_LOOK, Palette
from griddesk.store import overdue, supervision
from griddesk.store.context import Store
from griddesk.store.enums import Urgency
from griddesk.store.i18n import code_name, t
from griddesk.store.numbers import short_number

BY = overdue.BY  # unit, grid, stage: the order `g` cycles through
TITLE_WANT, TITLE_LEAST, OTHER_LEAST = 16, 10, 10  # cells: narrow screens give up the other name first
GROUP_PREFIX, ROW_PREFIX = "g:", "r:"


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




def group_line(g: overdue.OverdueGroup) -> str:
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


def fit(text: str, width: int, style: str = "", right: bool = False) -> Text:
    """`text` cut or padded to exactly `width` terminal cells (CJK counts two)."""
    out = Text(text, style=style, no_wrap=True, end="")
    if cell_len(text) > width:
        out.truncate(width, overflow="ellipsis")
    pad = width - out.cell_len
    if pad > 0:
        if right:
            out = Text(" " * pad, end="") + out
        else:
            out.append(" " * pad)
    return out


@dataclass
class ListStats:
    """What the list did (tests and the benchmark: a rebuild on an unchanged tick is a bug)."""

    rebuilds: int = 0  # the options set again (rows came, went or moved; or the layout changed)
    replaced: int = 0  # single prompts replaced in place
    reconciles: int = 0


class OverdueList(OptionList):
    """Group header lines and clock rows, keyed by id, reconciled rather than rebuilt."""

    BINDINGS = [
        Binding("right_square_bracket", "next_group", "console_supervise.key.next_group", show=False),
        Binding("left_square_bracket", "prev_group", "console_supervise.key.prev_group", show=False),
    ]

    def __init__(self, **kw: Any) -> None:
        super().__init__(**kw)
        self.stats = ListStats()
        self.ids: list[str] = []
        self.signatures: dict[str, tuple] = {}  # option id → signature of the shown prompt

    def reconcile(self, items: list[tuple[str, Text, bool]]) -> None:
        """Show `items` ((id, prompt, is a header), in order), touching only what changed."""
        self.stats.reconciles += 1
        ids = [i for i, _, _ in items]
        sigs = {i: _sig(p) for i, p, _ in items}
        if ids != self.ids:
            keep = self.highlighted_id()
            at = self.highlighted
            self.set_options([Option(p, id=i, disabled=header) for i, p, header in items])
            self.ids, self.signatures = ids, sigs
            self.stats.rebuilds += 1
            self._restore(keep, at)
            return
        for i, prompt, _ in items:
            if self.signatures.get(i) != sigs[i]:
                self.replace_option_prompt(i, prompt)
                self.signatures[i] = sigs[i]
                self.stats.replaced += 1

    def highlighted_id(self) -> str | None:
        opt = self.highlighted_option
        return opt.id if opt is not None else None

    def _restore(self, keep: str | None, at: int | None) -> None:
        if keep is not None and keep in self.ids:
            self.highlighted = self.ids.index(keep)
            return
        rows = [n for n, i in enumerate(self.ids) if i.startswith(ROW_PREFIX)]
        if not rows:
            self.highlighted = None
            return
        # the row that was highlighted left: stay at about the same place
        at = at or 0
        self.highlighted = next((n for n in rows if n >= at), rows[-1])

    def _jump(self, step: int) -> None:
        headers = [n for n, i in enumerate(self.ids) if i.startswith(GROUP_PREFIX)]
        if not headers:
            return
        cur = self.highlighted if self.highlighted is not None else -1
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
        if first < len(self.ids) and self.ids[first].startswith(ROW_PREFIX):
            self.highlighted = first
            self.scroll_to(y=max(target, 0), animate=False)

    def action_next_group(self) -> None:
        self._jump(1)

    def action_prev_group(self) -> None:
        self._jump(-1)


def _sig(p: Text) -> tuple:
    return (p.plain, str(p.style), tuple(p.spans))


class OverdueScreen(GridScreen):
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
        self._width = 0

    # --- layout ----------------------------------------------------------------------------

    def compose_body(self) -> ComposeResult:
        yield Static(id="overdue-summary")
        yield Static(id="overdue-columns")
        yield OverdueList(id="overdue-list")

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
        self.render_view()

    def on_resize(self) -> None:
        width = self.listing.size.width
        if width and width != self._width:
            self.render_view()

    # --- loading ---------------------------------------------------------------------------

    async def fetch(self) -> bool | None:
        by, only = self.by, self.only_overdue
        v = await overdue.view(self.gd.store, self.gd.actor, by, only_overdue=only)
        if (by, only) != (self.by, self.only_overdue):
            return False  # the operator switched meanwhile: read that instead
        self.view = v
        return None

    def show(self) -> None:
        self.render_view()

    def on_tickets_changed(self, message: TicketsChanged) -> None:
        self.reload()

    def on_minute_tick(self, message: MinuteTick) -> None:
        self.reload()  # clocks cross into due-soon and overdue as time passes

    def on_theme_changed(self, message: ThemeChanged) -> None:
        self.render_view()

    # --- rendering -------------------------------------------------------------------------

    def columns(self, width: int) -> dict[str, int]:
        """Column widths for `width` cells; the title takes what is left."""
        v = self.view
        rows = v.rows if v else []
        jur = self.gd.actor.jurisdiction
        def col(name: str) -> int:
            return cell_len(t(f"console_supervise.col.{name}"))

        stages = ("sign", "handle", "extension", "verify", "visit", "escalate")
        w = {
            "mark": 1,
            "number": max([cell_len(short_number(r.number, jur)) for r in rows] + [col("number")]),
            "stage": max([cell_len(stage_name(c)) for c in stages] + [col("stage")]),
            "other": 14,
            "late": max([cell_len(late_text(self.gd.store, r)) for r in rows] + [col("late")]),
            "multiple": max([len(multiple_text(r)) for r in rows] + [col("multiple")]),
            "level": max([cell_len(level_mark(x)) for x in supervision.LEVELS] + [col("level")]),
        }
        w["late"] = min(w["late"], 18)
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

    def other_key(self) -> str:
        return "grid" if self.by == "unit" else "unit"

    def render_view(self) -> None:
        if not self.is_mounted:
            return
        listing = self.listing
        width = max(listing.scrollable_content_region.width, 40) - 2  # a cell before the scrollbar
        self._width = listing.size.width
        p = Palette(self.app.current_theme)
        summary = self.query_one("#overdue-summary", Static)
        if self.error:
            summary.update(Text(self.error, style=f"bold {p('overdue')}"))
            return
        v = self.view
        if v is None:
            summary.update(Text(t("console.loading"), style="dim"))
            return
        summary.update(self._summary(v, p))
        cols = self.columns(width)
        self.query_one("#overdue-columns", Static).update(self._heading(cols))
        items: list[tuple[str, Text, bool]] = []
        for g in v.groups:
            items.append((f"{GROUP_PREFIX}{g.key}", self._group_prompt(g, width, p), True))
            items += [(row_id(r), self._row_prompt(r, cols, p), False) for r in g.rows]
        if not items:
            items.append((f"{GROUP_PREFIX}-", Text(t("console_supervise.overdue.empty"), style="dim"), True))
        listing.reconcile(items)

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

    def _heading(self, cols: dict[str, int]) -> Text:
        out = Text(no_wrap=True, style="bold")
        for key, w in cols.items():
            label = "" if key == "mark" else t(f"console_supervise.col.{self.other_key() if key == 'other' else key}")
            out.append_text(fit(label, w, right=key == "multiple"))
            if key != "title":
                out.append(" ")
        return out

    def _group_prompt(self, g: overdue.OverdueGroup, width: int, p: Palette) -> Text:
        out = Text(no_wrap=True, overflow="ellipsis")
        out.append("■ ", style=p("overdue") if g.overdue else p("due-soon"))
        # a unit's code helps (it is what `griddesk warn` takes); a grid's 15 digits do not
        label = f"{g.label}（{g.key}）" if self.by == "unit" and g.key not in (g.label, overdue.UNASSIGNED) else g.label
        out.append(label, style=f"bold {self.app.current_theme.accent or ''}".strip())
        out.append("  ")
        out.append(group_line(g), style="bold" if g.overdue else "")
        return out

    def _row_prompt(self, r: overdue.OverdueRow, cols: dict[str, int], p: Palette) -> Text:
        store, jur = self.gd.store, self.gd.actor.jurisdiction
        late_style = f"bold {p('overdue')}" if r.overdue else p("due-soon")
        other = r.grid if self.other_key() == "grid" else (r.unit or t("overdue.unassigned"))
        title = r.title
        cells = {
            "mark": fit(URGENCY_LOOK.get(r.urgency, " ") if r.urgency != Urgency.NORMAL else " ", 1,
                        f"bold {p(f'urgency-{r.urgency}')}"),
            "number": fit(short_number(r.number, jur), cols["number"]),
            "stage": fit(stage_name(r.clock), cols["stage"]),
            "other": fit(other, cols.get("other", 0), "dim"),
            "late": fit(late_text(store, r), cols["late"], late_style),
            "multiple": fit(multiple_text(r), cols["multiple"], late_style, right=True),
            "level": fit(level_mark(r.supervise_level), cols["level"], f"bold {p('due-soon')}"),
            "title": fit(title, cols["title"]),
        }
        out = Text(no_wrap=True, end="")
        for key in cols:
            out.append_text(cells[key])
            if key != "title":
                out.append(" ")
        return out

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
        return [str(self.listing.get_option_at_index(n).prompt) for n in range(self.listing.option_count)]

    def selected_number(self) -> str | None:
        return number_of(self.listing.highlighted_id())

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

    @on(OptionList.OptionSelected, "#overdue-list")
    def _open_ticket(self, event: OptionList.OptionSelected) -> None:
        number = number_of(event.option.id)
        if number:
            self.gd.open_ticket(number)

    def selected_row(self) -> overdue.OverdueRow | None:
        oid = self.listing.highlighted_id()
        if self.view is None or oid is None:
            return None
        return next((r for r in self.view.rows if row_id(r) == oid), None)

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
