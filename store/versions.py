"""The version guard: a write names the ticket version the operator saw; when someone changed the
ticket since, the write becomes a `Conflict` naming who did what when, and nothing is written.

The workflow's actions and the town ⇄ county hand-over both bump the version through here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value

from griddesk.store.actor import Actor
from griddesk.store.context import Store
from griddesk.store.errors import Conflict
from griddesk.store.loop import action_name
from griddesk.store.models import Ticket, TimelineEntry


@dataclass(frozen=True)
class LastChange:
    """The latest timeline entry: who did what when, for refusal and conflict messages."""

    who: str
    what: str
    at: datetime

    def when(self, store: Store) -> str:
        return store.calendar.local(self.at).strftime("%m-%d %H:%M:%S")


async def last_change(s: AsyncSession, tk: Ticket) -> LastChange | None:
    # the last change of state: annotations (supervision, report-up) don't bump the version
    e = (await s.execute(select(TimelineEntry).where(TimelineEntry.ticket_id == tk.id,
                                                     TimelineEntry.to_status.is_not(None))
                         .order_by(TimelineEntry.id.desc()).limit(1))).scalar_one_or_none()
    if e is None:
        return None
    return LastChange(e.actor, action_name(e.action), e.at)


async def conflict(s: AsyncSession, store: Store, tk: Ticket, seen: int) -> Conflict:
    await s.refresh(tk)
    last = await last_change(s, tk)
    who, what, at = (last.who, last.what, last.at) if last else (tk.updated_by, "", tk.updated_at)
    return Conflict("workflow.conflict", who=who, what=what,
                    when=store.calendar.local(at).strftime("%m-%d %H:%M:%S"),
                    version=tk.version, seen=seen, number=tk.number)


async def check(s: AsyncSession, store: Store, tk: Ticket, expected_version: int | None) -> int:
    """The version read (locked) now; a `Conflict` when it is not the one the operator saw."""
    if expected_version is not None and expected_version != tk.version:
        raise await conflict(s, store, tk, expected_version)
    return tk.version


async def bump(s: AsyncSession, store: Store, actor: Actor, tk: Ticket, seen: int, now: datetime) -> int:
    """The final guard: the row must still have the version read above (PostgreSQL's FOR UPDATE
    and SQLite's IMMEDIATE transaction make this hold; the check keeps it true by itself)."""
    res = await s.execute(update(Ticket).where(Ticket.id == tk.id, Ticket.version == seen)
                          .values(version=seen + 1, updated_at=now, updated_by=actor.label)
                          .execution_options(synchronize_session=False))
    if res.rowcount != 1:  # type: ignore[attr-defined]
        raise await conflict(s, store, tk, seen)
    for name, value in (("version", seen + 1), ("updated_at", now), ("updated_by", actor.label)):
        set_committed_value(tk, name, value)
    return seen + 1
