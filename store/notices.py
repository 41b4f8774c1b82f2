"""Alerts raised once: a clock crossing into overdue, an emergency (or a hand-over) arriving.

Each (operator, ticket, clock, kind) is raised at most once, ever: the `notices` table remembers
what was shown, so restarting the console does not raise it again, and a second console of the
same operator does not raise what the first one already did (`claim` inserts before it returns).

Which crossings count (decided here, one place):
- *overdue*: a running clock whose deadline passed within the last `notice_window_minutes`
  (config.toml, default 60). Older crossings are not rung: a console opened on Monday morning,
  or by an operator new to the town, would otherwise ring once for every ticket that went late
  while it was closed. Those are in the header counts and the overdue view already; the bell is
  for what changes while someone is watching (and for the minutes a console was restarting).
- *emergency*: an open ticket of urgency "emergency", or flagged for reporting upward, that the
  centre has not acted on yet (pending dispatch, or the upward report still due). No window: an
  emergency nobody has handled should reach whoever opens a console, however old.
- *escalated*, at a county (or city) centre: what arrives there — tickets its towns reported
  upward or handed over. Such a console is also told of the deadlines of the tickets it holds itself; the towns' own
  deadlines are theirs to watch (a county of a dozen towns would otherwise ring all day).
- A clock is keyed by its name: a handling clock that resumes after a failed verification and is
  still late does not ring a second time for the same lateness.

The bell itself is per operator (`operators.bell`) and global (`Settings.bell`); notices are
returned either way, the console decides whether to ring (`bell_on`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, SQLColumnExpression, exists, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from griddesk.store import permissions, records
from griddesk.store.actor import Actor
from griddesk.store.context import Store
from griddesk.store.enums import ClockState, Status, Urgency
from griddesk.store.errors import NotAllowed
from griddesk.store.escalation import COUNTY, FLAGGED, REPORTED
from griddesk.store.i18n import code_name, t
from griddesk.store.models import Notice as NoticeRow
from griddesk.store.models import Operator, Ticket, TicketClock
from griddesk.store.overdue import scope
from griddesk.store.privacy import mask_text
from griddesk.store.scope import under
from griddesk.store.timefmt import iso

OVERDUE = "overdue"
EMERGENCY = "emergency"
ESCALATED = "escalated"  # at a county centre: a town reported it up or handed it over
ARRIVAL = "receive"  # the `clock` column of an emergency notice: it is about the arrival
COUNTY_CODE = permissions.COUNTY_LENGTH


@dataclass(frozen=True)
class Notice:
    kind: str  # overdue / emergency / escalated
    ticket_id: int
    number: str
    clock: str  # the clock's name; "receive" for an emergency
    title: str
    urgency: str
    at: datetime  # when it crossed (the deadline) or arrived

    def text(self, lang: str | None = None) -> str:
        if self.kind == ESCALATED:
            return t("notices.escalated", lang, number=self.number, title=self.title)
        if self.kind == EMERGENCY:
            # a major event flagged for reporting need not be urgent itself (a matter marked
            # `escalate`, or flagged by hand): say which it is
            key = "notices.emergency" if self.urgency == Urgency.EMERGENCY else "notices.flagged"
            return t(key, lang, number=self.number, title=self.title)
        return t("notices.overdue", lang, number=self.number, title=self.title,
                 clock=code_name("clock", self.clock, lang))

    def json(self) -> dict[str, object]:
        return {"kind": self.kind, "number": self.number, "clock": self.clock,
                "title": self.title, "urgency": self.urgency, "at": iso(self.at)}


def window(store: Store) -> timedelta:
    minutes = store.settings.notice_window_minutes
    return timedelta(minutes=max(minutes, 0))


def _not_notified(operator_id: int, clock: SQLColumnExpression[str] | str, kind: str) -> ColumnElement[bool]:
    return ~exists().where(NoticeRow.operator_id == operator_id, NoticeRow.ticket_id == Ticket.id,
                           NoticeRow.clock == clock, NoticeRow.kind == kind)


async def pending_notices(store: Store, actor: Actor) -> list[Notice]:
    """What this operator has not been told yet, oldest first (emergencies before overdue)."""
    if actor.operator_id is None or actor.read_only:
        return []  # the wall screen shows counts; it is nobody's to acknowledge
    now = store.now()
    op = actor.operator_id
    county = permissions.above_town(actor.jurisdiction)
    arrival = ESCALATED if county else EMERGENCY
    late_q = scope(
        select(Ticket.id, Ticket.number, TicketClock.name, Ticket.title, Ticket.urgency, TicketClock.due_at)
        .select_from(TicketClock).join(Ticket, Ticket.id == TicketClock.ticket_id)
        .where(TicketClock.state == ClockState.RUNNING, TicketClock.due_at < now,
               TicketClock.due_at >= now - window(store),
               _not_notified(op, TicketClock.name, OVERDUE)), store, actor)
    urgent_base = scope(
        select(Ticket.id, Ticket.number, Ticket.title, Ticket.urgency, Ticket.received_at)
        .where(_not_notified(op, ARRIVAL, arrival)), store, actor)
    if county:
        # a county (or city) centre: what its towns reported up or handed over arrives there;
        # the towns' own deadlines are the towns' to watch, except what the county now holds
        late_q = late_q.where(under(Ticket.held_by, actor.jurisdiction),
                              func.length(Ticket.held_by) == COUNTY_CODE)
        urgent_qs = [urgent_base.where(Ticket.escalation.in_((REPORTED, COUNTY)))]
    else:
        # an emergency the centre has not dispatched, or anything flagged for reporting upward:
        # two queries, each served by an index (ix_tickets_queue on town, status, urgency;
        # ix_tickets_escalation), rather than one OR that reads every open ticket of the town
        urgent_qs = [urgent_base.where(Ticket.urgency == Urgency.EMERGENCY,
                                       Ticket.status.in_((Status.RECEIVED, Status.PENDING_DISPATCH))),
                     urgent_base.where(Ticket.escalation == FLAGGED)]
    async with store.db.session() as s:
        late = (await s.execute(late_q)).all()
        urgent = list({r[0]: r for q in urgent_qs for r in (await s.execute(q)).all()}.values())
    out = [Notice(arrival, tid, number, ARRIVAL, mask_text(title) or "", urg, at)
           for tid, number, title, urg, at in sorted(urgent, key=lambda r: (r[4], r[0]))]
    out += [Notice(OVERDUE, tid, number, clock, mask_text(title) or "", urg, due)
            for tid, number, clock, title, urg, due in sorted(late, key=lambda r: (r[5], r[0], r[2]))]
    return out


async def mark_notified(store: Store, actor: Actor, notices: list[Notice]) -> list[Notice]:
    """Remember that these were shown; returns the ones not remembered before (insert-if-absent).

    Each insert runs in a savepoint and a unique violation is ignored: the same code on SQLite
    (where BEGIN IMMEDIATE already serialises writers) and PostgreSQL (where a concurrent insert
    of the same key waits for the other transaction and then fails on the unique constraint).
    """
    if actor.operator_id is None or actor.read_only or not notices:
        return []
    now = store.now()
    fresh: list[Notice] = []
    async with store.db.session(write=True) as s:
        for n in notices:
            try:
                async with s.begin_nested():
                    await s.execute(insert(NoticeRow).values(
                        operator_id=actor.operator_id, ticket_id=n.ticket_id, clock=n.clock,
                        kind=n.kind, at=now))
            except IntegrityError:
                continue
            fresh.append(n)
    return fresh


async def claim(store: Store, actor: Actor) -> list[Notice]:
    """Pending notices, remembered at once: what a console shows (and rings for) on this tick.

    Two consoles of one operator polling together each get a notice at most once between them.
    """
    return await mark_notified(store, actor, await pending_notices(store, actor))


async def bell_on(store: Store, actor: Actor) -> bool:
    """Whether this operator's console rings: the global setting and the operator's own."""
    if not store.settings.bell or actor.operator_id is None:
        return False
    async with store.db.session() as s:
        on = (await s.execute(select(Operator.bell).where(Operator.id == actor.operator_id))).scalar_one_or_none()
    return bool(on)


async def set_bell(store: Store, actor: Actor, on: bool) -> None:
    """An operator turns their own bell on or off (a console preference, recorded in the audit)."""
    if actor.operator_id is None:
        raise NotAllowed("notices.error.no_account")
    now = store.now()
    async with store.db.session(write=True) as s:
        await s.execute(update(Operator).where(Operator.id == actor.operator_id).values(bell=bool(on)))
        await records.audit(s, actor, "operator.bell", "operator", actor.login, now, {"bell": bool(on)})


__all__ = ["ARRIVAL", "EMERGENCY", "ESCALATED", "OVERDUE", "Notice", "bell_on", "claim", "mark_notified",
           "pending_notices", "set_bell", "window"]
