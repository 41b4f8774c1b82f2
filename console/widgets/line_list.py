"""`LineList`: a keyed list of one-line rows that paints only the rows on screen (Textual's line
API, the way Toolong's log view does it).

The widget holds the rows as data — a key, the screen's own value, whether the cursor may stop
on it — never as rendered text. `render_line` asks the screen's `describe(value)` for the cells
of the rows that are visible, fits them to fixed columns counting terminal cells (CJK takes two,
`rich.cells`), and keeps the strips in a small cache that any change empties. 25,000 overdue
clocks cost a list of 25,000 references; a screenful costs 24 rows.

- `describe(value)` returns either a sequence of cells (one per column: a string, or
  `(string, style)`) or a rich `Text` drawn across the whole width (a group's header line).
- Columns: `Column(key, label, width, right)`; a width of 0 takes what the others leave.
  `columns` may be a list or a function of the available width (narrow screens drop columns).
  With any label the first line is a fixed heading that does not scroll.
- Keys: up/down, pgup/pgdn, home/end move the cursor over the rows it may stop on; Enter posts
  `Selected`. Every move of the cursor to another row posts `Highlighted`.
- `FittedList`: a LineList whose columns are measured from the rows it holds (`measured`): each
  as wide as its widest cell, the widest cut first when they do not fit, and a column marked
  `whole` (a ticket number, a code: what an operator types back) never cut. The audit log, the
  grid changes, the escalations and the roster search are lists of this one kind.
- `set_rows(rows)` replaces the data live: the cursor stays on its key (and at the same place on
  the screen); if that row left, it goes to the row that followed it, else to about the same
  index. `stats` counts what changed.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, NamedTuple

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding, BindingType
from textual.cache import LRUCache
from textual.geometry import Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from griddesk.console.widgets import localize_bindings
from griddesk.store.validation import printable

Cell = str | tuple[str, str]  # text, or (text, style)
Cells = Sequence[Cell] | Mapping[str, Cell]  # by position, or by column key
Described = Cells | Text
GAP = 1  # cells between columns
FOLLOW = 100  # rows after a row that left searched for the cursor's next place


@dataclass(frozen=True, slots=True)
class Column:
    key: str
    label: str = ""
    width: int = 0  # cells; 0: what the fixed columns leave (at least 1)
    right: bool = False


class LineRow(NamedTuple):
    """One row: a tuple, the cheapest value Python builds (a county's list makes 25,000 a refresh)."""

    key: str
    value: Any
    selectable: bool = True  # False: a header the cursor passes over


@dataclass
class ListStats:
    """What the list did (tests and benchmarks: a rebuild on an unchanged refresh is a bug)."""

    rebuilds: int = 0  # rows came, went or moved
    replaced: int = 0  # rows with the same key whose value changed
    reconciles: int = 0  # set_rows calls
    rendered: int = 0  # rows turned into strips (visible rows only, cached until a change)


def fit(text: str, width: int, right: bool = False) -> str:
    """`text` cut (with an ellipsis) or padded to exactly `width` terminal cells; a double-width
    character that would straddle the edge is replaced by a space."""
    if width <= 0:
        return ""
    n = cell_len(text)
    if n > width:
        return set_cell_size(text, width - 1) + "…" if width > 1 else set_cell_size(text, width)
    if n < width:
        pad = " " * (width - n)
        return pad + text if right else text + pad
    return text


def widths(columns: Sequence[Column], total: int) -> list[int]:
    """Each column's width in `total` cells: fixed ones as asked, the flexible one the rest."""
    fixed = sum(c.width for c in columns) + GAP * max(len(columns) - 1, 0)
    flexible = [i for i, c in enumerate(columns) if c.width <= 0]
    out = [c.width for c in columns]
    if flexible:
        share = max(total - fixed, len(flexible)) // len(flexible)
        for i in flexible:
            out[i] = max(share, 1)
    return out


def line_of(cells: Cells, columns: Sequence[Column], sizes: Sequence[int]) -> list[tuple[str, str]]:
    """(text, style) pieces of one row, every cell fitted to its column, one space between."""
    out: list[tuple[str, str]] = []
    last = len(columns) - 1
    for i, (col, size) in enumerate(zip(columns, sizes, strict=True)):
        if isinstance(cells, Mapping):
            cell = cells.get(col.key, "")
        else:
            cell = cells[i] if i < len(cells) else ""
        text, style = (cell, "") if isinstance(cell, str) else cell
        out.append((fit(printable(text), size, col.right), style))
        if i != last:
            out.append((" " * GAP, ""))
    return out


def plain_line(cells: Cells, columns: Sequence[Column], total: int) -> str:
    """A row as the screen shows it, without styles (tests, and reading a list as text)."""
    return "".join(text for text, _ in line_of(cells, columns, widths(columns, total)))


@dataclass(frozen=True, slots=True)
class Want:
    """A column of a `FittedList`: its width is measured from what it holds."""

    key: str
    label: str = ""
    whole: bool = False  # never cut (a ticket number or a code: what an operator reads back and types)
    least: int = 4  # cells it may be cut down to when the columns do not fit
    give: int = 0  # the columns that give the most way first (a free text before a fixed format)
    right: bool = False

    def named(self, label: str) -> Want:
        return Want(self.key, label, self.whole, self.least, self.give, self.right)


def _cell_text(cell: Cell) -> str:
    return cell if isinstance(cell, str) else cell[0]


def measured(wants: Sequence[Want], rows: Sequence[Described], total: int) -> list[Column]:
    """Columns for `rows` in `total` cells: each as wide as its label and widest cell (terminal
    cells: CJK counts two). When that is too wide, the columns of the highest `give` are cut
    first, the widest of them a cell at a time down to its `least`, then the next `give`, until
    the row fits. A `whole` column is never cut; the last column takes what is left over."""
    need = [cell_len(w.label) for w in wants]
    for cells in rows:
        if isinstance(cells, Text):
            continue
        for i, w in enumerate(wants):
            cell = cells.get(w.key, "") if isinstance(cells, Mapping) else (cells[i] if i < len(cells) else "")
            n = cell_len(printable(_cell_text(cell)))
            if n > need[i]:
                need[i] = n
    room = total - GAP * max(len(wants) - 1, 0)
    size = list(need)
    over = sum(size) - room
    for give in sorted({w.give for w in wants}, reverse=True):
        while over > 0:
            cut = [i for i, w in enumerate(wants) if w.give == give and not w.whole and size[i] > max(w.least, 1)]
            if not cut:
                break
            widest = max(size[i] for i in cut)
            for i in cut:
                if size[i] == widest and over > 0:
                    size[i] -= 1
                    over -= 1
    if over < 0 and wants:
        size[-1] += -over
    return [Column(w.key, w.label, max(n, 1), w.right) for w, n in zip(wants, size, strict=True)]


class LineList(ScrollView, can_focus=True, inherit_bindings=False):
    """Rows as data, painted a screenful at a time."""

    DEFAULT_CSS = """
    LineList {
        height: 1fr;
        background: $background;
        scrollbar-size-vertical: 1;
        overflow-x: hidden;
        overflow-y: auto;
    }
    LineList > .line-list--cursor {
        background: $block-cursor-blurred-background;
        text-style: bold;
    }
    LineList:focus > .line-list--cursor {
        background: $block-cursor-background;
        color: $block-cursor-foreground;
        text-style: bold;
    }
    LineList > .line-list--heading {
        background: $surface;
        color: $foreground-muted;
        text-style: bold;
    }
    """
    COMPONENT_CLASSES: ClassVar[set[str]] = {"line-list--cursor", "line-list--heading"}
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up", "cursor_up", "console.action_key.cursor_up", show=False),
        Binding("down", "cursor_down", "console.action_key.cursor_down", show=False),
        Binding("pageup", "page_up", "console.action_key.page_up", show=False),
        Binding("pagedown", "page_down", "console.action_key.page_down", show=False),
        Binding("home", "first", "console.action_key.first", show=False),
        Binding("end", "last", "console.action_key.last", show=False),
        Binding("enter", "select_cursor", "console.action_key.select_cursor", show=False),
    ]

    class Highlighted(Message):
        """The cursor moved to another row (`key` None: no row)."""

        def __init__(self, line_list: LineList, key: str | None, index: int | None) -> None:
            super().__init__()
            self.line_list, self.key, self.index = line_list, key, index

        @property
        def control(self) -> LineList:
            return self.line_list

    class Selected(Message):
        """Enter (or a click on the cursor's row) on a row."""

        def __init__(self, line_list: LineList, key: str, index: int, value: Any) -> None:
            super().__init__()
            self.line_list, self.key, self.index, self.value = line_list, key, index, value

        @property
        def control(self) -> LineList:
            return self.line_list

    def __init__(self, describe: Callable[[Any], Described] | None = None,
                 columns: Sequence[Column] | Callable[[int], Sequence[Column]] = (), **kw: Any) -> None:
        super().__init__(**kw)
        self.describe: Callable[[Any], Described] = describe or (lambda v: [str(v)])
        self._columns = columns
        self.rows: list[LineRow] = []
        self.ids: list[str] = []
        self._index: dict[str, int] = {}
        self._cursor: int | None = None
        self._announced: str | None = None
        self._strips: LRUCache[tuple[int, bool, int], Strip] = LRUCache(maxsize=400)
        self._layout: tuple[int, list[Column], list[int]] | None = None
        self.stats = ListStats()

    def on_mount(self) -> None:
        localize_bindings(self)

    # --- data ------------------------------------------------------------------------------

    def set_columns(self, columns: Sequence[Column] | Callable[[int], Sequence[Column]]) -> None:
        self._columns = columns
        self.redraw_rows()

    def set_rows(self, rows: Sequence[LineRow]) -> None:
        """Show `rows` in this order; the cursor keeps its key when the key is still there."""
        self.stats.reconciles += 1
        ids = [r.key for r in rows]
        old = self.rows
        if ids == self.ids:
            changed = sum(1 for a, b in zip(old, rows, strict=True)
                          if a.value != b.value or a.selectable != b.selectable)
            if not changed:
                return
            self.stats.replaced += changed
            self.rows = list(rows)
            self.redraw_rows()
            return
        self.stats.rebuilds += 1
        keep = self.cursor_key
        at = self._cursor
        on_screen = (at - self.scroll_offset.y) if at is not None else None
        self.rows, self.ids = list(rows), ids
        self._index = {k: i for i, k in enumerate(ids)}
        self._update_virtual_size()
        target: int | None = None
        if keep is not None and keep in self._index:
            target = self._index[keep]
        elif at is not None:
            # its row left: the row that followed it, if still here (within a screen or two)
            for row in old[at + 1:at + 1 + FOLLOW]:
                if row.selectable and row.key in self._index:
                    target = self._index[row.key]
                    break
        if target is None:
            target = self._nearest(at or 0)
        self._cursor = target
        if target is not None and on_screen is not None:
            self.scroll_to(y=max(target - on_screen, 0), animate=False, immediate=True)
        self._show_cursor()
        self.redraw_rows()
        self._announce()

    def redraw_rows(self) -> None:
        """Paint again (data, columns, theme or language changed): only visible rows re-render."""
        self._strips.clear()
        self._layout = None
        self.refresh()

    def relabel(self) -> None:
        """After a language switch: the keys' descriptions and every line in the new words."""
        localize_bindings(self)
        self.redraw_rows()

    def notify_style_update(self) -> None:
        super().notify_style_update()  # a theme or CSS change: the cached strips hold old colours
        self._strips.clear()

    # --- the cursor ------------------------------------------------------------------------

    @property
    def cursor(self) -> int | None:
        return self._cursor

    @cursor.setter
    def cursor(self, index: int | None) -> None:
        self.move_to(index)

    @property
    def cursor_key(self) -> str | None:
        i = self._cursor
        return self.rows[i].key if i is not None and 0 <= i < len(self.rows) else None

    @property
    def cursor_value(self) -> Any:
        i = self._cursor
        return self.rows[i].value if i is not None and 0 <= i < len(self.rows) else None

    def index_of(self, key: str) -> int | None:
        return self._index.get(key)

    def move_to(self, index: int | None, *, down: bool = True) -> None:
        """Put the cursor on row `index` (or the nearest row it may stop on, looking `down` first)."""
        before = self._cursor
        self._cursor = None if index is None else self._nearest(index, down)
        if self._cursor != before:
            for i in (before, self._cursor):
                if i is not None:
                    self._drop(i)
            self._show_cursor(up=not down)
            self._announce()

    def move_to_key(self, key: str) -> bool:
        i = self._index.get(key)
        if i is None:
            return False
        self.move_to(i)
        return True

    def _nearest(self, index: int, down: bool = True) -> int | None:
        rows = self.rows
        if not rows:
            return None
        index = max(0, min(index, len(rows) - 1))
        if down:
            spans = (range(index, len(rows)), range(index - 1, -1, -1))
        else:
            spans = (range(index, -1, -1), range(index + 1, len(rows)))
        for span in spans:
            for i in span:
                if rows[i].selectable:
                    return i
        return None

    def _show_cursor(self, up: bool = False) -> None:
        i = self._cursor
        if i is None:
            return
        top = i
        if up:  # moving up onto the first row of a group: show its header too
            while top > 0 and not self.rows[top - 1].selectable:
                top -= 1
        y, page = self.scroll_offset.y, self.page_rows
        if top < y:
            self.scroll_to(y=top, animate=False, immediate=True)
        elif i >= y + page:
            self.scroll_to(y=i - page + 1, animate=False, immediate=True)

    def _announce(self) -> None:
        key = self.cursor_key
        if key != self._announced:
            self._announced = key
            self.post_message(self.Highlighted(self, key, self._cursor))

    @property
    def page_rows(self) -> int:
        return max(self.scrollable_content_region.height - self.heading_lines, 1)

    # --- actions ---------------------------------------------------------------------------

    def action_cursor_up(self) -> None:
        self._step(-1)

    def action_cursor_down(self) -> None:
        self._step(1)

    def action_page_up(self) -> None:
        self._page(-1)

    def action_page_down(self) -> None:
        self._page(1)

    def _step(self, step: int) -> None:
        start = self._cursor
        if start is None:
            self.move_to(0)
            return
        i = start + step
        while 0 <= i < len(self.rows) and not self.rows[i].selectable:
            i += step
        if 0 <= i < len(self.rows):
            self.move_to(i, down=step > 0)
        elif step < 0:  # already on the first row: show the header above it
            self._show_cursor(up=True)

    def _page(self, step: int) -> None:
        page = self.page_rows
        start = self._cursor if self._cursor is not None else self.scroll_offset.y
        target = max(0, min(start + step * page, len(self.rows) - 1))
        self.scroll_to(y=self.scroll_offset.y + step * page, animate=False, immediate=True)
        self.move_to(target, down=step > 0)

    def action_first(self) -> None:
        self.scroll_to(y=0, animate=False, immediate=True)
        self.move_to(0)

    def action_last(self) -> None:
        self.move_to(len(self.rows) - 1, down=False)

    def action_select_cursor(self) -> None:
        i = self._cursor
        if i is not None and 0 <= i < len(self.rows):
            row = self.rows[i]
            self.post_message(self.Selected(self, row.key, i, row.value))

    def on_click(self, event: events.Click) -> None:
        y = event.y - self.gutter.top - self.heading_lines
        if y < 0:
            return
        index = self.scroll_offset.y + y
        if index >= len(self.rows) or not self.rows[index].selectable:
            return
        if index == self._cursor:
            self.action_select_cursor()
        else:
            self.move_to(index)

    # --- painting --------------------------------------------------------------------------

    @property
    def heading_lines(self) -> int:
        cols, _ = self.column_layout()
        return 1 if any(c.label for c in cols) else 0

    def _column_list(self, width: int) -> list[Column]:
        cols = self._columns
        return list(cols(width) if callable(cols) else cols)

    def column_layout(self) -> tuple[list[Column], list[int]]:
        """The columns for the current width and each one's width in cells."""
        width = max(self.scrollable_content_region.width, 1)
        if self._layout is None or self._layout[0] != width:
            cols = self._column_list(width)
            self._layout = (width, cols, widths(cols, width))
        return self._layout[1], self._layout[2]

    def _update_virtual_size(self) -> None:
        self.virtual_size = Size(self.scrollable_content_region.width, len(self.rows) + self.heading_lines)

    def on_resize(self, event: events.Resize) -> None:
        self._update_virtual_size()
        self.redraw_rows()
        self._show_cursor()

    def _drop(self, index: int) -> None:
        for cursor in (True, False):
            self._strips.discard((index, cursor, self.scrollable_content_region.width))
        self.refresh()

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        base = self.rich_style
        heading = self.heading_lines
        if heading and y == 0:
            cols, sizes = self.column_layout()
            style = base + self.get_component_rich_style("line-list--heading")
            text = "".join(t for t, _ in line_of([c.label for c in cols], cols, sizes))
            return Strip([Segment(text, style)]).crop_extend(0, width, style)
        index = self.scroll_offset.y + y - heading
        if index < 0 or index >= len(self.rows):
            return Strip.blank(width, base)
        on_cursor = index == self._cursor
        key = (index, on_cursor, width)
        strip = self._strips.get(key)
        if strip is None:
            strip = self._render_row(self.rows[index], width, base, on_cursor)
            self._strips[key] = strip
        return strip

    def _render_row(self, row: LineRow, width: int, base: Style, on_cursor: bool) -> Strip:
        self.stats.rendered += 1
        over = self.get_component_rich_style("line-list--cursor") if on_cursor else None
        described = self.describe(row.value)
        if isinstance(described, Text):
            text = described.copy()
            text.no_wrap, text.overflow, text.end = True, "ellipsis", ""
            text.truncate(width, overflow="ellipsis")
            segments = list(text.render(self.app.console))
            segments = [Segment(s.text, base + s.style if s.style else base) for s in segments]
        else:
            cols, sizes = self.column_layout()
            segments = [Segment(t, base + Style.parse(s) if s else base) for t, s in line_of(described, cols, sizes)]
        if over is not None:
            segments = [Segment(s.text, (s.style or base) + over) for s in segments]
        fill = base + over if over is not None else base
        return Strip(segments).crop_extend(0, width, fill)

    # --- reading it as text (tests, copying) -----------------------------------------------

    def line_text(self, index: int) -> str:
        """Row `index` as it is (or would be) painted, without styles."""
        described = self.describe(self.rows[index].value)
        if isinstance(described, Text):
            return described.plain
        cols, sizes = self.column_layout()
        return "".join(t for t, _ in line_of(described, cols, sizes)).rstrip()

    def get_row_at(self, index: int) -> list[Text]:
        """Row `index`'s cells as given (not fitted), each a `Text`."""
        described = self.describe(self.rows[index].value)
        if isinstance(described, Text):
            return [described]
        if isinstance(described, Mapping):
            cols, _ = self.column_layout()
            described = [described.get(c.key, "") for c in cols]
        return [Text(c) if isinstance(c, str) else Text(c[0], style=c[1]) for c in described]

    @property
    def row_count(self) -> int:
        return len(self.rows)


class FittedList(LineList):
    """A LineList whose columns are measured from its rows (`measured`): nothing scrolls sideways,
    long texts end in an ellipsis at a character boundary, and a `whole` column is never cut.
    `wants()` gives the columns in the current language (called again after a change)."""

    DEFAULT_CSS = """
    FittedList {
        padding: 0 0 0 1;
    }
    """

    def __init__(self, describe: Callable[[Any], Described], wants: Callable[[], Sequence[Want]],
                 **kw: Any) -> None:
        super().__init__(describe, self._measure, **kw)
        self.wants = wants

    def _measure(self, width: int) -> list[Column]:
        return measured(self.wants(), [self.describe(r.value) for r in self.rows], width)
