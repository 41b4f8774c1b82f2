"""Hot spots (BH 22): counts by matter, grid and village with their trends, the longest to
close, the hardest, repeats (callers only as keyed hashes) and arrivals by weekday and hour.
`p` switches 30 → 7 → 90 days; the rest is `FiguresScreen`'s."""

from __future__ import annotations

from griddesk.console.screens.figures import FiguresScreen
from griddesk.store.analytics import hotspots, period, tables
from griddesk.store.analytics.tables import Document
from griddesk.store.i18n import t


class HotspotsScreen(FiguresScreen):
    ENTRY = "hotspots"
    TITLE_KEY = "analytics.screen.hotspots"

    def where(self) -> str:
        return t(self.TITLE_KEY) + " · " + t("analytics.screen.days", days=self.choice)

    async def load(self) -> Document:
        store = self.gd.store
        p = period.last_days(store.calendar, store.now(), self.choice)
        return tables.hotspot_tables(await hotspots.hotspots(store, self.gd.actor, p), store.calendar)
