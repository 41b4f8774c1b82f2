"""Scorecards (HH 26, JM 19, BH 23): units with the hotline rates and their floors (a rate
under its floor is marked ▼ and coloured), grid workers, grids and villages, seat operators.
`p` switches 30 → 7 → 90 days; the rest is `FiguresScreen`'s."""

from __future__ import annotations

from griddesk.console.screens.figures import FiguresScreen
from griddesk.store.analytics import period, scorecards, tables
from griddesk.store.analytics.tables import Document
from griddesk.store.i18n import t


class ScorecardScreen(FiguresScreen):
    ENTRY = "scorecard"
    TITLE_KEY = "analytics.screen.scorecard"

    def where(self) -> str:
        return t(self.TITLE_KEY) + " · " + t("analytics.screen.days", days=self.choice)

    async def load(self) -> Document:
        store = self.gd.store
        p = period.last_days(store.calendar, store.now(), self.choice)
        return tables.scorecard_tables(await scorecards.scorecards(store, self.gd.actor, p), store.calendar)
