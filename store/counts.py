"""The header's numbers: open, due soon, overdue and escalations, as the console's header and the
wall's boxes show them.

A county (or city) centre counts what its towns reported up or handed over
(`escalation.county_queue`), not the towns' own flags.

`crossed` says whether time alone may have changed them: the numbers move without a write only
when a running clock turns due soon (`warn_at`) or overdue (`due_at`) — a ticket's own deadline
is always one of its running clocks'. A console re-reads the counts when the change feed moves
and, on the minute, only if a clock crossed since its last read (one index seek each,
`ix_clocks_running` and `ix_clocks_ladder`), not a count of every open ticket each minute.
The alerts ask the same for deadlines alone (a notice is raised when a clock turns overdue).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from sqlalchemy import ColumnElement, Exists, exists, select

from griddesk.store import escalation, permissions, queue
from griddesk.store.actor import Actor
from griddesk.store.context import Store
from griddesk.store.enums import ClockName, ClockState
from griddesk.store.errors import StoreError
from griddesk.store.models import Ticket, TicketClock
from griddesk.store.overdue import scope


async def header_counts(store: Store, actor: Actor) -> queue.Counts:
    counts = await queue.counts(store, actor)
    if permissions.above_town(actor.jurisdiction) and permissions.may_write(actor, permissions.CENTRE):
        try:
            arrived = await escalation.county_queue(store, actor)
        except StoreError:
            return counts
        counts = replace(counts, escalations=len(arrived))
    return counts


async def crossed(store: Store, actor: Actor, since: datetime, now: datetime, warn: bool = True) -> bool:
    """Whether a running clock of an open ticket `actor` sees turned overdue — or, with `warn`,
    due soon — in [`since`, `now`] (both ends: a read at `since` may not have seen it): what
    time alone changes in the header counts and the alerts."""
    if now <= since:
        return False

    def any_clock(*where: ColumnElement[bool]) -> Exists:
        q = scope(select(TicketClock.id).join(Ticket, Ticket.id == TicketClock.ticket_id)
                  .where(TicketClock.state == ClockState.RUNNING, *where), store, actor)
        return exists(q.limit(1))

    probes = [any_clock(TicketClock.due_at >= since, TicketClock.due_at <= now)]
    if warn:  # every clock name: the index leads with it
        probes.append(any_clock(TicketClock.name.in_(list(ClockName)), TicketClock.warn_at >= since,
                                TicketClock.warn_at <= now))
    async with store.db.session() as s:
        for probe in probes:
            if (await s.execute(select(probe))).scalar():
                return True
    return False


__all__ = ["crossed", "header_counts"]
