"""Notices that inform without covering: the app's `notify` lands here, not in a toast.

Textual's toasts covered the bottom rows from column 18 at 80×24 — the highlighted row, the
dispatch and confirm dialogs — and wrapped CJK text badly. Instead every notice is kept here
(newest first, a bounded list); the header's first line shows the latest while it is fresh and,
after that, the count of unread warnings and errors; `!` opens the list (console/screens/notices.py),
where Enter jumps to the notice's ticket. The bell rings as before (console/alerts.py).
"""

from __future__ import annotations

import re
from collections import deque
from dataclasses import dataclass
from datetime import datetime

from rich.cells import cell_len
from rich.errors import MarkupError
from rich.text import Text

from griddesk.store.numbers import short_number

KEEP = 200  # notices kept for the list
FRESH = 8.0  # seconds the header shows a notice when its sender gave no timeout
# a ticket number as notices write it: whole, or as a town's screens shorten it
_NUMBER = re.compile(r"(?<![\d-])(?:\d{9}-)?\d{8}-\d{4,}(?![\d-])")


@dataclass(frozen=True)
class Notice:
    at: datetime
    text: str  # plain text: never parsed as markup again
    title: str
    severity: str  # information | warning | error
    timeout: float
    number: str | None  # the ticket it is about, when its text names one

    @property
    def line(self) -> str:
        """The notice as it is shown (the header's line, the `!` list): its text once, headed by
        its title only when the text does not already open with a label of its own. An alert's
        text says what it is ("特急：…", "Overdue: …"); its title ("特急 / 须上报") said it again."""
        if not self.title or labelled(self.text):
            return self.text
        if self.title[-1] in "？！。：":  # "要退出吗？按 ^q 退出"
            sep = ""
        elif self.title[-1] in "?!.:":
            sep = " "
        else:
            sep = "：" if _wide(self.title) else ": "
        return f"{self.title}{sep}{self.text}"

    def shown(self, jurisdiction: str) -> str:
        """`line` with its ticket number as the centre's screens show it (the town's part left off)."""
        if self.number is None:
            return self.line
        return self.line.replace(self.number, short_number(self.number, jurisdiction))

    @property
    def counts(self) -> bool:
        """Warnings and errors are counted as unread until the list has been opened."""
        return self.severity != "information"


LABEL_CELLS = 40  # a text's own label ("已超期", "Reported or handed up to this centre") is at most this wide


def _wide(text: str) -> bool:
    return cell_len(text) > len(text)


def labelled(text: str) -> bool:
    """Whether `text` opens with a label of its own: a few words without digits, then "：" or ": "."""
    for sep in ("：", ": "):
        head, found, _ = text.partition(sep)
        if found and head.strip() and cell_len(head) <= LABEL_CELLS and not any(c.isdigit() for c in head):
            return True
    return False


def plain(message: object, markup: bool) -> str:
    """The message as plain text: markup is rendered away only when the sender asked for it,
    and text that is not valid markup (an error holding `[SQL: …]`) is kept as it is."""
    text = str(message)
    if not markup:
        return text
    try:
        return Text.from_markup(text).plain
    except MarkupError:
        return text


class NoticeLog:
    def __init__(self) -> None:
        self.entries: deque[Notice] = deque(maxlen=KEEP)
        self.unread = 0

    def add(self, at: datetime, message: object, title: str = "", severity: str = "information",
            timeout: float | None = None, markup: bool = True) -> Notice:
        text = plain(message, markup)
        found = _NUMBER.search(text)
        notice = Notice(at, " ".join(text.split()), plain(title, markup), severity,
                        FRESH if timeout is None else timeout, found.group(0) if found else None)
        self.entries.appendleft(notice)
        if notice.counts:
            self.unread += 1
        return notice

    @property
    def latest(self) -> Notice | None:
        return self.entries[0] if self.entries else None

    def fresh(self, now: datetime) -> Notice | None:
        """The latest notice while its time to be shown lasts."""
        n = self.latest
        return n if n is not None and (now - n.at).total_seconds() < n.timeout else None

    def read_all(self) -> None:
        self.unread = 0

    @property
    def messages(self) -> list[str]:
        """Every kept text, newest first (tests and the list)."""
        return [n.text for n in self.entries]
