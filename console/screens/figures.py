"""What the analytics screens share: one table of figures at a time, sortable by any column,
with each figure's definition one key away, sparklines for trends, bar rows for rankings and a
day × hour heat table.

A screen subclass reads a `store.analytics.tables.Document` (`load`); this shows its tables one
at a time (`[` / `]` or the digit keys switch), so every table stays legible at 80×24.
Keys: `s` sorts by the column under the cursor (again: the other way), `d` shows that column's
definition, `p` changes the period, `f` puts the highlighted row on the focused-governance list
(重点治理, BH 22; a table that offers it: hot spots by matter, grid, village, and repeats), `r`
reads again.
"""

from __future__ import annotations

from typing import Any, ClassVar

from rich.cells import cell_len
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Sparkline, Static

from griddesk.console.messages import MinuteTick
from griddesk.console.screens.base import GridScreen
from griddesk.console.widgets import cursor_key
from griddesk.console.widgets.queue_table import Palette
from griddesk.store.analytics.tables import Column, Document, Table
from griddesk.store.i18n import t

BAR = 10  # cells of a ranking's bar
SHADES = " ·░▒▓█"
# the column a ranking's bar measures, by table
RANKED = {"by_matter": "count", "by_grid": "count", "by_village": "count", "hardest": "score",
          "longest": "p90", "repeats": "count", "units": "received", "top_matters": "count",
          "places": "per_thousand"}


def bar(value: float, top: float) -> str:
    if top <= 0 or value <= 0:
        return ""
    cells = value * BAR / top
    return "█" * int(cells) + ("▌" if cells - int(cells) >= 0.5 else "")


def _sort_key(kind: str, v: Any) -> tuple[int, Any]:
    if v is None:
        return (1, 0)
    if kind in ("text",) or isinstance(v, str):
        return (0, str(v))
    if isinstance(v, tuple):
        return (0, sum(v))
    return (0, v)


