"""The urgent band above the queue: clocks about to run out and unreported emergencies.

One line per ticket, most pressing first, cut by terminal cells (never mid-character), as many
as `max_lines` allows (a few at 80×24, more on a wall screen); a last line says how many more.
Hidden when nothing is pressing. The rows come from `store.urgent.band`.
"""

from __future__ import annotations

from datetime import datetime

from rich.text import Text
from textual.widgets import Static

from griddesk.store import decisions
from griddesk.store.i18n import t
from griddesk.store.numbers import short_number
from griddesk.store.timefmt import time_left
from griddesk.store.urgent import UrgentRow


class UrgentBand(Static):
    DEFAULT_CSS = """
    UrgentBand { height: auto; max-height: 8; padding: 0 1; display: none;
                 text-wrap: nowrap; text-overflow: ellipsis; }
    """

    def __init__(self, jurisdiction: str, **kw: object) -> None:
        super().__init__(**kw)  # type: ignore[arg-type]
        self.jurisdiction = jurisdiction
        self.rows: list[UrgentRow] = []
        self.now: datetime | None = None

    def max_lines(self) -> int:
        height = self.app.size.height
        return 3 if height <= 30 else min(7, height // 8)

    def set_rows(self, rows: list[UrgentRow], now: datetime) -> None:
        self.rows, self.now = rows, now
        self.display = bool(rows)
        self.render_rows()

    def render_rows(self) -> None:
        if not self.rows or self.now is None:
            self.update("")
            return
        limit = self.max_lines()
        shown = self.rows if len(self.rows) <= limit else self.rows[:limit - 1]
        colour = self.app.current_theme.error or "red"
        out = Text(no_wrap=True, overflow="ellipsis")
        for i, r in enumerate(shown):
            if i:
                out.append("\n")
            mark = t("console.urgent.unreported") if r.unreported else decisions.clock_name(r.clock, r.status)
            out.append("⚠ ", style=f"bold {colour}")
            out.append(short_number(r.number, self.jurisdiction), style="bold")
            out.append(f"  {mark} {time_left(r.due_at, self.now)}  ", style=colour)
            out.append(r.title)
        if len(shown) < len(self.rows):
            out.append("\n" + t("console.urgent.more", count=len(self.rows) - len(shown)), style="dim")
        self.update(out)

    @property
    def first(self) -> str | None:
        return self.rows[0].number if self.rows else None
