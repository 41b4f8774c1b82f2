"""Messages the console's parts send each other: one module, so every screen finds them here.

The app is the only one that reads the store's change feed and the clock; it posts these
messages to every screen on the stack (`GridDeskApp.broadcast`), so a screen only writes the
handler it needs, e.g. `def on_tickets_changed(self, message: TicketsChanged)`.
"""

from __future__ import annotations

from datetime import datetime

from textual.message import Message

from griddesk.store.queue import Counts


class TicketsChanged(Message):
    """Tickets in the operator's jurisdiction were written (by anyone: this console, another
    console, the CLI, the demo feed).

    `ids` are ticket ids from the change feed. `everything` is set when the console fell too far
    behind the feed to list them (it was asleep, or a bulk import ran): reload whatever you show.
    """

    def __init__(self, ids: frozenset[int], everything: bool = False, last_change: int = 0) -> None:
        super().__init__()
        self.ids = ids
        self.everything = everything
        self.last_change = last_change

    def touches(self, ticket_id: int | None) -> bool:
        return self.everything or (ticket_id is not None and ticket_id in self.ids)


class RecordsChanged(Message):
    """Other records changed (grids, people, units, matters, areas): entity → ids.

    Nothing in the first screens needs it; the roster and matter screens will.
    """

    def __init__(self, entities: dict[str, frozenset[int]]) -> None:
        super().__init__()
        self.entities = entities


class CountsChanged(Message):
    """The header's numbers were re-read (after a change, or when the minute turned)."""

    def __init__(self, counts: Counts) -> None:
        super().__init__()
        self.counts = counts


class MinuteTick(Message):
    """The wall-clock minute turned: re-word times such as "3小时后超期" (no database read)."""

    def __init__(self, now: datetime) -> None:
        super().__init__()
        self.now = now


class LanguageChanged(Message):
    """The operator switched language: re-render labels, column titles, key descriptions."""

    def __init__(self, lang: str) -> None:
        super().__init__()
        self.lang = lang


class ThemeChanged(Message):
    """The theme changed: re-colour what is coloured in Python (status and urgency symbols)."""

    def __init__(self, name: str) -> None:
        super().__init__()
        self.name = name


class FirstShown(Message):
    """A screen showed its first read (the root queue's first page, or why it could not): sent
    up to the app once, after that paint, so the app starts only then what the first page does
    not need (header counts, notices, the ladder: console/app.py `_startup`)."""
