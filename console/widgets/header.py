"""The header every screen shows: where you are and what is overdue, always in sight (k9s).

Line 1: the centre (the operator's jurisdiction), the notice line (unread count and the latest
notice while fresh: console/notice_log.py), the operator and role, the local time.
Line 2: where you are (screen › filter), then counts of open, due-soon and overdue tickets and
pending escalations; the overdue count is highlighted when it is not zero.

The header holds no data of its own: it renders the app's `HeaderState`, and only repaints a
line whose text changed (the time moves once a minute, the counts when the feed says so).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widget import Widget
from textual.widgets import Static

from griddesk.store import permissions
from griddesk.store.actor import Actor
from griddesk.store.i18n import t
from griddesk.store.queue import Counts


def escalations_label_key(actor: Actor) -> str:
    """The header's word for its escalation count: "to report" at a town, "arrived" at a county."""
    if permissions.above_town(actor.jurisdiction):
        return "console_supervise.header.arrived"
    return "console.header.escalations"


@dataclass
class HeaderState:
    """What the header shows; the app owns one and updates it."""

    centre: str = ""
    operator: str = ""
    role: str = ""
    time: str = ""
    counts: Counts | None = None
    offline: bool = False
    notice: str = ""  # the latest notice while fresh (console/notice_log.py)
    notice_severity: str = ""
    unread: int = 0  # warnings and errors not yet seen in the `!` list
    extra: dict[str, str] = field(default_factory=dict)


class _Part(Static):
    """A Static that skips the repaint when handed the text it already shows."""

    def show(self, content: Text) -> None:
        key = (content.plain, tuple(content.spans), str(content.style))
        if getattr(self, "_shown_key", None) != key:
            self._shown_key = key
            self.update(content)


class GridHeader(Widget):
    DEFAULT_CLASSES = "gd-header"

    def __init__(self, where: str = "", **kw: Any) -> None:
        super().__init__(**kw)
        self.where = where

    def compose(self) -> ComposeResult:
        with Horizontal(classes="gd-header-line"):
            yield _Part(classes="gd-centre")
            yield _Part(classes="gd-notice")
            yield _Part(classes="gd-who")
        with Horizontal(classes="gd-header-line"):
            yield _Part(classes="gd-where")
            yield _Part(classes="gd-counts")

    def on_mount(self) -> None:
        self.sync()

    def set_where(self, where: str) -> None:
        self.where = where
        for part in self.query(".gd-where").results(_Part):
            part.show(Text(where, style="bold"))

    def sync(self) -> None:
        """Render the app's header state (called by the app when it changes)."""
        state: HeaderState | None = getattr(self.app, "header_state", None)
        if state is None or not self.query(".gd-centre"):
            return
        self.query_one(".gd-centre", _Part).show(Text(state.centre, style="bold"))
        self.query_one(".gd-notice", _Part).show(self._notice(state))
        who = Text()
        if state.offline:
            who.append(t("console.header.offline") + "  ", style=self._colour("error") + " bold")
        who.append(f"{state.role} {state.operator}  ")
        who.append(state.time, style="bold")
        self.query_one(".gd-who", _Part).show(who)
        self.query_one(".gd-where", _Part).show(Text(self.where, style="bold"))
        self.query_one(".gd-counts", _Part).show(self._counts(state.counts, state.extra.get("escalations_key")))

    def _notice(self, state: HeaderState) -> Text:
        """The notice line: `!3` unread (reverse, when any), then the latest notice while fresh."""
        out = Text(no_wrap=True, overflow="ellipsis")
        if state.unread:
            out.append(f" !{state.unread} ", style=f"bold reverse {self._colour('error')}")
            out.append(" ")
        if state.notice:
            style = {"error": f"bold {self._colour('error')}", "warning": f"bold {self._colour('due-soon')}"}
            out.append(state.notice, style=style.get(state.notice_severity, ""))
        return out

    def _colour(self, name: str) -> str:
        theme = self.app.current_theme
        return theme.variables.get(f"gd-{name}") or getattr(theme, name, None) or "red"

    def _counts(self, c: Counts | None, escalations_key: str | None = None) -> Text:
        out = Text(no_wrap=True, overflow="ellipsis")
        if c is None:
            return out
        out.append(f"{t('console.header.open')} {c.open}  ")
        soon = f"{t('console.header.due_soon')} {c.due_soon}"
        out.append(soon, style=self._colour("due-soon") if c.due_soon else "")
        out.append("  ")
        late = f"{t('console.header.overdue')} {c.overdue}"
        if c.overdue:
            out.append(f" {late} ", style=f"bold reverse {self._colour('overdue')}")
        else:
            out.append(late)
        out.append("  ")
        # a town counts what it must still report up; a county what its towns sent it
        esc = f"{t(escalations_key or 'console.header.escalations')} {c.escalations}"
        out.append(esc, style=f"bold {self._colour('error')}" if c.escalations else "")
        return out
