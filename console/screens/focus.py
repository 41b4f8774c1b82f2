"""The focused-governance list (重点治理, BH 22): what was put under watch from the hot spots,
with its count before and after and whether it went down. `p` shows the open items or all,
`x` closes the highlighted item (a form: its note, Enter closes, Esc keeps it open)."""

from __future__ import annotations

from typing import Any, ClassVar

from textual.binding import Binding

from griddesk.console.screens.figures import FiguresScreen
from griddesk.store.analytics import focus, tables
from griddesk.store.analytics.tables import Document
from griddesk.store.i18n import t


class FocusScreen(FiguresScreen):
    ENTRY = "focus"
    TITLE_KEY = "analytics.screen.focus"
    PERIODS: ClassVar[tuple[Any, ...]] = ("open", "all")
    BINDINGS: ClassVar[list[Any]] = [
        Binding("p", "period", "analytics.key.focus_shown"),
        Binding("x", "close_item", "analytics.key.focus_close"),
    ]

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "focus_item":  # the list itself: items are put on it from the hot spots
            return False
        return super().check_action(action, parameters)

    def where(self) -> str:
        return t(self.TITLE_KEY) + " · " + t(f"analytics.screen.focus_{self.choice}")

    async def load(self) -> Document:
        store = self.gd.store
        rows = await focus.items(store, self.gd.actor, include_closed=self.choice == "all")
        return Document("focus", t(f"analytics.screen.focus_{self.choice}"), (tables.focus_table(rows),))

    def _item(self) -> tuple[int, str] | None:
        tb, row = self.current, self._row_index()
        if tb is None or row is None or row >= len(tb.rows):
            return None
        return int(tb.rows[row][0]), str(tb.rows[row][2])

    def action_close_item(self) -> None:
        item = self._item()
        if item is None:
            self.app.notify(t("analytics.screen.focus_none"), severity="warning", markup=False)
            return
        self.run_worker(self._close(*item), group="focus-close", exit_on_error=False)

    async def _close(self, item_id: int, label: str) -> None:
        from griddesk.console.widgets.dialogs import Field, TextForm, ask, wrote
        from griddesk.store.errors import StoreError

        async def submit(values: dict[str, str | None]) -> StoreError | None:
            try:
                await focus.close(self.gd.store, self.gd.actor, item_id, values.get("note"))
            except StoreError as e:
                return e
            return None

        form = TextForm(t("analytics.screen.focus_close_title", id=item_id, name=label),
                        [Field("note", t("analytics.col.note"), required=False)], submit)
        if await ask(self.gd, form):
            wrote(self.gd, t("analytics.cli.focus_closed", id=item_id))
            self.reload()
