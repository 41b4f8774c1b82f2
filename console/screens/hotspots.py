"""Hot spots (BH 22): counts by matter, grid and village with their trends, the longest to
close, the hardest, repeats (callers only as keyed hashes) and arrivals by weekday and hour.
`p` switches 30 → 7 → 90 days; the rest is `FiguresScreen`'s.

The longest to close and the repeats read a row per ticket of the period (`hotspots.DEFERRABLE`):
the screen opens without them and reads each the first time its table is shown."""

from __future__ import annotations

from typing import Any

from griddesk.console.screens.figures import FiguresScreen
from griddesk.store.analytics import hotspots, period, tables
from griddesk.store.analytics.tables import Document
from griddesk.store.i18n import t


class HotspotsScreen(FiguresScreen):
    ENTRY = "hotspots"
    TITLE_KEY = "analytics.screen.hotspots"

    def __init__(self, **kw: Any) -> None:
        super().__init__(**kw)
        self.wanted: frozenset[str] = frozenset()  # deferred parts whose table has been shown
        self.skipped: frozenset[str] = frozenset()  # deferred parts the shown read left out

    def where(self) -> str:
        return t(self.TITLE_KEY) + " · " + t("analytics.screen.days", days=self.choice)

    async def load(self) -> Document:
        store = self.gd.store
        p = period.last_days(store.calendar, store.now(), self.choice)
        h = await hotspots.hotspots(store, self.gd.actor, p, skip=hotspots.DEFERRABLE - self.wanted)
        self.skipped = h.skipped
        return tables.hotspot_tables(h, store.calendar)

    def render_section(self) -> None:
        super().render_section()
        tb = self.current
        if tb is not None and tb.key in self.skipped and tb.key not in self.wanted:
            self.wanted |= {tb.key}  # shown for the first time: read it (the figures stay on screen)
            self.reload()