class FiguresScreen(GridScreen):
    DEFAULT_CSS = """
    #fig-tabs, #fig-status { height: auto; max-height: 2; padding: 0 1; background: $surface; }
    #fig-spark { height: 2; margin: 0 1; }
    #fig-spark.-hidden, #fig-heat.-hidden, #fig-table.-hidden { display: none; }
    #fig-table { height: 1fr; }
    #fig-heat { height: 1fr; padding: 0 1; }
    """
    BINDINGS: ClassVar[list[Any]] = [
        Binding("right_square_bracket", "section(1)", "analytics.key.next"),
        Binding("left_square_bracket", "section(-1)", "analytics.key.previous", show=False),
        Binding("s", "sort", "analytics.key.sort"),
        Binding("d", "define", "analytics.key.define"),
        Binding("p", "period", "analytics.key.period"),
        Binding("f", "focus_item", "analytics.key.focus"),
        Binding("r", "reload", "console.key.reload", show=False),
        *[Binding(str(i), f"jump({i - 1})", "analytics.key.jump", show=False) for i in range(1, 10)],
        Binding("escape", "back", "console.key.back"),
    ]
    PERIODS: ClassVar[tuple[Any, ...]] = (30, 7, 90)

    def __init__(self, **kw: Any) -> None:
        super().__init__(**kw)
        self.doc: Document | None = None
        self.index = 0
        self.period_at = 0
        self.order: list[int] = []  # row order shown (indexes into the table's rows)
        self.sorted_by: tuple[int, bool] | None = None  # (column, descending)

    @property
    def choice(self) -> Any:
        return self.PERIODS[self.period_at]

    async def load(self) -> Document:  # subclasses
        raise NotImplementedError

    def compose_body(self) -> ComposeResult:
        yield Static(id="fig-tabs")
        yield Sparkline([], id="fig-spark", summary_function=max, classes="-hidden")
        yield DataTable(id="fig-table", cursor_type="cell", zebra_stripes=True)
        yield Static(id="fig-heat", classes="-hidden")
        yield Static(t("analytics.screen.loading"), id="fig-status")

    @property
    def table(self) -> DataTable[str | Text]:
        return self.query_one("#fig-table", DataTable)

    def on_mount(self) -> None:
        self.table.focus()
        self.reload()

    async def fetch(self) -> None:
        self.doc = await self.load()

    def show(self) -> None:
        self.render_section()

    def relabel(self) -> None:
        self.reload()  # the tables carry their words: read them again in the new language

    def on_minute_tick(self, message: MinuteTick) -> None:
        pass  # figures over days: read again on `r` or a period change, not every minute

    # --- rendering -----------------------------------------------------------------------------

    @property
    def current(self) -> Table | None:
        if self.doc is None or not self.doc.tables:
            return None
        return self.doc.tables[min(self.index, len(self.doc.tables) - 1)]

    def shown_columns(self, tb: Table) -> list[int]:
        """Columns shown in the table (a per-day series is the sparkline's, not a cell's)."""
        return [j for j, c in enumerate(tb.columns) if c.kind != "series"]

    def render_section(self) -> None:
        if not self.is_mounted:
            return
        status = self.query_one("#fig-status", Static)
        if self.error:
            status.update(Text(self.error, style=f"bold {Palette(self.app.current_theme)('overdue')}"))
            return
        tb = self.current
        if tb is None or self.doc is None:
            return
        self._tabs()
        heat = tb.key == "heat"
        self.table.set_class(heat, "-hidden")
        self.query_one("#fig-heat", Static).set_class(not heat, "-hidden")
        if heat:
            self._heat(tb)
        else:
            self._table(tb)
        self._spark()
        self._status()

    def _tabs(self) -> None:
        assert self.doc is not None
        text = Text(f"{self.doc.title()} {self.doc.subtitle}  ", style="bold")
        for i, tb in enumerate(self.doc.tables):
            style = "reverse bold" if i == self.index else "dim"
            text.append(f"{i + 1}{tb.title()}", style=style)
            text.append(" ")
        self.query_one("#fig-tabs", Static).update(text)

    def _table(self, tb: Table) -> None:
        table = self.table
        table.clear(columns=True)
        cols = self.shown_columns(tb)
        ranked = RANKED.get(tb.key)
        rank_col = next((j for j, c in enumerate(tb.columns) if c.key == ranked), None)
        for j in cols:
            c = tb.columns[j]
            mark = ""
            if self.sorted_by and self.sorted_by[0] == j:
                mark = "▼" if self.sorted_by[1] else "▲"
            table.add_column(c.label() + mark, key=c.key)
            if j == rank_col:
                table.add_column("", key="_bar")
        if not self.order or len(self.order) != len(tb.rows):
            self.order = list(range(len(tb.rows)))
        top = max((tb.rows[i][rank_col] or 0 for i in self.order), default=0) if rank_col is not None else 0
        p = Palette(self.app.current_theme)
        for i in self.order:
            cells: list[str | Text] = []
            for j in cols:
                text = tb.text(i, j)
                right = tb.columns[j].kind not in ("text",)
                style = f"bold {p('overdue')}" if tb.below_floor(i, j) else ""
                cells.append(Text(text, style=style, justify="right" if right else "left"))
                if j == rank_col:
                    cells.append(Text(bar(float(tb.rows[i][j] or 0), float(top)), style=p("due-soon")))
            table.add_row(*cells, key=str(i))

    def _heat(self, tb: Table) -> None:
        top = max((v for row in tb.rows for v in row[1:]), default=0)
        out = Text()
        label = max((cell_len(str(row[0])) for row in tb.rows), default=4) + 1
        out.append(" " * label + "".join(f"{h:<6d}" for h in range(0, 24, 3)) + "\n", style="dim")
        for row in tb.rows:
            out.append(str(row[0]) + " " * (label - cell_len(str(row[0]))))
            for v in row[1:]:
                level = 0 if not v or not top else 1 + int((len(SHADES) - 2) * v / top)
                out.append(SHADES[min(level, len(SHADES) - 1)] * 2)
            out.append(f" {sum(row[1:])}\n", style="dim")
        out.append(t("analytics.screen.heat_legend", top=top), style="dim")
        self.query_one("#fig-heat", Static).update(out)

    def _series(self) -> tuple[str, tuple[int, ...]] | None:
        """The highlighted row's per-day series (or the table's only one)."""
        tb = self.current
        if tb is None:
            return None
        col = next((j for j, c in enumerate(tb.columns) if c.kind == "series"), None)
        if col is None or not tb.rows:
            return None
        row = self._row_index()
        i = row if row is not None else 0
        return str(tb.rows[i][0]), tuple(tb.rows[i][col])

    def _spark(self) -> None:
        spark = self.query_one("#fig-spark", Sparkline)
        got = self._series()
        spark.set_class(got is None, "-hidden")
        if got is not None:
            spark.data = list(got[1])

    def _row_index(self) -> int | None:
        key = cursor_key(self.table)
        return int(key) if key is not None else None

    def _column(self) -> Column | None:
        tb = self.current
        if tb is None or tb.key == "heat":
            return None
        cols = self.shown_columns(tb)
        table = self.table
        if not table.columns:
            return None
        key = list(table.columns)[min(table.cursor_coordinate.column, len(table.columns) - 1)].value
        if key == "_bar":
            key = RANKED.get(tb.key)
        return next((tb.columns[j] for j in cols if tb.columns[j].key == key), None)

    def _status(self) -> None:
        tb = self.current
        parts = [t("analytics.screen.rows", count=len(tb.rows))] if tb is not None else []
        got = self._series()
        if got is not None:
            parts.append(t("analytics.screen.spark_of", name=got[0], top=max(got[1], default=0)))
        if tb is not None and tb.note:
            parts.append(tb.note)
        self.query_one("#fig-status", Static).update(Text("  ".join(parts), style="dim"))

    @on(DataTable.CellHighlighted, "#fig-table")
    def _moved(self, event: DataTable.CellHighlighted) -> None:
        self._spark()
        self._status()

    # --- actions -------------------------------------------------------------------------------

    def action_section(self, step: int) -> None:
        if self.doc is None:
            return
        self.action_jump((self.index + step) % len(self.doc.tables))

    def action_jump(self, index: int) -> None:
        if self.doc is None or not 0 <= index < len(self.doc.tables):
            return
        self.index, self.order, self.sorted_by = index, [], None
        self.render_section()

    def action_sort(self) -> None:
        tb, col = self.current, self._column()
        if tb is None or col is None:
            return
        j = tb.columns.index(col)
        desc = self.sorted_by != (j, True) if col.kind != "text" else self.sorted_by == (j, False)
        self.sorted_by = (j, desc)
        self.order = sorted(range(len(tb.rows)), key=lambda i: _sort_key(col.kind, tb.rows[i][j]), reverse=desc)
        if desc:  # empty values last either way
            self.order.sort(key=lambda i: tb.rows[i][j] is None)
        cursor = self.table.cursor_coordinate
        self._table(tb)
        self.table.move_cursor(row=0, column=cursor.column, animate=False)
        self.app.notify(t("analytics.screen.sorted", column=col.label()), timeout=2, markup=False)

    def action_define(self) -> None:
        col = self._column()
        if col is None:
            tb = self.current
            if tb is not None and tb.key == "heat":
                self.app.notify(t("analytics.def.weekday") + "；" + t("analytics.screen.heat_def"),
                                title=tb.title(), markup=False, timeout=8)
            return
        self.app.notify(col.definition(), title=col.label(), markup=False, timeout=8)

    def action_focus_item(self) -> None:
        tb, row = self.current, self._row_index()
        target = tb.focus[row] if tb is not None and row is not None and row < len(tb.focus) else None
        if tb is None or row is None or target is None:
            self.app.notify(t("analytics.screen.no_focus_here"), severity="warning", markup=False)
            return
        self.run_worker(self._add_focus(target[0], target[1], str(tb.rows[row][0] if tb.key != "repeats"
                                                                  else tb.rows[row][1])),
                        group="focus-add", exit_on_error=False)

    async def _add_focus(self, kind: str, key: str, label: str) -> None:
        from datetime import date

        from griddesk.console.widgets.dialogs import Field, TextForm, ask, wrote
        from griddesk.store.analytics import focus
        from griddesk.store.errors import Invalid, StoreError

        added: list[int] = []

        async def submit(values: dict[str, str | None]) -> StoreError | None:
            review = None
            if values.get("review"):
                try:
                    review = date.fromisoformat(str(values["review"]))
                except ValueError:
                    return Invalid("analytics.error.date", value=values["review"])
            try:
                added.append(await focus.add(self.gd.store, self.gd.actor, kind, key, values.get("owner") or "",
                                             values.get("note"), review))
            except StoreError as e:
                return e
            return None

        fields = [Field("owner", t("analytics.col.owner")), Field("note", t("analytics.col.note"), required=False),
                  Field("review", t("analytics.col.review_date"), required=False, placeholder="YYYY-MM-DD")]
        title = t("analytics.screen.focus_title", kind=focus.kind_name(kind), name=label)
        if await ask(self.gd, TextForm(title, fields, submit)) and added:
            wrote(self.gd, t("analytics.cli.focus_added", id=added[0]))

    def action_period(self) -> None:
        self.period_at = (self.period_at + 1) % len(self.PERIODS)
        self.order, self.sorted_by = [], None
        self.update_where()
        self.query_one("#fig-status", Static).update(t("analytics.screen.loading"))
        self.reload()

    def action_reload(self) -> None:
        self.reload()
