"""The shift report (交班报告), and the daily, weekly and monthly reports: `p` switches between
them. What `griddesk report shift|daily|weekly|monthly` prints, on screen."""

from __future__ import annotations

from typing import Any, ClassVar

from griddesk.console.screens.figures import FiguresScreen
from griddesk.store.analytics import reports, tables
from griddesk.store.analytics.tables import Document
from griddesk.store.i18n import t


class ShiftReportScreen(FiguresScreen):
    ENTRY = "shift"
    TITLE_KEY = "analytics.screen.shift"
    PERIODS: ClassVar[tuple[Any, ...]] = reports.KINDS

    def where(self) -> str:
        return t(f"analytics.doc.{self.choice}")

    async def load(self) -> Document:
        store = self.gd.store
        return tables.report_tables(await reports.report(store, self.gd.actor, self.choice), store.calendar)
