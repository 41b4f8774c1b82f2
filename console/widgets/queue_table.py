"""The live ticket table: one page of queue rows, reconciled by key, never rebuilt on a tick.

Measured with Textual's DataTable, a repaint costs 65–155 ms whatever changed, so the table
only touches what the operator would see change:

- `reconcile(rows, now)` takes the page the store just returned. Rows are keyed by ticket
  number. A row that left is removed, a new one added, and in a row that stayed only the cells
  whose displayed text or colour changed are updated. Only when rows came, went or moved is the
  order re-applied (one `sort` by the store's order, not a rebuild).
- The same call with the rows already held and a new `now` re-words the time-left cells once a
  minute ("3小时后超期" → "2小时后超期"): no database read, and no change means no repaint.
- The column layout depends on the table's width and the language (CJK text is two cells wide):
  columns drop out by priority when narrow and widen when there is room. A layout change
  (resize, language switch) rebuilds the columns once; that is the only rebuild, counted in
  `stats.rebuilds` so a test can tell.

Status and urgency read as a symbol and a colour, so they survive a monochrome terminal or a
colour-blind operator; the symbols are all single-width.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from rich.cells import cell_len
from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.theme import Theme
from textual.widgets import DataTable
from textual.widgets.data_table import RowDoesNotExist

from griddesk.console.widgets import cursor_key, localize_bindings
from griddesk.store import timefmt
from griddesk.store.enums import Status, Urgency
from griddesk.store.i18n import code_name, current, t
from griddesk.store.numbers import short_number
from griddesk.store.queue import QueueRow
from griddesk.store.validation import printable

# status → (symbol, colour group); the colour comes from the theme's gd-status-<group>
STATUS_LOOK: dict[str, tuple[str, str]] = {
    Status.RECEIVED: ("◌", "pending"),
    Status.PENDING_DISPATCH: ("◉", "pending"),
    Status.RETURN_REQUESTED: ("↩", "request"),
    Status.EXTENSION_REQUESTED: ("⧖", "request"),
    Status.DISPATCHED: ("◔", "handling"),
    Status.SIGNED: ("◒", "handling"),
    Status.SUSPENDED: ("⊘", "suspended"),
    Status.FEEDBACK: ("◕", "checking"),
    Status.VERIFIED: ("✓", "checking"),
    Status.VISITED: ("✦", "checking"),
    Status.CLOSED: ("✔", "closed"),
}
URGENCY_LOOK: dict[str, str] = {Urgency.EMERGENCY: "‼", Urgency.URGENT: "!", Urgency.NORMAL: "◦"}
# fallbacks when a theme does not define GridDesk's own variables
FALLBACK = {"pending": "warning", "request": "accent", "handling": "primary", "checking": "secondary",
            "closed": "success", "suspended": "foreground", "emergency": "error", "urgent": "warning",
            "normal": "foreground", "overdue": "error", "due-soon": "warning"}


@dataclass(frozen=True)
class Column:
    """A queue column: shown by `priority` (0 first) while it fits, at least `want` wide."""

    key: str
    label: str  # translation key
    priority: int
    want: Callable[[], int]
    most: Callable[[], int]


@dataclass
class TableStats:
    """What the table did, for tests and the benchmark (a rebuild on a tick is a bug)."""

    added: int = 0
    removed: int = 0
    cells: int = 0
    sorts: int = 0
    rebuilds: int = 0
    reconciles: int = 0


class Palette:
    """Colours for symbols and times, read from the current theme's variables."""

    def __init__(self, theme: Theme | None) -> None:
        self.theme = theme

    def __call__(self, name: str) -> str:
        value = self.theme.variables.get(f"gd-{name}") if self.theme else None
        if value:
            return value
        fallback = FALLBACK.get(name, "foreground")
        return (getattr(self.theme, fallback, None) if self.theme else None) or "default"

    def status(self, status: str) -> tuple[str, str]:
        symbol, group = STATUS_LOOK.get(status, ("?", "pending"))
        return symbol, self(f"status-{group}")


