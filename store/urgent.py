"""The urgent band: what must be acted on in the next minutes, whatever its urgency.

The queue sorts by urgency before deadline, so a normal ticket with 28 minutes left on its
report-upward clock sat below every urgent ticket with days left. The band lifts out, above the
queue, every open ticket whose nearest clock runs out within `urgent_band_minutes` (wall-clock
time: when it will actually expire) and every emergency not yet reported upward (its escalate
clock still running), most pressing first. Already-overdue tickets belong to the overdue view.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, or_, select

from griddesk.store import visibility
from griddesk.store.actor import Actor
from griddesk.store.context import Store
from griddesk.store.enums import OPEN_STATUSES, ClockName, ClockState
from griddesk.store.models import Ticket, TicketClock

LIMIT = 20  # rows read; the console shows as many as fit


@dataclass(frozen=True)
class UrgentRow:
    number: str
    title: str
    urgency: str
    status: str
    clock: str  # the clock that runs out: the ticket's nearest, or escalate for an unreported emergency
    due_at: datetime
    left_s: float  # seconds until due_at (negative once past)
    unreported: bool  # an emergency whose report-upward clock still runs


async def band(store: Store, actor: Actor, limit: int = LIMIT) -> list[UrgentRow]:
    """The band's rows, soonest deadline first (unreported emergencies by their report clock)."""
    now = store.now()
    horizon = now + timedelta(minutes=store.settings.urgent_band_minutes)
    escalate = (select(TicketClock.ticket_id, TicketClock.due_at)
                .where(TicketClock.name == ClockName.ESCALATE, TicketClock.state == ClockState.RUNNING)
                .subquery())
    q = (select(Ticket.number, Ticket.title, Ticket.urgency, Ticket.status, Ticket.due_clock, Ticket.due_at,
                escalate.c.due_at)
         .outerjoin(escalate, escalate.c.ticket_id == Ticket.id)
         .where(visibility.condition(store, actor), Ticket.status.in_(OPEN_STATUSES),
                or_(and_(Ticket.due_at >= now, Ticket.due_at <= horizon), escalate.c.due_at.is_not(None))))
    async with store.db.session() as s:
        found = (await s.execute(q)).all()
    out = []
    for number, title, urgency, status, due_clock, due_at, report_due in found:
        unreported = report_due is not None
        clock, at = (ClockName.ESCALATE.value, report_due) if unreported else (due_clock or "", due_at)
        out.append(UrgentRow(number, title, urgency, status, clock, at, (at - now).total_seconds(), unreported))
    out.sort(key=lambda r: (r.due_at, r.number))
    return out[:limit]
