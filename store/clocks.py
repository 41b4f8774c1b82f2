"""Starting, stopping, pausing and resuming a ticket's SLA clocks inside a write transaction.

The ticket row carries the nearest running deadline (`due_at`, `due_clock`, `warn_at`) so the
queue can sort and count without reading the clocks table; `refresh_nearest` keeps it true.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from griddesk.store import loop, sla
from griddesk.store.context import Store
from griddesk.store.enums import ClockState, LimitUnit, Urgency
from griddesk.store.models import Matter, Ticket, TicketClock


def handling_limit(matter: Matter | None, urgency: str) -> tuple[int, str]:
    """The matter's limit for this urgency; out-of-list demands get 3 working days (12345 rule).

    A matter without a variant for this urgency falls back one step at a time: emergency →
    urgent → normal, so an emergency is never given longer than an urgent ticket of the same
    matter (A001: emergency without its own variant takes urgent's 2 working hours, not 4)."""
    if matter is None:
        return (3, LimitUnit.WORK_DAYS)
    variants = {lim.urgency: (lim.value, lim.unit) for lim in matter.limits}
    for step in FALLBACK.get(urgency, (urgency,)):
        if step in variants:
            return variants[step]
    return (matter.limit_value, matter.limit_unit)


# the variants an urgency may take, in order, before the matter's normal limit
FALLBACK: dict[str, tuple[str, ...]] = {
    Urgency.EMERGENCY: (Urgency.EMERGENCY, Urgency.URGENT), Urgency.URGENT: (Urgency.URGENT,),
    Urgency.NORMAL: (Urgency.NORMAL,)}


def default_limit(store: Store, name: str) -> tuple[int, str]:
    return loop.default_limit(store.settings, name)


def warn_at(store: Store, value: int, unit: str, start: datetime, due: datetime) -> datetime:
    """When a clock running from `start` to `due` has only the due-soon share of its limit left."""
    return loop.warn_at(store, value, unit, start, due)


def make_clock(store: Store, ticket_id: int, name: str, start: datetime, value: int, unit: str,
               due: datetime | None = None) -> TicketClock:
    due = due or sla.due_at(store.calendar, start, value, unit)
    return TicketClock(ticket_id=ticket_id, name=name, limit_value=value, limit_unit=unit,
                       started_at=start, due_at=due, warn_at=warn_at(store, value, unit, start, due),
                       state=ClockState.RUNNING)


async def start(s: AsyncSession, store: Store, ticket: Ticket, name: str, at: datetime,
                value: int | None = None, unit: str | None = None,
                due: datetime | None = None) -> TicketClock:
    await stop(s, store, ticket, name, at)  # a restarted clock replaces the old one
    if value is None or unit is None:
        value, unit = default_limit(store, name)
    clock = make_clock(store, ticket.id, name, at, value, unit, due)
    s.add(clock)
    await s.flush()
    return clock


async def running(s: AsyncSession, ticket_id: int) -> list[TicketClock]:
    q = select(TicketClock).where(
        TicketClock.ticket_id == ticket_id,
        TicketClock.state.in_([ClockState.RUNNING, ClockState.PAUSED]),
    )
    return list((await s.execute(q)).scalars())


_finish = loop.finish  # the loop's rule, on ORM rows


async def stop(s: AsyncSession, store: Store, ticket: Ticket, name: str, at: datetime) -> None:
    for c in await running(s, ticket.id):
        if c.name == name:
            _finish(c, at)


async def stop_all(s: AsyncSession, store: Store, ticket: Ticket, at: datetime) -> None:
    for c in await running(s, ticket.id):
        _finish(c, at)


async def pause_all(s: AsyncSession, store: Store, ticket: Ticket, at: datetime,
                    keep: tuple[str, ...] = ()) -> None:
    """Suspension (挂账): every running clock stands still with what it had left.

    Clocks named in `keep` go on running (reporting an emergency upward is not suspended).
    """
    for c in await running(s, ticket.id):
        if c.state == ClockState.RUNNING and c.name not in keep:
            loop.pause(c, store.calendar, at)


async def resume_all(s: AsyncSession, store: Store, ticket: Ticket, at: datetime) -> None:
    for c in await running(s, ticket.id):
        if c.state == ClockState.PAUSED:
            loop.resume(c, store, at)


async def last(s: AsyncSession, ticket_id: int, name: str) -> TicketClock | None:
    """The most recent clock of this name, running or finished."""
    q = (select(TicketClock).where(TicketClock.ticket_id == ticket_id, TicketClock.name == name)
         .order_by(TicketClock.id.desc()).limit(1))
    return (await s.execute(q)).scalar_one_or_none()


async def continue_stopped(s: AsyncSession, store: Store, ticket: Ticket, name: str,
                           at: datetime) -> TicketClock | None:
    """Start again a stopped clock with what it had left when it stopped (maybe less than 0).

    Used when handling comes back after a failed verification: the time the grid worker spent
    checking does not count against the unit, the time it had used does.
    """
    prev = await last(s, ticket.id, name)
    if prev is None or prev.stopped_at is None:
        return prev
    due = loop.continued_due(prev, store.calendar, at)
    return await start(s, store, ticket, name, at, prev.limit_value, prev.limit_unit, due)


async def move(s: AsyncSession, store: Store, ticket: Ticket, name: str, due: datetime) -> None:
    """An approved extension: the clock keeps its start and gets a new deadline."""
    for c in await running(s, ticket.id):
        if c.name == name:
            loop.move(c, store, due)


async def refresh_nearest(s: AsyncSession, ticket: Ticket) -> None:
    """Copy the nearest running deadline onto the ticket row (paused clocks do not count)."""
    set_nearest(ticket, loop.nearest(await running(s, ticket.id)))


def set_nearest(ticket: Ticket, n: loop.Nearest) -> None:
    ticket.due_at, ticket.due_clock, ticket.warn_at = n.due_at, n.due_clock, n.warn_at
    if n.handle_due_at is not None:
        ticket.handle_due_at = n.handle_due_at
