"""The urgent band: what must be acted on in the next minutes, whatever its urgency.

The queue sorts by urgency before deadline, so a normal ticket with 28 minutes left on its
report-upward clock sat below every urgent ticket with days left. The band lifts out, above the
queue, every open ticket whose nearest clock runs out within `urgent_band_minutes` (wall-clock
time: when it will actually expire) and every emergency not yet reported upward (its escalate
clock still running), most pressing first. Already-overdue tickets belong to the overdue view.

Two reads, each served by an index (tests/store/test_query_plans.py), instead of one OR over an
outer join that read every open ticket of the town (133 ms at 200,000 tickets):
- clocks running out: `ix_tickets_counts` (town, status, due_at) — a range of `due_at`;
- unreported emergencies: `ix_clocks_ladder` (name, state, …) — the running escalate clocks.

`next_change` says when time alone next changes the band (a shown deadline passes, the next
deadline comes within the horizon): the console re-reads it then, or when the change feed moves,
and otherwise only re-words the countdowns.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select

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


def horizon(store: Store, now: datetime) -> datetime:
    return now + timedelta(minutes=store.settings.urgent_band_minutes)


_COLUMNS = (Ticket.id, Ticket.number, Ticket.title, Ticket.urgency, Ticket.status, Ticket.due_clock, Ticket.due_at)


async def band(store: Store, actor: Actor, limit: int = LIMIT) -> list[UrgentRow]:
    """The band's rows, soonest deadline first (unreported emergencies by their report clock)."""
    now = store.now()
    open_ = Ticket.status.in_(OPEN_STATUSES)
    unreported_q = visibility.where(
        select(*_COLUMNS, TicketClock.due_at).select_from(TicketClock)
        .join(Ticket, Ticket.id == TicketClock.ticket_id)
        .where(TicketClock.name == ClockName.ESCALATE, TicketClock.state == ClockState.RUNNING, open_),
        store, actor)
    async with store.db.session() as s:
        unreported = {r[0]: r for r in (await s.execute(unreported_q)).all()}
        # a ticket of both reads shows as unreported: read that many more soon ones
        soon_q = visibility.where(
            select(*_COLUMNS).where(open_, Ticket.due_at >= now, Ticket.due_at <= horizon(store, now))
            .order_by(Ticket.due_at, Ticket.number).limit(limit + len(unreported)), store, actor)
        soon = [r for r in (await s.execute(soon_q)).all() if r[0] not in unreported]
    out = []
    for _id, number, title, urgency, status, _clock, _due, report_due in unreported.values():
        out.append(UrgentRow(number, title, urgency, status, ClockName.ESCALATE.value, report_due,
                             (report_due - now).total_seconds(), True))
    for _id, number, title, urgency, status, due_clock, due_at in soon:
        if due_at is None:  # not read (the range excludes it); for the type checker
            continue
        out.append(UrgentRow(number, title, urgency, status, due_clock or "", due_at,
                             (due_at - now).total_seconds(), False))
    out.sort(key=lambda r: (r.due_at, r.number))
    return out[:limit]


async def next_change(store: Store, actor: Actor, rows: list[UrgentRow], now: datetime) -> datetime | None:
    """When time alone next changes `band()` read at `now` with these rows: the first shown
    deadline to pass (the row leaves), or the moment the next deadline beyond the horizon comes
    within it. None: nothing will (only a write, which the change feed reports, can).

    One index seek (`ix_tickets_counts`: the smallest `due_at` past the horizon per status)."""
    edge = horizon(store, now)
    q = visibility.where(select(func.min(Ticket.due_at)).where(
        Ticket.status.in_(OPEN_STATUSES), Ticket.due_at > edge), store, actor)
    async with store.db.session() as s:
        later = (await s.execute(q)).scalar_one_or_none()
    times = [r.due_at for r in rows if not r.unreported and r.due_at >= now]
    if later is not None:
        times.append(later - (edge - now))
    return min(times, default=None)


__all__ = ["LIMIT", "UrgentRow", "band", "horizon", "next_change"]
