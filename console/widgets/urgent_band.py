"""The urgent band above the queue: clocks about to run out and unreported emergencies.

One line per ticket, most pressing first, cut by terminal cells (never mid-character), as many
as `max_lines` allows (a few at 80×24, more on a wall screen); a last line says how many more.
Hidden when nothing is pressing. The rows come from `store.urgent.band`.

Idle, the band costs a minute's re-wording and nothing more: the queue hands it its rows when
the change feed moves, and each minute `render_rows` repaints only if the text changed. Time
alone changes the rows themselves only at `store.urgent.next_change` (a shown deadline passes,
the next one comes within the horizon): the band re-reads itself then, not every minute.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import TYPE_CHECKING, cast

from rich.text import Text
from textual.widgets import Static

from griddesk.store import decisions, urgent
from griddesk.store.i18n import t
from griddesk.store.numbers import short_number
from griddesk.store.timefmt import time_left
from griddesk.store.urgent import UrgentRow

if TYPE_CHECKING:
    from griddesk.console.app import GridDeskApp

log = logging.getLogger(__name__)


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
        self.wake: datetime | None = None  # when time alone changes the rows (None: only a write can)
        self.reads = 0  # re-reads the band did by itself (tests)
        self._shown: tuple[str, tuple[object, ...]] | None = None
        self._reading = False

    @property
    def gd(self) -> GridDeskApp:
        return cast("GridDeskApp", self.app)

    def max_lines(self) -> int:
        height = self.app.size.height
        return 3 if height <= 30 else min(7, height // 8)

    def set_rows(self, rows: list[UrgentRow], now: datetime) -> None:
        self.rows, self.now = rows, now
        self.display = bool(rows)
        self.render_rows()
        self.run_worker(self._next_change(rows, now), group="urgent-wake", exclusive=True, exit_on_error=False)

    async def _next_change(self, rows: list[UrgentRow], now: datetime) -> None:
        try:
            self.wake = await urgent.next_change(self.gd.store, self.gd.actor, rows, now)
        except Exception as e:  # the next write or read tries again
            log.warning("urgent band wake failed: %s", e)
            self.wake = now

    def render_rows(self) -> None:
        if self.now is not None and self.wake is not None and self.now >= self.wake and not self._reading:
            self._reading = True
            self.wake = None
            self.run_worker(self._reread(), group="urgent-read", exit_on_error=False)
        if not self.rows or self.now is None:
            self._show(Text(""))
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
        self._show(out)

    def _show(self, content: Text) -> None:
        """Repaint only when the text differs from what is shown (a minute that changes no word)."""
        key = (content.plain, tuple(content.spans))
        if key != self._shown:
            self._shown = key
            self.update(content)

    async def _reread(self) -> None:
        """Time moved the band's rows (a deadline passed, or came within the horizon): read them."""
        try:
            store = self.gd.store
            rows = await urgent.band(store, self.gd.actor)
            self.reads += 1
            self.set_rows(rows, store.now())
        except Exception as e:
            log.warning("urgent band read failed: %s", e)
        finally:
            self._reading = False

    @property
    def first(self) -> str | None:
        return self.rows[0].number if self.rows else None
