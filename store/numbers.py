"""Ticket numbers: `<town code>-<YYYYMMDD>-<seq>`, how a town centre shortens them, and what a
shortened number typed back means.

The console shows a town account `20261127-0043` (its own town code in front is noise there);
operators then type that, or just `0043` for a ticket of today. `resolve` turns any of these into
the full number, so `:ticket`, `ticket show`, `ticket act` and search accept what the screens show.
"""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from griddesk.store.errors import Invalid, NotFound
from griddesk.store.permissions import is_town

FULL = re.compile(r"\d{9}-\d{8}-\d{4,}")
DAY_SEQ = re.compile(r"(\d{8})-(\d{1,})")
TAIL = re.compile(r"\d{1,6}")
CANDIDATES = 10  # an ambiguous tail lists at most this many, newest first


def ticket_number(town_code: str, day: str, seq: int) -> str:
    return f"{town_code}-{day}-{seq:04d}"


def short_number(number: str, jurisdiction: str) -> str:
    """A ticket number as a town centre shows it: the town's own code in front is noise there
    (a town account sees only its town's tickets)."""
    prefix = f"{jurisdiction}-"
    return number[len(prefix):] if is_town(jurisdiction) and number.startswith(prefix) else number


def _seq(text: str) -> str:
    return f"{int(text):04d}"


def _not_found(text: str) -> NotFound:
    return NotFound("error.not_found_ticket", field="number", number=text)


def today(now: datetime, timezone: str) -> str:
    """The local day a bare sequence number refers to, as numbers spell it (YYYYMMDD)."""
    return now.astimezone(ZoneInfo(timezone)).strftime("%Y%m%d")


async def resolve(s: AsyncSession, text: str, jurisdiction: str, day: str | None = None,
                  visible: ColumnElement[bool] | None = None) -> str:
    """The full number `text` stands for, among tickets whose town lies in `jurisdiction`.

    - a full number: itself (whether it exists is the caller's lookup);
    - `YYYYMMDD-seq`: that day's ticket of the actor's town, or of any town of a county;
    - a bare `seq` (`43`, `0043`): the ticket of `day` (today) with that sequence, else the
      ticket ending in it when only one does; several → `Invalid` listing them, newest first.
    Anything else is not a number: `NotFound`, as for a number that does not exist.
    `visible` (store.visibility's condition) limits the lookups to what the actor may see, so a
    tail never tells whether a hidden ticket exists."""
    from griddesk.store.models import Ticket  # the model only when a lookup is needed
    from griddesk.store.scope import in_town

    text = text.strip()
    seen = visible if visible is not None else in_town(Ticket.town_code, jurisdiction)
    if FULL.fullmatch(text):
        return text
    if m := DAY_SEQ.fullmatch(text):
        day, seq = m.group(1), _seq(m.group(2))
        if is_town(jurisdiction):
            return ticket_number(jurisdiction, day, int(seq))
        suffix = f"-{day}-{seq}"
    elif TAIL.fullmatch(text):
        seq = _seq(text)
        if day is not None and is_town(jurisdiction):
            todays = ticket_number(jurisdiction, day, int(seq))
            if (await s.execute(select(Ticket.id).where(Ticket.number == todays, seen))).first() is not None:
                return todays
        suffix = f"-{seq}"
    else:
        raise _not_found(text)
    # Few tickets end in one suffix per town; the number index keeps this a short scan.
    q = (select(Ticket.number).where(seen, Ticket.number.endswith(suffix))
         .order_by(Ticket.received_at.desc()).limit(CANDIDATES + 1))
    found = list((await s.execute(q)).scalars())
    if not found:
        raise _not_found(text)
    if len(found) == 1:
        return found[0]
    shown = [short_number(n, jurisdiction) for n in found[:CANDIDATES]]
    more = "…" if len(found) > CANDIDATES else ""
    raise Invalid("error.ambiguous_number", field="number", number=text, candidates=", ".join(shown) + more)
