"""The console's screens, and the one registry every way of reaching a screen reads.

Adding a screen (intake form, dispatch dialog, overdue view, roster tree, findings …):

1. Write it in `console/screens/<area>.py` as a subclass of `screens.base.GridScreen` (header,
   body, footer; the language switch, the live feed and `esc` come with it). Declare key
   bindings with translation keys as descriptions, e.g.
   `Binding("d", "dispatch", "console.key.dispatch")`.
2. Add a factory and one `ScreenEntry` to `SCREENS` below: its command name, a translation key
   for its title, the factory, and optionally a global key and the name of an argument it needs.

That is all. The entry gives it a `:name` command in the command line, a command palette
entry, a global key (if `key` is set), a line in the `?` help, and the title shown in the
header. Factories import their screen when called, so starting the console does not import
every screen.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from textual.screen import Screen

from griddesk.console.screens.base import GridScreen, ScreenEntry
from griddesk.store import permissions

__all__ = ["SCREENS", "GridScreen", "ScreenEntry", "entries", "find"]


def _queue(arg: str) -> Screen[Any]:
    from griddesk.console.screens.queue import QueueScreen

    return QueueScreen(text=arg)


def _ticket(arg: str) -> Screen[Any]:
    from griddesk.console.screens.ticket import TicketScreen

    return TicketScreen(arg)


def _help(arg: str) -> Screen[Any]:
    from griddesk.console.screens.help import HelpScreen

    return HelpScreen(entries())


def _overdue(arg: str) -> Screen[Any]:
    from griddesk.console.screens.overdue import OverdueScreen

    return OverdueScreen(arg or "unit")


def _warnings(arg: str) -> Screen[Any]:
    from griddesk.console.screens.warnings import WarningsScreen

    return WarningsScreen()


def _escalations(arg: str) -> Screen[Any]:
    from griddesk.console.screens.county import EscalationsScreen

    return EscalationsScreen()


def _intake(arg: str) -> Screen[Any]:
    from griddesk.console.screens.intake import IntakeScreen

    return IntakeScreen()


def _roster(arg: str) -> Screen[Any]:
    from griddesk.console.screens.roster import RosterScreen

    return RosterScreen(focus=arg)


def _findings(arg: str) -> Screen[Any]:
    from griddesk.console.screens.findings import FindingsScreen

    return FindingsScreen(arg or None)


def _matters(arg: str) -> Screen[Any]:
    from griddesk.console.screens.matters import MattersScreen

    return MattersScreen(focus=arg)


def _people(arg: str) -> Screen[Any]:
    from griddesk.console.screens.people import PeopleScreen

    return PeopleScreen()


def _search(arg: str) -> Screen[Any]:
    from griddesk.console.screens.search import SearchScreen

    return SearchScreen(text=arg)


def _cards(arg: str) -> Screen[Any]:
    from griddesk.console.screens.cards import CardsScreen

    return CardsScreen(arg)


def _changes(arg: str) -> Screen[Any]:
    from griddesk.console.screens.changes import ChangesScreen

    return ChangesScreen(arg)


def _hotspots(arg: str) -> Screen[Any]:
    from griddesk.console.screens.hotspots import HotspotsScreen

    return HotspotsScreen()


def _focus(arg: str) -> Screen[Any]:
    from griddesk.console.screens.focus import FocusScreen

    return FocusScreen()


def _scorecard(arg: str) -> Screen[Any]:
    from griddesk.console.screens.scorecard import ScorecardScreen

    return ScorecardScreen()


def _shift(arg: str) -> Screen[Any]:
    from griddesk.console.screens.shift_report import ShiftReportScreen

    return ShiftReportScreen()


def _audit(arg: str) -> Screen[Any]:
    from griddesk.console.screens.audit import AuditScreen

    return AuditScreen(arg)


# The registry. Order is the order of the palette and the help.
SCREENS: list[ScreenEntry] = [
    ScreenEntry("queue", "console.screen.queue", _queue, key="f2",
                help_key="console.screen.queue_help"),
    ScreenEntry("ticket", "console.screen.ticket", _ticket, arg="console.arg.number", aliases=("t",),
                help_key="console.screen.ticket_help"),
    ScreenEntry("help", "console.screen.help", _help, help_key="console.screen.help_help"),
    ScreenEntry("overdue", "console_supervise.screen.overdue", _overdue, key="f4", aliases=("late",),
                help_key="console_supervise.screen.overdue_help"),
    ScreenEntry("warnings", "console_supervise.screen.warnings", _warnings,
                help_key="console_supervise.screen.warnings_help"),
    ScreenEntry("escalations", "console_supervise.screen.escalations", _escalations, aliases=("county",),
                help_key="console_supervise.screen.escalations_help"),
    ScreenEntry("intake", "desk.intake.title", _intake, key="f3", aliases=("new", "add"),
                help_key="desk.intake.help"),
    ScreenEntry("roster", "console_roster.screen.roster", _roster, key="f5", aliases=("tree", "grids"),
                help_key="console_roster.screen.roster_help"),
    ScreenEntry("findings", "console_roster.screen.findings", _findings, key="f6", aliases=("gaps", "compliance"),
                help_key="console_roster.screen.findings_help"),
    ScreenEntry("matters", "console_roster.screen.matters", _matters, key="f7", aliases=("matter", "catalogue"),
                help_key="console_roster.screen.matters_help"),
    ScreenEntry("people", "console_roster.screen.people", _people, key="f8", aliases=("person", "staff"),
                help_key="console_roster.screen.people_help"),
    ScreenEntry("search", "console_roster.screen.search", _search, key="f9", aliases=("find",),
                help_key="console_roster.screen.search_help"),
    ScreenEntry("card", "console_roster.screen.cards", _cards, aliases=("cards", "notice"),
                help_key="console_roster.screen.cards_help"),
    ScreenEntry("changes", "console_roster.screen.changes", _changes, aliases=("filing",),
                help_key="console_roster.screen.changes_help"),
    ScreenEntry("hotspots", "analytics.screen.hotspots", _hotspots, aliases=("hot",),
                help_key="analytics.screen.hotspots_help"),
    ScreenEntry("focus", "analytics.screen.focus", _focus, aliases=("watch",),
                help_key="analytics.screen.focus_help"),
    ScreenEntry("scorecard", "analytics.screen.scorecard", _scorecard, aliases=("scores", "evaluation"),
                help_key="analytics.screen.scorecard_help"),
    ScreenEntry("shift", "analytics.screen.shift", _shift, aliases=("handover", "report"),
                help_key="analytics.screen.shift_help"),
    ScreenEntry("audit", "audit.title", _audit, aliases=("log",), help_key="audit.palette_help",
                allowed=permissions.may_read_audit),
]


def find(name: str) -> ScreenEntry | None:
    name = name.lower()
    return next((e for e in SCREENS if e.name == name or name in e.aliases), None)


def entries() -> Iterable[ScreenEntry]:
    return list(SCREENS)