def status_label(status: str) -> str:
    key = f"console.status_short.{status}"
    text = t(key)
    return text if text != key else code_name("status", status)


class QueueTable(DataTable[Text]):
    """Ticket rows keyed by number; see the module docstring for how it stays cheap."""

    BINDINGS = [
        Binding("pagedown", "page_down", "console.key.page_down", show=False),
        Binding("pageup", "page_up", "console.key.page_up", show=False),
    ]

    def __init__(self, jurisdiction: str = "", tz: ZoneInfo | None = None,
                 **kw: Any) -> None:
        super().__init__(cursor_type="row", zebra_stripes=False, show_row_labels=False, **kw)
        self.jurisdiction = jurisdiction
        self.tz = tz or timefmt.DEFAULT_TZ
        self.stats = TableStats()
        self.rows_held: dict[str, QueueRow] = {}
        self.order: list[str] = []  # ticket numbers in the order the store gave them
        self._shown: dict[str, tuple[tuple, ...]] = {}  # number → signature of each shown cell
        # number → (what the cells were rendered from, cells, signatures): a row that did not
        # change within the minute is not rendered again
        self._rendered: dict[str, tuple[tuple, list[Text], tuple[tuple, ...]]] = {}
        self._layout: tuple[tuple[str, int], ...] = ()
        self._layout_lang = ""
        self._now: datetime | None = None
        self.palette = Palette(None)
        self._palette_gen = 0
        self.at_end: Callable[[], None] | None = None  # PageDown on the last row
        self.at_start: Callable[[], None] | None = None  # PageUp on the first row

    # --- columns ---------------------------------------------------------------------------

    def columns_spec(self) -> list[Column]:
        def status_w() -> int:
            return max(cell_len(f"{s} {status_label(c)}") for c, (s, _) in STATUS_LOOK.items())

        def urgency_w() -> int:
            return max(1, cell_len(t("console.col.urgency")))

        def urgency_most() -> int:
            return max(urgency_w(), max(cell_len(f"‼ {code_name('urgency', u)}") for u in Urgency))

        def number_w() -> int:
            return len(self._short_number(f"{self.jurisdiction or '000000000'}-20260101-0001"))

        def fixed(n: int) -> Callable[[], int]:
            return lambda: n

        def by_lang(zh: int, en: int) -> Callable[[], int]:
            return lambda: zh if current() == "zh" else en

        return [
            Column("urgency", "console.col.urgency", 0, urgency_w, urgency_most),
            Column("number", "console.col.number", 0, number_w, fixed(23)),
            Column("received", "console.col.received", 4, fixed(11), fixed(11)),
            Column("matter", "console.col.matter", 2, fixed(12), fixed(16)),
            Column("title", "console.col.title", 6, fixed(16), fixed(30)),
            Column("grid", "console.col.grid", 3, fixed(12), fixed(20)),
            Column("status", "console.col.status", 0, status_w, status_w),
            Column("lead_unit", "console.col.lead_unit", 5, fixed(14), fixed(26)),
            Column("time_left", "console.col.time_left", 1, by_lang(14, 16), by_lang(18, 30)),
        ]

    def plan(self, width: int) -> tuple[tuple[str, int], ...]:
        """Which columns fit in `width` cells, and how wide: (key, width) in display order."""
        pad = 2 * self.cell_padding
        avail = max(width - 1, 20)  # one cell for the vertical scrollbar
        spec = self.columns_spec()
        chosen: dict[str, int] = {}
        used = 0
        for c in sorted(spec, key=lambda c: c.priority):
            need = max(c.want(), cell_len(t(c.label)) if c.priority > 0 else 1) + pad
            if used + need <= avail:
                chosen[c.key] = need - pad
                used += need
        if not {"number", "status"} <= chosen.keys():  # very narrow: the essentials, cropped
            chosen = {c.key: c.want() for c in spec if c.priority == 0}
            used = sum(w + pad for w in chosen.values())
        spare = avail - used
        grow = ["time_left", "grid", "matter", "urgency", "lead_unit", "title", "number"]
        for key in grow:
            if key in chosen and spare > 0:
                most = next(c for c in spec if c.key == key).most()
                add = min(spare, max(0, most - chosen[key]))
                if key == "number" and add < most - chosen[key]:
                    continue  # a number is shown whole or short, never cut
                chosen[key] += add
                spare -= add
        if spare > 0:  # whatever is left goes to the free-text column
            for key in ("title", "matter"):
                if key in chosen:
                    chosen[key] += spare
                    break
        return tuple((c.key, chosen[c.key]) for c in spec if c.key in chosen)

    def apply_layout(self, width: int | None = None) -> bool:
        """Lay the columns out for `width`; rebuild only if the layout or language changed."""
        width = width or self.size.width or self.app.size.width
        layout = self.plan(width)
        if layout == self._layout and self._layout_lang == current():
            return False
        rebuild = bool(self._layout)
        self._layout = layout
        self._layout_lang = current()
        self.clear(columns=True)
        if rebuild:
            self.stats.rebuilds += 1
        labels = {c.key: c.label for c in self.columns_spec()}
        for key, w in layout:
            self.add_column(Text(t(labels[key]), overflow="ellipsis", no_wrap=True), width=w, key=key)
        self._shown.clear()
        self._rendered.clear()
        if self.order:
            now = self._now or datetime.now(tz=self.tz)
            for number in self.order:
                cells = self.render_row(self.rows_held[number], now)
                self.add_row(*cells, key=number)
                self._shown[number] = tuple(_sig(c) for c in cells)
        return True

    def on_resize(self, event: events.Resize) -> None:
        self.apply_layout(event.size.width)

    def relabel(self) -> None:
        """After a language switch: new labels and widths, and every cell in the new words."""
        localize_bindings(self)
        self.apply_layout()

    def recolour(self, theme: Theme | None) -> None:
        self.palette = Palette(theme)
        self._palette_gen += 1
        if self._now is not None:
            self.reconcile([self.rows_held[n] for n in self.order], self._now)

    # --- cells -----------------------------------------------------------------------------

    def _short_number(self, number: str) -> str:
        return short_number(number, self.jurisdiction)

    def render_row(self, r: QueueRow, now: datetime) -> list[Text]:
        widths = dict(self._layout)
        return [self.render_cell(key, r, now, widths[key]) for key, _ in self._layout]

    def render_cell(self, key: str, r: QueueRow, now: datetime, width: int) -> Text:
        p = self.palette

        def text(s: str, style: str = "") -> Text:
            return Text(printable(s), style=style, no_wrap=True, overflow="ellipsis", end="")

        if key == "urgency":
            symbol = URGENCY_LOOK.get(r.urgency, "?")
            style = p(f"urgency-{r.urgency}") + (" bold" if r.urgency != Urgency.NORMAL else "")
            name = code_name("urgency", r.urgency)
            if width >= cell_len(f"{symbol} {name}"):
                return text(f"{symbol} {name}", style)
            return text(symbol, style)
        if key == "number":
            return text(r.number if width >= len(r.number) else self._short_number(r.number))
        if key == "received":
            return text(timefmt.local(r.received_at, self.tz), "dim")
        if key == "matter":
            if r.matter is None:
                return text(t("console.queue.out_of_list"), "italic dim")
            return text(r.matter)
        if key == "title":
            return text(r.title)
        if key == "grid":
            return text(r.grid)
        if key == "status":
            symbol, colour = p.status(r.status)
            return text(f"{symbol} {status_label(r.status)}", colour)
        if key == "lead_unit":
            return text(r.lead_unit or "—", "" if r.lead_unit else "dim")
        if key == "time_left":
            if r.due_at is None or r.status == Status.CLOSED:
                return text("—", "dim")
            words = timefmt.time_left(r.due_at, now)
            if r.due_at < now:
                return text(words, f"bold {p('overdue')}")
            if r.warn_at is not None and r.warn_at <= now:
                return text(words, p("due-soon"))
            return text(words)
        raise KeyError(key)

    # --- reconciling -----------------------------------------------------------------------

    def _cells(self, r: QueueRow, minute: datetime) -> tuple[list[Text], tuple[tuple, ...]]:
        key = (r, minute, self._layout, current(), self._palette_gen)
        hit = self._rendered.get(r.number)
        if hit is not None and hit[0] == key:
            return hit[1], hit[2]
        cells = self.render_row(r, minute)
        sigs = tuple(_sig(c) for c in cells)
        self._rendered[r.number] = (key, cells, sigs)
        return cells, sigs

    def reconcile(self, rows: Sequence[QueueRow], now: datetime) -> None:
        """Make the table show `rows` in this order, touching only what changed.

        Times are worded at the minute (like the header's clock), so a row that did not change
        renders to the very same cells until the minute turns.
        """
        self.stats.reconciles += 1
        now = now.replace(second=0, microsecond=0)
        self._now = now
        if not self._layout:
            self.apply_layout()
        keep = self.current_number()
        new = {r.number: r for r in rows}
        new_order = [r.number for r in rows]
        for number in [n for n in self.order if n not in new]:
            self.remove_row(number)
            self._shown.pop(number, None)
            self.stats.removed += 1
        col_keys = [k for k, _ in self._layout]
        present = [n for n in self.order if n in new]
        for r in rows:
            cells, sigs = self._cells(r, now)
            old = self._shown.get(r.number)
            if old is None:
                self.add_row(*cells, key=r.number)
                present.append(r.number)
                self.stats.added += 1
            elif old != sigs:
                for key, cell, a, b in zip(col_keys, cells, old, sigs, strict=True):
                    if a != b:
                        self.update_cell(r.number, key, cell)
                        self.stats.cells += 1
            self._shown[r.number] = sigs
        self.rows_held = new
        self.order = new_order
        for number in [n for n in self._rendered if n not in new]:
            del self._rendered[number]
        if present != new_order:
            self._apply_order(new_order)
        if keep is not None and keep in new:
            self._cursor_to(keep)

    def _apply_order(self, order: list[str]) -> None:
        # sort by each row's place in the store's order; the number cell identifies the row
        place = {self._number_cell_text(n): i for i, n in enumerate(order)}
        self.sort("number", key=lambda cell: place.get(cell.plain, len(place)))
        self.stats.sorts += 1

    def _number_cell_text(self, number: str) -> str:
        width = dict(self._layout).get("number", 0)
        return number if width >= len(number) else self._short_number(number)

    def retime(self, now: datetime) -> None:
        """The minute turned: re-word the held rows; cells whose words stay are left alone."""
        if self.order:
            self.reconcile([self.rows_held[n] for n in self.order], now)

    # --- cursor ----------------------------------------------------------------------------

    def current_number(self) -> str | None:
        return cursor_key(self)

    def _cursor_to(self, number: str) -> None:
        try:
            index = self.get_row_index(number)
        except RowDoesNotExist:
            return
        if index != self.cursor_row:
            self.move_cursor(row=index, animate=False, scroll=False)

    def action_page_down(self) -> None:
        if self.row_count and self.cursor_row >= self.row_count - 1 and self.at_end is not None:
            self.at_end()
            return
        super().action_page_down()

    def action_page_up(self) -> None:
        if self.cursor_row <= 0 and self.at_start is not None:
            self.at_start()
            return
        super().action_page_up()

    def on_mount(self) -> None:
        localize_bindings(self)
        self.palette = Palette(self.app.current_theme)
        self._palette_gen += 1


def _sig(cell: Text) -> tuple:
    # rich's Text equality ignores the base style; a colour change must count as a change
    return (cell.plain, str(cell.style), tuple(cell.spans))
